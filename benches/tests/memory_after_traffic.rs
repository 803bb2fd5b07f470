//! A strata connection that has carried traffic and is idle again holds no record-sized
//! buffer: its receive and send buffers went back to the configuration's pool once
//! drained. Counted with stats_alloc's allocator; one test in this binary, so no other
//! test thread allocates meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_bench::drive::RECORD;
use strata_bench::memory::{counting_allocator_installed, measure_after_traffic};
use strata_bench::setup::{Pki, Setup};
use strata_bench::stacks::strata::Strata;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn strata_gives_its_record_buffers_back_after_traffic() {
    assert!(counting_allocator_installed());
    let pki = Pki::new();
    for setup in Setup::handshakes() {
        // measure_after_traffic checks that every byte sent arrived.
        let figures = measure_after_traffic::<Strata>(&pki, &setup, 8)
            .unwrap()
            .value()
            .copied()
            .expect("strata speaks both versions");
        // One record buffer alone would be RECORD bytes; what is left is the state of a
        // connection (keys, the session, the peer's certificates).
        for (side, bytes) in [
            ("client", figures.client_bytes),
            ("server", figures.server_bytes),
        ] {
            assert!(
                bytes < RECORD as f64 * 0.75,
                "{} {side}: {bytes} bytes held after traffic",
                setup.name()
            );
        }
    }
}
