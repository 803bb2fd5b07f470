//! strata-tokio against the real `openssl` binary over loopback TCP, with mutual
//! authentication: a strata-tokio client to `openssl s_server`, and `openssl s_client` to a
//! strata-tokio server, in both versions. CI installs openssl; without it these fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{name, Pki};
use strata::TlsVersion;
use strata_testdata::pki::KeyKind;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// The PKI's files for openssl, in a directory of the test's own.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn write(pki: &Pki, tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("strata-tokio-openssl-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let server = pki
            .ca
            .server_leaf(KeyKind::EcdsaP256, &["server.example"], |_| {});
        let client = pki
            .ca
            .client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {});
        for (file, pem) in [
            ("ca.pem", pki.ca.cert_pem()),
            ("server.pem", server.cert_pem()),
            ("server.key", server.key_pem()),
            ("client.pem", client.cert_pem()),
            ("client.key", client.key_pem()),
        ] {
            std::fs::write(dir.join(file), pem).unwrap();
        }
        Self { dir }
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn version_flag(version: TlsVersion) -> &'static str {
    match version {
        TlsVersion::Tls13 => "-tls1_3",
        _ => "-tls1_2",
    }
}

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects to `port` once s_server listens there (it takes a moment to start).
async fn connect_when_listening(port: u16) -> tokio::net::TcpStream {
    for _ in 0..100 {
        if let Ok(tcp) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            return tcp;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("openssl s_server did not listen on port {port}");
}

#[tokio::test]
async fn a_strata_tokio_client_with_a_certificate_gets_a_page_from_openssl_s_server() {
    common::within(async {
        let pki = Pki::new();
        let files = Files::write(&pki, "s_server");
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let port = free_port();
            let _server = Killed(
                Command::new("openssl")
                    .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
                    .args(["-naccept", "1", "-www", version_flag(version)])
                    .args(["-cert", &files.path("server.pem")])
                    .args(["-key", &files.path("server.key")])
                    .args(["-CAfile", &files.path("ca.pem"), "-Verify", "1"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("openssl must be installed (CI installs it)"),
            );
            let tcp = connect_when_listening(port).await;
            // The test clock is 2030; openssl's is now: the certificates are valid for both.
            let config = pki.client(version, true).build().unwrap();
            let mut tls = strata_tokio::connect(config, name("server.example"), tcp)
                .await
                .unwrap_or_else(|e| panic!("{version:?}: {e}"));
            assert_eq!(tls.conn().protocol_version(), Some(version));
            tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
            let mut page = Vec::new();
            // s_server -www closes with close_notify after the page... or just closes: both
            // are fine for this page, so read what comes until either.
            let _ = tls.read_to_end(&mut page).await;
            let page = String::from_utf8_lossy(&page);
            assert!(page.starts_with("HTTP/1.0 200 ok"), "{version:?}: {page}");
        }
    })
    .await;
}

fn s_client(files: &Files, port: u16, version: TlsVersion) -> Killed {
    Killed(
        Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
            .args([version_flag(version), "-quiet", "-verify_return_error"])
            .args(["-servername", "server.example"])
            .args(["-CAfile", &files.path("ca.pem")])
            .args(["-cert", &files.path("client.pem")])
            .args(["-key", &files.path("client.key")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl must be installed (CI installs it)"),
    )
}

/// What s_client printed of the server's bytes, once it exits.
fn output_of(mut child: Killed) -> String {
    use std::io::Read;
    let mut out = String::new();
    if let Some(mut stdout) = child.0.stdout.take() {
        stdout.read_to_string(&mut out).unwrap();
    }
    out
}

#[tokio::test]
async fn openssl_s_client_with_a_certificate_is_echoed_by_a_strata_tokio_server() {
    common::within(async {
        let pki = Pki::new();
        let files = Files::write(&pki, "s_client");
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let config = pki.server(version, true).build().unwrap();
            let server = tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                let tls = strata_tokio::accept(config, tcp).await?;
                let peer = tls.conn().peer_certificates().map(<[_]>::len);
                let mut tls = BufReader::new(tls);
                let mut line = String::new();
                tls.read_line(&mut line).await?;
                let mut tls = tls.into_inner();
                tls.write_all(format!("strata-tokio echoes: {line}").as_bytes())
                    .await?;
                tls.shutdown().await?;
                Ok::<_, std::io::Error>((peer, tls.conn().protocol_version()))
            });
            let mut client = s_client(&files, port, version);
            // stdin stays open until s_client has exited: the server's close_notify is what
            // ends the connection.
            let mut stdin = client.0.stdin.take().unwrap();
            {
                use std::io::Write;
                stdin.write_all(b"hello from openssl\n").unwrap();
            }
            let (peer, negotiated) = tokio::time::timeout(Duration::from_secs(20), server)
                .await
                .expect("the strata-tokio server finished in time")
                .unwrap()
                .unwrap_or_else(|e| panic!("{version:?}: {e}"));
            // s_client sends its certificate and, from -CAfile, the CA's.
            assert!(peer.is_some_and(|n| n >= 1), "{version:?}: {peer:?}");
            assert_eq!(negotiated, Some(version));
            let out = tokio::task::spawn_blocking(move || {
                let out = output_of(client);
                drop(stdin);
                out
            })
            .await
            .unwrap();
            assert!(
                out.contains("strata-tokio echoes: hello from openssl"),
                "{version:?}: {out}"
            );
        }
    })
    .await;
}
