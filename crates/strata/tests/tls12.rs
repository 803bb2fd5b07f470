//! TLS 1.2 through the facade with real record protection: the matrix of suite x group x
//! server key x client authentication, version negotiation both ways, and the record-level
//! behaviour that differs from TLS 1.3.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::*;
use strata::{Error, ServerConfig, TlsVersion};
use strata_alert::AlertDescription;
use strata_handshake::{NamedGroup, Tls12Auth, ALL_SUITES};
use strata_testdata::pki::KeyKind;

#[test]
fn every_tls12_suite_group_key_and_client_auth_mode_completes() {
    let pki = Pki::new();
    let client_cert = pki.client_cert();
    let mut rows = 0;
    for suite in ALL_SUITES.iter().filter(|s| s.version == TlsVersion::Tls12) {
        let kinds: &[KeyKind] = match suite.tls12_auth {
            Some(Tls12Auth::Ecdsa) => &[KeyKind::EcdsaP256, KeyKind::Ed25519],
            _ => &[KeyKind::Rsa2048],
        };
        for &kind in kinds {
            let server_cert = pki.server_cert(kind, &["server.example"]);
            for group in [
                NamedGroup::X25519,
                NamedGroup::Secp256r1,
                NamedGroup::Secp384r1,
            ] {
                for (auth, with_cert) in [
                    (None, false),
                    (Some(false), false),
                    (Some(false), true),
                    (Some(true), true),
                ] {
                    // RFC 8422 §5.1: the client's groups must also name the curve of an ECDSA
                    // certificate (P-256 here); the server's one group sets the ECDHE group.
                    let mut client_groups = vec![group];
                    if group != NamedGroup::Secp256r1 {
                        client_groups.push(NamedGroup::Secp256r1);
                    }
                    let mut client = pki
                        .client()
                        .versions(&[TlsVersion::Tls12])
                        .suites(&[*suite])
                        .groups(&client_groups);
                    if with_cert {
                        client = client.client_certificate(client_cert.clone());
                    }
                    let mut server =
                        ServerConfig::builder_with_certificates(vec![server_cert.clone()])
                            .time(clock())
                            .groups(&[group]);
                    if let Some(required) = auth {
                        server = server.client_auth(pki.client_verifier(required));
                    }
                    let (mut c, mut s) = pair(client.build().unwrap(), server.build().unwrap());
                    handshake(&mut c, &mut s, usize::MAX).unwrap_or_else(|e| {
                        panic!("{:?} {kind:?} {group:?} {auth:?}: {e}", suite.suite)
                    });
                    let (cn, sn) = (
                        c.negotiated().unwrap().clone(),
                        s.negotiated().unwrap().clone(),
                    );
                    assert_eq!(
                        (cn.version, cn.suite, cn.group),
                        (TlsVersion::Tls12, *suite, group)
                    );
                    assert_eq!(
                        (sn.version, sn.suite, sn.group),
                        (TlsVersion::Tls12, *suite, group)
                    );
                    assert_eq!(sn.peer_certificates.is_empty(), !with_cert);
                    exchange(&mut c, &mut s);
                    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
                    c.export_keying_material(b"EXPORTER-test", None, &mut a)
                        .unwrap();
                    s.export_keying_material(b"EXPORTER-test", None, &mut b)
                        .unwrap();
                    assert_eq!(a, b);
                    rows += 1;
                }
            }
        }
    }
    assert_eq!(rows, (3 * 2 + 3) * 3 * 4);
}

#[test]
fn versions_are_negotiated_both_ways() {
    let pki = Pki::new();
    let both = pki.server(KeyKind::EcdsaP256).build().unwrap();
    let only12 = pki
        .server(KeyKind::EcdsaP256)
        .versions(&[TlsVersion::Tls12])
        .build()
        .unwrap();
    for (client_versions, server, expected) in [
        (
            &[TlsVersion::Tls13, TlsVersion::Tls12][..],
            &both,
            TlsVersion::Tls13,
        ),
        (&[TlsVersion::Tls12][..], &both, TlsVersion::Tls12),
        (
            &[TlsVersion::Tls13, TlsVersion::Tls12][..],
            &only12,
            TlsVersion::Tls12,
        ),
    ] {
        let client = pki.client().versions(client_versions).build().unwrap();
        let (mut c, mut s) = pair(client, server.clone());
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        assert_eq!(c.protocol_version(), Some(expected));
        assert_eq!(s.protocol_version(), Some(expected));
        exchange(&mut c, &mut s);
    }
    // A TLS 1.3-only client and a TLS 1.2-only server have nothing in common.
    let client = pki.client().versions(&[TlsVersion::Tls13]).build().unwrap();
    let (mut c, mut s) = pair(client, only12);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::ProtocolVersion
    );
}

