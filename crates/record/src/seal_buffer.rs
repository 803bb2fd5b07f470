//! What records are sealed into: the connection's own `BytesMut`, or a caller's `Vec<u8>`
//! when the records go straight to what the transport sends (one copy fewer).

use bytes::{BufMut, BytesMut};

/// A growable byte buffer that [`Sealer::seal`](crate::Sealer::seal) and
/// [`Fragmenter::seal`](crate::Fragmenter::seal) append records to: `BytesMut` and
/// `Vec<u8>`.
pub trait SealBuffer: BufMut + AsMut<[u8]> {
    /// The bytes in the buffer.
    fn len(&self) -> usize;
    /// Whether the buffer holds no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Keeps the first `len` bytes.
    fn truncate(&mut self, len: usize);
    /// Makes room for `additional` more bytes.
    fn reserve(&mut self, additional: usize);
}

impl SealBuffer for BytesMut {
    fn len(&self) -> usize {
        BytesMut::len(self)
    }
    fn truncate(&mut self, len: usize) {
        BytesMut::truncate(self, len);
    }
    fn reserve(&mut self, additional: usize) {
        BytesMut::reserve(self, additional);
    }
}

impl SealBuffer for Vec<u8> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
}
