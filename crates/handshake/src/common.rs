//! What the TLS 1.2 and TLS 1.3 state machines share: the errors they raise, message
//! plumbing, signature checks against the peer's end-entity certificate, and the choice of
//! a certificate and scheme to sign with.

use std::sync::Arc;

use bytes::BytesMut;
use strata_alert::AlertDescription;
use strata_codec::{put_length_prefixed, Encode, LengthPrefix};
use strata_pki::pki_types::CertificateDer;
use strata_pki::{CertifiedKey, KeyType, SignatureScheme, TlsVersion};

use crate::key_schedule::transcript::TranscriptHash;
use crate::machine::{Action, ClientAuthPolicy, KeyLogEntry};
use crate::messages::{ClientHello, DigitallySigned, HandshakeMessage, RawMessage};
use crate::{HandshakeError, HandshakeType, Secret, Transcript};

/// Which end of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// A machine's state enum, whose `Poisoned` state is what the machine holds while a step
/// runs and for good once a step failed.
pub(crate) trait MachineState: Sized {
    /// The `Poisoned` state.
    const POISONED: Self;
    /// Whether this is it.
    fn is_poisoned(&self) -> bool;
}

/// Runs one step of a machine whose state `slot` gives: takes the state out (leaving it
/// poisoned), runs `step` on it and keeps the state it returns. An error leaves the
/// machine dead and `out` as it was; a dead machine takes nothing more.
pub(crate) fn advance<M, S: MachineState>(
    machine: &mut M,
    slot: fn(&mut M) -> &mut S,
    out: &mut Vec<Action>,
    step: impl FnOnce(&mut M, S, &mut Vec<Action>) -> Result<S, HandshakeError>,
) -> Result<(), HandshakeError> {
    let state = core::mem::replace(slot(machine), S::POISONED);
    if state.is_poisoned() {
        return Err(HandshakeError::Internal(
            "the handshake already failed; the connection is dead",
        ));
    }
    let before = out.len();
    match step(machine, state, out) {
        Ok(next) => {
            *slot(machine) = next;
            Ok(())
        }
        Err(err) => {
            out.truncate(before);
            Err(err)
        }
    }
}

/// The last 8 bytes of a TLS 1.2 ServerHello.random from a TLS 1.3 server (RFC 8446 §4.1.3).
pub(crate) const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
/// The same for TLS 1.1 and below (RFC 8446 §4.1.3).
pub(crate) const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// Whether a ServerHello.random ends in either downgrade sentinel (RFC 8446 §4.1.3).
pub(crate) fn has_downgrade_sentinel(random: &[u8; 32]) -> bool {
    let tail = random.last_chunk::<8>();
    tail == Some(&DOWNGRADE_TLS12) || tail == Some(&DOWNGRADE_TLS11)
}

/// A negotiation failure or protocol violation, with the alert the RFC names.
pub(crate) fn refuse(alert: AlertDescription, reason: &'static str) -> HandshakeError {
    HandshakeError::Refused { alert, reason }
}

/// A message the state `state` does not take (unexpected_message: RFC 8446 §6.2,
/// RFC 5246 §7.2.2).
pub(crate) fn unexpected(got: HandshakeType, state: &'static str) -> HandshakeError {
    HandshakeError::UnexpectedMessage { got, state }
}

/// Fails with unexpected_message unless `raw` is of type `ty`, before its body is parsed.
pub(crate) fn expect(
    raw: &RawMessage<'_>,
    ty: HandshakeType,
    state: &'static str,
) -> Result<(), HandshakeError> {
    if raw.ty == ty {
        Ok(())
    } else {
        Err(unexpected(raw.ty, state))
    }
}

/// A message decoded as a type other than the one its header promised: impossible.
pub(crate) fn misparsed() -> HandshakeError {
    HandshakeError::Internal("a message parsed as another type than its header says")
}

/// Room for the header and the body of a handshake message other than a Certificate: the
/// largest of them (a ClientHello with every extension) fits, so encoding one is a single
/// allocation.
const MESSAGE_CAPACITY: usize = 512;

/// The encoding of a message, header included, in a buffer allocated once (sized for
/// the message, certificates counted, and handed over without a copy).
pub(crate) fn encode(message: &HandshakeMessage<'_>) -> BytesMut {
    encode_with(
        message.ty(),
        MESSAGE_CAPACITY + certificate_room(message),
        |out| message.encode_body(out),
    )
}

/// The room a Certificate message's chain takes (its DER plus a few length prefixes per
/// entry); 0 for other messages.
fn certificate_room(message: &HandshakeMessage<'_>) -> usize {
    match message {
        HandshakeMessage::Certificate(m) => m
            .entries
            .iter()
            .map(|e| e.cert_data.len() + CERTIFICATE_ENTRY_OVERHEAD)
            .sum(),
        HandshakeMessage::CertificateTls12(m) => m
            .chain
            .iter()
            .map(|c| c.len() + CERTIFICATE_ENTRY_OVERHEAD)
            .sum(),
        _ => 0,
    }
}

