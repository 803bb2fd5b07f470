//! The share of the crypto floor that strata and rustls reach, measured one handshake at
//! a time: a strata handshake, the floor's primitives for the same handshake, a rustls
//! handshake, and again, N times, each timed alone. The benchmark's loops take turns
//! every 300 ms instead; on a shared machine whose speed moves within a second, this
//! finer turn-taking lets a slow stretch touch all three alike, and it runs each with
//! the other two's code and data passing through the caches in between, as a server's
//! handshakes run among other work.
//!
//! `cargo run --release -p strata-bench --example floor_share -- full 1000` runs every
//! full-handshake row of the table 1000 times; `resumed13` the TLS 1.3 resumed rows; a
//! third argument picks one row (0-based).
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use strata_bench::crypto;
use strata_bench::drive::{self, Buffers};
use strata_bench::measure::{check_resumed, checked_stack};
use strata_bench::setup::{Pki, Setup, Version};
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::stacks::Stack;

/// One handshake of `stack`, checked to have resumed (or not) as `setup` says; its time.
fn timed_handshake<S: Stack>(
    stack: &S,
    setup: &Setup,
    buffers: &mut Buffers,
) -> Result<Duration, String> {
    let start = Instant::now();
    let (client, server, _) = drive::handshake(stack, buffers)?;
    let elapsed = start.elapsed();
    check_resumed::<S>(&client, &server, setup.resumed)?;
    Ok(elapsed)
}

fn row(pki: &Pki, setup: &Setup, count: u32) -> Result<(), String> {
    let mut floor = crypto::floor_once(pki, setup)?;
    let strata = checked_stack::<Strata>(pki, setup)?.ok_or("strata: not implemented")?;
    let rustls = checked_stack::<Rustls>(pki, setup)?.ok_or("rustls: not implemented")?;
    let mut buffers = Buffers::default();
    let (mut on_strata, mut on_floor, mut on_rustls) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..count {
        on_strata += timed_handshake(&strata, setup, &mut buffers)?;
        let start = Instant::now();
        floor()?;
        on_floor += start.elapsed();
        on_rustls += timed_handshake(&rustls, setup, &mut buffers)?;
    }
    let micros = |total: Duration| total.as_secs_f64() * 1e6 / f64::from(count);
    let share = |total: Duration| on_floor.as_secs_f64() / total.as_secs_f64();
    println!(
        "{:<46} strata {:7.1} µs  floor {:7.1} µs  rustls {:7.1} µs  strata/floor {:.3}  rustls/floor {:.3}  strata/rustls {:.3}",
        setup.name(),
        micros(on_strata),
        micros(on_floor),
        micros(on_rustls),
        share(on_strata),
        share(on_rustls),
        on_rustls.as_secs_f64() / on_strata.as_secs_f64(),
    );
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "full".into());
    let count: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let only: Option<usize> = args.next().and_then(|s| s.parse().ok());
    let setups: Vec<Setup> = match kind.as_str() {
        "full" => Setup::handshakes(),
        "resumed13" => Setup::resumed_handshakes()
            .into_iter()
            .filter(|s| s.version == Version::Tls13)
            .collect(),
        other => return Err(format!("unknown kind {other}: full or resumed13")),
    };
    let pki = Pki::new();
    for (index, setup) in setups.iter().enumerate() {
        if only.is_none_or(|only| only == index) {
            row(&pki, setup, count)?;
        }
    }
    Ok(())
}
