//! The TLS 1.2 client and server state machines, and the version negotiation of the
//! `Client` and `Server` entry points, driven against each other in memory (see
//! `common/mod.rs`): the suite × group × key × client-auth matrix, downgrade protection,
//! the extended master secret, renegotiation refused, and each refusal's alert.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::borrow::Cow;
use std::sync::Arc;

use common::{Bogus, Collect, Interjection, Pair, Pki, Tamper, When, Who};
use ring::rand::SystemRandom;
use strata_alert::AlertDescription as A;
use strata_codec::Encode;
use strata_handshake::extensions::Extension;
use strata_handshake::key_schedule::tls12::{self, Sender};
use strata_handshake::machine::{
    Action, Answer, ClientAuthPolicy, ClientHandshakeConfig, Event, Input, Request,
    ServerHandshakeConfig, StateMachine,
};
use strata_handshake::messages::{
    split_messages, ClientHello, ClientKeyExchange, Finished, HandshakeMessage, RawMessage,
    ServerHello,
};
use strata_handshake::suites::{
    SupportedSuite, TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256, TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384,
    TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256, TLS12_ECDHE_RSA_AES_128_GCM_SHA256,
    TLS12_ECDHE_RSA_AES_256_GCM_SHA384, TLS12_ECDHE_RSA_CHACHA20_POLY1305_SHA256,
    TLS13_AES_128_GCM_SHA256,
};
use strata_handshake::{
    CipherSuite, EphemeralKeyPair, HandshakeError, HandshakeType, HashAlgorithm, KeyExchangeGroup,
    NamedGroup, Server, Tls12Server, TlsVersion, Transcript,
};
use strata_pki::{SignatureScheme, SUPPORTED_SCHEMES};
use strata_record::{AeadAlgorithm, ProtocolVersion};
use strata_testdata::pki::KeyKind;

// ---------------------------------------------------------------------------------------
// Configurations and pairs
// ---------------------------------------------------------------------------------------

const GROUPS: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::Secp256r1,
    NamedGroup::Secp384r1,
];

fn random(tag: u8) -> [u8; 32] {
    let mut r = [tag; 32];
    r[0] = 0x42;
    r
}

/// TLS 1.3 and TLS 1.2, every suite, group and scheme.
fn client_config() -> ClientHandshakeConfig {
    ClientHandshakeConfig::new(common::name("example.com"))
}

fn client12_config() -> ClientHandshakeConfig {
    let mut config = client_config();
    config.versions = vec![TlsVersion::Tls12].into();
    config
}

fn server_config() -> ServerHandshakeConfig {
    ServerHandshakeConfig::default()
}

fn server12_config() -> ServerHandshakeConfig {
    let mut config = server_config();
    config.versions = vec![TlsVersion::Tls12].into();
    config
}

fn pair_with_answers(
    client: ClientHandshakeConfig,
    server: ServerHandshakeConfig,
    answers: common::Answers,
) -> Pair {
    let (c, actions) = common::start_client(client, random(1), [0x55; 32]).expect("client starts");
    let s = Server::new(server, random(2));
    Pair::new(Box::new(c), actions, Box::new(s), answers)
}

fn pair(
    client: ClientHandshakeConfig,
    server: ServerHandshakeConfig,
    server_key: KeyKind,
    client_key: Option<KeyKind>,
) -> Pair {
    let pki = Pki::new();
    pair_with_answers(client, server, pki.answers(server_key, client_key))
}

/// The default TLS 1.2 pair: a client of both versions, a TLS 1.2-only server, ECDSA.
fn pair12() -> Pair {
    pair(client_config(), server12_config(), KeyKind::EcdsaP256, None)
}

fn auth_server(required: bool) -> ServerHandshakeConfig {
    let mut config = server12_config();
    let pki = Pki::new();
    let authorities: Arc<[Vec<u8>]> = Arc::new([pki.root.cert.as_ref().to_vec()]);
    config.client_auth = if required {
        ClientAuthPolicy::Required { authorities }
    } else {
        ClientAuthPolicy::Optional { authorities }
    };
    config
}

/// Runs a TLS 1.2 handshake that must complete, and checks what both sides agree on.
fn complete12(pair: &mut Pair) -> strata_handshake::machine::Negotiated {
    pair.run().unwrap_or_else(|f| panic!("{f:?} ({})", f.error));
    let negotiated = pair.check_agreement();
    assert_eq!(negotiated.version, TlsVersion::Tls12);
    // One key change each way, with the suite's fixed IV (RFC 5288 §3: 4 bytes for
    // AES-GCM; RFC 7905 §2: 12 for ChaCha20-Poly1305).
    assert_eq!((pair.client.writes.len(), pair.server.writes.len()), (1, 1));
    let iv = match negotiated.suite.aead {
        AeadAlgorithm::Chacha20Poly1305 => 12,
        _ => 4,
    };
    assert_eq!(pair.client.iv_lens, [iv]);
    assert_eq!(pair.server.iv_lens, [iv]);
    assert_eq!((pair.client.ccs_sent, pair.server.ccs_sent), (1, 1));
    // The key log: the master secret, once, named by the client random.
    assert_eq!(pair.client.key_log.len(), 1);
    let (label, client_random, master) = &pair.client.key_log[0];
    assert_eq!((*label, *client_random), ("CLIENT_RANDOM", random(1)));
    assert_eq!(master.len(), 48);
    pair.check_exporters();
    negotiated
}

// ---------------------------------------------------------------------------------------
// Message builders
// ---------------------------------------------------------------------------------------

fn bytes(message: HandshakeMessage<'_>) -> Vec<u8> {
    message.to_bytes().to_vec()
}

fn server_hello_done() -> Vec<u8> {
    bytes(HandshakeMessage::ServerHelloDone)
}

fn hello_request() -> Vec<u8> {
    bytes(HandshakeMessage::HelloRequest)
}

fn finished12() -> Vec<u8> {
    bytes(HandshakeMessage::Finished(Finished {
        verify_data: Cow::Owned(vec![0; 12]),
    }))
}

fn empty_certificate12() -> Vec<u8> {
    bytes(HandshakeMessage::CertificateTls12(
        strata_handshake::messages::CertificateTls12 { chain: vec![] },
    ))
}

fn client_key_exchange() -> Vec<u8> {
    bytes(HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
        public: Cow::Owned(vec![9; 32]),
    }))
}

fn decode12(message: &[u8]) -> HandshakeMessage<'static> {
    HandshakeMessage::decode(message, TlsVersion::Tls12)
        .unwrap()
        .into_owned()
}

fn first_sent(actions: &[Action]) -> Vec<u8> {
    match actions.first() {
        Some(Action::Send(bytes)) => bytes.to_vec(),
        other => panic!("{other:?}"),
    }
}

/// The ClientHello of a client for `config`.
fn client_hello(config: ClientHandshakeConfig) -> ClientHello<'static> {
    let (_, actions) = common::start_client(config, random(9), [0x55; 32]).unwrap();
    match decode12(&first_sent(&actions)) {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("{other:?}"),
    }
}

