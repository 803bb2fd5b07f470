//! Where a strata handshake's allocations come from: runs full handshakes under a heap
//! profiler (dhat-rs as the global allocator, which records a backtrace per allocation) and
//! prints, per side, the allocation calls (alloc + realloc, as the memory binary counts
//! them) per handshake, grouped by the innermost strata function on the stack, and marked
//! with the dependency (ring, webpki, …) that made the call when it was not strata's own.
//! Resumed rows are run too when FILTER names them (`"TLS 1.2, ECDSA P-256, no client
//! auth, resumed"`); each profiled handshake then resumes the one before it.
//!
//! `cargo run --release -p strata-bench --features alloc-sites --example alloc_sites -- [HANDSHAKES] [FILTER]`
//!
//! HANDSHAKES (default 20) are profiled after one warm-up; FILTER keeps the setups whose name
//! contains it (for example `"TLS 1.3, ECDSA"`). The default is the four ECDSA P-256 rows.
//! `ALLOC_SITES_DEPTH=N` groups by the N innermost strata frames instead of 2, the innermost
//! with its source line (from 3 on), to tell apart the calls inside one function.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use serde_json::Value;
use strata_bench::drive::{self, Buffers};
use strata_bench::measure::checked_stack;
use strata_bench::setup::{Pki, ServerKey, Setup};
use strata_bench::stacks::strata::Strata;
use strata_bench::stacks::{Endpoint, Stack};

#[global_allocator]
static GLOBAL: dhat::Alloc = dhat::Alloc;

/// Crates whose allocations are not strata's to avoid (reported as such).
const DEPENDENCIES: [(&str, &str); 5] = [
    ("ring::", "ring"),
    ("webpki::", "webpki"),
    ("rustls_pki_types::", "pki-types"),
    ("rand_core::", "rand"),
    ("std::sys::", "std"),
];

/// The strata crates (the bench's own crate excluded).
const STRATA: [&str; 6] = [
    "strata::",
    "strata_handshake::",
    "strata_record::",
    "strata_pki::",
    "strata_codec::",
    "strata_alert::",
];

fn function_name(frame: &str) -> &str {
    // dhat's frames read "0xADDR: function (file:line:col)".
    let name = frame.split_once(": ").map_or(frame, |(_, rest)| rest);
    name.rsplit_once(" (").map_or(name, |(f, _)| f)
}

fn is_strata(function: &str) -> bool {
    STRATA.iter().any(|c| {
        function.starts_with(c)
            || function.starts_with(&format!("<{c}"))
            || function.contains(&format!(" {c}"))
    })
}

/// Where the innermost frame's source line is, "file:line" (dhat's frames end in
/// "(file:line:col)").
fn location(frame: &str) -> &str {
    let Some((_, place)) = frame.rsplit_once(" (") else {
        return "";
    };
    let place = place.trim_end_matches(')');
    let file_line = place.rsplit_once(':').map_or(place, |(fl, _)| fl);
    file_line.rsplit('/').next().unwrap_or(file_line)
}

/// (side, site) of one backtrace, innermost frame first: the `depth` innermost strata
/// frames (2 unless `ALLOC_SITES_DEPTH` says otherwise), the first with its source line
/// when `depth` is over 2.
fn classify(frames: &[&str], depth: usize) -> (&'static str, String) {
    let side = frames
        .iter()
        .map(|f| function_name(f))
        .find_map(|f| match f {
            "alloc_sites::client_side" => Some("client"),
            "alloc_sites::server_side" => Some("server"),
            _ => None,
        })
        .unwrap_or("other");
    let mut dependency = None;
    let mut site = Vec::new();
    for frame in frames {
        let f = function_name(frame);
        if is_strata(f) {
            if depth > 2 && site.is_empty() {
                site.push(format!("{f} [{}]", location(frame)));
            } else {
                site.push(f.to_string());
            }
            if site.len() == depth {
                break;
            }
        } else if site.is_empty() && dependency.is_none() {
            if let Some((_, name)) = DEPENDENCIES.iter().find(|(p, _)| f.contains(p)) {
                dependency = Some(*name);
            }
        }
    }
    let mut key = if site.is_empty() {
        "(no strata frame)".to_string()
    } else {
        site.join("  <-  ")
    };
    if let Some(d) = dependency {
        key = format!("[{d}] {key}");
    }
    (side, key)
}

