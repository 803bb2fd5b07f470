//! A peer that repeats itself without end is cut off: empty records, KeyUpdates without
//! data, ChangeCipherSpec records, warning alerts; each gets unexpected_message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::*;
use strata::{Error, Limits};
use strata_alert::AlertDescription;
use strata_handshake::key_schedule::tls13::traffic_keys;
use strata_handshake::{HashAlgorithm, Secret};
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
