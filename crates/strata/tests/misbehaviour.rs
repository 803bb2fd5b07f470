//! A peer that breaks the record and handshake rules of RFC 8446 §4–§6 and RFC 5246 §6, §7
//! is refused with the alert the RFC names, whole connection by whole connection: the
//! hostile peer is a real strata connection whose bytes are rewritten, or records sealed
//! by hand with the secrets its key log gives away. Each test names the rule it checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use bytes::BytesMut;
use common::*;
use strata::{Connection, Error, TlsVersion};
use strata_alert::AlertDescription as Alert;
use strata_codec::Encode;
use strata_handshake::key_schedule::tls12::key_block;
use strata_handshake::key_schedule::tls13::traffic_keys;
use strata_handshake::messages::{HandshakeMessage, KeyUpdateRequest};
use strata_handshake::suites::{TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256, TLS13_AES_128_GCM_SHA256};
use strata_handshake::{Extension, ExtensionType, HashAlgorithm, Secret, TrafficKeys};
use strata_record::{AeadAlgorithm, ContentType, Sealer};
use strata_testdata::pki::KeyKind;

const HANDSHAKE: u8 = 22;
const ALERT: u8 = 21;
const CCS: u8 = 20;
const APPLICATION_DATA: u8 = 23;

/// A record as it crosses: type, legacy version 0x0303, length, payload.
fn record(ty: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).unwrap().to_be_bytes();
    [&[ty, 3, 3, len[0], len[1]][..], payload].concat()
}

/// Splits a byte stream into its records' types and payloads.
fn records(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        out.push((bytes[0], bytes[5..5 + len].to_vec()));
        bytes = &bytes[5 + len..];
    }
    assert!(bytes.is_empty(), "whole records");
    out
}

/// The first handshake message of a record's payload (header and body).
fn first_message(payload: &[u8]) -> &[u8] {
    let len =
        usize::from(payload[1]) << 16 | usize::from(payload[2]) << 8 | usize::from(payload[3]);
    &payload[..4 + len]
}

fn drain(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

fn feed(conn: &mut Connection, bytes: &[u8]) -> Result<(), Error> {
    let mut rd = bytes;
    while !rd.is_empty() {
        if conn.read_tls(&mut rd).unwrap() == 0 {
            break;
        }
        conn.process_new_packets()?;
    }
    Ok(())
}

/// Feeds `bytes`, which `conn` must refuse; returns the alert it sent, after checking that
/// the alert is there to be written and that nothing more is taken.
fn refused(conn: &mut Connection, bytes: &[u8]) -> Alert {
    let err = feed(conn, bytes).expect_err("the connection must refuse this");
    let alert = err
        .alert_sent()
        .unwrap_or_else(|| panic!("no alert sent: {err}"));
    let out = drain(conn);
    // The alert goes out last: unprotected before keys ([2, alert]), else sealed (an
    // application_data record in TLS 1.3, an alert record in TLS 1.2).
    let (ty, payload) = records(&out).pop().expect("the alert record is written");
    assert!(ty == ALERT || ty == APPLICATION_DATA, "record type {ty}");
    if payload.len() == 2 {
        assert_eq!(payload, [2, u8::from(alert)], "a fatal alert");
    }
    assert!(matches!(
        conn.process_new_packets(),
        Err(Error::AlreadyFailed(_))
    ));
    alert
}

/// A client and server of `version` (AES-128-GCM, so the tests can seal with the secrets)
/// and the client's key log.
fn pair_of(
    version: TlsVersion,
) -> (
    strata::ClientConnection,
    strata::ServerConnection,
    Arc<Lines>,
) {
    let pki = Pki::new();
    let log = Arc::new(Lines::default());
    let suite = match version {
        TlsVersion::Tls13 => TLS13_AES_128_GCM_SHA256,
        TlsVersion::Tls12 => TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256,
    };
    let client = pki
        .client()
        .versions(&[version])
        .suites(&[suite])
        .key_log(log.clone())
        .build()
        .unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .versions(&[version])
        .tickets(0, 0)
        .build()
        .unwrap();
    let (c, s) = pair(client, server);
    (c, s, log)
}

/// TLS 1.3 record protection from a logged traffic secret.
fn tls13_keys(log: &Lines, label: &str) -> TrafficKeys {
    let secret = Secret::from_slice(&log.secret(label)).unwrap();
    traffic_keys(HashAlgorithm::Sha256, AeadAlgorithm::Aes128Gcm, &secret)
}

fn tls13_sealer(log: &Lines, label: &str) -> Sealer {
    let keys = tls13_keys(log, label);
    Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, keys.key(), keys.iv()).unwrap()
}

