//! `cargo xtask`: project automation that needs more than one cargo command.
//!
//! - `cargo xtask fuzz [--seconds N] [TARGET...]` builds every cargo-fuzz target (or the
//!   ones named) with the nightly toolchain, runs each for N seconds, prints a table of
//!   execution counts and exits non-zero if any target crashed.
//! - `cargo xtask interop` runs `strata client` against `openssl s_server` and
//!   `openssl s_client` against `strata server` over the TLS 1.3 matrix.
#![forbid(unsafe_code)]

mod bench;
mod fuzz;
mod interop;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "strata project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and run the fuzz targets, each for a while; fail on any crash.
    Fuzz(fuzz::Args),
    /// Run the strata command against the openssl binary, both ways, over the TLS 1.3
    /// matrix; fail on any row that does not do what it should.
    Interop(interop::Args),
    /// Measure strata against rustls and OpenSSL and write BENCHMARKS.md.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Interop(args) => interop::run(&args),
        Command::Bench(args) => bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
