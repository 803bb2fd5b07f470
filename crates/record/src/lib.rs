//! TLS record layer: content types, framing, deframing, fragmenting and AEAD record
//! protection, sans-IO.
//!
//! - [`parse_header`] / [`parse_record`]: a nom *streaming* parser for the 5-byte record
//!   header (RFC 8446 §5.1, RFC 5246 §6.2.1) that says "need n more bytes" on partial
//!   input and checks content type, version and length limits ([`RecordKind`]).
//! - [`Deframer`]: bytes in any chunking in, whole [`Record`]s out, with bounded buffering.
//! - [`Fragmenter`]: cuts outgoing data into records no larger than the limit in force
//!   (2^14, or the peer's RFC 8449 record_size_limit).
//! - [`Sealer`] / [`Opener`]: AEAD record protection for TLS 1.3 (RFC 8446 §5.2–§5.4)
//!   and TLS 1.2 (RFC 5288, RFC 7905), in place, with sequence numbers that never wrap.
//! - [`RecordError`]: every refusal, with the alert to send ([`RecordError::alert`]);
//!   [`limits`]: every size limit.
//!
//! ```
//! use bytes::BytesMut;
//! use strata_record::{AeadAlgorithm, ContentType, Deframer, Opener, RecordKind, RecordVersion, Sealer};
//!
//! // Keys as the handshake layer's key schedule would hand them over.
//! let (key, iv) = ([7u8; 16], [9u8; 12]);
//! let mut sealer = Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, &key, &iv)?;
//! let mut opener = Opener::for_tls13(AeadAlgorithm::Aes128Gcm, &key, &iv)?;
//!
//! // Seal two records into one buffer, as they would go on the wire.
//! let mut wire = BytesMut::with_capacity(256);
//! sealer.seal(ContentType::Handshake, b"\x14\x00\x00\x00", &mut wire)?;
//! sealer.seal(ContentType::ApplicationData, b"hello", &mut wire)?;
//!
//! // Deframe them from a stream that arrives three bytes at a time, and open them in place.
//! let mut deframer = Deframer::new();
//! deframer.set_kind(RecordKind::Protected(RecordVersion::Tls13));
//! let mut got = Vec::new();
//! for chunk in wire.chunks(3) {
//!     assert_eq!(deframer.push(chunk), chunk.len());
//!     while let Some(record) = deframer.next_record()? {
//!         assert_eq!(record.content_type(), ContentType::ApplicationData); // outer type
//!         let plain = opener.open(record)?;
//!         got.push((plain.content_type, plain.fragment.to_vec()));
//!     }
//! }
//! assert_eq!(got[0], (ContentType::Handshake, b"\x14\x00\x00\x00".to_vec()));
//! assert_eq!(got[1], (ContentType::ApplicationData, b"hello".to_vec()));
//! # Ok::<(), strata_record::RecordError>(())
//! ```
#![forbid(unsafe_code)]

mod content_type;
mod deframer;
mod error;
mod fragmenter;
mod header;
pub mod limits;
mod protection;
mod seal_buffer;

pub use content_type::{ContentType, ProtocolVersion};
pub use deframer::{Deframer, Record, READ_AHEAD};
pub use error::RecordError;
pub use fragmenter::Fragmenter;
pub use header::{
    front_record, parse_header, parse_record, write_plaintext_record, RecordHeader, RecordKind,
    RecordVersion,
};

pub use protection::{AeadAlgorithm, Opener, PlainRecord, Sealer};
pub use seal_buffer::SealBuffer;
