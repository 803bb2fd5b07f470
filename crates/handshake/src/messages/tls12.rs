//! The TLS 1.2 ECDHE key exchange messages (RFC 8422 §5.4, §5.7; RFC 5246 §7.4.3, §7.4.7).

use std::borrow::Cow;

use bytes::BytesMut;
use strata_codec::{put_opaque, u8, Bounds, Decode, DecodeError, Encode, LengthPrefix, Res};

use super::certificate::DigitallySigned;
use crate::wire::{opaque, own};
use crate::{HandshakeError, NamedGroup};

/// ECCurveType named_curve (RFC 8422 §5.4); explicit curves are deprecated and refused.
const NAMED_CURVE: u8 = 3;
/// `opaque point <1..2^8-1>`.
const POINT: Bounds = Bounds::new(1, 0xff);

/// ServerECDHParams: the group and the server's ephemeral public value (RFC 8422 §5.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheParams<'a> {
    /// The named group.
    pub group: NamedGroup,
    /// The public value in the group's encoding.
    pub public: Cow<'a, [u8]>,
}

impl EcdheParams<'_> {
    /// The bytes a ServerKeyExchange's signature covers (RFC 8422 §5.4:
    /// ClientHello.random + ServerHello.random + ServerECDHParams): the server signs them
    /// before the message exists.
    pub fn signed_message(&self, client_random: &[u8; 32], server_random: &[u8; 32]) -> Vec<u8> {
        let mut out = BytesMut::with_capacity(64 + 4 + self.public.len());
        out.extend_from_slice(client_random);
        out.extend_from_slice(server_random);
        self.encode(&mut out);
        // The buffer's allocation is handed over, not copied.
        Vec::from(out)
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> EcdheParams<'static> {
        EcdheParams {
            group: self.group,
            public: own(self.public),
        }
    }
}

impl<'a> Decode<'a> for EcdheParams<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, curve_type) = u8(input)?;
        if curve_type != NAMED_CURVE {
            return Err(nom::Err::Error(DecodeError::illegal(
                "curve_type",
                "only named_curve is allowed (RFC 8422 §5.4)",
            )));
        }
        let (input, group) = NamedGroup::decode(input)?;
        let (input, public) = opaque(LengthPrefix::U8, POINT, "point")(input)?;
        Ok((input, Self { group, public }))
    }
}

impl Encode for EcdheParams<'_> {
    fn encode(&self, out: &mut BytesMut) {
        NAMED_CURVE.encode(out);
        self.group.encode(out);
        put_opaque(out, LengthPrefix::U8, &self.public);
    }
}

/// ServerKeyExchange for ECDHE suites: the parameters and the server's signature over
/// client_random + server_random + params (RFC 8422 §5.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchange<'a> {
    /// The ephemeral parameters.
    pub params: EcdheParams<'a>,
    /// The signature.
    pub signed: DigitallySigned<'a>,
}

impl<'a> ServerKeyExchange<'a> {
    /// Parses a ServerKeyExchange body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let parse = |input: &'a [u8]| -> Res<'a, Self> {
            let (input, params) = EcdheParams::decode(input)?;
            let (input, signed) = DigitallySigned::decode(input)?;
            Ok((input, Self { params, signed }))
        };
        strata_codec::decode_exact(body, "ServerKeyExchange", parse).map_err(|source| {
            HandshakeError::Decode {
                context: "ServerKeyExchange",
                source,
            }
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> ServerKeyExchange<'static> {
        ServerKeyExchange {
            params: self.params.into_owned(),
            signed: self.signed.into_owned(),
        }
    }
}

impl Encode for ServerKeyExchange<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.params.encode(out);
        self.signed.encode(out);
    }
}

/// ClientKeyExchange for ECDHE suites: the client's public value (RFC 8422 §5.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientKeyExchange<'a> {
    /// `opaque point <1..2^8-1>`.
    pub public: Cow<'a, [u8]>,
}

impl<'a> ClientKeyExchange<'a> {
    /// Parses a ClientKeyExchange body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        strata_codec::decode_exact(
            body,
            "ClientKeyExchange",
            opaque(LengthPrefix::U8, POINT, "point"),
        )
        .map(|public| Self { public })
        .map_err(|source| HandshakeError::Decode {
            context: "ClientKeyExchange",
            source,
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> ClientKeyExchange<'static> {
        ClientKeyExchange {
            public: own(self.public),
        }
    }
}

impl Encode for ClientKeyExchange<'_> {
    fn encode(&self, out: &mut BytesMut) {
        put_opaque(out, LengthPrefix::U8, &self.public);
    }
}
