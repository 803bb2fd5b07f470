//! strata-pki's certificate validity reader (RFC 5280 §4.1.2.5), which the verified-chain
//! cache bounds its entries with: any bytes read or refused without a panic, and whatever
//! it reads agrees with x509-parser on the same certificate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_pki::cache::certificate_validity;

fuzz_target!(|data: &[u8]| {
    let Some(ours) = certificate_validity(data) else { return };
    if let Ok((_, cert)) = x509_parser::parse_x509_certificate(data) {
        let theirs = cert.validity();
        assert_eq!(ours.not_before as i64, theirs.not_before.timestamp(), "notBefore");
        assert_eq!(ours.not_after as i64, theirs.not_after.timestamp(), "notAfter");
    }
});