#[test]
fn tls12_delivery_in_any_cut_and_close_notify() {
    let pki = Pki::new();
    for chunk in [1, 5, usize::MAX] {
        let server = pki.server(KeyKind::Rsa2048).versions(&[TlsVersion::Tls12]);
        let server = server
            .client_auth(pki.client_verifier(true))
            .build()
            .unwrap();
        let client = pki
            .client()
            .client_certificate(pki.client_cert())
            .build()
            .unwrap();
        let (mut c, mut s) = pair(client, server);
        handshake(&mut c, &mut s, chunk).unwrap();
        exchange(&mut c, &mut s);
        s.send_close_notify();
        transfer(&mut s, &mut c, chunk).unwrap();
        assert_eq!(c.read_plaintext(&mut [0u8; 8]).unwrap(), 0);
    }
}

#[test]
fn a_tampered_tls12_record_is_bad_record_mac_and_key_update_is_refused() {
    let pki = Pki::new();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .versions(&[TlsVersion::Tls12])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(pki.client().build().unwrap(), server);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    assert!(matches!(c.update_keys(false), Err(Error::Handshake { .. })));
    let mut c = {
        let server = pki
            .server(KeyKind::EcdsaP256)
            .versions(&[TlsVersion::Tls12])
            .build()
            .unwrap();
        let (mut c2, mut s2) = pair(pki.client().build().unwrap(), server);
        handshake(&mut c2, &mut s2, usize::MAX).unwrap();
        s = s2;
        c2
    };
    c.write_plaintext(b"integrity").unwrap();
    let mut bytes = Vec::new();
    c.write_tls(&mut bytes).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    s.read_tls(&mut &bytes[..]).unwrap();
    assert_eq!(
        s.process_new_packets().unwrap_err().alert_sent(),
        Some(AlertDescription::BadRecordMac)
    );
}

#[test]
fn the_key_log_gets_the_tls12_master_secret() {
    let pki = Pki::new();
    let log = Arc::new(Lines::default());
    let client = pki
        .client()
        .versions(&[TlsVersion::Tls12])
        .key_log(log.clone())
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, pki.server(KeyKind::EcdsaP256).build().unwrap());
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let lines = log.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("CLIENT_RANDOM ") && l.trim_end().len() == 14 + 64 + 1 + 96),
        "{lines:?}"
    );
}

#[test]
fn an_ecdsa_certificate_on_a_curve_the_client_did_not_offer_is_refused() {
    let pki = Pki::new();
    let server = pki
        .server(KeyKind::EcdsaP384)
        .versions(&[TlsVersion::Tls12])
        .build()
        .unwrap();
    let client = pki
        .client()
        .groups(&[NamedGroup::X25519, NamedGroup::Secp256r1])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::HandshakeFailure
    );
}

