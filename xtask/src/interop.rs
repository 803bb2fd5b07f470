//! `cargo xtask interop`: the strata command against the real `openssl` binary, both ways.
//!
//! A PKI made by OpenSSL itself (so that strata checks certificates it did not make): a
//! CA, an ECDSA P-256 and an RSA-2048 server certificate, and a client certificate. Then,
//! for every TLS 1.3 suite x server key and every TLS 1.2 suite (with the key it needs),
//! x group x client authentication mode:
//!
//! - `strata client` against `openssl s_server -www`, and
//! - `openssl s_client` against `strata server --http`,
//!
//! each checked for success and for the suite and group both sides report; the modes
//! where the server requires a certificate the client does not have must fail. Prints the
//! matrix and fails if any row did not do what it should.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// TLS 1.3 suites: (IANA name, OpenSSL name); any server key.
const TLS13_SUITES: [(&str, &str); 3] = [
    ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
    ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256",
    ),
];
/// TLS 1.2 suites: (IANA name, OpenSSL name, the server key they need).
const TLS12_SUITES: [(&str, &str, &str); 6] = [
    (
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ecdsa",
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ecdsa",
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ecdsa",
    ),
    (
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "rsa",
    ),
    (
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "rsa",
    ),
    (
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "rsa",
    ),
];
/// (strata name, OpenSSL name)
const GROUPS: [(&str, &str); 3] = [
    ("x25519", "X25519"),
    ("secp256r1", "P-256"),
    ("secp384r1", "P-384"),
];
/// The server keys TLS 1.3 suites run with.
const KEYS: [&str; 2] = ["ecdsa", "rsa"];
const TIMEOUT: Duration = Duration::from_secs(15);

/// How the server treats client certificates, and whether the client has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Auth {
    None,
    OptionalWithout,
    OptionalWith,
    RequiredWith,
    RequiredWithout,
}

