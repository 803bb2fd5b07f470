//! nom parsers for the presentation language of RFC 8446 §3.

use crate::error::{DecodeError, DecodeErrorKind, Res};

/// A wire type that can be read from bytes, borrowing from them where it can.
pub trait Decode<'a>: Sized {
    /// Parses one value from the front of `input`, returning the rest.
    fn decode(input: &'a [u8]) -> Res<'a, Self>;

    /// Parses a value that must fill `input` exactly: trailing bytes are an error.
    fn decode_exact(input: &'a [u8]) -> Result<Self, DecodeError> {
        decode_exact(input, "", Self::decode)
    }
}

/// Runs `parser` over the whole of `input`; leftover bytes are
/// [`DecodeErrorKind::TrailingBytes`]. `field` names the value in errors that have no
/// more specific field of their own.
pub fn decode_exact<'a, T>(
    input: &'a [u8],
    field: &'static str,
    mut parser: impl FnMut(&'a [u8]) -> Res<'a, T>,
) -> Result<T, DecodeError> {
    match parser(input) {
        Ok(([], value)) => Ok(value),
        Ok((rest, _)) => Err(DecodeError::new(
            field,
            DecodeErrorKind::TrailingBytes { extra: rest.len() },
        )),
        Err(e) => Err(DecodeError::from_nom(e, field)),
    }
}

/// Gives a name to whatever `parser` fails on, unless an inner parser named it already.
pub fn field<'a, T>(
    name: &'static str,
    mut parser: impl FnMut(&'a [u8]) -> Res<'a, T>,
) -> impl FnMut(&'a [u8]) -> Res<'a, T> {
    move |input| {
        parser(input).map_err(|e| match e {
            nom::Err::Incomplete(_) => {
                nom::Err::Error(DecodeError::new(name, DecodeErrorKind::Truncated))
            }
            nom::Err::Error(e) => nom::Err::Error(e.in_field(name)),
            nom::Err::Failure(e) => nom::Err::Failure(e.in_field(name)),
        })
    }
}

fn truncated<T>() -> Res<'static, T> {
    Err(nom::Err::Error(DecodeError::new(
        "",
        DecodeErrorKind::Truncated,
    )))
}

/// Takes `N` bytes as a fixed-size array (`opaque random[32]`).
pub fn array<const N: usize>(input: &[u8]) -> Res<'_, &[u8; N]> {
    match input.split_first_chunk::<N>() {
        Some((head, rest)) => Ok((rest, head)),
        None => truncated(),
    }
}

/// `uint8`.
pub fn u8(input: &[u8]) -> Res<'_, u8> {
    let (rest, [b]) = array::<1>(input)?;
    Ok((rest, *b))
}

/// `uint16`, big-endian.
pub fn u16(input: &[u8]) -> Res<'_, u16> {
    let (rest, b) = array::<2>(input)?;
    Ok((rest, u16::from_be_bytes(*b)))
}

/// `uint24`, big-endian, widened to a `u32`.
pub fn u24(input: &[u8]) -> Res<'_, u32> {
    let (rest, [a, b, c]) = array::<3>(input)?;
    Ok((rest, u32::from_be_bytes([0, *a, *b, *c])))
}

/// `uint32`, big-endian.
pub fn u32(input: &[u8]) -> Res<'_, u32> {
    let (rest, b) = array::<4>(input)?;
    Ok((rest, u32::from_be_bytes(*b)))
}

/// The size of a vector's length prefix, which RFC 8446 §3.4 derives from the vector's
/// ceiling: 1 byte up to 2^8-1, 2 bytes up to 2^16-1, 3 bytes up to 2^24-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// One byte.
    U8,
    /// Two bytes.
    U16,
    /// Three bytes.
    U24,
}

impl LengthPrefix {
    /// The number of bytes the prefix takes.
    pub const fn size(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }

    /// The largest length the prefix can carry.
    pub const fn max(self) -> usize {
        match self {
            Self::U8 => 0xff,
            Self::U16 => 0xffff,
            Self::U24 => 0xff_ffff,
        }
    }

    fn parse(self, input: &[u8]) -> Res<'_, usize> {
        match self {
            Self::U8 => u8(input).map(|(r, n)| (r, usize::from(n))),
            Self::U16 => u16(input).map(|(r, n)| (r, usize::from(n))),
            // A u24 always fits in usize on the 32- and 64-bit targets strata supports.
            Self::U24 => u24(input).map(|(r, n)| (r, n as usize)),
        }
    }
}

