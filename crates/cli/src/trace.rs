//! `--trace`: one line per handshake message on standard error, with its direction, and a
//! heading whenever the handshake enters a new phase, so a person can follow it:
//!
//! - TLS 1.2 (RFC 5246 §7.3): 1 hello; 2 server certificate, key exchange, certificate
//!   request, hello done; 3 client certificate, key exchange, certificate verify;
//!   4 change cipher spec and finished.
//! - TLS 1.3 (RFC 8446 §2): key exchange; server parameters; authentication.

use std::sync::Mutex;

use strata::trace::{describe, Direction, HandshakeObserver};
use strata_handshake::{ExtensionType, HandshakeMessage};

/// What the tracer remembers between messages.
#[derive(Debug, Default)]
struct Seen {
    tls12: bool,
    phase: Option<&'static str>,
}

/// Prints `client -> ClientHello …` lines.
#[derive(Debug)]
pub struct Tracer {
    side: &'static str,
    seen: Mutex<Seen>,
}

impl Tracer {
    pub fn new(side: &'static str) -> Self {
        Self {
            side,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn arrow(direction: Direction) -> &'static str {
        match direction {
            Direction::Sent => "->",
            Direction::Received => "<-",
        }
    }

    /// Whether the server sent the message that crossed in `direction`.
    fn sent_by_server(&self, direction: Direction) -> bool {
        (self.side == "server") == (direction == Direction::Sent)
    }

    fn enter(&self, phase: &'static str) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        if seen.phase != Some(phase) {
            seen.phase = Some(phase);
            eprintln!("{:>6} == {phase}", self.side);
        }
    }
}

const TLS12_HELLO: &str = "phase 1 (TLS 1.2): hello";
const TLS12_SERVER: &str =
    "phase 2 (TLS 1.2): server certificate, key exchange, certificate request, hello done";
const TLS12_CLIENT: &str =
    "phase 3 (TLS 1.2): client certificate, key exchange, certificate verify";
const TLS12_FINISH: &str = "phase 4 (TLS 1.2): change cipher spec and finished";
const TLS13_KEY_EXCHANGE: &str = "key exchange (TLS 1.3): hellos and key shares";
const TLS13_PARAMETERS: &str =
    "server parameters (TLS 1.3): encrypted extensions, certificate request";
const TLS13_AUTH: &str = "authentication (TLS 1.3): certificates, certificate verify, finished";
const POST_HANDSHAKE: &str = "after the handshake";
const HELLO_ANY: &str =
    "hello (TLS 1.3 key exchange, or TLS 1.2 phase 1: the server's answer decides)";

/// Whether a ClientHello offers TLS 1.3 (RFC 8446 §4.2.1).
fn offers_tls13(ch: &strata_handshake::messages::ClientHello<'_>) -> bool {
    matches!(
        ch.extensions.get(ExtensionType::SupportedVersions),
        Some(strata_handshake::Extension::SupportedVersions(v)) if v.contains(&strata_record::ProtocolVersion::Tls13)
    )
}

impl HandshakeObserver for Tracer {
    fn message(&self, direction: Direction, message: &HandshakeMessage<'_>) {
        use HandshakeMessage as M;
        let tls12 = {
            let Ok(mut seen) = self.seen.lock() else {
                return;
            };
            match message {
                M::ServerHello(sh) => {
                    seen.tls12 = !sh.extensions.contains(ExtensionType::SupportedVersions)
                }
                M::CertificateTls12(_) | M::ServerKeyExchange(_) | M::ServerHelloDone => {
                    seen.tls12 = true
                }
                _ => {}
            }
            seen.tls12
        };
        let phase = match message {
            // Before the ServerHello the version is what the ClientHello offers.
            M::ClientHello(ch) if !offers_tls13(ch) => Some(TLS12_HELLO),
            M::ClientHello(_) if !tls12 => Some(HELLO_ANY),
            M::ClientHello(_) | M::ServerHello(_) | M::HelloRetryRequest(_) if tls12 => {
                Some(TLS12_HELLO)
            }
            M::ClientHello(_) | M::ServerHello(_) | M::HelloRetryRequest(_) => {
                Some(TLS13_KEY_EXCHANGE)
            }
            M::ServerKeyExchange(_) | M::CertificateRequestTls12(_) | M::ServerHelloDone => {
                Some(TLS12_SERVER)
            }
            M::CertificateTls12(_) if self.sent_by_server(direction) => Some(TLS12_SERVER),
            M::CertificateTls12(_) | M::ClientKeyExchange(_) => Some(TLS12_CLIENT),
            M::CertificateVerify(_) if tls12 => Some(TLS12_CLIENT),
            M::Finished(_) if tls12 => Some(TLS12_FINISH),
            M::EncryptedExtensions(_) | M::CertificateRequest(_) => Some(TLS13_PARAMETERS),
            M::Certificate(_) | M::CertificateVerify(_) | M::Finished(_) => Some(TLS13_AUTH),
            M::NewSessionTicket(_) | M::NewSessionTicketTls12(_) | M::KeyUpdate(_) => {
                Some(POST_HANDSHAKE)
            }
            _ => None,
        };
        if let Some(phase) = phase {
            self.enter(phase);
        }
        eprintln!(
            "{:>6} {} {}",
            self.side,
            Self::arrow(direction),
            describe(message)
        );
    }

    fn change_cipher_spec(&self, direction: Direction) {
        let tls12 = self.seen.lock().map(|s| s.tls12).unwrap_or(false);
        if tls12 {
            self.enter(TLS12_FINISH);
            eprintln!(
                "{:>6} {} change_cipher_spec",
                self.side,
                Self::arrow(direction)
            );
        } else {
            eprintln!(
                "{:>6} {} change_cipher_spec (middlebox compatibility, RFC 8446 §D.4)",
                self.side,
                Self::arrow(direction)
            );
        }
    }
}
