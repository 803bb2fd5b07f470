//! Handshake message framing (RFC 8446 §5.1, RFC 5246 §6.2.1): handshake messages may be
//! split across records, and one record may hold several messages. The
//! [`HandshakeJoiner`] takes the plaintext of handshake records in any cut and yields whole
//! messages, refusing any that announce more than the configured maximum, and tells the
//! state machine whether a key change would split a message (which §5.1 forbids).

use bytes::{Bytes, BytesMut};

use crate::limits::{
    DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN, MAX_RECORD_PLAINTEXT_LEN, MIN_MAX_HANDSHAKE_MESSAGE_LEN,
};
use crate::messages::{RawMessage, HEADER_LEN};

/// Room the joiner's buffer starts with: a TLS 1.3 server's encrypted flight with a short
/// chain, or a TLS 1.2 server's first flight.
const FLIGHT_CAPACITY: usize = 2048;
use crate::{HandshakeError, HandshakeType};

/// One whole handshake message, header included, cut from the joiner's buffer without a
/// copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeFrame {
    bytes: Bytes,
}

impl HandshakeFrame {
    /// The message type.
    pub fn ty(&self) -> HandshakeType {
        HandshakeType::from(self.bytes.first().copied().unwrap_or_default())
    }

    /// The whole message: what the transcript hashes.
    pub fn encoded(&self) -> &[u8] {
        &self.bytes
    }

    /// The type and body, ready for [`HandshakeMessage::decode_raw`](crate::HandshakeMessage::decode_raw).
    pub fn raw(&self) -> RawMessage<'_> {
        RawMessage {
            ty: self.ty(),
            body: self.bytes.get(HEADER_LEN..).unwrap_or_default(),
            encoded: &self.bytes,
        }
    }
}

/// Reassembles handshake messages from the plaintext of handshake records.
#[derive(Debug)]
pub struct HandshakeJoiner {
    buffer: BytesMut,
    max_message_len: usize,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN)
    }
}

impl HandshakeJoiner {
    /// A joiner that refuses messages whose body is longer than `max_message_len` (raised
    /// to [`MIN_MAX_HANDSHAKE_MESSAGE_LEN`] if smaller).
    pub fn new(max_message_len: usize) -> Self {
        Self {
            buffer: BytesMut::new(),
            max_message_len: max_message_len.max(MIN_MAX_HANDSHAKE_MESSAGE_LEN),
        }
    }

    /// The largest message body accepted.
    pub fn max_message_len(&self) -> usize {
        self.max_message_len
    }

    /// Adds the plaintext of one handshake record. Take every whole message out with
    /// [`pop`](Self::pop) before pushing the next record: the joiner holds at most one
    /// partial message and one record's worth of bytes.
    ///
    /// Errors: an empty record (RFC 8446 §5.1: zero-length handshake fragments are not
    /// allowed: unexpected_message), or a message header announcing more than the maximum
    /// (checked as soon as the header is complete, before its body is buffered).
    pub fn push(&mut self, record_plaintext: &[u8]) -> Result<(), HandshakeError> {
        if record_plaintext.is_empty() {
            return Err(HandshakeError::EmptyHandshakeRecord);
        }
        let limit = HEADER_LEN + self.max_message_len + MAX_RECORD_PLAINTEXT_LEN;
        if self.buffer.len() + record_plaintext.len() > limit {
            return Err(HandshakeError::MessageTooLarge {
                message: self.front_type(),
                len: self.buffer.len() + record_plaintext.len(),
                max: self.max_message_len,
            });
        }
        if self.buffer.capacity() == 0 {
            // One allocation for a handshake's flights: most fit (a longer chain grows it).
            self.buffer
                .reserve(record_plaintext.len().max(FLIGHT_CAPACITY));
        }
        self.buffer.extend_from_slice(record_plaintext);
        self.check_headers()
    }

    /// Checks every complete header in the buffer against the maximum.
    fn check_headers(&self) -> Result<(), HandshakeError> {
        let mut at = 0;
        while let Some((ty, len)) = header_at(&self.buffer, at) {
            if len > self.max_message_len {
                return Err(HandshakeError::MessageTooLarge {
                    message: HandshakeType::from(ty),
                    len,
                    max: self.max_message_len,
                });
            }
            at += HEADER_LEN + len;
        }
        Ok(())
    }

