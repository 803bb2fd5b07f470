//! Client and server connections in memory, through real record protection: the matrix of
//! suite x group x server key type x client authentication, and the behaviour around it
//! (delivery in any cut, ALPN, SNI, KeyUpdate, close_notify, truncation, tampering, late
//! answers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;

use strata::pki_types::UnixTime;
use strata::{
    Answer, AnswerMode, CertificatesBySni, ClientConnection, Connection, Error, FixedClock,
    Request, ServerConfig, ServerConnection, TlsVersion,
};
use strata_alert::AlertDescription;
use strata_handshake::{NamedGroup, ALL_SUITES};
use strata_pki::{CertifiedKey, WebPkiServerVerifier};
use strata_testdata::pki::KeyKind;

#[derive(Clone, Copy, Debug)]
enum ClientAuth {
    Off,
    OptionalWithout,
    OptionalWith,
    Required,
}

#[test]
fn every_suite_group_key_type_and_client_auth_mode_completes() {
    let pki = Pki::new();
    let client_cert = pki.client_cert();
    let mut rows = 0;
    for kind in [
        KeyKind::EcdsaP256,
        KeyKind::EcdsaP384,
        KeyKind::Ed25519,
        KeyKind::Rsa2048,
    ] {
        let server_cert = pki.server_cert(kind, &["server.example"]);
        for suite in ALL_SUITES.iter().filter(|s| s.version == TlsVersion::Tls13) {
            for group in [
                NamedGroup::X25519,
                NamedGroup::Secp256r1,
                NamedGroup::Secp384r1,
            ] {
                for auth in [
                    ClientAuth::Off,
                    ClientAuth::OptionalWithout,
                    ClientAuth::OptionalWith,
                    ClientAuth::Required,
                ] {
                    let mut client = pki.client().suites(&[*suite]).groups(&[group]);
                    if matches!(auth, ClientAuth::OptionalWith | ClientAuth::Required) {
                        client = client.client_certificate(client_cert.clone());
                    }
                    let mut server =
                        ServerConfig::builder_with_certificates(vec![server_cert.clone()])
                            .time(clock());
                    match auth {
                        ClientAuth::Off => {}
                        ClientAuth::OptionalWithout | ClientAuth::OptionalWith => {
                            server = server.client_auth(pki.client_verifier(false));
                        }
                        ClientAuth::Required => {
                            server = server.client_auth(pki.client_verifier(true))
                        }
                    }
                    let (mut c, mut s) = pair(client.build().unwrap(), server.build().unwrap());
                    handshake(&mut c, &mut s, usize::MAX).unwrap_or_else(|e| {
                        panic!("{kind:?} {:?} {group:?} {auth:?}: {e}", suite.suite)
                    });
                    let (cn, sn) = (
                        c.negotiated().unwrap().clone(),
                        s.negotiated().unwrap().clone(),
                    );
                    assert_eq!((cn.suite, cn.group), (*suite, group));
                    assert_eq!((sn.suite, sn.group), (*suite, group));
                    assert_eq!(cn.peer_certificates[0], server_cert.chain()[0]);
                    let client_authenticated = !sn.peer_certificates.is_empty();
                    assert_eq!(
                        client_authenticated,
                        matches!(auth, ClientAuth::OptionalWith | ClientAuth::Required)
                    );
                    exchange(&mut c, &mut s);
                    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
                    c.export_keying_material(b"EXPORTER-test", Some(b"ctx"), &mut a)
                        .unwrap();
                    s.export_keying_material(b"EXPORTER-test", Some(b"ctx"), &mut b)
                        .unwrap();
                    assert_eq!(a, b);
                    rows += 1;
                }
            }
        }
    }
    assert_eq!(rows, 4 * 3 * 3 * 4);
}

#[test]
fn delivery_one_byte_at_a_time_and_all_at_once_both_work() {
    let pki = Pki::new();
    for chunk in [1, 7, usize::MAX] {
        let server = pki
            .server(KeyKind::Rsa2048)
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
    }
}

#[test]
fn a_large_write_arrives_whole_across_many_records() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    assert_eq!(c.write_plaintext(&data).unwrap(), data.len());
    transfer(&mut c, &mut s, 3000).unwrap();
    let mut got = vec![0u8; data.len()];
    let mut at = 0;
    while at < got.len() {
        at += s.read_plaintext(&mut got[at..]).unwrap();
    }
    assert_eq!(got, data);
}

