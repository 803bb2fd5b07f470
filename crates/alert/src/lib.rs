//! TLS alert and change_cipher_spec messages.
#![forbid(unsafe_code)]

mod description;

pub use description::AlertDescription;