impl Auth {
    const ALL: [Self; 5] = [
        Self::None,
        Self::OptionalWithout,
        Self::OptionalWith,
        Self::RequiredWith,
        Self::RequiredWithout,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::None => "no client auth",
            Self::OptionalWithout => "optional, no cert",
            Self::OptionalWith => "optional, cert",
            Self::RequiredWith => "required, cert",
            Self::RequiredWithout => "required, no cert",
        }
    }

    fn client_has_cert(self) -> bool {
        matches!(self, Self::OptionalWith | Self::RequiredWith)
    }

    fn should_succeed(self) -> bool {
        self != Self::RequiredWithout
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Use this strata binary instead of building it.
    #[arg(long)]
    strata: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<(), String> {
    let strata = match &args.strata {
        Some(path) => path.clone(),
        None => build_strata()?,
    };
    let dir = std::env::temp_dir().join(format!("strata-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    make_pki(&dir)?;
    println!("{}", run_openssl(&["version"])?.trim());

    let mut cases = Vec::new();
    for key in KEYS {
        for (suite, openssl_suite) in TLS13_SUITES {
            cases.push((Version::Tls13, key, suite, openssl_suite));
        }
    }
    for (suite, openssl_suite, key) in TLS12_SUITES {
        cases.push((Version::Tls12, key, suite, openssl_suite));
    }
    let mut rows = Vec::new();
    for (version, key, suite, openssl_suite) in cases {
        for group in GROUPS {
            for auth in Auth::ALL {
                let case = Case {
                    version,
                    key,
                    suite,
                    openssl_suite,
                    group,
                    auth,
                };
                let outcome = with_port_retry(|| strata_client(&strata, &dir, &case));
                rows.push((case, "strata client -> openssl s_server", outcome));
                let outcome = with_port_retry(|| strata_server(&strata, &dir, &case));
                rows.push((case, "openssl s_client -> strata server", outcome));
            }
        }
    }
    let mut resumption = Vec::new();
    for version in [Version::Tls13, Version::Tls12] {
        let row = "strata client --reconnect -> openssl s_server";
        resumption.push((
            version,
            row,
            with_port_retry(|| strata_client_reconnects(&strata, &dir, version)),
        ));
        let row = "openssl s_client -sess_out/-sess_in -> strata server";
        resumption.push((
            version,
            row,
            with_port_retry(|| s_client_resumes(&strata, &dir, version, false)),
        ));
        // OpenSSL 3.0's s_client -reconnect reconnects before it reads a TLS 1.3 ticket (it
        // does not resume against openssl s_server either), so it is a TLS 1.2 row only.
        if version == Version::Tls12 {
            let row = "openssl s_client -reconnect -> strata server";
            resumption.push((
                version,
                row,
                with_port_retry(|| s_client_resumes(&strata, &dir, version, true)),
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    let mut failures = 0;
    for (case, direction, outcome) in &rows {
        let verdict = match (outcome, case.auth.should_succeed()) {
            (Ok(()), true) => "ok",
            (Err(_), false) => "ok (refused)",
            _ => {
                failures += 1;
                "FAILED"
            }
        };
        println!(
            "{verdict:<13} {direction:<34} {:<7} {:<5} {:<45} {:<9} {:<18}{}",
            case.version.name(),
            case.key,
            case.suite,
            case.group.0,
            case.auth.name(),
            match outcome {
                Err(e) if verdict == "FAILED" => format!("  {e}"),
                Ok(()) if verdict == "FAILED" => "  succeeded but should have been refused".into(),
                _ => String::new(),
            }
        );
    }
    for (version, row, outcome) in &resumption {
        match outcome {
            Ok(()) => println!("ok            {row:<52} {} resumed", version.name()),
            Err(e) => {
                failures += 1;
                println!("FAILED        {row:<52} {}  {e}", version.name());
            }
        }
    }
    let total = rows.len() + resumption.len();
    println!("interop: {total} rows, {failures} failed");
    if failures == 0 {
        Ok(())
    } else {
        Err(format!("{failures} interop rows failed"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    Tls12,
    Tls13,
}

impl Version {
    fn name(self) -> &'static str {
        match self {
            Self::Tls12 => "TLS1.2",
            Self::Tls13 => "TLS1.3",
        }
    }

    fn strata_flag(self) -> &'static str {
        match self {
            Self::Tls12 => "--tls12",
            Self::Tls13 => "--tls13",
        }
    }

    fn openssl_flag(self) -> &'static str {
        match self {
            Self::Tls12 => "-tls1_2",
            Self::Tls13 => "-tls1_3",
        }
    }

    /// The OpenSSL option that sets this version's suites.
    fn openssl_suites_option(self) -> &'static str {
        match self {
            Self::Tls12 => "-cipher",
            Self::Tls13 => "-ciphersuites",
        }
    }
}

impl Case {
    /// The groups both sides are given: the case's group first, and in TLS 1.2 also P-256,
    /// the curve of the ECDSA certificates, which RFC 8422 §5.1 requires to be among the
    /// groups (OpenSSL checks a certificate's curve against its own list as well). Both
    /// sides prefer the case's group, so it still decides the key exchange.
    fn groups(&self, separator: &str) -> String {
        let (strata, openssl) = self.group;
        let mut groups = vec![if separator == "," { strata } else { openssl }];
        if self.version == Version::Tls12 && strata != "secp256r1" {
            groups.push(if separator == "," {
                "secp256r1"
            } else {
                "P-256"
            });
        }
        groups.join(separator)
    }
}

#[derive(Clone, Copy, Debug)]
struct Case {
    version: Version,
    key: &'static str,
    suite: &'static str,
    openssl_suite: &'static str,
    group: (&'static str, &'static str),
    auth: Auth,
}

fn build_strata() -> Result<PathBuf, String> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "strata-cli"])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("building strata-cli failed".into());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("release").join("strata"))
}

fn run_openssl(args: &[&str]) -> Result<String, String> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The interop PKI, made by OpenSSL.
fn make_pki(dir: &Path) -> Result<(), String> {
    let p = |name: &str| dir.join(name).display().to_string();
    let ext = dir.join("ext.cnf");
    std::fs::write(
        &ext,
        "[server]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n\
         basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
         [client]\nsubjectAltName=DNS:interop-client\nextendedKeyUsage=clientAuth\n\
         basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n",
    )
    .map_err(|e| e.to_string())?;
    run_openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.pem"),
        "-days",
        "30",
        "-subj",
        "/CN=strata interop CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=keyCertSign,cRLSign",
    ])?;
    let leaves: [(&str, &[&str], &str); 3] = [
        (
            "ecdsa",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "server",
        ),
        ("rsa", &["-newkey", "rsa:2048"], "server"),
        (
            "client",
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "client",
        ),
    ];
    for (name, newkey, section) in leaves {
        let mut req = vec!["req", "-nodes", "-keyout"];
        let key = p(&format!("{name}.key"));
        let csr = p(&format!("{name}.csr"));
        let subj = format!("/CN=strata interop {name}");
        req.extend([key.as_str(), "-out", csr.as_str(), "-subj", subj.as_str()]);
        req.extend(newkey);
        run_openssl(&req)?;
        let cert = p(&format!("{name}.pem"));
        let ext_path = ext.display().to_string();
        run_openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            &ext_path,
            "-extensions",
            section,
            "-out",
            &cert,
        ])?;
    }
    Ok(())
}

