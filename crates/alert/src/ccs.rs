//! The ChangeCipherSpec message (RFC 5246 §7.1; RFC 8446 §5 and Appendix D.4).

use bytes::{BufMut, BytesMut};
use strata_codec::Encode;

use crate::AlertError;

/// The ChangeCipherSpec message: a record of the single byte 1.
///
/// In TLS 1.2 it tells the peer that the following records are protected under the
/// newly negotiated keys. In TLS 1.3 it means nothing: it is sent for middlebox
/// compatibility and dropped on receipt when it comes at an allowed time (RFC 8446 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangeCipherSpec;

impl ChangeCipherSpec {
    /// The only value the message may carry.
    pub const VALUE: u8 = 1;

    /// Parses the body of a change_cipher_spec record, which must be exactly the byte 1.
    pub fn parse_record(body: &[u8]) -> Result<Self, AlertError> {
        match body {
            [Self::VALUE] => Ok(Self),
            [other] => Err(AlertError::ChangeCipherSpecValue(*other)),
            _ => Err(AlertError::ChangeCipherSpecLength(body.len())),
        }
    }
}

impl Encode for ChangeCipherSpec {
    fn encode(&self, out: &mut BytesMut) {
        out.put_u8(Self::VALUE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AlertDescription as D;

    #[test]
    fn the_single_byte_one_is_accepted_and_written() {
        assert_eq!(ChangeCipherSpec::parse_record(&[1]), Ok(ChangeCipherSpec));
        assert_eq!(&ChangeCipherSpec.to_bytes()[..], &[1]);
    }

    #[test]
    fn another_value_is_unexpected_message_in_tls13_and_illegal_parameter_in_tls12() {
        let err = ChangeCipherSpec::parse_record(&[0]).unwrap_err();
        assert_eq!(err, AlertError::ChangeCipherSpecValue(0));
        assert_eq!(err.alert_tls13(), D::UnexpectedMessage);
        assert_eq!(err.alert_tls12(), D::IllegalParameter);
    }

    #[test]
    fn a_wrong_length_is_unexpected_message_in_tls13_and_decode_error_in_tls12() {
        for body in [&[][..], &[1, 1][..], &[1, 0, 0][..]] {
            let err = ChangeCipherSpec::parse_record(body).unwrap_err();
            assert_eq!(err, AlertError::ChangeCipherSpecLength(body.len()));
            assert_eq!(err.alert_tls13(), D::UnexpectedMessage);
            assert_eq!(err.alert_tls12(), D::DecodeError);
        }
    }
}
