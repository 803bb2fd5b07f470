//! Malformed, misplaced and hostile messages: each a typed error naming what was wrong,
//! with the alert the peer must be sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::borrow::Cow;

use strata_alert::AlertDescription;
use strata_codec::Encode;
use strata_handshake::extensions::{Extension, ExtensionContext, Extensions};
use strata_handshake::messages::{ClientHello, HandshakeMessage, ServerHello, TlsVersion};
use strata_handshake::{CipherSuite, ExtensionType, HandshakeError, HandshakeType, NamedGroup};
use strata_record::ProtocolVersion;

fn hello(extensions: Vec<Extension<'static>>) -> ClientHello<'static> {
    ClientHello {
        legacy_version: ProtocolVersion::Tls12,
        random: [7; 32],
        legacy_session_id: Cow::Owned(vec![1; 32]),
        cipher_suites: vec![CipherSuite::Tls13Aes128GcmSha256].into(),
        legacy_compression_methods: Cow::Owned(vec![0]),
        extensions: Extensions(extensions),
    }
}

fn alert_of(result: Result<impl std::fmt::Debug, HandshakeError>) -> (AlertDescription, String) {
    let err = result.unwrap_err();
    (err.alert(), err.to_string())
}

#[test]
fn a_duplicated_extension_is_illegal_parameter() {
    let bytes = hello(vec![
        Extension::ExtendedMasterSecret,
        Extension::ExtendedMasterSecret,
    ])
    .to_bytes();
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::DuplicateExtension(ExtensionType::ExtendedMasterSecret)
    );
    assert_eq!(err.alert(), AlertDescription::IllegalParameter);
}

#[test]
fn a_duplicated_unknown_extension_is_illegal_parameter_too() {
    let ext = Extension::Unknown {
        ty: ExtensionType::Unknown(0x7777),
        data: Cow::Borrowed(b""),
    };
    let bytes = hello(vec![ext.clone(), Extension::PostHandshakeAuth, ext]).to_bytes();
    assert_eq!(
        alert_of(ClientHello::decode(&bytes)).0,
        AlertDescription::IllegalParameter
    );
}

#[test]
fn pre_shared_key_that_is_not_last_is_illegal_parameter() {
    let psk = Extension::PreSharedKey(strata_handshake::extensions::OfferedPsks {
        identities: vec![strata_handshake::extensions::PskIdentity {
            identity: Cow::Borrowed(b"ticket"),
            obfuscated_ticket_age: 1,
        }],
        binders: vec![Cow::Owned(vec![0; 32])],
    });
    let bytes = hello(vec![psk.clone(), Extension::EarlyData]).to_bytes();
    let (alert, text) = alert_of(ClientHello::decode(&bytes));
    assert_eq!(alert, AlertDescription::IllegalParameter);
    assert!(text.contains("pre_shared_key"), "{text}");
    // Last is fine.
    ClientHello::decode(&hello(vec![Extension::EarlyData, psk]).to_bytes()).unwrap();
}

#[test]
fn an_extension_in_a_message_that_may_not_carry_it_is_illegal_parameter() {
    // key_share in EncryptedExtensions (RFC 8446 §4.2 table).
    let block = Extensions(vec![Extension::KeyShareRequest(NamedGroup::X25519)]).to_bytes();
    let err = Extensions::decode(&block, ExtensionContext::EncryptedExtensions).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::ExtensionNotAllowed {
            extension: ExtensionType::KeyShare,
            message: HandshakeType::EncryptedExtensions
        }
    );
    assert_eq!(err.alert(), AlertDescription::IllegalParameter);
    // psk_key_exchange_modes anywhere but ClientHello.
    let block = Extensions(vec![Extension::PostHandshakeAuth]).to_bytes();
    for context in [
        ExtensionContext::ServerHelloTls13,
        ExtensionContext::CertificateRequest,
        ExtensionContext::NewSessionTicket,
    ] {
        assert!(Extensions::decode(&block, context).is_err(), "{context:?}");
    }
}

#[test]
fn a_tls13_server_hello_may_carry_only_its_three_extensions() {
    let mut sh = ServerHello {
        legacy_version: ProtocolVersion::Tls12,
        random: [9; 32],
        legacy_session_id_echo: Cow::Borrowed(b""),
        cipher_suite: CipherSuite::Tls13Aes128GcmSha256,
        legacy_compression_method: 0,
        extensions: Extensions(vec![
            Extension::SelectedVersion(ProtocolVersion::Tls13),
            Extension::Alpn(vec![Cow::Borrowed(b"h2")]),
        ]),
    };
    let (alert, text) = alert_of(ServerHello::decode(&sh.to_bytes()));
    assert_eq!(alert, AlertDescription::IllegalParameter);
    assert!(
        text.contains("application_layer_protocol_negotiation"),
        "{text}"
    );
    // Without supported_versions it is a TLS 1.2 ServerHello, where ALPN is fine.
    sh.extensions.0.remove(0);
    ServerHello::decode(&sh.to_bytes()).unwrap();
}

