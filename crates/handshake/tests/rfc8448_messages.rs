//! RFC 8448: every handshake message of every trace parses and encodes again byte for byte,
//! and the fields the traces describe come out as they say.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use strata_codec::Encode;
use strata_handshake::extensions::{Extension, KeyShareEntry, PskKeyExchangeMode, ServerName};
use strata_handshake::messages::{HandshakeMessage, KeyUpdateRequest, TlsVersion};
use strata_handshake::{CipherSuite, ExtensionType, HandshakeType, NamedGroup};
use strata_pki::SignatureScheme;
use strata_record::ProtocolVersion;
use strata_testdata::rfc8448;

/// Every whole message of a "construct a … handshake message" step of a section, as
/// (title, bytes). The ClientHellos that offer a PSK are printed twice: first truncated
/// before the binders (what the binder covers), then whole; only whole ones are kept here.
fn messages(section: u32) -> Vec<(String, Vec<u8>)> {
    rfc8448(section)
        .steps
        .into_iter()
        .filter(|s| s.title.starts_with("construct a") && s.title.ends_with("handshake message"))
        .map(|s| (s.title.clone(), s.values[0].1.clone()))
        .filter(|(_, bytes)| is_whole(bytes))
        .collect()
}

fn is_whole(message: &[u8]) -> bool {
    let declared = u32::from_be_bytes([0, message[1], message[2], message[3]]) as usize;
    declared + 4 == message.len()
}

/// Every handshake message the trace sends in a record, split out of the record payloads.
fn sent_messages(section: u32) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for step in rfc8448(section)
        .steps("client", "send handshake record")
        .chain(
            rfc8448(section)
                .steps("server", "send handshake record")
                .collect::<Vec<_>>(),
        )
    {
        let mut payload = step.value("payload");
        while !payload.is_empty() {
            let len = 4 + u32::from_be_bytes([0, payload[1], payload[2], payload[3]]) as usize;
            out.push(payload[..len].to_vec());
            payload = &payload[len..];
        }
    }
    out
}

fn parse(bytes: &[u8]) -> HandshakeMessage<'_> {
    HandshakeMessage::decode(bytes, TlsVersion::Tls13).expect("trace message parses")
}

#[test]
fn every_trace_message_reencodes_byte_for_byte() {
    let mut count = 0;
    for section in 3..=7 {
        for (title, bytes) in messages(section) {
            let message = parse(&bytes);
            assert_eq!(
                hex::encode(message.to_bytes()),
                hex::encode(&bytes),
                "§{section} {title}"
            );
            // The owned copy encodes the same.
            assert_eq!(message.clone().into_owned().to_bytes()[..], bytes[..]);
            count += 1;
        }
    }
    assert!(count >= 39, "only {count} messages found");
}

#[test]
fn every_message_sent_in_a_record_reencodes_byte_for_byte() {
    let mut count = 0;
    for section in 3..=7 {
        for bytes in sent_messages(section) {
            assert_eq!(
                hex::encode(parse(&bytes).to_bytes()),
                hex::encode(&bytes),
                "§{section}"
            );
            count += 1;
        }
    }
    assert!(count >= 40, "only {count} messages found");
}

#[test]
fn truncated_client_hellos_end_where_the_binders_begin() {
    // RFC 8446 §4.2.11.2: the binder covers the ClientHello up to the binders list.
    let mut checked = 0;
    for section in 3..=7 {
        let trace = rfc8448(section);
        for step in trace.steps("client", "construct a ClientHello handshake message") {
            let partial = step.value("ClientHello");
            if is_whole(partial) {
                continue;
            }
            let whole = sent_messages(section)
                .into_iter()
                .find(|m| m.len() > partial.len() && m.starts_with(partial))
                .expect("the whole ClientHello is sent");
            let HandshakeMessage::ClientHello(hello) = parse(&whole) else {
                panic!()
            };
            let Some(Extension::PreSharedKey(offered)) =
                hello.extensions.get(ExtensionType::PreSharedKey)
            else {
                panic!("a truncated ClientHello offers a PSK")
            };
            assert_eq!(whole.len() - offered.binders_encoded_len(), partial.len());
            checked += 1;
        }
    }
    assert!(checked >= 1);
}

