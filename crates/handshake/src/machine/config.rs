//! What a state machine is configured with: the protocol choices, not the application's
//! objects (those answer [`Request`](super::Request)s through the facade).

use strata_pki::pki_types::ServerName;
use strata_pki::{SignatureScheme, TlsVersion, SUPPORTED_SCHEMES};

use crate::extensions::PskKeyExchangeMode;
use crate::kx::SUPPORTED_GROUPS;
use crate::limits::{ChainLimits, DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN};
use crate::suites::{SupportedSuite, ALL_SUITES};
use crate::ticket::{ServerSessionStore, TicketKeys};
use crate::NamedGroup;
use std::sync::Arc;

use super::{Ticket, Tls12Session};

/// The default lifetime of a ticket: two hours.
pub const DEFAULT_TICKET_LIFETIME: u32 = 7200;
/// The longest ticket lifetime: seven days (RFC 8446 §4.6.1).
pub const MAX_TICKET_LIFETIME: u32 = 604_800;

/// A TLS 1.3 ticket as the client stored it (RFC 8446 §4.6.1).
#[derive(Clone, Debug)]
pub struct StoredTicket {
    /// The ticket, from [`Event::TicketReceived`](super::Event::TicketReceived).
    pub ticket: Ticket,
    /// When it was received, in unix seconds.
    pub received: u64,
}

/// A session the client offers to resume.
#[derive(Clone, Debug)]
pub enum Resumption {
    /// A TLS 1.3 ticket: pre_shared_key with a binder (RFC 8446 §4.2.11).
    Tls13(StoredTicket),
    /// A TLS 1.2 session: its session ID and/or ticket (RFC 5246 §7.3, RFC 5077).
    Tls12(Tls12Session),
}

/// The client's handshake settings.
///
/// The lists are shared (`Arc<[T]>`): a facade builds them once, with its config, and a
/// connection's settings take them without a copy (`vec![…].into()` makes one).
#[derive(Clone, Debug)]
pub struct ClientHandshakeConfig {
    /// The versions to offer, best first.
    pub versions: Arc<[TlsVersion]>,
    /// The suites to offer, best first (those of versions not offered are left out).
    pub suites: Arc<[SupportedSuite]>,
    /// The groups to offer, best first; a key share is sent for the first.
    pub groups: Arc<[NamedGroup]>,
    /// The schemes to accept from the server (signature_algorithms).
    pub signature_schemes: Arc<[SignatureScheme]>,
    /// The application protocols to offer (ALPN), best first; empty for none.
    pub alpn_protocols: Arc<[Vec<u8>]>,
    /// The server's name: sent as SNI when it is a DNS name, and checked against the
    /// server's certificate.
    pub server_name: ServerName<'static>,
    /// Send a fake session ID and a ChangeCipherSpec (RFC 8446 §D.4), as browsers do.
    pub middlebox_compatibility: bool,
    /// TLS 1.2: refuse a server without extended_master_secret (RFC 7627 §5.2).
    pub require_extended_master_secret: bool,
    /// The largest handshake message accepted.
    pub max_handshake_message_len: usize,
    /// How big a chain the peer may send.
    pub chain_limits: ChainLimits,
    /// A session to offer for resumption, if any.
    pub resumption: Option<Resumption>,
    /// The TLS 1.3 PSK modes offered (RFC 8446 §4.2.9); psk_dhe_ke alone by default. With
    /// psk_ke the client accepts a ServerHello with pre_shared_key and no key_share; a key
    /// share is always sent, for a full handshake.
    pub psk_modes: Arc<[PskKeyExchangeMode]>,
    /// TLS 1.2: offer RFC 5077 session tickets (an empty session_ticket extension without
    /// a ticket to resume).
    pub tls12_session_tickets: bool,
    /// Whether the client may answer a CertificateRequest with a certificate (one is
    /// configured, or the application answers requests itself). A TLS 1.2 client that
    /// may keeps every handshake message for its CertificateVerify (RFC 5246 §7.4.8); one
    /// that may not keeps none, and answering its certificate request with a certificate
    /// is then an internal error (an empty Certificate is what it can send).
    pub may_send_certificate: bool,
    /// Now, in unix seconds: for ticket ages and lifetimes.
    pub now: u64,
}

impl ClientHandshakeConfig {
    /// Every supported version, suite, group and scheme, for `server_name`.
    pub fn new(server_name: ServerName<'static>) -> Self {
        Self {
            versions: Arc::new([TlsVersion::Tls13, TlsVersion::Tls12]),
            suites: ALL_SUITES.into(),
            groups: SUPPORTED_GROUPS.iter().map(|g| g.named_group()).collect(),
            signature_schemes: SUPPORTED_SCHEMES.into(),
            alpn_protocols: Arc::new([]),
            server_name,
            middlebox_compatibility: true,
            require_extended_master_secret: true,
            max_handshake_message_len: DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN,
            chain_limits: ChainLimits::default(),
            resumption: None,
            psk_modes: Arc::new([PskKeyExchangeMode::PskDheKe]),
            tls12_session_tickets: true,
            may_send_certificate: true,
            now: 0,
        }
    }
}