#[test]
fn a_hello_retry_request_with_alpn_is_illegal_parameter() {
    let mut bytes = ServerHello {
        legacy_version: ProtocolVersion::Tls12,
        random: strata_handshake::messages::HELLO_RETRY_REQUEST_RANDOM,
        legacy_session_id_echo: Cow::Borrowed(b""),
        cipher_suite: CipherSuite::Tls13Aes128GcmSha256,
        legacy_compression_method: 0,
        extensions: Extensions(vec![Extension::Alpn(vec![Cow::Borrowed(b"h2")])]),
    }
    .to_bytes();
    assert_eq!(
        alert_of(ServerHello::decode(&bytes)).0,
        AlertDescription::IllegalParameter
    );
    bytes.truncate(bytes.len() - 1);
    assert_eq!(
        alert_of(ServerHello::decode(&bytes)).0,
        AlertDescription::DecodeError
    );
}

#[test]
fn length_errors_are_decode_error_and_name_the_field() {
    let good = hello(vec![Extension::ExtendedMasterSecret])
        .to_bytes()
        .to_vec();
    // legacy_session_id of 33 bytes.
    let mut long_sid = good.clone();
    long_sid[34] = 33;
    let (alert, text) = alert_of(ClientHello::decode(&long_sid));
    assert_eq!(alert, AlertDescription::DecodeError);
    assert!(text.contains("legacy_session_id"), "{text}");
    // cipher_suites of odd length.
    let mut odd = good.clone();
    let at = 2 + 32 + 1 + 32;
    odd[at + 1] = 1;
    assert_eq!(
        alert_of(ClientHello::decode(&odd)).0,
        AlertDescription::DecodeError
    );
    // Every truncation, except the one that drops the whole extension block: a hello
    // without extensions is well formed (RFC 5246 §7.4.1.2).
    let without_extensions = good.len() - 6;
    ClientHello::decode(&good[..without_extensions]).unwrap();
    for cut in (0..good.len()).filter(|&cut| cut != without_extensions) {
        let (alert, _) = alert_of(ClientHello::decode(&good[..cut]));
        assert_eq!(alert, AlertDescription::DecodeError, "cut at {cut}");
    }
    // A trailing byte after the extensions.
    let mut trailing = good;
    trailing.push(0);
    assert_eq!(
        alert_of(ClientHello::decode(&trailing)).0,
        AlertDescription::DecodeError
    );
}

#[test]
fn an_extension_body_with_a_wrong_length_names_the_extension() {
    // record_size_limit is a uint16: three bytes are wrong.
    let block = [0, 7, 0, 28, 0, 3, 0x40, 0, 0];
    let (alert, text) = alert_of(Extensions::decode(&block, ExtensionContext::ClientHello));
    assert_eq!(alert, AlertDescription::DecodeError);
    assert!(text.contains("record_size_limit"), "{text}");
    // An empty supported_versions list (versions<2..254>).
    let block = [0, 5, 0, 43, 0, 1, 0];
    assert_eq!(
        alert_of(Extensions::decode(&block, ExtensionContext::ClientHello)).0,
        AlertDescription::DecodeError
    );
    // A server_name acknowledgement must be empty.
    let block = [0, 5, 0, 0, 0, 1, 0];
    assert_eq!(
        alert_of(Extensions::decode(
            &block,
            ExtensionContext::EncryptedExtensions
        ))
        .0,
        AlertDescription::DecodeError
    );
}

#[test]
fn fixed_size_and_empty_messages_refuse_other_lengths() {
    fn decode13(bytes: &[u8]) -> Result<HandshakeMessage<'_>, HandshakeError> {
        HandshakeMessage::decode(bytes, TlsVersion::Tls13)
    }
    fn decode12(bytes: &[u8]) -> Result<HandshakeMessage<'_>, HandshakeError> {
        HandshakeMessage::decode(bytes, TlsVersion::Tls12)
    }
    // KeyUpdate: 2 is illegal_parameter (RFC 8446 §4.6.3), two bytes are decode_error.
    assert_eq!(
        alert_of(decode13(&[24, 0, 0, 1, 2])).0,
        AlertDescription::IllegalParameter
    );
    assert_eq!(
        alert_of(decode13(&[24, 0, 0, 2, 1, 0])).0,
        AlertDescription::DecodeError
    );
    // Empty messages with a body.
    for ty in [0u8, 5, 14] {
        assert_eq!(
            alert_of(decode12(&[ty, 0, 0, 1, 0])).0,
            AlertDescription::DecodeError
        );
        decode12(&[ty, 0, 0, 0]).unwrap();
    }
    // Finished shorter than any verify_data.
    assert_eq!(
        alert_of(decode13(&[20, 0, 0, 5, 1, 2, 3, 4, 5])).0,
        AlertDescription::DecodeError
    );
    // A header that announces more than is there, or less.
    assert_eq!(
        alert_of(decode13(&[20, 0, 0, 40, 1])).0,
        AlertDescription::DecodeError
    );
    let mut long = vec![20, 0, 0, 12];
    long.extend([0; 13]);
    assert_eq!(alert_of(decode13(&long)).0, AlertDescription::DecodeError);
}

