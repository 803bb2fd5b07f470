//! Writing wire types into a `BytesMut`.

use bytes::{BufMut, BytesMut};

use crate::decode::LengthPrefix;

/// A wire type that can be written in its TLS encoding.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut BytesMut);

    /// The encoding of `self` in a new buffer.
    fn to_bytes(&self) -> BytesMut {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        out
    }
}

impl Encode for u8 {
    fn encode(&self, out: &mut BytesMut) {
        out.put_u8(*self);
    }
}

impl Encode for u16 {
    fn encode(&self, out: &mut BytesMut) {
        out.put_u16(*self);
    }
}

impl Encode for u32 {
    fn encode(&self, out: &mut BytesMut) {
        out.put_u32(*self);
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, out: &mut BytesMut) {
        (**self).encode(out);
    }
}

/// Writes a `uint24`. Only the low 24 bits of `value` are written; callers hold values
/// that fit (handshake lengths are bounded far below 2^24).
pub fn put_u24(out: &mut BytesMut, value: u32) {
    let [_, a, b, c] = value.to_be_bytes();
    out.put_slice(&[a, b, c]);
}

/// Writes a length-prefixed vector in place: a placeholder prefix, then whatever `body`
/// writes, then the prefix is filled in with the body's length. Nested vectors need no
/// intermediate buffer.
///
/// # Panics
///
/// If `body` writes more than the prefix can carry. Every strata type that can be encoded
/// checks its limits when it is built, so this is a bug in the caller, never peer input.
pub fn put_length_prefixed(
    out: &mut BytesMut,
    prefix: LengthPrefix,
    body: impl FnOnce(&mut BytesMut),
) {
    let at = out.len();
    let size = prefix.size();
    out.put_bytes(0, size);
    body(out);
    let len = out.len() - at - size;
    assert!(
        len <= prefix.max(),
        "vector of {len} bytes does not fit a {size}-byte length prefix"
    );
    let be = (len as u32).to_be_bytes();
    if let (Some(slot), Some(src)) = (out.get_mut(at..at + size), be.get(4 - size..)) {
        slot.copy_from_slice(src);
    }
}

/// Writes `opaque x<..>`: the bytes behind a length prefix.
pub fn put_opaque(out: &mut BytesMut, prefix: LengthPrefix, bytes: &[u8]) {
    put_length_prefixed(out, prefix, |out| out.put_slice(bytes));
}

/// Writes `T x<..>`: each item's encoding behind one length prefix.
pub fn put_vector<T: Encode>(out: &mut BytesMut, prefix: LengthPrefix, items: &[T]) {
    put_length_prefixed(out, prefix, |out| {
        for item in items {
            item.encode(out);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_prefixes_are_filled_in_place() {
        let mut out = BytesMut::new();
        put_length_prefixed(&mut out, LengthPrefix::U16, |out| {
            1u8.encode(out);
            put_length_prefixed(out, LengthPrefix::U24, |out| {
                out.put_slice(b"abc");
            });
        });
        assert_eq!(&out[..], &[0, 7, 1, 0, 0, 3, b'a', b'b', b'c']);
    }

    #[test]
    fn u24_writes_three_bytes() {
        let mut out = BytesMut::new();
        put_u24(&mut out, 0x010203);
        assert_eq!(&out[..], &[1, 2, 3]);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn oversized_body_is_a_caller_bug() {
        let mut out = BytesMut::new();
        put_length_prefixed(&mut out, LengthPrefix::U8, |out| out.put_bytes(0, 256));
    }
}
