//! Once buffers are reserved, sealing and opening records allocate nothing, and the
//! deframer → opener path allocates a bounded, constant amount however many records pass.
//! Counted with an instrumented global allocator; everything measured runs in one test so
//! that no other test thread allocates at the same time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::alloc::System;

use bytes::BytesMut;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_record::{
    AeadAlgorithm, ContentType, Deframer, Opener, RecordKind, RecordVersion, Sealer,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: usize = 1000;

/// The counter is process-wide: the test harness's own threads may allocate a few times
/// while a region is open (seen on a loaded CI machine). A per-record allocation would
/// show as at least ROUNDS; anything at or under this slack is not ours.
const HARNESS_SLACK: u64 = 8;

fn keys(version: RecordVersion, alg: AeadAlgorithm) -> (Sealer, Opener) {
    let key = vec![0x11; alg.key_len()];
    match version {
        RecordVersion::Tls13 => (
            Sealer::for_tls13(alg, &key, &[0x22; 12]).unwrap(),
            Opener::for_tls13(alg, &key, &[0x22; 12]).unwrap(),
        ),
        RecordVersion::Tls12 => {
            let iv = vec![0x22; alg.tls12_fixed_iv_len()];
            (
                Sealer::for_tls12(alg, &key, &iv).unwrap(),
                Opener::for_tls12(alg, &key, &iv).unwrap(),
            )
        }
    }
}

#[test]
fn record_protection_does_not_allocate_per_record() {
    let payload: Vec<u8> = (0..1200u32).map(|i| i as u8).collect();
    for version in [RecordVersion::Tls13, RecordVersion::Tls12] {
        for alg in AeadAlgorithm::ALL {
            let (mut sealer, mut opener) = keys(version, alg);
            let mut buf = BytesMut::with_capacity(1 << 15);

            // Seal and open in place, 1000 times, in one pre-reserved buffer.
            let region = Region::new(GLOBAL);
            for i in 0..ROUNDS {
                buf.clear();
                let at = sealer.reserve_header(&mut buf);
                let len = 1 + i % payload.len();
                buf.extend_from_slice(&payload[..len]);
                sealer
                    .seal_in_place(ContentType::ApplicationData, &mut buf, at, i % 7)
                    .unwrap();
                let (ct, range) = opener.open_in_place(&mut buf).unwrap();
                assert_eq!(ct, ContentType::ApplicationData);
                assert_eq!(&buf[range], &payload[..len]);
            }
            let stats = region.change();
            assert!(
                (stats.allocations + stats.reallocations) as u64 <= HARNESS_SLACK,
                "seal/open in place, {version:?} {alg:?}: {} allocations, {} reallocations",
                stats.allocations,
                stats.reallocations
            );

            // seal() appending into a buffer with room, then opening a copy in place.
            let mut wire = BytesMut::with_capacity(1 << 15);
            let region = Region::new(GLOBAL);
            for _ in 0..ROUNDS {
                wire.clear();
                sealer
                    .seal(ContentType::Handshake, &payload[..100], &mut wire)
                    .unwrap();
                let (ct, range) = opener.open_in_place(&mut wire).unwrap();
                assert_eq!((ct, range.len()), (ContentType::Handshake, 100));
            }
            let stats = region.change();
            assert!(
                stats.allocations as u64 <= HARNESS_SLACK,
                "seal(), {version:?} {alg:?}: {} allocations",
                stats.allocations
            );
        }
    }

    // Deframer -> opener -> plaintext consumed and dropped, for 1000 records arriving in
    // 4 KiB chunks: the allocations do not grow with the number of records.
    let (mut sealer, mut opener) = keys(RecordVersion::Tls13, AeadAlgorithm::Aes128Gcm);
    let mut stream = BytesMut::with_capacity(ROUNDS * 1400);
    for i in 0..ROUNDS {
        let len = 1 + (i * 37) % payload.len();
        sealer
            .seal(ContentType::ApplicationData, &payload[..len], &mut stream)
            .unwrap();
    }
    let mut deframer = Deframer::new();
    deframer.set_kind(RecordKind::Protected(RecordVersion::Tls13));
    let region = Region::new(GLOBAL);
    let (mut records, mut bytes, mut rest) = (0, 0, &stream[..]);
    while !rest.is_empty() {
        let chunk = &rest[..rest.len().min(4096)];
        let took = deframer.push(chunk);
        rest = &rest[took..];
        while let Some(record) = deframer.next_record().unwrap() {
            let plain = opener.open(record).unwrap();
            bytes += plain.fragment.len();
            records += 1;
        }
    }
    let stats = region.change();
    assert_eq!(records, ROUNDS);
    assert!(bytes > 0);
    // The first split of the deframer's buffer makes it shared (one small allocation);
    // after that its space is reclaimed in place.
    assert!(
        (stats.allocations + stats.reallocations) as u64 <= 1 + HARNESS_SLACK,
        "deframer path: {stats:?}"
    );
}
