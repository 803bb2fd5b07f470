//! Records opened and sealed in the caller's own buffer (`Connection::open_in_place`,
//! `Connection::seal_in_place`): whole handshakes driven through them, data both ways in
//! both protocol versions, post-handshake messages, records in pieces, tampering, and
//! the rules that keep the two ways of reading and writing in order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io;
use std::sync::Arc;

use common::{exchange, pair, transfer, Pki};
use proptest::prelude::*;
use strata::{Connection, Error, TlsVersion};
use strata_alert::AlertDescription;
use strata_testdata::pki::KeyKind;

/// One side's receive buffer: bytes read from the transport, opened in place.
#[derive(Default)]
struct Inbox {
    buf: Vec<u8>,
}

impl Inbox {
    /// Opens every whole record in the buffer, appending their application data to
    /// `data`; keeps a partial record at the front for the next bytes. Returns how many
    /// records it took.
    fn open_all(&mut self, conn: &mut Connection, data: &mut Vec<u8>) -> Result<usize, Error> {
        let mut at = 0;
        let mut records = 0;
        loop {
            let opened = conn.open_in_place(&mut self.buf[at..])?;
            if opened.consumed == 0 {
                break;
            }
            data.extend_from_slice(opened.application_data);
            at += opened.consumed;
            records += 1;
        }
        self.buf.drain(..at);
        Ok(records)
    }
}

/// Everything `from` has to send, as bytes.
fn drain(from: &mut Connection) -> Vec<u8> {
    let mut bytes = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut bytes).unwrap();
    }
    bytes
}

/// A handshake in which both sides take every record with `open_in_place`.
fn handshake_in_place(client: &mut Connection, server: &mut Connection) {
    let (mut at_client, mut at_server) = (Inbox::default(), Inbox::default());
    let mut data = Vec::new();
    for _ in 0..10 {
        at_server.buf.extend(drain(client));
        at_server.open_all(server, &mut data).unwrap();
        at_client.buf.extend(drain(server));
        at_client.open_all(client, &mut data).unwrap();
        if !client.is_handshaking() && !server.is_handshaking() && !client.wants_write() {
            break;
        }
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert!(data.is_empty(), "no application data was sent");
    assert!(at_client.buf.is_empty() && at_server.buf.is_empty());
}

/// Seals `data` into records in one buffer with `seal_in_place`, each as large as the
/// layout allows.
fn seal_all(conn: &mut Connection, data: &[u8]) -> Vec<u8> {
    let layout = conn.record_layout().expect("handshake complete");
    let mut wire = Vec::new();
    for chunk in data.chunks(layout.max_plaintext) {
        let start = wire.len();
        wire.resize(start + layout.header_len, 0);
        wire.extend_from_slice(chunk);
        conn.seal_in_place(&mut wire, start).unwrap();
    }
    wire
}

fn configs(
    pki: &Pki,
    version: TlsVersion,
    client_auth: bool,
) -> (Arc<strata::ClientConfig>, Arc<strata::ServerConfig>) {
    let mut client = pki.client().versions(&[version]);
    let mut server = pki.server(KeyKind::EcdsaP256).versions(&[version]);
    if client_auth {
        client = client.client_certificate(pki.client_cert());
        server = server.client_auth(pki.client_verifier(true));
    }
    (client.build().unwrap(), server.build().unwrap())
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn handshakes_and_data_in_place_in_both_versions() {
    let pki = Pki::new();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        for client_auth in [false, true] {
            let (cc, sc) = configs(&pki, version, client_auth);
            let (mut client, mut server) = pair(cc, sc);
            handshake_in_place(&mut client, &mut server);
            assert_eq!(client.protocol_version(), Some(version));
            assert_eq!(
                server.peer_certificates().is_some_and(|c| !c.is_empty()),
                client_auth
            );

            // Three records' worth, the last one short, each way.
            let sent = payload(40_000);
            let both_ways = |from: &mut Connection, to: &mut Connection| {
                let mut inbox = Inbox {
                    buf: seal_all(from, &sent),
                };
                let mut got = Vec::new();
                assert_eq!(inbox.open_all(to, &mut got).unwrap(), 3);
                assert_eq!(got, sent, "{version:?}, client auth {client_auth}");
            };
            both_ways(&mut client, &mut server);
            both_ways(&mut server, &mut client);
            // The buffered calls still work after the in-place ones.
            exchange(&mut client, &mut server);
        }
    }
}

#[test]
fn in_place_and_buffered_calls_read_each_others_records() {
    let pki = Pki::new();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (cc, sc) = configs(&pki, version, false);
        let (mut client, mut server) = pair(cc, sc);
        common::handshake(&mut client, &mut server, usize::MAX).unwrap();
        transfer(&mut server, &mut client, usize::MAX).unwrap();

        // Sealed in place, read with read_tls and read_plaintext.
        let sent = payload(20_000);
        let wire = seal_all(&mut client, &sent);
        let mut rd: &[u8] = &wire;
        let mut got = Vec::new();
        while !rd.is_empty() {
            server.read_tls(&mut rd).unwrap();
            server.process_new_packets().unwrap();
            let mut buf = [0u8; 4096];
            while let Ok(n) = server.read_plaintext(&mut buf) {
                got.extend_from_slice(&buf[..n]);
            }
        }
        assert_eq!(got, sent);

        // Written with write_plaintext, opened in place.
        server.write_plaintext(&sent).unwrap();
        let mut inbox = Inbox {
            buf: drain(&mut server),
        };
        let mut got = Vec::new();
        inbox.open_all(&mut client, &mut got).unwrap();
        assert_eq!(got, sent);
    }
}

