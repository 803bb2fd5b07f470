//! The structures that live inside extension bodies.

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};
use strata_codec::{put_opaque, u32, u8, vector_of, Bounds, Decode, Encode, LengthPrefix, Res};

use crate::wire::{opaque, own};

use crate::NamedGroup;

strata_codec::codepoint! {
    /// The kind of name in a server_name entry (RFC 6066 §3).
    pub enum ServerNameType: u8 {
        /// A DNS host name.
        HostName = 0 => "host_name",
    }
}

/// One entry of the client's server_name list (RFC 6066 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerName<'a> {
    /// The kind of name; only host_name is defined.
    pub name_type: ServerNameType,
    /// The name: for host_name, the ASCII DNS name without a trailing dot.
    pub name: Cow<'a, [u8]>,
}

impl<'a> ServerName<'a> {
    /// A host_name entry.
    pub fn host_name(name: &'a str) -> Self {
        Self {
            name_type: ServerNameType::HostName,
            name: Cow::Borrowed(name.as_bytes()),
        }
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> ServerName<'static> {
        ServerName {
            name_type: self.name_type,
            name: own(self.name),
        }
    }
}

impl<'a> Decode<'a> for ServerName<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, name_type) = ServerNameType::decode(input)?;
        let (input, name) = opaque(LengthPrefix::U16, Bounds::new(1, 0xffff), "HostName")(input)?;
        Ok((input, Self { name_type, name }))
    }
}

impl Encode for ServerName<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.name_type.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.name);
    }
}

/// The client's status_request (RFC 6066 §8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateStatusRequest<'a> {
    /// status_type ocsp(1): `ResponderID responder_id_list<0..2^16-1>; Extensions
    /// request_extensions` (both kept as raw DER vectors).
    Ocsp {
        /// The encoded responder IDs.
        responder_id_list: Cow<'a, [u8]>,
        /// The encoded OCSP request extensions.
        request_extensions: Cow<'a, [u8]>,
    },
    /// Another status type, with its body kept as received.
    Other {
        /// The status type.
        status_type: u8,
        /// The body.
        data: Cow<'a, [u8]>,
    },
}

/// CertificateStatusType ocsp (RFC 6066 §8).
const STATUS_TYPE_OCSP: u8 = 1;

impl CertificateStatusRequest<'_> {
    /// A copy that owns its bytes.
    pub fn into_owned(self) -> CertificateStatusRequest<'static> {
        match self {
            Self::Ocsp {
                responder_id_list,
                request_extensions,
            } => CertificateStatusRequest::Ocsp {
                responder_id_list: own(responder_id_list),
                request_extensions: own(request_extensions),
            },
            Self::Other { status_type, data } => CertificateStatusRequest::Other {
                status_type,
                data: own(data),
            },
        }
    }
}

impl<'a> Decode<'a> for CertificateStatusRequest<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, status_type) = u8(input)?;
        if status_type != STATUS_TYPE_OCSP {
            return Ok((
                &[],
                Self::Other {
                    status_type,
                    data: Cow::Borrowed(input),
                },
            ));
        }
        let any = Bounds::new(0, 0xffff);
        let (input, responder_id_list) =
            opaque(LengthPrefix::U16, any, "responder_id_list")(input)?;
        let (input, request_extensions) =
            opaque(LengthPrefix::U16, any, "request_extensions")(input)?;
        Ok((
            input,
            Self::Ocsp {
                responder_id_list,
                request_extensions,
            },
        ))
    }
}

impl Encode for CertificateStatusRequest<'_> {
    fn encode(&self, out: &mut BytesMut) {
        match self {
            Self::Ocsp {
                responder_id_list,
                request_extensions,
            } => {
                STATUS_TYPE_OCSP.encode(out);
                put_opaque(out, LengthPrefix::U16, responder_id_list);
                put_opaque(out, LengthPrefix::U16, request_extensions);
            }
            Self::Other { status_type, data } => {
                status_type.encode(out);
                out.put_slice(data);
            }
        }
    }
}

