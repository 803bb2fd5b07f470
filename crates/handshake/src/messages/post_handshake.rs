//! The messages that may follow the handshake: NewSessionTicket (RFC 8446 §4.6.1,
//! RFC 5077 §3.3) and KeyUpdate (RFC 8446 §4.6.3).

use std::borrow::Cow;

use bytes::BytesMut;
use strata_codec::{put_opaque, u32, Bounds, Encode, LengthPrefix, Res};

use super::{decode_error, exact};
use crate::extensions::{ExtensionContext, Extensions};
use crate::wire::{opaque, own};
use crate::HandshakeError;

/// TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicketTls13<'a> {
    /// `ticket_lifetime` in seconds, at most 604800 (the state machine's check).
    pub lifetime: u32,
    /// `ticket_age_add`: obscures the ticket age the client reports.
    pub age_add: u32,
    /// `ticket_nonce<0..255>`: input to the resumption PSK.
    pub nonce: Cow<'a, [u8]>,
    /// `ticket<1..2^16-1>`: opaque to the client.
    pub ticket: Cow<'a, [u8]>,
    /// The extensions (early_data).
    pub extensions: Extensions<'a>,
}

impl<'a> NewSessionTicketTls13<'a> {
    /// Parses a TLS 1.3 NewSessionTicket body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let fixed = |input: &'a [u8]| -> Res<'a, _> {
            let (input, lifetime) = u32(input)?;
            let (input, age_add) = u32(input)?;
            let (input, nonce) =
                opaque(LengthPrefix::U8, Bounds::new(0, 255), "ticket_nonce")(input)?;
            let (input, ticket) =
                opaque(LengthPrefix::U16, Bounds::new(1, 0xffff), "ticket")(input)?;
            Ok((input, (lifetime, age_add, nonce, ticket)))
        };
        let (rest, (lifetime, age_add, nonce, ticket)) =
            fixed(body).map_err(|e| decode_error("NewSessionTicket", e))?;
        let (rest, extensions) = Extensions::decode(rest, ExtensionContext::NewSessionTicket)?;
        exact("NewSessionTicket", rest)?;
        Ok(Self {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> NewSessionTicketTls13<'static> {
        NewSessionTicketTls13 {
            lifetime: self.lifetime,
            age_add: self.age_add,
            nonce: own(self.nonce),
            ticket: own(self.ticket),
            extensions: self.extensions.into_owned(),
        }
    }
}

impl Encode for NewSessionTicketTls13<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.lifetime.encode(out);
        self.age_add.encode(out);
        put_opaque(out, LengthPrefix::U8, &self.nonce);
        put_opaque(out, LengthPrefix::U16, &self.ticket);
        self.extensions.encode(out);
    }
}

/// TLS 1.2 NewSessionTicket (RFC 5077 §3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicketTls12<'a> {
    /// `ticket_lifetime_hint` in seconds; 0 means unspecified.
    pub lifetime_hint: u32,
    /// `opaque ticket<0..2^16-1>`.
    pub ticket: Cow<'a, [u8]>,
}

impl<'a> NewSessionTicketTls12<'a> {
    /// Parses a TLS 1.2 NewSessionTicket body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let parse = |input: &'a [u8]| -> Res<'a, Self> {
            let (input, lifetime_hint) = u32(input)?;
            let (input, ticket) =
                opaque(LengthPrefix::U16, Bounds::new(0, 0xffff), "ticket")(input)?;
            Ok((
                input,
                Self {
                    lifetime_hint,
                    ticket,
                },
            ))
        };
        strata_codec::decode_exact(body, "NewSessionTicket", parse).map_err(|source| {
            HandshakeError::Decode {
                context: "NewSessionTicket",
                source,
            }
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> NewSessionTicketTls12<'static> {
        NewSessionTicketTls12 {
            lifetime_hint: self.lifetime_hint,
            ticket: own(self.ticket),
        }
    }
}

impl Encode for NewSessionTicketTls12<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.lifetime_hint.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.ticket);
    }
}

/// KeyUpdate's `request_update` (RFC 8446 §4.6.3). Any other value is illegal_parameter,
/// so this is a plain enum, not a registry that keeps unknown values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyUpdateRequest {
    /// update_not_requested(0): the sender updated its keys; nothing to answer.
    UpdateNotRequested,
    /// update_requested(1): the receiver must update its own sending keys too.
    UpdateRequested,
}

impl KeyUpdateRequest {
    /// Parses a KeyUpdate body.
    pub fn decode(body: &[u8]) -> Result<Self, HandshakeError> {
        match body {
            [0] => Ok(Self::UpdateNotRequested),
            [1] => Ok(Self::UpdateRequested),
            [_] => Err(HandshakeError::IllegalParameter(
                "KeyUpdate request_update is not 0 or 1",
            )),
            _ => Err(HandshakeError::Decode {
                context: "KeyUpdate",
                source: strata_codec::DecodeError::new(
                    "request_update",
                    strata_codec::DecodeErrorKind::LengthOutOfRange {
                        len: body.len(),
                        min: 1,
                        max: 1,
                    },
                ),
            }),
        }
    }
}

impl Encode for KeyUpdateRequest {
    fn encode(&self, out: &mut BytesMut) {
        let value: u8 = match self {
            Self::UpdateNotRequested => 0,
            Self::UpdateRequested => 1,
        };
        value.encode(out);
    }
}
