//! The TLS 1.3 client and server state machines (RFC 8446 §4, Appendix A), sans-IO.
//!
//! [`Tls13Client`] and [`Tls13Server`] implement [`StateMachine`](crate::machine::StateMachine):
//! they take whole handshake messages, ChangeCipherSpec records and answers, and give back
//! messages to send, key changes, requests, events and key-log lines. Each state is an enum
//! variant that carries exactly what the state needs; an error leaves the machine dead.
//!
//! This module holds what both sides share: the CertificateVerify content (§4.4.3),
//! Finished (§4.4.4), the certificate messages (§4.4.2) and the post-handshake traffic
//! state (KeyUpdate §4.6.3, exporters §7.5).

use std::borrow::Cow;

use strata_alert::AlertDescription;
use strata_pki::pki_types::CertificateDer;
use strata_pki::{SignatureScheme, TlsVersion};

use crate::key_schedule::tls13::{self, next_traffic_secret, traffic_keys, HandshakeTrafficSecret};
use crate::key_schedule::transcript::TranscriptHash;
use crate::limits::ChainLimits;
use crate::machine::{Action, Event, KeyChange, PeerChain};
use crate::messages::{
    CertificateEntry, CertificateTls13, DigitallySigned, Finished, HandshakeMessage,
    KeyUpdateRequest, RawMessage,
};
use crate::suites::SupportedSuite;
use crate::{Extensions, HandshakeError, Secret, Transcript};

mod client;
mod server;

pub(crate) use crate::common::{
    certificate_verify_message, check_signature, check_verify_data, current_hash, expect, key_log,
    misparsed, not_connected, refuse, send, unexpected, Side,
};

pub(crate) use client::first_client_hello;
pub use client::Tls13Client;
pub use server::Tls13Server;

/// The key-log labels of the NSS format for TLS 1.3.
pub(crate) mod label {
    pub const CLIENT_HANDSHAKE: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    pub const SERVER_HANDSHAKE: &str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    pub const CLIENT_TRAFFIC_0: &str = "CLIENT_TRAFFIC_SECRET_0";
    pub const SERVER_TRAFFIC_0: &str = "SERVER_TRAFFIC_SECRET_0";
    pub const EXPORTER: &str = "EXPORTER_SECRET";
}

/// Parses a message in its TLS 1.3 form.
pub(crate) fn decode<'a>(raw: RawMessage<'a>) -> Result<HandshakeMessage<'a>, HandshakeError> {
    HandshakeMessage::decode_raw(raw, TlsVersion::Tls13)
}

/// Record protection for `secret` under `suite` (RFC 8446 §7.3).
pub(crate) fn key_change(suite: &SupportedSuite, secret: &Secret) -> KeyChange {
    KeyChange {
        version: TlsVersion::Tls13,
        keys: traffic_keys(suite.hash, suite.aead, secret),
    }
}

/// Record protection for a handshake traffic secret under `suite` (RFC 8446 §7.3).
pub(crate) fn handshake_key_change(
    suite: &SupportedSuite,
    secret: &HandshakeTrafficSecret,
) -> KeyChange {
    KeyChange {
        version: TlsVersion::Tls13,
        keys: secret.traffic_keys(suite.aead),
    }
}

/// The most bytes a CertificateVerify signs: 64 spaces, a 33-byte context string, a zero
/// byte and a transcript hash of at most 64 bytes.
const CV_CONTENT_MAX: usize = 64 + 33 + 1 + 64;

/// What a CertificateVerify signs (RFC 8446 §4.4.3), held on the stack.
pub(crate) struct CertificateVerifyContent {
    bytes: [u8; CV_CONTENT_MAX],
    len: usize,
}

