//! ClientConfig and ServerConfig: what a connection is set up with, built once and shared
//! (`Arc`) by every connection that uses it.

use std::sync::Arc;

use strata_handshake::limits::DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN;
use strata_handshake::machine::{ClientAuthPolicy, ClientHandshakeConfig, ServerHandshakeConfig};
use strata_handshake::{NamedGroup, SupportedSuite, ALL_SUITES, SUPPORTED_GROUPS};
use strata_pki::pki_types::ServerName;
use strata_pki::{
    CertifiedKey, ClientCertVerifier, ServerCertVerifier, TlsVersion, TrustAnchors,
    WebPkiServerVerifier,
};

use crate::keylog::{KeyLog, NoKeyLog};
use crate::providers::{OsRandom, RandomSource, SystemClock, TimeProvider};
use crate::resolve::{FixedCertificates, ResolvesServerCert};
use crate::trace::HandshakeObserver;
use crate::Error;

/// The versions strata speaks, best first.
pub const IMPLEMENTED_VERSIONS: &[TlsVersion] = &[TlsVersion::Tls13, TlsVersion::Tls12];

/// Memory limits of one connection; every one is what a peer could otherwise grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest handshake message accepted (certificate chains are the big ones).
    pub max_handshake_message_len: usize,
    /// The most received plaintext buffered before the application reads it; past it,
    /// records stay in the socket (the connection stops reading).
    pub max_received_plaintext: usize,
    /// The most plaintext the application may buffer for sending before the handshake
    /// completes or before write_tls drains it.
    pub max_pending_plaintext: usize,
    /// The most warning alerts (TLS 1.2 no_renegotiation, user_canceled) a peer may send
    /// over a connection's life before it is cut off.
    pub max_warning_alerts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_handshake_message_len: DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN,
            max_received_plaintext: 256 * 1024,
            max_pending_plaintext: 256 * 1024,
            max_warning_alerts: 4,
        }
    }
}

/// Whether the connection answers the handshake's requests itself (the default), or hands
/// them to the application ([`crate::Connection::take_request`]) to answer later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AnswerMode {
    /// Answer at once with the configured resolver, signing key and verifier.
    #[default]
    Inline,
    /// Hand each request to the application.
    Application,
}

/// Settings every side shares.
#[derive(Clone, Debug)]
pub(crate) struct Common {
    pub versions: Vec<TlsVersion>,
    pub suites: Vec<SupportedSuite>,
    pub groups: Vec<NamedGroup>,
    pub alpn_protocols: Vec<Vec<u8>>,
    pub key_log: Arc<dyn KeyLog>,
    pub time: Arc<dyn TimeProvider>,
    pub random: Arc<dyn RandomSource>,
    pub limits: Limits,
    pub answers: AnswerMode,
    pub observer: Option<Arc<dyn HandshakeObserver>>,
    pub require_extended_master_secret: bool,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            versions: IMPLEMENTED_VERSIONS.to_vec(),
            suites: ALL_SUITES.to_vec(),
            groups: SUPPORTED_GROUPS.iter().map(|g| g.named_group()).collect(),
            alpn_protocols: Vec::new(),
            key_log: Arc::new(NoKeyLog),
            time: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            limits: Limits::default(),
            answers: AnswerMode::Inline,
            observer: None,
            require_extended_master_secret: true,
        }
    }
}

impl Common {
    fn check(&self) -> Result<(), Error> {
        if self.versions.is_empty() {
            return Err(Error::Config("no protocol version enabled".into()));
        }
        if let Some(v) = self
            .versions
            .iter()
            .find(|v| !IMPLEMENTED_VERSIONS.contains(v))
        {
            return Err(Error::Config(format!("{v:?} is not implemented yet")));
        }
        if !self
            .suites
            .iter()
            .any(|s| self.versions.contains(&s.version))
        {
            return Err(Error::Config(
                "no cipher suite for the enabled versions".into(),
            ));
        }
        if self.groups.is_empty() {
            return Err(Error::Config("no key exchange group enabled".into()));
        }
        if let Some(p) = self
            .alpn_protocols
            .iter()
            .find(|p| p.is_empty() || p.len() > 255)
        {
            return Err(Error::Config(format!("ALPN protocol of {} bytes", p.len())));
        }
        Ok(())
    }
}

