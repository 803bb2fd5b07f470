//! Any bytes as a ServerHello body (or HelloRetryRequest): a typed error, or a hello
//! that round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_codec::Encode;
use strata_handshake::messages::{ServerHello, ServerHelloKind};

fuzz_target!(|data: &[u8]| {
    match ServerHello::decode(data) {
        Ok(kind) => {
            let again = match &kind {
                ServerHelloKind::ServerHello(sh) => sh.to_bytes(),
                ServerHelloKind::HelloRetryRequest(hrr) => hrr.to_bytes(),
            };
            assert_eq!(ServerHello::decode(&again).expect("own encoding parses"), kind);
        }
        Err(err) => {
            let _ = (err.alert(), err.to_string());
        }
    }
});