/// The declared bounds of a vector's length in bytes: `<min..max>` in RFC 8446 §3.4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// The smallest length allowed.
    pub min: usize,
    /// The largest length allowed.
    pub max: usize,
}

impl Bounds {
    /// `<min..max>`.
    pub const fn new(min: usize, max: usize) -> Self {
        Self { min, max }
    }

    /// Whether `len` lies within the bounds.
    pub const fn contains(&self, len: usize) -> bool {
        self.min <= len && len <= self.max
    }
}

/// `opaque x<min..max>`: reads the length prefix, checks it against `bounds` and returns
/// the body, borrowed from the input.
pub fn length_prefixed<'a>(
    prefix: LengthPrefix,
    bounds: Bounds,
    field: &'static str,
) -> impl Fn(&'a [u8]) -> Res<'a, &'a [u8]> {
    move |input| {
        let fail = |kind| Err(nom::Err::Error(DecodeError::new(field, kind)));
        let Ok((rest, len)) = prefix.parse(input) else {
            return fail(DecodeErrorKind::Truncated);
        };
        if !bounds.contains(len) {
            return fail(DecodeErrorKind::LengthOutOfRange {
                len,
                min: bounds.min,
                max: bounds.max,
            });
        }
        match rest.split_at_checked(len) {
            Some((body, rest)) => Ok((rest, body)),
            None => fail(DecodeErrorKind::Truncated),
        }
    }
}

/// A vector of fixed-size items (`uint16 cipher_suites<2..2^16-2>`): like
/// [`length_prefixed`], and the length must also be a multiple of `item_size`.
pub fn fixed_items<'a>(
    prefix: LengthPrefix,
    bounds: Bounds,
    item_size: usize,
    field: &'static str,
) -> impl Fn(&'a [u8]) -> Res<'a, &'a [u8]> {
    let body = length_prefixed(prefix, bounds, field);
    move |input| {
        let (rest, body) = body(input)?;
        if item_size == 0 || body.len() % item_size != 0 {
            return Err(nom::Err::Error(DecodeError::new(
                field,
                DecodeErrorKind::LengthNotMultiple {
                    len: body.len(),
                    item: item_size,
                },
            )));
        }
        Ok((rest, body))
    }
}

/// The most items [`vector_of`] makes room for before it has read them.
const PRESIZED_ITEMS: usize = 32;

/// A length-prefixed vector of items each read by `item`, which must use up the body
/// exactly. Memory is bounded by the body, which is bounded by `bounds`.
pub fn vector_of<'a, T>(
    prefix: LengthPrefix,
    bounds: Bounds,
    field: &'static str,
    mut item: impl FnMut(&'a [u8]) -> Res<'a, T>,
) -> impl FnMut(&'a [u8]) -> Res<'a, Vec<T>> {
    let body = length_prefixed(prefix, bounds, field);
    move |input| {
        let (rest, body) = body(input)?;
        // Room for an item per two bytes (the size of most listed code points), up to a
        // bound: most lists are then allocated once, and a hostile length asks for little.
        let mut items = Vec::with_capacity((body.len() / 2).min(PRESIZED_ITEMS));
        each_item(body, field, &mut item, |value| items.push(value))?;
        Ok((rest, items))
    }
}

/// [`vector_of`]'s checks without its vector: the body of a length-prefixed vector whose
/// items `item` reads, each read once and dropped, for a list to be walked again in place.
pub fn checked_vector<'a, T>(
    prefix: LengthPrefix,
    bounds: Bounds,
    field: &'static str,
    mut item: impl FnMut(&'a [u8]) -> Res<'a, T>,
) -> impl FnMut(&'a [u8]) -> Res<'a, &'a [u8]> {
    let body = length_prefixed(prefix, bounds, field);
    move |input| {
        let (rest, body) = body(input)?;
        each_item(body, field, &mut item, drop)?;
        Ok((rest, body))
    }
}

/// Reads `body` item by item with `item`, handing each to `keep`; errors name `field`.
fn each_item<'a, T>(
    mut body: &'a [u8],
    field: &'static str,
    item: &mut impl FnMut(&'a [u8]) -> Res<'a, T>,
    mut keep: impl FnMut(T),
) -> Result<(), nom::Err<DecodeError>> {
    while !body.is_empty() {
        let (after, value) = item(body).map_err(|e| match e {
            nom::Err::Incomplete(_) => {
                nom::Err::Error(DecodeError::new(field, DecodeErrorKind::Truncated))
            }
            nom::Err::Error(e) => nom::Err::Error(e.in_field(field)),
            nom::Err::Failure(e) => nom::Err::Failure(e.in_field(field)),
        })?;
        // A parser that consumes nothing would loop for ever on hostile input.
        if after.len() == body.len() {
            return Err(nom::Err::Error(DecodeError::illegal(
                field,
                "item parser consumed no input",
            )));
        }
        body = after;
        keep(value);
    }
    Ok(())
}

impl<'a> Decode<'a> for u8 {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        u8(input)
    }
}

