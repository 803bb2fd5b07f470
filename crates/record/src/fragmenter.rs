//! Cutting outgoing data into records.

use bytes::BytesMut;

use crate::header::write_plaintext_record;
use crate::limits::MAX_PLAINTEXT_LEN;
use crate::{ContentType, ProtocolVersion, RecordError, SealBuffer, Sealer};

/// Cuts outgoing data into records of at most [`Fragmenter::max_fragment_len`] bytes of
/// content (RFC 8446 §5.1, RFC 5246 §6.2.1).
///
/// For protected records the [`Sealer`]'s own limit also applies, which is smaller when the
/// peer announced a record_size_limit (RFC 8449 §4: in TLS 1.3 that limit counts the
/// content type byte, so a limit of L carries L - 1 bytes of content). Unprotected records
/// are not subject to record_size_limit.
///
/// Empty data gives no records at all: a zero-length handshake or alert record is
/// forbidden, and an empty application_data record (allowed, RFC 8446 §5.1) can be sent
/// with [`Sealer::seal`] directly. Handshake messages are cut across records freely;
/// alerts (2 bytes) never are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragmenter {
    max_fragment_len: usize,
}

impl Default for Fragmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Fragmenter {
    /// A fragmenter cutting at 2^14 bytes.
    pub const fn new() -> Self {
        Self {
            max_fragment_len: MAX_PLAINTEXT_LEN,
        }
    }

    /// A fragmenter cutting at `len` bytes, kept within 1..=2^14.
    pub fn with_max_fragment_len(len: usize) -> Self {
        Self {
            max_fragment_len: len.clamp(1, MAX_PLAINTEXT_LEN),
        }
    }

    /// The most content bytes per record.
    pub fn max_fragment_len(&self) -> usize {
        self.max_fragment_len
    }

    /// The pieces `data` is cut into, each at most `max_fragment_len` bytes.
    pub fn fragments<'a>(&self, data: &'a [u8]) -> std::slice::Chunks<'a, u8> {
        data.chunks(self.max_fragment_len)
    }

    /// Appends `data` to `out` as unprotected records of type `content_type` with
    /// legacy_record_version `version`; returns how many records it wrote.
    pub fn write_plaintext(
        &self,
        content_type: ContentType,
        version: ProtocolVersion,
        data: &[u8],
        out: &mut BytesMut,
    ) -> Result<usize, RecordError> {
        let mut records = 0;
        for fragment in self.fragments(data) {
            write_plaintext_record(content_type, version, fragment, out)?;
            records += 1;
        }
        Ok(records)
    }

    /// Appends `data` to `out` as records sealed by `sealer`, each at most the smaller of
    /// this fragmenter's and the sealer's limit; returns how many records it wrote. On
    /// error, the records already written stay in `out` (their sequence numbers are
    /// used) and the connection must close.
    pub fn seal<B: SealBuffer>(
        &self,
        sealer: &mut Sealer,
        content_type: ContentType,
        data: &[u8],
        out: &mut B,
    ) -> Result<usize, RecordError> {
        let max = self.max_fragment_len.min(sealer.max_fragment_len()).max(1);
        let mut records = 0;
        for fragment in data.chunks(max) {
            sealer.seal(content_type, fragment, out)?;
            records += 1;
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AeadAlgorithm, Deframer, Opener, RecordKind, RecordVersion};

    #[test]
    fn plaintext_is_cut_at_two_to_the_fourteen() {
        let data = vec![0x42u8; (1 << 14) * 2 + 10];
        let mut out = BytesMut::new();
        let n = Fragmenter::new()
            .write_plaintext(
                ContentType::Handshake,
                ProtocolVersion::Tls12,
                &data,
                &mut out,
            )
            .unwrap();
        assert_eq!(n, 3);
        let mut d = Deframer::new();
        let mut lens = Vec::new();
        let mut rest = &out[..];
        while !rest.is_empty() {
            rest = &rest[d.push(rest)..];
            while let Some(r) = d.next_record().unwrap() {
                lens.push(r.fragment().len());
            }
        }
        assert_eq!(lens, vec![1 << 14, 1 << 14, 10]);
    }

    #[test]
    fn empty_data_gives_no_records() {
        let mut out = BytesMut::new();
        let f = Fragmenter::new();
        assert_eq!(
            f.write_plaintext(
                ContentType::Handshake,
                ProtocolVersion::Tls12,
                &[],
                &mut out
            ),
            Ok(0)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn record_size_limit_counts_the_tls13_content_type_byte() {
        let (key, iv) = ([1u8; 32], [2u8; 12]);
        for (version, limit, content) in [
            (RecordVersion::Tls13, 64u16, 63usize),
            (RecordVersion::Tls12, 64, 64),
            (RecordVersion::Tls13, 0xffff, 1 << 14),
            (RecordVersion::Tls12, 0xffff, 1 << 14),
        ] {
            let alg = AeadAlgorithm::Chacha20Poly1305;
            let (mut sealer, mut opener) = match version {
                RecordVersion::Tls13 => (
                    Sealer::for_tls13(alg, &key, &iv).unwrap(),
                    Opener::for_tls13(alg, &key, &iv).unwrap(),
                ),
                RecordVersion::Tls12 => (
                    Sealer::for_tls12(alg, &key, &iv).unwrap(),
                    Opener::for_tls12(alg, &key, &iv).unwrap(),
                ),
            };
            sealer.set_record_size_limit(limit).unwrap();
            opener.set_record_size_limit(limit).unwrap();
            assert_eq!(sealer.max_fragment_len(), content);
            let data = vec![7u8; content * 2 + 1];
            let mut out = BytesMut::new();
            let n = Fragmenter::new()
                .seal(&mut sealer, ContentType::ApplicationData, &data, &mut out)
                .unwrap();
            assert_eq!(n, 3);
            let mut d = Deframer::with_buffer_limit(0);
            d.set_kind(RecordKind::Protected(version));
            let mut got = Vec::new();
            let mut rest = &out[..];
            while !rest.is_empty() {
                rest = &rest[d.push(rest)..];
                while let Some(r) = d.next_record().unwrap() {
                    let p = opener.open(r).unwrap();
                    assert!(p.fragment.len() <= content);
                    got.extend_from_slice(&p.fragment);
                }
            }
            assert_eq!(got, data);
        }
    }

    #[test]
    fn record_size_limit_below_64_is_illegal_parameter() {
        let mut sealer = Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, &[0; 16], &[0; 12]).unwrap();
        let e = sealer.set_record_size_limit(63).unwrap_err();
        assert_eq!(e, RecordError::RecordSizeLimitTooSmall(63));
        assert_eq!(e.alert(), strata_alert::AlertDescription::IllegalParameter);
    }
}
