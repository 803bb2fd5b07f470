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

/// Feeds `data` as the peer's byte stream, cut where the first byte says, processing after
/// each piece; the connection must end in a typed error or keep going, never panic, and
/// must not buffer without bound.
#[allow(dead_code)] // the mutated_flights target drives two connections of its own
pub fn drive(conn: &mut Connection, data: &[u8]) {
    let Some((&cut, stream)) = data.split_first() else { return };
    let step = usize::from(cut).max(1) * 16;
    let mut sink = Vec::new();
    for piece in stream.chunks(step) {
        let mut rd = piece;
        while !rd.is_empty() {
            match conn.read_tls(&mut rd) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let result = conn.process_new_packets();
            while conn.wants_write() {
                let _ = conn.write_tls(&mut sink);
            }
            if let Err(err) = result {
                let _ = (err.alert_sent(), err.to_string());
                return;
            }
            let mut buf = [0u8; 1024];
            while let Ok(n) = conn.read_plaintext(&mut buf) {
                if n == 0 {
                    break;
                }
            }
        }
    }
}
