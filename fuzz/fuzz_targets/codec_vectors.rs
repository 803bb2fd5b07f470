//! Nested length-prefixed vectors of every prefix size, as the handshake messages use them:
//! arbitrary input parses to a typed error or to a value that encodes back to exactly the
//! bytes it was read from.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use strata_codec::{
    decode_exact, fixed_items, length_prefixed, put_length_prefixed, u16, vector_of, Bounds,
    LengthPrefix, Res,
};

/// struct { uint16 id; opaque names<0..2^16-1> of opaque name<1..2^8-1>;
///          uint16 suites<2..2^16-2>; opaque blob<0..2^24-1>; }
#[derive(Debug, PartialEq)]
struct Sample<'a> {
    id: u16,
    names: Vec<&'a [u8]>,
    suites: &'a [u8],
    blob: &'a [u8],
}

fn sample(input: &[u8]) -> Res<'_, Sample<'_>> {
    let (input, id) = u16(input)?;
    let (input, names) = vector_of(
        LengthPrefix::U16,
        Bounds::new(0, 0xffff),
        "names",
        length_prefixed(LengthPrefix::U8, Bounds::new(1, 0xff), "name"),
    )(input)?;
    let (input, suites) = fixed_items(LengthPrefix::U16, Bounds::new(2, 0xfffe), 2, "suites")(input)?;
    let (input, blob) = length_prefixed(LengthPrefix::U24, Bounds::new(0, 0xff_ffff), "blob")(input)?;
    Ok((input, Sample { id, names, suites, blob }))
}

fn encode(value: &Sample<'_>) -> BytesMut {
    let mut out = BytesMut::new();
    out.extend_from_slice(&value.id.to_be_bytes());
    put_length_prefixed(&mut out, LengthPrefix::U16, |out| {
        for name in &value.names {
            put_length_prefixed(out, LengthPrefix::U8, |out| out.extend_from_slice(name));
        }
    });
    put_length_prefixed(&mut out, LengthPrefix::U16, |out| out.extend_from_slice(value.suites));
    put_length_prefixed(&mut out, LengthPrefix::U24, |out| out.extend_from_slice(value.blob));
    out
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode_exact(data, "sample", sample) {
        let bytes = encode(&value);
        assert_eq!(&bytes[..], data);
        assert_eq!(decode_exact(&bytes, "sample", sample), Ok(value));
    }
});