/// Room the buffer of a flight starts with: a TLS 1.3 server's EncryptedExtensions to
/// Certificate, or a TLS 1.2 server's ServerHello and Certificate, with a short chain (a
/// longer one grows it once).
const FLIGHT_CAPACITY: usize = 2048;

/// Encodes `message`, header included, onto the flight in `out` and returns its
/// encoding, for the transcript. If the last action is a [`Action::Send`] the message is
/// appended to it: nothing came between them, so they go under the same write keys, and
/// one record may carry several messages (RFC 8446 §5.1, RFC 5246 §6.2.1). A flight then
/// takes one buffer, not one per message.
pub(crate) fn send<'o>(out: &'o mut Vec<Action>, message: &HandshakeMessage<'_>) -> &'o [u8] {
    let room = certificate_room(message);
    let mut flight = match out.last_mut() {
        Some(Action::Send(flight)) => std::mem::take(flight),
        _ => BytesMut::with_capacity(FLIGHT_CAPACITY + room),
    };
    let start = flight.len();
    flight.reserve(room);
    message.ty().encode(&mut flight);
    put_length_prefixed(&mut flight, LengthPrefix::U24, |body| {
        message.encode_body(body)
    });
    match out.last_mut() {
        Some(Action::Send(slot)) => *slot = flight,
        _ => out.push(Action::Send(flight)),
    }
    match out.last() {
        Some(Action::Send(flight)) => flight.get(start..).unwrap_or_default(),
        _ => &[],
    }
}

/// The encoding of a ClientHello, header included, without moving it into a
/// [`HandshakeMessage`] (the machines keep theirs).
pub(crate) fn encode_client_hello(hello: &ClientHello<'_>) -> BytesMut {
    encode_with(HandshakeType::ClientHello, MESSAGE_CAPACITY, |out| {
        hello.encode(out)
    })
}

/// The header (type and 24-bit length) and the body that `body` writes, in a buffer of
/// `capacity` handed over without a copy.
fn encode_with(ty: HandshakeType, capacity: usize, body: impl FnOnce(&mut BytesMut)) -> BytesMut {
    let mut out = BytesMut::with_capacity(capacity);
    ty.encode(&mut out);
    put_length_prefixed(&mut out, LengthPrefix::U24, body);
    out
}

/// What a certificate entry adds to its DER: its length, a TLS 1.3 entry's extensions and
/// room for a small one (an OCSP response larger than that grows the buffer once).
const CERTIFICATE_ENTRY_OVERHEAD: usize = 64;

/// The transcript hash so far; the hash is always known once a suite is chosen.
pub(crate) fn current_hash(transcript: &Transcript) -> Result<TranscriptHash, HandshakeError> {
    transcript
        .current_hash()
        .ok_or(HandshakeError::Internal("transcript hash not started"))
}

/// A key-log line for `secret`.
pub(crate) fn key_log(label: &'static str, client_random: [u8; 32], secret: &Secret) -> Action {
    Action::KeyLog(KeyLogEntry {
        label,
        client_random,
        secret: secret.clone(),
    })
}

/// The error for an API call that needs a completed handshake.
pub(crate) fn not_connected(what: &'static str) -> HandshakeError {
    HandshakeError::Internal(what)
}

/// Checks a peer's signature over `message` with its end-entity certificate (TLS 1.3
/// CertificateVerify, RFC 8446 §4.4.3; TLS 1.2 ServerKeyExchange and CertificateVerify,
/// RFC 5246 §7.4.3, §7.4.8): the scheme must be one we offered (illegal_parameter), and
/// the signature must verify (decrypt_error).
pub(crate) fn check_signature(
    version: TlsVersion,
    offered: impl Fn(&SignatureScheme) -> bool,
    chain: &[CertificateDer<'static>],
    message: &[u8],
    signed: &DigitallySigned<'_>,
) -> Result<SignatureScheme, HandshakeError> {
    if !offered(&signed.scheme) {
        return Err(refuse(
            AlertDescription::IllegalParameter,
            "the peer signed with a signature scheme that was not offered",
        ));
    }
    let end_entity = chain.first().ok_or(HandshakeError::Internal(
        "a signature to check without a chain",
    ))?;
    strata_pki::verify_tls_signature(
        version,
        end_entity,
        signed.scheme,
        message,
        &signed.signature,
    )
    .map_err(HandshakeError::Certificate)?;
    Ok(signed.scheme)
}

/// A CertificateVerify message (RFC 8446 §4.4.3, RFC 5246 §7.4.8).
pub(crate) fn certificate_verify_message(
    scheme: SignatureScheme,
    signature: Vec<u8>,
) -> HandshakeMessage<'static> {
    HandshakeMessage::CertificateVerify(DigitallySigned {
        scheme,
        signature: std::borrow::Cow::Owned(signature),
    })
}