fn seal(sealer: &mut Sealer, ty: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    sealer.seal(ty, payload, &mut out).unwrap();
    out.to_vec()
}

/// A TLS 1.3 record whose TLSInnerPlaintext (content, type, padding: RFC 8446 §5.2) is
/// `inner` as given, sealed by hand at sequence number `seq`: what no honest sealer writes.
fn raw_tls13_record(keys: &TrafficKeys, seq: u64, inner: &[u8]) -> Vec<u8> {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, keys.key()).unwrap());
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(keys.iv());
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let len = u16::try_from(inner.len() + 16).unwrap().to_be_bytes();
    let header = [APPLICATION_DATA, 3, 3, len[0], len[1]];
    let mut body = inner.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(header),
        &mut body,
    )
    .unwrap();
    [&header[..], &body].concat()
}

/// A handshake message re-encoded after `edit`, as one plaintext record.
fn edited(
    payload: &[u8],
    version: TlsVersion,
    edit: impl FnOnce(&mut HandshakeMessage<'static>),
) -> Vec<u8> {
    let mut message = HandshakeMessage::decode(payload, version)
        .unwrap()
        .into_owned();
    edit(&mut message);
    let mut out = BytesMut::new();
    message.encode(&mut out);
    record(HANDSHAKE, &out)
}

fn unknown_extension() -> Extension<'static> {
    Extension::Unknown {
        ty: ExtensionType::Unknown(0xfe42),
        data: b"?".to_vec().into(),
    }
}

// ---- RFC 8446 §5 / RFC 5246 §6: record types -------------------------------------------

#[test]
fn a_record_of_an_unknown_type_is_unexpected_message() {
    // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST
    // terminate the connection with an "unexpected_message" alert."
    let (_, mut s, _) = pair_of(TlsVersion::Tls13);
    assert_eq!(
        refused(&mut s, &record(99, b"what")),
        Alert::UnexpectedMessage
    );
}

#[test]
fn application_data_before_the_handshake_is_unexpected_message() {
    // RFC 8446 §5 / RFC 5246 §7.2.2: no application data before the keys exist.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut c, mut s, _) = pair_of(version);
        assert_eq!(
            refused(&mut s, &record(APPLICATION_DATA, b"early")),
            Alert::UnexpectedMessage
        );
        // And on the client, in place of the ServerHello.
        drain(&mut c);
        assert_eq!(
            refused(&mut c, &record(APPLICATION_DATA, b"early")),
            Alert::UnexpectedMessage,
            "{version:?}"
        );
    }
}

// ---- RFC 8446 §5.1: handshake messages and other records ----------------------------

#[test]
fn an_alert_or_change_cipher_spec_between_the_fragments_of_a_handshake_message_is_unexpected_message(
) {
    // RFC 8446 §5.1: "if a handshake message is split over two or more records, there
    // MUST NOT be any other records between them."
    for between in [record(ALERT, &[1, 90]), record(CCS, &[1])] {
        let (mut c, mut s, _) = pair_of(TlsVersion::Tls13);
        let hello = records(&drain(&mut c)).remove(0).1;
        let (first, second) = hello.split_at(hello.len() / 2);
        feed(&mut s, &record(HANDSHAKE, first)).unwrap();
        let bytes = [between.clone(), record(HANDSHAKE, second)].concat();
        assert_eq!(
            refused(&mut s, &bytes),
            Alert::UnexpectedMessage,
            "{between:?}"
        );
    }
}

#[test]
fn application_data_between_the_fragments_of_a_post_handshake_message_is_unexpected_message() {
    // RFC 8446 §5.1, after the handshake: a KeyUpdate cut in two with data between.
    let (mut c, mut s, log) = pair_of(TlsVersion::Tls13);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let mut sealer = tls13_sealer(&log, "CLIENT_TRAFFIC_SECRET_0");
    let mut key_update = BytesMut::new();
    HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateNotRequested).encode(&mut key_update);
    let bytes = [
        seal(&mut sealer, ContentType::Handshake, &key_update[..2]),
        seal(&mut sealer, ContentType::ApplicationData, b"between"),
        seal(&mut sealer, ContentType::Handshake, &key_update[2..]),
    ]
    .concat();
    assert_eq!(refused(&mut s, &bytes), Alert::UnexpectedMessage);
}

