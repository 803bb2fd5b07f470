//! `strata demo`: everything from nothing. A throwaway CA issues a server and a client
//! certificate; a strata server and a strata client run a mutually authenticated
//! handshake on loopback, traced; then, where `openssl` is on the PATH, the strata client
//! talks to `openssl s_server` and `openssl s_client` talks to the strata server.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use strata::pki_types::ServerName;
use strata::{ClientConfig, ClientConnection, ServerConfig, Stream, TlsVersion, TrustAnchors};
use strata_pki::{CertifiedKey, WebPkiClientVerifier};

use crate::args::DemoArgs;
use crate::server::{serve, Mode};
use crate::trace::Tracer;
use crate::CliError;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The files of the throwaway PKI.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn failed(what: &str) -> impl Fn(rcgen::Error) -> CliError + '_ {
    move |e| CliError::Failed(format!("{what}: {e}"))
}

fn make_pki() -> Result<Pki, CliError> {
    let dir = std::env::temp_dir().join(format!("strata-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed("CA"))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "strata demo CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(failed("CA key"))?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(failed("CA"))?;
    std::fs::write(dir.join("ca.pem"), ca_cert.pem())?;
    let issuer = Issuer::new(ca_params, ca_key);

    for (name, sans, eku) in [
        (
            "server",
            vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            ExtendedKeyUsagePurpose::ServerAuth,
        ),
        (
            "client",
            vec!["strata-demo-client".to_owned()],
            ExtendedKeyUsagePurpose::ClientAuth,
        ),
    ] {
        let mut params = CertificateParams::new(sans).map_err(failed(name))?;
        params
            .distinguished_name
            .push(DnType::CommonName, format!("strata demo {name}"));
        params.is_ca = IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![eku];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().map_err(failed(name))?;
        let cert = params.signed_by(&key, &issuer).map_err(failed(name))?;
        std::fs::write(dir.join(format!("{name}.pem")), cert.pem())?;
        std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem())?;
    }
    Ok(Pki { dir })
}

fn server_config(pki: &Pki, trace: bool) -> Result<Arc<ServerConfig>, CliError> {
    let cert = CertifiedKey::from_files(pki.path("server.pem"), pki.path("server.key"))?;
    let anchors = Arc::new(TrustAnchors::from_file(pki.path("ca.pem"))?);
    let mut builder = ServerConfig::builder_with_certificates(vec![Arc::new(cert)])
        .client_auth(Arc::new(WebPkiClientVerifier::new(anchors)?));
    if trace {
        builder = builder.observer(Arc::new(Tracer::new("server")));
    }
    Ok(builder.build()?)
}

fn client_config(pki: &Pki, trace: bool) -> Result<Arc<ClientConfig>, CliError> {
    client_config_for(pki, trace, strata::config::IMPLEMENTED_VERSIONS)
}

fn client_config_for(
    pki: &Pki,
    trace: bool,
    versions: &[TlsVersion],
) -> Result<Arc<ClientConfig>, CliError> {
    let cert = CertifiedKey::from_files(pki.path("client.pem"), pki.path("client.key"))?;
    let anchors = TrustAnchors::from_file(pki.path("ca.pem"))?;
    let mut builder = ClientConfig::builder_with_roots(anchors)?
        .versions(versions)
        .client_certificate(Arc::new(cert));
    if trace {
        builder = builder.observer(Arc::new(Tracer::new("client")));
    }
    Ok(builder.build()?)
}

/// Connects the strata client to `port`, sends `request`, returns the whole answer.
fn strata_client(
    config: &Arc<ClientConfig>,
    port: u16,
    request: &[u8],
) -> Result<Vec<u8>, CliError> {
    let tcp = connect_with_retry(port)?;
    tcp.set_read_timeout(Some(TIMEOUT))?;
    let name = ServerName::try_from("localhost").map_err(|e| CliError::Failed(e.to_string()))?;
    let conn = ClientConnection::new(config.clone(), name)?;
    let mut tls = Stream::new(conn, tcp);
    tls.handshake()?;
    for line in crate::report::describe(&tls.conn) {
        eprintln!("client: {line}");
    }
    tls.write_all(request)?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(buf.get(..n).unwrap_or_default());
                if answer.ends_with(b"\n") && request.starts_with(b"hello") {
                    break;
                }
            }
            // OpenSSL's -www server closes without close_notify after its page.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() => break,
            Err(e) => return Err(e.into()),
        }
    }
    let _ = tls.close();
    Ok(answer)
}

