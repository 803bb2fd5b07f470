//! What the client and server state machines take and give (RFC 8446 §4, RFC 5246 §7.3).
//!
//! A state machine never sees record bytes, sockets, clocks or a signing key's internals.
//! The facade feeds it [`Input`]s: whole handshake messages (from the
//! [`HandshakeJoiner`](crate::HandshakeJoiner)), ChangeCipherSpec records, and
//! [`Answer`]s to its [`Request`]s. It gives back [`Action`]s, to be carried out in order:
//! messages to send under the current write keys, key changes for the record layer,
//! requests to the application, events, and key-log lines.
//!
//! "The handshake asks; it does not call": choosing a certificate, signing, and checking a
//! peer's chain are [`Request`]s. The machine waits in a state of its own until the
//! matching [`Answer`] arrives, so a signature from an HSM or a slow revocation check never
//! blocks a thread; a message that arrives meanwhile is unexpected_message.

use std::sync::Arc;

use bytes::BytesMut;

use strata_alert::AlertDescription;
use strata_pki::pki_types::{CertificateDer, ServerName};
use strata_pki::{CertifiedKey, PkiError, SignatureScheme, SigningKey, TlsVersion};

use crate::key_schedule::{Secret, TrafficKeys};
use crate::messages::RawMessage;
use crate::suites::SupportedSuite;
use crate::{HandshakeError, NamedGroup};

mod config;

pub use config::{
    ClientAuthPolicy, ClientHandshakeConfig, Resumption, ServerHandshakeConfig, StoredTicket,
    DEFAULT_TICKET_LIFETIME, MAX_TICKET_LIFETIME,
};

/// One thing the facade gives a state machine.
#[derive(Debug)]
pub enum Input<'a> {
    /// One whole handshake message, as the joiner delivers it.
    Message(RawMessage<'a>),
    /// A ChangeCipherSpec record with the single byte 1 (RFC 8446 §5: the TLS 1.3
    /// middlebox-compatibility one is ignored at the right time; RFC 5246 §7.1 in TLS 1.2).
    ChangeCipherSpec,
    /// The application's answer to the outstanding [`Request`].
    Answer(Answer),
}

/// One thing a state machine asks the facade to do. Actions are carried out in order.
#[derive(Debug)]
pub enum Action {
    /// Send these encoded handshake messages (one or more, each with its header) under
    /// the current write keys: the messages of a flight that nothing separates share one
    /// buffer, and may share records (RFC 8446 §5.1).
    /// [`split_messages`](crate::messages::split_messages) takes them apart.
    Send(BytesMut),
    /// Send a ChangeCipherSpec record (TLS 1.3 §D.4 compatibility; TLS 1.2 before
    /// Finished).
    SendChangeCipherSpec,
    /// Protect what is sent from now on with these keys.
    SetWriteKeys(KeyChange),
    /// Open what is received from now on with these keys. The facade first checks that the
    /// joiner holds no partial message (RFC 8446 §5.1).
    SetReadKeys(KeyChange),
    /// The handshake pauses until the matching [`Answer`] is given.
    Request(Request),
    /// Something happened that the application may want to know.
    Event(Event),
    /// A secret for the opt-in NSS key log (never printed otherwise).
    KeyLog(KeyLogEntry),
    /// Send a warning-level alert; the connection stays up. Only TLS 1.2 asks for one:
    /// no_renegotiation, to refuse a HelloRequest or a renegotiating ClientHello after the
    /// handshake (RFC 5246 §7.2.2 says this alert is always a warning; RFC 5746 §4.2).
    /// Fatal alerts are never actions: they are [`HandshakeError::alert`].
    SendWarning(AlertDescription),
}

/// New record protection for one direction.
#[derive(Debug)]
pub struct KeyChange {
    /// TLS 1.3 (`Sealer::for_tls13`) or TLS 1.2 (`for_tls12`) record protection.
    pub version: TlsVersion,
    /// The key and IV.
    pub keys: TrafficKeys,
}

