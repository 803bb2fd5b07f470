//! Turning a byte stream, in any chunking, into whole records.

use std::io::Read;

use bytes::{Buf, BytesMut};

use crate::header::{parse_record, RecordHeader, RecordKind};
use crate::limits::{DEFAULT_DEFRAMER_BUFFER_LEN, HEADER_LEN};
use crate::{ContentType, RecordError};

/// How many bytes past the end of the record at the front [`Deframer::read_from`] offers
/// a reader (the next records' headers and more, so that a stream of records takes one
/// read each).
pub const READ_AHEAD: usize = 4096;

/// One whole record as it arrived, header included, in a buffer split off the
/// [`Deframer`]'s own (no copy). Open it in place with
/// [`Opener::open`](crate::Opener::open), or take the fragment of an unprotected record
/// with [`Record::into_fragment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    header: RecordHeader,
    bytes: BytesMut,
}

impl Record {
    /// Builds a record from its header and fragment, for tests and tools. The
    /// [`Deframer`] makes records without copying.
    pub fn new(header: RecordHeader, fragment: &[u8]) -> Result<Self, RecordError> {
        if usize::from(header.length) != fragment.len() {
            return Err(RecordError::LengthMismatch {
                header: usize::from(header.length),
                actual: fragment.len(),
            });
        }
        let mut bytes = BytesMut::with_capacity(HEADER_LEN + fragment.len());
        bytes.extend_from_slice(&header.to_array());
        bytes.extend_from_slice(fragment);
        Ok(Self { header, bytes })
    }

    /// The checked header.
    pub fn header(&self) -> RecordHeader {
        self.header
    }

    /// The header's content type (the outer one, for a TLS 1.3 protected record).
    pub fn content_type(&self) -> ContentType {
        self.header.content_type
    }

    /// The whole record, header included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The fragment after the header.
    pub fn fragment(&self) -> &[u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or_default()
    }

    /// The whole record, header included, as a buffer that can be decrypted in place.
    pub fn into_bytes(self) -> BytesMut {
        self.bytes
    }

    /// The fragment of an unprotected record, without copying it.
    pub fn into_fragment(self) -> BytesMut {
        let mut bytes = self.bytes;
        bytes.advance(HEADER_LEN.min(bytes.len()));
        bytes
    }
}

