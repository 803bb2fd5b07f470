//! Once a strata connection is established and warmed up, sending and receiving records
//! allocates nothing: 1000 writes of 16 KiB, each sealed, carried over and opened and read
//! back, for every AEAD and both versions, through the buffered calls and through the
//! in-place ones. Counted with stats_alloc's allocator; one test in this binary, so
//! no other test thread allocates meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_bench::drive::RECORD;
use strata_bench::memory::{
    allocation_calls, allocations_per_records, counting_allocator_installed,
};
use strata_bench::setup::{Aead, Pki, Setup, Version};
use strata_bench::stacks::strata::{InPlacePair, Strata};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const RECORDS: usize = 1000;
const WARM_UP: usize = 16;

/// The counter is process-wide: the test harness's own threads may allocate a few times
/// meanwhile. One allocation per record would show as at least RECORDS.
const HARNESS_SLACK: u64 = 8;

#[test]
fn strata_allocates_nothing_per_record_after_the_handshake() {
    assert!(counting_allocator_installed());
    let pki = Pki::new();
    let payload = vec![0xa5; RECORD];
    let mut counts = Vec::new();
    for version in [Version::Tls13, Version::Tls12] {
        for aead in Aead::ALL {
            let setup = Setup::bulk(version, aead);
            let name = format!("{} {}", version.name(), aead.name());
            let count = allocations_per_records::<Strata>(&pki, &setup, &payload, WARM_UP, RECORDS)
                .unwrap()
                .expect("strata speaks both versions");
            counts.push((name.clone(), "buffered", count));

            let mut pair = InPlacePair::new(&pki, &setup, &payload, 1).unwrap();
            for _ in 0..WARM_UP {
                pair.one_way().unwrap();
            }
            let before = allocation_calls();
            for _ in 0..RECORDS {
                let (_, _, opened) = pair.one_way().unwrap();
                assert_eq!(opened, RECORD);
            }
            let count = allocation_calls() - before;
            counts.push((name, "in place", count));
        }
    }
    assert!(
        counts.iter().all(|(_, _, c)| *c <= HARNESS_SLACK),
        "allocation calls for {RECORDS} records of 16 KiB sent and received: {counts:?}"
    );
}
