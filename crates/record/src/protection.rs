//! AEAD record protection for TLS 1.3 (RFC 8446 §5.2–§5.4) and TLS 1.2 (RFC 5246
//! §6.2.3.3 with RFC 5288 AES-GCM and RFC 7905 ChaCha20-Poly1305), sealed and opened in
//! place, with per-direction sequence numbers that refuse to wrap (RFC 8446 §5.3).
//!
//! Nonces. TLS 1.3 and TLS 1.2 ChaCha20-Poly1305 use `iv XOR seq` (seq big-endian,
//! left-padded to 12 bytes). TLS 1.2 AES-GCM uses `salt(4) || nonce_explicit(8)` with the
//! explicit part carried in the record; strata sends the sequence number there (RFC 5288
//! §3 allows it; [`Sealer::set_explicit_nonce_offset`] adds a constant, as OpenSSL does
//! with a random start) and accepts whatever the peer sends.
//!
//! Secrets. The IV is kept in a buffer that is zeroed on drop; the key bytes are not kept
//! at all: they are handed to ring, whose expanded key schedule is ring's own (ring does
//! not zero it on drop; nothing in safe Rust outside ring can). `Debug` prints the
//! algorithm, version and sequence number only.

use core::fmt;
use core::ops::Range;

use bytes::{Buf, BytesMut};

use crate::SealBuffer;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::deframer::Record;
use crate::header::{parse_header, RecordKind, RecordVersion};
use crate::limits::{
    AES_GCM_RECORDS_BEFORE_REKEY, HEADER_LEN, MAX_PLAINTEXT_LEN, MAX_TLS13_INNER_PLAINTEXT_LEN,
    MIN_RECORD_SIZE_LIMIT, NONCE_LEN, TAG_LEN, TLS12_GCM_EXPLICIT_NONCE_LEN,
};
use crate::{ContentType, ProtocolVersion, RecordError};

/// The AEAD of a cipher suite, as the handshake layer names it when it hands over keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128-GCM (TLS_AES_128_GCM_SHA256; TLS 1.2 *_WITH_AES_128_GCM_SHA256).
    Aes128Gcm,
    /// AES-256-GCM (TLS_AES_256_GCM_SHA384; TLS 1.2 *_WITH_AES_256_GCM_SHA384).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (TLS_CHACHA20_POLY1305_SHA256; TLS 1.2 RFC 7905 suites).
    Chacha20Poly1305,
}

impl AeadAlgorithm {
    /// Every supported AEAD.
    pub const ALL: [Self; 3] = [Self::Aes128Gcm, Self::Aes256Gcm, Self::Chacha20Poly1305];

    /// The key length in bytes (the key schedule's `key_length`).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::Chacha20Poly1305 => 32,
        }
    }

    /// The TLS 1.3 IV length in bytes (`iv_length`, RFC 8446 §5.3): 12 for all three.
    pub const fn iv_len(self) -> usize {
        NONCE_LEN
    }

    /// The TLS 1.2 fixed IV length taken from the key block (`fixed_iv_length`): the
    /// 4-byte salt for AES-GCM (RFC 5288 §3), the 12-byte IV for ChaCha20-Poly1305
    /// (RFC 7905 §2).
    pub const fn tls12_fixed_iv_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => NONCE_LEN - TLS12_GCM_EXPLICIT_NONCE_LEN,
            Self::Chacha20Poly1305 => NONCE_LEN,
        }
    }

    /// The explicit nonce each TLS 1.2 record carries (`record_iv_length`): 8 for
    /// AES-GCM, 0 for ChaCha20-Poly1305.
    pub const fn tls12_explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => TLS12_GCM_EXPLICIT_NONCE_LEN,
            Self::Chacha20Poly1305 => 0,
        }
    }

    /// The authentication tag length: 16 for all three.
    pub const fn tag_len(self) -> usize {
        TAG_LEN
    }

    /// How many records may be sealed under one key before a TLS 1.3 connection should
    /// send a KeyUpdate (RFC 8446 §5.5), or `None` if the sequence space runs out first.
    pub const fn records_before_rekey(self) -> Option<u64> {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => Some(AES_GCM_RECORDS_BEFORE_REKEY),
            Self::Chacha20Poly1305 => None,
        }
    }

    fn ring(self) -> &'static aead::Algorithm {
        match self {
            Self::Aes128Gcm => &aead::AES_128_GCM,
            Self::Aes256Gcm => &aead::AES_256_GCM,
            Self::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
}

/// A per-direction sequence number that refuses to wrap (RFC 8446 §5.3).
#[derive(Debug, Clone, Copy)]
struct SequenceNumber {
    next: u64,
    exhausted: bool,
}

impl SequenceNumber {
    const fn new() -> Self {
        Self {
            next: 0,
            exhausted: false,
        }
    }

    /// The number for the next record, without using it up.
    fn peek(&self) -> Result<u64, RecordError> {
        if self.exhausted {
            Err(RecordError::SequenceExhausted)
        } else {
            Ok(self.next)
        }
    }

    /// Uses up the number returned by `peek`.
    fn advance(&mut self) {
        match self.next.checked_add(1) {
            Some(next) => self.next = next,
            None => self.exhausted = true,
        }
    }
}

