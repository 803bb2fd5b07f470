//! What the two connection targets share: a PKI made once, configs for both versions with
//! client authentication, and a driver that feeds the input as the peer's bytes.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use strata::pki_types::UnixTime;
use strata::{ClientConfig, Connection, FixedClock, ServerConfig, TrustAnchors};
use strata_pki::{CertifiedKey, RingSigningKey, WebPkiClientVerifier, WebPkiServerVerifier};
use strata_testdata::pki::{KeyKind, TestCa};

#[allow(dead_code)] // each target uses one side
pub struct Configs {
    pub client: Arc<ClientConfig>,
    pub server: Arc<ServerConfig>,
}

/// The PKI and the pieces of config made once: the anchors' verifiers, the two
/// certificates, the clock.
struct Pieces {
    server_verifier: Arc<WebPkiServerVerifier>,
    client_verifier: Arc<WebPkiClientVerifier>,
    server_cert: Arc<CertifiedKey>,
    client_cert: Arc<CertifiedKey>,
    clock: Arc<FixedClock>,
}

fn pieces() -> &'static Pieces {
    static PIECES: OnceLock<Pieces> = OnceLock::new();
    PIECES.get_or_init(|| {
        let ca = TestCa::root(KeyKind::EcdsaP256);
        let anchors = Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&ca.cert)).unwrap());
        let certified = |leaf: strata_testdata::pki::Leaf| {
            let key = RingSigningKey::new(&leaf.key_der()).unwrap();
            Arc::new(CertifiedKey::new(vec![leaf.cert.clone()], Arc::new(key)).unwrap())
        };
        Pieces {
            server_verifier: Arc::new(WebPkiServerVerifier::new(anchors.clone()).unwrap()),
            client_verifier: Arc::new(WebPkiClientVerifier::new(anchors).unwrap().allow_unauthenticated()),
            server_cert: certified(ca.server_leaf(KeyKind::EcdsaP256, &["server.example"], |_| {})),
            client_cert: certified(ca.client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {})),
            clock: Arc::new(FixedClock(UnixTime::since_unix_epoch(Duration::from_secs(1_893_456_000)))),
        }
    })
}

/// A client of the shared PKI at the fixed clock, with the client certificate or without.
#[allow(dead_code)] // not every target builds its own client
pub fn client_builder(with_certificate: bool) -> strata::ClientConfigBuilder {
    let p = pieces();
    let builder = ClientConfig::builder(p.server_verifier.clone()).time(p.clock.clone());
    if with_certificate {
        builder.client_certificate(p.client_cert.clone())
    } else {
        builder
    }
}

pub fn configs() -> &'static Configs {
    static CONFIGS: OnceLock<Configs> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let p = pieces();
        let client = client_builder(true).no_resumption().build().unwrap();
        let server = ServerConfig::builder_with_certificates(vec![p.server_cert.clone()])
            .client_auth(p.client_verifier.clone())
            .time(p.clock.clone())
            .build()
            .unwrap();
        Configs { client, server }
    })
}

/// What feeding the peer's bytes came to: whether the connection failed, the alert it
/// sent if so, and the application data it delivered.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub failed: bool,
    pub alert_sent: Option<strata_alert::AlertDescription>,
    pub data: Vec<u8>,
}

impl Outcome {
    fn fail(&mut self, err: &strata::Error) {
        // A typed error that names its alert, and a message that formats.
        let _ = err.to_string();
        self.failed = true;
        self.alert_sent = err.alert_sent();
    }
}

/// Feeds `data` as the peer's byte stream, cut where the first byte says, processing after
/// each piece; the connection must end in a typed error or keep going, never panic, and
/// must not buffer without bound. Then feeds the same stream, cut the same way, to
/// `twin` (a second connection like the first) through `open_in_place` on a buffer of
/// the driver's own, and checks that the two ways of receiving agree: the same failure
/// with the same alert, or none, and the same application data.
#[allow(dead_code)] // the mutated_flights target drives two connections of its own
pub fn drive(conn: &mut Connection, twin: &mut Connection, data: &[u8]) {
    let buffered = drive_buffered(conn, data);
    let in_place = drive_in_place(twin, data);
    assert_eq!(buffered, in_place, "read_tls and open_in_place disagree");
}

fn pieces_of(data: &[u8]) -> std::slice::Chunks<'_, u8> {
    let (cut, stream) = data.split_first().map_or((0, &[][..]), |(c, s)| (*c, s));
    stream.chunks(usize::from(cut).max(1) * 16)
}

fn flush(conn: &mut Connection) {
    let mut sink = Vec::new();
    while conn.wants_write() {
        if conn.write_tls(&mut sink).is_err() {
            break;
        }
    }
}

fn drive_buffered(conn: &mut Connection, data: &[u8]) -> Outcome {
    let mut outcome = Outcome::default();
    for piece in pieces_of(data) {
        let mut rd = piece;
        while !rd.is_empty() {
            match conn.read_tls(&mut rd) {
                Ok(0) | Err(_) => return outcome,
                Ok(_) => {}
            }
            let result = conn.process_new_packets();
            flush(conn);
            if let Err(err) = result {
                outcome.fail(&err);
                return outcome;
            }
            let mut buf = [0u8; 1024];
            while let Ok(n) = conn.read_plaintext(&mut buf) {
                if n == 0 {
                    break;
                }
                outcome.data.extend_from_slice(&buf[..n]);
            }
        }
    }
    outcome
}

fn drive_in_place(conn: &mut Connection, data: &[u8]) -> Outcome {
    let mut outcome = Outcome::default();
    let mut inbox = Vec::new();
    for piece in pieces_of(data) {
        inbox.extend_from_slice(piece);
        let mut at = 0;
        loop {
            match conn.open_in_place(&mut inbox[at..]) {
                Ok(opened) if opened.consumed == 0 => break,
                Ok(opened) => {
                    outcome.data.extend_from_slice(opened.application_data);
                    at += opened.consumed;
                    flush(conn);
                }
                Err(err) => {
                    flush(conn);
                    outcome.fail(&err);
                    return outcome;
                }
            }
        }
        inbox.drain(..at);
    }
    outcome
}
