//! ClientConfig and ServerConfig: what a connection is set up with, built once and shared
//! (`Arc`) by every connection that uses it.

use std::sync::Arc;
use std::time::Duration;

use strata_handshake::extensions::PskKeyExchangeMode;
use strata_handshake::limits::{
    ChainLimits, DEFAULT_MAX_CHAIN_CERTIFICATES, DEFAULT_MAX_CHAIN_LEN,
    DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN, MIN_MAX_HANDSHAKE_MESSAGE_LEN,
};
use strata_handshake::machine::{
    ClientAuthPolicy, ClientHandshakeConfig, Resumption, ServerHandshakeConfig,
};
use strata_handshake::{
    NamedGroup, ServerSessionStore, SessionCache, SupportedSuite, TicketKeys, ALL_SUITES,
    SUPPORTED_GROUPS,
};
use strata_pki::pki_types::ServerName;
use strata_pki::{
    CachingClientVerifier, CachingServerVerifier, CertifiedKey, ClientCertVerifier,
    ServerCertVerifier, SignatureScheme, TlsVersion, TrustAnchors, WebPkiServerVerifier,
};

use crate::keylog::{KeyLog, NoKeyLog};
use crate::pool::BufferPool;
use crate::providers::{OsRandom, RandomSource, SystemClock, TimeProvider};
use crate::resolve::{FixedCertificates, ResolvesServerCert};
use crate::session::{ClientSessionStore, MemorySessionStore};
use crate::trace::HandshakeObserver;
use crate::Error;

/// The versions strata speaks, best first.
pub const IMPLEMENTED_VERSIONS: &[TlsVersion] = &[TlsVersion::Tls13, TlsVersion::Tls12];

/// The limits of one connection, in one place: what a peer could otherwise grow (memory)
/// or repeat without end (work). A peer past one gets a fatal alert and the connection a
/// typed error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest handshake message accepted (certificate chains are the big ones).
    pub max_handshake_message_len: usize,
    /// The most certificates in the peer's chain, end entity included (past it:
    /// bad_certificate). strata-pki's verifier takes at most
    /// 1 + [`MAX_INTERMEDIATES`](strata_pki::limits::MAX_INTERMEDIATES) in any case.
    pub max_chain_certificates: usize,
    /// The most bytes of DER in the peer's chain, all certificates together (past it:
    /// bad_certificate).
    pub max_chain_bytes: usize,
    /// The most received plaintext buffered before the application reads it; past it,
    /// records stay in the socket (the connection stops reading).
    pub max_received_plaintext: usize,
    /// The most plaintext the application may buffer for sending before the handshake
    /// completes or before write_tls drains it.
    pub max_pending_plaintext: usize,
    /// The most warning alerts (TLS 1.2 no_renegotiation, user_canceled) a peer may send
    /// over a connection's life before it is cut off.
    pub max_warning_alerts: usize,
    /// The most empty application data records in a row.
    pub max_empty_records: usize,
    /// The most KeyUpdates a peer may send without application data in between.
    pub max_key_updates_without_data: usize,
    /// The most ChangeCipherSpec records over a connection's life (TLS 1.3 needs at most
    /// one, TLS 1.2 one per handshake).
    pub max_change_cipher_specs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_handshake_message_len: DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN,
            max_chain_certificates: DEFAULT_MAX_CHAIN_CERTIFICATES,
            max_chain_bytes: DEFAULT_MAX_CHAIN_LEN,
            max_received_plaintext: 256 * 1024,
            max_pending_plaintext: 256 * 1024,
            max_warning_alerts: 4,
            max_empty_records: 32,
            max_key_updates_without_data: 32,
            max_change_cipher_specs: 2,
        }
    }
}

impl Limits {
    /// The chain limits, as the handshake layer takes them.
    fn chain_limits(&self) -> ChainLimits {
        ChainLimits {
            max_certificates: self.max_chain_certificates,
            max_total_len: self.max_chain_bytes,
        }
    }

