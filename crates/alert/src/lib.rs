//! TLS alert and change_cipher_spec messages.
//!
//! - [`Alert`]: an [`AlertLevel`] and an [`AlertDescription`] (RFC 8446 §6, RFC 5246
//!   §7.2), exactly two bytes on the wire; [`Alert::is_fatal_tls13`] and
//!   [`Alert::is_fatal_tls12`] say whether a received alert ends the connection under
//!   each version's rules.
//! - [`ChangeCipherSpec`]: the single byte 1 (RFC 5246 §7.1); TLS 1.3 keeps it only for
//!   middlebox compatibility (RFC 8446 §5, Appendix D.4).
//! - [`AlertError`]: why an alert or change_cipher_spec record was refused, and the alert
//!   to answer it with.
//!
//! The crate depends on strata-codec alone, so a fuzzer or a monitor can take it by itself.
//!
//! ```
//! use strata_alert::{Alert, AlertDescription, AlertLevel, ChangeCipherSpec};
//! use strata_codec::Encode;
//!
//! let alert = Alert::parse_record(&[2, 40])?;
//! assert_eq!(alert, Alert::fatal(AlertDescription::HandshakeFailure));
//! assert_eq!(alert.to_string(), "fatal alert handshake_failure");
//! assert!(alert.is_fatal_tls13());
//! assert_eq!(&Alert::close_notify().to_bytes()[..], &[1, 0]);
//!
//! assert_eq!(ChangeCipherSpec::parse_record(&[1])?, ChangeCipherSpec);
//! let err = ChangeCipherSpec::parse_record(&[2]).unwrap_err();
//! assert_eq!(err.alert_tls13(), AlertDescription::UnexpectedMessage);
//! # Ok::<(), strata_alert::AlertError>(())
//! ```
#![forbid(unsafe_code)]

mod alert;
mod ccs;
mod description;
mod error;

pub use alert::{Alert, AlertLevel};
pub use ccs::ChangeCipherSpec;
pub use description::AlertDescription;
pub use error::AlertError;
