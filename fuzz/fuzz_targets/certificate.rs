//! Any bytes as a Certificate body (the first byte picks the TLS 1.2 or 1.3 form): a
//! typed error, or a chain that round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_codec::Encode;
use strata_handshake::messages::{CertificateTls12, CertificateTls13};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    if selector & 1 == 0 {
        match CertificateTls13::decode(body) {
            Ok(cert) => {
                let again = cert.to_bytes();
                assert_eq!(CertificateTls13::decode(&again).expect("own encoding parses"), cert);
            }
            Err(err) => {
                let _ = (err.alert(), err.to_string());
            }
        }
    } else {
        match CertificateTls12::decode(body) {
            Ok(cert) => {
                assert_eq!(&cert.to_bytes()[..], body);
            }
            Err(err) => {
                let _ = (err.alert(), err.to_string());
            }
        }
    }
});
