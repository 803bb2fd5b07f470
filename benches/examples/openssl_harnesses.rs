//! The two ways the bench measures OpenSSL, on the same full handshakes: the openssl crate
//! over an in-memory duplex (the full rows) and the C program over memory BIOs (which the
//! resumed rows need, `stacks::openssl_resumed`), repetitions taking turns. If the C
//! program's figures match the crate's here, its resumed figures are comparable too.
//!
//! `cargo run --release -p strata-bench --example openssl_harnesses -- 11` runs 11
//! repetitions of 0.3 s each per row.
#![forbid(unsafe_code)]

use strata_bench::measure::{handshake_loop, interleaved, Settings};
use strata_bench::setup::{Pki, Setup};
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::openssl_resumed::{self, Mode};

fn main() -> Result<(), String> {
    let reps = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    let settings = Settings {
        reps,
        ..Settings::FULL
    };
    let pki = Pki::new();
    println!(
        "{:<38} {:>14} {:>14} {:>10} {:>13} {:>13}",
        "handshake", "crate hs/s", "C hs/s", "C/crate", "client C/cr", "server C/cr"
    );
    for setup in Setup::handshakes() {
        let loops = vec![
            handshake_loop::<OpenSsl>(&pki, &setup, &settings)?,
            Some(openssl_resumed::handshake_loop(
                &pki,
                &setup,
                Mode::Full,
                &settings,
            )?),
        ];
        let [Some(krate), Some(c)]: [Option<_>; 2] = interleaved(reps, loops)?
            .try_into()
            .map_err(|_| "two loops, two figures".to_owned())?
        else {
            return Err(format!("{}: a loop did not run", setup.name()));
        };
        let [k_rate, k_client, k_server] = &krate;
        let [c_rate, c_client, c_server] = &c;
        println!(
            "{:<38} {:>14.0} {:>14.0} {:>10.3} {:>13.3} {:>13.3}",
            setup.name(),
            k_rate.median(),
            c_rate.median(),
            c_rate.ratio_to(k_rate),
            c_client.ratio_to(k_client),
            c_server.ratio_to(k_server),
        );
    }
    Ok(())
}