#[test]
fn a_record_in_pieces_is_consumed_only_when_whole() {
    let pki = Pki::new();
    let (cc, sc) = configs(&pki, TlsVersion::Tls13, false);
    let (mut client, mut server) = pair(cc, sc);
    common::handshake(&mut client, &mut server, usize::MAX).unwrap();
    transfer(&mut server, &mut client, usize::MAX).unwrap();
    let mut wire = seal_all(&mut client, b"in pieces");
    let len = wire.len();
    for cut in [0, 1, 4, 5, 6, len - 1] {
        let opened = server.open_in_place(&mut wire[..cut]).unwrap();
        assert_eq!(opened.consumed, 0, "cut at {cut}");
        assert!(opened.application_data.is_empty());
    }
    // Bytes after the record are left for the next call.
    wire.extend_from_slice(&[0x17, 0x03]);
    let opened = server.open_in_place(&mut wire).unwrap();
    assert_eq!(opened.consumed, len);
    assert_eq!(opened.application_data, b"in pieces");
}

#[test]
fn tickets_and_key_updates_arrive_in_place() {
    let pki = Pki::new();
    let (cc, sc) = configs(&pki, TlsVersion::Tls13, false);
    let (mut client, mut server) = pair(cc, sc);
    handshake_in_place(&mut client, &mut server);
    assert!(
        client.tickets().count() > 0,
        "the server's tickets were taken"
    );

    // The server rekeys and asks the client to; its next record uses the new keys.
    server.update_keys(true).unwrap();
    let mut inbox = Inbox {
        buf: drain(&mut server),
    };
    inbox.buf.extend(seal_all(&mut server, b"after the update"));
    let mut got = Vec::new();
    assert_eq!(inbox.open_all(&mut client, &mut got).unwrap(), 2);
    assert_eq!(got, b"after the update");

    // The client owes its own KeyUpdate: sealing in place waits until it is written.
    assert!(client.wants_write());
    let layout = client.record_layout().unwrap();
    let mut wire = vec![0; layout.header_len];
    wire.extend_from_slice(b"from the client");
    let before = wire.clone();
    let err = client.seal_in_place(&mut wire, 0).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(wire, before, "the buffer is left as it was");
    let mut to_server = Inbox {
        buf: drain(&mut client),
    };
    client.seal_in_place(&mut wire, 0).unwrap();
    to_server.buf.extend(wire);
    let mut got = Vec::new();
    assert_eq!(to_server.open_all(&mut server, &mut got).unwrap(), 2);
    assert_eq!(got, b"from the client");
}

#[test]
fn a_tampered_record_is_bad_record_mac_and_ends_the_connection() {
    let pki = Pki::new();
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let (cc, sc) = configs(&pki, version, false);
        let (mut client, mut server) = pair(cc, sc);
        handshake_in_place(&mut client, &mut server);
        let mut wire = seal_all(&mut client, b"tampered");
        let last = wire.len() - 1;
        wire[last] ^= 1;
        let err = server.open_in_place(&mut wire).unwrap_err();
        assert_eq!(err.alert_sent(), Some(AlertDescription::BadRecordMac));
        assert!(server.wants_write(), "the alert is queued");
        assert!(matches!(
            server.open_in_place(&mut wire),
            Err(Error::AlreadyFailed(_))
        ));
        let mut inbox = Inbox {
            buf: drain(&mut server),
        };
        let err = inbox.open_all(&mut client, &mut Vec::new()).unwrap_err();
        assert_eq!(err.alert_received(), Some(AlertDescription::BadRecordMac));
    }
}