/// The key, IV and rules shared by both directions' types.
struct Protection {
    algorithm: AeadAlgorithm,
    version: RecordVersion,
    key: LessSafeKey,
    /// TLS 1.3 / ChaCha: the write IV. TLS 1.2 GCM: salt || 0^8.
    iv: Zeroizing<[u8; NONCE_LEN]>,
    seq: SequenceNumber,
    /// TLS 1.2 AES-GCM sealing: nonce_explicit = seq + offset (mod 2^64).
    explicit_offset: u64,
}

impl Protection {
    fn new(
        algorithm: AeadAlgorithm,
        version: RecordVersion,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Self, RecordError> {
        let iv_len = match version {
            RecordVersion::Tls13 => algorithm.iv_len(),
            RecordVersion::Tls12 => algorithm.tls12_fixed_iv_len(),
        };
        if key.len() != algorithm.key_len() {
            return Err(RecordError::BadKeyMaterial {
                what: "key",
                algorithm,
                expected: algorithm.key_len(),
                actual: key.len(),
            });
        }
        let mut full_iv = Zeroizing::new([0u8; NONCE_LEN]);
        match full_iv.get_mut(..iv.len()) {
            Some(slot) if iv.len() == iv_len => slot.copy_from_slice(iv),
            _ => {
                return Err(RecordError::BadKeyMaterial {
                    what: "iv",
                    algorithm,
                    expected: iv_len,
                    actual: iv.len(),
                })
            }
        }
        let unbound =
            UnboundKey::new(algorithm.ring(), key).map_err(|_| RecordError::BadKeyMaterial {
                what: "key",
                algorithm,
                expected: algorithm.key_len(),
                actual: key.len(),
            })?;
        Ok(Self {
            algorithm,
            version,
            key: LessSafeKey::new(unbound),
            iv: full_iv,
            seq: SequenceNumber::new(),
            explicit_offset: 0,
        })
    }

    /// `iv XOR seq` (RFC 8446 §5.3, RFC 7905 §2; RFC 5288 §3 with explicit = seq).
    fn nonce(&self, seq: u64) -> Nonce {
        let mut nonce = *self.iv;
        for (n, s) in nonce.iter_mut().skip(NONCE_LEN - 8).zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        Nonce::assume_unique_for_key(nonce)
    }

    /// TLS 1.2 GCM on open: `salt || explicit` from the record.
    fn nonce_with_explicit(&self, explicit: [u8; 8]) -> Nonce {
        let mut nonce = *self.iv;
        for (n, e) in nonce.iter_mut().skip(NONCE_LEN - 8).zip(explicit) {
            *n = e;
        }
        Nonce::assume_unique_for_key(nonce)
    }

    fn explicit_len(&self) -> usize {
        match self.version {
            RecordVersion::Tls13 => 0,
            RecordVersion::Tls12 => self.algorithm.tls12_explicit_nonce_len(),
        }
    }

    fn describe(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("algorithm", &self.algorithm)
            .field("version", &self.version)
            .field("sequence_number", &self.seq.next)
            .field("key", &"<redacted>")
            .field("iv", &"<redacted>")
            .finish()
    }
}

/// The RFC 5246 §6.2.3.3 additional data: seq_num || type || version || length.
fn tls12_aad(seq: u64, content_type: u8, version: [u8; 2], len: usize) -> [u8; 13] {
    let [s0, s1, s2, s3, s4, s5, s6, s7] = seq.to_be_bytes();
    let [l0, l1] = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    [
        s0,
        s1,
        s2,
        s3,
        s4,
        s5,
        s6,
        s7,
        content_type,
        version[0],
        version[1],
        l0,
        l1,
    ]
}

/// The largest plaintext per record under a record_size_limit (RFC 8449 §4): in TLS 1.3
/// the limit counts the content type byte and padding, and neither version may exceed the
/// protocol's own limit. Returns the largest inner plaintext (TLS 1.3) or plaintext.
fn limit_for(version: RecordVersion, limit: u16) -> Result<usize, RecordError> {
    if limit < MIN_RECORD_SIZE_LIMIT {
        return Err(RecordError::RecordSizeLimitTooSmall(limit));
    }
    Ok(match version {
        RecordVersion::Tls13 => usize::from(limit).min(MAX_TLS13_INNER_PLAINTEXT_LEN),
        RecordVersion::Tls12 => usize::from(limit).min(MAX_PLAINTEXT_LEN),
    })
}

fn default_limit(version: RecordVersion) -> usize {
    match version {
        RecordVersion::Tls13 => MAX_TLS13_INNER_PLAINTEXT_LEN,
        RecordVersion::Tls12 => MAX_PLAINTEXT_LEN,
    }
}

/// Protects outgoing records under one traffic key: one per direction and key.
pub struct Sealer {
    p: Protection,
    /// TLS 1.3: the largest TLSInnerPlaintext; TLS 1.2: the largest plaintext.
    max_plaintext: usize,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.p.describe("Sealer", f)
    }
}

impl Sealer {
    /// A TLS 1.3 sealer from the traffic key and IV the key schedule derived
    /// (RFC 8446 §7.3). The sequence number starts at 0.
    pub fn for_tls13(algorithm: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        Ok(Self {
            p: Protection::new(algorithm, RecordVersion::Tls13, key, iv)?,
            max_plaintext: default_limit(RecordVersion::Tls13),
        })
    }

