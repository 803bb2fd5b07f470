//! The facade's one error type.

use strata_alert::AlertDescription;
use strata_handshake::HandshakeError;
use strata_pki::PkiError;
use strata_record::RecordError;

/// Why a connection failed. Every variant says which alert was sent or received, so that
/// a log line tells both what happened and what the peer was told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The handshake failed on our side; `alert` was sent to the peer.
    #[error("handshake failed: {source}; sent {alert}")]
    Handshake {
        /// What went wrong.
        source: HandshakeError,
        /// The alert sent.
        alert: AlertDescription,
    },
    /// A record could not be read or protected; `alert` was sent to the peer.
    #[error("record layer: {source}; sent {alert}")]
    Record {
        /// What went wrong.
        source: RecordError,
        /// The alert sent.
        alert: AlertDescription,
    },
    /// The peer sent something that is not allowed at this point; `alert` was sent.
    #[error("{reason}; sent {alert}")]
    PeerMisbehaved {
        /// What the peer did.
        reason: &'static str,
        /// The alert sent.
        alert: AlertDescription,
    },
    /// The peer ended the connection with a fatal alert.
    #[error("peer sent fatal alert {0}")]
    AlertReceived(AlertDescription),
    /// The configuration cannot work (no suites for the versions, a bad key, …).
    #[error("configuration: {0}")]
    Config(String),
    /// A certificate or key could not be loaded or used.
    #[error("certificate or key: {0}")]
    Pki(#[from] PkiError),
    /// The randomness source failed.
    #[error("randomness source failed")]
    Random,
    /// The connection already failed with an earlier error; nothing more is processed.
    #[error("connection already failed: {0}")]
    AlreadyFailed(Box<Error>),
    /// The application used the API out of turn (an answer with no request, writing after
    /// close, …).
    #[error("API misuse: {0}")]
    Misuse(&'static str),
}

impl Error {
    /// The alert this error sent to the peer, if it sent one.
    pub fn alert_sent(&self) -> Option<AlertDescription> {
        match self {
            Self::Handshake { alert, .. }
            | Self::Record { alert, .. }
            | Self::PeerMisbehaved { alert, .. } => Some(*alert),
            Self::AlreadyFailed(inner) => inner.alert_sent(),
            _ => None,
        }
    }

    /// The fatal alert the peer sent, if that is how the connection ended.
    pub fn alert_received(&self) -> Option<AlertDescription> {
        match self {
            Self::AlertReceived(alert) => Some(*alert),
            Self::AlreadyFailed(inner) => inner.alert_received(),
            _ => None,
        }
    }
}
