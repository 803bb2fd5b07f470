//! Any bytes cut into records of fuzzer-chosen sizes and pushed into a HandshakeJoiner:
//! the messages that come out are exactly the bytes that went in, in order, each within
//! the limit, and every error is typed. A second joiner, fed the same records, is drained
//! the borrowed way (front, then consume_front, as the connection does): it must give the
//! same messages and fail alike.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_handshake::{HandshakeJoiner, HandshakeMessage, TlsVersion};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else { return };
    let mut joiner = HandshakeJoiner::new(4096);
    let mut borrowing = HandshakeJoiner::new(4096);
    let mut popped = Vec::new();
    let mut fronts = Vec::new();
    let step = usize::from(cut).max(1);
    for record in stream.chunks(step) {
        let pushed = joiner.push(record);
        assert_eq!(pushed.is_err(), borrowing.push(record).is_err());
        if let Err(err) = pushed {
            let _ = (err.alert(), err.to_string());
            return;
        }
        while let Some(message) = borrowing.front() {
            fronts.extend_from_slice(message.encoded);
            borrowing.consume_front();
        }
        while let Some(frame) = joiner.pop() {
            assert!(frame.raw().body.len() <= joiner.max_message_len());
            for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
                if let Err(err) = HandshakeMessage::decode_raw(frame.raw(), version) {
                    let _ = err.alert();
                }
            }
            popped.extend_from_slice(frame.encoded());
        }
    }
    assert_eq!(fronts, popped, "front/consume_front and pop disagree");
    assert_eq!(borrowing.has_partial_message(), joiner.has_partial_message());
    assert!(stream.starts_with(&popped));
    assert_eq!(joiner.has_partial_message(), popped.len() < stream.len());
});
