//! The timing half of `cargo xtask bench`: handshakes, bulk throughput and the crypto
//! limits, strata against rustls and OpenSSL, printed as Markdown tables on stdout
//! (progress on stderr). The system allocator, uncounted, as an application has it; the
//! memory figures come from `strata-bench-memory`.
//!
//! `strata-bench [--quick] [--reps N] [--only handshakes|resumed|turns|bulk|crypto|cache]`,
//! or `strata-bench --openssl-version`. `--reps N` cuts the same measuring time into N
//! repetitions.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use strata_bench::crypto;
use strata_bench::measure::{self, Figure, Sampled, Settings};
use strata_bench::setup::{Aead, Pki, Setup, Version};
use strata_bench::stacks::openssl::library_version;
use strata_bench::table::{figure, ratio, Table};

struct Args {
    settings: Settings,
    only: Option<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut settings = Settings::FULL;
    let mut only = None;
    let mut reps_wanted = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => settings = Settings::QUICK,
            "--only" => only = Some(args.next().ok_or("--only needs a section")?),
            "--reps" => {
                let reps = args.next().ok_or("--reps needs a count")?;
                let reps = reps
                    .parse()
                    .map_err(|_| format!("--reps {reps}: a count"))?;
                reps_wanted = Some(reps);
            }
            "--openssl-version" => {
                println!("{}", library_version());
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if let Some(section) = &only {
        if !["handshakes", "resumed", "turns", "bulk", "crypto", "cache"]
            .contains(&section.as_str())
        {
            return Err(format!(
                "--only {section}: handshakes, resumed, turns, bulk, crypto or cache"
            ));
        }
    }
    if let Some(reps) = reps_wanted {
        settings = settings.split(reps);
    }
    Ok(Some(Args { settings, only }))
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| args.map_or(Ok(()), |a| run(&a))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("strata-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let wants = |section: &str| args.only.as_deref().is_none_or(|o| o == section);
    let settings = &args.settings;
    let pki = Pki::new();

    if wants("handshakes") {
        let (rate, sides) = handshake_tables(&pki, settings, &FULL)?;
        println!("{}", rate.markdown());
        println!("{}", sides.markdown());
    }
    if wants("resumed") {
        let (rate, sides) = handshake_tables(&pki, settings, &RESUMED)?;
        println!("{}", rate.markdown());
        println!("{}", sides.markdown());
    }
    if wants("turns") {
        for table in strata_bench::turns::tables(&pki, settings)? {
            println!("{}", table.markdown());
        }
    }
    if wants("handshakes") || wants("resumed") || wants("crypto") {
        eprintln!("ring's primitives alone");
        let primitives = crypto::primitives(&pki, settings)?;
        println!("{}", primitives_table(&primitives).markdown());
    }
    if wants("bulk") {
        println!("{}", bulk_table(&pki, settings)?.markdown());
    }
    if wants("cache") {
        let cache = strata_bench::chain_cache::table(&pki, settings)?;
        println!("{}", cache.markdown());
    }
    Ok(())
}

/// A kind of handshake table: its setups and its headings.
struct Kind {
    setups: fn() -> Vec<Setup>,
    progress: &'static str,
    rate_title: &'static str,
    rate_note: &'static str,
    sides_title: &'static str,
}

const FULL: Kind = Kind {
    setups: Setup::handshakes,
    progress: "handshakes",
    rate_title: "Full handshakes per second",
    rate_note: "One thread runs both sides; X25519, AES-128-GCM, certificates verified, \
                nothing resumed. Higher is better. The crypto floor is one handshake's ring \
                primitives run by themselves: the rate no stack on ring can beat here.",
    sides_title: "Time per handshake by side (µs)",
};

const RESUMED: Kind = Kind {
    setups: Setup::resumed_handshakes,
    progress: "resumed",
    rate_title: "Resumed handshakes per second",
    rate_note: "Every measured handshake resumes the session of the one before it, checked \
                on both sides. TLS 1.3: ticket resumption with psk_dhe_ke (X25519), the \
                server sending one new ticket per handshake, which the client offers in its \
                next one (single-use tickets: each handshake uses the one the previous \
                brought). TLS 1.2: resumption by session ID, no tickets. The crypto floor \
                is a resumed handshake's ring primitives run by themselves.",
    sides_title: "Time per resumed handshake by side (µs)",
};

fn handshake_tables(pki: &Pki, settings: &Settings, kind: &Kind) -> Result<(Table, Table), String> {
    let mut rate = Table::new(
        kind.rate_title,
        kind.rate_note,
        &[
            "handshake",
            "strata",
            "rustls",
            "OpenSSL",
            "strata/rustls",
            "strata/OpenSSL",
            "crypto floor",
            "strata/floor",
        ],
    );
    let mut sides = Table::new(
        kind.sides_title,
        "Time spent in each side's calls (creating the connection, processing, writing, \
         dropping it). Lower is better, so a ratio above 1 means strata is slower; the \
         crypto floor is that side's share of the primitives.",
        &[
            "handshake",
            "side",
            "strata",
            "rustls",
            "OpenSSL",
            "strata/rustls",
            "strata/OpenSSL",
            "crypto floor",
            "strata/floor",
        ],
    );
    for setup in (kind.setups)() {
        eprintln!("{}: {}", kind.progress, setup.row_name());
        let [s, r, o, floor] = measure::compare_handshakes(pki, &setup, settings)?;
        let per_second = |f: &Figure<measure::HandshakeFigures>| f.clone().map(|f| f.per_second);
        let (s_rate, r_rate, o_rate) = (per_second(&s), per_second(&r), per_second(&o));
        let floor_rate = per_second(&floor);
        rate.row(vec![
            setup.row_name(),
            figure(&s_rate, 0),
            figure(&r_rate, 0),
            figure(&o_rate, 0),
            ratio(&s_rate, &r_rate),
            ratio(&s_rate, &o_rate),
            figure(&floor_rate, 0),
            ratio(&s_rate, &floor_rate),
        ]);
        for (side, pick) in [
            (
                "client",
                (|f: measure::HandshakeFigures| f.client_us) as fn(_) -> Sampled,
            ),
            ("server", |f: measure::HandshakeFigures| f.server_us),
        ] {
            let (s, r, o) = (
                s.clone().map(pick),
                r.clone().map(pick),
                o.clone().map(pick),
            );
            let f = floor.clone().map(pick);
            sides.row(vec![
                setup.row_name(),
                side.into(),
                figure(&s, 1),
                figure(&r, 1),
                figure(&o, 1),
                ratio(&s, &r),
                ratio(&s, &o),
                figure(&f, 1),
                ratio(&s, &f),
            ]);
        }
    }
    Ok((rate, sides))
}

fn bulk_table(pki: &Pki, settings: &Settings) -> Result<Table, String> {
    let mut table = Table::new(
        "Bulk throughput, one way, 16 KiB writes (MB/s)",
        "Client to server. send = write plaintext (seal) + take the TLS bytes out; receive = \
         put the TLS bytes in + process (open) + read the plaintext out. strata in place = \
         `seal_in_place` where the plaintext lies and `open_in_place` where the record \
         arrived (no copy by the connection; the transport's own copy left out, as for ring \
         raw). MB = 10^6 bytes of plaintext per second spent in those calls. ring raw = \
         ring's seal or open alone of what one such record gives the AEAD (TLS 1.3: the \
         16 KiB and the content type byte).",
        &[
            "version",
            "AEAD",
            "direction",
            "strata",
            "strata in place",
            "rustls",
            "OpenSSL",
            "strata/rustls",
            "strata/OpenSSL",
            "ring raw",
            "strata/ring",
            "in place/ring",
        ],
    );
    for version in [Version::Tls13, Version::Tls12] {
        for aead in Aead::ALL {
            eprintln!("bulk: {} {}", version.name(), aead.name());
            let setup = Setup::bulk(version, aead);
            let [s, p, r, o, raw] = measure::compare_bulk(pki, &setup, settings)?;
            for (direction, pick) in [
                (
                    "send",
                    (|f: measure::BulkFigures| f.send) as fn(_) -> Sampled,
                ),
                ("receive", |f: measure::BulkFigures| f.receive),
            ] {
                let [s, p, r, o, raw] = [&s, &p, &r, &o, &raw].map(|f| f.clone().map(pick));
                table.row(vec![
                    version.name().into(),
                    aead.name().into(),
                    direction.into(),
                    figure(&s, 0),
                    figure(&p, 0),
                    figure(&r, 0),
                    figure(&o, 0),
                    ratio(&s, &r),
                    ratio(&s, &o),
                    figure(&raw, 0),
                    ratio(&s, &raw),
                    ratio(&p, &raw),
                ]);
            }
        }
    }
    Ok(table)
}

fn primitives_table(p: &crypto::Primitives) -> Table {
    let mut table = Table::new(
        "ring primitives alone (µs per operation)",
        "The operations the crypto floor runs (see \"How to read it\"), each timed alone.",
        &["operation", "µs"],
    );
    let rows = [
        (
            "X25519, one side: key pair + public key + agreement",
            p.x25519,
        ),
        ("ECDSA P-256 SHA-256 sign", p.ecdsa_sign),
        ("ECDSA P-256 SHA-256 verify", p.ecdsa_verify),
        ("RSA-2048 PSS SHA-256 sign", p.rsa_sign),
        ("RSA-2048 PSS SHA-256 verify", p.rsa_verify),
        ("HKDF-SHA256 expand (32 bytes)", p.hkdf_expand),
        ("HKDF-SHA256 extract", p.hkdf_extract),
        ("HMAC-SHA256 (32 bytes)", p.hmac),
        (
            "ticket: ChaCha20-Poly1305 open + seal (TLS 1.3 resumed server)",
            p.ticket,
        ),
        (
            "TLS 1.2 resumed PRF, one side: key block + both Finished",
            p.tls12_resumed_prf,
        ),
        ("copy 16 KiB (memcpy, for the bulk table)", p.copy_16k),
    ];
    for (name, us) in rows {
        table.row(vec![name.into(), format!("{us:.2}")]);
    }
    table
}