/// Edits the server's ServerHello on its way to the client.
fn edit_server_hello(edit: impl Fn(&mut ServerHello<'static>) + 'static) -> Tamper {
    Box::new(move |who, message| {
        if who == Who::Server && message[0] == HandshakeType::ServerHello.to_wire() {
            let HandshakeMessage::ServerHello(mut sh) = decode12(message) else {
                panic!("not a ServerHello")
            };
            edit(&mut sh);
            *message = bytes(HandshakeMessage::ServerHello(sh));
        }
    })
}

/// Edits the client's ClientHello on its way to the server.
fn edit_client_hello(edit: impl Fn(&mut ClientHello<'static>) + 'static) -> Tamper {
    Box::new(move |who, message| {
        if who == Who::Client && message[0] == HandshakeType::ClientHello.to_wire() {
            let HandshakeMessage::ClientHello(mut ch) = decode12(message) else {
                panic!("not a ClientHello")
            };
            edit(&mut ch);
            *message = bytes(HandshakeMessage::ClientHello(ch));
        }
    })
}

/// Changes `who`'s messages of type `ty` on the way.
fn tamper(who: Who, ty: HandshakeType, edit: impl Fn(&mut Vec<u8>) + 'static) -> Tamper {
    Box::new(move |sender, message| {
        if sender == who && message[0] == ty.to_wire() {
            edit(message);
        }
    })
}

fn has_extension(extensions: &[Extension<'_>], f: impl Fn(&Extension<'_>) -> bool) -> bool {
    extensions.iter().any(f)
}

// ---------------------------------------------------------------------------------------
// The matrix: suite × group × key × client auth
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Auth {
    Off,
    OptionalWithout,
    OptionalWith(KeyKind),
    RequiredWith(KeyKind),
}

const AUTH_MODES: [Auth; 5] = [
    Auth::Off,
    Auth::OptionalWithout,
    Auth::OptionalWith(KeyKind::EcdsaP256),
    Auth::RequiredWith(KeyKind::Rsa2048),
    Auth::RequiredWith(KeyKind::Ed25519),
];

/// One handshake of the matrix; alternates the client of both versions and the TLS
/// 1.2-only one.
fn matrix_case(
    pki: &Pki,
    suite: SupportedSuite,
    group: NamedGroup,
    key: KeyKind,
    auth: Auth,
    i: usize,
) {
    let mut client = if i % 2 == 0 {
        client_config()
    } else {
        client12_config()
    };
    client.suites = vec![TLS13_AES_128_GCM_SHA256, suite].into();
    let mut server = server12_config();
    server.suites = vec![suite].into();
    server.groups = vec![group].into();
    let authorities: Arc<[Vec<u8>]> = Arc::new([pki.root.cert.as_ref().to_vec()]);
    let client_key = match auth {
        Auth::Off => None,
        Auth::OptionalWithout => {
            server.client_auth = ClientAuthPolicy::Optional { authorities };
            None
        }
        Auth::OptionalWith(kind) => {
            server.client_auth = ClientAuthPolicy::Optional { authorities };
            Some(kind)
        }
        Auth::RequiredWith(kind) => {
            server.client_auth = ClientAuthPolicy::Required { authorities };
            Some(kind)
        }
    };
    let mut pair = pair_with_answers(client, server, pki.answers(key, client_key));
    let negotiated = complete12(&mut pair);
    let why = format!("{} {group} {key:?} {auth:?}", suite.suite);
    assert_eq!(
        (negotiated.suite, negotiated.group),
        (suite, group),
        "{why}"
    );
    let server_view = pair.server.negotiated().unwrap();
    match client_key {
        Some(_) => {
            assert_eq!(
                server_view.peer_certificates.as_slice(),
                pair.answers.client_cert.as_ref().unwrap().chain(),
                "{why}"
            );
            assert!(server_view.peer_signature_scheme.is_some(), "{why}");
        }
        None => {
            assert!(server_view.peer_certificates.is_empty(), "{why}");
            assert_eq!(server_view.peer_signature_scheme, None, "{why}");
        }
    }
}

fn matrix(suite: SupportedSuite, keys: &[KeyKind]) {
    let pki = Pki::new();
    let mut i = 0;
    for &key in keys {
        for group in GROUPS {
            for auth in AUTH_MODES {
                matrix_case(&pki, suite, group, key, auth, i);
                i += 1;
            }
        }
    }
}

#[test]
fn matrix_ecdhe_ecdsa_aes_128_gcm_sha256() {
    matrix(
        TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256,
        &[KeyKind::EcdsaP256, KeyKind::EcdsaP384, KeyKind::Ed25519],
    );
}

#[test]
fn matrix_ecdhe_ecdsa_aes_256_gcm_sha384() {
    matrix(
        TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384,
        &[KeyKind::EcdsaP256, KeyKind::EcdsaP384, KeyKind::Ed25519],
    );
}

#[test]
fn matrix_ecdhe_ecdsa_chacha20_poly1305_sha256() {
    matrix(
        TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256,
        &[KeyKind::EcdsaP256, KeyKind::EcdsaP384, KeyKind::Ed25519],
    );
}

#[test]
fn matrix_ecdhe_rsa_aes_128_gcm_sha256() {
    matrix(TLS12_ECDHE_RSA_AES_128_GCM_SHA256, &[KeyKind::Rsa2048]);
}

#[test]
fn matrix_ecdhe_rsa_aes_256_gcm_sha384() {
    matrix(TLS12_ECDHE_RSA_AES_256_GCM_SHA384, &[KeyKind::Rsa2048]);
}

#[test]
fn matrix_ecdhe_rsa_chacha20_poly1305_sha256() {
    matrix(
        TLS12_ECDHE_RSA_CHACHA20_POLY1305_SHA256,
        &[KeyKind::Rsa2048],
    );
}

#[test]
fn the_tls12_machines_work_on_their_own() {
    let pki = Pki::new();
    let (client, actions) = common::start_tls12_client(client_config(), random(1)).unwrap();
    let server = Tls12Server::new(server12_config(), random(2));
    let mut pair = Pair::new(
        Box::new(client),
        actions,
        Box::new(server),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    complete12(&mut pair);
    assert!(common::start_tls12_client(
        {
            let mut c = client_config();
            c.versions = vec![TlsVersion::Tls13].into();
            c
        },
        random(1)
    )
    .is_err());
}

#[test]
fn the_server_picks_the_suite_for_its_certificate_in_its_own_order() {
    // A server preferring RSA suites but holding an ECDSA certificate picks ECDSA.
    let mut server = server12_config();
    server.suites = vec![
        TLS12_ECDHE_RSA_AES_256_GCM_SHA384,
        TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256,
        TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256,
    ]
    .into();
    let mut p = pair(client_config(), server.clone(), KeyKind::EcdsaP256, None);
    let n = complete12(&mut p);
    assert_eq!(n.suite, TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256);
    let mut p = pair(client_config(), server, KeyKind::Rsa2048, None);
    assert_eq!(complete12(&mut p).suite, TLS12_ECDHE_RSA_AES_256_GCM_SHA384);
    // The group too follows the server's order among those the client offers.
    let mut server = server12_config();
    server.groups = vec![NamedGroup::Secp384r1, NamedGroup::X25519].into();
    let mut p = pair(client_config(), server, KeyKind::EcdsaP256, None);
    assert_eq!(complete12(&mut p).group, NamedGroup::Secp384r1);
}

#[test]
fn the_requests_come_in_the_documented_order() {
    let mut p = pair(
        client_config(),
        auth_server(true),
        KeyKind::EcdsaP256,
        Some(KeyKind::EcdsaP384),
    );
    complete12(&mut p);
    assert_eq!(
        p.server.requests,
        ["ChooseServerCertificate", "Sign", "VerifyClientChain"]
    );
    assert_eq!(
        p.client.requests,
        ["VerifyServerChain", "ChooseClientCertificate", "Sign"]
    );
}

#[test]
fn the_server_flight_and_the_client_hello_carry_the_tls12_extensions() {
    let mut config = client_config();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()].into();
    let mut server = auth_server(false);
    server.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()].into();
    let mut p = pair(config, server, KeyKind::EcdsaP256, None);
    let n = complete12(&mut p);
    assert_eq!(n.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(n.server_name.as_deref(), Some("example.com"));

    let HandshakeMessage::ClientHello(ch) = decode12(&p.client.sent[0]) else {
        panic!()
    };
    assert_eq!(ch.legacy_version, ProtocolVersion::Tls12);
    let ext = &ch.extensions.0;
    assert!(has_extension(ext, |e| *e == Extension::ExtendedMasterSecret));
    assert!(has_extension(ext, |e| *e
        == Extension::RenegotiationInfo(Cow::Borrowed(&[]))));
    assert!(has_extension(ext, |e| *e
        == Extension::EcPointFormats(Cow::Borrowed(&[0]))));
    assert!(has_extension(ext, |e| *e
        == Extension::SupportedVersions(
            vec![ProtocolVersion::Tls13, ProtocolVersion::Tls12].into()
        )));
    assert!(has_extension(
        ext,
        |e| matches!(e, Extension::SignatureAlgorithms(s)
        if s.contains(&SignatureScheme::RsaPkcs1Sha256))
    ));
    assert!(ch
        .cipher_suites
        .contains(&CipherSuite::TlsEcdheRsaWithChacha20Poly1305Sha256));

    let types: Vec<_> = p.server.sent.iter().map(|m| m[0]).collect();
    assert_eq!(types, [2, 11, 12, 13, 14, 20]);
    let HandshakeMessage::ServerHello(sh) = decode12(&p.server.sent[0]) else {
        panic!()
    };
    let ext = &sh.extensions.0;
    assert!(has_extension(ext, |e| *e == Extension::ExtendedMasterSecret));
    assert!(has_extension(ext, |e| *e
        == Extension::RenegotiationInfo(Cow::Borrowed(&[]))));
    assert!(has_extension(ext, |e| *e == Extension::ServerNameAck));
    assert!(sh.legacy_session_id_echo.is_empty());
    let HandshakeMessage::CertificateRequestTls12(cr) = decode12(&p.server.sent[3]) else {
        panic!()
    };
    assert_eq!(cr.certificate_authorities.len(), 1);
    assert!(cr
        .signature_algorithms
        .contains(&SignatureScheme::RsaPkcs1Sha256));
    // The client answered with an empty Certificate: no client certificate configured.
    let client_types: Vec<_> = p.client.sent.iter().map(|m| m[0]).collect();
    assert_eq!(client_types, [1, 11, 16, 20]);
}

#[test]
fn alpn_without_overlap_is_no_application_protocol() {
    let mut config = client_config();
    config.alpn_protocols = vec![b"h2".to_vec()].into();
    let mut server = server12_config();
    server.alpn_protocols = vec![b"http/1.1".to_vec()].into();
    pair(config, server, KeyKind::EcdsaP256, None).fails(Who::Server, A::NoApplicationProtocol);
}

// ---------------------------------------------------------------------------------------
// Version negotiation
// ---------------------------------------------------------------------------------------

fn server_random(p: &Pair) -> [u8; 32] {
    match decode12(&p.server.sent[0]) {
        HandshakeMessage::ServerHello(sh) => sh.random,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tls12_only_client_gets_tls12_and_ignores_the_sentinel() {
    let mut p = pair(client12_config(), server_config(), KeyKind::EcdsaP256, None);
    complete12(&mut p);
    assert_eq!(&server_random(&p)[24..], b"DOWNGRD\x01");
    let HandshakeMessage::ClientHello(ch) = decode12(&p.client.sent[0]) else {
        panic!()
    };
    assert!(!has_extension(&ch.extensions.0, |e| matches!(
        e,
        Extension::SupportedVersions(_) | Extension::KeyShares(_)
    )));
    assert!(ch.legacy_session_id.is_empty());
    assert!(ch.cipher_suites.iter().all(|s| !matches!(
        s,
        CipherSuite::Tls13Aes128GcmSha256
            | CipherSuite::Tls13Aes256GcmSha384
            | CipherSuite::Tls13Chacha20Poly1305Sha256
    )));
}

#[test]
fn a_client_of_both_versions_gets_tls12_from_a_tls12_only_server() {
    let mut p = pair12();
    complete12(&mut p);
    assert_ne!(&server_random(&p)[24..], b"DOWNGRD\x01");
    assert_eq!(server_random(&p), random(2));
}

#[test]
fn a_tls12_server_hello_with_the_sentinel_is_illegal_parameter_for_a_tls13_client() {
    // Tls12Server on a config that also enables TLS 1.3 sets the sentinel, as if TLS 1.3
    // had been stripped from the ClientHello on the way.
    let pki = Pki::new();
    let (client, actions) = common::start_client(client_config(), random(1), [0x55; 32]).unwrap();
    let server = Tls12Server::new(server_config(), random(2));
    let mut p = Pair::new(
        Box::new(client),
        actions,
        Box::new(server),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    let err = p.fails(Who::Client, A::IllegalParameter);
    assert!(err.to_string().contains("downgrade sentinel"), "{err}");
}

#[test]
fn tls13_on_both_sides_is_tls13() {
    let mut p = pair(client_config(), server_config(), KeyKind::EcdsaP256, None);
    p.run().unwrap();
    let n = p.check_agreement();
    assert_eq!(n.version, TlsVersion::Tls13);
    p.check_exporters();
    assert_eq!(p.client.writes.len(), 2);
}

#[test]
fn no_version_in_common_is_protocol_version() {
    let mut tls13_only = client_config();
    tls13_only.versions = vec![TlsVersion::Tls13].into();
    pair(tls13_only, server12_config(), KeyKind::EcdsaP256, None)
        .fails(Who::Server, A::ProtocolVersion);
    let mut server = server_config();
    server.versions = vec![TlsVersion::Tls13].into();
    pair(client12_config(), server, KeyKind::EcdsaP256, None)
        .fails(Who::Server, A::ProtocolVersion);
}

#[test]
fn a_client_hello_below_tls12_is_protocol_version() {
    let mut ch = client_hello(client12_config());
    ch.legacy_version = ProtocolVersion::Tls11;
    let mut server = Server::new(server_config(), random(2));
    let err = server
        .handle_vec(Input::Message(
            RawMessage::from_encoded(&bytes(HandshakeMessage::ClientHello(ch))).unwrap(),
        ))
        .unwrap_err();
    assert_eq!(err.alert(), A::ProtocolVersion);
    assert!(
        err.to_string().contains("TLS 1.1 are not supported"),
        "{err}"
    );

    // A legacy_version above TLS 1.2 without supported_versions is a TLS 1.2 client
    // (RFC 5246 Appendix E.1).
    let mut ch = client_hello(client12_config());
    ch.legacy_version = ProtocolVersion::Tls13;
    let mut server = Server::new(server_config(), random(2));
    let actions = server
        .handle_vec(Input::Message(
            RawMessage::from_encoded(&bytes(HandshakeMessage::ClientHello(ch))).unwrap(),
        ))
        .unwrap();
    assert!(matches!(
        &actions[..],
        [Action::Request(Request::ChooseServerCertificate {
            version: TlsVersion::Tls12,
            ..
        })]
    ));
    assert_eq!(server.version(), Some(TlsVersion::Tls12));
}

#[test]
fn a_server_choosing_tls10_is_protocol_version() {
    for config in [client_config(), client12_config()] {
        let (mut client, actions) = common::start_client(config, random(1), [0x55; 32]).unwrap();
        let HandshakeMessage::ClientHello(ch) = decode12(&first_sent(&actions)) else {
            panic!()
        };
        let sh = bytes(HandshakeMessage::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::Tls10,
            random: [7; 32],
            legacy_session_id_echo: Cow::Owned(ch.legacy_session_id.to_vec()),
            cipher_suite: CipherSuite::TlsEcdheEcdsaWithAes128GcmSha256,
            legacy_compression_method: 0,
            extensions: Default::default(),
        }));
        let err = client
            .handle_vec(Input::Message(RawMessage::from_encoded(&sh).unwrap()))
            .unwrap_err();
        assert_eq!(err.alert(), A::ProtocolVersion, "{err}");
    }
}

#[test]
fn a_fallback_scsv_to_a_tls13_server_is_inappropriate_fallback() {
    let mut p = pair(client12_config(), server_config(), KeyKind::EcdsaP256, None);
    p.tamper = Some(edit_client_hello(|ch| {
        let mut suites = ch.cipher_suites.to_vec();
        suites.push(CipherSuite::TlsFallbackScsv);
        ch.cipher_suites = suites.into();
    }));
    p.fails(Who::Server, A::InappropriateFallback);
}

// ---------------------------------------------------------------------------------------
// ServerKeyExchange and certificates
// ---------------------------------------------------------------------------------------

/// A pair that agrees on X25519, so that ServerKeyExchange has a known layout: header
/// (4), curve_type (1), group (2), point length (1), point (32), scheme (2), signature.
fn x25519_pair() -> Pair {
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1].into();
    let mut server = server12_config();
    server.groups = vec![NamedGroup::X25519].into();
    pair(client, server, KeyKind::EcdsaP256, None)
}

#[test]
fn a_bad_server_key_exchange_signature_is_decrypt_error() {
    let mut p = x25519_pair();
    p.tamper = Some(tamper(Who::Server, HandshakeType::ServerKeyExchange, |m| {
        m[8] ^= 1;
    }));
    p.fails(Who::Client, A::DecryptError);
}

#[test]
fn a_server_key_exchange_group_not_offered_is_illegal_parameter() {
    let mut p = x25519_pair();
    p.tamper = Some(tamper(Who::Server, HandshakeType::ServerKeyExchange, |m| {
        m[5..7].copy_from_slice(&NamedGroup::Secp384r1.to_wire().to_be_bytes());
    }));
    p.fails(Who::Client, A::IllegalParameter);
}

#[test]
fn a_server_key_exchange_scheme_not_offered_or_not_fitting_the_suite_is_illegal_parameter() {
    for scheme in [SignatureScheme::EcdsaSha1, SignatureScheme::RsaPkcs1Sha256] {
        let mut p = x25519_pair();
        p.tamper = Some(tamper(
            Who::Server,
            HandshakeType::ServerKeyExchange,
            move |m| {
                m[40..42].copy_from_slice(&scheme.to_wire().to_be_bytes());
            },
        ));
        p.fails(Who::Client, A::IllegalParameter);
    }
}

#[test]
fn an_ecdsa_certificate_on_a_curve_the_client_did_not_offer_is_handshake_failure() {
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1].into();
    let err = pair(client, server12_config(), KeyKind::EcdsaP384, None)
        .fails(Who::Server, A::HandshakeFailure);
    assert!(err.to_string().contains("curve"), "{err}");
    // With P-384 offered it works.
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp384r1].into();
    complete12(&mut pair(
        client,
        server12_config(),
        KeyKind::EcdsaP384,
        None,
    ));
}