#[test]
fn close_notify_ends_the_records_taken() {
    let pki = Pki::new();
    let (cc, sc) = configs(&pki, TlsVersion::Tls13, false);
    let (mut client, mut server) = pair(cc, sc);
    handshake_in_place(&mut client, &mut server);
    let mut wire = seal_all(&mut client, b"last words");
    client.send_close_notify();
    wire.extend(drain(&mut client));
    // Anything after close_notify is ignored (RFC 8446 §6.1).
    let after = seal_all(&mut server, b"ignored");
    wire.extend_from_slice(&after);
    let mut inbox = Inbox { buf: wire };
    let mut got = Vec::new();
    assert_eq!(inbox.open_all(&mut server, &mut got).unwrap(), 2);
    assert_eq!(got, b"last words");
    assert!(server.received_close_notify());
    assert_eq!(
        inbox.buf.len(),
        after.len(),
        "nothing taken after close_notify"
    );
    let err = client.seal_in_place(&mut vec![0; 64], 0).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn the_two_ways_may_not_interleave() {
    let pki = Pki::new();
    let (cc, sc) = configs(&pki, TlsVersion::Tls13, false);
    let (mut client, mut server) = pair(cc, sc);

    // Before the handshake there is no layout and nothing to seal with.
    assert_eq!(client.record_layout(), None);
    assert!(client.seal_in_place(&mut vec![0; 64], 0).is_err());

    common::handshake(&mut client, &mut server, usize::MAX).unwrap();
    transfer(&mut server, &mut client, usize::MAX).unwrap();

    // Bytes half-read through read_tls come first.
    let mut wire = seal_all(&mut client, b"first");
    server.read_tls(&mut &wire[..3]).unwrap();
    server.process_new_packets().unwrap();
    let mut rest = wire[3..].to_vec();
    assert!(matches!(
        server.open_in_place(&mut rest),
        Err(Error::Misuse(_))
    ));
    // Plaintext not yet read comes first too.
    server.read_tls(&mut &wire[3..]).unwrap();
    server.process_new_packets().unwrap();
    let mut next = seal_all(&mut client, b"second");
    assert!(matches!(
        server.open_in_place(&mut next),
        Err(Error::Misuse(_))
    ));
    let mut buf = [0u8; 16];
    let n = server.read_plaintext(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"first");
    let opened = server.open_in_place(&mut next).unwrap();
    assert_eq!(opened.application_data, b"second");

    // A buffer that is not header room then at most max_plaintext is refused, and the
    // connection stays up.
    let layout = client.record_layout().unwrap();
    let err = client
        .seal_in_place(&mut vec![0; layout.header_len - 1], 0)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let mut big = vec![0; layout.header_len + layout.max_plaintext + 1];
    let err = client.seal_in_place(&mut big, 0).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    wire.clear();
    wire.extend(seal_all(&mut client, b"still up"));
    let opened = server.open_in_place(&mut wire).unwrap();
    assert_eq!(opened.application_data, b"still up");
}

#[test]
fn a_record_sealed_after_other_bytes_in_the_buffer_starts_at_start() {
    let pki = Pki::new();
    let (cc, sc) = configs(&pki, TlsVersion::Tls12, false);
    let (mut client, mut server) = pair(cc, sc);
    handshake_in_place(&mut client, &mut server);
    let layout = client.record_layout().unwrap();
    // TLS 1.2 GCM: the explicit nonce follows the header.
    assert_eq!(layout.header_len, 5 + 8);
    let mut wire = b"unrelated bytes".to_vec();
    let start = wire.len();
    wire.resize(start + layout.header_len, 0xAA);
    wire.extend_from_slice(b"payload");
    wire.reserve(layout.trailer_len);
    let capacity = wire.capacity();
    client.seal_in_place(&mut wire, start).unwrap();
    assert_eq!(
        wire.capacity(),
        capacity,
        "the trailer fit the room reserved"
    );
    assert_eq!(&wire[..start], b"unrelated bytes");
    let record_len = wire.len() - start;
    let opened = server.open_in_place(&mut wire[start..]).unwrap();
    assert_eq!(opened.consumed, record_len);
    assert_eq!(opened.application_data, b"payload");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any data, cut into records of any sizes and delivered in any chunking, arrives
    /// whole and in order through the in-place calls.
    #[test]
    fn data_in_any_records_and_chunks_arrives_whole(
        tls12 in any::<bool>(),
        sizes in proptest::collection::vec(0usize..20_000, 1..6),
        chunk in 1usize..5000,
    ) {
        let pki = Pki::new();
        let version = if tls12 { TlsVersion::Tls12 } else { TlsVersion::Tls13 };
        let (cc, sc) = configs(&pki, version, false);
        let (mut client, mut server) = pair(cc, sc);
        handshake_in_place(&mut client, &mut server);
        let layout = client.record_layout().unwrap();
        let total: usize = sizes.iter().sum();
        let sent = payload(total);
        let mut wire = Vec::new();
        let mut at = 0;
        for size in sizes {
            for piece in sent[at..at + size].chunks(layout.max_plaintext) {
                let start = wire.len();
                wire.resize(start + layout.header_len, 0);
                wire.extend_from_slice(piece);
                client.seal_in_place(&mut wire, start).unwrap();
            }
            at += size;
        }
        let mut inbox = Inbox::default();
        let mut got = Vec::new();
        for piece in wire.chunks(chunk) {
            inbox.buf.extend_from_slice(piece);
            inbox.open_all(&mut server, &mut got).unwrap();
        }
        prop_assert!(inbox.buf.is_empty());
        prop_assert_eq!(got, sent);
    }
}
