//! Handshake messages (RFC 8446 §4, RFC 5246 §7.4): each parsed borrowing from its input
//! and encoded with the codec's [`Encode`].
//!
//! A handshake message is `msg_type` (one byte), a 3-byte length and the body. Some bodies
//! have two forms, one per protocol version (Certificate, CertificateRequest,
//! NewSessionTicket), so [`HandshakeMessage::decode`] takes the [`TlsVersion`] the
//! connection is speaking; hellos are the same in both.

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};
use strata_codec::{put_length_prefixed, Bounds, DecodeError, Encode, LengthPrefix};
pub use strata_pki::TlsVersion;

use crate::extensions::{ExtensionContext, Extensions};
use crate::wire::own;
use crate::{HandshakeError, HandshakeType};

mod certificate;
mod hello;
mod post_handshake;
mod tls12;

pub use certificate::{
    CertificateEntry, CertificateRequestTls12, CertificateRequestTls13, CertificateTls12,
    CertificateTls13, ClientCertificateType, DigitallySigned,
};
pub use hello::{
    ClientHello, HelloRetryRequest, ServerHello, ServerHelloKind, HELLO_RETRY_REQUEST_RANDOM,
};
pub use post_handshake::{KeyUpdateRequest, NewSessionTicketTls12, NewSessionTicketTls13};
pub use tls12::{ClientKeyExchange, EcdheParams, ServerKeyExchange};

/// The 4-byte handshake header: `msg_type` and `uint24 length`.
pub const HEADER_LEN: usize = 4;

/// Turns a nom error from one message's parser into a [`HandshakeError`].
pub(crate) fn decode_error(context: &'static str, err: nom::Err<DecodeError>) -> HandshakeError {
    HandshakeError::Decode {
        context,
        source: DecodeError::from_nom(err, context),
    }
}

/// Fails if a message body has bytes left after its last field.
pub(crate) fn exact(context: &'static str, rest: &[u8]) -> Result<(), HandshakeError> {
    if rest.is_empty() {
        return Ok(());
    }
    Err(HandshakeError::Decode {
        context,
        source: DecodeError::new(
            context,
            strata_codec::DecodeErrorKind::TrailingBytes { extra: rest.len() },
        ),
    })
}

/// One handshake message as framing delivers it: its type and body, not yet parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// `msg_type`.
    pub ty: HandshakeType,
    /// The body (after the 4-byte header).
    pub body: &'a [u8],
    /// The whole message, header included: what the transcript hashes.
    pub encoded: &'a [u8],
}

impl<'a> RawMessage<'a> {
    /// Splits one whole message (header and exactly `length` bytes of body).
    pub fn from_encoded(encoded: &'a [u8]) -> Result<Self, HandshakeError> {
        let parse = |input: &'a [u8]| -> strata_codec::Res<'a, (HandshakeType, &'a [u8])> {
            let (input, ty) = strata_codec::u8(input)?;
            let (input, body) = strata_codec::length_prefixed(
                LengthPrefix::U24,
                Bounds::new(0, 0xff_ffff),
                "body",
            )(input)?;
            Ok((input, (HandshakeType::from(ty), body)))
        };
        let (ty, body) =
            strata_codec::decode_exact(encoded, "handshake message", parse).map_err(|source| {
                HandshakeError::Decode {
                    context: "handshake message",
                    source,
                }
            })?;
        Ok(Self { ty, body, encoded })
    }
}

/// Finished: `verify_data`, Hash.length bytes in TLS 1.3 (RFC 8446 §4.4.4), 12 in TLS 1.2
/// (RFC 5246 §7.4.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished<'a> {
    /// The verify_data.
    pub verify_data: Cow<'a, [u8]>,
}

/// The lengths a verify_data may have: 12 (TLS 1.2) to 48 (TLS 1.3 with SHA-384).
const VERIFY_DATA: Bounds = Bounds::new(12, 48);

/// EncryptedExtensions (RFC 8446 §4.3.1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptedExtensions<'a> {
    /// The extensions.
    pub extensions: Extensions<'a>,
}