#[test]
fn a_handshake_message_across_a_key_change_is_unexpected_message() {
    // RFC 8446 §5.1: "Handshake messages MUST NOT span key changes ... [they] MUST align
    // with a record boundary" or unexpected_message: the ClientHello's record also carries
    // the start of the next message, left buffered when the server's read keys change.
    let (mut c, mut s, _) = pair_of(TlsVersion::Tls13);
    let hello = records(&drain(&mut c)).remove(0).1;
    let bytes = record(HANDSHAKE, &[&hello[..], &[20, 0, 0]].concat());
    assert_eq!(refused(&mut s, &bytes), Alert::UnexpectedMessage);

    // RFC 5246 §7.1: in TLS 1.2 the key change is the ChangeCipherSpec; a partial
    // message before it is the same error.
    let (mut c, mut s, _) = pair_of(TlsVersion::Tls12);
    feed(&mut s, &drain(&mut c)).unwrap();
    feed(&mut c, &drain(&mut s)).unwrap();
    let flight = records(&drain(&mut c));
    let ccs_at = flight.iter().position(|(ty, _)| *ty == CCS).unwrap();
    let mut bytes = Vec::new();
    for (ty, payload) in &flight[..ccs_at] {
        bytes.extend(record(*ty, payload));
    }
    bytes.extend(record(HANDSHAKE, &[20, 0]));
    bytes.extend(record(CCS, &[1]));
    assert_eq!(refused(&mut s, &bytes), Alert::UnexpectedMessage);
}

