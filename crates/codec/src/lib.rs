//! Wire-format primitives shared by every strata layer.
//!
//! TLS describes its messages in the presentation language of RFC 8446 §3: big-endian
//! integers of 1, 2, 3 and 4 bytes, fixed-size arrays, and vectors whose length travels in
//! a 1-, 2- or 3-byte prefix and must lie within declared bounds (`opaque x<a..b>`). This
//! crate gives one way to read and write each of these:
//!
//! - nom parsers ([`u8()`], [`u16()`], [`u24()`], [`u32()`], [`array`], [`length_prefixed`],
//!   [`fixed_items`], [`vector_of`]) that borrow from their input and report errors as a
//!   [`DecodeError`] naming the field that failed;
//! - the [`Decode`] and [`Encode`] traits that every wire type implements, with
//!   [`put_length_prefixed`] writing nested length prefixes in place in a `BytesMut`;
//! - the [`codepoint!`] macro for registry enums that keep unknown values.
//!
//! The parsers here are *complete* parsers: they run over a body whose length is already
//! known (a handshake message, an extension), so running out of input is a
//! [`DecodeErrorKind::Truncated`] error, never "need more bytes". The record layer's
//! streaming header parser is the one place that waits for more input.
//!
//! ```
//! use strata_codec::{length_prefixed, u16, Bounds, LengthPrefix, put_length_prefixed, Encode};
//! use bytes::BytesMut;
//!
//! // struct { uint16 id; opaque name<1..2^8-1>; } written and read back.
//! let mut out = BytesMut::new();
//! 7u16.encode(&mut out);
//! put_length_prefixed(&mut out, LengthPrefix::U8, |out| out.extend_from_slice(b"strata"));
//! assert_eq!(&out[..], b"\x00\x07\x06strata");
//!
//! let (rest, id) = u16(&out).unwrap();
//! let (rest, name) = length_prefixed(LengthPrefix::U8, Bounds::new(1, 255), "name")(rest).unwrap();
//! assert_eq!((id, name, rest.len()), (7, &b"strata"[..], 0));
//! ```
#![forbid(unsafe_code)]

mod codepoint;
mod decode;
mod encode;
mod error;

pub use decode::{
    array, checked_vector, decode_exact, field, fixed_items, length_prefixed, u16, u24, u32, u8,
    vector_of, Bounds, Decode, LengthPrefix,
};
pub use encode::{put_length_prefixed, put_opaque, put_u24, put_vector, Encode};
pub use error::{DecodeError, DecodeErrorKind, Res};

/// Re-exported so that users of [`codepoint!`] need not depend on bytes themselves.
pub use bytes;