/// One line of the NSS key log format: `LABEL client_random secret`.
#[derive(Debug)]
pub struct KeyLogEntry {
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_TRAFFIC_SECRET_0`, `CLIENT_RANDOM`, …
    pub label: &'static str,
    /// ClientHello.random, which names the connection in the log.
    pub client_random: [u8; 32],
    /// The secret.
    pub secret: Secret,
}

/// What the handshake needs from the application.
#[derive(Debug)]
pub enum Request {
    /// Server: the certificate to present for this ClientHello (answer:
    /// [`Answer::Certificate`]; `None` ends the handshake with handshake_failure, or
    /// unrecognized_name when a name was asked for and none fits).
    ChooseServerCertificate {
        /// The name the client asked for (SNI), if any.
        server_name: Option<String>,
        /// The client's signature_algorithms.
        signature_schemes: Vec<SignatureScheme>,
        /// The version being negotiated.
        version: TlsVersion,
    },
    /// Client: a certificate to answer the server's CertificateRequest with (answer:
    /// [`Answer::Certificate`]; `None` sends an empty Certificate).
    ChooseClientCertificate {
        /// The DER distinguished names of the CAs the server accepts (may be empty).
        authorities: Vec<Vec<u8>>,
        /// The server's signature_algorithms.
        signature_schemes: Vec<SignatureScheme>,
    },
    /// Sign `message` with `key` and `scheme` (answer: [`Answer::Signature`]).
    Sign {
        /// The key chosen with the certificate.
        key: Arc<dyn SigningKey>,
        /// The scheme the machine picked from the peer's list.
        scheme: SignatureScheme,
        /// The bytes to sign (RFC 8446 §4.4.3's content, or TLS 1.2's).
        message: Vec<u8>,
    },
    /// Client: check the server's chain for `server_name` (answer:
    /// [`Answer::ChainVerified`]).
    VerifyServerChain {
        /// End entity first.
        chain: PeerChain,
        /// The name the client is connecting to.
        server_name: ServerName<'static>,
        /// A stapled OCSP response, or empty.
        ocsp_response: Vec<u8>,
    },
    /// Server: check the client's chain (answer: [`Answer::ChainVerified`]).
    VerifyClientChain {
        /// End entity first.
        chain: PeerChain,
    },
}

/// The application's answer to a [`Request`].
#[derive(Debug)]
pub enum Answer {
    /// For the two `Choose…Certificate` requests.
    Certificate(Option<Arc<CertifiedKey>>),
    /// For [`Request::Sign`].
    Signature(Result<Vec<u8>, PkiError>),
    /// For the two `Verify…Chain` requests.
    ChainVerified(Result<(), PkiError>),
}

/// A peer's certificate chain, end entity first, shared rather than copied between the
/// machine, the verification request, [`Negotiated`] and a session kept for resumption.
/// It dereferences to the certificates; an empty chain holds no allocation.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PeerChain(Option<Arc<[CertificateDer<'static>]>>);

impl PeerChain {
    /// The certificates, end entity first.
    pub fn as_slice(&self) -> &[CertificateDer<'static>] {
        self.0.as_deref().unwrap_or_default()
    }

    /// The chain of `certificates`, in one allocation (none when there are none).
    pub fn from_exact<I>(certificates: I) -> Self
    where
        I: IntoIterator<Item = CertificateDer<'static>>,
        I::IntoIter: ExactSizeIterator,
    {
        let certificates = certificates.into_iter();
        if certificates.len() == 0 {
            Self(None)
        } else {
            Self(Some(certificates.collect()))
        }
    }
}

impl core::ops::Deref for PeerChain {
    type Target = [CertificateDer<'static>];

    fn deref(&self) -> &Self::Target {
        self.as_slice()
    }
}

impl From<Vec<CertificateDer<'static>>> for PeerChain {
    fn from(certificates: Vec<CertificateDer<'static>>) -> Self {
        Self::from_exact(certificates)
    }
}

impl core::fmt::Debug for PeerChain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What a state machine tells the application.
#[derive(Debug, Clone)]
pub enum Event {
    /// The handshake finished: application data may flow both ways.
    HandshakeComplete(Negotiated),
    /// A TLS 1.3 NewSessionTicket arrived (kept for resumption).
    TicketReceived(Ticket),
    /// The peer updated its sending keys (RFC 8446 §4.6.3).
    PeerKeyUpdated,
    /// Client, TLS 1.2: a session to keep for an abbreviated handshake later (RFC 5246
    /// §7.3, RFC 5077), after a full handshake or one that brought a new ticket.
    Tls12SessionEstablished(Tls12Session),
}

/// What a completed handshake agreed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// The protocol version.
    pub version: TlsVersion,
    /// The cipher suite.
    pub suite: SupportedSuite,
    /// The key exchange group (in a psk_ke resumption, which has no (EC)DHE, RFC 8446
    /// §4.2.9: the group of the client's unused key share).
    pub group: NamedGroup,
    /// The application protocol, if ALPN chose one.
    pub alpn: Option<Vec<u8>>,
    /// The name the client asked for (SNI), if any.
    pub server_name: Option<String>,
    /// The peer's certificate chain, end entity first (empty for a client that sent none).
    pub peer_certificates: PeerChain,
    /// The signature scheme of the peer's CertificateVerify / ServerKeyExchange, if any
    /// (`None` in a resumed session, which has no signature).
    pub peer_signature_scheme: Option<SignatureScheme>,
    /// Whether the session was resumed (TLS 1.3 PSK, RFC 8446 §2.2; TLS 1.2 abbreviated
    /// handshake, RFC 5246 §7.3); `peer_certificates` then come from the original session.
    pub resumed: bool,
}

/// A TLS 1.3 session ticket and what it takes to use it (RFC 8446 §4.6.1).
#[derive(Clone)]
pub struct Ticket {
    /// The ticket's lifetime in seconds.
    pub lifetime: u32,
    /// ticket_age_add.
    pub age_add: u32,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
    /// The PSK this ticket stands for (RFC 8446 §4.6.1).
    pub psk: Secret,
    /// The suite the PSK is bound to.
    pub suite: SupportedSuite,
    /// max_early_data_size, if the server allows early data.
    pub max_early_data: Option<u32>,
    /// The server's chain as verified in the original handshake, kept for the resumed
    /// session's [`Negotiated::peer_certificates`].
    pub peer_certificates: PeerChain,
    /// The SNI of the original handshake (a ticket is only offered to the same name).
    pub server_name: Option<String>,
    /// The ALPN protocol of the original handshake.
    pub alpn: Option<Vec<u8>>,
}

/// A TLS 1.2 session a client can resume (RFC 5246 §7.3, RFC 5077 §3.4). `Debug` shows no
/// secret.
#[derive(Clone)]
pub struct Tls12Session {
    /// The session ID the server gave (may be empty with a ticket).
    pub session_id: Vec<u8>,
    /// The RFC 5077 ticket, if the server issued one.
    pub ticket: Option<Vec<u8>>,
    /// The ticket's lifetime hint in seconds (0: unspecified).
    pub ticket_lifetime: u32,
    /// The master secret.
    pub master_secret: Secret,
    /// The suite (it must be offered again and chosen again).
    pub suite: SupportedSuite,
    /// The key exchange group of the original handshake.
    pub group: NamedGroup,
    /// Whether the session used the extended master secret (RFC 7627 §5.3).
    pub extended_master_secret: bool,
    /// The server's chain, end entity first.
    pub peer_certificates: PeerChain,
    /// The SNI of the session.
    pub server_name: Option<String>,
    /// The ALPN protocol of the session.
    pub alpn: Option<Vec<u8>>,
}

impl core::fmt::Debug for Tls12Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tls12Session")
            .field("session_id_len", &self.session_id.len())
            .field("has_ticket", &self.ticket.is_some())
            .field("suite", &self.suite.suite)
            .field("extended_master_secret", &self.extended_master_secret)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticket")
            .field("lifetime", &self.lifetime)
            .field("ticket_len", &self.ticket.len())
            .field("suite", &self.suite.suite)
            .finish_non_exhaustive()
    }
}

/// What every client and server state machine offers the facade.
///
/// The machine appends what to do to the caller's `out`, rather than returning a vector
/// of its own: the facade keeps one for the whole connection and carries out and clears
/// it after each call, so a handshake makes no allocation for its list of actions after
/// the first.
pub trait StateMachine: Send {
    /// Takes one input and appends what to do, in order, to `out`. An error is fatal: the
    /// facade sends [`HandshakeError::alert`] and the connection is dead; `out` is then
    /// left as it was (nothing of the failed step is appended).
    fn handle(&mut self, input: Input<'_>, out: &mut Vec<Action>) -> Result<(), HandshakeError>;

    /// Whether the handshake is still under way (true until HandshakeComplete).
    fn is_handshaking(&self) -> bool;

    /// Whether the machine waits for an [`Answer`].
    fn wants_answer(&self) -> bool;

    /// After the handshake: update our sending keys, and ask the peer to update theirs if
    /// `request_peer` (RFC 8446 §4.6.3), appending the actions to `out`. TLS 1.2 has no
    /// KeyUpdate: an error.
    fn update_keys(
        &mut self,
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError>;

    /// RFC 8446 §7.5 / RFC 5705 exporter, after the handshake.
    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError>;
}