    /// Refuses limits that would stop every handshake or that nothing can enforce.
    fn check(&self) -> Result<(), Error> {
        if self.max_handshake_message_len < MIN_MAX_HANDSHAKE_MESSAGE_LEN {
            return Err(Error::Config(format!(
                "max_handshake_message_len below {MIN_MAX_HANDSHAKE_MESSAGE_LEN}"
            )));
        }
        if self.max_chain_certificates == 0 || self.max_chain_bytes == 0 {
            return Err(Error::Config(
                "a chain limit of zero refuses every certificate".into(),
            ));
        }
        Ok(())
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

/// Settings every side shares. The lists are shared with each connection's handshake
/// settings, not copied into them.
#[derive(Clone, Debug)]
pub(crate) struct Common {
    pub versions: Arc<[TlsVersion]>,
    pub suites: Arc<[SupportedSuite]>,
    pub groups: Arc<[NamedGroup]>,
    pub alpn_protocols: Arc<[Vec<u8>]>,
    pub key_log: Arc<dyn KeyLog>,
    pub time: Arc<dyn TimeProvider>,
    pub random: Arc<dyn RandomSource>,
    pub limits: Limits,
    pub answers: AnswerMode,
    pub observer: Option<Arc<dyn HandshakeObserver>>,
    pub require_extended_master_secret: bool,
    /// Spare record buffers for this configuration's connections.
    pub buffers: Arc<BufferPool>,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            versions: IMPLEMENTED_VERSIONS.into(),
            suites: ALL_SUITES.into(),
            groups: SUPPORTED_GROUPS.iter().map(|g| g.named_group()).collect(),
            alpn_protocols: Arc::new([]),
            key_log: Arc::new(NoKeyLog),
            time: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            limits: Limits::default(),
            answers: AnswerMode::Inline,
            observer: None,
            require_extended_master_secret: true,
            buffers: Arc::new(BufferPool::default()),
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
        self.limits.check()?;
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
            self.common.versions = versions.into();
            self
        }

        /// The cipher suites to enable, best first.
        pub fn suites(mut self, suites: &[SupportedSuite]) -> Self {
            self.common.suites = suites.into();
            self
        }

        /// The key exchange groups to enable, best first.
        pub fn groups(mut self, groups: &[NamedGroup]) -> Self {
            self.common.groups = groups.into();
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
    pub(crate) session_store: Option<Arc<dyn ClientSessionStore>>,
    pub(crate) psk_modes: Arc<[PskKeyExchangeMode]>,
    /// The verifier's schemes, asked for once, at build.
    pub(crate) signature_schemes: Arc<[SignatureScheme]>,
}

impl ClientConfig {
    /// A builder that checks servers with `verifier`.
    pub fn builder(verifier: Arc<dyn ServerCertVerifier>) -> ClientConfigBuilder {
        ClientConfigBuilder {
            common: Common::default(),
            verifier,
            certificate: None,
            middlebox_compatibility: true,
            session_store: Some(Arc::new(MemorySessionStore::default())),
            psk_modes: vec![PskKeyExchangeMode::PskDheKe],
            chain_cache: None,
        }
    }

    /// A builder that checks servers against `anchors` with webpki.
    pub fn builder_with_roots(anchors: TrustAnchors) -> Result<ClientConfigBuilder, Error> {
        let verifier = WebPkiServerVerifier::new(Arc::new(anchors))?;
        Ok(Self::builder(Arc::new(verifier)))
    }

    /// The handshake's config for `server_name`; `session_name` is the name its sessions
    /// are kept under in the session store (see [`session_key`]), if there is one.
    pub(crate) fn handshake_config(
        &self,
        server_name: ServerName<'static>,
        session_name: Option<&str>,
    ) -> ClientHandshakeConfig {
        // Every field set here (not from `ClientHandshakeConfig::new`, whose default lists
        // would be allocated only to be replaced).
        let mut config = ClientHandshakeConfig {
            versions: self.common.versions.clone(),
            suites: self.common.suites.clone(),
            groups: self.common.groups.clone(),
            signature_schemes: self.signature_schemes.clone(),
            alpn_protocols: self.common.alpn_protocols.clone(),
            server_name,
            middlebox_compatibility: self.middlebox_compatibility,
            require_extended_master_secret: self.common.require_extended_master_secret,
            max_handshake_message_len: self.common.limits.max_handshake_message_len,
            chain_limits: self.common.limits.chain_limits(),
            resumption: None,
            psk_modes: self.psk_modes.clone(),
            tls12_session_tickets: true,
            // Inline answers send a certificate only when one is configured; an
            // application answering itself may choose one.
            may_send_certificate: self.certificate.is_some()
                || self.common.answers == AnswerMode::Application,
            now: self.common.time.now().as_secs(),
        };
        config.resumption = session_name.and_then(|name| self.resumption_for(&config, name));
        config
    }
}

impl ClientConfig {
    /// A stored session, kept under `name`, to offer the server `config` is for: a TLS 1.3
    /// ticket (taken: it is used once) when TLS 1.3 is on, else the TLS 1.2 session.
    fn resumption_for(&self, config: &ClientHandshakeConfig, name: &str) -> Option<Resumption> {
        let store = self.session_store.as_ref()?;
        if config.versions.contains(&TlsVersion::Tls13) {
            if let Some(ticket) = store.take_ticket(name) {
                return Some(Resumption::Tls13(ticket));
            }
        }
        if config.versions.contains(&TlsVersion::Tls12) {
            return store.get_tls12(name).map(Resumption::Tls12);
        }
        None
    }

    /// The session store, if resumption is on.
    pub(crate) fn session_store(&self) -> Option<&Arc<dyn ClientSessionStore>> {
        self.session_store.as_ref()
    }
}

/// The key a session is stored under: the server name as the client asked for it.
pub(crate) fn session_key(name: &ServerName<'_>) -> String {
    name.to_str().into_owned()
}

/// Builds a [`ClientConfig`].
#[derive(Debug)]
pub struct ClientConfigBuilder {
    common: Common,
    verifier: Arc<dyn ServerCertVerifier>,
    certificate: Option<Arc<CertifiedKey>>,
    middlebox_compatibility: bool,
    session_store: Option<Arc<dyn ClientSessionStore>>,
    psk_modes: Vec<PskKeyExchangeMode>,
    chain_cache: Option<Duration>,
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

    /// Where sessions are kept for resumption (in memory, 256 server names, by default).
    pub fn session_store(mut self, store: Arc<dyn ClientSessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// Never resume: every connection is a full handshake.
    pub fn no_resumption(mut self) -> Self {
        self.session_store = None;
        self
    }

    /// The TLS 1.3 PSK key exchange modes offered with a ticket (RFC 8446 §4.2.9):
    /// `[psk_dhe_ke]` by default. psk_ke resumes without (EC)DHE, so without forward
    /// secrecy for the resumed session; a key share is still sent for a full handshake.
    /// An empty list or an unknown mode is refused at [`build`](Self::build).
    pub fn psk_key_exchange_modes(mut self, modes: &[PskKeyExchangeMode]) -> Self {
        self.psk_modes = modes.to_vec();
        self
    }

    /// Remembers, for `window` (whole seconds, ten minutes at most, never past the
    /// chain's own validity), the server chains the verifier accepted, so that a client
    /// reconnecting to the same server with a full handshake skips the chain's signature
    /// checks: the verifier is wrapped in a [`CachingServerVerifier`] (64 chains). Off by
    /// default. The server's CertificateVerify (or ServerKeyExchange) signature is still
    /// checked on every handshake, and a verifier that gives no
    /// [settings fingerprint](ServerCertVerifier::settings_fingerprint) is still asked
    /// every time. [`strata_pki::cache`] explains why this is safe and what it delays
    /// (revocation news, by up to the window).
    pub fn cache_verified_chains(mut self, window: Duration) -> Self {
        self.chain_cache = Some(window);
        self
    }

    /// Checks the settings and builds the shared config.
    pub fn build(self) -> Result<Arc<ClientConfig>, Error> {
        self.common.check()?;
        let known = |m: &PskKeyExchangeMode| {
            matches!(m, PskKeyExchangeMode::PskKe | PskKeyExchangeMode::PskDheKe)
        };
        if self.psk_modes.is_empty() || !self.psk_modes.iter().all(known) {
            return Err(Error::Config(
                "psk_key_exchange_modes needs psk_ke and/or psk_dhe_ke".into(),
            ));
        }
        let verifier = match self.chain_cache {
            Some(window) => Arc::new(CachingServerVerifier::new(self.verifier).with_window(window))
                as Arc<dyn ServerCertVerifier>,
            None => self.verifier,
        };
        Ok(Arc::new(ClientConfig {
            common: self.common,
            signature_schemes: verifier.supported_schemes().into(),
            verifier,
            certificate: self.certificate,
            middlebox_compatibility: self.middlebox_compatibility,
            session_store: self.session_store,
            psk_modes: self.psk_modes.into(),
        }))
    }
}

/// A server's configuration.
#[derive(Debug)]
pub struct ServerConfig {
    pub(crate) common: Common,
    pub(crate) resolver: Arc<dyn ResolvesServerCert>,
    pub(crate) client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    pub(crate) resumption: ServerResumption,
    /// What the client verifier asks of clients, read from it once, at build.
    pub(crate) client_auth: ClientAuthPolicy,
    /// The schemes accepted in a client's CertificateVerify, read once, at build.
    pub(crate) signature_schemes: Arc<[SignatureScheme]>,
}

/// How a server lets clients resume.
#[derive(Clone, Debug)]
pub(crate) struct ServerResumption {
    /// TLS 1.3 tickets sent after each full handshake (0: none).
    pub tickets_per_handshake: usize,
    /// Ticket lifetime in seconds.
    pub ticket_lifetime: u32,
    /// TLS 1.2: how long a session kept by session ID resumes, in seconds.
    pub session_lifetime: u32,
    /// The keys tickets are sealed under (TLS 1.3 tickets and RFC 5077 tickets).
    pub ticket_keys: Option<Arc<TicketKeys>>,
    /// The TLS 1.2 session-ID store.
    pub session_store: Option<Arc<dyn ServerSessionStore>>,
    /// TLS 1.3: resume clients offering only psk_ke (RFC 8446 §4.2.9).
    pub allow_psk_ke: bool,
}

impl ServerConfig {
    /// A builder that picks certificates with `resolver`.
    pub fn builder(resolver: Arc<dyn ResolvesServerCert>) -> ServerConfigBuilder {
        ServerConfigBuilder {
            common: Common::default(),
            resolver,
            client_verifier: None,
            tickets_per_handshake: 2,
            ticket_lifetime: 7200,
            session_lifetime: 7200,
            ticket_keys: None,
            session_cache_capacity: 1024,
            session_store: None,
            allow_psk_ke: false,
            chain_cache: None,
        }
    }

    /// A builder that presents one of `certificates`: the first whose key can sign with a
    /// scheme the client offers (an ECDSA and an RSA certificate together, say).
    pub fn builder_with_certificates(certificates: Vec<Arc<CertifiedKey>>) -> ServerConfigBuilder {
        Self::builder(Arc::new(FixedCertificates::new(certificates)))
    }

    pub(crate) fn handshake_config(&self) -> ServerHandshakeConfig {
        ServerHandshakeConfig {
            versions: self.common.versions.clone(),
            suites: self.common.suites.clone(),
            groups: self.common.groups.clone(),
            signature_schemes: self.signature_schemes.clone(),
            alpn_protocols: self.common.alpn_protocols.clone(),
            client_auth: self.client_auth.clone(),
            require_extended_master_secret: self.common.require_extended_master_secret,
            max_handshake_message_len: self.common.limits.max_handshake_message_len,
            chain_limits: self.common.limits.chain_limits(),
            ticket_keys: self.resumption.ticket_keys.clone(),
            tickets_per_handshake: self.resumption.tickets_per_handshake,
            ticket_lifetime: self.resumption.ticket_lifetime,
            session_lifetime: self.resumption.session_lifetime,
            session_store: self.resumption.session_store.clone(),
            allow_psk_ke: self.resumption.allow_psk_ke,
            now: self.common.time.now().as_secs(),
            // Every field set (not `..Default::default()`, whose default lists would be
            // allocated only to be dropped).
            hello_retry_cookie: false,
        }
    }
}

impl ServerConfig {
    /// The keys this server seals tickets under: rotate them on a schedule
    /// ([`TicketKeys::rotate`]); a ticket sealed under the key before the current one still
    /// opens, an older one does not.
    pub fn ticket_keys(&self) -> Option<&Arc<TicketKeys>> {
        self.resumption.ticket_keys.as_ref()
    }
}

/// Builds a [`ServerConfig`].
#[derive(Debug)]
pub struct ServerConfigBuilder {
    common: Common,
    resolver: Arc<dyn ResolvesServerCert>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    tickets_per_handshake: usize,
    ticket_lifetime: u32,
    session_lifetime: u32,
    ticket_keys: Option<Arc<TicketKeys>>,
    session_cache_capacity: usize,
    session_store: Option<Arc<dyn ServerSessionStore>>,
    allow_psk_ke: bool,
    chain_cache: Option<Duration>,
}

impl ServerConfigBuilder {
    common_builder_methods!();

    /// Ask clients for certificates and check them with `verifier` (mutual TLS); whether
    /// one is required is the verifier's `client_auth_mandatory`.
    pub fn client_auth(mut self, verifier: Arc<dyn ClientCertVerifier>) -> Self {
        self.client_verifier = Some(verifier);
        self
    }

    /// How many TLS 1.3 tickets to send after each full handshake (2 by default; 0 turns
    /// tickets off, TLS 1.2 ones too) and how long they live (at most 7 days,
    /// RFC 8446 §4.6.1). Sessions kept by session ID have their own
    /// [`session_lifetime`](Self::session_lifetime).
    pub fn tickets(mut self, per_handshake: usize, lifetime_secs: u32) -> Self {
        self.tickets_per_handshake = per_handshake;
        self.ticket_lifetime = lifetime_secs.min(604_800);
        self
    }

    /// Seal tickets under these keys (to share them between servers, or to rotate them);
    /// fresh random keys by default.
    pub fn ticket_keys(mut self, keys: Arc<TicketKeys>) -> Self {
        self.ticket_keys = Some(keys);
        self
    }

    /// How long a TLS 1.2 session kept by session ID may be resumed (2 hours by default,
    /// at most 7 days).
    pub fn session_lifetime(mut self, lifetime_secs: u32) -> Self {
        self.session_lifetime = lifetime_secs.min(604_800);
        self
    }

    /// How many TLS 1.2 sessions the in-memory session-ID cache ([`SessionCache`]) holds
    /// (1024 by default; 0 turns resumption by session ID off). Replaces a store given to
    /// [`session_store`](Self::session_store).
    pub fn session_cache(mut self, capacity: usize) -> Self {
        self.session_cache_capacity = capacity;
        self.session_store = None;
        self
    }

    /// Keep TLS 1.2 sessions (RFC 5246 §7.3, resumption by session ID) in `store` instead
    /// of the in-memory [`SessionCache`]: to share them between servers, or to watch them.
    /// The store bounds itself.
    pub fn session_store(mut self, store: Arc<dyn ServerSessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// TLS 1.3: resume a client that offers only psk_ke, without (EC)DHE and so without
    /// forward secrecy for the resumed session (RFC 8446 §4.2.9); off by default (such a
    /// client gets a full handshake). A client offering psk_dhe_ke too gets psk_dhe_ke.
    pub fn allow_psk_ke(mut self, allow: bool) -> Self {
        self.allow_psk_ke = allow;
        self
    }

    /// Mutual TLS: remembers, for `window`, the client chains the
    /// [client verifier](Self::client_auth) accepted, wrapping it in a
    /// [`CachingClientVerifier`]; as [`ClientConfigBuilder::cache_verified_chains`] (the
    /// client's CertificateVerify is still checked every time). Off by default; nothing
    /// without a client verifier.
    pub fn cache_verified_client_chains(mut self, window: Duration) -> Self {
        self.chain_cache = Some(window);
        self
    }

    /// Checks the settings and builds the shared config.
    pub fn build(self) -> Result<Arc<ServerConfig>, Error> {
        self.common.check()?;
        let ticket_keys = match (self.tickets_per_handshake, self.ticket_keys) {
            (0, _) => None,
            (_, Some(keys)) => Some(keys),
            (_, None) => Some(Arc::new(TicketKeys::generate().map_err(|_| Error::Random)?)),
        };
        let session_store = self.session_store.or_else(|| {
            (self.session_cache_capacity > 0).then(|| {
                Arc::new(SessionCache::new(self.session_cache_capacity))
                    as Arc<dyn ServerSessionStore>
            })
        });
        let client_verifier = match (self.client_verifier, self.chain_cache) {
            (Some(v), Some(window)) => {
                Some(Arc::new(CachingClientVerifier::new(v).with_window(window))
                    as Arc<dyn ClientCertVerifier>)
            }
            (v, _) => v,
        };
        let client_auth = match &client_verifier {
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
        let signature_schemes = match &client_verifier {
            Some(v) => v.supported_schemes().into(),
            None => strata_pki::SUPPORTED_SCHEMES.into(),
        };
        Ok(Arc::new(ServerConfig {
            common: self.common,
            resolver: self.resolver,
            client_verifier,
            client_auth,
            signature_schemes,
            resumption: ServerResumption {
                tickets_per_handshake: self.tickets_per_handshake,
                ticket_lifetime: self.ticket_lifetime,
                session_lifetime: self.session_lifetime,
                ticket_keys,
                session_store,
                allow_psk_ke: self.allow_psk_ke,
            },
        }))
    }
}
