//! Writes seeds for the `server_connection` and `client_connection` fuzz targets: the byte
//! streams a real strata client and server send each other in TLS 1.3 and TLS 1.2
//! handshakes with client authentication, so that the fuzzer starts from real flights.
//! And seeds for `mutated_flights`, which runs a real pair itself: one per mode (version x
//! client certificate x resumption), alone and with one mutation of each early flight.
//!
//! Run from the repository root: `cargo run -p strata --example fuzz_seeds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use strata::pki_types::{ServerName, UnixTime};
use strata::{
    ClientConfig, ClientConnection, Connection, FixedClock, ServerConfig, ServerConnection,
    TlsVersion, TrustAnchors,
};
use strata_pki::{CertifiedKey, RingSigningKey, WebPkiClientVerifier, WebPkiServerVerifier};
use strata_testdata::pki::{KeyKind, TestCa};

fn drain(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

fn main() {
    let ca = TestCa::root(KeyKind::EcdsaP256);
    let anchors = Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&ca.cert)).unwrap());
    let certified = |leaf: strata_testdata::pki::Leaf| {
        let key = RingSigningKey::new(&leaf.key_der()).unwrap();
        Arc::new(CertifiedKey::new(vec![leaf.cert.clone()], Arc::new(key)).unwrap())
    };
    let clock = Arc::new(FixedClock(UnixTime::since_unix_epoch(Duration::from_secs(
        1_893_456_000,
    ))));
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let client = ClientConfig::builder(Arc::new(
            WebPkiServerVerifier::new(anchors.clone()).unwrap(),
        ))
        .versions(&[version])
        .client_certificate(certified(ca.client_leaf(
            KeyKind::EcdsaP256,
            &["c.example"],
            |_| {},
        )))
        .time(clock.clone())
        .build()
        .unwrap();
        let server = ServerConfig::builder_with_certificates(vec![certified(ca.server_leaf(
            KeyKind::EcdsaP256,
            &["server.example"],
            |_| {},
        ))])
        .client_auth(Arc::new(
            WebPkiClientVerifier::new(anchors.clone()).unwrap(),
        ))
        .time(clock.clone())
        .build()
        .unwrap();
        let mut c =
            ClientConnection::new(client, ServerName::try_from("server.example").unwrap()).unwrap();
        let mut s = ServerConnection::new(server).unwrap();
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        for _ in 0..4 {
            let flight = drain(&mut c);
            s.read_tls(&mut &flight[..]).unwrap();
            s.process_new_packets().unwrap();
            to_server.extend_from_slice(&flight);
            let flight = drain(&mut s);
            c.read_tls(&mut &flight[..]).unwrap();
            c.process_new_packets().unwrap();
            to_client.extend_from_slice(&flight);
        }
        let tag = match version {
            TlsVersion::Tls13 => "tls13",
            TlsVersion::Tls12 => "tls12",
        };
        for (target, stream) in [
            ("server_connection", &to_server),
            ("client_connection", &to_client),
        ] {
            let dir = format!("fuzz/seeds/{target}");
            std::fs::create_dir_all(&dir).unwrap();
            // The first byte sets how the stream is cut (x16 bytes): whole, and small pieces.
            for (cut, name) in [(255u8, "whole"), (1, "pieces")] {
                let mut seed = vec![cut];
                seed.extend_from_slice(stream);
                std::fs::write(format!("{dir}/{tag}-{name}"), seed).unwrap();
            }
        }
    }
    mutated_flights_seeds();
}

/// The first byte picks the mode (`% 3`: TLS 1.3, TLS 1.2, both offered; `0x04` a client
/// certificate; `0x08` resume); then six bytes a mutation: flight, kind, offset, argument.
fn mutated_flights_seeds() {
    let dir = "fuzz/seeds/mutated_flights";
    std::fs::create_dir_all(dir).unwrap();
    for mode in 0u8..12 {
        let mode = (mode % 3) | ((mode / 3) << 2);
        std::fs::write(format!("{dir}/mode-{mode:02x}"), [mode]).unwrap();
        // Flip a byte in the middle of each of the first four flights (kind 0).
        for flight in 0u8..4 {
            let seed = [mode, flight, 0, 0, 100, 0, 0x80];
            std::fs::write(format!("{dir}/mode-{mode:02x}-flip-{flight}"), seed).unwrap();
        }
    }
}