    fn front_type(&self) -> HandshakeType {
        HandshakeType::from(self.buffer.first().copied().unwrap_or_default())
    }

    /// The whole message at the front, if the buffer holds one, borrowed from the buffer:
    /// handle it, then take it out with [`consume_front`](Self::consume_front). Unlike
    /// [`pop`](Self::pop) this neither copies nor allocates (a frame split off the buffer
    /// makes it shared, and the next record then needs a buffer of its own).
    pub fn front(&self) -> Option<RawMessage<'_>> {
        let (ty, len) = header_at(&self.buffer, 0)?;
        let encoded = self.buffer.get(..HEADER_LEN + len)?;
        Some(RawMessage {
            ty: HandshakeType::from(ty),
            body: encoded.get(HEADER_LEN..).unwrap_or_default(),
            encoded,
        })
    }

    /// Drops the whole message at the front (the one [`front`](Self::front) gives), if
    /// there is one.
    pub fn consume_front(&mut self) {
        if let Some((_, len)) = header_at(&self.buffer, 0) {
            if self.buffer.len() >= HEADER_LEN + len {
                bytes::Buf::advance(&mut self.buffer, HEADER_LEN + len);
            }
        }
    }

    /// The next whole message, if the buffer holds one, as a frame of its own.
    pub fn pop(&mut self) -> Option<HandshakeFrame> {
        let (_, len) = header_at(&self.buffer, 0)?;
        if self.buffer.len() < HEADER_LEN + len {
            return None;
        }
        Some(HandshakeFrame {
            bytes: self.buffer.split_to(HEADER_LEN + len).freeze(),
        })
    }

    /// Whether part of a message is buffered. While it is, only handshake records may
    /// arrive (RFC 8446 §5.1: no interleaving with other record types).
    pub fn has_partial_message(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Gives the buffer's memory back if no message is buffered (after the handshake,
    /// when messages become rare).
    pub fn release_if_empty(&mut self) {
        if self.buffer.is_empty() {
            self.buffer = BytesMut::new();
        }
    }

    /// Call before the record layer's keys change: a message that began under the old
    /// keys must end under them (RFC 8446 §5.1: unexpected_message otherwise).
    pub fn check_key_change(&self) -> Result<(), HandshakeError> {
        if self.has_partial_message() {
            return Err(HandshakeError::MessageSpansKeyChange);
        }
        Ok(())
    }
}