/// Reassembles records from bytes that arrive in any chunking: one byte at a time or
/// many records at once.
///
/// Memory is bounded: the deframer never holds more than its buffer limit (by default one
/// maximal record, [`DEFAULT_DEFRAMER_BUFFER_LEN`]). [`Deframer::push`] and
/// [`Deframer::read_from`] take only what fits and say how much they took; the caller
/// calls [`Deframer::next_record`] until it returns `Ok(None)` and then gives more. Because
/// the limit is at least one maximal record, a full buffer always holds a whole record
/// (or an error), so the two calls never deadlock.
///
/// After an error the deframer is dead: every later call to `next_record` returns the
/// same error, since the byte stream can no longer be trusted (the connection must send
/// the alert and close).
#[derive(Debug)]
pub struct Deframer {
    buf: BytesMut,
    limit: usize,
    kind: RecordKind,
    failed: Option<RecordError>,
}

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Deframer {
    /// A deframer expecting unprotected records, buffering at most one maximal record.
    pub fn new() -> Self {
        Self::with_buffer_limit(DEFAULT_DEFRAMER_BUFFER_LEN)
    }

    /// A deframer that buffers at most `limit` bytes; a limit below one maximal record
    /// ([`DEFAULT_DEFRAMER_BUFFER_LEN`]) is raised to it. The buffer is allocated once,
    /// here (and again after [`Deframer::release_if_empty`]).
    pub fn with_buffer_limit(limit: usize) -> Self {
        let limit = limit.max(DEFAULT_DEFRAMER_BUFFER_LEN);
        Self {
            buf: BytesMut::with_capacity(limit),
            limit,
            kind: RecordKind::Plaintext,
            failed: None,
        }
    }

    /// A deframer like [`Deframer::new`] that has no buffer yet: its first read allocates
    /// one, unless it is given one first ([`Deframer::give_buffer`]).
    pub fn unallocated() -> Self {
        Self {
            buf: BytesMut::new(),
            limit: DEFAULT_DEFRAMER_BUFFER_LEN,
            kind: RecordKind::Plaintext,
            failed: None,
        }
    }

    /// Sets the kind of record expected from now on, which sets the length limit: call it
    /// when the peer's records become protected.
    pub fn set_kind(&mut self, kind: RecordKind) {
        self.kind = kind;
    }

    /// The kind of record expected.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The most bytes this deframer buffers.
    pub fn buffer_limit(&self) -> usize {
        self.limit
    }

    /// The bytes held that are not yet part of a returned record.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether no bytes are held: at the end of the stream, a non-empty deframer means the
    /// peer stopped in the middle of a record.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Gives the buffer's memory back if it holds nothing (an idle connection need not
    /// keep a maximal record's worth); the next read allocates it again.
    pub fn release_if_empty(&mut self) {
        if self.buf.is_empty() {
            self.buf = BytesMut::new();
        }
    }

    /// Takes the buffer out, for another deframer to use, if it holds nothing and owns a
    /// whole buffer's worth of memory that no record still shares (so that the taker
    /// reads into it without allocating); the deframer is left without memory, and its
    /// next read allocates again unless it is given one ([`Deframer::give_buffer`]).
    pub fn take_buffer(&mut self) -> Option<BytesMut> {
        if self.buf.is_empty() && self.buf.try_reclaim(self.limit) {
            Some(std::mem::take(&mut self.buf))
        } else {
            None
        }
    }

    /// Whether the deframer holds no bytes and has no memory to read into (it was never
    /// given any, or gave it away): a buffer from [`Deframer::give_buffer`] saves the
    /// next read an allocation.
    pub fn wants_buffer(&self) -> bool {
        self.buf.is_empty() && self.buf.capacity() == 0
    }

    /// Reads into `buf` from now on, if the deframer holds no bytes (otherwise `buf` is
    /// dropped); whatever `buf` held is cleared.
    pub fn give_buffer(&mut self, mut buf: BytesMut) {
        if self.buf.is_empty() {
            buf.clear();
            self.buf = buf;
        }
    }

    /// How many more bytes [`Deframer::push`] would take now.
    pub fn space(&self) -> usize {
        self.limit.saturating_sub(self.buf.len())
    }

    /// Takes as many bytes from the front of `data` as fit, and returns how many it took
    /// (0 when the buffer is full: call [`Deframer::next_record`] first).
    pub fn push(&mut self, data: &[u8]) -> usize {
        let take = data.len().min(self.space());
        if let Some(head) = data.get(..take) {
            self.buf.extend_from_slice(head);
        }
        take
    }

    /// Reads once from `reader` into the free space and returns the count read (0 at end
    /// of stream, or when the buffer is full). It offers the reader what the record at the
    /// front still needs (when its header is in) plus [`READ_AHEAD`] bytes, not the whole
    /// free space: the space offered is zeroed first (safe code cannot read into
    /// uninitialised memory), and zeroing a maximal record's worth for every read of a
    /// short handshake flight cost more than the flight's parsing.
    pub fn read_from(&mut self, reader: &mut impl Read) -> std::io::Result<usize> {
        let wanted = self.bytes_needed().unwrap_or(0).saturating_add(READ_AHEAD);
        let space = self.space().min(wanted);
        if space == 0 {
            return Ok(0);
        }
        let at = self.buf.len();
        self.buf.resize(at + space, 0);
        let result = match self.buf.get_mut(at..) {
            Some(tail) => reader.read(tail),
            None => Ok(0),
        };
        let read = match &result {
            Ok(n) => (*n).min(space),
            Err(_) => 0,
        };
        self.buf.truncate(at + read);
        result.map(|_| read)
    }

    /// Takes out every byte held, and the buffer's memory, leaving the deframer empty: for
    /// a caller that opens the records where they lie ([`front_record`](crate::front_record)
    /// finds the one at the front) and then hands back what is left with
    /// [`Deframer::restore`]. Unlike [`Deframer::next_record`], a record consumed this way
    /// never makes the buffer shared, which costs an allocation.
    pub fn take_bytes(&mut self) -> BytesMut {
        std::mem::take(&mut self.buf)
    }

    /// Hands back the bytes [`Deframer::take_bytes`] took, less what the caller consumed
    /// from their front; nothing may have been pushed meanwhile (what was is dropped).
    pub fn restore(&mut self, buf: BytesMut) {
        self.buf = buf;
    }

    /// Returns the next whole record, `Ok(None)` if more bytes are needed, or the error
    /// that kills the stream.
    pub fn next_record(&mut self) -> Result<Option<Record>, RecordError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match parse_record(&self.buf, self.kind) {
            Ok((_, (header, fragment))) => {
                let len = HEADER_LEN + fragment.len();
                let bytes = self.buf.split_to(len);
                Ok(Some(Record { header, bytes }))
            }
            Err(nom::Err::Incomplete(_)) => Ok(None),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// How many more bytes the record at the front needs, if known (a hint for readers
    /// that want to read exactly that much); `None` when a whole record is waiting.
    pub fn bytes_needed(&self) -> Option<usize> {
        match parse_record(&self.buf, self.kind) {
            Err(nom::Err::Incomplete(nom::Needed::Size(n))) => Some(n.get()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_RECORD_LEN;
    use crate::RecordVersion;

    #[test]
    fn a_drained_buffer_is_taken_whole_and_given_to_another_deframer() {
        let mut d = Deframer::new();
        assert!(!d.wants_buffer());
        d.push(&stream());
        let first = d.next_record().unwrap().unwrap();
        // Bytes held, and a record still shares the buffer: nothing to take.
        assert!(d.take_buffer().is_none());
        drain(&mut d);
        assert!(
            d.take_buffer().is_none(),
            "the first record still shares it"
        );
        drop(first);
        let buf = d.take_buffer().unwrap();
        assert!(buf.capacity() >= d.buffer_limit());
        assert!(d.wants_buffer() && d.is_empty());

        let mut other = Deframer::unallocated();
        assert!(other.wants_buffer());
        other.give_buffer(buf);
        assert!(!other.wants_buffer());
        assert_eq!(other.push(&stream()), stream().len());
        assert_eq!(drain(&mut other).len(), 3);
        // The deframer that gave its buffer away still works (it allocates again).
        assert_eq!(d.push(&stream()), stream().len());
        assert_eq!(drain(&mut d).len(), 3);
    }

    fn stream() -> Vec<u8> {
        let mut s = vec![22, 3, 1, 0, 3, 1, 2, 3];
        s.extend_from_slice(&[23, 3, 3, 0, 0]);
        s.extend_from_slice(&[21, 3, 3, 0, 2, 1, 0]);
        s
    }

    fn drain(d: &mut Deframer) -> Vec<(ContentType, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(r) = d.next_record().unwrap() {
            out.push((r.content_type(), r.into_fragment().to_vec()));
        }
        out
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_records_as_all_at_once() {
        let mut all = Deframer::new();
        assert_eq!(all.push(&stream()), stream().len());
        let expected = drain(&mut all);
        assert_eq!(expected.len(), 3);
        assert_eq!(expected[0], (ContentType::Handshake, vec![1, 2, 3]));
        assert!(all.is_empty());

        let mut bytewise = Deframer::new();
        let mut got = Vec::new();
        for b in stream() {
            assert_eq!(bytewise.push(&[b]), 1);
            got.extend(drain(&mut bytewise));
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn push_takes_only_what_fits_in_the_limit() {
        let mut d = Deframer::new();
        let big = vec![23u8; MAX_RECORD_LEN * 3];
        assert_eq!(d.push(&big), MAX_RECORD_LEN);
        assert_eq!(d.push(&big), 0);
        assert_eq!(d.buffered(), MAX_RECORD_LEN);
        // 23 23 23 ... is an application_data record whose version major is 23: not TLS.
        assert_eq!(d.next_record(), Err(RecordError::NotTls(0x1717)));
    }

    #[test]
    fn a_full_buffer_always_holds_a_record() {
        let mut d = Deframer::new();
        d.set_kind(RecordKind::Protected(RecordVersion::Tls12));
        let len = MAX_RECORD_LEN - HEADER_LEN;
        let mut rec = vec![23, 3, 3];
        rec.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        rec.resize(MAX_RECORD_LEN, 0xab);
        let two = [rec.clone(), rec].concat();
        let mut offset = 0;
        let mut records = 0;
        while offset < two.len() {
            offset += d.push(&two[offset..]);
            while let Some(r) = d.next_record().unwrap() {
                assert_eq!(r.fragment().len(), len);
                records += 1;
            }
        }
        assert_eq!(records, 2);
    }

    #[test]
    fn errors_are_sticky() {
        let mut d = Deframer::new();
        d.push(&[0x16, 0x03, 0x03, 0x40, 0x01]);
        let e = RecordError::RecordOverflow {
            len: (1 << 14) + 1,
            max: 1 << 14,
        };
        assert_eq!(d.next_record(), Err(e.clone()));
        d.push(&[0; 10]);
        assert_eq!(d.next_record(), Err(e));
    }

    #[test]
    fn read_from_fills_free_space_and_reports_need() {
        let data = stream();
        let mut reader = &data[..];
        let mut d = Deframer::new();
        let n = d.read_from(&mut reader).unwrap();
        assert_eq!(n, data.len());
        assert_eq!(d.read_from(&mut reader).unwrap(), 0);
        assert_eq!(drain(&mut d).len(), 3);

        let mut partial = &data[..6];
        d.read_from(&mut partial).unwrap();
        assert_eq!(d.bytes_needed(), Some(2));
    }
}