#[test]
fn a_certificate_that_fits_no_offered_suite_is_handshake_failure() {
    let mut client = client12_config();
    client.suites = vec![TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256].into();
    pair(client, server12_config(), KeyKind::Rsa2048, None).fails(Who::Server, A::HandshakeFailure);
    let mut client = client12_config();
    client.suites = vec![TLS12_ECDHE_RSA_AES_128_GCM_SHA256].into();
    pair(client, server12_config(), KeyKind::Ed25519, None).fails(Who::Server, A::HandshakeFailure);
}

#[test]
fn no_common_suite_or_group_is_handshake_failure() {
    let mut client = client12_config();
    client.suites = vec![TLS12_ECDHE_RSA_AES_128_GCM_SHA256].into();
    let mut server = server12_config();
    server.suites = vec![TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256].into();
    pair(client, server, KeyKind::EcdsaP256, None).fails(Who::Server, A::HandshakeFailure);
    let mut client = client12_config();
    client.groups = vec![NamedGroup::X25519].into();
    let mut server = server12_config();
    server.groups = vec![NamedGroup::Secp256r1].into();
    pair(client, server, KeyKind::EcdsaP256, None).fails(Who::Server, A::HandshakeFailure);
}

#[test]
fn a_server_certificate_for_another_name_is_bad_certificate() {
    let mut client = client12_config();
    client.server_name = common::name("other.example");
    pair(client, server12_config(), KeyKind::EcdsaP256, None).fails(Who::Client, A::BadCertificate);
}

