//! Resumption through the facade: the client's session store and the server's tickets and
//! session cache, both versions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::*;
use strata::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, TlsVersion};
use strata_testdata::pki::KeyKind;

/// One full connection: handshake, a round trip (which carries the server's tickets),
/// close. Returns whether it resumed, and the client certificate the server saw.
fn connect(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) -> (bool, usize) {
    let mut c = ClientConnection::new(client.clone(), name("server.example")).unwrap();
    let mut s = ServerConnection::new(server.clone()).unwrap();
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    exchange(&mut c, &mut s);
    transfer(&mut s, &mut c, usize::MAX).unwrap();
    assert_eq!(c.is_resumed(), s.is_resumed());
    let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
    c.export_keying_material(b"EXPORTER-r", None, &mut a)
        .unwrap();
    s.export_keying_material(b"EXPORTER-r", None, &mut b)
        .unwrap();
    assert_eq!(a, b);
    (c.is_resumed(), s.peer_certificates().map_or(0, <[_]>::len))
}

#[test]
fn a_tls13_client_resumes_with_a_ticket_and_each_ticket_is_used_once() {
    let pki = Pki::new();
    let client = pki.client().build().unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .tickets(1, 3600)
        .build()
        .unwrap();
    assert!(
        !connect(&client, &server).0,
        "the first connection is a full handshake"
    );
    assert!(connect(&client, &server).0, "the second resumes");
    // One ticket per handshake, each used once: every resumed connection brings a new one.
    assert!(connect(&client, &server).0);
}

#[test]
fn a_tls12_client_resumes_by_ticket_and_by_session_id() {
    let pki = Pki::new();
    let client = pki.client().versions(&[TlsVersion::Tls12]).build().unwrap();
    let with_tickets = pki.server(KeyKind::EcdsaP256).build().unwrap();
    assert!(!connect(&client, &with_tickets).0);
    assert!(connect(&client, &with_tickets).0);
    // Without tickets, the session-ID cache.
    let client = pki.client().versions(&[TlsVersion::Tls12]).build().unwrap();
    let ids_only = pki.server(KeyKind::Rsa2048).tickets(0, 0).build().unwrap();
    assert!(!connect(&client, &ids_only).0);
    assert!(connect(&client, &ids_only).0);
    // Neither: always full.
    let client = pki.client().versions(&[TlsVersion::Tls12]).build().unwrap();
    let none = pki
        .server(KeyKind::EcdsaP256)
        .tickets(0, 0)
        .session_cache(0)
        .build()
        .unwrap();
    assert!(!connect(&client, &none).0);
    assert!(!connect(&client, &none).0);
}

#[test]
fn the_client_certificate_survives_resumption_in_both_versions() {
    let pki = Pki::new();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let client = pki
            .client()
            .versions(&[version])
            .client_certificate(pki.client_cert());
        let client = client.build().unwrap();
        let server = pki
            .server(KeyKind::EcdsaP256)
            .client_auth(pki.client_verifier(true));
        let server = server.build().unwrap();
        assert_eq!(connect(&client, &server), (false, 1), "{version:?}");
        assert_eq!(connect(&client, &server), (true, 1), "{version:?}");
    }
}

#[test]
fn tickets_under_a_key_rotated_out_twice_fall_back_to_a_full_handshake() {
    let pki = Pki::new();
    let client = pki.client().build().unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .tickets(4, 3600)
        .build()
        .unwrap();
    assert!(!connect(&client, &server).0);
    // One rotation: the previous key still opens.
    server.ticket_keys().unwrap().rotate([7; 32]).unwrap();
    assert!(connect(&client, &server).0);
    // Two more: tickets from before the first rotation no longer open. The client holds
    // tickets from both handshakes; drain it with connections that must all be resumed or
    // full, never fail, and the first one after the rotations is full.
    server.ticket_keys().unwrap().rotate([8; 32]).unwrap();
    server.ticket_keys().unwrap().rotate([9; 32]).unwrap();
    assert!(!connect(&client, &server).0);
}

#[test]
fn no_resumption_means_full_handshakes() {
    let pki = Pki::new();
    let client = pki.client().no_resumption().build().unwrap();
    let server = pki.server(KeyKind::EcdsaP256).build().unwrap();
    assert!(!connect(&client, &server).0);
    assert!(!connect(&client, &server).0);
}

#[test]
fn the_memory_store_is_bounded_by_server_names() {
    use strata::{ClientSessionStore, MemorySessionStore};
    let pki = Pki::new();
    let store = Arc::new(MemorySessionStore::new(3));
    let client = pki.client().session_store(store.clone()).build().unwrap();
    let server = pki.server(KeyKind::EcdsaP256).build().unwrap();
    for i in 0..10 {
        let host = format!("s{i}.example");
        let cert = pki.server_cert(KeyKind::EcdsaP256, &[&host]);
        let server = ServerConfig::builder_with_certificates(vec![cert])
            .time(clock())
            .build()
            .unwrap();
        let mut c = ClientConnection::new(client.clone(), name(&host)).unwrap();
        let mut s = ServerConnection::new(server).unwrap();
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        transfer(&mut s, &mut c, usize::MAX).unwrap();
    }
    assert_eq!(store.len(), 3);
    assert!(store.take_ticket("s9.example").is_some());
    assert!(store.take_ticket("s0.example").is_none());
    drop(server);
}

/// Records whether each ServerHello the client received carried key_share.
#[derive(Debug, Default)]
struct ServerHelloShares(std::sync::Mutex<Vec<bool>>);

