//! Proptest round trips: every message and every extension, in every form and context,
//! encodes and parses back to itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::borrow::Cow;

use proptest::collection::vec;
use proptest::prelude::*;
use strata_codec::Encode;
use strata_handshake::extensions::{
    CertificateStatusRequest, Extension, ExtensionContext, Extensions, KeyShareEntry, OfferedPsks,
    PskIdentity, PskKeyExchangeMode, ServerName, ServerNameType,
};
use strata_handshake::messages::{
    split_messages, CertificateEntry, CertificateRequestTls12, CertificateRequestTls13,
    CertificateTls12, CertificateTls13, ClientCertificateType, ClientHello, ClientKeyExchange,
    DigitallySigned, EcdheParams, EncryptedExtensions, Finished, HandshakeMessage,
    HelloRetryRequest, KeyUpdateRequest, NewSessionTicketTls12, NewSessionTicketTls13, ServerHello,
    ServerKeyExchange, TlsVersion, HELLO_RETRY_REQUEST_RANDOM,
};
use strata_handshake::{CipherSuite, ExtensionType, HandshakeType, NamedGroup};
use strata_pki::SignatureScheme;
use strata_record::ProtocolVersion;

type Bytes = Cow<'static, [u8]>;

fn bytes(min: usize, max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), min..=max).prop_map(Cow::Owned)
}

fn group() -> impl Strategy<Value = NamedGroup> {
    any::<u16>().prop_map(NamedGroup::from)
}

fn scheme() -> impl Strategy<Value = SignatureScheme> {
    any::<u16>().prop_map(SignatureScheme::from)
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    any::<u16>().prop_map(ProtocolVersion::from)
}

fn unknown_extension() -> impl Strategy<Value = Extension<'static>> {
    (any::<u16>(), bytes(0, 20))
        .prop_filter("a type strata does not know", |(t, _)| {
            matches!(ExtensionType::from(*t), ExtensionType::Unknown(_))
        })
        .prop_map(|(t, data)| Extension::Unknown {
            ty: ExtensionType::from(t),
            data,
        })
}

fn key_share_entry() -> impl Strategy<Value = KeyShareEntry<'static>> {
    (group(), bytes(1, 97)).prop_map(|(group, key_exchange)| KeyShareEntry {
        group,
        key_exchange,
    })
}

fn status_request() -> impl Strategy<Value = CertificateStatusRequest<'static>> {
    prop_oneof![
        (bytes(0, 10), bytes(0, 10)).prop_map(|(responder_id_list, request_extensions)| {
            CertificateStatusRequest::Ocsp {
                responder_id_list,
                request_extensions,
            }
        }),
        (2u8.., bytes(0, 10))
            .prop_map(|(status_type, data)| CertificateStatusRequest::Other { status_type, data }),
    ]
}

fn offered_psks() -> impl Strategy<Value = OfferedPsks<'static>> {
    (
        vec(
            (bytes(1, 20), any::<u32>()).prop_map(|(identity, obfuscated_ticket_age)| {
                PskIdentity {
                    identity,
                    obfuscated_ticket_age,
                }
            }),
            1..3,
        ),
        vec(bytes(32, 48), 1..3),
    )
        .prop_map(|(identities, binders)| OfferedPsks {
            identities,
            binders,
        })
}