/// One handshake message, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeMessage<'a> {
    /// HelloRequest (TLS 1.2, RFC 5246 §7.4.1.1): empty; strata answers no_renegotiation.
    HelloRequest,
    /// ClientHello.
    ClientHello(ClientHello<'a>),
    /// ServerHello.
    ServerHello(ServerHello<'a>),
    /// HelloRetryRequest.
    HelloRetryRequest(HelloRetryRequest<'a>),
    /// TLS 1.3 NewSessionTicket.
    NewSessionTicket(NewSessionTicketTls13<'a>),
    /// TLS 1.2 NewSessionTicket.
    NewSessionTicketTls12(NewSessionTicketTls12<'a>),
    /// EndOfEarlyData (RFC 8446 §4.5): empty.
    EndOfEarlyData,
    /// EncryptedExtensions.
    EncryptedExtensions(EncryptedExtensions<'a>),
    /// TLS 1.3 Certificate.
    Certificate(CertificateTls13<'a>),
    /// TLS 1.2 Certificate.
    CertificateTls12(CertificateTls12<'a>),
    /// TLS 1.2 ServerKeyExchange (ECDHE).
    ServerKeyExchange(ServerKeyExchange<'a>),
    /// TLS 1.3 CertificateRequest.
    CertificateRequest(CertificateRequestTls13<'a>),
    /// TLS 1.2 CertificateRequest.
    CertificateRequestTls12(CertificateRequestTls12<'a>),
    /// ServerHelloDone (TLS 1.2): empty.
    ServerHelloDone,
    /// CertificateVerify.
    CertificateVerify(DigitallySigned<'a>),
    /// TLS 1.2 ClientKeyExchange (ECDHE).
    ClientKeyExchange(ClientKeyExchange<'a>),
    /// Finished.
    Finished(Finished<'a>),
    /// KeyUpdate.
    KeyUpdate(KeyUpdateRequest),
    /// The synthetic message_hash that stands for ClientHello1 in the transcript after a
    /// HelloRetryRequest (RFC 8446 §4.4.1); never sent.
    MessageHash(Cow<'a, [u8]>),
    /// Any other type, kept as received (the state machine answers unexpected_message).
    Unknown {
        /// The type.
        ty: HandshakeType,
        /// The body.
        body: Cow<'a, [u8]>,
    },
}

fn empty_body(context: &'static str, body: &[u8]) -> Result<(), HandshakeError> {
    exact(context, body)
}

impl<'a> HandshakeMessage<'a> {
    /// Parses one whole message (header included) in the forms of `version`.
    pub fn decode(encoded: &'a [u8], version: TlsVersion) -> Result<Self, HandshakeError> {
        Self::decode_raw(RawMessage::from_encoded(encoded)?, version)
    }

    /// Parses a message that framing has already split.
    pub fn decode_raw(raw: RawMessage<'a>, version: TlsVersion) -> Result<Self, HandshakeError> {
        use HandshakeType as T;
        let body = raw.body;
        let tls13 = version == TlsVersion::Tls13;
        Ok(match raw.ty {
            T::HelloRequest => empty_body("HelloRequest", body).map(|()| Self::HelloRequest)?,
            T::ClientHello => Self::ClientHello(ClientHello::decode(body)?),
            T::ServerHello => match ServerHello::decode(body)? {
                ServerHelloKind::ServerHello(sh) => Self::ServerHello(sh),
                ServerHelloKind::HelloRetryRequest(hrr) => Self::HelloRetryRequest(hrr),
            },
            T::NewSessionTicket if tls13 => {
                Self::NewSessionTicket(NewSessionTicketTls13::decode(body)?)
            }
            T::NewSessionTicket => {
                Self::NewSessionTicketTls12(NewSessionTicketTls12::decode(body)?)
            }
            T::EndOfEarlyData => {
                empty_body("EndOfEarlyData", body).map(|()| Self::EndOfEarlyData)?
            }
            T::EncryptedExtensions => {
                let (rest, extensions) =
                    Extensions::decode(body, ExtensionContext::EncryptedExtensions)?;
                exact("EncryptedExtensions", rest)?;
                Self::EncryptedExtensions(EncryptedExtensions { extensions })
            }
            T::Certificate if tls13 => Self::Certificate(CertificateTls13::decode(body)?),
            T::Certificate => Self::CertificateTls12(CertificateTls12::decode(body)?),
            T::ServerKeyExchange => Self::ServerKeyExchange(ServerKeyExchange::decode(body)?),
            T::CertificateRequest if tls13 => {
                Self::CertificateRequest(CertificateRequestTls13::decode(body)?)
            }
            T::CertificateRequest => {
                Self::CertificateRequestTls12(CertificateRequestTls12::decode(body)?)
            }
            T::ServerHelloDone => {
                empty_body("ServerHelloDone", body).map(|()| Self::ServerHelloDone)?
            }
            T::CertificateVerify => Self::CertificateVerify(
                strata_codec::decode_exact(
                    body,
                    "CertificateVerify",
                    <DigitallySigned as strata_codec::Decode>::decode,
                )
                .map_err(|source| HandshakeError::Decode {
                    context: "CertificateVerify",
                    source,
                })?,
            ),
            T::ClientKeyExchange => Self::ClientKeyExchange(ClientKeyExchange::decode(body)?),
            T::Finished => Self::Finished(Finished {
                verify_data: strata_codec::decode_exact(body, "Finished", |input| {
                    if VERIFY_DATA.contains(input.len()) {
                        Ok((&[][..], Cow::Borrowed(input)))
                    } else {
                        Err(nom::Err::Error(DecodeError::new(
                            "verify_data",
                            strata_codec::DecodeErrorKind::LengthOutOfRange {
                                len: input.len(),
                                min: VERIFY_DATA.min,
                                max: VERIFY_DATA.max,
                            },
                        )))
                    }
                })
                .map_err(|source| HandshakeError::Decode {
                    context: "Finished",
                    source,
                })?,
            }),
            T::KeyUpdate => Self::KeyUpdate(KeyUpdateRequest::decode(body)?),
            T::MessageHash => Self::MessageHash(Cow::Borrowed(body)),
            ty => Self::Unknown {
                ty,
                body: Cow::Borrowed(body),
            },
        })
    }

    /// The message's type.
    pub fn ty(&self) -> HandshakeType {
        use HandshakeType as T;
        match self {
            Self::HelloRequest => T::HelloRequest,
            Self::ClientHello(_) => T::ClientHello,
            Self::ServerHello(_) | Self::HelloRetryRequest(_) => T::ServerHello,
            Self::NewSessionTicket(_) | Self::NewSessionTicketTls12(_) => T::NewSessionTicket,
            Self::EndOfEarlyData => T::EndOfEarlyData,
            Self::EncryptedExtensions(_) => T::EncryptedExtensions,
            Self::Certificate(_) | Self::CertificateTls12(_) => T::Certificate,
            Self::ServerKeyExchange(_) => T::ServerKeyExchange,
            Self::CertificateRequest(_) | Self::CertificateRequestTls12(_) => T::CertificateRequest,
            Self::ServerHelloDone => T::ServerHelloDone,
            Self::CertificateVerify(_) => T::CertificateVerify,
            Self::ClientKeyExchange(_) => T::ClientKeyExchange,
            Self::Finished(_) => T::Finished,
            Self::KeyUpdate(_) => T::KeyUpdate,
            Self::MessageHash(_) => T::MessageHash,
            Self::Unknown { ty, .. } => *ty,
        }
    }

    /// Writes the body alone.
    pub fn encode_body(&self, out: &mut BytesMut) {
        match self {
            Self::HelloRequest | Self::EndOfEarlyData | Self::ServerHelloDone => {}
            Self::ClientHello(m) => m.encode(out),
            Self::ServerHello(m) => m.encode(out),
            Self::HelloRetryRequest(m) => m.encode(out),
            Self::NewSessionTicket(m) => m.encode(out),
            Self::NewSessionTicketTls12(m) => m.encode(out),
            Self::EncryptedExtensions(m) => m.extensions.encode(out),
            Self::Certificate(m) => m.encode(out),
            Self::CertificateTls12(m) => m.encode(out),
            Self::ServerKeyExchange(m) => m.encode(out),
            Self::CertificateRequest(m) => m.encode(out),
            Self::CertificateRequestTls12(m) => m.encode(out),
            Self::CertificateVerify(m) => m.encode(out),
            Self::ClientKeyExchange(m) => m.encode(out),
            Self::Finished(m) => out.put_slice(&m.verify_data),
            Self::KeyUpdate(m) => m.encode(out),
            Self::MessageHash(hash) => out.put_slice(hash),
            Self::Unknown { body, .. } => out.put_slice(body),
        }
    }

    /// A copy that owns its bytes, to keep past the buffer it was parsed from.
    pub fn into_owned(self) -> HandshakeMessage<'static> {
        use HandshakeMessage as M;
        match self {
            Self::HelloRequest => M::HelloRequest,
            Self::ClientHello(m) => M::ClientHello(m.into_owned()),
            Self::ServerHello(m) => M::ServerHello(m.into_owned()),
            Self::HelloRetryRequest(m) => M::HelloRetryRequest(m.into_owned()),
            Self::NewSessionTicket(m) => M::NewSessionTicket(m.into_owned()),
            Self::NewSessionTicketTls12(m) => M::NewSessionTicketTls12(m.into_owned()),
            Self::EndOfEarlyData => M::EndOfEarlyData,
            Self::EncryptedExtensions(m) => M::EncryptedExtensions(EncryptedExtensions {
                extensions: m.extensions.into_owned(),
            }),
            Self::Certificate(m) => M::Certificate(m.into_owned()),
            Self::CertificateTls12(m) => M::CertificateTls12(m.into_owned()),
            Self::ServerKeyExchange(m) => M::ServerKeyExchange(m.into_owned()),
            Self::CertificateRequest(m) => M::CertificateRequest(m.into_owned()),
            Self::CertificateRequestTls12(m) => M::CertificateRequestTls12(m.into_owned()),
            Self::ServerHelloDone => M::ServerHelloDone,
            Self::CertificateVerify(m) => M::CertificateVerify(m.into_owned()),
            Self::ClientKeyExchange(m) => M::ClientKeyExchange(m.into_owned()),
            Self::Finished(m) => M::Finished(Finished {
                verify_data: own(m.verify_data),
            }),
            Self::KeyUpdate(m) => M::KeyUpdate(m),
            Self::MessageHash(h) => M::MessageHash(own(h)),
            Self::Unknown { ty, body } => M::Unknown {
                ty,
                body: own(body),
            },
        }
    }
}

impl Encode for HandshakeMessage<'_> {
    /// Writes the header and the body, the length filled in place.
    fn encode(&self, out: &mut BytesMut) {
        self.ty().encode(out);
        put_length_prefixed(out, LengthPrefix::U24, |out| self.encode_body(out));
    }
}

/// The handshake messages of a flight, one by one, each with its 4-byte header: how the
/// bytes of an [`Action::Send`](crate::machine::Action::Send) come apart. A truncated
/// message at the end (which no machine writes) ends the iteration.
pub fn split_messages(flight: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = flight;
    std::iter::from_fn(move || {
        let [_, a, b, c] = *rest.first_chunk::<HEADER_LEN>()?;
        let len = HEADER_LEN + u32::from_be_bytes([0, a, b, c]) as usize;
        let (message, tail) = rest.split_at_checked(len)?;
        rest = tail;
        Some(message)
    })
}

/// The message_hash that replaces ClientHello1 in the transcript (RFC 8446 §4.4.1):
/// `254, 0, 0, Hash.length, Hash(ClientHello1)`.
pub fn message_hash(hash_of_client_hello1: &[u8]) -> HandshakeMessage<'_> {
    HandshakeMessage::MessageHash(Cow::Borrowed(hash_of_client_hello1))
}