#[test]
fn application_data_in_place_of_the_clients_finished_is_unexpected_message() {
    use strata_handshake::key_schedule::tls12::key_block;
    use strata_handshake::{HashAlgorithm, Secret};
    use strata_record::{AeadAlgorithm, ContentType, Sealer};

    let pki = Pki::new();
    let log = Arc::new(Lines::default());
    let client = pki
        .client()
        .versions(&[TlsVersion::Tls12])
        .suites(&[strata_handshake::suites::TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256])
        .key_log(log.clone())
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, pki.server(KeyKind::EcdsaP256).build().unwrap());
    let mut hello = Vec::new();
    c.write_tls(&mut hello).unwrap();
    s.read_tls(&mut &hello[..]).unwrap();
    s.process_new_packets().unwrap();
    let mut server_flight = Vec::new();
    while s.wants_write() {
        s.write_tls(&mut server_flight).unwrap();
    }
    c.read_tls(&mut &server_flight[..]).unwrap();
    c.process_new_packets().unwrap();
    let mut client_flight = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut client_flight).unwrap();
    }

    // The client's write key, from the key-logged master secret and the two randoms
    // (record header 5 + handshake header 4 + legacy_version 2 bytes before each random).
    let client_random: [u8; 32] = hello[11..43].try_into().unwrap();
    let server_random: [u8; 32] = server_flight[11..43].try_into().unwrap();
    let master = log.secret("CLIENT_RANDOM");
    let keys = key_block(
        AeadAlgorithm::Aes128Gcm,
        HashAlgorithm::Sha256,
        &Secret::from_slice(&master).unwrap(),
        &client_random,
        &server_random,
    )
    .unwrap();
    let mut sealer = Sealer::for_tls12(
        AeadAlgorithm::Aes128Gcm,
        keys.client_write.key(),
        keys.client_write.iv(),
    )
    .unwrap();

    // Cut the flight before its last record (the protected Finished) and put application
    // data, properly protected under the same keys, in its place.
    let mut at = 0;
    let mut last = 0;
    while at < client_flight.len() {
        last = at;
        at += 5 + usize::from(u16::from_be_bytes([
            client_flight[at + 3],
            client_flight[at + 4],
        ]));
    }
    assert_eq!(
        client_flight[last], 22,
        "the flight ends with the Finished record"
    );
    client_flight.truncate(last);
    let mut early = bytes::BytesMut::new();
    sealer
        .seal(ContentType::ApplicationData, b"too early", &mut early)
        .unwrap();
    client_flight.extend_from_slice(&early);

    s.read_tls(&mut &client_flight[..]).unwrap();
    let err = s.process_new_packets().unwrap_err();
    assert_eq!(
        err.alert_sent(),
        Some(AlertDescription::UnexpectedMessage),
        "{err}"
    );
}

#[test]
fn extended_master_secret_can_be_waived_for_old_peers_only_on_both_sides() {
    let pki = Pki::new();
    // Both sides still send it when not requiring it, so the session has it.
    let client = pki
        .client()
        .versions(&[TlsVersion::Tls12])
        .require_extended_master_secret(false);
    let server = pki
        .server(KeyKind::EcdsaP256)
        .require_extended_master_secret(false);
    let (mut c, mut s) = pair(client.build().unwrap(), server.build().unwrap());
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let mut out = [0u8; 16];
    c.export_keying_material(b"EXPORTER-x", None, &mut out)
        .unwrap();
}

#[test]
fn the_last_flight_of_a_tls12_handshake_counts_as_handshake_bytes_until_written() {
    let pki = Pki::new();
    let client = pki.client().versions(&[TlsVersion::Tls12]).build().unwrap();
    let server = pki.server(KeyKind::EcdsaP256).build().unwrap();
    let (mut c, mut s) = pair(client, server);
    transfer(&mut c, &mut s, usize::MAX).unwrap(); // ClientHello
    transfer(&mut s, &mut c, usize::MAX).unwrap(); // ServerHello .. ServerHelloDone
    transfer(&mut c, &mut s, usize::MAX).unwrap(); // ClientKeyExchange .. Finished
                                                   // The server is done; its ChangeCipherSpec and Finished are what the client waits for.
    assert!(!s.is_handshaking());
    assert!(s.wants_write_handshake());
    let mut part = [0u8; 5];
    s.write_tls(&mut &mut part[..]).unwrap();
    assert!(
        s.wants_write_handshake(),
        "a part written is not the flight"
    );
    c.read_tls(&mut &part[..]).unwrap();
    transfer(&mut s, &mut c, usize::MAX).unwrap();
    assert!(!s.wants_write_handshake() && !c.is_handshaking());
    // Application data written now is not handshake bytes.
    s.write_plaintext(b"after").unwrap();
    assert!(s.wants_write() && !s.wants_write_handshake());
}