/// Builder methods that both sides share.
macro_rules! common_builder_methods {
    () => {
        /// The protocol versions to enable, best first.
        pub fn versions(mut self, versions: &[TlsVersion]) -> Self {
            self.common.versions = versions.to_vec();
            self
        }

        /// The cipher suites to enable, best first.
        pub fn suites(mut self, suites: &[SupportedSuite]) -> Self {
            self.common.suites = suites.to_vec();
            self
        }

        /// The key exchange groups to enable, best first.
        pub fn groups(mut self, groups: &[NamedGroup]) -> Self {
            self.common.groups = groups.to_vec();
            self
        }

        /// The application protocols (ALPN), best first.
        pub fn alpn_protocols(mut self, protocols: &[&[u8]]) -> Self {
            self.common.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
            self
        }

        /// Where secrets are logged (NSS key log format); nowhere by default.
        pub fn key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
            self.common.key_log = key_log;
            self
        }

        /// The clock certificates are checked against; the system clock by default.
        pub fn time(mut self, time: Arc<dyn TimeProvider>) -> Self {
            self.common.time = time;
            self
        }

        /// The randomness for hello randoms and session IDs; the OS by default.
        pub fn random(mut self, random: Arc<dyn RandomSource>) -> Self {
            self.common.random = random;
            self
        }

        /// Memory limits.
        pub fn limits(mut self, limits: Limits) -> Self {
            self.common.limits = limits;
            self
        }

        /// Who answers the handshake's requests (certificate choice, signing, chain checks).
        pub fn answer_mode(mut self, mode: AnswerMode) -> Self {
            self.common.answers = mode;
            self
        }

        /// TLS 1.2: whether a peer without extended_master_secret (RFC 7627) is refused
        /// (handshake_failure). On by default; turn it off only for old peers, since
        /// without it a TLS 1.2 session is open to the triple-handshake attack.
        pub fn require_extended_master_secret(mut self, required: bool) -> Self {
            self.common.require_extended_master_secret = required;
            self
        }

        /// Sees every handshake message that crosses (for `--trace`).
        pub fn observer(mut self, observer: Arc<dyn HandshakeObserver>) -> Self {
            self.common.observer = Some(observer);
            self
        }
    };
}

/// A client's configuration.
#[derive(Debug)]
pub struct ClientConfig {
    pub(crate) common: Common,
    pub(crate) verifier: Arc<dyn ServerCertVerifier>,
    pub(crate) certificate: Option<Arc<CertifiedKey>>,
    pub(crate) middlebox_compatibility: bool,
}

impl ClientConfig {
    /// A builder that checks servers with `verifier`.
    pub fn builder(verifier: Arc<dyn ServerCertVerifier>) -> ClientConfigBuilder {
        ClientConfigBuilder {
            common: Common::default(),
            verifier,
            certificate: None,
            middlebox_compatibility: true,
        }
    }

    /// A builder that checks servers against `anchors` with webpki.
    pub fn builder_with_roots(anchors: TrustAnchors) -> Result<ClientConfigBuilder, Error> {
        let verifier = WebPkiServerVerifier::new(Arc::new(anchors))?;
        Ok(Self::builder(Arc::new(verifier)))
    }

    pub(crate) fn handshake_config(
        &self,
        server_name: ServerName<'static>,
    ) -> ClientHandshakeConfig {
        let mut config = ClientHandshakeConfig::new(server_name);
        config.versions = self.common.versions.clone();
        config.suites = self.common.suites.clone();
        config.groups = self.common.groups.clone();
        config.signature_schemes = self.verifier.supported_schemes().to_vec();
        config.alpn_protocols = self.common.alpn_protocols.clone();
        config.middlebox_compatibility = self.middlebox_compatibility;
        config.require_extended_master_secret = self.common.require_extended_master_secret;
        config.max_handshake_message_len = self.common.limits.max_handshake_message_len;
        config
    }
}

