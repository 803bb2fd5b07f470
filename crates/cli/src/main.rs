//! `strata`: a TLS client and server, and a demo that needs nothing but this binary.
//!
//! Exit status: 0 on success, 1 when a handshake or a verification fails (the message
//! names the alert and the cause), 2 on a usage error.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

mod args;
mod client;
mod demo;
mod options;
mod report;
mod server;
mod trace;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Client(args) => client::run(&args),
        Command::Server(args) => server::run(&args),
        Command::Demo(args) => demo::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("strata: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Why the command failed, and which exit status that gives.
#[derive(Debug)]
pub enum CliError {
    /// The arguments cannot work (exit 2).
    Usage(String),
    /// A handshake, a verification or the transport failed (exit 1).
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) => 1,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Usage(m) | Self::Failed(m) => f.write_str(m),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        // A TLS failure travels inside io::Error; its text names the alert.
        Self::Failed(err.to_string())
    }
}

impl From<strata::Error> for CliError {
    fn from(err: strata::Error) -> Self {
        match err {
            strata::Error::Config(m) => Self::Usage(m),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<strata_pki::PkiError> for CliError {
    fn from(err: strata_pki::PkiError) -> Self {
        Self::Usage(err.to_string())
    }
}