/// Every extension form that `context` carries, with arbitrary contents.
fn extension(context: ExtensionContext) -> BoxedStrategy<Extension<'static>> {
    use ExtensionContext as C;
    let mut forms: Vec<BoxedStrategy<Extension<'static>>> = vec![unknown_extension().boxed()];
    let mut add = |s: BoxedStrategy<Extension<'static>>| forms.push(s);
    let ch = context == C::ClientHello;
    let sh12 = context == C::ServerHelloTls12;
    let sh13 = context == C::ServerHelloTls13;
    let ee = context == C::EncryptedExtensions;
    let cr = context == C::CertificateRequest;
    let hrr = context == C::HelloRetryRequest;
    if ch {
        add(vec(
            (any::<u8>(), bytes(1, 20)).prop_map(|(t, name)| ServerName {
                name_type: ServerNameType::from(t),
                name,
            }),
            1..3,
        )
        .prop_map(Extension::ServerName)
        .boxed());
        add(status_request().prop_map(Extension::StatusRequest).boxed());
        add(bytes(0, 30).prop_map(Extension::Padding).boxed());
        add(offered_psks().prop_map(Extension::PreSharedKey).boxed());
        add(vec(version(), 1..5)
            .prop_map(|v| Extension::SupportedVersions(v.into()))
            .boxed());
        add(vec(any::<u8>().prop_map(PskKeyExchangeMode::from), 1..3)
            .prop_map(|v| Extension::PskKeyExchangeModes(v.into()))
            .boxed());
        add(Just(Extension::PostHandshakeAuth).boxed());
        add(vec(key_share_entry(), 0..3)
            .prop_map(Extension::KeyShares)
            .boxed());
    }
    if ee || sh12 {
        add(Just(Extension::ServerNameAck).boxed());
    }
    if ch || ee || sh12 {
        add(any::<u8>().prop_map(Extension::MaxFragmentLength).boxed());
        add(vec(bytes(1, 10), 1..4).prop_map(Extension::Alpn).boxed());
        add(any::<u16>().prop_map(Extension::RecordSizeLimit).boxed());
    }
    if cr || sh12 {
        add(Just(Extension::StatusRequestAck).boxed());
    }
    if context == C::Certificate {
        add((any::<u8>(), bytes(1, 40))
            .prop_map(|(status_type, response)| Extension::CertificateStatus {
                status_type,
                response,
            })
            .boxed());
    }
    if ch || ee {
        add(vec(group(), 1..10)
            .prop_map(|v| Extension::SupportedGroups(v.into()))
            .boxed());
        add(Just(Extension::EarlyData).boxed());
    }
    if ch || sh12 {
        add(bytes(1, 5).prop_map(Extension::EcPointFormats).boxed());
        add(Just(Extension::ExtendedMasterSecret).boxed());
        add(bytes(0, 40).prop_map(Extension::SessionTicket).boxed());
        add(bytes(0, 32).prop_map(Extension::RenegotiationInfo).boxed());
    }
    if ch || cr {
        add(vec(scheme(), 1..10)
            .prop_map(|v| Extension::SignatureAlgorithms(v.into()))
            .boxed());
        add(vec(scheme(), 1..10)
            .prop_map(|v| Extension::SignatureAlgorithmsCert(v.into()))
            .boxed());
        add(vec(bytes(1, 20), 1..3)
            .prop_map(Extension::CertificateAuthorities)
            .boxed());
    }
    if sh13 {
        add(any::<u16>()
            .prop_map(Extension::PreSharedKeySelected)
            .boxed());
        add(key_share_entry().prop_map(Extension::KeyShare).boxed());
    }
    if sh13 || hrr {
        add(version().prop_map(Extension::SelectedVersion).boxed());
    }
    if hrr {
        add(group().prop_map(Extension::KeyShareRequest).boxed());
    }
    if ch || hrr {
        add(bytes(1, 40).prop_map(Extension::Cookie).boxed());
    }
    if context == C::NewSessionTicket {
        add(any::<u32>().prop_map(Extension::EarlyDataMax).boxed());
    }
    proptest::strategy::Union::new(forms).boxed()
}

/// A block of extensions for `context`, no type twice.
fn extensions(context: ExtensionContext, max: usize) -> BoxedStrategy<Extensions<'static>> {
    vec(extension(context), 0..max)
        .prop_map(|items| {
            let mut seen = Vec::new();
            Extensions(
                items
                    .into_iter()
                    .filter(|e| {
                        let fresh = !seen.contains(&e.ty());
                        seen.push(e.ty());
                        fresh
                    })
                    .collect(),
            )
        })
        .boxed()
}

const CONTEXTS: [ExtensionContext; 8] = [
    ExtensionContext::ClientHello,
    ExtensionContext::ServerHelloTls12,
    ExtensionContext::ServerHelloTls13,
    ExtensionContext::HelloRetryRequest,
    ExtensionContext::EncryptedExtensions,
    ExtensionContext::Certificate,
    ExtensionContext::CertificateRequest,
    ExtensionContext::NewSessionTicket,
];

fn context_and_extensions() -> impl Strategy<Value = (ExtensionContext, Extensions<'static>)> {
    proptest::sample::select(&CONTEXTS[..])
        .prop_flat_map(|context| (Just(context), extensions(context, 8)))
}

