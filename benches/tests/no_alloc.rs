//! Once a strata connection is established and warmed up, sending and receiving records
//! allocates nothing: 1000 writes of 16 KiB, each sealed, carried over and opened and read
//! back, for every AEAD. Counted with stats_alloc's allocator; one test in this binary, so
//! no other test thread allocates meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_bench::drive::RECORD;
use strata_bench::memory::{allocations_per_records, counting_allocator_installed};
use strata_bench::setup::{Aead, Pki, Setup};
use strata_bench::stacks::strata::Strata;

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
    for aead in Aead::ALL {
        let count =
            allocations_per_records::<Strata>(&pki, &Setup::bulk(aead), &payload, WARM_UP, RECORDS)
                .unwrap()
                .expect("strata speaks TLS 1.3");
        counts.push((aead.name(), count));
    }
    assert!(
        counts.iter().all(|(_, c)| *c <= HARNESS_SLACK),
        "allocation calls for {RECORDS} records of 16 KiB sent and received: {counts:?}"
    );
}
