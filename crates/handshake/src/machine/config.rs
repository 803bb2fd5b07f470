//! What a state machine is configured with: the protocol choices, not the application's
//! objects (those answer [`Request`](super::Request)s through the facade).

use strata_pki::pki_types::ServerName;
use strata_pki::{SignatureScheme, TlsVersion, SUPPORTED_SCHEMES};

use crate::kx::SUPPORTED_GROUPS;
use crate::limits::DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN;
use crate::suites::{SupportedSuite, ALL_SUITES};
use crate::NamedGroup;

/// The client's handshake settings.
#[derive(Clone, Debug)]
pub struct ClientHandshakeConfig {
    /// The versions to offer, best first.
    pub versions: Vec<TlsVersion>,
    /// The suites to offer, best first (those of versions not offered are left out).
    pub suites: Vec<SupportedSuite>,
    /// The groups to offer, best first; a key share is sent for the first.
    pub groups: Vec<NamedGroup>,
    /// The schemes to accept from the server (signature_algorithms).
    pub signature_schemes: Vec<SignatureScheme>,
    /// The application protocols to offer (ALPN), best first; empty for none.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// The server's name: sent as SNI when it is a DNS name, and checked against the
    /// server's certificate.
    pub server_name: ServerName<'static>,
    /// Send a fake session ID and a ChangeCipherSpec (RFC 8446 §D.4), as browsers do.
    pub middlebox_compatibility: bool,
    /// TLS 1.2: refuse a server without extended_master_secret (RFC 7627 §5.2).
    pub require_extended_master_secret: bool,
    /// The largest handshake message accepted.
    pub max_handshake_message_len: usize,
}

impl ClientHandshakeConfig {
    /// Every supported version, suite, group and scheme, for `server_name`.
    pub fn new(server_name: ServerName<'static>) -> Self {
        Self {
            versions: vec![TlsVersion::Tls13, TlsVersion::Tls12],
            suites: ALL_SUITES.to_vec(),
            groups: SUPPORTED_GROUPS.iter().map(|g| g.named_group()).collect(),
            signature_schemes: SUPPORTED_SCHEMES.to_vec(),
            alpn_protocols: Vec::new(),
            server_name,
            middlebox_compatibility: true,
            require_extended_master_secret: true,
            max_handshake_message_len: DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN,
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
        authorities: Vec<Vec<u8>>,
    },
    /// CertificateRequest; a client without a certificate gets certificate_required
    /// (TLS 1.3) or handshake_failure (TLS 1.2).
    Required {
        /// DER names for certificate_authorities (may be empty).
        authorities: Vec<Vec<u8>>,
    },
}

/// The server's handshake settings.
#[derive(Clone, Debug)]
pub struct ServerHandshakeConfig {
    /// The versions to accept, best first.
    pub versions: Vec<TlsVersion>,
    /// The suites to accept, in the server's order of preference.
    pub suites: Vec<SupportedSuite>,
    /// The groups to accept, in the server's order of preference.
    pub groups: Vec<NamedGroup>,
    /// The schemes to accept in a client's CertificateVerify.
    pub signature_schemes: Vec<SignatureScheme>,
    /// The application protocols the server speaks, best first; empty for no ALPN.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Client authentication.
    pub client_auth: ClientAuthPolicy,
    /// Put a cookie in every HelloRetryRequest (RFC 8446 §4.2.2) and require the second
    /// ClientHello to echo it.
    pub hello_retry_cookie: bool,
    /// TLS 1.2: refuse a client without extended_master_secret (RFC 7627 §5.3).
    pub require_extended_master_secret: bool,
    /// The largest handshake message accepted.
    pub max_handshake_message_len: usize,
}

impl Default for ServerHandshakeConfig {
    fn default() -> Self {
        Self {
            versions: vec![TlsVersion::Tls13, TlsVersion::Tls12],
            suites: ALL_SUITES.to_vec(),
            groups: SUPPORTED_GROUPS.iter().map(|g| g.named_group()).collect(),
            signature_schemes: SUPPORTED_SCHEMES.to_vec(),
            alpn_protocols: Vec::new(),
            client_auth: ClientAuthPolicy::Off,
            hello_retry_cookie: false,
            require_extended_master_secret: true,
            max_handshake_message_len: DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN,
        }
    }
}
