//! The certificate validity reader the chain cache relies on (RFC 5280 §4.1.2.5): a
//! round trip through real certificates made by rcgen at any dates RFC 5280 can write,
//! UTCTime (1950–2049) and GeneralizedTime (2050 on), and no panic on any bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use proptest::prelude::*;
use strata_pki::cache::certificate_validity;
use strata_testdata::pki::{date_time_ymd, KeyKind, TestCa};

/// Seconds since the Unix epoch of 1950-01-01 and of 9999-12-31.
const FIRST: i64 = -631_152_000;
const LAST: i64 = 253_402_214_400;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_validity_of_a_real_certificate_reads_back(
        start in FIRST..LAST,
        span in 0i64..(200 * 365 * 86_400),
    ) {
        let end = (start + span).min(LAST);
        let epoch = date_time_ymd(1970, 1, 1);
        let at = |secs: i64| if secs >= 0 {
            epoch + Duration::from_secs(secs.unsigned_abs())
        } else {
            epoch - Duration::from_secs(secs.unsigned_abs())
        };
        let ca = TestCa::root_with(KeyKind::EcdsaP256, |p| {
            p.not_before = at(start);
            p.not_after = at(end);
        });
        let validity = certificate_validity(ca.cert.as_ref());
        // Before 1970 a time has no u64 reading; the reader says None rather than guess.
        if start < 0 {
            prop_assert!(validity.is_none() || validity.unwrap().not_before as i64 == start);
        } else {
            let v = validity.expect("a real certificate's validity reads");
            prop_assert_eq!(v.not_before as i64, start);
            prop_assert_eq!(v.not_after as i64, end);
        }
    }

    #[test]
    fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = certificate_validity(&bytes);
    }
}