fn client_hello() -> impl Strategy<Value = ClientHello<'static>> {
    (
        version(),
        any::<[u8; 32]>(),
        bytes(0, 32),
        vec(any::<u16>().prop_map(CipherSuite::from), 1..10),
        bytes(1, 3),
        extensions(ExtensionContext::ClientHello, 10),
    )
        .prop_map(
            |(legacy_version, random, sid, cipher_suites, compression, mut extensions)| {
                // RFC 8446 §4.2.11: pre_shared_key goes last.
                extensions
                    .0
                    .sort_by_key(|e| e.ty() == ExtensionType::PreSharedKey);
                ClientHello {
                    legacy_version,
                    random,
                    legacy_session_id: sid,
                    cipher_suites: cipher_suites.into(),
                    legacy_compression_methods: compression,
                    extensions,
                }
            },
        )
}

fn server_hello() -> impl Strategy<Value = ServerHello<'static>> {
    let tls13 =
        (extensions(ExtensionContext::ServerHelloTls13, 4), version()).prop_map(|(mut exts, v)| {
            exts.0
                .retain(|e| e.ty() != ExtensionType::SupportedVersions);
            exts.0.push(Extension::SelectedVersion(v));
            exts
        });
    let tls12 = extensions(ExtensionContext::ServerHelloTls12, 8);
    (
        version(),
        any::<[u8; 32]>().prop_filter("not the HRR random", |r| *r != HELLO_RETRY_REQUEST_RANDOM),
        bytes(0, 32),
        any::<u16>().prop_map(CipherSuite::from),
        any::<u8>(),
        prop_oneof![tls13, tls12],
    )
        .prop_map(
            |(legacy_version, random, sid, suite, compression, extensions)| ServerHello {
                legacy_version,
                random,
                legacy_session_id_echo: sid,
                cipher_suite: suite,
                legacy_compression_method: compression,
                extensions,
            },
        )
}

fn hello_retry_request() -> impl Strategy<Value = HelloRetryRequest<'static>> {
    (
        version(),
        bytes(0, 32),
        any::<u16>().prop_map(CipherSuite::from),
        any::<u8>(),
        extensions(ExtensionContext::HelloRetryRequest, 4),
    )
        .prop_map(
            |(legacy_version, sid, suite, compression, extensions)| HelloRetryRequest {
                legacy_version,
                legacy_session_id_echo: sid,
                cipher_suite: suite,
                legacy_compression_method: compression,
                extensions,
            },
        )
}

fn digitally_signed() -> impl Strategy<Value = DigitallySigned<'static>> {
    (scheme(), bytes(0, 80)).prop_map(|(scheme, signature)| DigitallySigned { scheme, signature })
}

/// Every TLS 1.3 message.
fn tls13_message() -> impl Strategy<Value = HandshakeMessage<'static>> {
    prop_oneof![
        client_hello().prop_map(HandshakeMessage::ClientHello),
        server_hello().prop_map(HandshakeMessage::ServerHello),
        hello_retry_request().prop_map(HandshakeMessage::HelloRetryRequest),
        extensions(ExtensionContext::EncryptedExtensions, 8).prop_map(|extensions| {
            HandshakeMessage::EncryptedExtensions(EncryptedExtensions { extensions })
        }),
        (
            bytes(0, 4),
            vec(
                (bytes(1, 60), extensions(ExtensionContext::Certificate, 3)).prop_map(
                    |(cert_data, extensions)| CertificateEntry {
                        cert_data,
                        extensions
                    }
                ),
                0..4
            )
        )
            .prop_map(|(context, entries)| HandshakeMessage::Certificate(
                CertificateTls13 { context, entries }
            )),
        (
            bytes(0, 4),
            extensions(ExtensionContext::CertificateRequest, 6)
        )
            .prop_map(
                |(context, extensions)| HandshakeMessage::CertificateRequest(
                    CertificateRequestTls13 {
                        context,
                        extensions
                    }
                )
            ),
        digitally_signed().prop_map(HandshakeMessage::CertificateVerify),
        bytes(12, 48).prop_map(|verify_data| HandshakeMessage::Finished(Finished { verify_data })),
        (
            any::<u32>(),
            any::<u32>(),
            bytes(0, 8),
            bytes(1, 60),
            extensions(ExtensionContext::NewSessionTicket, 2)
        )
            .prop_map(|(lifetime, age_add, nonce, ticket, extensions)| {
                HandshakeMessage::NewSessionTicket(NewSessionTicketTls13 {
                    lifetime,
                    age_add,
                    nonce,
                    ticket,
                    extensions,
                })
            }),
        prop_oneof![
            Just(KeyUpdateRequest::UpdateNotRequested),
            Just(KeyUpdateRequest::UpdateRequested)
        ]
        .prop_map(HandshakeMessage::KeyUpdate),
        Just(HandshakeMessage::EndOfEarlyData),
        prop_oneof![bytes(32, 32), bytes(48, 48)].prop_map(HandshakeMessage::MessageHash),
        (any::<u8>(), bytes(0, 30))
            .prop_filter("a type strata does not know", |(t, _)| matches!(
                HandshakeType::from(*t),
                HandshakeType::Unknown(_)
            ))
            .prop_map(|(t, body)| HandshakeMessage::Unknown {
                ty: HandshakeType::from(t),
                body
            }),
    ]
}