impl core::ops::Deref for CertificateVerifyContent {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// What a CertificateVerify signs: 64 spaces, the context string, a zero byte and the
/// transcript hash (RFC 8446 §4.4.3).
pub(crate) fn certificate_verify_content(
    signer: Side,
    transcript: &TranscriptHash,
) -> CertificateVerifyContent {
    let context: &[u8] = match signer {
        Side::Server => b"TLS 1.3, server CertificateVerify",
        Side::Client => b"TLS 1.3, client CertificateVerify",
    };
    let mut content = CertificateVerifyContent {
        bytes: [0x20; CV_CONTENT_MAX],
        len: 64,
    };
    let tail = context.iter().chain(&[0]).chain(transcript.as_bytes());
    for (slot, byte) in content.bytes.iter_mut().skip(64).zip(tail) {
        *slot = *byte;
        content.len += 1;
    }
    content
}

/// Checks the peer's CertificateVerify (RFC 8446 §4.4.3): the scheme must be one we
/// offered (illegal_parameter), and the signature must verify (decrypt_error).
pub(crate) fn check_certificate_verify(
    offered: impl Fn(&SignatureScheme) -> bool,
    chain: &[CertificateDer<'static>],
    signer: Side,
    transcript: &TranscriptHash,
    verify: &DigitallySigned<'_>,
) -> Result<SignatureScheme, HandshakeError> {
    let content = certificate_verify_content(signer, transcript);
    check_signature(TlsVersion::Tls13, offered, chain, &content, verify)
}

/// A Certificate message with `chain` and `context` (RFC 8446 §4.4.2); an empty chain for
/// a client without a certificate.
pub(crate) fn certificate_message<'a>(
    context: &'a [u8],
    chain: &'a [CertificateDer<'static>],
) -> HandshakeMessage<'a> {
    HandshakeMessage::Certificate(CertificateTls13 {
        context: Cow::Borrowed(context),
        entries: chain
            .iter()
            .map(|cert| CertificateEntry {
                cert_data: Cow::Borrowed(cert.as_ref()),
                extensions: Extensions::default(),
            })
            .collect(),
    })
}

/// The chain of a peer's Certificate (RFC 8446 §4.4.2): the context must be the one
/// expected (illegal_parameter), and no entry may carry an extension, since strata
/// requests none (unsupported_extension). The chain may be empty; the caller decides.
pub(crate) fn peer_chain(
    certificate: CertificateTls13<'_>,
    expected_context: &[u8],
    limits: &ChainLimits,
) -> Result<PeerChain, HandshakeError> {
    if certificate.context.as_ref() != expected_context {
        return Err(refuse(
            AlertDescription::IllegalParameter,
            "Certificate has the wrong certificate_request_context",
        ));
    }
    limits.check(certificate.entries.iter().map(|e| e.cert_data.len()))?;
    if certificate.entries.iter().any(|e| !e.extensions.is_empty()) {
        return Err(refuse(
            AlertDescription::UnsupportedExtension,
            "CertificateEntry carries an extension that was not requested",
        ));
    }
    Ok(PeerChain::from_exact(certificate.entries.into_iter().map(
        |entry| CertificateDer::from(entry.cert_data.into_owned()),
    )))
}

/// `verify_data` for the Finished keyed by `base_key`, a handshake traffic secret, over
/// the transcript so far (RFC 8446 §4.4.4).
pub(crate) fn finished_verify_data(
    base_key: &HandshakeTrafficSecret,
    transcript: &Transcript,
) -> Result<Secret, HandshakeError> {
    Ok(base_key.verify_data(&current_hash(transcript)?))
}

/// Our Finished message (RFC 8446 §4.4.4), onto the flight in `out`; returns its
/// encoding.
pub(crate) fn send_finished<'o>(
    out: &'o mut Vec<Action>,
    base_key: &HandshakeTrafficSecret,
    transcript: &Transcript,
) -> Result<&'o [u8], HandshakeError> {
    let verify_data = finished_verify_data(base_key, transcript)?;
    Ok(send(
        out,
        &HandshakeMessage::Finished(Finished {
            verify_data: Cow::Borrowed(verify_data.as_bytes()),
        }),
    ))
}

/// Checks the peer's Finished in constant time (RFC 8446 §4.4.4: decrypt_error).
pub(crate) fn check_finished(
    base_key: &HandshakeTrafficSecret,
    transcript: &Transcript,
    received: &Finished<'_>,
) -> Result<(), HandshakeError> {
    let expected = finished_verify_data(base_key, transcript)?;
    check_verify_data(&expected, &received.verify_data)
}

/// The secrets of an established connection: the current application traffic secrets,
/// the exporter and resumption master secrets (RFC 8446 §7.1, §7.2).
pub(crate) struct Traffic {
    suite: SupportedSuite,
    write: Secret,
    read: Secret,
    exporter: Secret,
    resumption: Secret,
}

