//! The little DER strata-pki handles itself. Encoding: a tag-length-value header around
//! bytes it already holds (a Name's SEQUENCE, a PKCS#8 wrapper for a SEC1 key). Decoding:
//! only a certificate's validity (RFC 5280 §4.1.2.5), for the verified-chain cache's
//! expiry; everything else webpki and ring parse.

/// `tag || length || contents`, with the length in DER's short or long form.
pub(crate) fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(tag);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

/// The SEQUENCE tag.
pub(crate) const SEQUENCE: u8 = 0x30;

/// The tag of `[0] EXPLICIT` (constructed, context-specific 0): a certificate's version.
const CONTEXT_0: u8 = 0xa0;
/// UTCTime.
const UTC_TIME: u8 = 0x17;
/// GeneralizedTime.
const GENERALIZED_TIME: u8 = 0x18;

/// Splits one TLV off the front of `input`: (tag, contents, rest). Only single-byte tags
/// and definite lengths of at most four bytes; `None` for anything else or a truncation.
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = input.split_at_checked(count)?;
        input = rest;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let (contents, rest) = input.split_at_checked(len)?;
    Some((tag, contents, rest))
}

/// Reads one TLV that must carry `tag`.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    match read_tlv(input)? {
        (t, contents, rest) if t == tag => Some((contents, rest)),
        _ => None,
    }
}

/// A certificate's validity period (RFC 5280 §4.1.2.5) in seconds since the Unix epoch:
/// `notBefore` through `notAfter`, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// The first second the certificate is valid.
    pub not_before: u64,
    /// The last second the certificate is valid.
    pub not_after: u64,
}

/// The validity of the DER certificate `cert`: `Certificate ::= SEQUENCE { tbsCertificate
/// SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, ... } ... }`.
/// `None` if the bytes are not shaped so, or a time is not one RFC 5280 allows.
pub fn validity(cert: &[u8]) -> Option<Validity> {
    let (certificate, _) = expect(cert, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut rest = tbs;
    if let Some((CONTEXT_0, _, after)) = read_tlv(rest) {
        rest = after;
    }
    // serialNumber INTEGER, signature AlgorithmIdentifier, issuer Name: skipped whole.
    for _ in 0..3 {
        let (_, _, after) = read_tlv(rest)?;
        rest = after;
    }
    let (validity, _) = expect(rest, SEQUENCE)?;
    let (not_before, after) = time(validity)?;
    let (not_after, _) = time(after)?;
    Some(Validity {
        not_before,
        not_after,
    })
}

/// One `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`, and the rest.
/// RFC 5280 §4.1.2.5.1–2: `YYMMDDHHMMSSZ` (years 50–99 are 19xx, 00–49 20xx) or
/// `YYYYMMDDHHMMSSZ`, always in UTC, always with seconds, never with fractions.
fn time(input: &[u8]) -> Option<(u64, &[u8])> {
    let (tag, contents, rest) = read_tlv(input)?;
    let (year, digits) = match (tag, contents.len()) {
        (UTC_TIME, 13) => {
            let (yy, digits) = contents.split_at_checked(2)?;
            let yy = number(yy)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, digits)
        }
        (GENERALIZED_TIME, 15) => {
            let (yyyy, digits) = contents.split_at_checked(4)?;
            (number(yyyy)?, digits)
        }
        _ => return None,
    };
    let (fields, zulu) = digits.split_at_checked(10)?;
    if zulu != b"Z" {
        return None;
    }
    let field = |i: usize| fields.get(i..i + 2).and_then(number);
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_since_epoch(year, month, day)?;
    let seconds = days
        .checked_mul(86_400)?
        .checked_add(hour * 3600 + minute * 60 + second)?;
    Some((seconds, rest))
}

/// ASCII decimal digits as a number; `None` for anything but digits.
fn number(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + u64::from(d - b'0'))
    })
}

fn is_leap(year: u64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian); `None` before 1970.
fn days_since_epoch(year: u64, month: u64, day: u64) -> Option<u64> {
    // Days before `year` since year 0, by the Gregorian leap rule, counted from March so
    // that the leap day falls at the end.
    let (y, m) = if month <= 2 {
        (year.checked_sub(1)?, month + 9)
    } else {
        (year, month - 3)
    };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1;
    // 719_468: the same count for 1970-03-01 minus the 59 days of 1970's January and
    // February, i.e. for 1970-01-01.
    days.checked_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        assert_eq!(tlv(SEQUENCE, &[1, 2]), vec![0x30, 2, 1, 2]);
        let long = tlv(SEQUENCE, &[7u8; 300]);
        assert_eq!(&long[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
        assert_eq!(&tlv(0x04, &[0u8; 128])[..3], &[0x04, 0x81, 0x80]);
    }

    #[test]
    fn read_tlv_round_trips_and_refuses_truncation() {
        let long = tlv(SEQUENCE, &[7u8; 300]);
        let (tag, contents, rest) = read_tlv(&long).unwrap();
        assert_eq!((tag, contents.len(), rest.len()), (SEQUENCE, 300, 0));
        assert!(read_tlv(&long[..long.len() - 1]).is_none());
        assert!(read_tlv(&[0x30, 0x80, 0, 0]).is_none(), "indefinite length");
        assert!(read_tlv(&[0x30]).is_none());
    }

    fn time_of(tag: u8, text: &str) -> Option<u64> {
        time(&tlv(tag, text.as_bytes())).map(|(t, _)| t)
    }

    #[test]
    fn times_in_both_forms() {
        assert_eq!(time_of(UTC_TIME, "700101000000Z"), Some(0));
        // 2030-01-01T00:00:00Z, the chain tests' "now".
        assert_eq!(time_of(UTC_TIME, "300101000000Z"), Some(1_893_456_000));
        assert_eq!(
            time_of(GENERALIZED_TIME, "20300101000000Z"),
            Some(1_893_456_000)
        );
        // 2000 was a leap year: 2000-03-01 is 11017 days after the epoch.
        assert_eq!(time_of(UTC_TIME, "000301000000Z"), Some(11_017 * 86_400));
        assert_eq!(
            time_of(GENERALIZED_TIME, "99991231235959Z"),
            Some(253_402_300_799)
        );
        assert_eq!(time_of(UTC_TIME, "991231235959Z"), Some(946_684_799));
    }

    #[test]
    fn times_rfc_5280_forbids_are_refused() {
        for (tag, text) in [
            (UTC_TIME, "300101000000"),              // no Z
            (UTC_TIME, "3001010000Z"),               // no seconds
            (UTC_TIME, "300101000000+0100"),         // an offset
            (GENERALIZED_TIME, "20300101000000.5Z"), // a fraction
            (UTC_TIME, "301301000000Z"),             // month 13
            (UTC_TIME, "310229000000Z"),             // 2031 is no leap year
            (UTC_TIME, "300101240000Z"),             // hour 24
            (UTC_TIME, "3001a1000000Z"),             // not a digit
            (GENERALIZED_TIME, "19691231235959Z"),   // before the epoch
            (0x04, "300101000000Z"),                 // not a time
        ] {
            assert_eq!(time_of(tag, text), None, "{text}");
        }
    }
}