impl strata::trace::HandshakeObserver for ServerHelloShares {
    fn message(
        &self,
        direction: strata::trace::Direction,
        message: &strata_handshake::HandshakeMessage<'_>,
    ) {
        if let (
            strata::trace::Direction::Received,
            strata_handshake::HandshakeMessage::ServerHello(sh),
        ) = (direction, message)
        {
            let share = sh
                .extensions
                .iter()
                .any(|e| matches!(e, strata_handshake::Extension::KeyShare(_)));
            self.0.lock().unwrap().push(share);
        }
    }
}

/// RFC 8446 §4.2.9: psk_ke resumes without key_share when both sides turn it on; a server
/// that does not allow it gives a full handshake; a client keeps psk_dhe_ke by default.
#[test]
fn psk_ke_is_opt_in_on_both_sides() {
    use strata::PskKeyExchangeMode as M;
    let pki = Pki::new();
    let seen = Arc::new(ServerHelloShares::default());
    let client = pki
        .client()
        .versions(&[TlsVersion::Tls13])
        .psk_key_exchange_modes(&[M::PskKe])
        .observer(seen.clone())
        .build()
        .unwrap();
    let allowing = pki
        .server(KeyKind::EcdsaP256)
        .allow_psk_ke(true)
        .build()
        .unwrap();
    assert!(!connect(&client, &allowing).0);
    assert!(connect(&client, &allowing).0);
    assert_eq!(
        *seen.0.lock().unwrap(),
        [true, false],
        "no key_share resumed"
    );

    // The default server refuses psk_ke: a full handshake, with key_share.
    let refusing = pki.server(KeyKind::EcdsaP256).build().unwrap();
    let client = pki
        .client()
        .psk_key_exchange_modes(&[M::PskKe])
        .build()
        .unwrap();
    assert!(!connect(&client, &refusing).0);
    assert!(!connect(&client, &refusing).0);

    // A default client resumes an allowing server with psk_dhe_ke.
    let seen = Arc::new(ServerHelloShares::default());
    let client = pki.client().observer(seen.clone()).build().unwrap();
    assert!(!connect(&client, &allowing).0);
    assert!(connect(&client, &allowing).0);
    assert_eq!(*seen.0.lock().unwrap(), [true, true]);

    assert!(pki.client().psk_key_exchange_modes(&[]).build().is_err());
}

/// A server session store that counts what passes through the in-memory cache it wraps.
#[derive(Debug)]
struct CountingStore {
    inner: strata::SessionCache,
    puts: std::sync::atomic::AtomicUsize,
    hits: std::sync::atomic::AtomicUsize,
}

impl strata::ServerSessionStore for CountingStore {
    fn put(&self, id: Vec<u8>, session: strata::ServerSession) {
        assert_eq!(id.len(), 32);
        self.puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // Through the byte form an external store would keep.
        let session = strata::ServerSession::from_bytes(&session.to_bytes()).unwrap();
        self.inner.put(id, session);
    }

    fn get(&self, id: &[u8]) -> Option<strata::ServerSession> {
        let found = self.inner.get(id);
        if found.is_some() {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        found
    }
}

/// RFC 5246 §7.3: a custom store sees the session put after the full TLS 1.2 handshake
/// and got back for the resumption by session ID (kept in its byte form meanwhile).
#[test]
fn a_custom_server_session_store_sees_tls12_resumption() {
    use std::sync::atomic::Ordering::SeqCst;
    let pki = Pki::new();
    let store = Arc::new(CountingStore {
        inner: strata::SessionCache::new(8),
        puts: 0.into(),
        hits: 0.into(),
    });
    let client = pki.client().versions(&[TlsVersion::Tls12]).build().unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .tickets(0, 0)
        .session_store(store.clone())
        .build()
        .unwrap();
    assert!(!connect(&client, &server).0);
    assert_eq!((store.puts.load(SeqCst), store.hits.load(SeqCst)), (1, 0));
    assert!(connect(&client, &server).0);
    assert_eq!((store.puts.load(SeqCst), store.hits.load(SeqCst)), (1, 1));
    assert_eq!(store.inner.len(), 1);
}

/// A clock the test moves forward.
#[derive(Debug)]
struct MovingClock(std::sync::atomic::AtomicU64);

impl strata::TimeProvider for MovingClock {
    fn now(&self) -> strata::pki_types::UnixTime {
        let secs = self.0.load(std::sync::atomic::Ordering::Relaxed);
        strata::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs))
    }
}

#[test]
fn tls12_sessions_by_id_live_their_own_lifetime_not_the_tickets() {
    // tickets(0, 0) turns tickets off; it must not end sessions kept by session ID (it
    // did: their lifetime was the ticket lifetime, 0 seconds).
    let pki = Pki::new();
    let clock = Arc::new(MovingClock(1_893_456_000.into()));
    let later = |secs: u64| {
        clock
            .0
            .fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    };
    let client = || {
        pki.client()
            .time(clock.clone())
            .versions(&[TlsVersion::Tls12])
            .build()
            .unwrap()
    };
    let server = |lifetime: Option<u32>| {
        let builder = pki
            .server(KeyKind::EcdsaP256)
            .time(clock.clone())
            .tickets(0, 0);
        match lifetime {
            Some(secs) => builder.session_lifetime(secs),
            None => builder,
        }
        .build()
        .unwrap()
    };
    let (c, s) = (client(), server(None));
    assert!(!connect(&c, &s).0);
    later(60);
    assert!(
        connect(&c, &s).0,
        "a minute later, within the default two hours"
    );
    let (c, s) = (client(), server(Some(30)));
    assert!(!connect(&c, &s).0);
    later(60);
    assert!(!connect(&c, &s).0, "past a 30-second session lifetime");
}
