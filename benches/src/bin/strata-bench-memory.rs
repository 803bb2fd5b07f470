//! The memory half of `cargo xtask bench`: heap bytes per established idle connection and
//! allocations per handshake and per record, strata against rustls, with stats_alloc's
//! counting allocator (which is why this is a binary of its own: the timing binary keeps
//! the plain system allocator). OpenSSL allocates with malloc, which is not counted.
//!
//! The peak resident memory of many pairs held at once is the kernel's count, which sees
//! OpenSSL's malloc too; each figure comes from a fresh process (this binary run again
//! with `--rss-child STACK ROW PAIRS`, which prints the KiB).
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
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::table::{figure, not_applicable, ratio, Table};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Records sent and read back for the steady-state allocation count, after a warm-up.
const RECORDS: usize = 1000;
const WARM_UP: usize = 16;

/// The handshake rows (indices into `Setup::handshakes()`) of the peak resident memory
/// table: ECDSA P-256, both versions, with and without client authentication.
const RSS_ROWS: [usize; 4] = [0, 1, 4, 5];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rss-child") {
        return match rss_child(args.get(1..).unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("strata-bench-memory --rss-child: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
    println!("{}", rss_table(settings.rss_connections)?.markdown());
    Ok(())
}

/// In a fresh process: one stack's peak resident memory growth for `PAIRS` pairs of
/// handshake row `ROW`, printed in KiB (or `n/a WHY`).
fn rss_child(args: &[String]) -> Result<(), String> {
    let [stack, row, pairs] = args else {
        return Err("usage: --rss-child STACK ROW PAIRS".into());
    };
    let row: usize = row.parse().map_err(|_| format!("bad row {row}"))?;
    let pairs: usize = pairs.parse().map_err(|_| format!("bad count {pairs}"))?;
    let setup = Setup::handshakes()
        .into_iter()
        .nth(row)
        .ok_or_else(|| format!("no row {row}"))?;
    let pki = Pki::new();
    let figure = match stack.as_str() {
        "strata" => memory::peak_rss_growth::<Strata>(&pki, &setup, pairs)?,
        "rustls" => memory::peak_rss_growth::<Rustls>(&pki, &setup, pairs)?,
        "openssl" => memory::peak_rss_growth::<OpenSsl>(&pki, &setup, pairs)?,
        other => return Err(format!("unknown stack {other}")),
    };
    match figure {
        Figure::Value(kib) => println!("{kib}"),
        Figure::NotApplicable(why) => println!("n/a {why}"),
    }
    Ok(())
}

/// Runs [`rss_child`] in a process of its own and reads its figure.
fn rss_in_child(stack: &str, row: usize, pairs: usize) -> Result<Figure<f64>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args(["--rss-child", stack, &row.to_string(), &pairs.to_string()])
        .output()
        .map_err(|e| format!("running the --rss-child process: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "--rss-child {stack} {row}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = text.trim();
    if let Some(why) = text.strip_prefix("n/a ") {
        return Ok(Figure::NotApplicable(why.to_owned()));
    }
    text.parse::<f64>()
        .map(Figure::Value)
        .map_err(|_| format!("--rss-child {stack} {row} printed {text:?}"))
}

fn rss_table(pairs: usize) -> Result<Table, String> {
    let mut table = Table::new(
        &format!("Peak resident memory, {pairs} connections"),
        &format!(
            "Growth of the process's peak resident set (VmHWM, reset first) while {pairs} \
             client-server pairs are established and held at once, every handshake run to \
             its end, in MiB; each figure from a fresh process. Counts every allocator's \
             pages, OpenSSL's malloc included. Lower is better."
        ),
        &[
            "handshake",
            "strata MiB",
            "rustls MiB",
            "OpenSSL MiB",
            "strata/rustls",
            "strata/OpenSSL",
            "strata KiB per pair",
        ],
    );
    let mib = |f: &Figure<f64>| f.clone().map(|kib| kib / 1024.0);
    for row in RSS_ROWS {
        let setup = Setup::handshakes()
            .into_iter()
            .nth(row)
            .ok_or_else(|| format!("no row {row}"))?;
        eprintln!("peak RSS: {}", setup.name());
        let s = rss_in_child("strata", row, pairs)?;
        let r = rss_in_child("rustls", row, pairs)?;
        let o = rss_in_child("openssl", row, pairs)?;
        table.row(vec![
            setup.name(),
            figure(&mib(&s), 1),
            figure(&mib(&r), 1),
            figure(&mib(&o), 1),
            ratio(&s, &r),
            ratio(&s, &o),
            figure(&s.clone().map(|kib| kib / pairs as f64), 1),
        ]);
    }
    Ok(table)
}
