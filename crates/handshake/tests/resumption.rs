#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Session resumption, driven in memory (see `common/mod.rs`): TLS 1.3 tickets and PSK
//! binders (RFC 8446 §2.2, §4.2.11, §4.6.1), ticket key rotation, and the TLS 1.2
//! abbreviated handshake by session ID and RFC 5077 ticket (RFC 5246 §7.3, RFC 7627 §5.3).

mod common;

use std::sync::Arc;

use common::{Pair, Pki, Who, NOW};
use strata_alert::AlertDescription as A;
use strata_codec::Encode;
use strata_handshake::extensions::PskKeyExchangeMode;
use strata_handshake::machine::{
    ClientAuthPolicy, ClientHandshakeConfig, Event, Negotiated, Resumption, ServerHandshakeConfig,
    StoredTicket, Ticket, Tls12Session,
};
use strata_handshake::messages::HandshakeMessage;
use strata_handshake::suites::{
    TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256, TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384,
    TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384,
};
use strata_handshake::{
    Extension, HandshakeType, NamedGroup, Server, ServerSessionStore, SessionCache, TicketKeys,
    TlsVersion,
};
use strata_testdata::pki::KeyKind;

// ---------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------

fn random(tag: u8) -> [u8; 32] {
    let mut r = [tag; 32];
    r[0] = 0x42;
    r
}

fn client_config(versions: &[TlsVersion]) -> ClientHandshakeConfig {
    let mut config = ClientHandshakeConfig::new(common::name("example.com"));
    config.versions = versions.into();
    config.now = NOW;
    config
}

fn server_config(versions: &[TlsVersion], keys: Option<&Arc<TicketKeys>>) -> ServerHandshakeConfig {
    ServerHandshakeConfig {
        versions: versions.into(),
        ticket_keys: keys.cloned(),
        now: NOW,
        ..ServerHandshakeConfig::default()
    }
}

fn keys(tag: u8) -> Arc<TicketKeys> {
    Arc::new(TicketKeys::new([tag; 32]).unwrap())
}

fn with_client_auth(mut config: ServerHandshakeConfig) -> ServerHandshakeConfig {
    config.client_auth = ClientAuthPolicy::Required {
        authorities: Arc::new([]),
    };
    config
}

fn run(client: ClientHandshakeConfig, server: ServerHandshakeConfig, client_key: bool) -> Pair {
    let pki = Pki::new();
    let answers = pki.answers(KeyKind::EcdsaP256, client_key.then_some(KeyKind::EcdsaP256));
    let (c, actions) = common::start_client(client, random(1), [0x55; 32]).expect("client starts");
    let s = Server::new(server, random(2));
    let mut pair = Pair::new(Box::new(c), actions, Box::new(s), answers);
    pair.run()
        .unwrap_or_else(|f| panic!("{:?}: {}", f.who, f.error));
    pair
}