impl<'a> Decode<'a> for u16 {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        u16(input)
    }
}

impl<'a> Decode<'a> for u32 {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        u32(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        let input = [1, 2, 3, 4, 5];
        assert_eq!(u8(&input), Ok((&input[1..], 1)));
        assert_eq!(u16(&input), Ok((&input[2..], 0x0102)));
        assert_eq!(u24(&input), Ok((&input[3..], 0x010203)));
        assert_eq!(u32(&input), Ok((&input[4..], 0x01020304)));
    }

    #[test]
    fn short_integers_are_truncated_not_incomplete() {
        let err = decode_exact(&[1, 2], "version", u24).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::Truncated);
        assert_eq!(err.field(), "version");
        assert_eq!(err.to_string(), "version: input ended early");
    }

    #[test]
    fn length_below_minimum_names_the_field() {
        let p = length_prefixed(LengthPrefix::U8, Bounds::new(1, 32), "session_id");
        let err = decode_exact(&[0], "hello", &p).unwrap_err();
        assert_eq!(err.field(), "session_id");
        assert_eq!(
            err.kind(),
            DecodeErrorKind::LengthOutOfRange {
                len: 0,
                min: 1,
                max: 32
            }
        );
    }

    #[test]
    fn length_above_maximum_is_refused_before_reading_the_body() {
        let p = length_prefixed(LengthPrefix::U16, Bounds::new(0, 4), "cookie");
        let err = decode_exact(&[0, 5, 1, 2, 3, 4, 5], "", &p).unwrap_err();
        assert!(matches!(
            err.kind(),
            DecodeErrorKind::LengthOutOfRange { len: 5, .. }
        ));
    }

    #[test]
    fn body_shorter_than_prefix_is_truncated() {
        let p = length_prefixed(LengthPrefix::U24, Bounds::new(0, 100), "certificate");
        let err = decode_exact(&[0, 0, 3, 1, 2], "", &p).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::Truncated);
        assert_eq!(err.field(), "certificate");
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let err = decode_exact(&[0, 1, 2], "length", u16).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::TrailingBytes { extra: 1 });
    }

    #[test]
    fn fixed_items_need_a_whole_number_of_items() {
        let p = fixed_items(
            LengthPrefix::U16,
            Bounds::new(2, 0xfffe),
            2,
            "cipher_suites",
        );
        assert_eq!(
            decode_exact(&[0, 4, 0x13, 1, 0x13, 2], "", &p).unwrap(),
            &[0x13, 1, 0x13, 2]
        );
        let err = decode_exact(&[0, 3, 0x13, 1, 0x13], "", &p).unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::LengthNotMultiple { len: 3, item: 2 }
        );
    }

    #[test]
    fn vector_of_reads_every_item_and_rejects_a_partial_one() {
        let mut p = vector_of(LengthPrefix::U8, Bounds::new(0, 255), "groups", u16);
        assert_eq!(
            decode_exact(&[4, 0, 0x1d, 0, 0x17], "", &mut p).unwrap(),
            vec![0x1d, 0x17]
        );
        let err = decode_exact(&[3, 0, 0x1d, 0], "", &mut p).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::Truncated);
        assert_eq!(err.field(), "groups");
    }

    #[test]
    fn vector_of_refuses_an_item_parser_that_consumes_nothing() {
        let mut p = vector_of(LengthPrefix::U8, Bounds::new(0, 255), "x", |i| Ok((i, ())));
        assert!(decode_exact(&[1, 0], "", &mut p).is_err());
    }

    #[test]
    fn field_names_only_unnamed_errors() {
        let inner = length_prefixed(LengthPrefix::U8, Bounds::new(1, 2), "inner");
        let err = decode_exact(&[0], "", field("outer", &inner)).unwrap_err();
        assert_eq!(err.field(), "inner");
        let err = decode_exact(&[], "", field("outer", u16)).unwrap_err();
        assert_eq!(err.field(), "outer");
    }
}