#[test]
fn no_server_certificate_is_unrecognized_name_with_sni() {
    let pki = Pki::new();
    let mut answers = pki.answers(KeyKind::EcdsaP256, None);
    answers.server_cert = None;
    pair_with_answers(client12_config(), server12_config(), answers)
        .fails(Who::Server, A::UnrecognizedName);
}

// ---------------------------------------------------------------------------------------
// Finished and ChangeCipherSpec
// ---------------------------------------------------------------------------------------

#[test]
fn a_tampered_client_finished_is_decrypt_error() {
    let mut p = pair12();
    p.tamper = Some(tamper(Who::Client, HandshakeType::Finished, |m| {
        *m.last_mut().unwrap() ^= 1;
    }));
    p.fails(Who::Server, A::DecryptError);
}

#[test]
fn a_tampered_server_finished_is_decrypt_error() {
    let mut p = pair12();
    p.tamper = Some(tamper(Who::Server, HandshakeType::Finished, |m| {
        *m.last_mut().unwrap() ^= 1;
    }));
    p.fails(Who::Client, A::DecryptError);
}

#[test]
fn change_cipher_spec_out_of_order_is_unexpected_message() {
    let cases = [
        (
            Who::Client,
            When::Before(HandshakeType::ServerKeyExchange, 0),
        ),
        (Who::Client, When::Before(HandshakeType::Finished, 0)),
        (
            Who::Server,
            When::Before(HandshakeType::ClientKeyExchange, 0),
        ),
        (Who::Server, When::Before(HandshakeType::Finished, 0)),
    ];
    for (who, when) in cases {
        let mut p = pair12();
        p.interjection = Some(Interjection {
            who,
            when,
            bogus: Some(Bogus::Ccs),
        });
        let err = p.fails(who, A::UnexpectedMessage);
        assert!(
            matches!(err, HandshakeError::UnexpectedChangeCipherSpec(_)),
            "{who:?} {when:?}: {err}"
        );
    }
    // Before the ClientHello.
    let mut server = Server::new(server12_config(), random(2));
    let err = server.handle_vec(Input::ChangeCipherSpec).unwrap_err();
    assert_eq!(err.alert(), A::UnexpectedMessage);
}