fn tickets(pair: &Pair) -> Vec<Ticket> {
    pair.client
        .events
        .iter()
        .filter_map(|e| match e {
            Event::TicketReceived(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn tls12_sessions(pair: &Pair) -> Vec<Tls12Session> {
    pair.client
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Tls12SessionEstablished(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Both sides completed and agree; returns the client's view.
fn agreed(pair: &Pair) -> Negotiated {
    let c = pair.client.negotiated().expect("client completed").clone();
    let s = pair.server.negotiated().expect("server completed").clone();
    assert_eq!(
        (
            c.version,
            c.suite,
            c.group,
            &c.alpn,
            &c.server_name,
            c.resumed
        ),
        (
            s.version,
            s.suite,
            s.group,
            &s.alpn,
            &s.server_name,
            s.resumed
        )
    );
    assert_eq!(pair.client.writes, pair.server.reads);
    assert_eq!(pair.server.writes, pair.client.reads);
    pair.check_exporters();
    c
}

fn sent_types(endpoint: &common::Endpoint) -> Vec<u8> {
    endpoint.sent.iter().map(|m| m[0]).collect()
}

fn resume13(ticket: Ticket, received: u64, now: u64) -> ClientHandshakeConfig {
    let mut config = client_config(&[TlsVersion::Tls13, TlsVersion::Tls12]);
    config.resumption = Some(Resumption::Tls13(StoredTicket { ticket, received }));
    config.now = now;
    config
}

const TLS13: &[TlsVersion] = &[TlsVersion::Tls13];
const TLS12: &[TlsVersion] = &[TlsVersion::Tls12];
const BOTH: &[TlsVersion] = &[TlsVersion::Tls13, TlsVersion::Tls12];

/// A full TLS 1.3 handshake with `keys`, returning its first ticket.
fn first_ticket(keys: &Arc<TicketKeys>) -> Ticket {
    let pair = run(client_config(BOTH), server_config(TLS13, Some(keys)), false);
    tickets(&pair).remove(0)
}

fn assert_full_tls13(pair: &Pair) {
    let n = agreed(pair);
    assert!(!n.resumed);
    assert!(sent_types(&pair.server).contains(&HandshakeType::Certificate.to_wire()));
}

// ---------------------------------------------------------------------------------------
// TLS 1.3
// ---------------------------------------------------------------------------------------

#[test]
fn tls13_server_sends_two_tickets_by_default_under_application_keys() {
    let k = keys(1);
    let pair = run(client_config(BOTH), server_config(TLS13, Some(&k)), false);
    let n = agreed(&pair);
    assert!(!n.resumed);
    let tickets = tickets(&pair);
    assert_eq!(tickets.len(), 2);
    assert_eq!(tickets[0].lifetime, 7200);
    assert_ne!(tickets[0].ticket, tickets[1].ticket);
    assert_ne!(tickets[0].psk.as_bytes(), tickets[1].psk.as_bytes());
    assert_eq!(tickets[0].server_name.as_deref(), Some("example.com"));
    assert_eq!(tickets[0].peer_certificates, n.peer_certificates);
}

#[test]
fn tls13_ticket_count_and_lifetime_are_configured() {
    let k = keys(1);
    let mut server = server_config(TLS13, Some(&k));
    server.tickets_per_handshake = 5;
    server.ticket_lifetime = 10_000_000;
    let pair = run(client_config(BOTH), server, false);
    let t = tickets(&pair);
    assert_eq!(t.len(), 5);
    assert_eq!(t[0].lifetime, 604_800, "capped at seven days");

    let mut server = server_config(TLS13, Some(&k));
    server.tickets_per_handshake = 0;
    assert!(tickets(&run(client_config(BOTH), server, false)).is_empty());
    // Without ticket keys, no tickets.
    assert!(tickets(&run(client_config(BOTH), server_config(TLS13, None), false)).is_empty());
}

#[test]
fn tls13_resumption_skips_certificates_and_agrees() {
    let k = keys(1);
    let full = run(client_config(BOTH), server_config(TLS13, Some(&k)), false);
    let original = agreed(&full);
    let ticket = tickets(&full).remove(0);

    let mut server = server_config(TLS13, Some(&k));
    server.now = NOW + 5;
    let pair = run(resume13(ticket, NOW, NOW + 5), server, false);
    let n = agreed(&pair);
    assert!(n.resumed);
    assert_eq!(n.version, TlsVersion::Tls13);
    assert_eq!(n.peer_signature_scheme, None);
    assert_eq!(n.peer_certificates, original.peer_certificates);
    let types = sent_types(&pair.server);
    for t in [
        HandshakeType::Certificate,
        HandshakeType::CertificateVerify,
        HandshakeType::CertificateRequest,
    ] {
        assert!(!types.contains(&t.to_wire()), "{t:?} on the wire");
    }
    assert!(pair.server.requests.is_empty() && pair.client.requests.is_empty());
    // The resumed session issues tickets of its own.
    assert_eq!(tickets(&pair).len(), 2);
    // The exporter differs from the original session's.
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    full.client
        .machine
        .export_keying_material(b"EXPORTER-test", None, &mut a)
        .unwrap();
    pair.client
        .machine
        .export_keying_material(b"EXPORTER-test", None, &mut b)
        .unwrap();
    assert_ne!(a, b);
}

#[test]
fn tls13_mutual_tls_identity_survives_resumption_twice() {
    let k = keys(1);
    let full = run(
        client_config(BOTH),
        with_client_auth(server_config(TLS13, Some(&k))),
        true,
    );
    let client_chain = full.server.negotiated().unwrap().peer_certificates.clone();
    assert_eq!(client_chain.len(), 2);
    let ticket = tickets(&full).remove(0);

    let resumed = run(
        resume13(ticket, NOW, NOW),
        with_client_auth(server_config(TLS13, Some(&k))),
        true,
    );
    assert!(agreed(&resumed).resumed);
    let server_view = resumed.server.negotiated().unwrap();
    assert_eq!(server_view.peer_certificates, client_chain);
    // No CertificateRequest, so the client sent no certificate.
    assert!(!sent_types(&resumed.client).contains(&HandshakeType::Certificate.to_wire()));

    // A ticket from the resumed session keeps the identity too.
    let again = run(
        resume13(tickets(&resumed).remove(0), NOW, NOW),
        with_client_auth(server_config(TLS13, Some(&k))),
        true,
    );
    assert!(agreed(&again).resumed);
    assert_eq!(
        again.server.negotiated().unwrap().peer_certificates,
        client_chain
    );
}

#[test]
fn tls13_previous_ticket_key_still_opens() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    k.rotate([2; 32]).unwrap();
    let pair = run(
        resume13(ticket, NOW, NOW),
        server_config(TLS13, Some(&k)),
        false,
    );
    assert!(agreed(&pair).resumed);
}

#[test]
fn tls13_ticket_two_rotations_old_is_a_full_handshake() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    k.rotate([2; 32]).unwrap();
    k.rotate([3; 32]).unwrap();
    let pair = run(
        resume13(ticket, NOW, NOW),
        server_config(TLS13, Some(&k)),
        false,
    );
    assert_full_tls13(&pair);
}

#[test]
fn tls13_ticket_of_other_keys_is_a_full_handshake() {
    let ticket = first_ticket(&keys(1));
    let pair = run(
        resume13(ticket, NOW, NOW),
        server_config(TLS13, Some(&keys(9))),
        false,
    );
    assert_full_tls13(&pair);
}

#[test]
fn tls13_expired_ticket_is_a_full_handshake() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    // The server sees the ticket past its lifetime (the client's clock is behind).
    let mut server = server_config(TLS13, Some(&k));
    server.now = NOW + 7201;
    let pair = run(
        resume13(ticket.clone(), NOW + 7201, NOW + 7201),
        server,
        false,
    );
    assert_full_tls13(&pair);

    // A client does not offer a ticket it knows to be expired.
    let pair = run(
        resume13(ticket, NOW, NOW + 7201),
        server_config(TLS13, Some(&k)),
        false,
    );
    assert_full_tls13(&pair);
    assert!(!offers_psk(&pair.client.sent[0]));
}

fn offers_psk(hello: &[u8]) -> bool {
    let ch = strata_handshake::messages::ClientHello::decode(&hello[4..]).unwrap();
    let found = ch
        .extensions
        .iter()
        .any(|e| matches!(e, strata_handshake::Extension::PreSharedKey(_)));
    found
}

#[test]
fn tls13_ticket_age_outside_the_window_is_a_full_handshake() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    // The client says the ticket is 60 s old; the server knows it is 0 s old.
    let pair = run(
        resume13(ticket, NOW - 60, NOW),
        server_config(TLS13, Some(&k)),
        false,
    );
    assert_full_tls13(&pair);
}

#[test]
fn tls13_garbage_ticket_is_a_full_handshake() {
    let k = keys(1);
    let mut ticket = first_ticket(&k);
    ticket.ticket = vec![0xab; 80];
    let pair = run(
        resume13(ticket.clone(), NOW, NOW),
        server_config(TLS13, Some(&k)),
        false,
    );
    assert_full_tls13(&pair);
    ticket.ticket = vec![1];
    let pair = run(
        resume13(ticket, NOW, NOW),
        server_config(TLS13, Some(&k)),
        false,
    );
    assert_full_tls13(&pair);
}

#[test]
fn tls13_tampered_ticket_is_a_full_handshake() {
    let k = keys(1);
    let original = first_ticket(&k);
    for at in [0, 5, 20, original.ticket.len() - 1] {
        let mut ticket = original.clone();
        ticket.ticket[at] ^= 0x01;
        let pair = run(
            resume13(ticket, NOW, NOW),
            server_config(TLS13, Some(&k)),
            false,
        );
        assert_full_tls13(&pair);
    }
}

#[test]
fn tls13_bad_binder_is_decrypt_error() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    let pki = Pki::new();
    let (c, actions) =
        common::start_client(resume13(ticket, NOW, NOW), random(1), [0x55; 32]).unwrap();
    let s = Server::new(server_config(TLS13, Some(&k)), random(2));
    let mut pair = Pair::new(
        Box::new(c),
        actions,
        Box::new(s),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.tamper = Some(Box::new(|who, message: &mut Vec<u8>| {
        if who == Who::Client && message[0] == HandshakeType::ClientHello.to_wire() {
            *message.last_mut().unwrap() ^= 0x80;
        }
    }));
    pair.fails(Who::Server, A::DecryptError);
}

#[test]
fn tls13_wrong_psk_is_decrypt_error() {
    // The ticket opens, but the client's PSK (and so its binder) is not the ticket's.
    let k = keys(1);
    let mut ticket = first_ticket(&k);
    ticket.psk = strata_handshake::Secret::from_slice(&[7; 32]).unwrap();
    let pki = Pki::new();
    let (c, actions) =
        common::start_client(resume13(ticket, NOW, NOW), random(1), [0x55; 32]).unwrap();
    let s = Server::new(server_config(TLS13, Some(&k)), random(2));
    let mut pair = Pair::new(
        Box::new(c),
        actions,
        Box::new(s),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.fails(Who::Server, A::DecryptError);
}

#[test]
fn tls13_suite_hash_mismatch_is_a_full_handshake() {
    let k = keys(1);
    let mut server = server_config(TLS13, Some(&k));
    server.suites = vec![TLS13_AES_256_GCM_SHA384].into();
    let full = run(client_config(BOTH), server, false);
    let ticket = tickets(&full).remove(0);
    assert_eq!(ticket.suite, TLS13_AES_256_GCM_SHA384);

    // Now the server speaks only a SHA-256 suite.
    let mut server = server_config(TLS13, Some(&k));
    server.suites = vec![TLS13_AES_128_GCM_SHA256].into();
    let pair = run(resume13(ticket, NOW, NOW), server, false);
    assert_full_tls13(&pair);
}

#[test]
fn tls13_resumption_after_hello_retry_request() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    let mut server = server_config(TLS13, Some(&k));
    server.groups = vec![NamedGroup::Secp384r1].into();
    server.hello_retry_cookie = true;
    let mut client = resume13(ticket, NOW, NOW);
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp384r1].into();
    let pair = run(client, server, false);
    let n = agreed(&pair);
    assert!(n.resumed);
    assert_eq!(n.group, NamedGroup::Secp384r1);
    let hellos = sent_types(&pair.server)
        .iter()
        .filter(|t| **t == HandshakeType::ServerHello.to_wire())
        .count();
    assert_eq!(hellos, 2, "a HelloRetryRequest and a ServerHello");
    assert_eq!(
        sent_types(&pair.client)
            .iter()
            .filter(|t| **t == HandshakeType::ClientHello.to_wire())
            .count(),
        2
    );
}

#[test]
fn tls13_psk_ke_alone_is_refused_by_default() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    let mut client = resume13(ticket, NOW, NOW);
    client.psk_modes = vec![PskKeyExchangeMode::PskKe].into();
    let server = server_config(TLS13, Some(&k));
    assert!(!server.allow_psk_ke);
    let pair = run(client, server, false);
    assert_full_tls13(&pair);
}

