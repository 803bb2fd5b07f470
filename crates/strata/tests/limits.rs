//! A peer that repeats itself without end is cut off: empty records, KeyUpdates without
//! data, ChangeCipherSpec records, warning alerts; each gets unexpected_message. A peer
//! whose chain is past the chain limits gets bad_certificate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::*;
use strata::{Error, Limits, ServerConfig, TlsVersion};
use strata_alert::AlertDescription;
use strata_handshake::key_schedule::tls13::traffic_keys;
use strata_handshake::{HashAlgorithm, Secret};
use strata_pki::{CertifiedKey, RingSigningKey};
use strata_record::{AeadAlgorithm, ContentType, Sealer};
use strata_testdata::pki::KeyKind;

fn feed(to: &mut strata::Connection, bytes: &[u8]) -> Result<(), Error> {
    to.read_tls(&mut &bytes[..]).unwrap();
    to.process_new_packets()
}

#[test]
fn a_stream_of_empty_records_is_cut_off_and_data_resets_the_count() {
    let pki = Pki::new();
    let log = Arc::new(Lines::default());
    let client = pki
        .client()
        .suites(&[strata_handshake::suites::TLS13_AES_128_GCM_SHA256])
        .key_log(log.clone())
        .build()
        .unwrap();
    let (mut c, mut s) = pair(
        client,
        pki.server(KeyKind::EcdsaP256)
            .tickets(0, 0)
            .build()
            .unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    // The client's application keys, from the key log: what a hostile client could send.
    let secret = log.secret("CLIENT_TRAFFIC_SECRET_0");
    let keys = traffic_keys(
        HashAlgorithm::Sha256,
        AeadAlgorithm::Aes128Gcm,
        &Secret::from_slice(&secret).unwrap(),
    );
    let mut sealer = Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, keys.key(), keys.iv()).unwrap();
    let mut seal = |data: &[u8]| {
        let mut out = bytes::BytesMut::new();
        sealer
            .seal(ContentType::ApplicationData, data, &mut out)
            .unwrap();
        out.to_vec()
    };
    let limit = Limits::default().max_empty_records;
    for _ in 0..limit {
        feed(&mut s, &seal(b"")).unwrap();
    }
    feed(&mut s, &seal(b"x")).unwrap();
    for _ in 0..limit {
        feed(&mut s, &seal(b"")).unwrap();
    }
    let err = feed(&mut s, &seal(b"")).unwrap_err();
    assert_eq!(
        err.alert_sent(),
        Some(AlertDescription::UnexpectedMessage),
        "{err}"
    );
}

#[test]
fn key_updates_without_data_are_cut_off() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let limit = Limits::default().max_key_updates_without_data;
    for _ in 0..limit {
        c.update_keys(false).unwrap();
    }
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    c.update_keys(false).unwrap();
    let err = transfer(&mut c, &mut s, usize::MAX).unwrap_err();
    assert_eq!(
        err.alert_sent(),
        Some(AlertDescription::UnexpectedMessage),
        "{err}"
    );
}

#[test]
fn change_cipher_spec_records_are_counted() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    let ccs = [20, 3, 3, 0, 1, 1];
    let limit = Limits::default().max_change_cipher_specs;
    for _ in 0..limit {
        feed(&mut s, &ccs).unwrap();
    }
    let err = feed(&mut s, &ccs).unwrap_err();
    assert_eq!(
        err.alert_sent(),
        Some(AlertDescription::UnexpectedMessage),
        "{err}"
    );
}

#[test]
fn after_a_fatal_alert_nothing_more_is_processed_or_written() {
    let pki = Pki::new();
    let (mut c, mut s) = pair(
        pki.client().build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    // A fatal alert from the client, protected like any record, ends the server's side.
    let err = feed(&mut s, &[21, 3, 3, 0, 2, 2, 40]).unwrap_err();
    assert!(
        err.alert_sent().is_some(),
        "an unprotected alert after the handshake: {err}"
    );
    assert!(matches!(
        s.process_new_packets(),
        Err(Error::AlreadyFailed(_))
    ));
    assert!(s.write_plaintext(b"more").is_err());
}

/// A chain of the leaf and one intermediate: two certificates, both valid.
fn two_certificate_chain(pki: &Pki, server: bool) -> (Arc<CertifiedKey>, usize) {
    let inter = pki.ca.intermediate(KeyKind::EcdsaP256, |_| {});
    let leaf = if server {
        inter.server_leaf(KeyKind::EcdsaP256, &["server.example"], |_| {})
    } else {
        inter.client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {})
    };
    let bytes = leaf.cert.len() + inter.cert.len();
    let key = Arc::new(RingSigningKey::new(&leaf.key_der()).unwrap());
    let chain = vec![leaf.cert.clone(), inter.cert.clone()];
    (Arc::new(CertifiedKey::new(chain, key).unwrap()), bytes)
}

