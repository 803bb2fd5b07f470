//! Any bytes as the body of a change_cipher_spec record: accepted only when it is the
//! single byte 1, refused with a typed error otherwise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_alert::ChangeCipherSpec;
use strata_codec::Encode;

fuzz_target!(|data: &[u8]| {
    match ChangeCipherSpec::parse_record(data) {
        Ok(ccs) => assert_eq!(&ccs.to_bytes()[..], data),
        Err(err) => {
            assert_ne!(data, [1]);
            let _ = (err.alert_tls12(), err.alert_tls13());
        }
    }
});