fn connect_with_retry(port: u16) -> Result<TcpStream, CliError> {
    let start = Instant::now();
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(tcp) => return Ok(tcp),
            Err(e) if start.elapsed() > TIMEOUT => {
                return Err(CliError::Failed(format!(
                    "connect to 127.0.0.1:{port}: {e}"
                )))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn free_port() -> Result<u16, CliError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn has_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let pki = make_pki()?;
    eprintln!(
        "demo: a throwaway CA, server and client certificates in {}",
        pki.dir.display()
    );
    let mut results = Vec::new();

    eprintln!("\ndemo: strata client <-> strata server, TLS 1.3, both sides authenticated");
    results.push((
        "strata client <-> strata server, TLS 1.3",
        strata_pair(&pki, &[TlsVersion::Tls13]),
    ));
    eprintln!("\ndemo: strata client <-> strata server, TLS 1.2, both sides authenticated");
    results.push((
        "strata client <-> strata server, TLS 1.2",
        strata_pair(&pki, &[TlsVersion::Tls12]),
    ));

    if args.no_openssl {
        eprintln!("\ndemo: OpenSSL part skipped (--no-openssl)");
    } else if !has_openssl() {
        eprintln!("\ndemo: no `openssl` on the PATH: OpenSSL part skipped");
    } else {
        eprintln!("\ndemo: strata client -> openssl s_server");
        results.push(("strata client -> openssl s_server", against_s_server(&pki)));
        eprintln!("\ndemo: openssl s_client -> strata server");
        results.push(("openssl s_client -> strata server", against_s_client(&pki)));
    }

    eprintln!();
    let mut ok = true;
    for (what, result) in &results {
        match result {
            Ok(()) => println!("ok      {what}"),
            Err(e) => {
                ok = false;
                println!("FAILED  {what}: {e}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&pki.dir);
    if ok {
        Ok(())
    } else {
        Err(CliError::Failed("the demo failed".into()))
    }
}

fn strata_pair(pki: &Pki, versions: &[TlsVersion]) -> Result<(), CliError> {
    let server = server_config(pki, true)?;
    let client = client_config_for(pki, true, versions)?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let handle = std::thread::spawn(move || -> Result<(), CliError> {
        let (tcp, _) = listener.accept()?;
        serve(&server, tcp, Mode::Echo, TIMEOUT)
    });
    let answer = strata_client(&client, port, b"hello from the strata client\n")?;
    print!(
        "client: the server echoed: {}",
        String::from_utf8_lossy(&answer)
    );
    handle
        .join()
        .map_err(|_| CliError::Failed("server thread panicked".into()))??;
    if answer != b"hello from the strata client\n" {
        return Err(CliError::Failed(
            "the echo differs from what was sent".into(),
        ));
    }
    Ok(())
}

fn against_s_server(pki: &Pki) -> Result<(), CliError> {
    let port = free_port()?;
    let p = |name: &str| pki.path(name).display().to_string();
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-naccept",
            "1",
            "-tls1_3",
            "-www",
        ])
        .args(["-cert", &p("server.pem"), "-key", &p("server.key")])
        .args(["-CAfile", &p("ca.pem"), "-Verify", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let result = strata_client(&client_config(pki, true)?, port, b"GET / HTTP/1.0\r\n\r\n");
    let _ = child.kill();
    let _ = child.wait();
    let answer = result?;
    let text = String::from_utf8_lossy(&answer);
    match text.lines().next() {
        Some(status) if status.contains("200") => {
            eprintln!("client: openssl s_server answered {status:?}");
            Ok(())
        }
        _ => Err(CliError::Failed(format!(
            "unexpected answer from s_server: {text:?}"
        ))),
    }
}

fn against_s_client(pki: &Pki) -> Result<(), CliError> {
    let server = server_config(pki, true)?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let handle = std::thread::spawn(move || -> Result<(), CliError> {
        let (tcp, _) = listener.accept()?;
        serve(&server, tcp, Mode::Http, TIMEOUT)
    });
    let out = run_s_client(&pki.dir, port)?;
    handle
        .join()
        .map_err(|_| CliError::Failed("server thread panicked".into()))??;
    let text = String::from_utf8_lossy(&out);
    if text.contains("HTTP/1.0 200 OK") {
        eprintln!("demo: openssl s_client got the strata page");
        Ok(())
    } else {
        Err(CliError::Failed(format!("s_client output: {text}")))
    }
}

fn run_s_client(dir: &Path, port: u16) -> Result<Vec<u8>, CliError> {
    let p = |name: &str| dir.join(name).display().to_string();
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-tls1_3",
            "-quiet",
        ])
        .args([
            "-servername",
            "localhost",
            "-verify_return_error",
            "-CAfile",
            &p("ca.pem"),
        ])
        .args(["-cert", &p("client.pem"), "-key", &p("client.key")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
    }
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_end(&mut out)?;
    }
    let status = child.wait()?;
    if !status.success() {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        return Err(CliError::Failed(format!("openssl s_client failed: {err}")));
    }
    Ok(out)
}