/// Runs a row again (up to three times) when its server lost the race for the free port
/// it was given to another process on the machine.
fn with_port_retry(mut row: impl FnMut() -> Result<(), String>) -> Result<(), String> {
    let mut result = row();
    for _ in 0..2 {
        match &result {
            Err(e) if e.contains("Address already in use") => result = row(),
            _ => break,
        }
    }
    result
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Waits for `child` with a deadline, killing it if it overstays.
fn wait_with_deadline(mut child: Child) -> Result<Output, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().map_err(|e| e.to_string()),
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let out = child.wait_with_output().map_err(|e| e.to_string())?;
                return Err(format!(
                    "timed out; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

const REQUEST: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

/// Runs a client command with the HTTP request on its standard input and returns what it
/// printed, killing it if it overstays.
fn request(command: &mut Command) -> Result<Output, String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(REQUEST).map_err(|e| e.to_string())?;
    }
    wait_with_deadline(child)
}

fn strata_client(strata: &Path, dir: &Path, case: &Case) -> Result<(), String> {
    let p = |name: &str| dir.join(name).display().to_string();
    let port = free_port()?;
    let mut server = Command::new("openssl");
    server
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-naccept",
            "1",
            "-www",
            case.version.openssl_flag(),
        ])
        .args([
            "-cert",
            &p(&format!("{}.pem", case.key)),
            "-key",
            &p(&format!("{}.key", case.key)),
        ])
        .args([
            case.version.openssl_suites_option(),
            case.openssl_suite,
            "-groups",
            &case.groups(":"),
        ]);
    match case.auth {
        Auth::None => {}
        Auth::OptionalWithout | Auth::OptionalWith => {
            server.args(["-verify", "1", "-CAfile", &p("ca.pem")]);
        }
        Auth::RequiredWith | Auth::RequiredWithout => {
            server.args(["-Verify", "1", "-CAfile", &p("ca.pem")]);
        }
    }
    let mut server = server
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = wait_until_listening(port, &mut server).and_then(|()| {
        let mut client = Command::new(strata);
        client
            .args([
                "client",
                &format!("127.0.0.1:{port}"),
                "--servername",
                "localhost",
            ])
            .args([
                "--ca",
                &p("ca.pem"),
                case.version.strata_flag(),
                "--suites",
                case.suite,
                "--groups",
                &case.groups(","),
            ]);
        if case.auth.client_has_cert() {
            client.args(["--cert", &p("client.pem"), "--key", &p("client.key")]);
        }
        let out = request(&mut client)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("strata client: {}", stderr.trim()));
        }
        // s_server -www describes the connection; its cipher line names the suite.
        if !stdout.contains("200 ok") || !stdout.contains(case.openssl_suite) {
            return Err(format!("unexpected page: {stdout}"));
        }
        if !stderr.contains(&format!("suite: {}", case.suite))
            || !stderr.contains(&format!("group: {}", case.group.0))
        {
            return Err(format!("strata reports other parameters: {stderr}"));
        }
        Ok(())
    });
    let _ = server.kill();
    let mut err = String::new();
    if let Some(mut stderr) = server.stderr.take() {
        let _ = stderr.read_to_string(&mut err);
    }
    let _ = server.wait();
    result.map_err(|e| format!("{e} [s_server: {}]", err.trim().replace('\n', " | ")))
}

