//! The record header and the streaming record parser (RFC 8446 §5.1, RFC 5246 §6.2.1).
//!
//! The parser is a nom *streaming* parser: when the input ends before the header or the
//! fragment does, it answers `nom::Err::Incomplete` with the number of bytes still needed,
//! never an error. It checks each field as soon as its bytes are there, so garbage is
//! refused at its first byte even when it arrives one byte at a time.
//!
//! Decisions, with the RFC text behind them:
//!
//! - Content types other than change_cipher_spec, alert, handshake and application_data
//!   (heartbeat included) are unexpected_message (RFC 8446 §5).
//! - legacy_record_version "MUST be ignored for all purposes" (RFC 8446 §5.1), and a TLS
//!   1.2 server "MUST accept any value {03,XX}" in a ClientHello record (RFC 5246
//!   Appendix E.1). So any 0x03XX passes, including 0x0300 and 0x0301; a major byte other
//!   than 3 (an SSL 2.0 hello, HTTP sent to a TLS port) is not TLS at all and is refused
//!   with decode_error, the alert for a field out of its range (RFC 8446 §6.2). Checking
//!   that a TLS 1.2 peer keeps to the negotiated version is left to the connection, which
//!   sees the version in [`RecordHeader::version`].
//! - The length is checked against the limit for the kind of record expected
//!   ([`RecordKind`]) before the fragment is read: record_overflow.
//! - A zero-length handshake, alert or change_cipher_spec record is refused here with
//!   unexpected_message (RFC 5246 §6.2.1 forbids sending them; RFC 8446 §5.4 names the
//!   alert for the protected case). This layer enforces it because it is the only one
//!   that sees fragments: the handshake layer only sees reassembled messages. The
//!   [`Opener`](crate::Opener) applies the same rule to decrypted TLS 1.3 content.

use bytes::BytesMut;
use nom::Needed;
use strata_codec::{Decode, Encode, Res};

use crate::limits::{
    HEADER_LEN, MAX_PLAINTEXT_LEN, MAX_TLS12_CIPHERTEXT_LEN, MAX_TLS13_CIPHERTEXT_LEN,
};
use crate::{ContentType, ProtocolVersion, RecordError};

/// Which protocol's record protection rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordVersion {
    /// TLS 1.2 (RFC 5246, RFC 5288, RFC 7905).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

/// The kind of record a reader expects, which sets the length limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// Unprotected records (before keys are in use): at most 2^14 bytes.
    Plaintext,
    /// Records protected under the given version's rules: at most 2^14 + 256 bytes
    /// (TLS 1.3) or 2^14 + 2048 bytes (TLS 1.2).
    Protected(RecordVersion),
}

impl RecordKind {
    /// The largest TLSPlaintext/TLSCiphertext.length allowed for this kind
    /// (RFC 8446 §5.1, §5.2; RFC 5246 §6.2.1, §6.2.3).
    pub const fn max_fragment_len(self) -> usize {
        match self {
            Self::Plaintext => MAX_PLAINTEXT_LEN,
            Self::Protected(RecordVersion::Tls13) => MAX_TLS13_CIPHERTEXT_LEN,
            Self::Protected(RecordVersion::Tls12) => MAX_TLS12_CIPHERTEXT_LEN,
        }
    }
}

/// The five bytes in front of every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordHeader {
    /// What the record carries (the outer type for TLS 1.3 protected records).
    pub content_type: ContentType,
    /// legacy_record_version; ignored by TLS 1.3 (RFC 8446 §5.1).
    pub version: ProtocolVersion,
    /// The length of the fragment that follows.
    pub length: u16,
}

impl RecordHeader {
    /// The header as it goes on the wire.
    pub fn to_array(&self) -> [u8; HEADER_LEN] {
        let [v0, v1] = self.version.to_wire().to_be_bytes();
        let [l0, l1] = self.length.to_be_bytes();
        [self.content_type.to_wire(), v0, v1, l0, l1]
    }
}

impl Encode for RecordHeader {
    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(&self.to_array());
    }
}

impl<'a> Decode<'a> for RecordHeader {
    /// Reads the three fields without judging them (a complete parser, for tools that
    /// look at records); [`parse_header`] is the checked, streaming one.
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (rest, content_type) = ContentType::decode(input)?;
        let (rest, version) = ProtocolVersion::decode(rest)?;
        let (rest, length) = u16::decode(rest)?;
        Ok((
            rest,
            Self {
                content_type,
                version,
                length,
            },
        ))
    }
}

fn need(have: usize, want: usize) -> nom::Err<RecordError> {
    nom::Err::Incomplete(Needed::new(want.saturating_sub(have)))
}

