//! OpenSSL's resumed handshakes, measured by a C program (`openssl-resumed/resumed.c`,
//! built by build.rs) that this module runs and reads.
//!
//! A client resumes with `SSL_set_session`, which the openssl crate offers only as an
//! `unsafe fn` (the session must come from the same context), and this workspace forbids
//! unsafe code. So the C program does, with OpenSSL's own API, what
//! [`crate::measure::handshake_loop`] does for the other stacks: a new client and server
//! per handshake over memory BIOs, the client offering the session the previous handshake
//! left it (the TLS 1.3 ticket it just got, or the TLS 1.2 session ID), both sides checked
//! to have resumed, and each side's calls timed. One repetition is one line each way
//! over the program's stdin and stdout, so its repetitions take turns with the other
//! stacks' like theirs do ([`crate::measure::interleaved`]).
//!
//! With [`Mode::Full`] the program measures full handshakes instead: a check of this
//! harness against the openssl crate's figures (`examples/openssl_harnesses.rs`).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::measure::{Lap, Rep, Settings};
use crate::setup::{Aead, Pki, Setup, Version};

/// The program, as build.rs built it.
const PROGRAM: &str = env!("STRATA_BENCH_OPENSSL_RESUMED");

/// What the program measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Resumed handshakes (the `setup.resumed` rows).
    Resumed,
    /// Full handshakes, to compare this harness with the openssl crate's.
    Full,
}

/// The certificates and keys of a run, as DER files for the program, removed on drop.
#[derive(Debug)]
struct Files {
    dir: PathBuf,
}

impl Files {
    /// Writes the CA, the server's leaf and key for `setup` and, with client
    /// authentication, the client's; returns the program's arguments after the version.
    fn write(pki: &Pki, setup: &Setup) -> Result<(Self, Vec<PathBuf>), String> {
        static RUN: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "strata-bench-openssl-{}-{}",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let files = Self { dir };
        let server = pki.server(setup.key);
        let leaf = |identity: &crate::setup::Identity| -> Result<Vec<u8>, String> {
            match identity.chain.as_slice() {
                [leaf] => Ok(leaf.to_vec()),
                _ => Err("openssl-resumed takes a chain of the leaf alone".into()),
            }
        };
        let mut contents = vec![
            ("ca.der", pki.ca.to_vec()),
            ("server.der", leaf(server)?),
            ("server-key.der", server.key.secret_der().to_vec()),
        ];
        if setup.client_auth {
            contents.push(("client.der", leaf(&pki.client)?));
            contents.push(("client-key.der", pki.client.key.secret_der().to_vec()));
        }
        let mut paths = Vec::new();
        for (name, bytes) in contents {
            let path = files.dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            paths.push(path);
        }
        Ok((files, paths))
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the temp dir is harmless.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The running program, ended by closing its input.
struct Program {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
    _files: Files,
}

impl Program {
    fn start(pki: &Pki, setup: &Setup, mode: Mode) -> Result<Self, String> {
        if setup.aead != Aead::Aes128Gcm {
            return Err("openssl-resumed measures AES-128-GCM only".into());
        }
        let (files, paths) = Files::write(pki, setup)?;
        let mut command = Command::new(PROGRAM);
        command.arg(match setup.version {
            Version::Tls13 => "13",
            Version::Tls12 => "12",
        });
        command.args(&paths);
        if mode == Mode::Full {
            command.arg("full");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{PROGRAM}: {e}"))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(format!("{PROGRAM}: no pipes"));
        };
        Ok(Self {
            child,
            input: Some(input),
            output: BufReader::new(output),
            _files: files,
        })
    }

    /// One repetition of `seconds`: [handshakes per second of CPU time, client µs, server
    /// µs], as [`crate::measure::handshake_loop`] reports them.
    fn rep(&mut self, seconds: f64) -> Result<[f64; 3], String> {
        let input = self.input.as_mut().ok_or("openssl-resumed: input closed")?;
        writeln!(input, "{seconds}")
            .and_then(|()| input.flush())
            .map_err(|e| format!("openssl-resumed: {e}"))?;
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .map_err(|e| format!("openssl-resumed: {e}"))?;
        parse_rep(line.trim())
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

/// A repetition's line, "COUNT CPU WALL CLIENT SERVER" (seconds), as the figures: the
/// sides' wall time inside the loop counted as CPU time in the share the thread ran
/// ([`crate::measure::Lap::cpu_of`]).
fn parse_rep(line: &str) -> Result<[f64; 3], String> {
    if let Some(error) = line.strip_prefix("error:") {
        return Err(format!("openssl-resumed:{error}"));
    }
    let fields: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("openssl-resumed printed {line:?}: {e}"))?;
    let [count, cpu, wall, client, server] = fields.as_slice() else {
        return Err(format!("openssl-resumed printed {line:?}"));
    };
    if *count < 1.0 || *cpu <= 0.0 || *wall <= 0.0 || *client < 0.0 || *server < 0.0 {
        return Err(format!("openssl-resumed printed {line:?}"));
    }
    let lap = Lap {
        wall: *wall,
        cpu: *cpu,
    };
    Ok([
        count / cpu,
        lap.cpu_of(Duration::from_secs_f64(*client)) * 1e6 / count,
        lap.cpu_of(Duration::from_secs_f64(*server)) * 1e6 / count,
    ])
}

/// OpenSSL's handshake loop for `setup` in `mode`, like
/// [`crate::measure::handshake_loop`]: each call runs one repetition of
/// `settings.handshake_time`. The program has already done a full handshake and, for
/// [`Mode::Resumed`], a resumed one when this returns, so a broken setup fails here.
pub fn handshake_loop(
    pki: &Pki,
    setup: &Setup,
    mode: Mode,
    settings: &Settings,
) -> Result<Rep<3>, String> {
    let mut program = Program::start(pki, setup, mode)?;
    // A zero-length repetition runs one handshake: the check that the setup works.
    program.rep(0.0)?;
    let seconds = settings.handshake_time.as_secs_f64();
    Ok(Box::new(move || program.rep(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repetition_line_becomes_rates_and_microseconds() {
        // 1000 handshakes in 0.5 s of CPU over 1 s of wall time: the thread ran half the
        // time, so each side's wall time counts half.
        let [rate, client, server] = parse_rep("1000 0.5 1.0 0.4 0.6").unwrap();
        assert_eq!(rate, 2000.0);
        assert!((client - 200.0).abs() < 1e-9, "{client}");
        assert!((server - 300.0).abs() < 1e-9, "{server}");
    }

    #[test]
    fn the_programs_errors_and_garbage_are_errors() {
        assert!(parse_rep("error: a handshake did not resume")
            .unwrap_err()
            .contains("did not resume"));
        assert!(parse_rep("").is_err());
        assert!(parse_rep("10 0.1 0.1").is_err());
        assert!(parse_rep("0 0.1 0.1 0.0 0.0").is_err());
        assert!(parse_rep("ten 0.1 0.1 0.0 0.0").is_err());
        assert!(parse_rep("10 0.1 0.1 -1.0 0.0").is_err());
    }
}