#[test]
fn section_3_client_hello_says_what_the_trace_says() {
    let (_, bytes) = &messages(3)[0];
    let HandshakeMessage::ClientHello(hello) = parse(bytes) else {
        panic!("not a ClientHello")
    };
    assert_eq!(hello.legacy_version, ProtocolVersion::Tls12);
    assert!(hello.legacy_session_id.is_empty());
    assert_eq!(
        hello.cipher_suites,
        [
            CipherSuite::Tls13Aes128GcmSha256,
            CipherSuite::Tls13Chacha20Poly1305Sha256,
            CipherSuite::Tls13Aes256GcmSha384
        ]
    );
    assert_eq!(&hello.legacy_compression_methods[..], &[0]);
    assert_eq!(
        hello.extensions.get(ExtensionType::ServerName),
        Some(&Extension::ServerName(vec![ServerName::host_name(
            "server"
        )]))
    );
    let Some(Extension::KeyShares(shares)) = hello.extensions.get(ExtensionType::KeyShare) else {
        panic!("no key_share")
    };
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::X25519);
    assert_eq!(shares[0].key_exchange.len(), 32);
    assert_eq!(
        hello.extensions.get(ExtensionType::SupportedVersions),
        Some(&Extension::SupportedVersions(
            vec![ProtocolVersion::Tls13].into()
        ))
    );
    let Some(Extension::SignatureAlgorithms(schemes)) =
        hello.extensions.get(ExtensionType::SignatureAlgorithms)
    else {
        panic!("no signature_algorithms")
    };
    assert!(schemes.contains(&SignatureScheme::RsaPssRsaeSha256));
    assert_eq!(
        hello.extensions.get(ExtensionType::PskKeyExchangeModes),
        Some(&Extension::PskKeyExchangeModes(
            vec![PskKeyExchangeMode::PskDheKe].into()
        ))
    );
    assert!(hello.extensions.contains(ExtensionType::RecordSizeLimit));
}

#[test]
fn section_3_server_flight_says_what_the_trace_says() {
    let msgs = messages(3);
    let HandshakeMessage::ServerHello(sh) = parse(&msgs[1].1) else {
        panic!()
    };
    assert_eq!(sh.cipher_suite, CipherSuite::Tls13Aes128GcmSha256);
    assert_eq!(
        sh.extensions.get(ExtensionType::SupportedVersions),
        Some(&Extension::SelectedVersion(ProtocolVersion::Tls13))
    );
    assert!(matches!(
        sh.extensions.get(ExtensionType::KeyShare),
        Some(Extension::KeyShare(KeyShareEntry {
            group: NamedGroup::X25519,
            ..
        }))
    ));
    let HandshakeMessage::EncryptedExtensions(ee) = parse(&msgs[2].1) else {
        panic!()
    };
    assert!(ee.extensions.contains(ExtensionType::SupportedGroups));
    assert!(ee.extensions.contains(ExtensionType::ServerName));
    let HandshakeMessage::Certificate(cert) = parse(&msgs[3].1) else {
        panic!()
    };
    assert!(cert.context.is_empty());
    assert_eq!(cert.entries.len(), 1);
    assert_eq!(cert.entries[0].cert_data.len(), 432);
    let HandshakeMessage::CertificateVerify(cv) = parse(&msgs[4].1) else {
        panic!()
    };
    assert_eq!(cv.scheme, SignatureScheme::RsaPssRsaeSha256);
    assert_eq!(cv.signature.len(), 128);
    let HandshakeMessage::Finished(fin) = parse(&msgs[5].1) else {
        panic!()
    };
    assert_eq!(fin.verify_data.len(), 32);
    let HandshakeMessage::NewSessionTicket(nst) = parse(&msgs[7].1) else {
        panic!()
    };
    assert_eq!(nst.lifetime, 30);
    assert_eq!(nst.nonce.as_ref(), &[0, 0]);
    assert!(matches!(
        nst.extensions.get(ExtensionType::EarlyData),
        Some(Extension::EarlyDataMax(_))
    ));
}

