//! The verified-chain cache through the facade: a client reconnecting with full
//! handshakes checks the server's chain once; the server's signature is still checked on
//! every handshake, so a server replaying the cached chain without its key is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use strata::pki_types::{CertificateDer, ServerName, UnixTime};
use strata::{
    Answer, AnswerMode, ClientConfig, ClientConnection, Connection, Request, ServerConfig,
    ServerConnection, TlsVersion,
};
use strata_alert::AlertDescription;
use strata_pki::{
    PkiError, RingSigningKey, ServerCertVerifier, SettingsFingerprint, SigningKey,
    WebPkiServerVerifier,
};
use strata_testdata::pki::KeyKind;

/// The webpki verifier, counting the chains that reach it.
#[derive(Debug)]
struct Counting {
    inner: WebPkiServerVerifier,
    chains: AtomicUsize,
}

impl ServerCertVerifier for Counting {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), PkiError> {
        self.chains.fetch_add(1, Ordering::SeqCst);
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        self.inner.settings_fingerprint()
    }
}

fn counting(pki: &Pki) -> Arc<Counting> {
    Arc::new(Counting {
        inner: WebPkiServerVerifier::new(pki.anchors.clone()).unwrap(),
        chains: AtomicUsize::new(0),
    })
}

fn client(verifier: Arc<Counting>, version: TlsVersion, cache: bool) -> Arc<ClientConfig> {
    let mut builder = ClientConfig::builder(verifier)
        .time(clock())
        .versions(&[version])
        .no_resumption();
    if cache {
        builder = builder.cache_verified_chains(Duration::from_secs(30));
    }
    builder.build().unwrap()
}

#[test]
fn a_reconnecting_client_checks_the_chain_once_with_the_cache_and_every_time_without() {
    let pki = Pki::new();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .tickets(0, 0)
        .session_cache(0)
        .build()
        .unwrap();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        for (cache, expected) in [(false, 4), (true, 1)] {
            let verifier = counting(&pki);
            let config = client(verifier.clone(), version, cache);
            for _ in 0..4 {
                let (mut c, mut s) = pair(config.clone(), server.clone());
                handshake(&mut c, &mut s, usize::MAX).unwrap();
                exchange(&mut c, &mut s);
                assert!(!c.is_resumed(), "a full handshake every time");
            }
            assert_eq!(
                verifier.chains.load(Ordering::SeqCst),
                expected,
                "{version:?}, cache {cache}"
            );
        }
    }
}

/// Drives a handshake whose server answers its own requests: the genuine chain, but
/// every signature made with `signer`. Returns the client's error, if any.
fn handshake_with_signer(
    client: &mut Connection,
    server: &mut Connection,
    chain: &Arc<strata::CertifiedKey>,
    signer: &dyn SigningKey,
) -> Result<(), strata::Error> {
    for _ in 0..20 {
        transfer(client, server, usize::MAX)?;
        while let Some(request) = server.take_request() {
            let answer = match request {
                Request::ChooseServerCertificate { .. } => Answer::Certificate(Some(chain.clone())),
                Request::Sign {
                    scheme, message, ..
                } => Answer::Signature(signer.sign(scheme, &message)),
                other => panic!("unexpected {other:?}"),
            };
            server.answer(answer)?;
        }
        transfer(server, client, usize::MAX)?;
        if !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
    }
    Err(strata::Error::Misuse("handshake stalled"))
}

#[test]
fn a_server_replaying_a_cached_chain_without_its_key_is_refused() {
    let pki = Pki::new();
    let genuine = pki.server_cert(KeyKind::EcdsaP256, &["server.example"]);
    let impostor_key = RingSigningKey::new(
        &pki.ca
            .server_leaf(KeyKind::EcdsaP256, &["elsewhere.example"], |_| {})
            .key_der(),
    )
    .unwrap();
    let server = ServerConfig::builder_with_certificates(vec![genuine.clone()])
        .time(clock())
        .tickets(0, 0)
        .session_cache(0)
        .answer_mode(AnswerMode::Application)
        .build()
        .unwrap();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let verifier = counting(&pki);
        let config = client(verifier.clone(), version, true);
        // The genuine server: the chain is verified and cached.
        let mut c = ClientConnection::new(config.clone(), name("server.example")).unwrap();
        let mut s = ServerConnection::new(server.clone()).unwrap();
        handshake_with_signer(&mut c, &mut s, &genuine, genuine.key().as_ref()).unwrap();
        // The impostor: the same chain bytes (a cache hit), a signature by another key.
        let mut c = ClientConnection::new(config.clone(), name("server.example")).unwrap();
        let mut s = ServerConnection::new(server.clone()).unwrap();
        let err = handshake_with_signer(&mut c, &mut s, &genuine, &impostor_key).unwrap_err();
        assert_eq!(
            c.error().and_then(strata::Error::alert_sent),
            Some(AlertDescription::DecryptError),
            "{version:?}: {err}"
        );
        assert_eq!(
            verifier.chains.load(Ordering::SeqCst),
            1,
            "{version:?}: the chain came from the cache"
        );
    }
}

#[test]
fn the_server_side_caches_client_chains_in_mutual_tls() {
    use strata_pki::{ClientCertVerifier, DistinguishedName, WebPkiClientVerifier};

    #[derive(Debug)]
    struct CountingClient(WebPkiClientVerifier, AtomicUsize);

    impl ClientCertVerifier for CountingClient {
        fn client_auth_mandatory(&self) -> bool {
            true
        }
        fn root_hint_subjects(&self) -> &[DistinguishedName] {
            self.0.root_hint_subjects()
        }
        fn verify_client_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            now: UnixTime,
        ) -> Result<(), PkiError> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.verify_client_cert(end_entity, intermediates, now)
        }
        fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
            self.0.settings_fingerprint()
        }
    }

    let pki = Pki::new();
    let verifier = Arc::new(CountingClient(
        WebPkiClientVerifier::new(pki.anchors.clone()).unwrap(),
        AtomicUsize::new(0),
    ));
    let server = pki
        .server(KeyKind::EcdsaP256)
        .tickets(0, 0)
        .session_cache(0)
        .client_auth(verifier.clone())
        .cache_verified_client_chains(Duration::from_secs(30))
        .build()
        .unwrap();
    let client = pki
        .client()
        .client_certificate(pki.client_cert())
        .no_resumption()
        .build()
        .unwrap();
    for _ in 0..3 {
        let (mut c, mut s) = pair(client.clone(), server.clone());
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        assert_eq!(s.peer_certificates().map_or(0, <[_]>::len), 1);
    }
    assert_eq!(verifier.1.load(Ordering::SeqCst), 1);
}