#[test]
fn data_written_before_the_handshake_is_sent_after_it() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    c.write_plaintext(b"early").unwrap();
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    let mut buf = [0u8; 16];
    let n = s.read_plaintext(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"early");
}

#[test]
fn alpn_agrees_on_the_servers_preference_or_fails_with_no_application_protocol() {
    let pki = Pki::new();
    let client = pki
        .client()
        .alpn_protocols(&[b"http/1.1", b"h2"])
        .build()
        .unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .alpn_protocols(&[b"h2", b"http/1.1"])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    assert_eq!(c.alpn_protocol(), Some(&b"h2"[..]));
    assert_eq!(s.alpn_protocol(), Some(&b"h2"[..]));

    let client = pki.client().alpn_protocols(&[b"imap"]).build().unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .alpn_protocols(&[b"h2"])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::NoApplicationProtocol
    );
}

#[test]
fn the_server_picks_its_certificate_by_the_name_the_client_asks_for() {
    let pki = Pki::new();
    let mut by_name = CertificatesBySni::new();
    let a = pki.server_cert(KeyKind::EcdsaP256, &["a.example"]);
    let b = pki.server_cert(KeyKind::Ed25519, &["b.example"]);
    by_name.add("a.example", a.clone());
    by_name.add("b.example", b.clone());
    let server = ServerConfig::builder(Arc::new(by_name))
        .time(clock())
        .build()
        .unwrap();
    for (host, cert) in [("a.example", &a), ("b.example", &b)] {
        let mut c = ClientConnection::new(pki.client().build().unwrap(), name(host)).unwrap();
        let mut s = ServerConnection::new(server.clone()).unwrap();
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        assert_eq!(c.peer_certificates().unwrap()[0], cert.chain()[0]);
        assert_eq!(s.negotiated().unwrap().server_name.as_deref(), Some(host));
    }
    // A name the server has no certificate for.
    let mut c = ClientConnection::new(pki.client().build().unwrap(), name("c.example")).unwrap();
    let mut s = ServerConnection::new(server).unwrap();
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::UnrecognizedName
    );
}

#[test]
fn key_updates_both_ways_keep_data_flowing() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    for round in 0..3 {
        c.update_keys(round % 2 == 0).unwrap();
        exchange(&mut c, &mut s);
        s.update_keys(true).unwrap();
        exchange(&mut c, &mut s);
        transfer(&mut c, &mut s, usize::MAX).unwrap();
    }
}

#[test]
fn close_notify_ends_the_stream_cleanly_and_truncation_is_reported() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    c.write_plaintext(b"last words").unwrap();
    c.send_close_notify();
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    let mut buf = [0u8; 32];
    let n = s.read_plaintext(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"last words");
    assert_eq!(s.read_plaintext(&mut buf).unwrap(), 0);
    assert!(c.write_plaintext(b"more").is_err());

    // The server's transport ends without a close_notify: truncation, not a clean end.
    let mut empty: &[u8] = &[];
    assert_eq!(c.read_tls(&mut empty).unwrap(), 0);
    c.process_new_packets().unwrap();
    let err = c.read_plaintext(&mut buf).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
}

#[test]
fn a_tampered_record_is_bad_record_mac() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    c.write_plaintext(b"integrity").unwrap();
    let mut bytes = Vec::new();
    c.write_tls(&mut bytes).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    s.read_tls(&mut &bytes[..]).unwrap();
    let err = s.process_new_packets().unwrap_err();
    assert_eq!(err.alert_sent(), Some(AlertDescription::BadRecordMac));
    // The alert goes out, and nothing more is processed.
    assert!(s.wants_write());
    assert!(matches!(
        s.process_new_packets(),
        Err(Error::AlreadyFailed(_))
    ));
}

#[test]
fn verification_failures_send_the_alert_the_certificate_deserves() {
    let pki = Pki::new();
    // Wrong name.
    let server = pki.server(KeyKind::EcdsaP256).build().unwrap();
    let mut c =
        ClientConnection::new(pki.client().build().unwrap(), name("other.example")).unwrap();
    let mut s = ServerConnection::new(server.clone()).unwrap();
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::BadCertificate
    );
    // Unknown CA.
    let other = Pki::new();
    let (mut c, mut s) = pair(other.client().build().unwrap(), server.clone());
    assert_eq!(handshake_alert(&mut c, &mut s), AlertDescription::UnknownCa);
    // Expired (the client's clock is past 2040).
    let late = Arc::new(FixedClock(UnixTime::since_unix_epoch(Duration::from_secs(
        2_500_000_000,
    ))));
    let (mut c, mut s) = pair(pki.client().time(late).build().unwrap(), server);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::CertificateExpired
    );
}

