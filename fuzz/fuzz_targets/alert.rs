//! Any bytes as the body of an alert record: a typed error or an alert that re-encodes to
//! the same two bytes, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_alert::Alert;
use strata_codec::Encode;

fuzz_target!(|data: &[u8]| {
    match Alert::parse_record(data) {
        Ok(alert) => {
            assert_eq!(&alert.to_bytes()[..], data);
            let _ = (alert.is_fatal_tls12(), alert.is_fatal_tls13(), alert.to_string());
        }
        Err(err) => {
            assert_ne!(data.len(), 2);
            let _ = (err.alert_tls12(), err.alert_tls13(), err.to_string());
        }
    }
});