#[test]
fn a_zero_length_handshake_record_is_unexpected_message() {
    // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake
    // types, even if those fragments contain padding." Plaintext, and protected.
    let (_, mut s, _) = pair_of(TlsVersion::Tls13);
    assert_eq!(
        refused(&mut s, &record(HANDSHAKE, b"")),
        Alert::UnexpectedMessage
    );

    let (mut c, mut s, log) = pair_of(TlsVersion::Tls13);
    feed(&mut s, &drain(&mut c)).unwrap();
    feed(&mut c, &drain(&mut s)).unwrap();
    let keys = tls13_keys(&log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let empty_handshake = raw_tls13_record(&keys, 0, &[HANDSHAKE, 0, 0]);
    let bytes = [record(CCS, &[1]), empty_handshake].concat();
    assert_eq!(refused(&mut s, &bytes), Alert::UnexpectedMessage);
}

// ---- RFC 8446 §5, §5.2, §5.4: protected records ---------------------------------------

#[test]
fn change_cipher_spec_after_the_tls13_handshake_is_unexpected_message() {
    // RFC 8446 §5: a change_cipher_spec is dropped only "before the peer's Finished
    // message has been received"; after it, unexpected_message.
    let (mut c, mut s, _) = pair_of(TlsVersion::Tls13);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    assert_eq!(
        refused(&mut s, &record(CCS, &[1])),
        Alert::UnexpectedMessage
    );
}

#[test]
fn a_protected_change_cipher_spec_is_unexpected_message() {
    // RFC 8446 §5: "An implementation which receives ... a protected change_cipher_spec
    // record MUST abort the handshake with an "unexpected_message" alert."
    let (mut c, mut s, log) = pair_of(TlsVersion::Tls13);
    feed(&mut s, &drain(&mut c)).unwrap();
    feed(&mut c, &drain(&mut s)).unwrap();
    let keys = tls13_keys(&log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let bytes = raw_tls13_record(&keys, 0, &[1, CCS]);
    assert_eq!(refused(&mut s, &bytes), Alert::UnexpectedMessage);
}

#[test]
fn plaintext_after_the_keys_changed_is_refused() {
    // RFC 8446 §5.2: once keys are in place every record is protected; a plaintext
    // handshake record in their place is unexpected_message (TLS 1.3) ...
    let (mut c, mut s, _) = pair_of(TlsVersion::Tls13);
    feed(&mut s, &drain(&mut c)).unwrap();
    let finished = record(
        HANDSHAKE,
        &[20, 0, 0, 32]
            .iter()
            .copied()
            .chain([0; 32])
            .collect::<Vec<_>>(),
    );
    assert_eq!(refused(&mut s, &finished), Alert::UnexpectedMessage);

    // ... and in TLS 1.2, after ChangeCipherSpec, a record that does not decrypt
    // (RFC 5246 §6.2.3: bad_record_mac).
    let (mut c, mut s, _) = pair_of(TlsVersion::Tls12);
    feed(&mut s, &drain(&mut c)).unwrap();
    feed(&mut c, &drain(&mut s)).unwrap();
    let flight = records(&drain(&mut c));
    let ccs_at = flight.iter().position(|(ty, _)| *ty == CCS).unwrap();
    let mut bytes = Vec::new();
    for (ty, payload) in &flight[..=ccs_at] {
        bytes.extend(record(*ty, payload));
    }
    bytes.extend(finished);
    assert_eq!(refused(&mut s, &bytes), Alert::BadRecordMac);
}

#[test]
fn an_inner_plaintext_that_is_all_padding_is_unexpected_message() {
    // RFC 8446 §5.4: "If a receiving implementation does not find a non-zero octet in the
    // cleartext, it MUST terminate the connection with an "unexpected_message" alert."
    let (mut c, mut s, log) = pair_of(TlsVersion::Tls13);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let keys = tls13_keys(&log, "CLIENT_TRAFFIC_SECRET_0");
    let bytes = raw_tls13_record(&keys, 0, &[0; 7]);
    assert_eq!(refused(&mut s, &bytes), Alert::UnexpectedMessage);
}

#[test]
fn records_over_the_size_limits_are_record_overflow() {
    // RFC 8446 §5.1: a plaintext record over 2^14 bytes; §5.2: a protected one over
    // 2^14 + 256, or whose TLSInnerPlaintext is over 2^14 + 1; RFC 5246 §6.2.1 likewise.
    let (_, mut s, _) = pair_of(TlsVersion::Tls13);
    let too_long = vec![1u8; (1 << 14) + 1];
    assert_eq!(
        refused(&mut s, &record(HANDSHAKE, &too_long)),
        Alert::RecordOverflow
    );

    let (mut c, mut s, _) = pair_of(TlsVersion::Tls13);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let ciphertext = vec![0u8; (1 << 14) + 257];
    assert_eq!(
        refused(&mut s, &record(APPLICATION_DATA, &ciphertext)),
        Alert::RecordOverflow
    );

    let (mut c, mut s, log) = pair_of(TlsVersion::Tls13);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let keys = tls13_keys(&log, "CLIENT_TRAFFIC_SECRET_0");
    let mut inner = vec![b'x'; (1 << 14) + 1];
    inner.push(APPLICATION_DATA);
    let bytes = raw_tls13_record(&keys, 0, &inner);
    assert_eq!(refused(&mut s, &bytes), Alert::RecordOverflow);

    let (mut c, mut s, _) = pair_of(TlsVersion::Tls12);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    assert_eq!(
        refused(&mut s, &record(APPLICATION_DATA, &ciphertext)),
        Alert::RecordOverflow
    );
}

#[test]
fn a_handshake_message_over_the_limit_is_decode_error() {
    // strata::Limits::max_handshake_message_len: the declared length is refused from the
    // message header, before the body is buffered.
    let pki = Pki::new();
    let limits = strata::Limits {
        max_handshake_message_len: 4096,
        ..strata::Limits::default()
    };
    let mut c =
        strata::ClientConnection::new(pki.client().build().unwrap(), name("server.example"))
            .unwrap();
    let mut s = strata::ServerConnection::new(
        pki.server(KeyKind::EcdsaP256)
            .limits(limits)
            .build()
            .unwrap(),
    )
    .unwrap();
    let hello = records(&drain(&mut c)).remove(0).1;
    let bytes = edited(&hello, TlsVersion::Tls13, |m| {
        let HandshakeMessage::ClientHello(ch) = m else {
            panic!()
        };
        ch.extensions.0.insert(
            0,
            Extension::Unknown {
                ty: ExtensionType::Unknown(0xfe42),
                data: vec![0; 5000].into(),
            },
        );
    });
    // Only the first record, with the header: the rest never has to arrive.
    let first = &bytes[..5 + 1000];
    let mut first = first.to_vec();
    first[3..5].copy_from_slice(&1000u16.to_be_bytes());
    assert_eq!(refused(&mut s, &first), Alert::DecodeError);
}

// ---- RFC 8446 §4.1.2, RFC 5246 §7.4.1.2 / RFC 5746: a second ClientHello ----------------

#[test]
fn a_second_client_hello_is_refused() {
    // RFC 8446 §4.1.2: a client sends a second ClientHello only in answer to a
    // HelloRetryRequest; after the handshake there is no renegotiation (§4): a ClientHello
    // under the application keys is unexpected_message.
    let (mut c, mut s, log) = pair_of(TlsVersion::Tls13);
    let hello = records(&drain(&mut c)).remove(0).1;
    feed(&mut s, &record(HANDSHAKE, &hello)).unwrap();
    feed(&mut c, &drain(&mut s)).unwrap();
    feed(&mut s, &drain(&mut c)).unwrap();
    feed(&mut c, &drain(&mut s)).unwrap();
    assert!(!s.is_handshaking() && !c.is_handshaking());
    let mut sealer = tls13_sealer(&log, "CLIENT_TRAFFIC_SECRET_0");
    assert_eq!(
        refused(&mut s, &seal(&mut sealer, ContentType::Handshake, &hello)),
        Alert::UnexpectedMessage
    );

    // RFC 5246 §7.4.1.1, RFC 5746 §4.4: strata refuses renegotiation; a TLS 1.2 server
    // that gets a ClientHello after the handshake ends the connection with a fatal
    // handshake_failure (strata-handshake's tls12/server.rs says why it is fatal).
    let (mut c, mut s, log) = pair_of(TlsVersion::Tls12);
    let hello = records(&drain(&mut c)).remove(0).1;
    feed(&mut s, &record(HANDSHAKE, &hello)).unwrap();
    let server_flight = drain(&mut s);
    let server_hello = first_message(&records(&server_flight)[0].1).to_vec();
    let Ok(HandshakeMessage::ServerHello(sh)) =
        HandshakeMessage::decode(&server_hello, TlsVersion::Tls12)
    else {
        panic!("a ServerHello first");
    };
    let server_random = sh.random;
    feed(&mut c, &server_flight).unwrap();
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let line = log
        .lines()
        .into_iter()
        .find(|l| l.starts_with("CLIENT_RANDOM"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    let client_random: [u8; 32] = hex::decode(fields[1]).unwrap().try_into().unwrap();
    let master = Secret::from_slice(&hex::decode(fields[2]).unwrap()).unwrap();
    let block = key_block(
        AeadAlgorithm::Aes128Gcm,
        HashAlgorithm::Sha256,
        &master,
        &client_random,
        &server_random,
    )
    .unwrap();
    let mut sealer = Sealer::for_tls12(
        AeadAlgorithm::Aes128Gcm,
        block.client_write.key(),
        block.client_write.iv(),
    )
    .unwrap();
    // The client's Finished went out at sequence number 0.
    seal(&mut sealer, ContentType::Handshake, b"finished");
    assert_eq!(
        refused(&mut s, &seal(&mut sealer, ContentType::Handshake, &hello)),
        Alert::HandshakeFailure
    );
}

// ---- RFC 8446 §4.2, RFC 5246 §7.4.1.4: extensions ---------------------------------------

#[test]
fn a_duplicated_extension_is_illegal_parameter() {
    // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a
    // given extension block." RFC 5246 §7.4.1.4 says the same for TLS 1.2.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut c, mut s, _) = pair_of(version);
        let hello = records(&drain(&mut c)).remove(0).1;
        let bytes = edited(&hello, version, |m| {
            let HandshakeMessage::ClientHello(ch) = m else {
                panic!()
            };
            let again = ch.extensions.0[0].clone();
            ch.extensions.0.insert(1, again);
        });
        assert_eq!(
            refused(&mut s, &bytes),
            Alert::IllegalParameter,
            "{version:?}"
        );
    }
}

#[test]
fn an_unknown_extension_in_client_hello_is_ignored() {
    // RFC 8446 §4.2 / RFC 5246 §7.4.1.4: a server ignores extensions it does not know.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut c, mut s, _) = pair_of(version);
        let hello = records(&drain(&mut c)).remove(0).1;
        let bytes = edited(&hello, version, |m| {
            let HandshakeMessage::ClientHello(ch) = m else {
                panic!()
            };
            ch.extensions.0.insert(0, unknown_extension());
        });
        feed(&mut s, &bytes).unwrap();
        let answer = records(&drain(&mut s));
        assert_eq!(answer[0].0, HANDSHAKE, "{version:?}: the server answers");
        assert_eq!(answer[0].1[0], 2, "{version:?}: with a ServerHello");
    }
}

#[test]
fn an_extension_the_client_did_not_offer_is_unsupported_extension() {
    // RFC 8446 §4.2: "Upon receiving such an extension [one not requested], an endpoint
    // MUST abort the handshake with an "unsupported_extension" alert." RFC 5246 §7.4.1.4.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut c, mut s, _) = pair_of(version);
        feed(&mut s, &drain(&mut c)).unwrap();
        let flight = records(&drain(&mut s));
        let bytes = edited(first_message(&flight[0].1), version, |m| {
            let HandshakeMessage::ServerHello(sh) = m else {
                panic!()
            };
            sh.extensions.0.push(unknown_extension());
        });
        assert_eq!(
            refused(&mut c, &bytes),
            Alert::UnsupportedExtension,
            "{version:?}"
        );
    }
}

#[test]
fn a_known_extension_in_a_message_that_may_not_carry_it_is_illegal_parameter() {
    // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and
    // which is not specified for the message in which it appears, it MUST abort the
    // handshake with an "illegal_parameter" alert": server_name belongs in
    // EncryptedExtensions, not in ServerHello.
    let (mut c, mut s, _) = pair_of(TlsVersion::Tls13);
    feed(&mut s, &drain(&mut c)).unwrap();
    let flight = records(&drain(&mut s));
    let bytes = edited(first_message(&flight[0].1), TlsVersion::Tls13, |m| {
        let HandshakeMessage::ServerHello(sh) = m else {
            panic!()
        };
        sh.extensions.0.push(Extension::ServerNameAck);
    });
    assert_eq!(refused(&mut c, &bytes), Alert::IllegalParameter);
}

// ---- RFC 8446 §6.1, RFC 5246 §7.2.1: closure --------------------------------------------

#[test]
fn close_notify_delivers_what_came_before_it_and_ignores_what_follows() {
    // RFC 8446 §6.1: "Any data received after a closure alert has been received MUST be
    // ignored"; what came before it, in the same flight too, is delivered.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut c, mut s, log) = pair_of(version);
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        c.write_plaintext(b"last words").unwrap();
        c.send_close_notify();
        let mut flight = drain(&mut c);
        if version == TlsVersion::Tls13 {
            // Data sealed after the close_notify (sequence numbers 0 and 1 are taken).
            let mut sealer = tls13_sealer(&log, "CLIENT_TRAFFIC_SECRET_0");
            seal(&mut sealer, ContentType::ApplicationData, b"0");
            seal(&mut sealer, ContentType::ApplicationData, b"1");
            flight.extend(seal(&mut sealer, ContentType::ApplicationData, b"after"));
        }
        feed(&mut s, &flight).unwrap();
        let mut buf = [0u8; 64];
        let n = s.read_plaintext(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"last words", "{version:?}");
        assert_eq!(
            s.read_plaintext(&mut buf).unwrap(),
            0,
            "{version:?}: a clean end"
        );
        assert!(s.received_close_notify());
    }
}

#[test]
fn a_transport_that_ends_without_close_notify_is_truncation() {
    // RFC 8446 §6.1 / RFC 5246 §7.2.1: without close_notify the end of the stream may be
    // an attacker's cut; it is never reported as a clean end, even after data.
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (mut c, mut s, _) = pair_of(version);
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        c.write_plaintext(b"cut short").unwrap();
        feed(&mut s, &drain(&mut c)).unwrap();
        assert_eq!(s.read_tls(&mut &[][..]).unwrap(), 0);
        s.process_new_packets().unwrap();
        let mut buf = [0u8; 64];
        let n = s.read_plaintext(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"cut short", "{version:?}");
        let err = s.read_plaintext(&mut buf).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{version:?}");
    }
}