/// The extensions of the ServerHello `pair`'s server sent.
fn server_hello_extensions(pair: &Pair) -> Vec<Extension<'static>> {
    let sh = pair
        .server
        .sent
        .iter()
        .find(|m| m[0] == HandshakeType::ServerHello.to_wire())
        .expect("a ServerHello");
    let HandshakeMessage::ServerHello(sh) = HandshakeMessage::decode(sh, TlsVersion::Tls13)
        .unwrap()
        .into_owned()
    else {
        panic!("a ServerHello")
    };
    sh.extensions.0
}

fn has_key_share(extensions: &[Extension<'_>]) -> bool {
    extensions
        .iter()
        .any(|e| matches!(e, Extension::KeyShare(_)))
}

fn psk_ke_server(keys: &Arc<TicketKeys>) -> ServerHandshakeConfig {
    let mut server = server_config(TLS13, Some(keys));
    server.allow_psk_ke = true;
    server
}

/// RFC 8446 §4.2.9: psk_ke on both sides resumes without (EC)DHE: no key_share in
/// ServerHello, the handshake secret from Hash.length zeros (§7.1).
#[test]
fn tls13_psk_ke_resumes_without_key_share() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    let mut client = resume13(ticket, NOW, NOW);
    client.psk_modes = vec![PskKeyExchangeMode::PskKe].into();
    let pair = run(client, psk_ke_server(&k), false);
    let n = agreed(&pair);
    assert!(n.resumed);
    let extensions = server_hello_extensions(&pair);
    assert!(!has_key_share(&extensions));
    assert!(extensions
        .iter()
        .any(|e| matches!(e, Extension::PreSharedKeySelected(0))));
    assert!(!sent_types(&pair.server).contains(&HandshakeType::Certificate.to_wire()));
    // The client still offered a key share, for a full handshake.
    let ch = strata_handshake::messages::ClientHello::decode(&pair.client.sent[0][4..]).unwrap();
    assert!(ch
        .extensions
        .iter()
        .any(|e| matches!(e, Extension::KeyShares(s) if s.len() == 1)));
    // Its tickets resume again.
    let again = tickets(&pair).remove(0);
    let mut client = resume13(again, NOW, NOW);
    client.psk_modes = vec![PskKeyExchangeMode::PskKe].into();
    assert!(agreed(&run(client, psk_ke_server(&k), false)).resumed);
}

