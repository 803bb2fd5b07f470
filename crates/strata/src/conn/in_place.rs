//! Records opened and sealed in the caller's own buffer: application data that is never
//! copied by the connection.
//!
//! The buffered calls ([`Connection::read_tls`], [`Connection::read_plaintext`],
//! [`Connection::write_plaintext`]) copy every byte of application data in and out of
//! the connection's buffers. At bulk rates each 16 KiB copy costs about a tenth of an
//! AES-GCM seal, so an application that moves much data (a proxy, a file server) can
//! instead keep the records in its own buffer:
//!
//! - receive: read TLS bytes into a buffer, then call [`Connection::open_in_place`] on
//!   what is there; it opens the record at the front where it lies and hands back its
//!   application data as a slice of that buffer (the model is rustls's unbuffered API);
//! - send: put application data in a buffer after room for the record header
//!   ([`Connection::record_layout`]), then call [`Connection::seal_in_place`], which
//!   encrypts it there and appends the tag: the buffer then holds the record to write.
//!
//! Handshake records, alerts and key updates go through the same calls and are processed
//! as the buffered path does (their few bytes are copied into the handshake's buffers).
//! The two ways may follow each other on one connection, but not interleave: the in-place
//! calls refuse to run while the connection holds received bytes or plaintext of its own
//! (process and read them first), or TLS bytes to send (write them first), since the
//! records would otherwise leave or arrive out of order.

use std::io;

use strata_record::ContentType;

use super::{record, Connection};
use crate::Error;

/// What [`Connection::open_in_place`] made of the front of the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct OpenedRecord<'a> {
    /// How many bytes at the front of the buffer were one whole record, now processed:
    /// the caller drops them before the next call. 0 when the buffer does not hold a
    /// whole record yet (read more), or when the connection takes no more records (it
    /// waits for an answer, or the peer sent close_notify).
    pub consumed: usize,
    /// The record's application data, decrypted where it arrived: a slice of the
    /// caller's buffer, inside the bytes consumed. Empty for a record that carried none
    /// (a handshake message, an alert, an empty record).
    pub application_data: &'a mut [u8],
}

/// Where things go in a record sealed by [`Connection::seal_in_place`], for the write
/// keys in use (TLS 1.2 GCM records carry an explicit nonce, TLS 1.3 records an inner
/// content type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordLayout {
    /// Bytes to leave before the plaintext for the header (and TLS 1.2's explicit nonce).
    pub header_len: usize,
    /// The most plaintext one record may carry.
    pub max_plaintext: usize,
    /// The most bytes sealing appends after the plaintext (content type and tag): room
    /// to reserve so that sealing does not grow the buffer.
    pub trailer_len: usize,
}

impl Connection {
    /// Processes the record at the front of `tls` in place, and returns how many bytes it
    /// took and, for application data, the plaintext where it now lies in `tls`
    /// (see [`OpenedRecord`]). Call it again on what follows `consumed` until it consumes
    /// nothing, then read more bytes.
    ///
    /// A record that is not application data is processed as
    /// [`Connection::process_new_packets`] would: the handshake advances, post-handshake
    /// messages are answered, alerts are taken. An error is final, as there: the alert
    /// it names is queued for the peer (flush it with [`Connection::write_tls`]).
    /// [`Error::Misuse`] (and nothing consumed) if the connection still holds TLS bytes
    /// from [`Connection::read_tls`] or plaintext not yet read: process and read those
    /// first, so that data arrives in order.
    pub fn open_in_place<'a>(&mut self, tls: &'a mut [u8]) -> Result<OpenedRecord<'a>, Error> {
        if let Some(err) = &self.failed {
            return Err(Error::AlreadyFailed(Box::new(err.clone())));
        }
        if !self.deframer.is_empty() || self.received_len > 0 {
            return Err(Error::Misuse(
                "open_in_place while the connection holds received bytes or plaintext",
            ));
        }
        match self.open_front_record(tls) {
            Ok(opened) => Ok(opened),
            Err(err) => Err(self.fail(err)),
        }
    }

    fn open_front_record<'a>(&mut self, tls: &'a mut [u8]) -> Result<OpenedRecord<'a>, Error> {
        // Messages an earlier record completed come before the next record (a paused
        // handshake resumes here after its answer).
        while !self.is_paused() && self.handle_next_message()? {}
        let Some((consumed, application_data)) = self.process_front_record(tls)? else {
            return Ok(OpenedRecord {
                consumed: 0,
                application_data: &mut [],
            });
        };
        // What the record completed: handshake messages, key updates.
        while !self.is_paused() && self.handle_next_message()? {}
        self.release_handshake_buffers();
        Ok(OpenedRecord {
            consumed,
            application_data: tls.get_mut(application_data).unwrap_or_default(),
        })
    }

    /// How to lay out a record for [`Connection::seal_in_place`]; `None` until the
    /// handshake has completed.
    pub fn record_layout(&self) -> Option<RecordLayout> {
        let sealer = self.sealer.as_ref().filter(|_| self.negotiated.is_some())?;
        Some(RecordLayout {
            header_len: sealer.header_len(),
            max_plaintext: sealer
                .max_fragment_len()
                .min(self.fragmenter.max_fragment_len()),
            trailer_len: sealer.trailer_len(),
        })
    }

    /// Seals application data as one record where it lies: `buf[start..]` is
    /// [`RecordLayout::header_len`] bytes of room (any values) followed by the plaintext,
    /// at most [`RecordLayout::max_plaintext`] bytes. Afterwards `buf[start..]` is the
    /// whole record, ready to be written to the transport (the trailer is appended; it
    /// does not allocate if `buf` has [`RecordLayout::trailer_len`] spare capacity).
    ///
    /// `WouldBlock`, with `buf` unchanged, if the connection has TLS bytes of its own
    /// waiting (a key update's answer, an alert): write them with
    /// [`Connection::write_tls`] first, so that records leave in order. Before the
    /// handshake has completed, after close_notify or after an error, refused as
    /// [`Connection::write_plaintext`] refuses.
    pub fn seal_in_place(&mut self, buf: &mut Vec<u8>, start: usize) -> io::Result<()> {
        self.check_writable()?;
        let Some(layout) = self.record_layout() else {
            return Err(io::Error::other(Error::Misuse(
                "seal_in_place before the handshake completed",
            )));
        };
        if !self.outgoing.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "TLS bytes waiting: write_tls them before sealing in place",
            ));
        }
        let plaintext = buf
            .len()
            .saturating_sub(start.saturating_add(layout.header_len));
        if buf.len() < start.saturating_add(layout.header_len) || plaintext > layout.max_plaintext {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seal_in_place: the buffer is not header room then at most max_plaintext bytes",
            ));
        }
        let Some(sealer) = &mut self.sealer else {
            return Err(io::Error::other(Error::Misuse(
                "no write keys after the handshake",
            )));
        };
        sealer
            .seal_in_place(ContentType::ApplicationData, buf, start, 0)
            .map_err(|e| io::Error::other(self.fail(record(e))))
    }
}
