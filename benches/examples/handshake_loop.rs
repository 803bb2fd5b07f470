//! One stack's full handshakes in a loop, for a profiler:
//! `perf record cargo run --release -p strata-bench --example handshake_loop -- strata 3`
//! runs strata's TLS 1.3 ECDSA P-256 handshakes (no client authentication) for 3
//! seconds. The stack is strata, rustls or openssl. A third argument picks the kind:
//! `full` (the default), `resumed13` or `resumed12` (the first resumed row of that
//! version: TLS 1.3 tickets, TLS 1.2 session ID; each handshake checked to resume);
//! `KIND@I` takes the I-th row of the kind instead (`resumed12@1`: TLS 1.2, ECDSA
//! P-256, client auth).
//! For callgrind, a count instead of seconds is steadier: `-- strata 0 resumed12 2000`
//! runs exactly 2000 handshakes.
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use strata_bench::drive::{self, Buffers};
use strata_bench::measure::{check_resumed, checked_stack};
use strata_bench::setup::{Pki, Setup, Version};
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::stacks::Stack;

fn run<S: Stack>(seconds: u64, kind: &str, limit: u64) -> Result<(), String> {
    let pki = Pki::new();
    // `KIND@I` picks the I-th row of that kind instead of the first (0-based).
    let (kind, row) = match kind.split_once('@') {
        Some((kind, row)) => (kind, row.parse().map_err(|_| format!("bad row {row}"))?),
        None => (kind, 0),
    };
    let setup = match kind {
        "full" => Setup::handshakes().into_iter().nth(row),
        "resumed13" => Setup::resumed_handshakes()
            .into_iter()
            .filter(|s| s.version == Version::Tls13)
            .nth(row),
        "resumed12" => Setup::resumed_handshakes()
            .into_iter()
            .filter(|s| s.version == Version::Tls12)
            .nth(row),
        other => {
            return Err(format!(
                "unknown kind {other}: full, resumed13 or resumed12"
            ))
        }
    }
    .ok_or("no such setup")?;
    let stack = checked_stack::<S>(&pki, &setup)?.ok_or("not implemented")?;
    let mut buffers = Buffers::default();
    let start = Instant::now();
    let mut count = 0u64;
    while (limit > 0 && count < limit)
        || (limit == 0 && start.elapsed() < Duration::from_secs(seconds))
    {
        let (client, server, _) = drive::handshake(&stack, &mut buffers)?;
        check_resumed::<S>(&client, &server, setup.resumed)?;
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
    let kind = args.next().unwrap_or_else(|| "full".into());
    let limit = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    match stack.as_str() {
        "strata" => run::<Strata>(seconds, &kind, limit),
        "rustls" => run::<Rustls>(seconds, &kind, limit),
        "openssl" => run::<OpenSsl>(seconds, &kind, limit),
        other => Err(format!("unknown stack {other}: strata, rustls or openssl")),
    }
}