#[test]
fn finished_without_change_cipher_spec_is_unexpected_message() {
    for who in [Who::Client, Who::Server] {
        let mut p = pair12();
        p.interjection = Some(Interjection {
            who,
            when: When::BeforeCcs,
            bogus: Some(Bogus::Message(finished12())),
        });
        p.fails(who, A::UnexpectedMessage);
    }
}

// ---------------------------------------------------------------------------------------
// Extended master secret (RFC 7627)
// ---------------------------------------------------------------------------------------

#[test]
fn a_server_hello_without_extended_master_secret_is_handshake_failure_when_required() {
    let mut p = pair12();
    p.tamper = Some(edit_server_hello(|sh| {
        sh.extensions
            .0
            .retain(|e| *e != Extension::ExtendedMasterSecret)
    }));
    let err = p.fails(Who::Client, A::HandshakeFailure);
    assert!(err.to_string().contains("extended master secret"), "{err}");

    // Not required: the client goes on with the RFC 5246 master secret, which the
    // server (that did use the extended one) does not share: the client's Finished
    // record does not open.
    let mut config = client_config();
    config.require_extended_master_secret = false;
    let mut p = pair(config, server12_config(), KeyKind::EcdsaP256, None);
    p.tamper = Some(edit_server_hello(|sh| {
        sh.extensions
            .0
            .retain(|e| *e != Extension::ExtendedMasterSecret)
    }));
    p.fails(Who::Server, A::BadRecordMac);
}

#[test]
fn a_client_hello_without_extended_master_secret_is_handshake_failure_when_required() {
    let mut p = pair12();
    p.tamper = Some(edit_client_hello(|ch| {
        ch.extensions
            .0
            .retain(|e| *e != Extension::ExtendedMasterSecret)
    }));
    p.fails(Who::Server, A::HandshakeFailure);
}

/// What the hand-written legacy client saw.
struct Legacy {
    server: Server,
    server_hello: ServerHello<'static>,
    master: Vec<u8>,
    server_key_log: Vec<u8>,
}

/// Feeds `input` to `server`, answering its requests; returns what it sent and did.
fn drive(server: &mut Server, answers: &common::Answers, input: Input<'_>) -> Vec<Action> {
    let mut out = Vec::new();
    let mut pending = server.handle_vec(input).unwrap();
    loop {
        let mut next = Vec::new();
        for action in pending {
            match action {
                Action::Request(request) => {
                    next.extend(
                        server
                            .handle_vec(Input::Answer(answers.answer(&request)))
                            .unwrap(),
                    );
                }
                other => out.push(other),
            }
        }
        if next.is_empty() {
            return out;
        }
        pending = next;
    }
}