/// A mutually authenticated pair of `version` whose two-certificate chains each side
/// holds to its own limits.
fn chain_pair(
    version: TlsVersion,
    client_limits: Limits,
    server_limits: Limits,
) -> (strata::ClientConnection, strata::ServerConnection) {
    let pki = Pki::new();
    let (server_chain, _) = two_certificate_chain(&pki, true);
    let (client_chain, _) = two_certificate_chain(&pki, false);
    let client = pki
        .client()
        .versions(&[version])
        .limits(client_limits)
        .client_certificate(client_chain)
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_certificates(vec![server_chain])
        .time(clock())
        .versions(&[version])
        .limits(server_limits)
        .client_auth(pki.client_verifier(true))
        .build()
        .unwrap();
    pair(client, server)
}

#[test]
fn a_chain_past_the_chain_limits_is_bad_certificate_on_either_side() {
    let pki = Pki::new();
    let (_, chain_bytes) = two_certificate_chain(&pki, true);
    let one_certificate = Limits {
        max_chain_certificates: 1,
        ..Limits::default()
    };
    // Well under any two-certificate chain of P-256 certificates (each is ~400 bytes).
    let too_few_bytes = Limits {
        max_chain_bytes: chain_bytes / 2,
        ..Limits::default()
    };
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        // The defaults take both chains: the limits below are what refuses them.
        let (mut c, mut s) = chain_pair(version, Limits::default(), Limits::default());
        handshake(&mut c, &mut s, usize::MAX).unwrap();
        for limits in [one_certificate, too_few_bytes] {
            let (mut c, mut s) = chain_pair(version, limits, Limits::default());
            assert_eq!(
                handshake_alert(&mut c, &mut s),
                AlertDescription::BadCertificate,
                "{version:?}: the client refuses the server's chain with {limits:?}"
            );
            assert_eq!(
                c.error().and_then(Error::alert_sent),
                Some(AlertDescription::BadCertificate)
            );
            let (mut c, mut s) = chain_pair(version, Limits::default(), limits);
            assert_eq!(
                handshake_alert(&mut c, &mut s),
                AlertDescription::BadCertificate,
                "{version:?}: the server refuses the client's chain with {limits:?}"
            );
            assert_eq!(
                s.error().and_then(Error::alert_sent),
                Some(AlertDescription::BadCertificate)
            );
        }
    }
}

#[test]
fn limits_that_refuse_everything_are_a_config_error() {
    let pki = Pki::new();
    for limits in [
        Limits {
            max_chain_certificates: 0,
            ..Limits::default()
        },
        Limits {
            max_chain_bytes: 0,
            ..Limits::default()
        },
        Limits {
            max_handshake_message_len: 100,
            ..Limits::default()
        },
    ] {
        assert!(matches!(
            pki.client().limits(limits).build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            pki.server(KeyKind::EcdsaP256).limits(limits).build(),
            Err(Error::Config(_))
        ));
    }
}

#[test]
fn writes_to_a_peer_that_never_reads_stop_at_the_pending_limit() {
    // The bound on what waits to be sent holds after the handshake too: an application
    // whose peer never reads (write_tls never drained) gets WouldBlock, not a buffer
    // growing without end; draining makes room again.
    let pki = Pki::new();
    let limits = Limits {
        max_pending_plaintext: 64 * 1024,
        ..Limits::default()
    };
    let (mut c, mut s) = pair(
        pki.client().limits(limits).build().unwrap(),
        pki.server(KeyKind::EcdsaP256).build().unwrap(),
    );
    handshake(&mut c, &mut s, usize::MAX).unwrap();
    let chunk = vec![1u8; 16 * 1024];
    let mut written = 0;
    loop {
        match c.write_plaintext(&chunk) {
            Ok(n) => written += n,
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
                break;
            }
        }
        assert!(written <= 64 * 1024, "{written} bytes taken");
    }
    assert!(
        written >= 60 * 1024,
        "the limit is what stops it: {written}"
    );
    transfer(&mut c, &mut s, usize::MAX).unwrap();
    assert_eq!(c.write_plaintext(&chunk).unwrap(), chunk.len());
}
