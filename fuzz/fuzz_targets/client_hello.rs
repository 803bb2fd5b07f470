//! Any bytes as a ClientHello body: a typed error, or a hello that round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_codec::Encode;
use strata_handshake::messages::ClientHello;

fuzz_target!(|data: &[u8]| {
    match ClientHello::decode(data) {
        Ok(hello) => {
            let again = hello.to_bytes();
            assert_eq!(ClientHello::decode(&again).expect("own encoding parses"), hello);
        }
        Err(err) => {
            let _ = (err.alert(), err.to_string());
        }
    }
});