/// Whether the record layer accepts records of this type (RFC 8446 §5).
fn allowed(content_type: ContentType) -> bool {
    matches!(
        content_type,
        ContentType::ChangeCipherSpec
            | ContentType::Alert
            | ContentType::Handshake
            | ContentType::ApplicationData
    )
}

/// Parses and checks a record header from the front of `input` (streaming).
///
/// Returns `Incomplete` with the count of missing bytes while fewer than five bytes are
/// there, after checking whatever bytes are: see the module documentation for the rules.
pub fn parse_header(
    input: &[u8],
    kind: RecordKind,
) -> nom::IResult<&[u8], RecordHeader, RecordError> {
    if let Some(&byte) = input.first() {
        let content_type = ContentType::from(byte);
        if !allowed(content_type) {
            return Err(nom::Err::Error(RecordError::UnexpectedContentType(
                content_type,
            )));
        }
    }
    if let Some(&major) = input.get(1) {
        if major != 3 {
            let minor = input.get(2).copied().unwrap_or(0);
            return Err(nom::Err::Error(RecordError::NotTls(u16::from_be_bytes([
                major, minor,
            ]))));
        }
    }
    let Some((head, rest)) = input.split_first_chunk::<HEADER_LEN>() else {
        return Err(need(input.len(), HEADER_LEN));
    };
    let [ct, v0, v1, l0, l1] = *head;
    let header = RecordHeader {
        content_type: ContentType::from(ct),
        version: ProtocolVersion::from(u16::from_be_bytes([v0, v1])),
        length: u16::from_be_bytes([l0, l1]),
    };
    let len = usize::from(header.length);
    let max = kind.max_fragment_len();
    if len > max {
        return Err(nom::Err::Error(RecordError::RecordOverflow { len, max }));
    }
    if len == 0 && header.content_type != ContentType::ApplicationData {
        return Err(nom::Err::Error(RecordError::EmptyFragment(
            header.content_type,
        )));
    }
    Ok((rest, header))
}

/// Parses one whole record from the front of `input` (streaming): the checked header and
/// the fragment, borrowed. `Incomplete` says how many more bytes the record needs.
pub fn parse_record(
    input: &[u8],
    kind: RecordKind,
) -> nom::IResult<&[u8], (RecordHeader, &[u8]), RecordError> {
    let (rest, header) = parse_header(input, kind)?;
    let len = usize::from(header.length);
    match rest.split_at_checked(len) {
        Some((fragment, rest)) => Ok((rest, (header, fragment))),
        None => Err(need(rest.len(), len)),
    }
}

/// The whole record at the front of `input`: its checked header and its length, header
/// included; `Ok(None)` while `input` holds only part of it. For callers that keep records
/// in their own buffer (the [`Deframer`](crate::Deframer) keeps its own) and want the
/// same checks without nom's types.
pub fn front_record(
    input: &[u8],
    kind: RecordKind,
) -> Result<Option<(RecordHeader, usize)>, RecordError> {
    match parse_record(input, kind) {
        Ok((_, (header, fragment))) => Ok(Some((header, HEADER_LEN + fragment.len()))),
        Err(nom::Err::Incomplete(_)) => Ok(None),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e),
    }
}

