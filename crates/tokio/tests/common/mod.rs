//! The throwaway PKI and helpers the strata-tokio tests share.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use strata::pki_types::{ServerName, UnixTime};
use strata::{ClientConfig, Error, FixedClock, ServerConfig, TlsVersion, TrustAnchors};
use strata_pki::{CertifiedKey, RingSigningKey, WebPkiClientVerifier, WebPkiServerVerifier};
use strata_testdata::pki::{KeyKind, Leaf, TestCa};

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

    pub fn certified(&self, leaf: &Leaf) -> Arc<CertifiedKey> {
        let key = RingSigningKey::new(&leaf.key_der()).unwrap();
        Arc::new(CertifiedKey::new(vec![leaf.cert.clone()], Arc::new(key)).unwrap())
    }

    pub fn client(&self, version: TlsVersion, client_auth: bool) -> strata::ClientConfigBuilder {
        let verifier = WebPkiServerVerifier::new(self.anchors.clone()).unwrap();
        let builder = ClientConfig::builder(Arc::new(verifier))
            .time(clock())
            .versions(&[version]);
        if client_auth {
            let leaf = self
                .ca
                .client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {});
            builder.client_certificate(self.certified(&leaf))
        } else {
            builder
        }
    }

    pub fn server(&self, version: TlsVersion, client_auth: bool) -> strata::ServerConfigBuilder {
        let leaf = self
            .ca
            .server_leaf(KeyKind::EcdsaP256, &["server.example"], |_| {});
        let builder = ServerConfig::builder_with_certificates(vec![self.certified(&leaf)])
            .time(clock())
            .versions(&[version]);
        if client_auth {
            let verifier = WebPkiClientVerifier::new(self.anchors.clone()).unwrap();
            builder.client_auth(Arc::new(verifier))
        } else {
            builder
        }
    }
}

impl Pki {
    /// A client and a server of `version` that trust this PKI, the client with a
    /// certificate and the server asking for one when `client_auth`.
    pub fn configs(
        &self,
        version: TlsVersion,
        client_auth: bool,
    ) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
        (
            self.client(version, client_auth).build().unwrap(),
            self.server(version, client_auth).build().unwrap(),
        )
    }
}

pub fn name(n: &str) -> ServerName<'static> {
    ServerName::try_from(n.to_owned()).unwrap()
}

/// The TLS error inside an `io::Error`, if it is one.
pub fn tls_error(err: &std::io::Error) -> Option<&Error> {
    err.get_ref().and_then(|e| e.downcast_ref::<Error>())
}

/// `len` bytes of a pattern that a shifted or dropped piece would not match.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// `test` run to its end, or a failure after a minute: a test that hangs fails instead
/// of holding up the run.
pub async fn within<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test did not finish within a minute")
}
