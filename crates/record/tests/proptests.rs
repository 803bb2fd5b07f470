//! Property tests: header round trips, seal/open round trips for every AEAD and version,
//! and fragmenter + deframer reassembling any stream through any chunking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use bytes::BytesMut;
use proptest::prelude::*;
use strata_codec::Encode;
use strata_record::{
    limits, parse_record, AeadAlgorithm, ContentType, Deframer, Fragmenter, Opener,
    ProtocolVersion, RecordHeader, RecordKind, RecordVersion, Sealer,
};

fn content_type() -> impl Strategy<Value = ContentType> {
    prop_oneof![
        Just(ContentType::ChangeCipherSpec),
        Just(ContentType::Alert),
        Just(ContentType::Handshake),
        Just(ContentType::ApplicationData),
    ]
}

fn aead() -> impl Strategy<Value = AeadAlgorithm> {
    prop_oneof![
        Just(AeadAlgorithm::Aes128Gcm),
        Just(AeadAlgorithm::Aes256Gcm),
        Just(AeadAlgorithm::Chacha20Poly1305),
    ]
}

fn version() -> impl Strategy<Value = RecordVersion> {
    prop_oneof![Just(RecordVersion::Tls12), Just(RecordVersion::Tls13)]
}

fn keys(v: RecordVersion, alg: AeadAlgorithm, seed: u8) -> (Sealer, Opener) {
    let key = vec![seed; alg.key_len()];
    let iv_len = match v {
        RecordVersion::Tls13 => alg.iv_len(),
        RecordVersion::Tls12 => alg.tls12_fixed_iv_len(),
    };
    let iv = vec![seed.wrapping_mul(3); iv_len];
    match v {
        RecordVersion::Tls13 => (
            Sealer::for_tls13(alg, &key, &iv).unwrap(),
            Opener::for_tls13(alg, &key, &iv).unwrap(),
        ),
        RecordVersion::Tls12 => (
            Sealer::for_tls12(alg, &key, &iv).unwrap(),
            Opener::for_tls12(alg, &key, &iv).unwrap(),
        ),
    }
}

/// Feeds `stream` to `deframer` in chunks of the given sizes (cycled), collecting records.
fn deframe_in_chunks(
    deframer: &mut Deframer,
    stream: &[u8],
    chunks: &[usize],
    mut each: impl FnMut(strata_record::Record),
) {
    let mut rest = stream;
    let mut i = 0;
    while !rest.is_empty() {
        let size = chunks[i % chunks.len()].min(rest.len());
        i += 1;
        let took = deframer.push(&rest[..size]);
        rest = &rest[took..];
        while let Some(record) = deframer.next_record().unwrap() {
            each(record);
        }
    }
}