/// Whether a server asks for client certificates, and what it does without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientAuthPolicy {
    /// No CertificateRequest.
    Off,
    /// CertificateRequest; a client without a certificate is accepted.
    Optional {
        /// DER names for certificate_authorities (may be empty).
        authorities: Arc<[Vec<u8>]>,
    },
    /// CertificateRequest; a client without a certificate gets certificate_required
    /// (TLS 1.3) or handshake_failure (TLS 1.2).
    Required {
        /// DER names for certificate_authorities (may be empty).
        authorities: Arc<[Vec<u8>]>,
    },
}

/// The server's handshake settings. The lists are shared, as in
/// [`ClientHandshakeConfig`].
#[derive(Clone, Debug)]
pub struct ServerHandshakeConfig {
    /// The versions to accept, best first.
    pub versions: Arc<[TlsVersion]>,
    /// The suites to accept, in the server's order of preference.
    pub suites: Arc<[SupportedSuite]>,
    /// The groups to accept, in the server's order of preference.
    pub groups: Arc<[NamedGroup]>,
    /// The schemes to accept in a client's CertificateVerify.
    pub signature_schemes: Arc<[SignatureScheme]>,
    /// The application protocols the server speaks, best first; empty for no ALPN.
    pub alpn_protocols: Arc<[Vec<u8>]>,
    /// Client authentication.
    pub client_auth: ClientAuthPolicy,
    /// Put a cookie in every HelloRetryRequest (RFC 8446 §4.2.2) and require the second
    /// ClientHello to echo it.
    pub hello_retry_cookie: bool,
    /// TLS 1.2: refuse a client without extended_master_secret (RFC 7627 §5.3).
    pub require_extended_master_secret: bool,
    /// The largest handshake message accepted.
    pub max_handshake_message_len: usize,
    /// How big a chain the peer may send.
    pub chain_limits: ChainLimits,
    /// The keys that seal tickets (TLS 1.3 NewSessionTicket, RFC 5077 in TLS 1.2); `None`
    /// issues and accepts no tickets.
    pub ticket_keys: Option<Arc<TicketKeys>>,
    /// TLS 1.3: how many tickets to send after the handshake.
    pub tickets_per_handshake: usize,
    /// A ticket's lifetime in seconds (at most [`MAX_TICKET_LIFETIME`]).
    pub ticket_lifetime: u32,
    /// TLS 1.2: how long a session kept by session ID may be resumed, in seconds (at most
    /// [`MAX_TICKET_LIFETIME`]); a session in an RFC 5077 ticket lives `ticket_lifetime`.
    pub session_lifetime: u32,
    /// TLS 1.2: where sessions are kept by session ID (RFC 5246 §7.3), e.g. a
    /// [`SessionCache`](crate::SessionCache); `None` gives no session ID and resumes none
    /// by ID.
    pub session_store: Option<Arc<dyn ServerSessionStore>>,
    /// TLS 1.3: accept psk_ke (resumption without (EC)DHE, RFC 8446 §4.2.9) from a client
    /// that offers only it: no key_share in ServerHello, the handshake secret from zeros
    /// (§7.1). psk_dhe_ke is still preferred when offered. Off: such a client gets a full
    /// handshake.
    pub allow_psk_ke: bool,
    /// Now, in unix seconds: for ticket ages and lifetimes.
    pub now: u64,
}

impl Default for ServerHandshakeConfig {
    fn default() -> Self {
        Self {
            versions: Arc::new([TlsVersion::Tls13, TlsVersion::Tls12]),
            suites: ALL_SUITES.into(),
            groups: SUPPORTED_GROUPS.iter().map(|g| g.named_group()).collect(),
            signature_schemes: SUPPORTED_SCHEMES.into(),
            alpn_protocols: Arc::new([]),
            client_auth: ClientAuthPolicy::Off,
            hello_retry_cookie: false,
            require_extended_master_secret: true,
            max_handshake_message_len: DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN,
            chain_limits: ChainLimits::default(),
            ticket_keys: None,
            tickets_per_handshake: 2,
            ticket_lifetime: DEFAULT_TICKET_LIFETIME,
            session_lifetime: DEFAULT_TICKET_LIFETIME,
            session_store: None,
            allow_psk_ke: false,
            now: 0,
        }
    }
}
