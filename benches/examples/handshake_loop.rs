//! One stack's full handshakes in a loop, for a profiler:
//! `perf record cargo run --release -p strata-bench --example handshake_loop -- strata 3`
//! runs strata's TLS 1.3 ECDSA P-256 handshakes (no client authentication) for 3
//! seconds. The stack is strata, rustls or openssl.
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use strata_bench::drive::{self, Buffers};
use strata_bench::measure::checked_stack;
use strata_bench::setup::{Pki, Setup};
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::stacks::Stack;

fn run<S: Stack>(seconds: u64) -> Result<(), String> {
    let pki = Pki::new();
    let setup = Setup::handshakes()
        .into_iter()
        .next()
        .ok_or("no handshake setup")?;
    let stack = checked_stack::<S>(&pki, &setup)?.ok_or("not implemented")?;
    let mut buffers = Buffers::default();
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        drop(drive::handshake(&stack, &mut buffers)?);
        count += 1;
    }
    println!(
        "{}: {count} handshakes, {:.0}/s",
        S::NAME,
        count as f64 / start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let stack = args.next().unwrap_or_else(|| "strata".into());
    let seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    match stack.as_str() {
        "strata" => run::<Strata>(seconds),
        "rustls" => run::<Rustls>(seconds),
        "openssl" => run::<OpenSsl>(seconds),
        other => Err(format!("unknown stack {other}: strata, rustls or openssl")),
    }
}
