//! Known-answer tests from the RFC 8448 traces: every protected record of the traces is
//! opened with the traffic key and IV the trace derives and must give the trace's payload;
//! sealing the payload again must give the trace's record byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use bytes::BytesMut;
use strata_record::{
    AeadAlgorithm, ContentType, Deframer, Opener, RecordKind, RecordVersion, Sealer,
};
use strata_testdata::{rfc8448, Trace};

/// A record of the trace: who sent it, the step title, which of the steps with that title,
/// and its real content type.
type Rec = (&'static str, &'static str, usize, ContentType);

/// All the records one traffic key protects, in sequence order, with the step that
/// derives the key.
struct Stream {
    key: (&'static str, &'static str),
    records: Vec<Rec>,
}

const HS: &str = "send handshake record";
const AD: &str = "send application_data record";
const AL: &str = "send alert record";
const HANDSHAKE: ContentType = ContentType::Handshake;
const DATA: ContentType = ContentType::ApplicationData;
const ALERT: ContentType = ContentType::Alert;

fn check(trace: &Trace, streams: &[Stream]) -> usize {
    let mut checked = 0;
    for stream in streams {
        let keys = trace.step(stream.key.0, stream.key.1);
        let (key, iv) = (keys.value("key expanded"), keys.value("iv expanded"));
        let mut opener = Opener::for_tls13(AeadAlgorithm::Aes128Gcm, key, iv).unwrap();
        let mut sealer = Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, key, iv).unwrap();
        for (seq, &(actor, title, n, content_type)) in stream.records.iter().enumerate() {
            let step = trace.nth(actor, title, n);
            let record = step.value("complete record");
            let payload = step.value("payload");
            let what = format!("{{{actor}}} {title} #{n} (seq {seq})");

            // Through the deframer, one byte at a time, then opened in place.
            let mut deframer = Deframer::new();
            deframer.set_kind(RecordKind::Protected(RecordVersion::Tls13));
            let mut got = None;
            for b in record {
                assert_eq!(deframer.push(&[*b]), 1);
                if let Some(r) = deframer.next_record().unwrap() {
                    got = Some(r);
                }
            }
            let opened = opener.open(got.expect("a whole record")).unwrap();
            assert_eq!(opened.content_type, content_type, "{what}");
            assert_eq!(&opened.fragment[..], payload, "{what}");

            let mut out = BytesMut::new();
            sealer.seal(content_type, payload, &mut out).unwrap();
            assert_eq!(&out[..], record, "{what}");
            checked += 1;
        }
        assert_eq!(opener.sequence_number(), stream.records.len() as u64);
        assert_eq!(sealer.sequence_number(), stream.records.len() as u64);
    }
    checked
}

#[test]
fn section_3_simple_1rtt_handshake() {
    let streams = [
        Stream {
            key: ("server", "derive write traffic keys for handshake data"),
            records: vec![("server", HS, 1, HANDSHAKE)],
        },
        Stream {
            // The client's handshake write key is the server's read key.
            key: ("server", "derive read traffic keys for handshake data"),
            records: vec![("client", HS, 1, HANDSHAKE)],
        },
        Stream {
            key: ("server", "derive write traffic keys for application data"),
            records: vec![
                ("server", HS, 2, HANDSHAKE), // NewSessionTicket
                ("server", AD, 0, DATA),
                ("server", AL, 0, ALERT),
            ],
        },
        Stream {
            key: ("client", "derive write traffic keys for application data"),
            records: vec![("client", AD, 0, DATA), ("client", AL, 0, ALERT)],
        },
    ];
    assert_eq!(check(&rfc8448(3), &streams), 7);
}

#[test]
fn section_4_resumed_0rtt_handshake() {
    let streams = [
        Stream {
            key: (
                "client",
                "derive write traffic keys for early application data",
            ),
            records: vec![("client", AD, 0, DATA), ("client", HS, 1, HANDSHAKE)], // + EndOfEarlyData
        },
        Stream {
            key: ("server", "derive write traffic keys for handshake data"),
            records: vec![("server", HS, 1, HANDSHAKE)],
        },
        Stream {
            key: ("client", "derive write traffic keys for handshake data"),
            records: vec![("client", HS, 2, HANDSHAKE)],
        },
        Stream {
            key: ("server", "derive write traffic keys for application data"),
            records: vec![("server", AD, 0, DATA), ("server", AL, 0, ALERT)],
        },
        Stream {
            key: ("client", "derive write traffic keys for application data"),
            records: vec![("client", AD, 1, DATA), ("client", AL, 0, ALERT)],
        },
    ];
    assert_eq!(check(&rfc8448(4), &streams), 8);
}

/// Sections 5 (HelloRetryRequest), 6 (client authentication) and 7 (compatibility
/// mode) have the same shape: one protected flight each way, then an alert each way.
fn one_flight_each_way(section: u32) {
    // Section 5 has two plaintext ClientHellos and ServerHello-likes before the flights.
    let n = if section == 5 { 2 } else { 1 };
    let streams = [
        Stream {
            key: ("server", "derive write traffic keys for handshake data"),
            records: vec![("server", HS, n, HANDSHAKE)],
        },
        Stream {
            key: ("server", "derive read traffic keys for handshake data"),
            records: vec![("client", HS, n, HANDSHAKE)],
        },
        Stream {
            key: ("server", "derive write traffic keys for application data"),
            records: vec![("server", AL, 0, ALERT)],
        },
        Stream {
            key: ("client", "derive write traffic keys for application data"),
            records: vec![("client", AL, 0, ALERT)],
        },
    ];
    assert_eq!(check(&rfc8448(section), &streams), 4);
}

#[test]
fn section_5_hello_retry_request() {
    one_flight_each_way(5);
}

#[test]
fn section_6_client_authentication() {
    one_flight_each_way(6);
}

#[test]
fn section_7_compatibility_mode() {
    one_flight_each_way(7);
}

/// Every unprotected record of every trace (ClientHello, HelloRetryRequest, ServerHello,
/// change_cipher_spec) frames and deframes exactly.
#[test]
fn plaintext_records_of_every_section_frame_and_deframe() {
    let mut checked = 0;
    for section in 3..=7 {
        let trace = rfc8448(section);
        for step in &trace.steps {
            if !step.title.starts_with("send ") {
                continue;
            }
            let record = step.value("complete record");
            if record[0] == 0x17 {
                continue; // protected: checked above
            }
            let header = strata_record::RecordHeader {
                content_type: ContentType::from(record[0]),
                version: strata_record::ProtocolVersion::from(u16::from_be_bytes([
                    record[1], record[2],
                ])),
                length: u16::from_be_bytes([record[3], record[4]]),
            };
            // The change_cipher_spec steps print only the complete record.
            let payload = step
                .values
                .iter()
                .find(|(l, _)| l == "payload")
                .map_or(&record[5..], |(_, v)| v.as_slice());
            let mut out = BytesMut::new();
            strata_record::write_plaintext_record(
                header.content_type,
                header.version,
                payload,
                &mut out,
            )
            .unwrap();
            assert_eq!(&out[..], record, "section {section} {:?}", step.title);

            let mut deframer = Deframer::new();
            assert_eq!(deframer.push(record), record.len());
            let got = deframer.next_record().unwrap().unwrap();
            assert_eq!(got.header(), header);
            assert_eq!(&got.into_fragment()[..], payload);
            assert!(deframer.is_empty());
            checked += 1;
        }
    }
    // 3: CH, SH; 4: CH, SH; 5: CH, HRR, CH, SH; 6: CH, SH; 7: CH, SH, 2 CCS.
    assert_eq!(checked, 14);
}
