//! Record protection under fixed keys, for every AEAD and both versions: an arbitrary
//! record through `open` must fail cleanly or give content within the limits; a sealed
//! record must open to what was sealed; a sealed record with any byte changed must not
//! open.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use strata_record::{limits, AeadAlgorithm, ContentType, Opener, RecordVersion, Sealer};

fn keys(version: RecordVersion, alg: AeadAlgorithm) -> (Sealer, Opener) {
    let key = vec![0x42; alg.key_len()];
    match version {
        RecordVersion::Tls13 => (
            Sealer::for_tls13(alg, &key, &[0x24; 12]).unwrap(),
            Opener::for_tls13(alg, &key, &[0x24; 12]).unwrap(),
        ),
        RecordVersion::Tls12 => {
            let iv = vec![0x24; alg.tls12_fixed_iv_len()];
            (
                Sealer::for_tls12(alg, &key, &iv).unwrap(),
                Opener::for_tls12(alg, &key, &iv).unwrap(),
            )
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&control, data)) = input.split_first() else {
        return;
    };
    let version = if control & 1 == 0 {
        RecordVersion::Tls13
    } else {
        RecordVersion::Tls12
    };
    let alg = AeadAlgorithm::ALL[usize::from(control >> 1) % 3];
    let (mut sealer, mut opener) = keys(version, alg);

    match (control >> 3) % 3 {
        // An arbitrary record.
        0 => {
            let mut record = data.to_vec();
            match opener.open_in_place(&mut record) {
                Ok((_, range)) => {
                    assert!(range.end <= record.len());
                    assert!(range.len() <= limits::MAX_PLAINTEXT_LEN);
                    assert_eq!(opener.sequence_number(), 1);
                }
                Err(e) => {
                    let _ = e.alert();
                    assert_eq!(opener.sequence_number(), 0);
                }
            }
        }
        // Seal what the input says, then open it.
        1 => {
            let [ct, pad, content @ ..] = data else {
                return;
            };
            let content_type = ContentType::from(*ct);
            let mut buf = BytesMut::new();
            let at = sealer.reserve_header(&mut buf);
            buf.extend_from_slice(content);
            match sealer.seal_in_place(content_type, &mut buf, at, usize::from(*pad)) {
                Ok(()) => {
                    assert!(buf.len() <= limits::MAX_RECORD_LEN);
                    let (got, range) = opener.open_in_place(&mut buf).unwrap();
                    assert_eq!(got, content_type);
                    assert_eq!(&buf[range], content);
                }
                Err(e) => {
                    let _ = e.alert();
                }
            }
        }
        // Seal, change one byte, and it must not open.
        _ => {
            let [at_hi, at_lo, flip, content @ ..] = data else {
                return;
            };
            let mut out = BytesMut::new();
            if sealer
                .seal(ContentType::ApplicationData, content, &mut out)
                .is_err()
            {
                return;
            }
            let at = usize::from(u16::from_be_bytes([*at_hi, *at_lo])) % out.len();
            out[at] ^= flip.max(&1);
            assert!(opener.open_in_place(&mut out).is_err());
        }
    }
});