    /// A TLS 1.2 sealer from the write key and fixed IV of the key block (RFC 5246 §6.3):
    /// a 4-byte salt for AES-GCM, a 12-byte IV for ChaCha20-Poly1305.
    pub fn for_tls12(
        algorithm: AeadAlgorithm,
        key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<Self, RecordError> {
        Ok(Self {
            p: Protection::new(algorithm, RecordVersion::Tls12, key, fixed_iv)?,
            max_plaintext: default_limit(RecordVersion::Tls12),
        })
    }

    /// The AEAD.
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.p.algorithm
    }

    /// The protection rules in use.
    pub fn version(&self) -> RecordVersion {
        self.p.version
    }

    /// The sequence number the next record will use.
    pub fn sequence_number(&self) -> u64 {
        self.p.seq.next
    }

    /// Whether the connection should rekey (TLS 1.3 KeyUpdate) before sealing much more
    /// under this key (RFC 8446 §5.5).
    pub fn should_rekey(&self) -> bool {
        match self.p.algorithm.records_before_rekey() {
            Some(limit) => self.p.seq.next >= limit || self.p.seq.exhausted,
            None => self.p.seq.next >= u64::MAX - (1 << 16) || self.p.seq.exhausted,
        }
    }

    /// TLS 1.2 AES-GCM only: send `offset + sequence number` (mod 2^64) as each record's
    /// nonce_explicit instead of the sequence number itself. Still distinct for every
    /// record under the key, as RFC 5288 §3 requires; OpenSSL, for one, starts from a
    /// random value. Useful to reproduce another implementation's records byte for byte.
    /// Has no effect on the other AEADs and on TLS 1.3, whose nonces are implicit.
    pub fn set_explicit_nonce_offset(&mut self, offset: u64) {
        self.p.explicit_offset = offset;
    }

    /// Applies the record_size_limit the peer announced (RFC 8449 §4). Values over the
    /// protocol's limit are capped at it; values below 64 are illegal_parameter.
    pub fn set_record_size_limit(&mut self, peer_limit: u16) -> Result<(), RecordError> {
        self.max_plaintext = limit_for(self.p.version, peer_limit)?;
        Ok(())
    }

    /// The most content bytes one record may carry now: what the
    /// [`Fragmenter`](crate::Fragmenter) cuts to.
    pub fn max_fragment_len(&self) -> usize {
        match self.p.version {
            RecordVersion::Tls13 => self.max_plaintext.saturating_sub(1),
            RecordVersion::Tls12 => self.max_plaintext,
        }
    }

    /// The bytes to reserve in front of the plaintext for [`Sealer::seal_in_place`]: the
    /// header, and for TLS 1.2 AES-GCM the explicit nonce.
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.p.explicit_len()
    }

    /// The most bytes a record adds after the plaintext, without padding: the TLS 1.3
    /// content type byte and the tag. Reserve this (plus any padding) to seal without
    /// allocating.
    pub fn trailer_len(&self) -> usize {
        match self.p.version {
            RecordVersion::Tls13 => 1 + TAG_LEN,
            RecordVersion::Tls12 => TAG_LEN,
        }
    }

    /// Appends [`Sealer::header_len`] placeholder bytes to `out` and returns where the
    /// record starts: write the plaintext after them, then call [`Sealer::seal_in_place`].
    pub fn reserve_header<B: SealBuffer>(&self, out: &mut B) -> usize {
        let start = out.len();
        out.put_bytes(0, self.header_len());
        start
    }

    /// Seals `plaintext` as one record of type `content_type` and appends it to `out`.
    /// The only copy is of the plaintext into `out`; nothing is allocated if `out` has
    /// room for the record.
    pub fn seal<B: SealBuffer>(
        &mut self,
        content_type: ContentType,
        plaintext: &[u8],
        out: &mut B,
    ) -> Result<(), RecordError> {
        self.check_len(plaintext.len())?;
        out.reserve(self.header_len() + plaintext.len() + self.trailer_len());
        let start = self.reserve_header(out);
        out.put_slice(plaintext);
        self.seal_in_place(content_type, out, start, 0)
            .inspect_err(|_| out.truncate(start))
    }

    fn check_len(&self, len: usize) -> Result<(), RecordError> {
        let max = self.max_fragment_len();
        if len > max {
            return Err(RecordError::PlaintextTooLong { len, max });
        }
        Ok(())
    }

    /// Seals in place: `buf[start..start + header_len()]` is reserved space and the rest
    /// of `buf` is the plaintext; afterwards `buf[start..]` is the whole record.
    ///
    /// In TLS 1.3, up to `padding` zero bytes are added inside the encryption (RFC 8446
    /// §5.4), as many as the record size limit leaves room for; TLS 1.2 has no padding
    /// and ignores it. On error the plaintext in `buf` is unchanged and no sequence number
    /// is used.
    pub fn seal_in_place<B: SealBuffer>(
        &mut self,
        content_type: ContentType,
        buf: &mut B,
        start: usize,
        padding: usize,
    ) -> Result<(), RecordError> {
        let header_len = self.header_len();
        let body_at = start.saturating_add(header_len);
        if buf.len() < body_at {
            return Err(RecordError::SealBufferTooShort {
                len: buf.len().saturating_sub(start),
                needed: header_len,
            });
        }
        let content_len = buf.len() - body_at;
        self.check_len(content_len)?;
        // RFC 8446 §5: only the four record types, and change_cipher_spec is never
        // protected in TLS 1.3 (a peer would refuse either).
        let sealable = match content_type {
            ContentType::Alert | ContentType::Handshake | ContentType::ApplicationData => true,
            ContentType::ChangeCipherSpec => self.p.version == RecordVersion::Tls12,
            _ => false,
        };
        if !sealable {
            return Err(RecordError::UnexpectedContentType(content_type));
        }
        // RFC 8446 §5.1/§5.4, RFC 5246 §6.2.1: only application data may be empty.
        if content_len == 0 && content_type != ContentType::ApplicationData {
            return Err(RecordError::EmptyFragment(content_type));
        }
        let seq = self.p.seq.peek()?;
        let ct = content_type.to_wire();
        let (plaintext_len, aad) = match self.p.version {
            RecordVersion::Tls13 => {
                let padding = padding.min(self.max_plaintext - 1 - content_len);
                buf.reserve(1 + padding + TAG_LEN);
                buf.put_u8(ct);
                buf.put_bytes(0, padding);
                let inner_len = content_len + 1 + padding;
                let [l0, l1] = len16(inner_len + TAG_LEN).to_be_bytes();
                let header = [ContentType::ApplicationData.to_wire(), 3, 3, l0, l1];
                (inner_len, Aad13(header))
            }
            RecordVersion::Tls12 => {
                buf.reserve(TAG_LEN);
                let [l0, l1] = len16(self.p.explicit_len() + content_len + TAG_LEN).to_be_bytes();
                let header = [ct, 3, 3, l0, l1];
                (
                    content_len,
                    Aad12(header, tls12_aad(seq, ct, [3, 3], content_len)),
                )
            }
        };
        let explicit = seq.wrapping_add(self.p.explicit_offset).to_be_bytes();
        let nonce = if self.p.explicit_len() == TLS12_GCM_EXPLICIT_NONCE_LEN {
            self.p.nonce_with_explicit(explicit)
        } else {
            self.p.nonce(seq)
        };
        let (header, aad_bytes): (&[u8; 5], &[u8]) = match &aad {
            Aad13(h) => (h, h),
            Aad12(h, a) => (h, a),
        };
        let record = buf
            .as_mut()
            .get_mut(start..)
            .ok_or(RecordError::SealBufferTooShort {
                len: 0,
                needed: header_len,
            })?;
        let (head, body) = record.split_at_mut(header_len);
        let (h, explicit_slot) = head.split_at_mut(HEADER_LEN);
        h.copy_from_slice(header);
        if !explicit_slot.is_empty() {
            explicit_slot.copy_from_slice(&explicit);
        }
        debug_assert_eq!(body.len(), plaintext_len);
        let tag = self
            .p
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(aad_bytes), body);
        // ring refuses only inputs far larger than a record, before touching them.
        let Ok(tag) = tag else {
            buf.truncate(body_at + content_len);
            return Err(RecordError::PlaintextTooLong {
                len: plaintext_len,
                max: self.max_plaintext,
            });
        };
        buf.put_slice(tag.as_ref());
        self.p.seq.advance();
        Ok(())
    }
}