/// A key share: a group and a public value (RFC 8446 §4.2.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry<'a> {
    /// The group.
    pub group: NamedGroup,
    /// `opaque key_exchange<1..2^16-1>`: the public value in the group's encoding.
    pub key_exchange: Cow<'a, [u8]>,
}

impl KeyShareEntry<'_> {
    /// A copy that owns its bytes.
    pub fn into_owned(self) -> KeyShareEntry<'static> {
        KeyShareEntry {
            group: self.group,
            key_exchange: own(self.key_exchange),
        }
    }
}

impl<'a> Decode<'a> for KeyShareEntry<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, group) = NamedGroup::decode(input)?;
        let (input, key_exchange) =
            opaque(LengthPrefix::U16, Bounds::new(1, 0xffff), "key_exchange")(input)?;
        Ok((
            input,
            Self {
                group,
                key_exchange,
            },
        ))
    }
}

impl Encode for KeyShareEntry<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.group.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.key_exchange);
    }
}

strata_codec::codepoint! {
    /// A PSK key exchange mode (RFC 8446 §4.2.9).
    pub enum PskKeyExchangeMode: u8 {
        /// PSK-only key establishment.
        PskKe = 0 => "psk_ke",
        /// PSK with (EC)DHE key establishment.
        PskDheKe = 1 => "psk_dhe_ke",
    }
}

/// One PSK identity the client offers (RFC 8446 §4.2.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity<'a> {
    /// `opaque identity<1..2^16-1>`: a ticket or an external PSK's name.
    pub identity: Cow<'a, [u8]>,
    /// The ticket's age in milliseconds plus ticket_age_add, mod 2^32.
    pub obfuscated_ticket_age: u32,
}

impl<'a> Decode<'a> for PskIdentity<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, identity) =
            opaque(LengthPrefix::U16, Bounds::new(1, 0xffff), "identity")(input)?;
        let (input, obfuscated_ticket_age) = u32(input)?;
        Ok((
            input,
            Self {
                identity,
                obfuscated_ticket_age,
            },
        ))
    }
}

impl Encode for PskIdentity<'_> {
    fn encode(&self, out: &mut BytesMut) {
        put_opaque(out, LengthPrefix::U16, &self.identity);
        self.obfuscated_ticket_age.encode(out);
    }
}

/// The client's pre_shared_key: identities and one binder per identity (RFC 8446
/// §4.2.11). Equal counts are the state machine's check (illegal_parameter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedPsks<'a> {
    /// `PskIdentity identities<7..2^16-1>`.
    pub identities: Vec<PskIdentity<'a>>,
    /// `PskBinderEntry binders<33..2^16-1>`, each `opaque<32..255>`.
    pub binders: Vec<Cow<'a, [u8]>>,
}

impl OfferedPsks<'_> {
    /// The length of the encoded binders list, length prefix included: the part of the
    /// ClientHello that the binders do not cover (RFC 8446 §4.2.11.2).
    pub fn binders_encoded_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> OfferedPsks<'static> {
        OfferedPsks {
            identities: self
                .identities
                .into_iter()
                .map(|i| PskIdentity {
                    identity: own(i.identity),
                    obfuscated_ticket_age: i.obfuscated_ticket_age,
                })
                .collect(),
            binders: self.binders.into_iter().map(own).collect(),
        }
    }
}

impl<'a> Decode<'a> for OfferedPsks<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, identities) = vector_of(
            LengthPrefix::U16,
            Bounds::new(7, 0xffff),
            "identities",
            PskIdentity::decode,
        )(input)?;
        let (input, binders) = vector_of(
            LengthPrefix::U16,
            Bounds::new(33, 0xffff),
            "binders",
            opaque(LengthPrefix::U8, Bounds::new(32, 255), "PskBinderEntry"),
        )(input)?;
        Ok((
            input,
            Self {
                identities,
                binders,
            },
        ))
    }
}

impl Encode for OfferedPsks<'_> {
    fn encode(&self, out: &mut BytesMut) {
        strata_codec::put_vector(out, LengthPrefix::U16, &self.identities);
        strata_codec::put_length_prefixed(out, LengthPrefix::U16, |out| {
            for binder in &self.binders {
                put_opaque(out, LengthPrefix::U8, binder);
            }
        });
    }
}