#[test]
fn section_4_client_hello_offers_a_ticket_with_its_binder_last() {
    let sent = sent_messages(4);
    let HandshakeMessage::ClientHello(hello) = parse(&sent[0]) else {
        panic!()
    };
    assert_eq!(
        hello.extensions.0.last().map(Extension::ty),
        Some(ExtensionType::PreSharedKey)
    );
    let Some(Extension::PreSharedKey(offered)) = hello.extensions.get(ExtensionType::PreSharedKey)
    else {
        panic!()
    };
    assert_eq!(offered.identities.len(), 1);
    assert_eq!(offered.binders.len(), 1);
    assert_eq!(offered.binders[0].len(), 32);
    assert_eq!(offered.binders_encoded_len(), 35);
    assert!(hello.extensions.contains(ExtensionType::EarlyData));
    // The identity is the ticket of §3's NewSessionTicket.
    let section_3 = messages(3);
    let HandshakeMessage::NewSessionTicket(nst) = parse(&section_3[7].1) else {
        panic!()
    };
    assert_eq!(offered.identities[0].identity, nst.ticket);
}

#[test]
fn section_4_end_of_early_data_and_section_5_hello_retry_request() {
    let eoed = messages(4)
        .into_iter()
        .find(|(t, _)| t.contains("EndOfEarlyData"))
        .expect("§4 has EndOfEarlyData");
    assert_eq!(parse(&eoed.1), HandshakeMessage::EndOfEarlyData);

    let msgs = messages(5);
    let HandshakeMessage::HelloRetryRequest(hrr) = parse(&msgs[1].1) else {
        panic!("§5's first ServerHello is a HelloRetryRequest")
    };
    assert_eq!(
        hrr.extensions.get(ExtensionType::KeyShare),
        Some(&Extension::KeyShareRequest(NamedGroup::Secp256r1))
    );
    assert!(hrr.extensions.contains(ExtensionType::Cookie));
    // The second ClientHello answers with a P-256 share and echoes the cookie.
    let HandshakeMessage::ClientHello(ch2) = parse(&msgs[2].1) else {
        panic!()
    };
    let Some(Extension::KeyShares(shares)) = ch2.extensions.get(ExtensionType::KeyShare) else {
        panic!()
    };
    assert_eq!(shares[0].group, NamedGroup::Secp256r1);
    assert_eq!(shares[0].key_exchange.len(), 65);
    assert_eq!(
        ch2.extensions.get(ExtensionType::Cookie),
        hrr.extensions.get(ExtensionType::Cookie)
    );
}

#[test]
fn section_6_certificate_request_and_client_authentication() {
    let msgs = messages(6);
    let cr = msgs
        .iter()
        .find(|(t, _)| t.contains("CertificateRequest"))
        .unwrap();
    let HandshakeMessage::CertificateRequest(cr) = parse(&cr.1) else {
        panic!()
    };
    assert!(cr.context.is_empty());
    assert!(cr.extensions.contains(ExtensionType::SignatureAlgorithms));
    let client_certs: Vec<_> = msgs
        .iter()
        .filter(|(t, _)| t.contains("a Certificate handshake"))
        .map(|(_, b)| parse(b))
        .collect();
    assert_eq!(
        client_certs.len(),
        2,
        "the server's and the client's Certificate"
    );
}

#[test]
fn types_of_all_messages_match_their_header() {
    for section in 3..=7 {
        for (title, bytes) in messages(section) {
            assert_eq!(parse(&bytes).ty(), HandshakeType::from(bytes[0]), "{title}");
        }
    }
    let key_update = [24, 0, 0, 1, 1];
    assert_eq!(
        parse(&key_update),
        HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateRequested)
    );
}
