//! A strata handshake stays within a fixed number of allocation calls (alloc + realloc) on
//! each side, for every handshake row of the bench: a change that adds allocations to
//! connection set-up fails here. The ceilings sit just above what strata makes today; lower
//! them when a change cuts more (`cargo run --release -p strata-bench --features alloc-sites
//! --example alloc_sites` says where the rest come from). Counted with stats_alloc's
//! allocator; one test in this binary, so no other test thread allocates meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_bench::measure::Figure;
use strata_bench::memory::{counting_allocator_installed, measure};
use strata_bench::setup::{Pki, ServerKey, Setup, Version};
use strata_bench::stacks::strata::Strata;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Handshakes per setup; the figure is their median.
const HANDSHAKES: usize = 5;

/// The most allocation calls (client, server) one handshake may make in `setup`: today's
/// figures plus 2. (The RSA rows are higher on account of ring's RSA, which allocates.)
fn ceiling(setup: &Setup) -> (f64, f64) {
    match (setup.version, setup.key, setup.client_auth) {
        (Version::Tls13, ServerKey::EcdsaP256, false) => (29.0, 28.0),
        (Version::Tls13, ServerKey::EcdsaP256, true) => (41.0, 36.0),
        (Version::Tls13, ServerKey::Rsa2048, false) => (34.0, 37.0),
        (Version::Tls13, ServerKey::Rsa2048, true) => (46.0, 45.0),
        (Version::Tls12, ServerKey::EcdsaP256, false) => (30.0, 28.0),
        (Version::Tls12, ServerKey::EcdsaP256, true) => (42.0, 34.0),
        (Version::Tls12, ServerKey::Rsa2048, false) => (35.0, 37.0),
        (Version::Tls12, ServerKey::Rsa2048, true) => (47.0, 43.0),
    }
}

#[test]
fn strata_handshakes_stay_within_their_allocation_ceilings() {
    assert!(counting_allocator_installed());
    let pki = Pki::new();
    let mut over = Vec::new();
    for setup in Setup::handshakes() {
        let Figure::Value(figures) = measure::<Strata>(&pki, &setup, HANDSHAKES).unwrap() else {
            panic!("strata speaks {}", setup.name());
        };
        let (client, server) = ceiling(&setup);
        eprintln!(
            "{}: client {} (ceiling {client}), server {} (ceiling {server})",
            setup.name(),
            figures.client_allocations,
            figures.server_allocations
        );
        if figures.client_allocations > client || figures.server_allocations > server {
            over.push((
                setup.name(),
                figures.client_allocations,
                figures.server_allocations,
            ));
        }
    }
    assert!(
        over.is_empty(),
        "allocation calls per handshake (client, server) over the ceiling: {over:?}"
    );
}
