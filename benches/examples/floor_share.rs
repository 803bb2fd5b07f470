//! The "one at a time" table of the benchmark ([`strata_bench::turns`]) for some rows,
//! with three decimals: strata, the crypto floor and rustls taking turns one handshake at
//! a time. A yardstick for a change to the hot path: strata/rustls moves by 1 to 3%
//! between runs of one build here, so compare several runs of each build, alternated.
//!
//! `cargo run --release -p strata-bench --example floor_share -- full 2` runs every
//! full-handshake row for 2 seconds; `resumed13` and `resumed12` the resumed rows; a
//! third argument picks one row (0-based).
#![forbid(unsafe_code)]

use std::time::Duration;

use strata_bench::setup::{Pki, Setup};
use strata_bench::turns;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "full".into());
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let only: Option<usize> = args.next().and_then(|s| s.parse().ok());
    let setups = Setup::of_kind(&kind)?;
    let pki = Pki::new();
    for (index, setup) in setups.iter().enumerate() {
        if only.is_some_and(|only| only != index) {
            continue;
        }
        let t = turns::measure(&pki, setup, Duration::from_secs_f64(seconds), 11)?;
        println!(
            "{:<46} strata {:7.1} µs  floor {:7.1} µs  rustls {:7.1} µs  strata/rustls {:.3}  strata/floor {:.3}  rustls/floor {:.3}",
            setup.name(),
            t.strata.median(),
            t.floor.median(),
            t.rustls.median(),
            t.strata_over_rustls(),
            t.strata_share(),
            t.rustls_share(),
        );
    }
    Ok(())
}
