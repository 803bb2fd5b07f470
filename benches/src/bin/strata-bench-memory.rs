//! The memory half of `cargo xtask bench`: heap bytes per established idle connection and
//! allocations per handshake and per record, strata against rustls, with stats_alloc's
//! counting allocator (which is why this is a binary of its own: the timing binary keeps
//! the plain system allocator). OpenSSL allocates with malloc, which is not counted.
//!
//! `strata-bench-memory [--quick]`
#![forbid(unsafe_code)]

use std::alloc::System;
use std::process::ExitCode;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use strata_bench::drive::RECORD;
use strata_bench::measure::{Figure, Settings};
use strata_bench::memory::{self, MemoryFigures};
use strata_bench::setup::{Aead, Pki, Setup, Version};
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::table::{figure, not_applicable, ratio, Table};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Records sent and read back for the steady-state allocation count, after a warm-up.
const RECORDS: usize = 1000;
const WARM_UP: usize = 16;

fn main() -> ExitCode {
    let mut settings = Settings::FULL;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => settings = Settings::QUICK,
            other => {
                eprintln!("strata-bench-memory: unknown argument {other}");
                return ExitCode::FAILURE;
            }
        }
    }
    match run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("strata-bench-memory: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(settings: &Settings) -> Result<(), String> {
    let pki = Pki::new();
    let n = settings.connections;
    let mut heap = Table::new(
        "Memory per connection",
        &format!(
            "Heap bytes held by one established, idle connection ({n} pairs established at \
             once; the connection object counted too), and allocation calls (alloc + \
             realloc) in each side's calls during one handshake. Lower is better. OpenSSL: \
             {}.",
            not_applicable("allocates with malloc, not counted")
        ),
        &[
            "handshake",
            "side",
            "strata bytes",
            "rustls bytes",
            "strata/rustls",
            "strata allocs/hs",
            "rustls allocs/hs",
            "strata/rustls",
        ],
    );
    for setup in Setup::handshakes() {
        eprintln!("memory: {}", setup.name());
        let s = memory::measure::<Strata>(&pki, &setup, n)?;
        let r = memory::measure::<Rustls>(&pki, &setup, n)?;
        type Pick = fn(MemoryFigures) -> f64;
        let sides: [(&str, Pick, Pick); 2] = [
            ("client", |f| f.client_bytes, |f| f.client_allocations),
            ("server", |f| f.server_bytes, |f| f.server_allocations),
        ];
        for (side, bytes, allocs) in sides {
            let (sb, rb) = (s.clone().map(bytes), r.clone().map(bytes));
            let (sa, ra) = (s.clone().map(allocs), r.clone().map(allocs));
            heap.row(vec![
                setup.name(),
                side.into(),
                figure(&sb, 0),
                figure(&rb, 0),
                ratio(&sb, &rb),
                figure(&sa, 0),
                figure(&ra, 0),
                ratio(&sa, &ra),
            ]);
        }
    }
    println!("{}", heap.markdown());

    let mut after = Table::new(
        "Memory per connection after traffic",
        &format!(
            "Heap bytes held by one established connection that has carried {records} \
             writes of 16 KiB each way, every byte read, and is idle again ({n} pairs at \
             once, as above). Lower is better. OpenSSL: {}.",
            not_applicable("allocates with malloc, not counted"),
            records = memory::TRAFFIC_RECORDS,
        ),
        &[
            "handshake",
            "side",
            "strata bytes",
            "rustls bytes",
            "strata/rustls",
        ],
    );
    for setup in Setup::handshakes() {
        eprintln!("memory after traffic: {}", setup.name());
        let s = memory::measure_after_traffic::<Strata>(&pki, &setup, n)?;
        let r = memory::measure_after_traffic::<Rustls>(&pki, &setup, n)?;
        type Pick = fn(MemoryFigures) -> f64;
        let sides: [(&str, Pick); 2] = [
            ("client", |f| f.client_bytes),
            ("server", |f| f.server_bytes),
        ];
        for (side, bytes) in sides {
            let (sb, rb) = (s.clone().map(bytes), r.clone().map(bytes));
            after.row(vec![
                setup.name(),
                side.into(),
                figure(&sb, 0),
                figure(&rb, 0),
                ratio(&sb, &rb),
            ]);
        }
    }
    println!("{}", after.markdown());

    let mut records = Table::new(
        "Allocations on the record path",
        &format!(
            "Allocation calls while {RECORDS} writes of 16 KiB go from an established \
             client to its server and are read back, one record at a time, after {WARM_UP} \
             warm-up records (TLS 1.3, ECDSA P-256). Zero is the goal."
        ),
        &["AEAD", "strata", "rustls"],
    );
    let payload = vec![0x5a; RECORD];
    for aead in Aead::ALL {
        let setup = Setup::bulk(Version::Tls13, aead);
        let count = |c: Option<u64>| {
            c.map_or(Figure::NotApplicable("not implemented yet".into()), |c| {
                Figure::Value(c as f64)
            })
        };
        let s = count(memory::allocations_per_records::<Strata>(
            &pki, &setup, &payload, WARM_UP, RECORDS,
        )?);
        let r = count(memory::allocations_per_records::<Rustls>(
            &pki, &setup, &payload, WARM_UP, RECORDS,
        )?);
        records.row(vec![aead.name().into(), figure(&s, 0), figure(&r, 0)]);
    }
    println!("{}", records.markdown());
    Ok(())
}