/// The messages sent, one by one (a flight's share one Send).
fn sent(actions: &[Action]) -> Vec<Vec<u8>> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(flight) => Some(split_messages(flight).map(<[u8]>::to_vec)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A TLS 1.2 client written out by hand from RFC 5246 §7.3 and RFC 8422, as a legacy
/// client does it: no extended_master_secret, no renegotiation_info.
fn legacy_client(config: ServerHandshakeConfig) -> Result<Legacy, HandshakeError> {
    let pki = Pki::new();
    let answers = pki.answers(KeyKind::EcdsaP256, None);
    let client_random = random(5);
    let ch = bytes(HandshakeMessage::ClientHello(ClientHello {
        legacy_version: ProtocolVersion::Tls12,
        random: client_random,
        legacy_session_id: Cow::Borrowed(&[]),
        cipher_suites: vec![CipherSuite::TlsEcdheEcdsaWithAes128GcmSha256].into(),
        legacy_compression_methods: Cow::Borrowed(&[0]),
        extensions: strata_handshake::Extensions(vec![
            Extension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::Secp256r1].into()),
            Extension::EcPointFormats(Cow::Borrowed(&[0])),
            Extension::SignatureAlgorithms(SUPPORTED_SCHEMES.to_vec().into()),
        ]),
    }));
    let mut server = Server::new(config, random(6));
    server.handle_vec(Input::Message(RawMessage::from_encoded(&ch).unwrap()))?;
    // The first handle asked for a certificate: answer it and what follows.
    let cert = Answer::Certificate(answers.server_cert.clone());
    let mut flight = Vec::new();
    let mut pending = server.handle_vec(Input::Answer(cert))?;
    while let Some(Action::Request(request)) = pending.last() {
        let answer = answers.answer(request);
        flight.extend(sent(&pending));
        pending = server.handle_vec(Input::Answer(answer))?;
    }
    flight.extend(sent(&pending));
    assert_eq!(
        flight.iter().map(|m| m[0]).collect::<Vec<_>>(),
        [2, 11, 12, 14]
    );

    let mut transcript = Transcript::new();
    transcript.start_hash(HashAlgorithm::Sha256).unwrap();
    transcript.add(&ch);
    flight.iter().for_each(|m| transcript.add(m));
    let HandshakeMessage::ServerHello(server_hello) = decode12(&flight[0]) else {
        panic!()
    };
    let HandshakeMessage::ServerKeyExchange(ske) = decode12(&flight[2]) else {
        panic!()
    };
    let group = KeyExchangeGroup::from_named_group(ske.params.group).unwrap();
    let ours = EphemeralKeyPair::generate(group, &SystemRandom::new()).unwrap();
    let cke = bytes(HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
        public: Cow::Owned(ours.public_key().to_vec()),
    }));
    let pre_master = ours.agree(&ske.params.public).unwrap();
    let master = tls12::master_secret(
        HashAlgorithm::Sha256,
        pre_master.as_bytes(),
        &client_random,
        &server_hello.random,
    );
    transcript.add(&cke);
    let verify = tls12::verify_data(
        HashAlgorithm::Sha256,
        &master,
        Sender::Client,
        transcript.current_hash().unwrap().as_bytes(),
    );
    let finished = bytes(HandshakeMessage::Finished(Finished {
        verify_data: Cow::Borrowed(&verify),
    }));
    transcript.add(&finished);

    let mut log = Vec::new();
    for action in drive(
        &mut server,
        &answers,
        Input::Message(RawMessage::from_encoded(&cke).unwrap()),
    ) {
        if let Action::KeyLog(entry) = action {
            log = entry.secret.as_bytes().to_vec();
        }
    }
    assert!(drive(&mut server, &answers, Input::ChangeCipherSpec).len() == 1);
    let last = drive(
        &mut server,
        &answers,
        Input::Message(RawMessage::from_encoded(&finished).unwrap()),
    );
    assert!(matches!(last[0], Action::SendChangeCipherSpec));
    let server_finished = sent(&last);
    let expected = tls12::verify_data(
        HashAlgorithm::Sha256,
        &master,
        Sender::Server,
        transcript.current_hash().unwrap().as_bytes(),
    );
    assert_eq!(
        server_finished,
        [bytes(HandshakeMessage::Finished(Finished {
            verify_data: Cow::Borrowed(&expected),
        }))]
    );
    assert!(last
        .iter()
        .any(|a| matches!(a, Action::Event(Event::HandshakeComplete(_)))));
    Ok(Legacy {
        server,
        server_hello,
        master: master.as_bytes().to_vec(),
        server_key_log: log,
    })
}

#[test]
fn a_legacy_client_without_extended_master_secret_is_served_only_when_not_required() {
    let err = legacy_client(server_config()).err().unwrap();
    assert_eq!(err.alert(), A::HandshakeFailure);

    let mut config = server_config();
    config.require_extended_master_secret = false;
    let legacy = legacy_client(config).unwrap();
    assert!(!legacy.server.is_handshaking());
    assert_eq!(legacy.server.version(), Some(TlsVersion::Tls12));
    assert_eq!(legacy.master, legacy.server_key_log);
    // RFC 5746 §3.6: with neither signal, no renegotiation_info in return; RFC 7627 §5.2:
    // no extended_master_secret either. The sentinel is there: TLS 1.3 is enabled.
    let ext = &legacy.server_hello.extensions.0;
    assert!(!has_extension(ext, |e| matches!(
        e,
        Extension::RenegotiationInfo(_) | Extension::ExtendedMasterSecret
    )));
    assert_eq!(&legacy.server_hello.random[24..], b"DOWNGRD\x01");
    // RFC 7627 §5.4: no exporter without the extended master secret.
    let mut out = [0; 16];
    assert!(legacy
        .server
        .export_keying_material(b"EXPORTER-test", None, &mut out)
        .is_err());
}

// ---------------------------------------------------------------------------------------
// Renegotiation (RFC 5746)
// ---------------------------------------------------------------------------------------

#[test]
fn a_non_empty_renegotiation_info_is_handshake_failure() {
    let mut p = pair12();
    p.tamper = Some(edit_server_hello(|sh| {
        for e in &mut sh.extensions.0 {
            if let Extension::RenegotiationInfo(info) = e {
                *info = Cow::Owned(vec![1; 24]);
            }
        }
    }));
    p.fails(Who::Client, A::HandshakeFailure);

    let mut p = pair12();
    p.tamper = Some(edit_client_hello(|ch| {
        for e in &mut ch.extensions.0 {
            if let Extension::RenegotiationInfo(info) = e {
                *info = Cow::Owned(vec![1; 12]);
            }
        }
    }));
    p.fails(Who::Server, A::HandshakeFailure);
}

#[test]
fn the_scsv_alone_gets_an_empty_renegotiation_info() {
    let mut p = pair(
        client12_config(),
        server12_config(),
        KeyKind::EcdsaP256,
        None,
    );
    p.tamper = Some(edit_client_hello(|ch| {
        ch.extensions
            .0
            .retain(|e| !matches!(e, Extension::RenegotiationInfo(_)));
        let mut suites = ch.cipher_suites.to_vec();
        suites.push(CipherSuite::TlsEmptyRenegotiationInfoScsv);
        ch.cipher_suites = suites.into();
    }));
    // The server's transcript holds the edited ClientHello, the client's the original:
    // their extended master secrets differ, after the ServerHello was sent.
    p.fails(Who::Server, A::BadRecordMac);
    let HandshakeMessage::ServerHello(sh) = decode12(&p.server.sent[0]) else {
        panic!()
    };
    assert!(has_extension(&sh.extensions.0, |e| *e
        == Extension::RenegotiationInfo(Cow::Borrowed(&[]))));
}

#[test]
fn a_hello_request_after_the_handshake_gets_a_no_renegotiation_warning() {
    let mut p = pair12();
    complete12(&mut p);
    p.feed(Who::Client, &hello_request()).unwrap();
    p.run().unwrap();
    assert_eq!(p.client.warnings_sent, [A::NoRenegotiation]);
    assert_eq!(p.server.warnings_received, [A::NoRenegotiation]);
    assert!(!p.client.machine.is_handshaking());
    p.check_exporters();
    // Again: still connected.
    p.feed(Who::Client, &hello_request()).unwrap();
    assert_eq!(p.client.warnings_sent.len(), 2);
}

#[test]
fn a_hello_request_during_the_handshake_is_ignored() {
    let mut p = pair12();
    p.interjection = Some(Interjection {
        who: Who::Client,
        when: When::Before(HandshakeType::ServerKeyExchange, 0),
        bogus: Some(Bogus::Message(hello_request())),
    });
    complete12(&mut p);
    assert!(p.interjection.unwrap().bogus.is_none(), "it was fed");
    assert!(p.client.warnings_sent.is_empty());
}