use AadKind::{Aad12, Aad13};

enum AadKind {
    Aad13([u8; 5]),
    Aad12([u8; 5], [u8; 13]),
}

/// Record lengths here are bounded far below 2^16 by the checks before them.
fn len16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// A record opened in place: its real content type and its plaintext, in the buffer it
/// arrived in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainRecord {
    /// The content type (for TLS 1.3, the inner one).
    pub content_type: ContentType,
    /// The plaintext content, padding and content type byte removed.
    pub fragment: BytesMut,
}

/// Removes protection from incoming records under one traffic key: one per direction and
/// key.
pub struct Opener {
    p: Protection,
    /// TLS 1.3: the largest TLSInnerPlaintext; TLS 1.2: the largest plaintext.
    max_plaintext: usize,
}

impl fmt::Debug for Opener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.p.describe("Opener", f)
    }
}

impl Opener {
    /// A TLS 1.3 opener from the peer's traffic key and IV (RFC 8446 §7.3).
    pub fn for_tls13(algorithm: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        Ok(Self {
            p: Protection::new(algorithm, RecordVersion::Tls13, key, iv)?,
            max_plaintext: default_limit(RecordVersion::Tls13),
        })
    }

    /// A TLS 1.2 opener from the peer's write key and fixed IV (RFC 5246 §6.3).
    pub fn for_tls12(
        algorithm: AeadAlgorithm,
        key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<Self, RecordError> {
        Ok(Self {
            p: Protection::new(algorithm, RecordVersion::Tls12, key, fixed_iv)?,
            max_plaintext: default_limit(RecordVersion::Tls12),
        })
    }

    /// The AEAD.
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.p.algorithm
    }

    /// The protection rules in use.
    pub fn version(&self) -> RecordVersion {
        self.p.version
    }

    /// The sequence number the next record must have been sealed with.
    pub fn sequence_number(&self) -> u64 {
        self.p.seq.next
    }

    /// Enforces the record_size_limit this side announced (RFC 8449 §4): larger records
    /// are record_overflow.
    pub fn set_record_size_limit(&mut self, own_limit: u16) -> Result<(), RecordError> {
        self.max_plaintext = limit_for(self.p.version, own_limit)?;
        Ok(())
    }

    /// Opens a record from the [`Deframer`](crate::Deframer) in place: the plaintext is
    /// left in the record's own buffer.
    pub fn open(&mut self, record: Record) -> Result<PlainRecord, RecordError> {
        let mut bytes = record.into_bytes();
        let (content_type, range) = self.open_in_place(&mut bytes)?;
        bytes.truncate(range.end);
        bytes.advance(range.start);
        Ok(PlainRecord {
            content_type,
            fragment: bytes,
        })
    }

