//! One stack's one-way bulk transfer in a loop, for a profiler: after one handshake,
//! `BATCHES` batches of four 16 KiB records go from the client to the server, sealed,
//! carried and opened as the bulk rows do (`drive::one_way`).
//! `valgrind --tool=callgrind target/release/examples/bulk_loop strata 1000` runs 4000
//! records of TLS 1.3 AES-128-GCM; the stack is strata, strata-in-place (the in-place
//! calls, `InPlacePair`), rustls or openssl.
#![forbid(unsafe_code)]

use strata_bench::drive::{self, Buffers, RECORD};
use strata_bench::measure::checked_stack;
use strata_bench::setup::{Aead, Pki, Setup, Version};
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::{InPlacePair, Strata};
use strata_bench::stacks::Stack;

const BATCH: usize = 4;

fn run<S: Stack>(batches: usize) -> Result<(), String> {
    let pki = Pki::new();
    let setup = Setup::bulk(Version::Tls13, Aead::Aes128Gcm);
    let stack = checked_stack::<S>(&pki, &setup)?.ok_or("not implemented")?;
    let mut buffers = Buffers::new(BATCH);
    let (mut client, mut server, _) = drive::handshake(&stack, &mut buffers)?;
    let payload = vec![0x5a; RECORD];
    for _ in 0..batches {
        drive::one_way(&mut client, &mut server, &payload, BATCH, &mut buffers)?;
    }
    println!("{}: {} records of {RECORD} bytes", S::NAME, batches * BATCH);
    Ok(())
}

fn run_in_place(batches: usize) -> Result<(), String> {
    let pki = Pki::new();
    let setup = Setup::bulk(Version::Tls13, Aead::Aes128Gcm);
    let mut pair = InPlacePair::new(&pki, &setup, &[0x5a; RECORD], BATCH)?;
    for _ in 0..batches {
        pair.one_way()?;
    }
    println!(
        "strata in place: {} records of {RECORD} bytes",
        batches * BATCH
    );
    Ok(())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let stack = args.next().unwrap_or_else(|| "strata".into());
    let batches = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    match stack.as_str() {
        "strata" => run::<Strata>(batches),
        "strata-in-place" => run_in_place(batches),
        "rustls" => run::<Rustls>(batches),
        "openssl" => run::<OpenSsl>(batches),
        other => Err(format!(
            "unknown stack {other}: strata, strata-in-place, rustls or openssl"
        )),
    }
}
