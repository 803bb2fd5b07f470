//! TLS record layer: content types, framing, deframing, fragmenting and AEAD record protection.
#![forbid(unsafe_code)]

mod content_type;

pub use content_type::{ContentType, ProtocolVersion};