#[test]
fn a_server_that_requires_a_certificate_refuses_a_client_without_one() {
    let pki = Pki::new();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .client_auth(pki.client_verifier(true))
        .build()
        .unwrap();
    let (mut c, mut s) = pair(pki.client().build().unwrap(), server);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::CertificateRequired
    );
}

#[test]
fn no_common_suite_or_group_is_handshake_failure() {
    let pki = Pki::new();
    let client = pki
        .client()
        .suites(&[strata_handshake::suites::TLS13_AES_128_GCM_SHA256])
        .build()
        .unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .suites(&[strata_handshake::suites::TLS13_AES_256_GCM_SHA384])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::HandshakeFailure
    );

    let client = pki.client().groups(&[NamedGroup::X25519]).build().unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .groups(&[NamedGroup::Secp384r1])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    assert_eq!(
        handshake_alert(&mut c, &mut s),
        AlertDescription::HandshakeFailure
    );
}

#[test]
fn a_hello_retry_request_finds_the_group_both_support() {
    let pki = Pki::new();
    let client = pki
        .client()
        .groups(&[NamedGroup::X25519, NamedGroup::Secp384r1])
        .build()
        .unwrap();
    let server = pki
        .server(KeyKind::EcdsaP256)
        .groups(&[NamedGroup::Secp384r1])
        .build()
        .unwrap();
    let (mut c, mut s) = pair(client, server);
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    assert_eq!(c.negotiated().unwrap().group, NamedGroup::Secp384r1);
    exchange(&mut c, &mut s);
}

#[test]
fn the_key_log_gets_the_five_tls13_secrets() {
    let pki = Pki::new();
    let log = Arc::new(Lines::default());
    let client = pki.client().key_log(log.clone()).build().unwrap();
    let (mut c, mut s) = pair(client, pki.server(KeyKind::EcdsaP256).build().unwrap());
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let lines = log.lines();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(label)),
            "no {label} in {lines:?}"
        );
    }
}

/// Answers every outstanding request of `conn` the way the config would.
fn answer_all(conn: &mut Connection, pki: &Pki, cert: &Arc<CertifiedKey>) -> bool {
    let Some(request) = conn.take_request() else {
        return false;
    };
    let answer = match request {
        Request::ChooseServerCertificate { .. } => Answer::Certificate(Some(cert.clone())),
        Request::Sign {
            key,
            scheme,
            message,
        } => Answer::Signature(key.sign(scheme, &message)),
        Request::VerifyServerChain {
            chain,
            server_name,
            ocsp_response,
        } => {
            let v = WebPkiServerVerifier::new(pki.anchors.clone()).unwrap();
            use strata_pki::ServerCertVerifier;
            Answer::ChainVerified(v.verify_server_cert(
                &chain[0],
                &chain[1..],
                &server_name,
                &ocsp_response,
                clock().0,
            ))
        }
        other => panic!("unexpected request {other:?}"),
    };
    conn.answer(answer).unwrap();
    true
}

#[test]
fn requests_answered_late_still_complete_the_handshake() {
    let pki = Pki::new();
    let cert = pki.server_cert(KeyKind::EcdsaP256, &["server.example"]);
    let server = ServerConfig::builder_with_certificates(vec![cert.clone()])
        .time(clock())
        .answer_mode(AnswerMode::Application)
        .build()
        .unwrap();
    let client = pki.client().build().unwrap();
    let (mut c1, mut s1) = pair(client.clone(), server.clone());
    let (mut c2, mut s2) = pair(client, server);
    // Connection 1 stops at its first request; connection 2 completes around it.
    transfer(&mut c1, &mut s1, usize::MAX).unwrap();
    assert!(s1.is_waiting_for_answer());
    let mut held = s1
        .take_request()
        .expect("the server asks for a certificate");
    loop {
        transfer(&mut c2, &mut s2, usize::MAX).unwrap();
        let progressed = answer_all(&mut s2, &pki, &cert);
        transfer(&mut s2, &mut c2, usize::MAX).unwrap();
        if !progressed && !c2.is_handshaking() && !s2.is_handshaking() {
            break;
        }
    }
    exchange(&mut c2, &mut s2);
    // Only now does connection 1 get its answers.
    loop {
        let answer = match held {
            Request::ChooseServerCertificate { .. } => Answer::Certificate(Some(cert.clone())),
            Request::Sign {
                key,
                scheme,
                message,
            } => Answer::Signature(key.sign(scheme, &message)),
            other => panic!("unexpected {other:?}"),
        };
        s1.answer(answer).unwrap();
        match s1.take_request() {
            Some(next) => held = next,
            None => break,
        }
    }
    handshake(&mut c1, &mut s1, usize::MAX).unwrap();
    exchange(&mut c1, &mut s1);
}

