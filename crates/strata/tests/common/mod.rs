//! The in-memory harness the facade's tests share: a throwaway PKI, configs at a fixed
//! clock, and a driver that moves bytes between a client and a server connection.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strata::pki_types::{ServerName, UnixTime};
use strata::{
    ClientConfig, ClientConnection, Connection, Error, FixedClock, KeyLog, ServerConfig,
    ServerConnection, TrustAnchors,
};
use strata_alert::AlertDescription;
use strata_pki::{CertifiedKey, RingSigningKey, WebPkiClientVerifier, WebPkiServerVerifier};
use strata_testdata::pki::{KeyKind, TestCa};

/// 2030-01-01: inside the test certificates' validity.
pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(UnixTime::since_unix_epoch(Duration::from_secs(
        1_893_456_000,
    ))))
}

pub struct Pki {
    pub ca: TestCa,
    pub anchors: Arc<TrustAnchors>,
}

impl Pki {
    pub fn new() -> Self {
        let ca = TestCa::root(KeyKind::EcdsaP256);
        let anchors = Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&ca.cert)).unwrap());
        Self { ca, anchors }
    }

    pub fn server_cert(&self, kind: KeyKind, names: &[&str]) -> Arc<CertifiedKey> {
        let leaf = self.ca.server_leaf(kind, names, |_| {});
        let key = RingSigningKey::new(&leaf.key_der()).unwrap();
        Arc::new(CertifiedKey::new(vec![leaf.cert.clone()], Arc::new(key)).unwrap())
    }

    pub fn client_cert(&self) -> Arc<CertifiedKey> {
        let leaf = self
            .ca
            .client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {});
        let key = RingSigningKey::new(&leaf.key_der()).unwrap();
        Arc::new(CertifiedKey::new(vec![leaf.cert.clone()], Arc::new(key)).unwrap())
    }

    pub fn client(&self) -> strata::ClientConfigBuilder {
        let verifier = WebPkiServerVerifier::new(self.anchors.clone()).unwrap();
        ClientConfig::builder(Arc::new(verifier)).time(clock())
    }

    pub fn server(&self, kind: KeyKind) -> strata::ServerConfigBuilder {
        ServerConfig::builder_with_certificates(vec![self.server_cert(kind, &["server.example"])])
            .time(clock())
    }

    pub fn client_verifier(&self, required: bool) -> Arc<WebPkiClientVerifier> {
        let v = WebPkiClientVerifier::new(self.anchors.clone()).unwrap();
        Arc::new(if required {
            v
        } else {
            v.allow_unauthenticated()
        })
    }
}

pub fn name(n: &str) -> ServerName<'static> {
    ServerName::try_from(n.to_owned()).unwrap()
}

/// Moves every pending byte from `from` to `to`, `chunk` bytes per read_tls, and
/// processes them. Returns how many bytes moved, or the receiver's error.
pub fn transfer(from: &mut Connection, to: &mut Connection, chunk: usize) -> Result<usize, Error> {
    let mut bytes = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut bytes).unwrap();
    }
    for piece in bytes.chunks(chunk.max(1)) {
        let mut rd: &[u8] = piece;
        while !rd.is_empty() {
            to.read_tls(&mut rd).unwrap();
            to.process_new_packets()?;
        }
    }
    Ok(bytes.len())
}

/// Runs the handshake to its end, or to the first error (on either side).
pub fn handshake(
    client: &mut Connection,
    server: &mut Connection,
    chunk: usize,
) -> Result<(), Error> {
    for _ in 0..20 {
        let a = transfer(client, server, chunk)?;
        let b = transfer(server, client, chunk)?;
        if a == 0 && b == 0 && !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
        if a == 0 && b == 0 {
            break;
        }
    }
    Err(Error::Misuse("handshake stalled"))
}

/// Runs a handshake that must fail; delivers the alert to the other side and checks that
/// it arrived. Returns the alert.
pub fn handshake_alert(client: &mut Connection, server: &mut Connection) -> AlertDescription {
    let err = handshake(client, server, usize::MAX).expect_err("the handshake must fail");
    let alert = err
        .alert_sent()
        .unwrap_or_else(|| panic!("no alert sent: {err}"));
    let _ = transfer(client, server, usize::MAX);
    let _ = transfer(server, client, usize::MAX);
    let (failed, peer) = if client.error().and_then(Error::alert_sent).is_some() {
        (client, server)
    } else {
        (server, client)
    };
    assert_eq!(failed.error().and_then(Error::alert_sent), Some(alert));
    assert_eq!(
        peer.error().and_then(Error::alert_received),
        Some(alert),
        "{:?}",
        peer.error()
    );
    alert
}

pub fn pair(
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
) -> (ClientConnection, ServerConnection) {
    (
        ClientConnection::new(client, name("server.example")).unwrap(),
        ServerConnection::new(server).unwrap(),
    )
}

pub fn exchange(client: &mut Connection, server: &mut Connection) {
    client.write_plaintext(b"ping from the client").unwrap();
    transfer(client, server, usize::MAX).unwrap();
    let mut buf = [0u8; 64];
    let n = server.read_plaintext(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping from the client");
    server.write_plaintext(b"pong").unwrap();
    transfer(server, client, usize::MAX).unwrap();
    let n = client.read_plaintext(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"pong");
}

/// A key log that keeps every line in memory, in the NSS format.
#[derive(Debug, Default)]
pub struct Lines(Mutex<Vec<(String, String)>>);

impl KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        let line = strata::keylog::format_line(label, client_random, secret);
        self.0.lock().unwrap().push((label.to_owned(), line));
    }
}

impl Lines {
    /// Every line logged, in order.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, l)| l.clone())
            .collect()
    }

    /// The secret logged under `label`.
    pub fn secret(&self, label: &str) -> Vec<u8> {
        let lines = self.0.lock().unwrap();
        let (_, line) = lines
            .iter()
            .find(|(l, _)| l == label)
            .expect("label logged");
        hex::decode(line.split_whitespace().nth(2).unwrap()).unwrap()
    }
}