/// `strata client --reconnect` against `openssl s_server`: the second connection must
/// resume the first session.
fn strata_client_reconnects(strata: &Path, dir: &Path, version: Version) -> Result<(), String> {
    let p = |name: &str| dir.join(name).display().to_string();
    let port = free_port()?;
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-naccept",
            "2",
            "-www",
        ])
        .args([
            version.openssl_flag(),
            "-cert",
            &p("ecdsa.pem"),
            "-key",
            &p("ecdsa.key"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = wait_until_listening(port, &mut server).and_then(|()| {
        let out = request(
            Command::new(strata)
                .args([
                    "client",
                    &format!("127.0.0.1:{port}"),
                    "--servername",
                    "localhost",
                ])
                .args(["--ca", &p("ca.pem"), version.strata_flag(), "--reconnect"]),
        )?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() && stderr.lines().any(|l| l == "resumed: yes") {
            Ok(())
        } else {
            Err(format!(
                "no resumption: {}",
                stderr.trim().replace('\n', " | ")
            ))
        }
    });
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// `openssl s_client` resuming a session with the strata server: with `-reconnect`, or
/// by saving the session (`-sess_out`) and offering it again (`-sess_in`).
fn s_client_resumes(
    strata: &Path,
    dir: &Path,
    version: Version,
    reconnect: bool,
) -> Result<(), String> {
    let p = |name: &str| dir.join(name).display().to_string();
    let port = free_port()?;
    let mut server = Command::new(strata)
        .args([
            "server",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--http",
            version.strata_flag(),
        ])
        .args(["--cert", &p("ecdsa.pem"), "--key", &p("ecdsa.key")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let session = dir.join(format!("session-{}", version.name()));
    let s_client = |extra: &[&str]| -> Result<String, String> {
        let out = request(
            Command::new("openssl")
                .args([
                    "s_client",
                    "-connect",
                    &format!("127.0.0.1:{port}"),
                    version.openssl_flag(),
                ])
                .args([
                    "-servername",
                    "localhost",
                    "-CAfile",
                    &p("ca.pem"),
                    "-verify_return_error",
                ])
                // -ign_eof: wait for the server to close, so the tickets that follow the
                // handshake are read before the session is saved.
                .arg("-ign_eof")
                .args(extra),
        )?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let session_path = session.display().to_string();
    let result = wait_until_listening(port, &mut server).and_then(|()| {
        let out = if reconnect {
            s_client(&["-reconnect"])?
        } else {
            s_client(&["-sess_out", &session_path])?;
            s_client(&["-sess_in", &session_path])?
        };
        if out.lines().any(|l| l.starts_with("Reused,")) {
            Ok(())
        } else {
            Err("s_client reports no reused session".into())
        }
    });
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn strata_server(strata: &Path, dir: &Path, case: &Case) -> Result<(), String> {
    let p = |name: &str| dir.join(name).display().to_string();
    let port = free_port()?;
    let mut server = Command::new(strata);
    server
        .args([
            "server",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--once",
            "--http",
            case.version.strata_flag(),
        ])
        .args([
            "--cert",
            &p(&format!("{}.pem", case.key)),
            "--key",
            &p(&format!("{}.key", case.key)),
        ])
        .args(["--suites", case.suite, "--groups", &case.groups(",")]);
    match case.auth {
        Auth::None => {}
        Auth::OptionalWithout | Auth::OptionalWith => {
            server.args(["--client-ca", &p("ca.pem")]);
        }
        Auth::RequiredWith | Auth::RequiredWithout => {
            server.args(["--client-ca", &p("ca.pem"), "--require-client-cert"]);
        }
    }
    let mut server = server
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = wait_until_listening(port, &mut server).and_then(|()| {
        let mut client = Command::new("openssl");
        client
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{port}"),
                case.version.openssl_flag(),
                "-quiet",
            ])
            .args([
                "-servername",
                "localhost",
                "-verify_return_error",
                "-CAfile",
                &p("ca.pem"),
            ])
            .args([
                case.version.openssl_suites_option(),
                case.openssl_suite,
                "-groups",
                &case.groups(":"),
            ]);
        if case.auth.client_has_cert() {
            client.args(["-cert", &p("client.pem"), "-key", &p("client.key")]);
        }
        let out = request(&mut client)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !stdout.contains("HTTP/1.0 200 OK") {
            return Err(format!(
                "s_client got no page (status {}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if !stdout.contains(&format!("suite: {}", case.suite))
            || !stdout.contains(&format!("group: {}", case.group.0))
        {
            return Err(format!("strata served other parameters: {stdout}"));
        }
        Ok(())
    });
    let _ = server.kill();
    let mut err = String::new();
    if let Some(mut stderr) = server.stderr.take() {
        let _ = stderr.read_to_string(&mut err);
    }
    let _ = server.wait();
    result.map_err(|e| format!("{e} [server: {}]", err.trim().replace('\n', " | ")))
}

/// Waits until something listens on `port`, without connecting: a probe connection would
/// be the one connection a `--once` or `-naccept 1` server serves.
fn wait_until_listening(port: u16, child: &mut Child) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < TIMEOUT {
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("server exited early: {status}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err("server did not start listening".into())
}
