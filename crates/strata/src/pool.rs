//! Spare record buffers, shared by the connections of one configuration: a connection
//! that has drained its receive or send buffer (every byte read, every byte written) gives
//! it here, and the next connection that needs one, itself again most often, takes it
//! back. So an idle connection holds no record-sized buffer, and a busy one, which drains
//! and refills its buffers record after record, still allocates nothing per record.
//!
//! The pool is bounded ([`SPARE_BUFFERS`] of each kind); past that a buffer given is freed.
//! A lock held elsewhere is not waited for: the buffer is then freed, or allocated, as if
//! there were no pool.

use std::sync::Mutex;

use bytes::BytesMut;

/// The most buffers of each kind (receive, send) a pool keeps.
pub(crate) const SPARE_BUFFERS: usize = 4;

/// A send buffer smaller than this is kept by its connection when drained (a small
/// buffer costs an idle connection little, and pooling it would make a bulk sender that
/// takes it grow it again).
pub(crate) const MIN_POOLED_SEND_BUFFER: usize = 8 * 1024;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    receive: Mutex<Vec<BytesMut>>,
    send: Mutex<Vec<BytesMut>>,
}

fn take(list: &Mutex<Vec<BytesMut>>) -> Option<BytesMut> {
    list.try_lock().ok()?.pop()
}

fn give(list: &Mutex<Vec<BytesMut>>, buf: BytesMut) {
    if let Ok(mut list) = list.try_lock() {
        if list.len() < SPARE_BUFFERS {
            list.push(buf);
        }
    }
}

impl BufferPool {
    /// A receive buffer (a deframer's), if one is spare.
    pub(crate) fn take_receive(&self) -> Option<BytesMut> {
        take(&self.receive)
    }

    /// Keeps a drained receive buffer.
    pub(crate) fn give_receive(&self, buf: BytesMut) {
        give(&self.receive, buf);
    }

    /// A send buffer, if one is spare.
    pub(crate) fn take_send(&self) -> Option<BytesMut> {
        take(&self.send)
    }

    /// Keeps a drained send buffer.
    pub(crate) fn give_send(&self, buf: BytesMut) {
        give(&self.send, buf);
    }

    /// How many buffers it keeps (receive, send), for tests.
    #[cfg(test)]
    pub(crate) fn spare(&self) -> (usize, usize) {
        let len = |l: &Mutex<Vec<BytesMut>>| l.lock().map(|l| l.len()).unwrap_or(0);
        (len(&self.receive), len(&self.send))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_last_in_first_out() {
        let pool = BufferPool::default();
        assert!(pool.take_receive().is_none() && pool.take_send().is_none());
        for i in 0..SPARE_BUFFERS + 2 {
            pool.give_send(BytesMut::with_capacity(100 + i));
        }
        assert_eq!(pool.spare(), (0, SPARE_BUFFERS));
        let last = pool.take_send().map(|b| b.capacity());
        assert_eq!(last, Some(100 + SPARE_BUFFERS - 1));
        assert_eq!(pool.spare(), (0, SPARE_BUFFERS - 1));
    }
}
