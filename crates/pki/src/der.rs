//! The little DER *encoding* strata-pki needs: a tag-length-value header around bytes it
//! already holds (a Name's SEQUENCE, a PKCS#8 wrapper for a SEC1 key). It never parses
//! DER: webpki and ring do that.

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
}