/// Runs `f` as the client's call: its frame marks the allocations as the client's.
#[inline(never)]
fn client_side<R>(f: impl FnOnce() -> R) -> R {
    std::hint::black_box(f())
}

/// Runs `f` as the server's call.
#[inline(never)]
fn server_side<R>(f: impl FnOnce() -> R) -> R {
    std::hint::black_box(f())
}

/// One handshake as `drive::handshake_metered` runs it, each side's calls in its wrapper.
fn handshake(stack: &Strata, buffers: &mut Buffers) -> Result<(), String> {
    let Buffers { wire, sink } = buffers;
    wire.clear();
    let mut client = client_side(|| -> Result<_, String> {
        let mut client = stack.client()?;
        client.transmit(wire)?;
        Ok(client)
    })?;
    let mut server = server_side(|| stack.server())?;
    for _ in 0..16 {
        server_side(|| -> Result<(), String> {
            server.receive(wire, sink)?;
            wire.clear();
            server.transmit(wire)
        })?;
        client_side(|| -> Result<(), String> {
            client.receive(wire, sink)?;
            wire.clear();
            client.transmit(wire)
        })?;
        if wire.is_empty() && !client.is_handshaking() && !server.is_handshaking() {
            client_side(|| drop(client));
            server_side(|| drop(server));
            return Ok(());
        }
    }
    Err("handshake stalled".into())
}

fn profile(pki: &Pki, setup: &Setup, handshakes: usize) -> Result<(), String> {
    let stack = checked_stack::<Strata>(pki, setup)?.ok_or("not implemented")?;
    let mut buffers = Buffers::default();
    drop(drive::handshake(&stack, &mut buffers)?);
    let file = std::env::temp_dir().join(format!("strata-alloc-sites-{}.json", std::process::id()));
    {
        let _profiler = dhat::Profiler::builder()
            .file_name(&file)
            .trim_backtraces(None)
            .build();
        for _ in 0..handshakes {
            handshake(&stack, &mut buffers)?;
        }
    }
    let json = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&file);
    let json: Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let ftbl: Vec<&str> = json
        .get("ftbl")
        .and_then(Value::as_array)
        .ok_or("no ftbl")?
        .iter()
        .map(|f| f.as_str().unwrap_or(""))
        .collect();
    let depth = std::env::var("ALLOC_SITES_DEPTH")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(2);
    let mut by_site: BTreeMap<(&str, String), u64> = BTreeMap::new();
    for pp in json.get("pps").and_then(Value::as_array).ok_or("no pps")? {
        let blocks = pp.get("tbk").and_then(Value::as_u64).unwrap_or(0);
        let frames: Vec<&str> = pp
            .get("fs")
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .filter_map(|i| ftbl.get(i.as_u64().unwrap_or(0) as usize).copied())
                    .collect()
            })
            .unwrap_or_default();
        *by_site.entry(classify(&frames, depth)).or_default() += blocks;
    }
    println!("## {}  ({handshakes} handshakes profiled)\n", setup.name());
    for side in ["client", "server", "other"] {
        let mut rows: Vec<(&String, u64)> = by_site
            .iter()
            .filter(|((s, _), _)| *s == side)
            .map(|((_, site), n)| (site, *n))
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let total: u64 = rows.iter().map(|r| r.1).sum();
        let dependency: u64 = rows
            .iter()
            .filter(|r| r.0.starts_with('['))
            .map(|r| r.1)
            .sum();
        let per = |n: u64| n as f64 / handshakes as f64;
        println!(
            "{side}: {:.1} allocation calls per handshake ({:.1} made by dependencies)",
            per(total),
            per(dependency)
        );
        for (site, n) in rows {
            println!("  {:6.1}  {site}", per(n));
        }
        println!();
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let handshakes = match args.next() {
        Some(n) => n.parse().map_err(|_| format!("not a count: {n}"))?,
        None => 20,
    };
    let filter = args.next();
    let pki = Pki::new();
    // Resumed rows are profiled only when the filter names them ("resumed").
    for setup in Setup::handshakes()
        .into_iter()
        .chain(Setup::resumed_handshakes())
    {
        let wanted = match &filter {
            Some(f) => setup.name().contains(f.as_str()),
            None => setup.key == ServerKey::EcdsaP256 && !setup.resumed,
        };
        if wanted {
            profile(&pki, &setup, handshakes)?;
        }
    }
    Ok(())
}
