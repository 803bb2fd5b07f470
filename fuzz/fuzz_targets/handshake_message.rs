//! Any bytes as one whole handshake message (the first byte picks TLS 1.2 or 1.3 forms):
//! a typed error with an alert, or a message whose encoding parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_codec::Encode;
use strata_handshake::{HandshakeMessage, TlsVersion};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, encoded)) = data.split_first() else { return };
    let version = if selector & 1 == 0 { TlsVersion::Tls13 } else { TlsVersion::Tls12 };
    match HandshakeMessage::decode(encoded, version) {
        Ok(message) => {
            let again = message.to_bytes();
            let reparsed = HandshakeMessage::decode(&again, version).expect("own encoding parses");
            assert_eq!(reparsed, message);
            assert_eq!(message.clone().into_owned(), message);
        }
        Err(err) => {
            let _ = (err.alert(), err.to_string());
        }
    }
});