/// Every TLS 1.2 message.
fn tls12_message() -> impl Strategy<Value = HandshakeMessage<'static>> {
    prop_oneof![
        Just(HandshakeMessage::HelloRequest),
        client_hello().prop_map(HandshakeMessage::ClientHello),
        server_hello().prop_map(HandshakeMessage::ServerHello),
        vec(bytes(1, 60), 0..4)
            .prop_map(|chain| HandshakeMessage::CertificateTls12(CertificateTls12 { chain })),
        (group(), bytes(1, 97), digitally_signed()).prop_map(|(group, public, signed)| {
            HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
                params: EcdheParams { group, public },
                signed,
            })
        }),
        (
            vec(any::<u8>().prop_map(ClientCertificateType::from), 1..3),
            vec(scheme(), 1..6),
            vec(bytes(1, 20), 0..3)
        )
            .prop_map(
                |(certificate_types, signature_algorithms, certificate_authorities)| {
                    HandshakeMessage::CertificateRequestTls12(CertificateRequestTls12 {
                        certificate_types: certificate_types.into(),
                        signature_algorithms: signature_algorithms.into(),
                        certificate_authorities,
                    })
                }
            ),
        Just(HandshakeMessage::ServerHelloDone),
        digitally_signed().prop_map(HandshakeMessage::CertificateVerify),
        bytes(1, 97)
            .prop_map(|public| HandshakeMessage::ClientKeyExchange(ClientKeyExchange { public })),
        bytes(12, 12).prop_map(|verify_data| HandshakeMessage::Finished(Finished { verify_data })),
        (any::<u32>(), bytes(0, 60)).prop_map(|(lifetime_hint, ticket)| {
            HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
                lifetime_hint,
                ticket,
            })
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_extension_round_trips_in_its_context((context, exts) in context_and_extensions()) {
        let encoded = exts.to_bytes();
        let (rest, parsed) = Extensions::decode(&encoded, context).unwrap();
        prop_assert!(rest.is_empty());
        prop_assert_eq!(parsed, exts);
    }

    #[test]
    fn every_tls13_message_round_trips(message in tls13_message()) {
        let encoded = message.to_bytes();
        let parsed = HandshakeMessage::decode(&encoded, TlsVersion::Tls13).unwrap();
        prop_assert_eq!(&parsed, &message);
        prop_assert_eq!(parsed.ty(), message.ty());
    }

    #[test]
    fn every_tls12_message_round_trips(message in tls12_message()) {
        let encoded = message.to_bytes();
        let parsed = HandshakeMessage::decode(&encoded, TlsVersion::Tls12).unwrap();
        prop_assert_eq!(parsed, message);
    }

    /// A flight (what one `Action::Send` carries) is its messages end to end:
    /// `split_messages` gives each back whole, in order, and stops at a cut one.
    #[test]
    fn a_flight_splits_into_its_messages(
        messages in vec(tls13_message(), 1..5),
        cut in any::<prop::sample::Index>(),
    ) {
        let encoded: Vec<Vec<u8>> = messages.iter().map(|m| m.to_bytes().to_vec()).collect();
        let flight = encoded.concat();
        let split: Vec<Vec<u8>> = split_messages(&flight).map(<[u8]>::to_vec).collect();
        prop_assert_eq!(&split, &encoded);
        let cut = cut.index(flight.len());
        let whole = split_messages(&flight[..cut]).count();
        let fits = encoded.iter().scan(0, |at, m| { *at += m.len(); Some(*at) }).take_while(|end| *end <= cut).count();
        prop_assert_eq!(whole, fits);
    }

    #[test]
    fn every_truncation_of_a_message_is_a_typed_error(message in tls13_message(), cut in any::<prop::sample::Index>()) {
        let encoded = message.to_bytes();
        let cut = cut.index(encoded.len());
        let err = HandshakeMessage::decode(&encoded[..cut], TlsVersion::Tls13).unwrap_err();
        prop_assert_eq!(err.alert(), strata_alert::AlertDescription::DecodeError);
    }
}
