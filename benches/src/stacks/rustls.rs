//! rustls 0.23 on its ring provider, cut down to the one suite and X25519, with the webpki
//! verifiers against the run's CA; resumption off on both sides (no tickets, no session
//! cache, no client session store) so that every handshake is a full one, unless the setup
//! resumes: then TLS 1.3 one ticket per handshake from ring's ticketer, TLS 1.2 the
//! default session-ID cache, and the client's default in-memory store.

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::client::Resumption;
use rustls::crypto::ring::Ticketer;
use rustls::crypto::ring::{cipher_suite, default_provider, kx_group};
use rustls::crypto::CryptoProvider;
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache, WebPkiClientVerifier};
use rustls::{
    ClientConfig, ClientConnection, HandshakeKind, ProtocolVersion, RootCertStore, ServerConfig,
    ServerConnection, SupportedCipherSuite, SupportedProtocolVersion,
};
use rustls_pki_types::ServerName;

use super::{Endpoint, SetupError, Stack};
use crate::setup::{Aead, Pki, ServerKey, Setup, Version, SERVER_NAME};

/// rustls configured for one [`Setup`].
#[derive(Debug)]
pub struct Rustls {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    server_name: ServerName<'static>,
}

fn suite(setup: &Setup) -> SupportedCipherSuite {
    match (setup.version, setup.key, setup.aead) {
        (Version::Tls13, _, Aead::Aes128Gcm) => cipher_suite::TLS13_AES_128_GCM_SHA256,
        (Version::Tls13, _, Aead::Aes256Gcm) => cipher_suite::TLS13_AES_256_GCM_SHA384,
        (Version::Tls13, _, Aead::Chacha20Poly1305) => cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Aes128Gcm) => {
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        }
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Aes256Gcm) => {
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        }
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Chacha20Poly1305) => {
            cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        (Version::Tls12, ServerKey::Rsa2048, Aead::Aes128Gcm) => {
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        }
        (Version::Tls12, ServerKey::Rsa2048, Aead::Aes256Gcm) => {
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        }
        (Version::Tls12, ServerKey::Rsa2048, Aead::Chacha20Poly1305) => {
            cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
    }
}

fn version(v: Version) -> &'static SupportedProtocolVersion {
    match v {
        Version::Tls13 => &rustls::version::TLS13,
        Version::Tls12 => &rustls::version::TLS12,
    }
}

impl Stack for Rustls {
    type Client = ClientConnection;
    type Server = ServerConnection;

    const NAME: &'static str = "rustls";

    fn new(pki: &Pki, setup: &Setup) -> Result<Self, SetupError> {
        let failed = |e: rustls::Error| SetupError::Failed(format!("rustls: {e}"));
        let provider = Arc::new(CryptoProvider {
            cipher_suites: vec![suite(setup)],
            kx_groups: vec![kx_group::X25519],
            ..default_provider()
        });
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca.clone()).map_err(failed)?;
        let roots = Arc::new(roots);
        let versions = [version(setup.version)];

        let client = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(failed)?
            .with_root_certificates(roots.clone());
        let mut client = if setup.client_auth {
            client
                .with_client_auth_cert(pki.client.chain.clone(), pki.client.key.clone_key())
                .map_err(failed)?
        } else {
            client.with_no_client_auth()
        };
        if !setup.resumed {
            client.resumption = Resumption::disabled();
        }

        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(failed)?;
        let server = if setup.client_auth {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| SetupError::Failed(format!("rustls: {e}")))?;
            server.with_client_cert_verifier(verifier)
        } else {
            server.with_no_client_auth()
        };
        let identity = pki.server(setup.key);
        let mut server = server
            .with_single_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(failed)?;
        match (setup.resumed, setup.version) {
            (true, Version::Tls13) => {
                server.ticketer = Ticketer::new().map_err(failed)?;
                server.send_tls13_tickets = 1;
                server.session_storage = Arc::new(NoServerSessionStorage {});
            }
            (true, Version::Tls12) => {
                server.send_tls13_tickets = 0;
                server.session_storage = ServerSessionMemoryCache::new(1024);
            }
            (false, _) => {
                server.send_tls13_tickets = 0;
                server.session_storage = Arc::new(NoServerSessionStorage {});
            }
        }

        let server_name = ServerName::try_from(SERVER_NAME)
            .map_err(|e| SetupError::Failed(e.to_string()))?
            .to_owned();
        Ok(Self {
            client: Arc::new(client),
            server: Arc::new(server),
            server_name,
        })
    }

    fn client(&self) -> Result<ClientConnection, String> {
        ClientConnection::new(self.client.clone(), self.server_name.clone())
            .map_err(|e| e.to_string())
    }

    fn server(&self) -> Result<ServerConnection, String> {
        ServerConnection::new(self.server.clone()).map_err(|e| e.to_string())
    }
}

macro_rules! endpoint {
    ($conn:ty, $is_server:expr) => {
        impl Endpoint for $conn {
            fn receive(&mut self, mut tls: &[u8], sink: &mut [u8]) -> Result<usize, String> {
                let mut read = 0;
                loop {
                    if !tls.is_empty() {
                        self.read_tls(&mut tls).map_err(|e| e.to_string())?;
                    }
                    self.process_new_packets().map_err(|e| e.to_string())?;
                    loop {
                        match self.reader().read(sink) {
                            Ok(0) => break,
                            Ok(n) => read += n,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                    if tls.is_empty() {
                        return Ok(read);
                    }
                }
            }

            fn transmit(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
                while self.wants_write() {
                    self.write_tls(out).map_err(|e| e.to_string())?;
                }
                Ok(())
            }

            fn send_plaintext(&mut self, data: &[u8]) -> Result<(), String> {
                self.writer().write_all(data).map_err(|e| e.to_string())
            }

            fn is_handshaking(&self) -> bool {
                rustls::CommonState::is_handshaking(self)
            }

            fn check(&self, setup: &Setup) -> Result<(), String> {
                let want = suite(setup);
                let got = self.negotiated_cipher_suite();
                let want_version = match setup.version {
                    Version::Tls13 => ProtocolVersion::TLSv1_3,
                    Version::Tls12 => ProtocolVersion::TLSv1_2,
                };
                if got.map(|s| s.suite()) != Some(want.suite())
                    || self.protocol_version() != Some(want_version)
                {
                    return Err(format!(
                        "rustls negotiated {:?} {:?}, wanted {:?}",
                        self.protocol_version(),
                        got.map(|s| s.suite()),
                        want.suite()
                    ));
                }
                // A TLS 1.2 handshake resumed by session ID exchanges no keys: rustls
                // names no group for it.
                let exchanged = !(setup.resumed && setup.version == Version::Tls12);
                if exchanged
                    && self.negotiated_key_exchange_group().map(|g| g.name())
                        != Some(kx_group::X25519.name())
                {
                    return Err("rustls did not negotiate X25519".into());
                }
                if $is_server && self.peer_certificates().is_some() != setup.client_auth {
                    return Err(
                        "rustls server: client certificate presence is not what was set up".into(),
                    );
                }
                Ok(())
            }

            fn is_resumed(&self) -> bool {
                self.handshake_kind() == Some(HandshakeKind::Resumed)
            }
        }
    };
}

endpoint!(ClientConnection, false);
endpoint!(ServerConnection, true);