/// Appends an unprotected record (header and `fragment`) to `out`, with
/// legacy_record_version `version` (0x0303, or 0x0301 for a first ClientHello,
/// RFC 8446 §5.1). A fragment over 2^14 bytes is [`RecordError::PlaintextTooLong`]:
/// cut data into records with the [`Fragmenter`](crate::Fragmenter).
pub fn write_plaintext_record(
    content_type: ContentType,
    version: ProtocolVersion,
    fragment: &[u8],
    out: &mut BytesMut,
) -> Result<(), RecordError> {
    let too_long = RecordError::PlaintextTooLong {
        len: fragment.len(),
        max: MAX_PLAINTEXT_LEN,
    };
    if fragment.len() > MAX_PLAINTEXT_LEN {
        return Err(too_long);
    }
    let length = u16::try_from(fragment.len()).map_err(|_| too_long)?;
    RecordHeader {
        content_type,
        version,
        length,
    }
    .encode(out);
    out.extend_from_slice(fragment);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: RecordKind = RecordKind::Plaintext;

    fn err(input: &[u8], kind: RecordKind) -> RecordError {
        match parse_record(input, kind) {
            Err(nom::Err::Error(e)) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn front_record_says_whole_partial_or_wrong() {
        let record = [0x16, 3, 3, 0, 2, 0xaa, 0xbb, 0x17];
        let (header, len) = front_record(&record, PLAIN).unwrap().unwrap();
        assert_eq!((header.content_type, len), (ContentType::Handshake, 7));
        for cut in 0..7 {
            assert_eq!(
                front_record(&record[..cut], PLAIN),
                Ok(None),
                "cut at {cut}"
            );
        }
        assert_eq!(
            front_record(&[0x16, 3, 3, 0, 0], PLAIN),
            Err(RecordError::EmptyFragment(ContentType::Handshake))
        );
        assert!(front_record(&[0x63], PLAIN).is_err());
    }

    #[test]
    fn parses_a_record_and_borrows_the_fragment() {
        let input = [22, 3, 1, 0, 2, 0xaa, 0xbb, 0xcc];
        let (rest, (header, fragment)) = parse_record(&input, PLAIN).unwrap();
        assert_eq!(header.content_type, ContentType::Handshake);
        assert_eq!(header.version, ProtocolVersion::Tls10);
        assert_eq!(fragment, &[0xaa, 0xbb]);
        assert_eq!(rest, &[0xcc]);
    }

    #[test]
    fn truncated_header_needs_more_bytes_not_an_error() {
        let full = [23, 3, 3, 0, 1, 9];
        for cut in 0..HEADER_LEN {
            assert_eq!(
                parse_record(&full[..cut], PLAIN),
                Err(nom::Err::Incomplete(Needed::new(HEADER_LEN - cut))),
                "cut at {cut}"
            );
        }
        assert_eq!(
            parse_record(&full[..5], PLAIN),
            Err(nom::Err::Incomplete(Needed::new(1)))
        );
    }

    #[test]
    fn unknown_content_type_is_unexpected_message_from_its_first_byte() {
        for ct in [0u8, 19, 24, 25, 0x80, 0xff] {
            let e = err(&[ct], PLAIN);
            assert_eq!(e, RecordError::UnexpectedContentType(ContentType::from(ct)));
            assert_eq!(e.alert(), strata_alert::AlertDescription::UnexpectedMessage);
        }
        // HTTP sent to a TLS port.
        assert_eq!(
            err(b"GET / HTTP/1.1\r\n", PLAIN).alert(),
            strata_alert::AlertDescription::UnexpectedMessage
        );
    }

    #[test]
    fn version_major_other_than_three_is_decode_error() {
        let e = err(&[22, 2, 0], PLAIN);
        assert_eq!(e, RecordError::NotTls(0x0200));
        assert_eq!(e.alert(), strata_alert::AlertDescription::DecodeError);
        assert_eq!(err(&[22, 0x80], PLAIN), RecordError::NotTls(0x8000));
    }

    #[test]
    fn any_03xx_version_is_accepted() {
        for minor in [0u8, 1, 2, 3, 4, 0x7f, 0xff] {
            let input = [22, 3, minor, 0, 1, 0];
            let (_, (header, _)) = parse_record(&input, PLAIN).unwrap();
            assert_eq!(header.version.to_wire(), 0x0300 | u16::from(minor));
        }
    }

    #[test]
    fn overflow_for_each_kind_is_record_overflow() {
        let kinds = [
            (PLAIN, 1 << 14),
            (RecordKind::Protected(RecordVersion::Tls13), (1 << 14) + 256),
            (
                RecordKind::Protected(RecordVersion::Tls12),
                (1 << 14) + 2048,
            ),
        ];
        for (kind, max) in kinds {
            let ok = u16::try_from(max).unwrap().to_be_bytes();
            let input = [23, 3, 3, ok[0], ok[1]];
            assert_eq!(
                parse_record(&input, kind),
                Err(nom::Err::Incomplete(Needed::new(max)))
            );
            let over = u16::try_from(max + 1).unwrap().to_be_bytes();
            let e = err(&[23, 3, 3, over[0], over[1]], kind);
            assert_eq!(e, RecordError::RecordOverflow { len: max + 1, max });
            assert_eq!(e.alert(), strata_alert::AlertDescription::RecordOverflow);
        }
    }

    #[test]
    fn empty_handshake_alert_and_ccs_records_are_refused() {
        for ct in [20u8, 21, 22] {
            let e = err(&[ct, 3, 3, 0, 0], PLAIN);
            assert_eq!(e, RecordError::EmptyFragment(ContentType::from(ct)));
            assert_eq!(e.alert(), strata_alert::AlertDescription::UnexpectedMessage);
        }
        let (rest, (header, fragment)) = parse_record(&[23, 3, 3, 0, 0], PLAIN).unwrap();
        assert_eq!((header.length, fragment, rest), (0, &[][..], &[][..]));
    }

    #[test]
    fn header_encodes_as_it_parses() {
        let header = RecordHeader {
            content_type: ContentType::Alert,
            version: ProtocolVersion::Tls12,
            length: 2,
        };
        assert_eq!(&header.to_bytes()[..], &[21, 3, 3, 0, 2]);
        assert_eq!(RecordHeader::decode_exact(&header.to_array()), Ok(header));
    }
}