#[test]
fn a_client_hello_at_a_connected_server_is_a_fatal_handshake_failure() {
    // strata refuses renegotiation outright: a second ClientHello ends the connection.
    let mut p = pair12();
    complete12(&mut p);
    let ch = bytes(HandshakeMessage::ClientHello(client_hello(
        client12_config(),
    )));
    let err = p.feed(Who::Server, &ch).unwrap_err();
    assert_eq!(err.alert(), A::HandshakeFailure);
    assert!(err.error.to_string().contains("renegotiation"), "{err:?}");
    assert!(p.server.warnings_sent.is_empty());
}

// ---------------------------------------------------------------------------------------
// Client authentication
// ---------------------------------------------------------------------------------------

#[test]
fn a_required_client_certificate_that_is_missing_is_handshake_failure() {
    let err = pair(client_config(), auth_server(true), KeyKind::EcdsaP256, None)
        .fails(Who::Server, A::HandshakeFailure);
    assert!(err.to_string().contains("no certificate"), "{err}");
}

#[test]
fn a_tampered_client_certificate_verify_is_decrypt_error() {
    for kind in [KeyKind::EcdsaP256, KeyKind::Rsa2048, KeyKind::Ed25519] {
        let mut p = pair(
            client_config(),
            auth_server(true),
            KeyKind::EcdsaP256,
            Some(kind),
        );
        p.tamper = Some(tamper(Who::Client, HandshakeType::CertificateVerify, |m| {
            *m.last_mut().unwrap() ^= 1;
        }));
        p.fails(Who::Server, A::DecryptError);
    }
}

#[test]
fn a_client_certificate_verify_with_a_scheme_not_offered_is_illegal_parameter() {
    let mut p = pair(
        client_config(),
        auth_server(true),
        KeyKind::EcdsaP256,
        Some(KeyKind::EcdsaP256),
    );
    p.tamper = Some(tamper(Who::Client, HandshakeType::CertificateVerify, |m| {
        m[4..6].copy_from_slice(&SignatureScheme::EcdsaSha1.to_wire().to_be_bytes());
    }));
    p.fails(Who::Server, A::IllegalParameter);
}

#[test]
fn a_client_chain_to_an_unknown_ca_is_unknown_ca() {
    let pki = Pki::new();
    let other = Pki::new();
    let mut answers = pki.answers(KeyKind::EcdsaP256, None);
    answers.client_cert = Some(other.client_key(KeyKind::EcdsaP256));
    pair_with_answers(client_config(), auth_server(false), answers)
        .fails(Who::Server, A::UnknownCa);
}

#[test]
fn a_client_that_may_send_no_certificate_answers_a_request_with_an_empty_one() {
    let mut client = client12_config();
    client.may_send_certificate = false;
    let mut p = pair(client, auth_server(false), KeyKind::EcdsaP256, None);
    complete12(&mut p);
    assert!(p.server.negotiated().unwrap().peer_certificates.is_empty());
}

#[test]
fn a_client_that_may_send_no_certificate_kept_nothing_to_sign() {
    // It keeps no messages, so a certificate chosen all the same cannot be signed for:
    // internal_error, never a CertificateVerify over the wrong content.
    let mut client = client12_config();
    client.may_send_certificate = false;
    let mut p = pair(
        client,
        auth_server(true),
        KeyKind::EcdsaP256,
        Some(KeyKind::EcdsaP256),
    );
    p.fails(Who::Client, A::InternalError);
}

#[test]
fn a_client_key_the_request_does_not_allow_sends_an_empty_certificate() {
    let mut server = auth_server(false);
    server.signature_schemes = vec![SignatureScheme::EcdsaSecp256r1Sha256].into();
    let mut p = pair(
        client_config(),
        server,
        KeyKind::EcdsaP256,
        Some(KeyKind::Rsa2048),
    );
    complete12(&mut p);
    assert!(p.server.negotiated().unwrap().peer_certificates.is_empty());
    assert_eq!(
        p.client.requests,
        ["VerifyServerChain", "ChooseClientCertificate"]
    );
}

// ---------------------------------------------------------------------------------------
// The client's ServerHello checks
// ---------------------------------------------------------------------------------------