#[test]
fn the_reader_and_writer_are_io_traits_over_the_plaintext() {
    use std::io::{Read, Write};
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    write!(c.writer(), "{} + {} = {}", 2, 2, 4).unwrap();
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    let mut got = [0u8; 16];
    let n = s.reader().read(&mut got).unwrap();
    assert_eq!(&got[..n], b"2 + 2 = 4");
    assert_eq!(
        s.reader().read(&mut got).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
}

#[test]
fn read_tls_slice_takes_what_fits_and_the_rest_after_processing() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    // Eight full records at once: more than the receive buffer holds.
    c.write_plaintext(&vec![7u8; 8 * 16384]).unwrap();
    let mut tls = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut tls).unwrap();
    }
    let (mut rest, mut got, mut buf) = (&tls[..], 0, vec![0u8; 65536]);
    while !rest.is_empty() {
        let taken = s.read_tls_slice(rest);
        assert!(taken > 0 && taken < tls.len(), "some, never all at once");
        rest = &rest[taken..];
        s.process_new_packets().unwrap();
        while let Ok(n) = s.read_plaintext(&mut buf) {
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|&b| b == 7));
            got += n;
        }
    }
    assert_eq!(got, 8 * 16384);
    assert_eq!(s.read_tls_slice(&[]), 0);
}

#[test]
fn write_plaintext_into_seals_into_the_callers_buffer_in_wire_order() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let pki = Pki::new();
        let (mut c, mut s) = pair(
            pki.client().versions(&[version]).build().unwrap(),
            pki.server(KeyKind::EcdsaP256).build().unwrap(),
        );
        // Before the handshake: buffered, and the ClientHello moves out.
        let mut wire = Vec::new();
        assert_eq!(c.write_plaintext_into(b"early ", &mut wire).unwrap(), 6);
        assert!(!wire.is_empty() && !c.wants_write());
        s.read_tls_slice(&wire);
        s.process_new_packets().unwrap();
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        // Pending bytes (a KeyUpdate in TLS 1.3, the early data) go first, then the new
        // records; a write larger than a record is cut.
        if version == TlsVersion::Tls13 {
            c.update_keys(false).unwrap();
        }
        let mut wire = Vec::new();
        let big = vec![b'x'; 20_000];
        assert_eq!(c.write_plaintext_into(&big, &mut wire).unwrap(), big.len());
        assert!(!c.wants_write());
        let mut rest = &wire[..];
        while !rest.is_empty() {
            let n = s.read_tls_slice(rest);
            rest = &rest[n..];
            s.process_new_packets().unwrap();
        }
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read_plaintext(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(&got[..6], b"early ", "{version:?}");
        assert_eq!(&got[6..], &big[..], "{version:?}");
    }
}

#[test]
fn a_tls13_servers_tickets_are_not_handshake_bytes_and_a_clients_finished_is() {
    let pki = Pki::new();
    let client = pki.client().build().unwrap();
    let server = pki.server(KeyKind::EcdsaP256).build().unwrap();
    let (mut c, mut s) = pair(client, server);
    transfer(&mut c, &mut s, usize::MAX).unwrap(); // ClientHello
    transfer(&mut s, &mut c, usize::MAX).unwrap(); // ServerHello .. Finished
                                                   // The client is done, and its Finished is what the server waits for.
    assert!(!c.is_handshaking());
    assert!(c.wants_write_handshake());
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    assert!(!c.wants_write_handshake());
    // The server is done too; its session tickets follow the handshake.
    assert!(!s.is_handshaking());
    assert!(s.wants_write(), "the server sends tickets by default");
    assert!(!s.wants_write_handshake());
    transfer(&mut s, &mut c, usize::MAX).unwrap();
    assert!(c.tickets().count() > 0);
}
