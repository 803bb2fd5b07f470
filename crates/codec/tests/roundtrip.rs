//! Property tests: everything the codec writes, it reads back unchanged.

use bytes::BytesMut;
use proptest::prelude::*;
use strata_codec::{
    decode_exact, length_prefixed, put_length_prefixed, put_u24, u24, vector_of, Bounds, Decode,
    Encode, LengthPrefix,
};

fn prefix() -> impl Strategy<Value = LengthPrefix> {
    prop_oneof![
        Just(LengthPrefix::U8),
        Just(LengthPrefix::U16),
        Just(LengthPrefix::U24)
    ]
}

proptest! {
    #[test]
    fn integers_round_trip(a: u8, b: u16, c in 0u32..=0xff_ffff, d: u32) {
        let mut out = BytesMut::new();
        a.encode(&mut out);
        b.encode(&mut out);
        put_u24(&mut out, c);
        d.encode(&mut out);
        let parsed = decode_exact(&out, "ints", |i| {
            let (i, a) = u8::decode(i)?;
            let (i, b) = u16::decode(i)?;
            let (i, c) = u24(i)?;
            let (i, d) = u32::decode(i)?;
            Ok((i, (a, b, c, d)))
        });
        prop_assert_eq!(parsed, Ok((a, b, c, d)));
    }

    #[test]
    fn opaque_vectors_round_trip(prefix in prefix(), body in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assume!(body.len() <= prefix.max());
        let mut out = BytesMut::new();
        put_length_prefixed(&mut out, prefix, |out| out.extend_from_slice(&body));
        prop_assert_eq!(out.len(), prefix.size() + body.len());
        let parser = length_prefixed(prefix, Bounds::new(0, prefix.max()), "body");
        prop_assert_eq!(decode_exact(&out, "", parser), Ok(&body[..]));
    }

    #[test]
    fn vectors_of_items_round_trip(items in proptest::collection::vec(any::<u16>(), 0..100)) {
        let mut out = BytesMut::new();
        put_length_prefixed(&mut out, LengthPrefix::U16, |out| {
            for item in &items {
                item.encode(out);
            }
        });
        let parser = vector_of(LengthPrefix::U16, Bounds::new(0, 0xffff), "items", u16::decode);
        prop_assert_eq!(decode_exact(&out, "", parser), Ok(items));
    }

    #[test]
    fn arbitrary_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..64)) {
        let parser = vector_of(
            LengthPrefix::U8,
            Bounds::new(0, 255),
            "outer",
            length_prefixed(LengthPrefix::U8, Bounds::new(1, 8), "inner"),
        );
        let _ = decode_exact(&input, "", parser);
    }
}