/// RFC 8446 §4.2.9: a server allowing psk_ke still prefers psk_dhe_ke when offered too.
#[test]
fn tls13_psk_ke_allowed_prefers_psk_dhe_ke() {
    let k = keys(1);
    for modes in [
        vec![PskKeyExchangeMode::PskDheKe],
        vec![PskKeyExchangeMode::PskKe, PskKeyExchangeMode::PskDheKe],
    ] {
        let mut client = resume13(first_ticket(&k), NOW, NOW);
        client.psk_modes = modes.into();
        let pair = run(client, psk_ke_server(&k), false);
        assert!(agreed(&pair).resumed);
        assert!(has_key_share(&server_hello_extensions(&pair)));
    }
}

/// RFC 8446 §4.2.11: a ServerHello selecting a PSK without key_share, when the client
/// offered only psk_dhe_ke, is illegal_parameter.
#[test]
fn tls13_server_hello_without_key_share_needs_psk_ke() {
    let k = keys(1);
    let ticket = first_ticket(&k);
    let pki = Pki::new();
    let (c, actions) =
        common::start_client(resume13(ticket, NOW, NOW), random(1), [0x55; 32]).unwrap();
    let s = Server::new(psk_ke_server(&k), random(2));
    let mut pair = Pair::new(
        Box::new(c),
        actions,
        Box::new(s),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.tamper = Some(Box::new(|who, message: &mut Vec<u8>| {
        if who != Who::Server || message[0] != HandshakeType::ServerHello.to_wire() {
            return;
        }
        let HandshakeMessage::ServerHello(mut sh) =
            HandshakeMessage::decode(message, TlsVersion::Tls13)
                .unwrap()
                .into_owned()
        else {
            panic!("a ServerHello")
        };
        sh.extensions
            .0
            .retain(|e| !matches!(e, Extension::KeyShare(_)));
        *message = HandshakeMessage::ServerHello(sh).to_bytes().to_vec();
    }));
    pair.fails(Who::Client, A::IllegalParameter);
}

#[test]
fn tls13_ticket_for_another_name_is_not_used() {
    let k = keys(1);
    let mut ticket = first_ticket(&k);
    // The client would not offer it for another name...
    let mut client = resume13(ticket.clone(), NOW, NOW);
    client.server_name = common::name("other.example");
    let offer = common::start_client(client, random(1), [0; 32]).unwrap().1;
    let strata_handshake::machine::Action::Send(hello) = &offer[0] else {
        panic!("a ClientHello first")
    };
    assert!(!offers_psk(hello));
    // ...and the server ignores a ticket whose SNI differs from the ClientHello's.
    ticket.server_name = None;
    let mut client = resume13(ticket, NOW, NOW);
    client.server_name = common::name("127.0.0.1");
    let pki = Pki::new();
    let (c, actions) = common::start_client(client, random(1), [0x55; 32]).unwrap();
    let s = Server::new(server_config(TLS13, Some(&k)), random(2));
    let mut pair = Pair::new(
        Box::new(c),
        actions,
        Box::new(s),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.run().unwrap_or_else(|f| panic!("{}", f.error));
    assert!(!agreed(&pair).resumed);
}

#[test]
fn tls13_server_without_ticket_keys_ignores_the_psk() {
    let ticket = first_ticket(&keys(1));
    let pair = run(
        resume13(ticket, NOW, NOW),
        server_config(TLS13, None),
        false,
    );
    assert_full_tls13(&pair);
}

#[test]
fn ticket_keys_seal_open_and_rotate() {
    let k = TicketKeys::new([1; 32]).unwrap();
    let sealed = k.seal(b"state").unwrap();
    assert_eq!(k.open(&sealed).unwrap().as_slice(), b"state");
    assert_ne!(k.seal(b"state").unwrap(), sealed, "a fresh nonce each time");
    k.rotate([2; 32]).unwrap();
    assert_eq!(k.open(&sealed).unwrap().as_slice(), b"state");
    let newer = k.seal(b"newer").unwrap();
    k.rotate([3; 32]).unwrap();
    assert!(k.open(&sealed).is_none());
    assert_eq!(k.open(&newer).unwrap().as_slice(), b"newer");
    assert!(k.open(&[]).is_none());
    assert!(TicketKeys::generate().unwrap().open(&newer).is_none());
    assert!(!format!("{k:?}").contains("01"));
}

// ---------------------------------------------------------------------------------------
// TLS 1.2
// ---------------------------------------------------------------------------------------

fn server12(
    keys: Option<&Arc<TicketKeys>>,
    cache: Option<&Arc<SessionCache>>,
) -> ServerHandshakeConfig {
    let mut config = server_config(TLS12, keys);
    config.session_store = cache.map(|c| Arc::clone(c) as Arc<dyn ServerSessionStore>);
    config
}

fn cache(capacity: usize) -> Arc<SessionCache> {
    Arc::new(SessionCache::new(capacity))
}

fn resume12(session: Tls12Session) -> ClientHandshakeConfig {
    let mut config = client_config(BOTH);
    config.resumption = Some(Resumption::Tls12(session));
    config
}

fn full12(server: ServerHandshakeConfig) -> (Pair, Tls12Session) {
    let pair = run(client_config(BOTH), server, false);
    let n = agreed(&pair);
    assert_eq!((n.version, n.resumed), (TlsVersion::Tls12, false));
    let session = tls12_sessions(&pair).pop().expect("a session to keep");
    (pair, session)
}

fn assert_abbreviated(pair: &Pair) -> Negotiated {
    let n = agreed(pair);
    assert_eq!((n.version, n.resumed), (TlsVersion::Tls12, true));
    let types = sent_types(&pair.server);
    for t in [HandshakeType::Certificate, HandshakeType::ServerKeyExchange] {
        assert!(!types.contains(&t.to_wire()), "{t:?} on the wire");
    }
    assert!(pair.client.requests.is_empty() && pair.server.requests.is_empty());
    assert_eq!((pair.client.ccs_sent, pair.server.ccs_sent), (1, 1));
    n
}

fn assert_full12(pair: &Pair) {
    let n = agreed(pair);
    assert_eq!((n.version, n.resumed), (TlsVersion::Tls12, false));
    assert!(sent_types(&pair.server).contains(&HandshakeType::Certificate.to_wire()));
}

#[test]
fn tls12_session_id_resumption() {
    let c = cache(8);
    let (full, session) = full12(server12(None, Some(&c)));
    assert_eq!(session.session_id.len(), 32);
    assert!(session.ticket.is_none());
    assert_eq!(c.len(), 1);
    let pair = run(resume12(session), server12(None, Some(&c)), false);
    let n = assert_abbreviated(&pair);
    assert_eq!(
        n.peer_certificates,
        full.client.negotiated().unwrap().peer_certificates
    );
    // The session stays as it was: nothing new to keep.
    assert!(tls12_sessions(&pair).is_empty());
}

#[test]
fn tls12_ticket_resumption_renews_the_ticket() {
    let k = keys(1);
    let (_, session) = full12(server12(Some(&k), None));
    assert!(session.session_id.is_empty());
    let ticket = session.ticket.clone().expect("a ticket");
    let pair = run(resume12(session), server12(Some(&k), None), false);
    assert_abbreviated(&pair);
    let renewed = tls12_sessions(&pair).pop().expect("a renewed ticket");
    assert_ne!(renewed.ticket.clone().unwrap(), ticket);
    // The renewed ticket resumes as well.
    let again = run(resume12(renewed), server12(Some(&k), None), false);
    assert_abbreviated(&again);
}

#[test]
fn tls12_mutual_tls_identity_survives_resumption() {
    let c = cache(8);
    let server = || with_client_auth(server12(None, Some(&c)));
    let full = run(client_config(BOTH), server(), true);
    let chain = full.server.negotiated().unwrap().peer_certificates.clone();
    assert_eq!(chain.len(), 2);
    let session = tls12_sessions(&full).pop().unwrap();
    let pair = run(resume12(session), server(), true);
    assert_abbreviated(&pair);
    assert_eq!(pair.server.negotiated().unwrap().peer_certificates, chain);
}

#[test]
fn tls12_unknown_session_id_is_a_full_handshake() {
    let c = cache(8);
    let (_, mut session) = full12(server12(None, Some(&c)));
    session.session_id = vec![7; 32];
    let pair = run(resume12(session), server12(None, Some(&c)), false);
    assert_full12(&pair);
    assert_eq!(c.len(), 2);
}

#[test]
fn tls12_tampered_or_foreign_ticket_is_a_full_handshake() {
    let k = keys(1);
    let (_, session) = full12(server12(Some(&k), None));
    let mut tampered = session.clone();
    tampered.ticket.as_mut().unwrap()[10] ^= 1;
    assert_full12(&run(resume12(tampered), server12(Some(&k), None), false));
    assert_full12(&run(
        resume12(session),
        server12(Some(&keys(2)), None),
        false,
    ));
}

#[test]
fn tls12_expired_session_is_a_full_handshake() {
    let c = cache(8);
    let (_, session) = full12(server12(None, Some(&c)));
    let mut server = server12(None, Some(&c));
    server.now = NOW + 7201;
    assert_full12(&run(resume12(session), server, false));
}

#[test]
fn tls12_session_cache_stays_bounded() {
    let c = cache(3);
    for _ in 0..30 {
        full12(server12(None, Some(&c)));
        assert!(c.len() <= 3);
    }
    assert_eq!((c.len(), c.capacity()), (3, 3));
}

#[test]
fn tls12_suite_mismatch_is_a_full_handshake() {
    let c = cache(8);
    let mut server = server12(None, Some(&c));
    server.suites = vec![TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256].into();
    let (_, session) = full12(server);
    assert_eq!(session.suite, TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256);
    let mut server = server12(None, Some(&c));
    server.suites = vec![TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384].into();
    let pair = run(resume12(session), server, false);
    assert_full12(&pair);
    assert_eq!(
        pair.client.negotiated().unwrap().suite,
        TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384
    );
}

/// RFC 7627 §5.3: a session with the extended master secret, offered by a ClientHello
/// without it, is handshake_failure.
#[test]
fn tls12_ems_session_resumed_without_ems_is_handshake_failure() {
    let c = cache(8);
    let (_, session) = full12(server12(None, Some(&c)));
    assert!(session.extended_master_secret);
    let mut server = server12(None, Some(&c));
    server.require_extended_master_secret = false;
    let pki = Pki::new();
    let (client, actions) = common::start_client(resume12(session), random(1), [0x55; 32]).unwrap();
    let mut pair = Pair::new(
        Box::new(client),
        actions,
        Box::new(Server::new(server, random(2))),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.tamper = Some(Box::new(|who, message: &mut Vec<u8>| {
        if who != Who::Client || message[0] != HandshakeType::ClientHello.to_wire() {
            return;
        }
        let HandshakeMessage::ClientHello(mut ch) =
            HandshakeMessage::decode(message, TlsVersion::Tls12)
                .unwrap()
                .into_owned()
        else {
            panic!("a ClientHello")
        };
        ch.extensions
            .0
            .retain(|e| !matches!(e, Extension::ExtendedMasterSecret));
        *message = HandshakeMessage::ClientHello(ch).to_bytes().to_vec();
    }));
    pair.fails(Who::Server, A::HandshakeFailure);
}

/// RFC 7627 §5.3 on the client: a session resumed with a different extended master secret
/// use is handshake_failure.
#[test]
fn tls12_client_refuses_resumption_with_different_ems() {
    let c = cache(8);
    let (_, mut session) = full12(server12(None, Some(&c)));
    session.extended_master_secret = false;
    let mut client = resume12(session);
    client.require_extended_master_secret = false;
    let pki = Pki::new();
    let (cl, actions) = common::start_client(client, random(1), [0x55; 32]).unwrap();
    let mut pair = Pair::new(
        Box::new(cl),
        actions,
        Box::new(Server::new(server12(None, Some(&c)), random(2))),
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.fails(Who::Client, A::HandshakeFailure);
}

#[test]
fn tls12_without_cache_or_keys_gives_no_session() {
    let pair = run(client_config(BOTH), server12(None, None), false);
    assert_full12(&pair);
    assert!(tls12_sessions(&pair).is_empty());
}
