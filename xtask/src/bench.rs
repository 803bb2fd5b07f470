//! `cargo xtask bench`: strata against rustls and OpenSSL, measured in one run.
//!
//! Builds the two binaries of `benches/` (strata-bench) in release mode, runs the timing
//! one (handshakes, bulk throughput, ring's limits; system allocator) and the memory one
//! (counting allocator), prints their tables and writes BENCHMARKS.md at the repository
//! root with the machine, the versions, the command and a note on how to read it.
//! `--quick` runs every row for a few milliseconds instead (for CI) and writes no file
//! unless `--output` says where.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// A few seconds in all instead of a few minutes (noisier); writes no report unless
    /// --output is given.
    #[arg(long)]
    quick: bool,
    /// Where to write the report [default: BENCHMARKS.md at the repository root, for a
    /// full run].
    #[arg(long)]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<(), String> {
    let root = workspace_root();
    let bin = build(&root)?;
    let started = Instant::now();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|| "?".into());
    let openssl = capture(&bin.join("strata-bench"), &["--openssl-version"])?;
    let mode: &[&str] = if args.quick { &["--quick"] } else { &[] };

    let timing = capture(&bin.join("strata-bench"), mode)?;
    print!("{timing}");
    let memory = capture(&bin.join("strata-bench-memory"), mode)?;
    print!("{memory}");

    let output = match (&args.output, args.quick) {
        (Some(path), _) => Some(path.clone()),
        (None, false) => Some(root.join("BENCHMARKS.md")),
        (None, true) => None,
    };
    let seconds = started.elapsed().as_secs();
    if let Some(path) = output {
        let command = if args.quick {
            "cargo xtask bench --quick"
        } else {
            "cargo xtask bench"
        };
        let report = Report {
            command,
            seconds,
            machine: machine(),
            load,
            versions: versions(&root, openssl.trim()),
            tables: format!("{}\n\n{}", timing.trim_end(), memory.trim_end()),
            profiles: std::fs::read_to_string(root.join("benches").join("PROFILES.md")).ok(),
        };
        std::fs::write(&path, report.markdown())
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("bench: wrote {} ({seconds} s)", path.display());
    } else {
        println!("bench: done in {seconds} s (--quick: no report written)");
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

/// Builds the bench binaries; returns the directory they are in.
fn build(root: &Path) -> Result<PathBuf, String> {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "strata-bench",
            "--bins",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building strata-bench failed".into());
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("release"))
}

/// Runs `program`, its progress on our stderr, and returns its stdout.
fn capture(program: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!("{} {args:?} failed", program.display()));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{}: {e}", program.display()))
}

/// The CPU model, the logical CPUs and the memory, from /proc.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']))
        })
        .unwrap_or("unknown CPU")
        .to_owned();
    let cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map_or_else(String::new, |kb| {
            format!(", {} GiB of memory", kb / (1 << 20))
        });
    format!("{model}, {cpus} logical CPUs{memory}")
}

/// The version of `name` in Cargo.lock (the first, if several).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

fn versions(root: &Path, openssl_library: &str) -> Vec<(String, String)> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let locked = |name: &str| locked_version(&lock, name).unwrap_or_else(|| "?".into());
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into());
    vec![
        ("rustc".into(), rustc),
        ("ring".into(), locked("ring")),
        (
            "rustls".into(),
            format!("{} (ring provider)", locked("rustls")),
        ),
        (
            "OpenSSL".into(),
            format!("{openssl_library} (openssl crate {})", locked("openssl")),
        ),
    ]
}

struct Report {
    command: &'static str,
    seconds: u64,
    machine: String,
    load: String,
    versions: Vec<(String, String)>,
    tables: String,
    /// benches/PROFILES.md, kept by hand: what profiling found and what it changed,
    /// with the instruction counts before and after (they are repeatable; times here are
    /// not).
    profiles: Option<String>,
}