/// The server's certificate from the application's answer: none is unrecognized_name
/// when the client asked for a name (RFC 6066 §3), else handshake_failure.
pub(crate) fn server_certificate(
    certified: Option<Arc<CertifiedKey>>,
    sni: Option<&str>,
) -> Result<Arc<CertifiedKey>, HandshakeError> {
    let certified = certified.ok_or(if sni.is_some() {
        refuse(
            AlertDescription::UnrecognizedName,
            "no certificate for the name the client asked for",
        )
    } else {
        refuse(
            AlertDescription::HandshakeFailure,
            "no certificate to present",
        )
    })?;
    if certified.chain().is_empty() {
        return Err(HandshakeError::Internal(
            "the chosen certificate chain is empty",
        ));
    }
    Ok(certified)
}

/// The client's certificate and the scheme to sign with, from the application's answer to
/// a CertificateRequest: the key must have a scheme the server accepts under `version`
/// and be of a kind `fits` allows (TLS 1.2 certificate_types, RFC 5246 §7.4.4); otherwise
/// the client answers with an empty Certificate.
pub(crate) fn client_signing_key(
    certified: Option<Arc<CertifiedKey>>,
    accepted: &[SignatureScheme],
    version: TlsVersion,
    fits: impl Fn(KeyType) -> bool,
) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
    let certified = certified?;
    if certified.chain().is_empty() || !fits(certified.key().key_type()) {
        return None;
    }
    let scheme = certified.key().choose_scheme(accepted, version)?;
    Some((certified, scheme))
}

/// Whether the server asks for a client certificate: `Some((required, authorities))`.
pub(crate) fn client_auth(policy: &ClientAuthPolicy) -> Option<(bool, &[Vec<u8>])> {
    match policy {
        ClientAuthPolicy::Off => None,
        ClientAuthPolicy::Optional { authorities } => Some((false, authorities)),
        ClientAuthPolicy::Required { authorities } => Some((true, authorities)),
    }
}

/// Compares a received Finished verify_data with the expected one in constant time
/// (RFC 8446 §4.4.4, RFC 5246 §7.4.9: decrypt_error).
pub(crate) fn check_verify_data(expected: &Secret, received: &[u8]) -> Result<(), HandshakeError> {
    if expected.ct_eq(received) {
        Ok(())
    } else {
        Err(refuse(
            AlertDescription::DecryptError,
            "the peer's Finished does not verify",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{split_messages, Finished};

    /// Messages with nothing between them share one Send, each encoded as `encode` would;
    /// another action starts a new one (a key change must not be crossed, RFC 8446 §5.1).
    #[test]
    fn a_flight_shares_one_send_until_another_action() {
        let finished = |byte: u8| {
            HandshakeMessage::Finished(Finished {
                verify_data: std::borrow::Cow::Owned(vec![byte; 32]),
            })
        };
        let mut out = Vec::new();
        assert_eq!(
            send(&mut out, &HandshakeMessage::ServerHelloDone),
            &encode(&HandshakeMessage::ServerHelloDone)[..]
        );
        assert_eq!(send(&mut out, &finished(1)), &encode(&finished(1))[..]);
        out.push(Action::SendChangeCipherSpec);
        send(&mut out, &finished(2));
        let flights: Vec<Vec<Vec<u8>>> = out
            .iter()
            .filter_map(|a| match a {
                Action::Send(flight) => Some(split_messages(flight).map(<[u8]>::to_vec).collect()),
                _ => None,
            })
            .collect();
        assert_eq!(
            flights,
            [
                vec![
                    encode(&HandshakeMessage::ServerHelloDone).to_vec(),
                    encode(&finished(1)).to_vec()
                ],
                vec![encode(&finished(2)).to_vec()],
            ]
        );
        // A truncated tail ends the split.
        let mut bytes = encode(&finished(3)).to_vec();
        bytes.extend_from_slice(&[20, 0, 0, 32, 1]);
        assert_eq!(split_messages(&bytes).count(), 1);
    }

    #[test]
    fn downgrade_sentinels_are_the_rfc_bytes() {
        assert_eq!(
            DOWNGRADE_TLS12,
            [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]
        );
        assert_eq!(
            DOWNGRADE_TLS11,
            [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]
        );
        let mut random = [7; 32];
        assert!(!has_downgrade_sentinel(&random));
        random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        assert!(has_downgrade_sentinel(&random));
        random[24..].copy_from_slice(&DOWNGRADE_TLS11);
        assert!(has_downgrade_sentinel(&random));
    }
}