    /// Opens `record` (header and fragment, exactly) in place and returns the content
    /// type and where in `record` the plaintext now is. The sequence number advances only
    /// on success, so a caller may try a record and drop it (RFC 8446 §4.2.10 rejected
    /// early data).
    pub fn open_in_place(
        &mut self,
        record: &mut [u8],
    ) -> Result<(ContentType, Range<usize>), RecordError> {
        let version = self.p.version;
        let header = match parse_header(record, RecordKind::Protected(version)) {
            Ok((_, header)) => header,
            Err(nom::Err::Incomplete(_)) => {
                return Err(RecordError::LengthMismatch {
                    header: HEADER_LEN,
                    actual: record.len(),
                })
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
        };
        let (head, body) = record.split_at_mut(HEADER_LEN);
        let length = usize::from(header.length);
        if body.len() != length {
            return Err(RecordError::LengthMismatch {
                header: length,
                actual: body.len(),
            });
        }
        let seq = self.p.seq.peek()?;
        let result = match version {
            RecordVersion::Tls13 => self.open13(head, body, header.content_type),
            RecordVersion::Tls12 => {
                self.open12(seq, head, body, header.content_type, header.version)
            }
        };
        let (content_type, range) = result?;
        self.p.seq.advance();
        Ok((
            content_type,
            range.start + HEADER_LEN..range.end + HEADER_LEN,
        ))
    }

    fn open13(
        &self,
        head: &[u8],
        body: &mut [u8],
        outer: ContentType,
    ) -> Result<(ContentType, Range<usize>), RecordError> {
        // RFC 8446 §5.2: the outer type of a protected record is always application_data;
        // an unprotected change_cipher_spec is for the connection to drop before opening.
        if outer != ContentType::ApplicationData {
            return Err(RecordError::UnexpectedContentType(outer));
        }
        // RFC 8446 §5.4, RFC 8449 §4: the inner plaintext (the ciphertext less the tag) may
        // not exceed 2^14 + 1 bytes or the record_size_limit; known before decrypting.
        let inner_len = body.len().saturating_sub(TAG_LEN);
        if inner_len > self.max_plaintext {
            return Err(RecordError::PlaintextOverflow {
                len: inner_len,
                max: self.max_plaintext,
            });
        }
        let seq = self.p.seq.peek()?;
        let plaintext = self
            .p
            .key
            .open_in_place(self.p.nonce(seq), Aad::from(head), body)
            .map_err(|_| RecordError::BadRecordMac)?;
        // RFC 8446 §5.4: scan from the end for the first non-zero byte, within the
        // decrypted plaintext only.
        let Some(type_at) = plaintext.iter().rposition(|&b| b != 0) else {
            return Err(RecordError::MissingInnerContentType);
        };
        let content_type = ContentType::from(plaintext.get(type_at).copied().unwrap_or(0));
        match content_type {
            ContentType::Handshake | ContentType::Alert if type_at == 0 => {
                Err(RecordError::EmptyFragment(content_type))
            }
            ContentType::Handshake | ContentType::Alert | ContentType::ApplicationData => {
                Ok((content_type, 0..type_at))
            }
            ContentType::ChangeCipherSpec => Err(RecordError::ProtectedChangeCipherSpec),
            other => Err(RecordError::UnexpectedContentType(other)),
        }
    }

    fn open12(
        &self,
        seq: u64,
        head: &[u8],
        body: &mut [u8],
        content_type: ContentType,
        version: ProtocolVersion,
    ) -> Result<(ContentType, Range<usize>), RecordError> {
        let explicit_len = self.p.explicit_len();
        let Some(plaintext_len) = body.len().checked_sub(explicit_len + TAG_LEN) else {
            return Err(RecordError::BadRecordMac);
        };
        // RFC 5246 §6.2.3.3: the plaintext is at most 2^14 (or our record_size_limit);
        // the length is known before decrypting.
        if plaintext_len > self.max_plaintext {
            return Err(RecordError::PlaintextOverflow {
                len: plaintext_len,
                max: self.max_plaintext,
            });
        }
        let (explicit, sealed) = body.split_at_mut(explicit_len);
        let nonce = match <[u8; 8]>::try_from(&*explicit) {
            Ok(explicit) => self.p.nonce_with_explicit(explicit),
            Err(_) => self.p.nonce(seq),
        };
        let wire_version = version.to_wire().to_be_bytes();
        let aad = tls12_aad(seq, content_type.to_wire(), wire_version, plaintext_len);
        debug_assert_eq!(head.len(), HEADER_LEN);
        let plaintext = self
            .p
            .key
            .open_in_place(nonce, Aad::from(&aad), sealed)
            .map_err(|_| RecordError::BadRecordMac)?;
        if plaintext.is_empty() && content_type != ContentType::ApplicationData {
            return Err(RecordError::EmptyFragment(content_type));
        }
        Ok((content_type, explicit_len..explicit_len + plaintext_len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_alert::AlertDescription;

    const VERSIONS: [RecordVersion; 2] = [RecordVersion::Tls13, RecordVersion::Tls12];

    fn pair(version: RecordVersion, alg: AeadAlgorithm) -> (Sealer, Opener) {
        let key = vec![0x5a; alg.key_len()];
        match version {
            RecordVersion::Tls13 => (
                Sealer::for_tls13(alg, &key, &[0xa5; 12]).unwrap(),
                Opener::for_tls13(alg, &key, &[0xa5; 12]).unwrap(),
            ),
            RecordVersion::Tls12 => {
                let iv = vec![0xa5; alg.tls12_fixed_iv_len()];
                (
                    Sealer::for_tls12(alg, &key, &iv).unwrap(),
                    Opener::for_tls12(alg, &key, &iv).unwrap(),
                )
            }
        }
    }

    fn all_pairs() -> impl Iterator<Item = (RecordVersion, AeadAlgorithm, Sealer, Opener)> {
        VERSIONS.into_iter().flat_map(|v| {
            AeadAlgorithm::ALL.into_iter().map(move |a| {
                let (s, o) = pair(v, a);
                (v, a, s, o)
            })
        })
    }

    fn sealed(sealer: &mut Sealer, ct: ContentType, data: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        sealer.seal(ct, data, &mut out).unwrap();
        out.to_vec()
    }

    /// A TLS 1.3 record around an arbitrary inner plaintext, bypassing the Sealer's rules.
    fn raw13(sealer: &Sealer, seq: u64, inner: &[u8]) -> Vec<u8> {
        let len = len16(inner.len() + TAG_LEN).to_be_bytes();
        let header = [23, 3, 3, len[0], len[1]];
        let mut body = inner.to_vec();
        let tag = sealer
            .p
            .key
            .seal_in_place_separate_tag(sealer.p.nonce(seq), Aad::from(&header), &mut body)
            .unwrap();
        [&header[..], &body, tag.as_ref()].concat()
    }

    #[test]
    fn seal_then_open_round_trips_for_every_aead_and_version() {
        for (v, a, mut s, mut o) in all_pairs() {
            for (ct, data) in [
                (ContentType::Handshake, &b"\x14\x00\x00\x00"[..]),
                (ContentType::ApplicationData, b""),
                (ContentType::Alert, b"\x01\x00"),
            ] {
                let mut rec = sealed(&mut s, ct, data);
                let (got, range) = o.open_in_place(&mut rec).unwrap();
                assert_eq!((got, &rec[range]), (ct, data), "{v:?} {a:?}");
            }
            assert_eq!((s.sequence_number(), o.sequence_number()), (3, 3));
        }
    }

    #[test]
    fn bad_tag_is_bad_record_mac_and_uses_no_sequence_number() {
        for (v, a, mut s, mut o) in all_pairs() {
            let rec = sealed(&mut s, ContentType::ApplicationData, b"attack at dawn");
            let mut bad = rec.clone();
            *bad.last_mut().unwrap() ^= 1;
            let e = o.open_in_place(&mut bad).unwrap_err();
            assert_eq!(e, RecordError::BadRecordMac, "{v:?} {a:?}");
            assert_eq!(e.alert(), AlertDescription::BadRecordMac);
            assert_eq!(o.sequence_number(), 0);
            // The genuine record still opens: the failure used no sequence number.
            o.open_in_place(&mut rec.clone()).unwrap();
        }
    }

    #[test]
    fn flipped_ciphertext_byte_is_bad_record_mac() {
        for (_, _, mut s, mut o) in all_pairs() {
            let mut rec = sealed(&mut s, ContentType::ApplicationData, b"attack at dawn");
            rec[s.header_len() + 2] ^= 0x80; // a ciphertext byte
            assert_eq!(o.open_in_place(&mut rec), Err(RecordError::BadRecordMac));
        }
    }

    #[test]
    fn flipped_header_byte_fails_authentication() {
        for (v, a, mut s, mut o) in all_pairs() {
            let rec = sealed(&mut s, ContentType::ApplicationData, b"attack at dawn");
            // The version is in the additional data of both versions.
            let mut bad = rec.clone();
            bad[2] = 0x01;
            assert_eq!(
                o.open_in_place(&mut bad),
                Err(RecordError::BadRecordMac),
                "{v:?} {a:?}"
            );
            // TLS 1.2 authenticates the real type; TLS 1.3 refuses any other outer type.
            let mut bad = rec.clone();
            bad[0] = 22;
            let e = o.open_in_place(&mut bad).unwrap_err();
            match v {
                RecordVersion::Tls12 => assert_eq!(e, RecordError::BadRecordMac),
                RecordVersion::Tls13 => {
                    assert_eq!(
                        e,
                        RecordError::UnexpectedContentType(ContentType::Handshake)
                    );
                    assert_eq!(e.alert(), AlertDescription::UnexpectedMessage);
                }
            }
            // A length that disagrees with the bytes given is a decode_error.
            let mut bad = rec.clone();
            bad[4] ^= 1;
            let e = o.open_in_place(&mut bad).unwrap_err();
            assert!(matches!(e, RecordError::LengthMismatch { .. }), "{e:?}");
            assert_eq!(e.alert(), AlertDescription::DecodeError);
        }
    }

    #[test]
    fn all_zero_tls13_inner_plaintext_is_unexpected_message() {
        for alg in AeadAlgorithm::ALL {
            let (s, mut o) = pair(RecordVersion::Tls13, alg);
            for zeros in [1, 2, 100] {
                let mut rec = raw13(&s, 0, &vec![0; zeros]);
                let e = o.open_in_place(&mut rec).unwrap_err();
                assert_eq!(e, RecordError::MissingInnerContentType);
                assert_eq!(e.alert(), AlertDescription::UnexpectedMessage);
            }
            // No inner plaintext at all: just a tag.
            let mut rec = raw13(&s, 0, &[]);
            assert_eq!(
                o.open_in_place(&mut rec),
                Err(RecordError::MissingInnerContentType)
            );
        }
    }

    #[test]
    fn tls13_inner_type_rules() {
        let (s, mut o) = pair(RecordVersion::Tls13, AeadAlgorithm::Aes128Gcm);
        let cases: [(&[u8], RecordError); 4] = [
            (&[1, 20], RecordError::ProtectedChangeCipherSpec),
            (
                &[1, 24, 0],
                RecordError::UnexpectedContentType(ContentType::Heartbeat),
            ),
            (
                &[22, 0, 0],
                RecordError::EmptyFragment(ContentType::Handshake),
            ),
            (&[21], RecordError::EmptyFragment(ContentType::Alert)),
        ];
        for (inner, want) in cases {
            let mut rec = raw13(&s, 0, inner);
            let e = o.open_in_place(&mut rec).unwrap_err();
            assert_eq!(e, want);
            assert_eq!(e.alert(), AlertDescription::UnexpectedMessage);
        }
        // Padding is stripped; zero bytes inside the content are kept.
        let mut rec = raw13(&s, 0, &[0, 7, 0, 23, 0, 0, 0]);
        let (ct, range) = o.open_in_place(&mut rec).unwrap();
        assert_eq!(
            (ct, &rec[range]),
            (ContentType::ApplicationData, &[0, 7, 0][..])
        );
    }

    #[test]
    fn ciphertext_over_the_limit_is_record_overflow() {
        for (v, max) in [
            (RecordVersion::Tls13, (1 << 14) + 256),
            (RecordVersion::Tls12, (1 << 14) + 2048),
        ] {
            let (_, mut o) = pair(v, AeadAlgorithm::Aes256Gcm);
            let len = u16::try_from(max + 1).unwrap().to_be_bytes();
            let mut rec = vec![23, 3, 3, len[0], len[1]];
            rec.resize(HEADER_LEN + max + 1, 0);
            let e = o.open_in_place(&mut rec).unwrap_err();
            assert_eq!(e, RecordError::RecordOverflow { len: max + 1, max });
            assert_eq!(e.alert(), AlertDescription::RecordOverflow);
        }
    }

    #[test]
    fn decrypted_plaintext_over_the_limit_is_record_overflow() {
        // TLS 1.3: an inner plaintext of 2^14 + 2 bytes fits the ciphertext limit but not
        // the 2^14 + 1 inner limit (RFC 8446 §5.4).
        let (s, mut o) = pair(RecordVersion::Tls13, AeadAlgorithm::Chacha20Poly1305);
        let mut inner = vec![0x41; (1 << 14) + 1];
        inner.push(23);
        let mut rec = raw13(&s, 0, &inner);
        let e = o.open_in_place(&mut rec).unwrap_err();
        assert_eq!(
            e,
            RecordError::PlaintextOverflow {
                len: (1 << 14) + 2,
                max: (1 << 14) + 1
            }
        );
        assert_eq!(e.alert(), AlertDescription::RecordOverflow);
        // TLS 1.2: 2^14 + 1 bytes of plaintext.
        let (_, mut o) = pair(RecordVersion::Tls12, AeadAlgorithm::Aes128Gcm);
        let body = 8 + (1 << 14) + 1 + TAG_LEN;
        let len = u16::try_from(body).unwrap().to_be_bytes();
        let mut rec = vec![23, 3, 3, len[0], len[1]];
        rec.resize(HEADER_LEN + body, 0);
        let e = o.open_in_place(&mut rec).unwrap_err();
        assert_eq!(e.alert(), AlertDescription::RecordOverflow);
        // Our own record_size_limit (RFC 8449) lowers the bar.
        let (mut s, mut o) = pair(RecordVersion::Tls13, AeadAlgorithm::Aes128Gcm);
        o.set_record_size_limit(100).unwrap();
        let mut rec = sealed(&mut s, ContentType::ApplicationData, &[1; 100]);
        let e = o.open_in_place(&mut rec).unwrap_err();
        assert_eq!(e, RecordError::PlaintextOverflow { len: 101, max: 100 });
    }

    #[test]
    fn tls12_record_too_short_for_nonce_and_tag_is_bad_record_mac() {
        for alg in AeadAlgorithm::ALL {
            let (_, mut o) = pair(RecordVersion::Tls12, alg);
            let short = alg.tls12_explicit_nonce_len() + TAG_LEN - 1;
            let len = u16::try_from(short).unwrap().to_be_bytes();
            let mut rec = vec![23, 3, 3, len[0], len[1]];
            rec.resize(HEADER_LEN + short, 0);
            assert_eq!(o.open_in_place(&mut rec), Err(RecordError::BadRecordMac));
        }
    }

    #[test]
    fn sequence_numbers_refuse_to_wrap() {
        for (v, a, mut s, mut o) in all_pairs() {
            s.p.seq.next = u64::MAX - 1;
            o.p.seq.next = u64::MAX - 1;
            for _ in 0..2 {
                let mut rec = sealed(&mut s, ContentType::ApplicationData, b"x");
                o.open_in_place(&mut rec).unwrap();
            }
            let mut out = BytesMut::new();
            let e = s
                .seal(ContentType::ApplicationData, b"x", &mut out)
                .unwrap_err();
            assert_eq!(e, RecordError::SequenceExhausted, "{v:?} {a:?}");
            assert_eq!(e.alert(), AlertDescription::InternalError);
            assert!(out.is_empty(), "a failed seal leaves the buffer as it was");
            assert!(s.should_rekey());
            let mut rec = vec![23, 3, 3, 0, 17];
            rec.resize(HEADER_LEN + 17 + s.p.explicit_len(), 0);
            rec[4] = u8::try_from(17 + s.p.explicit_len()).unwrap();
            assert_eq!(
                o.open_in_place(&mut rec),
                Err(RecordError::SequenceExhausted)
            );
        }
    }

    #[test]
    fn aes_gcm_asks_for_a_rekey_before_its_limit() {
        let (mut s, _) = pair(RecordVersion::Tls13, AeadAlgorithm::Aes128Gcm);
        assert!(!s.should_rekey());
        s.p.seq.next = AES_GCM_RECORDS_BEFORE_REKEY;
        assert!(s.should_rekey());
        let (mut s, _) = pair(RecordVersion::Tls13, AeadAlgorithm::Chacha20Poly1305);
        s.p.seq.next = AES_GCM_RECORDS_BEFORE_REKEY;
        assert!(!s.should_rekey());
    }

    #[test]
    fn wrong_key_or_iv_length_is_refused() {
        let e = Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, &[0; 32], &[0; 12]).unwrap_err();
        assert!(matches!(
            e,
            RecordError::BadKeyMaterial {
                what: "key",
                expected: 16,
                actual: 32,
                ..
            }
        ));
        let e = Opener::for_tls12(AeadAlgorithm::Aes256Gcm, &[0; 32], &[0; 12]).unwrap_err();
        assert!(matches!(
            e,
            RecordError::BadKeyMaterial {
                what: "iv",
                expected: 4,
                actual: 12,
                ..
            }
        ));
        let e = Opener::for_tls12(AeadAlgorithm::Chacha20Poly1305, &[0; 32], &[0; 4]).unwrap_err();
        assert!(matches!(
            e,
            RecordError::BadKeyMaterial {
                what: "iv",
                expected: 12,
                ..
            }
        ));
        assert_eq!(e.alert(), AlertDescription::InternalError);
    }

    #[test]
    fn seal_refuses_what_may_not_be_sent() {
        for (v, _, mut s, _) in all_pairs() {
            let mut out = BytesMut::new();
            let max = s.max_fragment_len();
            let e = s
                .seal(ContentType::ApplicationData, &vec![0; max + 1], &mut out)
                .unwrap_err();
            assert_eq!(
                e,
                RecordError::PlaintextTooLong { len: max + 1, max },
                "{v:?}"
            );
            let e = s.seal(ContentType::Handshake, &[], &mut out).unwrap_err();
            assert_eq!(e, RecordError::EmptyFragment(ContentType::Handshake));
            let e = s.seal(ContentType::Heartbeat, &[1], &mut out).unwrap_err();
            assert_eq!(
                e,
                RecordError::UnexpectedContentType(ContentType::Heartbeat)
            );
            let ccs = s.seal(ContentType::ChangeCipherSpec, &[1], &mut out);
            match v {
                RecordVersion::Tls13 => assert!(ccs.is_err()),
                RecordVersion::Tls12 => {
                    assert!(ccs.is_ok());
                    out.clear();
                    s = pair(v, AeadAlgorithm::Aes128Gcm).0;
                }
            }
            let mut short = BytesMut::from(&[0u8; 3][..]);
            let e = s
                .seal_in_place(ContentType::Alert, &mut short, 0, 0)
                .unwrap_err();
            assert!(matches!(e, RecordError::SealBufferTooShort { .. }));
            assert!(out.is_empty());
            assert_eq!(s.sequence_number(), 0);
        }
    }

    #[test]
    fn tls13_padding_is_added_inside_and_clamped_to_the_limit() {
        let (mut s, mut o) = pair(RecordVersion::Tls13, AeadAlgorithm::Aes128Gcm);
        let mut buf = BytesMut::new();
        let at = s.reserve_header(&mut buf);
        buf.extend_from_slice(b"hi");
        s.seal_in_place(ContentType::ApplicationData, &mut buf, at, 50)
            .unwrap();
        assert_eq!(buf.len(), HEADER_LEN + 2 + 1 + 50 + TAG_LEN);
        let (ct, range) = o.open_in_place(&mut buf).unwrap();
        assert_eq!(
            (ct, &buf[range]),
            (ContentType::ApplicationData, &b"hi"[..])
        );

        s.set_record_size_limit(64).unwrap();
        let mut buf = BytesMut::new();
        let at = s.reserve_header(&mut buf);
        buf.extend_from_slice(&[9; 10]);
        s.seal_in_place(ContentType::ApplicationData, &mut buf, at, 1000)
            .unwrap();
        assert_eq!(buf.len(), HEADER_LEN + 64 + TAG_LEN);
    }

    #[test]
    fn debug_shows_no_key_or_iv_bytes() {
        let s = Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, &[0xab; 16], &[0xcd; 12]).unwrap();
        let o = Opener::for_tls12(AeadAlgorithm::Aes128Gcm, &[0xab; 16], &[0xcd; 4]).unwrap();
        for text in [format!("{s:?}"), format!("{o:?}"), format!("{s:#?}")] {
            assert!(text.contains("<redacted>"), "{text}");
            for needle in ["171", "205", "ab", "cd", "AB", "CD"] {
                assert!(!text.contains(needle), "{needle} in {text}");
            }
        }
    }
}