#[test]
fn explicit_curves_and_empty_points_are_refused_in_tls12_key_exchange() {
    // curve_type explicit_prime (1) instead of named_curve (3).
    let ske = [12, 0, 0, 9, 1, 0, 0x17, 1, 4, 4, 3, 0, 0];
    assert_eq!(
        alert_of(HandshakeMessage::decode(&ske, TlsVersion::Tls12)).0,
        AlertDescription::DecodeError
    );
    // An empty ClientKeyExchange point (point<1..2^8-1>).
    let cke = [16, 0, 0, 1, 0];
    assert_eq!(
        alert_of(HandshakeMessage::decode(&cke, TlsVersion::Tls12)).0,
        AlertDescription::DecodeError
    );
}

#[test]
fn an_empty_certificate_in_a_tls13_chain_is_decode_error() {
    // context<0>, certificate_list of one entry with cert_data<0> and no extensions.
    let cert = [11, 0, 0, 9, 0, 0, 0, 5, 0, 0, 0, 0, 0];
    assert_eq!(
        alert_of(HandshakeMessage::decode(&cert, TlsVersion::Tls13)).0,
        AlertDescription::DecodeError
    );
    // An empty chain is well formed (the client with no certificate sends it).
    let empty = [11, 0, 0, 4, 0, 0, 0, 0];
    let HandshakeMessage::Certificate(c) =
        HandshakeMessage::decode(&empty, TlsVersion::Tls13).unwrap()
    else {
        panic!()
    };
    assert!(c.entries.is_empty());
}

#[test]
fn thousands_of_distinct_unknown_extensions_parse_and_one_repeat_is_found() {
    let mut exts: Vec<Extension<'static>> = (0x8000u16..0x8000 + 8000)
        .map(|t| Extension::Unknown {
            ty: ExtensionType::from(t),
            data: Cow::Borrowed(b""),
        })
        .collect();
    let block = Extensions(exts.clone()).to_bytes();
    let (_, parsed) = Extensions::decode(&block, ExtensionContext::ClientHello).unwrap();
    assert_eq!(parsed.0.len(), 8000);
    exts.push(exts[4321].clone());
    let block = Extensions(exts).to_bytes();
    assert_eq!(
        Extensions::decode(&block, ExtensionContext::ClientHello).unwrap_err(),
        HandshakeError::DuplicateExtension(ExtensionType::from(0x8000 + 4321))
    );
}

#[test]
fn unknown_extensions_and_code_points_are_kept_as_received() {
    let mut ch = hello(vec![
        Extension::Unknown {
            ty: ExtensionType::Unknown(0x1a1a),
            data: Cow::Borrowed(b"grease"),
        },
        Extension::SupportedGroups(vec![NamedGroup::Unknown(0x2a2a), NamedGroup::X25519].into()),
    ]);
    let mut suites = ch.cipher_suites.to_vec();
    suites.insert(0, CipherSuite::Unknown(0x0a0a));
    ch.cipher_suites = suites.into();
    let bytes = ch.to_bytes();
    let parsed = ClientHello::decode(&bytes).unwrap();
    assert_eq!(parsed, ch);
    assert_eq!(parsed.to_bytes(), bytes);
}

#[test]
fn the_duplicate_reported_is_the_first_repeat_in_block_order_at_every_length() {
    // [.., A, B, B, A]: B repeats first (at the third of the four). Blocks of up to 24
    // extensions are checked on the types as read, longer ones by sorting: around that
    // length both report the repeat, and a short block reports the first in order.
    for filler in [0usize, 20, 21, 40] {
        let mut exts: Vec<Extension<'static>> = (0..filler)
            .map(|i| Extension::Unknown {
                ty: ExtensionType::from(0x9000 + i as u16),
                data: Cow::Borrowed(b""),
            })
            .collect();
        exts.extend([
            Extension::ExtendedMasterSecret,
            Extension::PostHandshakeAuth,
            Extension::PostHandshakeAuth,
            Extension::ExtendedMasterSecret,
        ]);
        let block = Extensions(exts).to_bytes();
        let err = Extensions::decode(&block, ExtensionContext::ClientHello).unwrap_err();
        if filler + 4 <= 24 {
            assert_eq!(
                err,
                HandshakeError::DuplicateExtension(ExtensionType::PostHandshakeAuth),
                "{filler}"
            );
        } else {
            assert!(
                matches!(err, HandshakeError::DuplicateExtension(_)),
                "{filler}: {err:?}"
            );
        }
    }
}
