//! One stack's full handshakes in a loop, for a profiler:
//! `perf record cargo run --release -p strata-bench --example handshake_loop -- strata 3`
//! runs strata's TLS 1.3 ECDSA P-256 handshakes (no client authentication) for 3
//! seconds. The stack is strata, rustls, openssl, or floor (the crypto floor of the same
//! handshake: its ring primitives alone, as the benchmark times them, so that a profile
//! of the floor sits beside a stack's). A third argument picks the kind:
//! `full` (the default), `resumed13` or `resumed12` (the first resumed row of that
//! version: TLS 1.3 tickets, TLS 1.2 session ID; each handshake checked to resume);
//! `KIND@I` takes the I-th row of the kind instead (`resumed12@1`: TLS 1.2, ECDSA
//! P-256, client auth).
//! For callgrind, a count instead of seconds is steadier: `-- strata 0 resumed12 2000`
//! runs exactly 2000 handshakes.
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use strata_bench::crypto;
use strata_bench::drive::{self, Buffers};
use strata_bench::measure::{check_resumed, checked_stack, Settings, Stopwatch};
use strata_bench::setup::{Pki, Setup};
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::stacks::Stack;

/// The handshake of `kind` (`full`, `resumed13`, `resumed12`, each with an optional `@I`).
fn setup_of(kind: &str) -> Result<Setup, String> {
    // `KIND@I` picks the I-th row of that kind instead of the first (0-based).
    let (kind, row) = match kind.split_once('@') {
        Some((kind, row)) => (kind, row.parse().map_err(|_| format!("bad row {row}"))?),
        None => (kind, 0),
    };
    Setup::of_kind(kind)?
        .into_iter()
        .nth(row)
        .ok_or_else(|| "no such setup".to_string())
}

fn run<S: Stack>(seconds: u64, kind: &str, limit: u64) -> Result<(), String> {
    let pki = Pki::new();
    let setup = setup_of(kind)?;
    let stack = checked_stack::<S>(&pki, &setup)?.ok_or("not implemented")?;
    let mut buffers = Buffers::default();
    let start = Instant::now();
    let watch = Stopwatch::start();
    let mut count = 0u64;
    while (limit > 0 && count < limit)
        || (limit == 0 && start.elapsed() < Duration::from_secs(seconds))
    {
        let (client, server, _) = drive::handshake(&stack, &mut buffers)?;
        check_resumed::<S>(&client, &server, setup.resumed)?;
        count += 1;
    }
    // Per CPU second, as the benchmark counts (and as the floor below): time the shared
    // machine gave to others is left out.
    let lap = watch.lap();
    println!(
        "{}: {count} handshakes, {:.0}/s of CPU time ({:.0}/s of wall time)",
        S::NAME,
        count as f64 / lap.cpu,
        count as f64 / lap.wall
    );
    Ok(())
}

/// The crypto floor's loop for `seconds`: one handshake's primitives after another.
fn floor(seconds: u64, kind: &str) -> Result<(), String> {
    let settings = Settings {
        reps: 1,
        handshake_time: Duration::from_secs(seconds.max(1)),
        ..Settings::QUICK
    };
    let [rate, client, server] = crypto::floor_loop(&Pki::new(), &setup_of(kind)?, &settings)?()?;
    println!("floor: {rate:.0}/s of CPU time, client {client:.1} µs, server {server:.1} µs");
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let stack = args.next().unwrap_or_else(|| "strata".into());
    let seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let kind = args.next().unwrap_or_else(|| "full".into());
    let limit = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    match stack.as_str() {
        "strata" => run::<Strata>(seconds, &kind, limit),
        "rustls" => run::<Rustls>(seconds, &kind, limit),
        "openssl" => run::<OpenSsl>(seconds, &kind, limit),
        "floor" => floor(seconds, &kind),
        other => Err(format!(
            "unknown stack {other}: strata, rustls, openssl or floor"
        )),
    }
}