impl Traffic {
    /// The traffic state of `side` from the schedule's final secrets.
    pub(crate) fn new(
        side: Side,
        suite: SupportedSuite,
        client_app: Secret,
        server_app: Secret,
        exporter: Secret,
        resumption: Secret,
    ) -> Self {
        let (write, read) = match side {
            Side::Client => (client_app, server_app),
            Side::Server => (server_app, client_app),
        };
        Self {
            suite,
            write,
            read,
            exporter,
            resumption,
        }
    }

    pub(crate) fn suite(&self) -> &SupportedSuite {
        &self.suite
    }

    pub(crate) fn resumption_master_secret(&self) -> &Secret {
        &self.resumption
    }

    /// A received KeyUpdate (RFC 8446 §4.6.3): new read keys, and our own update if asked.
    pub(crate) fn on_key_update(&mut self, request: KeyUpdateRequest, out: &mut Vec<Action>) {
        self.read = next_traffic_secret(self.suite.hash, &self.read);
        out.push(Action::SetReadKeys(key_change(&self.suite, &self.read)));
        out.push(Action::Event(Event::PeerKeyUpdated));
        if request == KeyUpdateRequest::UpdateRequested {
            self.update_write(KeyUpdateRequest::UpdateNotRequested, out);
        }
    }

    /// Sends a KeyUpdate under the current keys, then switches to the next ones
    /// (RFC 8446 §4.6.3).
    pub(crate) fn update_write(&mut self, request: KeyUpdateRequest, out: &mut Vec<Action>) {
        send(out, &HandshakeMessage::KeyUpdate(request));
        self.write = next_traffic_secret(self.suite.hash, &self.write);
        out.push(Action::SetWriteKeys(key_change(&self.suite, &self.write)));
    }

    /// TLS-Exporter (RFC 8446 §7.5); no context and an empty one are the same.
    pub(crate) fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        tls13::export_keying_material(
            self.suite.hash,
            &self.exporter,
            label,
            context.unwrap_or_default(),
            out,
        )
    }
}

impl core::fmt::Debug for Traffic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Traffic")
            .field("suite", &self.suite.suite)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HashAlgorithm;

    #[test]
    fn certificate_verify_content_follows_section_4_4_3() {
        let hash = TranscriptHash::of(HashAlgorithm::Sha256, b"transcript");
        let server = certificate_verify_content(Side::Server, &hash);
        assert_eq!(&server[..64], &[0x20; 64][..]);
        assert_eq!(&server[64..97], b"TLS 1.3, server CertificateVerify");
        assert_eq!(server[97], 0);
        assert_eq!(&server[98..], hash.as_bytes());
        let client = certificate_verify_content(Side::Client, &hash);
        assert_eq!(&client[64..97], b"TLS 1.3, client CertificateVerify");
        assert_eq!(client.len(), 64 + 33 + 1 + 32);
    }

    #[test]
    fn a_peer_chain_past_the_chain_limits_is_bad_certificate() {
        let entry = |len: usize| CertificateEntry {
            cert_data: Cow::Owned(vec![0x30; len]),
            extensions: Extensions(vec![]),
        };
        let chain = |lens: &[usize]| CertificateTls13 {
            context: Cow::Borrowed(b""),
            entries: lens.iter().map(|&l| entry(l)).collect(),
        };
        let limits = ChainLimits {
            max_certificates: 2,
            max_total_len: 100,
        };
        assert_eq!(peer_chain(chain(&[50, 50]), b"", &limits).unwrap().len(), 2);
        for lens in [&[10, 10, 10][..], &[50, 51]] {
            let err = peer_chain(chain(lens), b"", &limits).unwrap_err();
            assert_eq!(err.alert(), AlertDescription::BadCertificate, "{lens:?}");
        }
    }

    #[test]
    fn a_peer_chain_with_extensions_or_a_wrong_context_is_refused() {
        let cert = CertificateTls13 {
            context: Cow::Borrowed(b"x"),
            entries: vec![],
        };
        let err = peer_chain(cert, b"", &ChainLimits::default()).unwrap_err();
        assert_eq!(err.alert(), AlertDescription::IllegalParameter);
        let cert = CertificateTls13 {
            context: Cow::Borrowed(b""),
            entries: vec![CertificateEntry {
                cert_data: Cow::Borrowed(b"der"),
                extensions: Extensions(vec![crate::Extension::StatusRequestAck]),
            }],
        };
        let err = peer_chain(cert, b"", &ChainLimits::default()).unwrap_err();
        assert_eq!(err.alert(), AlertDescription::UnsupportedExtension);
    }
}