/// The type and announced body length of the message header at `at`, if all four bytes
/// are there.
fn header_at(buffer: &[u8], at: usize) -> Option<(u8, usize)> {
    let [ty, a, b, c] = *buffer.get(at..)?.first_chunk::<HEADER_LEN>()?;
    Some((ty, u32::from_be_bytes([0, a, b, c]) as usize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_alert::AlertDescription;

    fn message(ty: u8, body_len: usize) -> Vec<u8> {
        let mut m = vec![ty];
        m.extend_from_slice(&(body_len as u32).to_be_bytes()[1..]);
        m.extend((0..body_len).map(|i| i as u8));
        m
    }

    /// The borrowed way (front, consume_front) gives the same messages as pop, in any
    /// cut of the records, and leaves a partial message where it was.
    #[test]
    fn front_and_consume_give_what_pop_gives() {
        let mut stream = message(8, 2);
        stream.extend(message(11, 3000));
        stream.extend(message(20, 32));
        for cut in [1, 3, 4, 5, 100, 4000] {
            let (mut borrowed, mut owned) =
                (HandshakeJoiner::default(), HandshakeJoiner::default());
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for piece in stream.chunks(cut) {
                borrowed.push(piece).unwrap();
                while let Some(m) = borrowed.front() {
                    a.push((m.ty, m.encoded.to_vec()));
                    borrowed.consume_front();
                }
                owned.push(piece).unwrap();
                while let Some(f) = owned.pop() {
                    b.push((f.ty(), f.encoded().to_vec()));
                }
                assert_eq!(borrowed.has_partial_message(), owned.has_partial_message());
            }
            assert_eq!(a.len(), 3, "cut {cut}");
            assert_eq!(a, b, "cut {cut}");
        }
        // Nothing whole at the front: consume_front drops nothing.
        let mut joiner = HandshakeJoiner::default();
        joiner.push(&message(11, 10)[..6]).unwrap();
        assert!(joiner.front().is_none());
        joiner.consume_front();
        joiner.push(&message(11, 10)[6..]).unwrap();
        assert_eq!(joiner.front().map(|m| m.body.len()), Some(10));
    }

    #[test]
    fn several_messages_in_one_record_come_out_one_by_one() {
        let mut joiner = HandshakeJoiner::default();
        let mut record = message(8, 2);
        record.extend(message(11, 300));
        record.extend(message(20, 32));
        joiner.push(&record).unwrap();
        let frames: Vec<_> = std::iter::from_fn(|| joiner.pop()).collect();
        assert_eq!(
            frames
                .iter()
                .map(|f| (f.ty(), f.raw().body.len()))
                .collect::<Vec<_>>(),
            [
                (HandshakeType::EncryptedExtensions, 2),
                (HandshakeType::Certificate, 300),
                (HandshakeType::Finished, 32)
            ]
        );
        assert!(!joiner.has_partial_message());
        joiner.check_key_change().unwrap();
    }

    #[test]
    fn a_message_split_byte_by_byte_is_joined() {
        let whole = message(11, 5000);
        let mut joiner = HandshakeJoiner::default();
        for (i, byte) in whole.iter().enumerate() {
            assert_eq!(joiner.pop(), None, "no message before byte {i}");
            joiner.push(&[*byte]).unwrap();
        }
        assert_eq!(joiner.pop().unwrap().encoded(), &whole[..]);
        assert_eq!(joiner.pop(), None);
    }

    #[test]
    fn an_oversized_header_is_refused_before_its_body_arrives() {
        let mut joiner = HandshakeJoiner::new(8192);
        let err = joiner.push(&[11, 0, 0x20, 0x01]).unwrap_err();
        assert_eq!(
            err,
            HandshakeError::MessageTooLarge {
                message: HandshakeType::Certificate,
                len: 0x2001,
                max: 8192
            }
        );
        assert_eq!(err.alert(), AlertDescription::DecodeError);
        // Exactly the maximum is fine.
        let mut joiner = HandshakeJoiner::new(8192);
        joiner.push(&message(11, 8192)).unwrap();
        assert_eq!(joiner.pop().unwrap().raw().body.len(), 8192);
    }

    #[test]
    fn a_second_header_in_the_same_record_is_checked_too() {
        let mut joiner = HandshakeJoiner::new(4096);
        let mut record = message(8, 0);
        record.extend_from_slice(&[11, 0xff, 0xff, 0xff]);
        assert!(matches!(
            joiner.push(&record),
            Err(HandshakeError::MessageTooLarge { .. })
        ));
    }

    #[test]
    fn empty_records_and_split_key_changes_are_unexpected() {
        let mut joiner = HandshakeJoiner::default();
        assert_eq!(
            joiner.push(&[]).unwrap_err().alert(),
            AlertDescription::UnexpectedMessage
        );
        joiner.push(&message(20, 32)[..10]).unwrap();
        assert!(joiner.has_partial_message());
        let err = joiner.check_key_change().unwrap_err();
        assert_eq!(err.alert(), AlertDescription::UnexpectedMessage);
    }

    #[test]
    fn buffering_is_bounded_even_if_nothing_is_popped() {
        let mut joiner = HandshakeJoiner::new(4096);
        let record = message(8, 100);
        let mut pushed = 0;
        while joiner.push(&record).is_ok() {
            pushed += 1;
            assert!(pushed < 1000, "the joiner kept buffering");
        }
        assert!(joiner.buffer.len() <= HEADER_LEN + 4096 + MAX_RECORD_PLAINTEXT_LEN);
    }

    #[test]
    fn a_tiny_configured_maximum_is_raised_to_the_floor() {
        assert_eq!(
            HandshakeJoiner::new(10).max_message_len(),
            MIN_MAX_HANDSHAKE_MESSAGE_LEN
        );
    }
}