proptest! {
    #[test]
    fn header_encode_then_parse(
        ct in content_type(),
        minor in any::<u8>(),
        fragment in proptest::collection::vec(any::<u8>(), 1..600),
        trailing in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let header = RecordHeader {
            content_type: ct,
            version: ProtocolVersion::from(0x0300 | u16::from(minor)),
            length: u16::try_from(fragment.len()).unwrap(),
        };
        let mut wire = header.to_bytes();
        wire.extend_from_slice(&fragment);
        wire.extend_from_slice(&trailing);
        let (rest, (got, body)) = parse_record(&wire, RecordKind::Plaintext).unwrap();
        prop_assert_eq!(got, header);
        prop_assert_eq!(body, &fragment[..]);
        prop_assert_eq!(rest, &trailing[..]);
        // Every proper prefix asks for exactly the missing bytes (or for the header).
        let cut = wire.len() - trailing.len() - 1;
        match parse_record(&wire[..cut], RecordKind::Plaintext) {
            Err(nom::Err::Incomplete(nom::Needed::Size(n))) => {
                let missing = if cut < limits::HEADER_LEN { limits::HEADER_LEN - cut } else { 1 };
                prop_assert_eq!(n.get(), missing);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn seal_then_open(
        v in version(),
        alg in aead(),
        seed in any::<u8>(),
        records in proptest::collection::vec(
            (content_type(), proptest::collection::vec(any::<u8>(), 0..1500), 0usize..300),
            1..6,
        ),
    ) {
        let (mut sealer, mut opener) = keys(v, alg, seed);
        for (ct, data, padding) in records {
            // Only application data may be empty; change_cipher_spec is never protected
            // in TLS 1.3.
            let ct = if v == RecordVersion::Tls13 && ct == ContentType::ChangeCipherSpec {
                ContentType::Handshake
            } else {
                ct
            };
            if data.is_empty() && ct != ContentType::ApplicationData {
                continue;
            }
            let mut buf = BytesMut::new();
            let at = sealer.reserve_header(&mut buf);
            buf.extend_from_slice(&data);
            sealer.seal_in_place(ct, &mut buf, at, padding).unwrap();
            let (got, range) = opener.open_in_place(&mut buf).unwrap();
            prop_assert_eq!(got, ct);
            prop_assert_eq!(&buf[range], &data[..]);
        }
        prop_assert_eq!(sealer.sequence_number(), opener.sequence_number());
    }

    #[test]
    fn fragmenter_and_deframer_reassemble_any_stream(
        protected in proptest::option::of((version(), aead())),
        data in proptest::collection::vec(any::<u8>(), 0..40_000),
        max_fragment in prop_oneof![1usize..64, 64usize..=(1 << 14)],
        chunks in proptest::collection::vec(1usize..30_000, 1..8),
    ) {
        let fragmenter = Fragmenter::with_max_fragment_len(max_fragment);
        let mut wire = BytesMut::new();
        let mut deframer = Deframer::new();
        let mut got = Vec::new();
        match protected {
            None => {
                let n = fragmenter
                    .write_plaintext(ContentType::Handshake, ProtocolVersion::Tls12, &data, &mut wire)
                    .unwrap();
                prop_assert_eq!(n, data.len().div_ceil(max_fragment));
                deframe_in_chunks(&mut deframer, &wire, &chunks, |r| {
                    assert!(r.fragment().len() <= max_fragment);
                    got.extend_from_slice(&r.into_fragment());
                });
            }
            Some((v, alg)) => {
                let (mut sealer, mut opener) = keys(v, alg, 7);
                fragmenter
                    .seal(&mut sealer, ContentType::ApplicationData, &data, &mut wire)
                    .unwrap();
                deframer.set_kind(RecordKind::Protected(v));
                deframe_in_chunks(&mut deframer, &wire, &chunks, |r| {
                    let plain = opener.open(r).unwrap();
                    assert_eq!(plain.content_type, ContentType::ApplicationData);
                    assert!(plain.fragment.len() <= max_fragment);
                    got.extend_from_slice(&plain.fragment);
                });
            }
        }
        prop_assert_eq!(got, data);
        prop_assert!(deframer.is_empty());
    }

    #[test]
    fn deframer_returns_a_prefix_of_any_input_or_an_error(
        input in proptest::collection::vec(any::<u8>(), 0..3000),
        chunks in proptest::collection::vec(1usize..100, 1..5),
        protected in any::<bool>(),
    ) {
        let mut deframer = Deframer::new();
        if protected {
            deframer.set_kind(RecordKind::Protected(RecordVersion::Tls12));
        }
        let mut seen = Vec::new();
        let mut rest = &input[..];
        let mut i = 0;
        'outer: while !rest.is_empty() {
            let size = chunks[i % chunks.len()].min(rest.len());
            i += 1;
            rest = &rest[deframer.push(&rest[..size])..];
            loop {
                match deframer.next_record() {
                    Ok(Some(r)) => seen.extend_from_slice(r.as_bytes()),
                    Ok(None) => break,
                    Err(e) => {
                        // The error is sticky and names an alert.
                        prop_assert_eq!(deframer.next_record(), Err(e.clone()));
                        let _ = e.alert();
                        break 'outer;
                    }
                }
            }
        }
        prop_assert_eq!(&seen[..], &input[..seen.len()]);
    }
}
