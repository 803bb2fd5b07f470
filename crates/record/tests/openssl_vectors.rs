//! Records captured from OpenSSL 3.0 connections (tests/data/openssl, see its README):
//! each is opened to the plaintext an independent implementation decrypted, and sealed
//! again byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use bytes::BytesMut;
use strata_record::{AeadAlgorithm, ContentType, Opener, Sealer};

struct Stream {
    name: String,
    key: Vec<u8>,
    iv: Vec<u8>,
    records: Vec<(ContentType, Vec<u8>, Vec<u8>)>,
}

fn load(text: &str) -> (String, AeadAlgorithm, Vec<Stream>) {
    let (mut version, mut aead, mut streams) = (String::new(), None, Vec::<Stream>::new());
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "version" => version = words[1].to_string(),
            "aead" => {
                aead = Some(match words[1] {
                    "Aes128Gcm" => AeadAlgorithm::Aes128Gcm,
                    "Aes256Gcm" => AeadAlgorithm::Aes256Gcm,
                    "Chacha20Poly1305" => AeadAlgorithm::Chacha20Poly1305,
                    other => panic!("unknown aead {other}"),
                })
            }
            "stream" => streams.push(Stream {
                name: words[1].to_string(),
                key: Vec::new(),
                iv: Vec::new(),
                records: Vec::new(),
            }),
            "key" => streams.last_mut().unwrap().key = hex::decode(words[1]).unwrap(),
            "iv" => streams.last_mut().unwrap().iv = hex::decode(words[1]).unwrap(),
            "record" => {
                let plain = if words[2] == "-" {
                    Vec::new()
                } else {
                    hex::decode(words[2]).unwrap()
                };
                streams.last_mut().unwrap().records.push((
                    ContentType::from(words[1].parse::<u8>().unwrap()),
                    plain,
                    hex::decode(words[3]).unwrap(),
                ));
            }
            other => panic!("unknown line {other}"),
        }
    }
    (version, aead.unwrap(), streams)
}

/// Opens and re-seals every record; returns how many.
fn replay(text: &str, expect_version: &str, expect_aead: AeadAlgorithm) -> usize {
    let (version, aead, streams) = load(text);
    assert_eq!((version.as_str(), aead), (expect_version, expect_aead));
    let mut count = 0;
    for stream in &streams {
        let (mut opener, mut sealer) = if version == "1.3" {
            (
                Opener::for_tls13(aead, &stream.key, &stream.iv).unwrap(),
                Sealer::for_tls13(aead, &stream.key, &stream.iv).unwrap(),
            )
        } else {
            (
                Opener::for_tls12(aead, &stream.key, &stream.iv).unwrap(),
                Sealer::for_tls12(aead, &stream.key, &stream.iv).unwrap(),
            )
        };
        if version == "1.2" && aead != AeadAlgorithm::Chacha20Poly1305 {
            // OpenSSL's nonce_explicit: a random start plus the sequence number.
            let first = &stream.records[0].2[5..13];
            sealer.set_explicit_nonce_offset(u64::from_be_bytes(first.try_into().unwrap()));
        }
        for (seq, (content_type, plain, wire)) in stream.records.iter().enumerate() {
            let what = format!("{} record {seq}", stream.name);
            let mut buf = wire.clone();
            let (ct, range) = opener.open_in_place(&mut buf).unwrap();
            assert_eq!((ct, &buf[range]), (*content_type, &plain[..]), "{what}");

            let mut out = BytesMut::new();
            sealer.seal(*content_type, plain, &mut out).unwrap();
            assert_eq!(hex::encode(&out), hex::encode(wire), "{what}");
            count += 1;
        }
    }
    // Each direction: at least its Finished, the line of data and close_notify.
    let alerts = streams
        .iter()
        .flat_map(|s| &s.records)
        .filter(|r| r.0 == ContentType::Alert && r.1 == [1, 0])
        .count();
    assert_eq!(alerts, 2, "close_notify both ways");
    count
}

#[test]
fn tls12_aes_128_gcm_from_openssl() {
    let n = replay(
        include_str!("data/openssl/tls12_aes128gcm.txt"),
        "1.2",
        AeadAlgorithm::Aes128Gcm,
    );
    assert_eq!(n, 6);
}

#[test]
fn tls12_aes_256_gcm_from_openssl() {
    let n = replay(
        include_str!("data/openssl/tls12_aes256gcm.txt"),
        "1.2",
        AeadAlgorithm::Aes256Gcm,
    );
    assert_eq!(n, 6);
}

#[test]
fn tls12_chacha20_poly1305_from_openssl() {
    let n = replay(
        include_str!("data/openssl/tls12_chacha20poly1305.txt"),
        "1.2",
        AeadAlgorithm::Chacha20Poly1305,
    );
    assert_eq!(n, 6);
}

#[test]
fn tls13_aes_256_gcm_from_openssl() {
    let n = replay(
        include_str!("data/openssl/tls13_aes256gcm.txt"),
        "1.3",
        AeadAlgorithm::Aes256Gcm,
    );
    assert_eq!(n, 11);
}

#[test]
fn tls13_chacha20_poly1305_from_openssl() {
    let n = replay(
        include_str!("data/openssl/tls13_chacha20poly1305.txt"),
        "1.3",
        AeadAlgorithm::Chacha20Poly1305,
    );
    assert_eq!(n, 11);
}
