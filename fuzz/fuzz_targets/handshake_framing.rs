//! Any bytes cut into records of fuzzer-chosen sizes and pushed into a HandshakeJoiner:
//! the messages that come out are exactly the bytes that went in, in order, each within
//! the limit, and every error is typed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_handshake::{HandshakeJoiner, HandshakeMessage, TlsVersion};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else { return };
    let mut joiner = HandshakeJoiner::new(4096);
    let mut popped = Vec::new();
    let step = usize::from(cut).max(1);
    for record in stream.chunks(step) {
        if let Err(err) = joiner.push(record) {
            let _ = (err.alert(), err.to_string());
            return;
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
    assert!(stream.starts_with(&popped));
    assert_eq!(joiner.has_partial_message(), popped.len() < stream.len());
});
