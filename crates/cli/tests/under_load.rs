//! A strata server under load from bad peers, on loopback, bounded in time and count:
//! 180 connections that send junk, stop in the middle of a record, or trickle a byte at a
//! time are each closed (by an alert or by the handshake deadline), the server's memory stays
//! under a fixed bound, and a good client completes its handshake meanwhile.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use strata::pki_types::ServerName;
use strata::{ClientConfig, ClientConnection, Stream, TrustAnchors};

/// The server's per-connection timeout (seconds): reads, writes and the whole handshake.
const SERVER_TIMEOUT: u64 = 2;
/// How long a bad peer may wait to be closed.
const CLOSED_WITHIN: Duration = Duration::from_secs(SERVER_TIMEOUT + 6);
/// The server's resident memory may not pass this while under load.
const MAX_RSS_KB: u64 = 256 * 1024;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pki(dir: &std::path::Path) -> TrustAnchors {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(DnType::CommonName, "load test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    TrustAnchors::from_certs(&[ca_cert.der().clone()]).unwrap()
}

fn start_server(dir: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--echo",
            "--timeout",
            &SERVER_TIMEOUT.to_string(),
        ])
        .args(["--cert", dir.join("server.pem").to_str().unwrap()])
        .args(["--key", dir.join("server.key").to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    // Keep draining the server's log so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    Server { child, port }
}

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Waits until the server closes the connection (an alert then EOF, or a reset).
fn closed_by_server(mut tcp: TcpStream) -> Result<(), String> {
    tcp.set_read_timeout(Some(CLOSED_WITHIN)).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!("still open after {:?}", start.elapsed()));
            }
            Err(_) => return Ok(()), // reset: closed
        }
    }
}

#[test]
fn bad_peers_are_closed_memory_stays_bounded_and_a_good_client_gets_through() {
    let dir = std::env::temp_dir().join(format!("strata-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let anchors = pki(&dir);
    let server = start_server(&dir);
    let port = server.port;

    let mut peers = Vec::new();
    for i in 0..180 {
        peers.push(std::thread::spawn(move || -> Result<(), String> {
            let mut tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
            match i % 3 {
                // Junk: not a TLS record at all.
                0 => {
                    let _ = tcp.write_all(&[0x41; 64]);
                }
                // Half a record header, then silence.
                1 => {
                    let _ = tcp.write_all(&[22, 3, 1, 2]);
                }
                // A plausible ClientHello trickled a byte at a time, without end: only a
                // deadline on the whole handshake (not on each read) stops it.
                _ => {
                    let start = Instant::now();
                    tcp.set_read_timeout(Some(Duration::from_millis(200)))
                        .unwrap();
                    let mut buf = [0u8; 512];
                    for b in [22u8, 3, 1, 0x02, 0x00, 1, 0, 1, 0xfc, 3, 3].iter().cycle() {
                        if start.elapsed() > CLOSED_WITHIN {
                            return Err(format!(
                                "trickling peer still open after {:?}",
                                start.elapsed()
                            ));
                        }
                        if tcp.write_all(&[*b]).is_err() {
                            return Ok(());
                        }
                        match tcp.read(&mut buf) {
                            Ok(0) => return Ok(()),
                            Err(e)
                                if !matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                                ) =>
                            {
                                return Ok(());
                            }
                            _ => {}
                        }
                    }
                }
            }
            closed_by_server(tcp)
        }));
    }

    // Meanwhile a good client completes its handshake and gets its echo.
    std::thread::sleep(Duration::from_millis(200));
    let config = ClientConfig::builder_with_roots(anchors)
        .unwrap()
        .build()
        .unwrap();
    let conn = ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = Stream::new(conn, tcp);
    tls.write_all(b"still serving").unwrap();
    let mut echo = [0u8; 13];
    tls.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"still serving");
    let under_load = rss_kb(server.child.id());

    let outcomes: Vec<_> = peers.into_iter().map(|p| p.join().unwrap()).collect();
    let failures: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} peers not closed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        under_load > 0 && under_load < MAX_RSS_KB,
        "server RSS {under_load} KiB under load"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