impl Report {
    fn markdown(&self) -> String {
        let date = Command::new("date")
            .args(["-u", "+%Y-%m-%d"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let mut out = String::from("# Benchmarks\n\n");
        out.push_str(
            "strata against rustls and OpenSSL, in one process on one thread, client and \
             server talking over in-memory buffers. Generated by `cargo xtask bench`; do not \
             edit by hand.\n\n",
        );
        out.push_str(&format!(
            "- Command: `{}` ({} s of measuring, after the build)\n",
            self.command, self.seconds
        ));
        out.push_str(&format!("- Date: {date}\n"));
        out.push_str(&format!("- Machine: {}\n", self.machine));
        out.push_str(&format!(
            "- Load average when the run started (1, 5, 15 min): {}\n",
            self.load
        ));
        for (name, version) in &self.versions {
            out.push_str(&format!("- {name}: {version}\n"));
        }
        out.push_str("\n## Results\n\n");
        out.push_str(self.tables.trim_end());
        out.push_str("\n\n");
        out.push_str(HOW_TO_READ);
        if let Some(profiles) = &self.profiles {
            out.push('\n');
            out.push_str(profiles.trim_end());
            out.push('\n');
        }
        out
    }
}

const HOW_TO_READ: &str = "## How to read it

- **Every figure is a median** of 11 repetitions (3 with `--quick`) of a loop that runs for \
a fixed time (0.3 s per handshake repetition, 0.25 s per bulk repetition), after one \
untimed warm-up repetition. The repetitions of a row's loops (the three stacks, and the \
crypto floor or ring's raw AEAD beside them) take turns, so that other work on the \
machine weighs on them alike; still, the machine is shared (see the load average above), \
so differences of a few per cent are noise, and rows measured at different moments (the \
TLS 1.3 and TLS 1.2 rows, say) compare less well than the figures within a row.
- **Time is the thread's CPU time.** Each loop reads the thread's CPU clock at its start \
and end, and the monotonic clock around the parts it times (each side's calls, sending, \
receiving); the parts are scaled by the loop's CPU/wall ratio, so time the thread spent \
descheduled by other work does not count. (A busy sibling hyperthread or shared cache \
still slows everything alike.)
- **Ratios are strata / the other**: for rates (handshakes per second, MB/s) above 1 \
means strata is faster; for costs (µs, bytes, allocations) above 1 means strata spends \
more. Where both figures are timed, the ratio is the median of the ratios of their \
repetitions, each pair run back to back (each row's loops run in an order that puts \
strata next to rustls, to the crypto floor and, in place, to ring's raw AEAD), so that a \
stretch where the machine ran slower weighs on both halves of a pair; it can differ a \
little from the quotient of the two medians the row shows. \"n/a (not implemented yet)\" is a configuration strata refuses \
today (TLS 1.2 until it lands: those rows fill in by themselves then).
- **Handshakes** (the full-handshake tables) are full ones on every stack: X25519, AES-128-GCM, the server's chain \
verified by the client (and the client's by the server) against one ECDSA P-256 CA, no \
session tickets, no session cache, no resumption. Handshakes per second is the wall time \
of the loop, both sides together; the per-side table adds up the time spent inside each \
side's calls (creating the connection, processing what it received, writing, dropping it).
- **The crypto floor** is one handshake's primitive operations, with ring, run in a loop \
by themselves (its repetitions take turns with the stacks'): client: X25519 (key pair, \
public key, agreement), verify the server's signature (CertificateVerify, or TLS 1.2's \
ServerKeyExchange), one more ECDSA P-256 verification for the server's certificate (one \
signature per certificate in the chain stands for webpki's path building; the chain is the \
leaf, signed by the ECDSA P-256 CA), with client authentication one ECDSA P-256 signature; \
server: X25519, sign with its key, with client authentication two ECDSA P-256 \
verifications (the client's signature and its certificate); each side's key schedule as 20 \
HKDF-SHA256 operations (17 expansions, 3 extractions; TLS 1.2's PRF counted the same). \
Transcript hashing, encoding, parsing, certificate parsing and the protection of the \
encrypted handshake records are left out (the no-code bound below counts them), so the \
floor is a bound, not a target: strata/floor is the share of the time that is the crypto. The primitives table gives each \
operation timed alone.
- **Resumed handshakes** resume, on every measured handshake, the session the one before \
left the client; each is checked to have resumed on both sides (strata's `is_resumed`, \
rustls's `handshake_kind`), and the run fails if one did not. TLS 1.3: ticket resumption \
with psk_dhe_ke (a fresh X25519 exchange); each server sends one ticket after every \
handshake, resumed ones too (ChaCha20-Poly1305-sealed, strata's and rustls's), and since \
tickets are used once the client offers the one the previous handshake brought: every \
handshake in the loop is a resumed one that also issues and receives one ticket. TLS 1.2: \
resumption by session ID against the server's session cache, no RFC 5077 tickets (the one \
mechanism all three servers have on by default: rustls issues no TLS 1.2 tickets unless \
given a ticketer). No certificates or signatures, so the server key hardly matters (the \
RSA row differs only by the bigger certificate kept in the client's session); with client \
authentication the server restores the client's chain from the ticket or cache. OpenSSL's \
resumed rows come from a C program (`benches/openssl-resumed/resumed.c`, run by the bench): \
its client resumes only a session given to `SSL_set_session`, which the openssl crate wraps \
as an `unsafe fn`, and this workspace forbids unsafe code. The program runs the same loop \
over memory BIOs (a new client and server per handshake, each side's calls timed, both \
sides checked to have resumed, the ticket or session ID the last handshake left; stateless \
tickets, one per handshake), with its repetitions taking turns with the others'; on the \
full rows it reads within a few per cent of the openssl crate's figures \
(`cargo run --release -p strata-bench --example openssl_harnesses`).
- **The resumed crypto floor**: TLS 1.3, each side X25519 and the resumed key schedule (21 \
HKDF-SHA256 expansions: binder key and its finished key, two derived secrets, four \
traffic secrets with a key and an IV each, two finished keys, exporter and resumption \
secrets, the new ticket's PSK; 3 extractions; 3 HMAC-SHA256: the binder and two \
Finished), and on the server a ticket opened and a new one sealed (ChaCha20-Poly1305 over \
the session state as strata encodes it, 77 bytes, plus the client's certificate with \
client authentication); TLS 1.2, each side the PRF (HMAC-SHA256) of the key block and of \
both Finished messages. A TLS 1.2 resumed handshake has no public-key operation at all, \
so its floor is far above any stack: strata/floor there is the share of the time that is \
crypto, and the interesting ratio is strata/rustls.
- **One at a time** measures the handshake rows again with turns of one handshake instead \
of one repetition: a strata handshake (both sides), the crypto floor's primitives for it, \
a rustls handshake, and again, for 1.8 s per row in 11 repetitions (0.24 s in 3 with \
`--quick`), each timed alone with the monotonic clock; the figures are medians of the \
repetitions' µs per handshake and the ratios medians of the repetitions' ratios. A slower \
stretch of the shared machine lasts many turns, so it weighs on the three alike; and each \
runs after the other two have been through the caches, as a server's handshakes run among \
other work, where the loops above run warm: where the two tables differ, the colder \
setting is the likelier reason. strata/rustls moves by 1 to 3% between runs of one build \
here. rustls/floor is the share of the floor the other ring-based stack reaches.
- **The no-code bound** (one at a time): each turn also runs, timed apart, the rest of the \
crypto the protocol needs for the handshake, read from the records of a strata handshake \
of the row (`benches/src/protocol.rs`): each side's transcript hash over every handshake \
message, each encrypted handshake record sealed and opened, each side's AEAD key set-ups \
(TLS 1.3 four, TLS 1.2 two), TLS 1.3's two Finished HMACs per side in a full handshake, and \
each hello's random. TLS 1.3's NewSessionTicket, the hash snapshots and the HMAC key \
set-up per secret are left out, so the bound errs high. The floor over the floor and \
this is the share of the floor a stack with no code of its own would reach: no stack's \
strata/floor can be above it. The table under it gives, for each row with a floor target \
(0.97 full, 0.95 resumed TLS 1.3), the room the target leaves for a stack's own code \
(the floor over the target, less all the protocol's crypto), beside what strata and \
rustls spend beyond the protocol's crypto.
- **Bulk** is one way, client to server, TLS 1.3 and TLS 1.2, 16 KiB writes in batches of \
4 records. Send = write the plaintext (seal) and take the TLS bytes out; receive = put the \
TLS bytes in, process (open) and read the plaintext out. MB/s is 10^6 bytes of plaintext \
per second spent in those calls. \"ring raw\" is ring's seal or open alone of what one \
record of a 16 KiB write gives the AEAD, under that version's additional data: in TLS 1.3 \
the 16 KiB and the content type byte (RFC 8446 §5.2), whose partial block costs ring's \
AES-GCM about 3%; in TLS 1.2 the 16 KiB (open is timed without the seal that restores the \
ciphertext between calls): the ceiling. Each stack uses its own calls for bytes in memory: strata seals straight into \
the wire buffer (`write_plaintext_into`) and takes the TLS bytes from a slice \
(`read_tls_slice`), then copies the plaintext out (`read_plaintext`); rustls writes, then \
`write_tls` into the wire, and `read_tls` from a slice; OpenSSL goes through its memory \
BIOs. Those calls copy each byte in or out of the connection, which caps them below ring \
raw (the primitives table gives the cost of one 16 KiB copy). \"strata in place\" is \
strata's copy-free calls: each record is sealed where the plaintext lies \
(`seal_in_place`, in a buffer that holds room for the header, then the plaintext) and \
opened where it lies (`open_in_place`), which leaves the plaintext back in the same place \
for the next record to seal; as ring raw does, it works on one 16 KiB buffer (a batch \
of one record), and it leaves out the application producing the \
plaintext and the transport's copy into the receive buffer (a socket read), which are not \
the connection's work. \"in place/ring\" is that column over ring raw.
- **Repeat peer** compares a strata client with its verified-chain cache off and on \
(`cache_verified_chains`), reconnecting to the same server with full handshakes: with it \
on, the chain is verified once and taken from the cache afterwards, while the server's \
signature is still checked every handshake; the rows differ in the chain's length (one or \
two ECDSA P-256 signatures to check).
- **OpenSSL** runs through the `openssl` crate: an `SslStream` over an in-memory duplex \
(OpenSSL's BIO reads and writes two byte buffers). Its crypto is its own, not ring.
- **Memory** comes from a second binary with a counting global allocator (stats_alloc): \
heap bytes still held by one established, idle connection (the live bytes after \
establishing N pairs at once, then after dropping the clients, over N; each connection \
boxed, so the object itself counts), and allocation calls (alloc + realloc) inside each \
side's calls during one handshake. OpenSSL allocates with C's malloc, which this does not \
see: it has no heap figures. \"Allocations on the record path\" counts the calls while \
1000 records of 16 KiB are sent and read back on a warmed-up pair (`cargo test -p \
strata-bench` holds strata to zero). \"Memory per connection after traffic\" is the same \
heap reading on pairs that have each carried 4 writes of 16 KiB each way, every byte read, \
and are idle again: what a long-lived, mostly idle connection costs. strata gives a \
drained record buffer (receive or send) to a pool of at most 4 of each kind shared by a \
configuration's connections, and takes it back for the next record, so the pool's few \
buffers are counted too, spread over the N connections.
- **Peak resident memory** is the kernel's count of the process's pages (VmHWM in \
/proc/self/status), which sees every allocator, OpenSSL's malloc included: a fresh process \
per figure makes its configurations, resets the peak (writing 5 to /proc/self/clear_refs), \
then establishes 1000 client-server pairs (100 with `--quick`) and holds them all; the \
figure is the peak's growth over the resident set just before, so it includes both \
sides, the connection objects and what the allocator keeps around them.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_lock_file() {
        let lock = "[[package]]\nname = \"ring\"\nversion = \"0.17.14\"\n\n\
                    [[package]]\nname = \"rustls\"\nversion = \"0.23.46\"\n";
        assert_eq!(locked_version(lock, "rustls").as_deref(), Some("0.23.46"));
        assert_eq!(locked_version(lock, "ring").as_deref(), Some("0.17.14"));
        assert_eq!(locked_version(lock, "openssl"), None);
    }
}