/// Builds a [`ClientConfig`].
#[derive(Debug)]
pub struct ClientConfigBuilder {
    common: Common,
    verifier: Arc<dyn ServerCertVerifier>,
    certificate: Option<Arc<CertifiedKey>>,
    middlebox_compatibility: bool,
}

impl ClientConfigBuilder {
    common_builder_methods!();

    /// The certificate and key to answer a server's CertificateRequest with.
    pub fn client_certificate(mut self, certificate: Arc<CertifiedKey>) -> Self {
        self.certificate = Some(certificate);
        self
    }

    /// Whether to look like a TLS 1.2 resumption to middleboxes (RFC 8446 §D.4); on by
    /// default.
    pub fn middlebox_compatibility(mut self, on: bool) -> Self {
        self.middlebox_compatibility = on;
        self
    }

    /// Checks the settings and builds the shared config.
    pub fn build(self) -> Result<Arc<ClientConfig>, Error> {
        self.common.check()?;
        Ok(Arc::new(ClientConfig {
            common: self.common,
            verifier: self.verifier,
            certificate: self.certificate,
            middlebox_compatibility: self.middlebox_compatibility,
        }))
    }
}

/// A server's configuration.
#[derive(Debug)]
pub struct ServerConfig {
    pub(crate) common: Common,
    pub(crate) resolver: Arc<dyn ResolvesServerCert>,
    pub(crate) client_verifier: Option<Arc<dyn ClientCertVerifier>>,
}

impl ServerConfig {
    /// A builder that picks certificates with `resolver`.
    pub fn builder(resolver: Arc<dyn ResolvesServerCert>) -> ServerConfigBuilder {
        ServerConfigBuilder {
            common: Common::default(),
            resolver,
            client_verifier: None,
        }
    }

    /// A builder that presents one of `certificates`: the first whose key can sign with a
    /// scheme the client offers (an ECDSA and an RSA certificate together, say).
    pub fn builder_with_certificates(certificates: Vec<Arc<CertifiedKey>>) -> ServerConfigBuilder {
        Self::builder(Arc::new(FixedCertificates::new(certificates)))
    }

    pub(crate) fn handshake_config(&self) -> ServerHandshakeConfig {
        let client_auth = match &self.client_verifier {
            Some(v) if v.offer_client_auth() => {
                let authorities = v
                    .root_hint_subjects()
                    .iter()
                    .map(|dn| dn.as_der().to_vec())
                    .collect();
                if v.client_auth_mandatory() {
                    ClientAuthPolicy::Required { authorities }
                } else {
                    ClientAuthPolicy::Optional { authorities }
                }
            }
            _ => ClientAuthPolicy::Off,
        };
        let signature_schemes = match &self.client_verifier {
            Some(v) => v.supported_schemes().to_vec(),
            None => strata_pki::SUPPORTED_SCHEMES.to_vec(),
        };
        ServerHandshakeConfig {
            versions: self.common.versions.clone(),
            suites: self.common.suites.clone(),
            groups: self.common.groups.clone(),
            signature_schemes,
            alpn_protocols: self.common.alpn_protocols.clone(),
            client_auth,
            require_extended_master_secret: self.common.require_extended_master_secret,
            max_handshake_message_len: self.common.limits.max_handshake_message_len,
            ..ServerHandshakeConfig::default()
        }
    }
}

/// Builds a [`ServerConfig`].
#[derive(Debug)]
pub struct ServerConfigBuilder {
    common: Common,
    resolver: Arc<dyn ResolvesServerCert>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
}

impl ServerConfigBuilder {
    common_builder_methods!();

    /// Ask clients for certificates and check them with `verifier` (mutual TLS); whether
    /// one is required is the verifier's `client_auth_mandatory`.
    pub fn client_auth(mut self, verifier: Arc<dyn ClientCertVerifier>) -> Self {
        self.client_verifier = Some(verifier);
        self
    }

    /// Checks the settings and builds the shared config.
    pub fn build(self) -> Result<Arc<ServerConfig>, Error> {
        self.common.check()?;
        Ok(Arc::new(ServerConfig {
            common: self.common,
            resolver: self.resolver,
            client_verifier: self.client_verifier,
        }))
    }
}
