//! Property tests: every alert and change_cipher_spec value survives encode and parse,
//! and no input makes the parsers panic.

use proptest::prelude::*;
use strata_alert::{Alert, AlertDescription, AlertLevel, ChangeCipherSpec};
use strata_codec::{Decode, Encode};

proptest! {
    #[test]
    fn every_alert_round_trips(level: u8, description: u8) {
        let alert = Alert {
            level: AlertLevel::from(level),
            description: AlertDescription::from(description),
        };
        let bytes = alert.to_bytes();
        prop_assert_eq!(&bytes[..], &[level, description]);
        prop_assert_eq!(Alert::parse_record(&bytes), Ok(alert));
        prop_assert_eq!(Alert::decode_exact(&bytes), Ok(alert));
    }

    #[test]
    fn every_code_point_round_trips(value: u8) {
        let description = AlertDescription::from(value);
        prop_assert_eq!(u8::from(description), value);
        prop_assert_eq!(AlertDescription::decode_exact(&description.to_bytes()), Ok(description));
        let level = AlertLevel::from(value);
        prop_assert_eq!(AlertLevel::decode_exact(&level.to_bytes()), Ok(level));
        // Known values print their RFC name, unknown ones their number.
        prop_assert_eq!(description.name().is_some(), AlertDescription::KNOWN.contains(&description));
    }

    #[test]
    fn change_cipher_spec_round_trips_and_refuses_everything_else(body in proptest::collection::vec(any::<u8>(), 0..4)) {
        prop_assert_eq!(ChangeCipherSpec::parse_record(&ChangeCipherSpec.to_bytes()), Ok(ChangeCipherSpec));
        prop_assert_eq!(ChangeCipherSpec::parse_record(&body).is_ok(), body == [1]);
        prop_assert_eq!(Alert::parse_record(&body).is_ok(), body.len() == 2);
    }
}