#[test]
fn server_hellos_the_client_must_refuse() {
    type Edit = Box<dyn Fn(&mut ServerHello<'static>)>;
    let cases: Vec<(&str, Edit, A)> = vec![
        (
            "a suite not offered",
            Box::new(|sh| sh.cipher_suite = CipherSuite::Tls13Aes128GcmSha256),
            A::IllegalParameter,
        ),
        (
            "a compression method",
            Box::new(|sh| sh.legacy_compression_method = 1),
            A::IllegalParameter,
        ),
        (
            "the client's session ID echoed",
            Box::new(|sh| sh.legacy_session_id_echo = Cow::Owned(vec![0x55; 32])),
            A::IllegalParameter,
        ),
        (
            // The client now offers session_ticket (RFC 5077), so an empty one is an
            // answer; encrypt_then_mac is never offered.
            "an unsolicited extension",
            Box::new(|sh| {
                sh.extensions.0.push(Extension::Unknown {
                    ty: strata_handshake::ExtensionType::EncryptThenMac,
                    data: Cow::Borrowed(&[]),
                })
            }),
            A::UnsupportedExtension,
        ),
        (
            "ec_point_formats without uncompressed",
            Box::new(|sh| {
                sh.extensions
                    .0
                    .push(Extension::EcPointFormats(Cow::Borrowed(&[1])))
            }),
            A::IllegalParameter,
        ),
        (
            "ALPN that was not offered",
            Box::new(|sh| {
                sh.extensions
                    .0
                    .push(Extension::Alpn(vec![Cow::Borrowed(b"h2")]))
            }),
            A::UnsupportedExtension,
        ),
    ];
    for (why, edit, alert) in cases {
        let mut p = pair12();
        p.tamper = Some(edit_server_hello(edit));
        let failure = p.run().expect_err(why);
        assert_eq!(
            (failure.who, failure.alert()),
            (Who::Client, alert),
            "{why}: {}",
            failure.error
        );
    }
}

#[test]
fn an_empty_server_certificate_is_handshake_failure() {
    let mut p = pair12();
    p.tamper = Some(tamper(Who::Server, HandshakeType::Certificate, |m| {
        *m = empty_certificate12();
    }));
    p.fails(Who::Client, A::HandshakeFailure);
}

// ---------------------------------------------------------------------------------------
// Messages out of order, in every state
// ---------------------------------------------------------------------------------------

fn out_of_order(who: Who, when: When, message: Vec<u8>, auth: bool) {
    let mut p = if auth {
        pair(
            client_config(),
            auth_server(true),
            KeyKind::EcdsaP256,
            Some(KeyKind::EcdsaP256),
        )
    } else {
        pair12()
    };
    p.interjection = Some(Interjection {
        who,
        when,
        bogus: Some(Bogus::Message(message)),
    });
    let failure = p.run().expect_err("must fail");
    assert_eq!(
        (failure.who, failure.alert()),
        (who, A::UnexpectedMessage),
        "{who:?} {when:?} {auth}: {}",
        failure.error
    );
    assert!(
        matches!(failure.error, HandshakeError::UnexpectedMessage { .. }),
        "{who:?} {when:?}: {}",
        failure.error
    );
}

#[test]
fn client_states_refuse_messages_out_of_order() {
    use HandshakeType as T;
    let cases = [
        (When::Before(T::ServerHello, 0), server_hello_done(), false),
        (When::Before(T::Certificate, 0), server_hello_done(), false),
        (
            When::During("VerifyServerChain"),
            server_hello_done(),
            false,
        ),
        (
            When::Before(T::ServerKeyExchange, 0),
            server_hello_done(),
            false,
        ),
        (When::Before(T::ServerHelloDone, 0), finished12(), false),
        (When::Before(T::CertificateRequest, 0), finished12(), true),
        (
            When::Before(T::ServerHelloDone, 0),
            empty_certificate12(),
            true,
        ),
        (
            When::During("ChooseClientCertificate"),
            server_hello_done(),
            true,
        ),
        (When::During("Sign"), server_hello_done(), true),
        (When::BeforeCcs, server_hello_done(), false),
        (When::Before(T::Finished, 0), server_hello_done(), false),
    ];
    for (when, message, auth) in cases {
        out_of_order(Who::Client, when, message, auth);
    }
    // Connected: anything but HelloRequest.
    let mut p = pair12();
    complete12(&mut p);
    let err = p.feed(Who::Client, &finished12()).unwrap_err();
    assert_eq!(err.alert(), A::UnexpectedMessage);
}

#[test]
fn server_states_refuse_messages_out_of_order() {
    use HandshakeType as T;
    let cases = [
        (When::During("ChooseServerCertificate"), finished12(), false),
        (When::During("Sign"), finished12(), false),
        (When::Before(T::Certificate, 0), client_key_exchange(), true),
        (When::During("VerifyClientChain"), finished12(), true),
        (When::Before(T::ClientKeyExchange, 0), finished12(), false),
        (
            When::Before(T::ClientKeyExchange, 0),
            empty_certificate12(),
            true,
        ),
        (When::Before(T::CertificateVerify, 0), finished12(), true),
        (When::BeforeCcs, client_key_exchange(), false),
        (When::Before(T::Finished, 0), client_key_exchange(), false),
    ];
    for (when, message, auth) in cases {
        out_of_order(Who::Server, when, message, auth);
    }
    // Before the ClientHello.
    let mut server = Server::new(server12_config(), random(2));
    let err = server
        .handle_vec(Input::Message(
            RawMessage::from_encoded(&finished12()).unwrap(),
        ))
        .unwrap_err();
    assert_eq!(err.alert(), A::UnexpectedMessage);
}

#[test]
fn an_answer_out_of_turn_is_internal_error() {
    let mut p = pair12();
    p.interjection = Some(Interjection {
        who: Who::Client,
        when: When::During("VerifyServerChain"),
        bogus: Some(Bogus::Answer(Answer::Certificate(None))),
    });
    p.fails(Who::Client, A::InternalError);
    let mut p = pair12();
    p.interjection = Some(Interjection {
        who: Who::Server,
        when: When::Before(HandshakeType::ClientKeyExchange, 0),
        bogus: Some(Bogus::Answer(Answer::ChainVerified(Ok(())))),
    });
    p.fails(Who::Server, A::InternalError);
}

// ---------------------------------------------------------------------------------------
// After the handshake
// ---------------------------------------------------------------------------------------

#[test]
fn tls12_has_no_key_update_and_exporters_need_the_handshake() {
    let mut p = pair12();
    let mut out = [0; 8];
    assert!(p
        .client
        .machine
        .export_keying_material(b"EXPORTER-x", None, &mut out)
        .is_err());
    assert!(p
        .server
        .machine
        .export_keying_material(b"EXPORTER-x", None, &mut out)
        .is_err());
    complete12(&mut p);
    assert!(p.client.machine.update_keys_vec(true).is_err());
    assert!(p.server.machine.update_keys_vec(false).is_err());
    // No context and an empty context differ (RFC 5705 §4); an empty label is refused.
    let (mut a, mut b) = ([0; 16], [0; 16]);
    p.client
        .machine
        .export_keying_material(b"EXPORTER-x", None, &mut a)
        .unwrap();
    p.client
        .machine
        .export_keying_material(b"EXPORTER-x", Some(b""), &mut b)
        .unwrap();
    assert_ne!(a, b);
    assert!(p
        .client
        .machine
        .export_keying_material(b"", None, &mut a)
        .is_err());
}

#[test]
fn the_server_entry_issues_tickets_only_after_tls13() {
    let mut server = Server::new(server_config(), random(2));
    assert!(server
        .issue_ticket(60, 1, vec![1], &mut Vec::new())
        .is_err());
    assert_eq!(server.version(), None);
}

#[test]
fn secrets_are_not_printed() {
    let (client, _) = common::start_tls12_client(client_config(), random(1)).unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains("WaitServerHello"), "{shown}");
    let (client, _) = common::start_client(client_config(), random(1), [0; 32]).unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("private"), "{shown}");
}

#[test]
fn a_hello_retry_request_keeps_a_client_of_both_versions_in_tls13() {
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1].into();
    let mut server = server_config();
    server.groups = vec![NamedGroup::Secp256r1].into();
    let mut p = pair(client, server, KeyKind::EcdsaP256, None);
    p.run().unwrap();
    let n = p.check_agreement();
    assert_eq!(
        (n.version, n.group),
        (TlsVersion::Tls13, NamedGroup::Secp256r1)
    );
    // The second ClientHello offers TLS 1.2 as the first did.
    let HandshakeMessage::ClientHello(second) = decode12(&p.client.sent[1]) else {
        panic!()
    };
    assert!(has_extension(&second.extensions.0, |e| *e
        == Extension::ExtendedMasterSecret));
}

#[test]
fn a_version_enabled_without_a_suite_is_not_spoken() {
    // A client of both versions with TLS 1.2 suites only sends a plain TLS 1.2 hello.
    let mut client = client_config();
    client.suites = vec![TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256].into();
    let ch = client_hello(client.clone());
    assert!(!has_extension(&ch.extensions.0, |e| matches!(
        e,
        Extension::SupportedVersions(_)
    )));
    // A server of both versions with TLS 1.2 suites only sets no downgrade sentinel.
    let mut server = server_config();
    server.suites = vec![TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256].into();
    let mut p = pair(client_config(), server, KeyKind::EcdsaP256, None);
    complete12(&mut p);
    assert_eq!(server_random(&p), random(2));
    // Nothing to offer at all is a configuration error.
    let mut client = client_config();
    client.suites = vec![].into();
    assert!(common::start_client(client, random(1), [0; 32]).is_err());
}
