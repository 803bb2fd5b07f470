//! Extensions (RFC 8446 §4.2 and the RFCs named beside each): their forms in each message,
//! where each may appear, and the rule that none appears twice.
//!
//! An extension's body depends on the message that carries it (key_share is a list in
//! ClientHello, one entry in ServerHello and a bare group in HelloRetryRequest), so
//! [`Extensions::decode`] takes the [`ExtensionContext`]. Extensions that strata does not
//! interpret are kept as [`Extension::Unknown`] with their bytes, so that a message
//! re-encodes exactly as it was received.

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};
use strata_codec::{
    decode_exact, length_prefixed, put_length_prefixed, put_opaque, put_vector, u16, u32, u8,
    vector_of, Bounds, Decode, DecodeError, Encode, LengthPrefix, Res,
};
use strata_pki::SignatureScheme;
use strata_record::ProtocolVersion;

use crate::list::CodePoints;
use crate::wire::{opaque, own};
use crate::{ExtensionType, HandshakeError, HandshakeType, NamedGroup};

mod types;

pub use types::{
    CertificateStatusRequest, KeyShareEntry, OfferedPsks, PskIdentity, PskKeyExchangeMode,
    ServerName, ServerNameType,
};

/// The message an extension block belongs to, which decides each extension's form and
/// whether it may appear at all (RFC 8446 §4.2's table; RFC 5246 and its extensions for
/// TLS 1.2 ServerHello).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtensionContext {
    /// ClientHello, either version.
    ClientHello,
    /// A TLS 1.2 ServerHello.
    ServerHelloTls12,
    /// A TLS 1.3 ServerHello (one that carries supported_versions).
    ServerHelloTls13,
    /// HelloRetryRequest.
    HelloRetryRequest,
    /// EncryptedExtensions.
    EncryptedExtensions,
    /// A TLS 1.3 CertificateEntry.
    Certificate,
    /// A TLS 1.3 CertificateRequest.
    CertificateRequest,
    /// A TLS 1.3 NewSessionTicket.
    NewSessionTicket,
}

impl ExtensionContext {
    /// The handshake message this context is part of, for error messages.
    pub fn message(self) -> HandshakeType {
        match self {
            Self::ClientHello => HandshakeType::ClientHello,
            Self::ServerHelloTls12 | Self::ServerHelloTls13 | Self::HelloRetryRequest => {
                HandshakeType::ServerHello
            }
            Self::EncryptedExtensions => HandshakeType::EncryptedExtensions,
            Self::Certificate => HandshakeType::Certificate,
            Self::CertificateRequest => HandshakeType::CertificateRequest,
            Self::NewSessionTicket => HandshakeType::NewSessionTicket,
        }
    }

    /// Whether an extension of type `ty` may appear here. Types that strata does not know
    /// may appear anywhere (they are the state machine's to refuse); known ones follow
    /// RFC 8446 §4.2 and, for a TLS 1.2 ServerHello, the RFC that defines each.
    pub fn allows(self, ty: ExtensionType) -> bool {
        use ExtensionContext as C;
        use ExtensionType as T;
        match ty {
            T::ServerName | T::MaxFragmentLength | T::ApplicationLayerProtocolNegotiation => {
                matches!(
                    self,
                    C::ClientHello | C::EncryptedExtensions | C::ServerHelloTls12
                )
            }
            T::StatusRequest => matches!(
                self,
                C::ClientHello | C::CertificateRequest | C::Certificate | C::ServerHelloTls12
            ),
            T::SignedCertificateTimestamp => matches!(
                self,
                C::ClientHello | C::CertificateRequest | C::Certificate | C::ServerHelloTls12
            ),
            T::SupportedGroups | T::UseSrtp | T::Heartbeat => {
                matches!(self, C::ClientHello | C::EncryptedExtensions)
            }
            T::ClientCertificateType | T::ServerCertificateType => {
                matches!(self, C::ClientHello | C::EncryptedExtensions)
            }
            T::RecordSizeLimit => {
                matches!(
                    self,
                    C::ClientHello | C::EncryptedExtensions | C::ServerHelloTls12
                )
            }
            T::SignatureAlgorithms | T::SignatureAlgorithmsCert | T::CertificateAuthorities => {
                matches!(self, C::ClientHello | C::CertificateRequest)
            }
            T::EcPointFormats
            | T::ExtendedMasterSecret
            | T::SessionTicket
            | T::RenegotiationInfo
            | T::EncryptThenMac => matches!(self, C::ClientHello | C::ServerHelloTls12),
            T::Padding | T::PskKeyExchangeModes | T::PostHandshakeAuth => self == C::ClientHello,
            T::KeyShare | T::SupportedVersions => matches!(
                self,
                C::ClientHello | C::ServerHelloTls13 | C::HelloRetryRequest
            ),
            T::PreSharedKey => matches!(self, C::ClientHello | C::ServerHelloTls13),
            T::EarlyData => matches!(
                self,
                C::ClientHello | C::EncryptedExtensions | C::NewSessionTicket
            ),
            T::Cookie => matches!(self, C::ClientHello | C::HelloRetryRequest),
            T::OidFilters => self == C::CertificateRequest,
            T::CompressCertificate => matches!(self, C::ClientHello | C::CertificateRequest),
            T::EncryptedClientHello => matches!(
                self,
                C::ClientHello | C::EncryptedExtensions | C::HelloRetryRequest
            ),
            T::Unknown(_) => true,
        }
    }
}

/// One extension, in the form its message gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extension<'a> {
    /// server_name in ClientHello (RFC 6066 §3).
    ServerName(Vec<ServerName<'a>>),
    /// The empty server_name a server returns to say it used the name (RFC 6066 §3).
    ServerNameAck,
    /// max_fragment_length (RFC 6066 §4): 1 = 2^9 … 4 = 2^12.
    MaxFragmentLength(u8),
    /// status_request in ClientHello (RFC 6066 §8).
    StatusRequest(CertificateStatusRequest<'a>),
    /// The empty status_request of a TLS 1.2 ServerHello or a TLS 1.3 CertificateRequest.
    StatusRequestAck,
    /// status_request in a TLS 1.3 CertificateEntry: the OCSP response (RFC 8446 §4.4.2.1).
    CertificateStatus {
        /// The status type (1 = ocsp).
        status_type: u8,
        /// The DER OCSPResponse.
        response: Cow<'a, [u8]>,
    },
    /// supported_groups (RFC 8446 §4.2.7).
    SupportedGroups(CodePoints<'a, NamedGroup>),
    /// ec_point_formats (RFC 8422 §5.1.2); 0 = uncompressed.
    EcPointFormats(Cow<'a, [u8]>),
    /// signature_algorithms (RFC 8446 §4.2.3).
    SignatureAlgorithms(CodePoints<'a, SignatureScheme>),
    /// signature_algorithms_cert (RFC 8446 §4.2.3).
    SignatureAlgorithmsCert(CodePoints<'a, SignatureScheme>),
    /// application_layer_protocol_negotiation (RFC 7301 §3.1): the client's list, or the
    /// server's one choice.
    Alpn(Vec<Cow<'a, [u8]>>),
    /// padding (RFC 7685): zero bytes, kept as received.
    Padding(Cow<'a, [u8]>),
    /// extended_master_secret (RFC 7627 §5.1): empty.
    ExtendedMasterSecret,
    /// record_size_limit (RFC 8449 §4).
    RecordSizeLimit(u16),
    /// session_ticket (RFC 5077 §3.2): a ticket (or nothing) from the client, always
    /// empty from the server.
    SessionTicket(Cow<'a, [u8]>),
    /// pre_shared_key in ClientHello (RFC 8446 §4.2.11).
    PreSharedKey(OfferedPsks<'a>),
    /// pre_shared_key in ServerHello: the identity chosen.
    PreSharedKeySelected(u16),
    /// early_data in ClientHello or EncryptedExtensions: empty (RFC 8446 §4.2.10).
    EarlyData,
    /// early_data in NewSessionTicket: max_early_data_size.
    EarlyDataMax(u32),
    /// supported_versions in ClientHello (RFC 8446 §4.2.1).
    SupportedVersions(CodePoints<'a, ProtocolVersion>),
    /// supported_versions in ServerHello and HelloRetryRequest.
    SelectedVersion(ProtocolVersion),
    /// cookie (RFC 8446 §4.2.2).
    Cookie(Cow<'a, [u8]>),
    /// psk_key_exchange_modes (RFC 8446 §4.2.9).
    PskKeyExchangeModes(CodePoints<'a, PskKeyExchangeMode>),
    /// certificate_authorities (RFC 8446 §4.2.4): DER distinguished names.
    CertificateAuthorities(Vec<Cow<'a, [u8]>>),
    /// post_handshake_auth (RFC 8446 §4.2.6): empty.
    PostHandshakeAuth,
    /// key_share in ClientHello: the client's shares (RFC 8446 §4.2.8).
    KeyShares(Vec<KeyShareEntry<'a>>),
    /// key_share in ServerHello: the server's share.
    KeyShare(KeyShareEntry<'a>),
    /// key_share in HelloRetryRequest: the group the server wants.
    KeyShareRequest(NamedGroup),
    /// renegotiation_info (RFC 5746 §3.2).
    RenegotiationInfo(Cow<'a, [u8]>),
    /// Any other extension, kept as received.
    Unknown {
        /// The extension type.
        ty: ExtensionType,
        /// The body.
        data: Cow<'a, [u8]>,
    },
}

/// The bounds of each extension body field, from the RFCs' presentation language.
mod bounds {
    use strata_codec::Bounds;
    pub const NON_EMPTY_U16: Bounds = Bounds::new(1, 0xffff);
    pub const ANY_U16: Bounds = Bounds::new(0, 0xffff);
    pub const ANY_U8: Bounds = Bounds::new(0, 0xff);
    pub const NON_EMPTY_U8: Bounds = Bounds::new(1, 0xff);
    /// `NamedGroup named_group_list<2..2^16-1>`, `SignatureScheme …<2..2^16-2>`.
    pub const CODE_POINTS_U16: Bounds = Bounds::new(2, 0xfffe);
    /// `ProtocolVersion versions<2..254>`.
    pub const VERSIONS: Bounds = Bounds::new(2, 254);
    /// `ProtocolNameList protocol_name_list<2..2^16-1>`.
    pub const ALPN_LIST: Bounds = Bounds::new(2, 0xffff);
    /// `DistinguishedName authorities<3..2^16-1>`.
    pub const AUTHORITIES: Bounds = Bounds::new(3, 0xffff);
    /// `opaque DistinguishedName<1..2^16-1>`.
    pub const DN: Bounds = Bounds::new(1, 0xffff);
    /// `opaque HostName<1..2^16-1>` and `ServerNameList<1..2^16-1>`.
    pub const SERVER_NAMES: Bounds = Bounds::new(1, 0xffff);
    /// `opaque OCSPResponse<1..2^24-1>`.
    pub const OCSP_RESPONSE: Bounds = Bounds::new(1, 0xff_ffff);
}

fn code_points<'a, T: Copy + for<'b> Decode<'b> + 'a>(
    bounds: Bounds,
    field: &'static str,
) -> impl FnMut(&'a [u8]) -> Res<'a, CodePoints<'a, T>> {
    CodePoints::decoder(LengthPrefix::U16, bounds, field)
}

fn empty(input: &[u8]) -> Res<'_, ()> {
    Ok((input, ()))
}

impl<'a> Extension<'a> {
    /// The extension's type.
    pub fn ty(&self) -> ExtensionType {
        use ExtensionType as T;
        match self {
            Self::ServerName(_) | Self::ServerNameAck => T::ServerName,
            Self::MaxFragmentLength(_) => T::MaxFragmentLength,
            Self::StatusRequest(_) | Self::StatusRequestAck | Self::CertificateStatus { .. } => {
                T::StatusRequest
            }
            Self::SupportedGroups(_) => T::SupportedGroups,
            Self::EcPointFormats(_) => T::EcPointFormats,
            Self::SignatureAlgorithms(_) => T::SignatureAlgorithms,
            Self::SignatureAlgorithmsCert(_) => T::SignatureAlgorithmsCert,
            Self::Alpn(_) => T::ApplicationLayerProtocolNegotiation,
            Self::Padding(_) => T::Padding,
            Self::ExtendedMasterSecret => T::ExtendedMasterSecret,
            Self::RecordSizeLimit(_) => T::RecordSizeLimit,
            Self::SessionTicket(_) => T::SessionTicket,
            Self::PreSharedKey(_) | Self::PreSharedKeySelected(_) => T::PreSharedKey,
            Self::EarlyData | Self::EarlyDataMax(_) => T::EarlyData,
            Self::SupportedVersions(_) | Self::SelectedVersion(_) => T::SupportedVersions,
            Self::Cookie(_) => T::Cookie,
            Self::PskKeyExchangeModes(_) => T::PskKeyExchangeModes,
            Self::CertificateAuthorities(_) => T::CertificateAuthorities,
            Self::PostHandshakeAuth => T::PostHandshakeAuth,
            Self::KeyShares(_) | Self::KeyShare(_) | Self::KeyShareRequest(_) => T::KeyShare,
            Self::RenegotiationInfo(_) => T::RenegotiationInfo,
            Self::Unknown { ty, .. } => *ty,
        }
    }

    /// Decodes the body `data` of an extension of type `ty` in `context`.
    pub fn decode_body(
        ty: ExtensionType,
        data: &'a [u8],
        context: ExtensionContext,
    ) -> Result<Self, DecodeError> {
        use ExtensionContext as C;
        use ExtensionType as T;
        let field = ty.name().unwrap_or("extension");
        let ext = match (ty, context) {
            (T::ServerName, C::ClientHello) => Self::ServerName(decode_exact(
                data,
                field,
                vector_of(
                    LengthPrefix::U16,
                    bounds::SERVER_NAMES,
                    "server_name_list",
                    ServerName::decode,
                ),
            )?),
            (T::ServerName, _) => decode_exact(data, field, empty).map(|()| Self::ServerNameAck)?,
            (T::MaxFragmentLength, _) => Self::MaxFragmentLength(decode_exact(data, field, u8)?),
            (T::StatusRequest, C::ClientHello) => {
                Self::StatusRequest(decode_exact(data, field, CertificateStatusRequest::decode)?)
            }
            (T::StatusRequest, C::Certificate) => decode_exact(data, field, |input| {
                let (input, status_type) = u8(input)?;
                let (input, response) =
                    opaque(LengthPrefix::U24, bounds::OCSP_RESPONSE, "response")(input)?;
                Ok((
                    input,
                    Self::CertificateStatus {
                        status_type,
                        response,
                    },
                ))
            })?,
            (T::StatusRequest, _) => {
                decode_exact(data, field, empty).map(|()| Self::StatusRequestAck)?
            }
            (T::SupportedGroups, _) => Self::SupportedGroups(decode_exact(
                data,
                field,
                code_points(bounds::CODE_POINTS_U16, "named_group_list"),
            )?),
            (T::EcPointFormats, _) => Self::EcPointFormats(decode_exact(
                data,
                field,
                opaque(
                    LengthPrefix::U8,
                    bounds::NON_EMPTY_U8,
                    "ec_point_format_list",
                ),
            )?),
            (T::SignatureAlgorithms, _) => Self::SignatureAlgorithms(decode_exact(
                data,
                field,
                code_points(bounds::CODE_POINTS_U16, "supported_signature_algorithms"),
            )?),
            (T::SignatureAlgorithmsCert, _) => Self::SignatureAlgorithmsCert(decode_exact(
                data,
                field,
                code_points(bounds::CODE_POINTS_U16, "supported_signature_algorithms"),
            )?),
            (T::ApplicationLayerProtocolNegotiation, _) => Self::Alpn(decode_exact(
                data,
                field,
                vector_of(
                    LengthPrefix::U16,
                    bounds::ALPN_LIST,
                    "protocol_name_list",
                    opaque(LengthPrefix::U8, bounds::NON_EMPTY_U8, "protocol_name"),
                ),
            )?),
            (T::Padding, _) => Self::Padding(Cow::Borrowed(data)),
            (T::ExtendedMasterSecret, _) => {
                decode_exact(data, field, empty).map(|()| Self::ExtendedMasterSecret)?
            }
            (T::RecordSizeLimit, _) => Self::RecordSizeLimit(decode_exact(data, field, u16)?),
            (T::SessionTicket, _) => Self::SessionTicket(Cow::Borrowed(data)),
            (T::PreSharedKey, C::ClientHello) => {
                Self::PreSharedKey(decode_exact(data, field, OfferedPsks::decode)?)
            }
            (T::PreSharedKey, _) => Self::PreSharedKeySelected(decode_exact(data, field, u16)?),
            (T::EarlyData, C::NewSessionTicket) => {
                Self::EarlyDataMax(decode_exact(data, field, u32)?)
            }
            (T::EarlyData, _) => decode_exact(data, field, empty).map(|()| Self::EarlyData)?,
            (T::SupportedVersions, C::ClientHello) => Self::SupportedVersions(decode_exact(
                data,
                field,
                CodePoints::decoder(LengthPrefix::U8, bounds::VERSIONS, "versions"),
            )?),
            (T::SupportedVersions, _) => {
                Self::SelectedVersion(decode_exact(data, field, ProtocolVersion::decode)?)
            }
            (T::Cookie, _) => Self::Cookie(decode_exact(
                data,
                field,
                opaque(LengthPrefix::U16, bounds::NON_EMPTY_U16, "cookie"),
            )?),
            (T::PskKeyExchangeModes, _) => Self::PskKeyExchangeModes(decode_exact(
                data,
                field,
                CodePoints::decoder(LengthPrefix::U8, bounds::NON_EMPTY_U8, "ke_modes"),
            )?),
            (T::CertificateAuthorities, _) => Self::CertificateAuthorities(decode_exact(
                data,
                field,
                vector_of(
                    LengthPrefix::U16,
                    bounds::AUTHORITIES,
                    "authorities",
                    opaque(LengthPrefix::U16, bounds::DN, "DistinguishedName"),
                ),
            )?),
            (T::PostHandshakeAuth, _) => {
                decode_exact(data, field, empty).map(|()| Self::PostHandshakeAuth)?
            }
            (T::KeyShare, C::ClientHello) => Self::KeyShares(decode_exact(
                data,
                field,
                vector_of(
                    LengthPrefix::U16,
                    bounds::ANY_U16,
                    "client_shares",
                    KeyShareEntry::decode,
                ),
            )?),
            (T::KeyShare, C::HelloRetryRequest) => {
                Self::KeyShareRequest(decode_exact(data, field, NamedGroup::decode)?)
            }
            (T::KeyShare, _) => Self::KeyShare(decode_exact(data, field, KeyShareEntry::decode)?),
            (T::RenegotiationInfo, _) => Self::RenegotiationInfo(decode_exact(
                data,
                field,
                opaque(LengthPrefix::U8, bounds::ANY_U8, "renegotiated_connection"),
            )?),
            _ => Self::Unknown {
                ty,
                data: Cow::Borrowed(data),
            },
        };
        Ok(ext)
    }

    /// Writes the body (without the type and length).
    pub fn encode_body(&self, out: &mut BytesMut) {
        match self {
            Self::ServerName(names) => put_vector(out, LengthPrefix::U16, names),
            Self::ServerNameAck
            | Self::StatusRequestAck
            | Self::ExtendedMasterSecret
            | Self::EarlyData
            | Self::PostHandshakeAuth => {}
            Self::MaxFragmentLength(v) => v.encode(out),
            Self::StatusRequest(request) => request.encode(out),
            Self::CertificateStatus {
                status_type,
                response,
            } => {
                status_type.encode(out);
                put_opaque(out, LengthPrefix::U24, response);
            }
            Self::SupportedGroups(groups) => groups.encode(out, LengthPrefix::U16),
            Self::EcPointFormats(formats) => put_opaque(out, LengthPrefix::U8, formats),
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                schemes.encode(out, LengthPrefix::U16)
            }
            Self::Alpn(protocols) => put_length_prefixed(out, LengthPrefix::U16, |out| {
                for p in protocols {
                    put_opaque(out, LengthPrefix::U8, p);
                }
            }),
            Self::Padding(data) | Self::SessionTicket(data) | Self::Unknown { data, .. } => {
                out.put_slice(data)
            }
            Self::RecordSizeLimit(v) | Self::PreSharedKeySelected(v) => v.encode(out),
            Self::PreSharedKey(offered) => offered.encode(out),
            Self::EarlyDataMax(v) => v.encode(out),
            Self::SupportedVersions(versions) => versions.encode(out, LengthPrefix::U8),
            Self::SelectedVersion(v) => v.encode(out),
            Self::Cookie(cookie) => put_opaque(out, LengthPrefix::U16, cookie),
            Self::PskKeyExchangeModes(modes) => modes.encode(out, LengthPrefix::U8),
            Self::CertificateAuthorities(names) => {
                put_length_prefixed(out, LengthPrefix::U16, |out| {
                    for name in names {
                        put_opaque(out, LengthPrefix::U16, name);
                    }
                })
            }
            Self::KeyShares(entries) => put_vector(out, LengthPrefix::U16, entries),
            Self::KeyShare(entry) => entry.encode(out),
            Self::KeyShareRequest(group) => group.encode(out),
            Self::RenegotiationInfo(data) => put_opaque(out, LengthPrefix::U8, data),
        }
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Extension<'static> {
        match self {
            Self::ServerName(v) => {
                Extension::ServerName(v.into_iter().map(ServerName::into_owned).collect())
            }
            Self::ServerNameAck => Extension::ServerNameAck,
            Self::MaxFragmentLength(v) => Extension::MaxFragmentLength(v),
            Self::StatusRequest(r) => Extension::StatusRequest(r.into_owned()),
            Self::StatusRequestAck => Extension::StatusRequestAck,
            Self::CertificateStatus {
                status_type,
                response,
            } => Extension::CertificateStatus {
                status_type,
                response: own(response),
            },
            Self::SupportedGroups(v) => Extension::SupportedGroups(v.into_owned()),
            Self::EcPointFormats(v) => Extension::EcPointFormats(own(v)),
            Self::SignatureAlgorithms(v) => Extension::SignatureAlgorithms(v.into_owned()),
            Self::SignatureAlgorithmsCert(v) => Extension::SignatureAlgorithmsCert(v.into_owned()),
            Self::Alpn(v) => Extension::Alpn(v.into_iter().map(own).collect()),
            Self::Padding(v) => Extension::Padding(own(v)),
            Self::ExtendedMasterSecret => Extension::ExtendedMasterSecret,
            Self::RecordSizeLimit(v) => Extension::RecordSizeLimit(v),
            Self::SessionTicket(v) => Extension::SessionTicket(own(v)),
            Self::PreSharedKey(v) => Extension::PreSharedKey(v.into_owned()),
            Self::PreSharedKeySelected(v) => Extension::PreSharedKeySelected(v),
            Self::EarlyData => Extension::EarlyData,
            Self::EarlyDataMax(v) => Extension::EarlyDataMax(v),
            Self::SupportedVersions(v) => Extension::SupportedVersions(v.into_owned()),
            Self::SelectedVersion(v) => Extension::SelectedVersion(v),
            Self::Cookie(v) => Extension::Cookie(own(v)),
            Self::PskKeyExchangeModes(v) => Extension::PskKeyExchangeModes(v.into_owned()),
            Self::CertificateAuthorities(v) => {
                Extension::CertificateAuthorities(v.into_iter().map(own).collect())
            }
            Self::PostHandshakeAuth => Extension::PostHandshakeAuth,
            Self::KeyShares(v) => {
                Extension::KeyShares(v.into_iter().map(KeyShareEntry::into_owned).collect())
            }
            Self::KeyShare(v) => Extension::KeyShare(v.into_owned()),
            Self::KeyShareRequest(v) => Extension::KeyShareRequest(v),
            Self::RenegotiationInfo(v) => Extension::RenegotiationInfo(own(v)),
            Self::Unknown { ty, data } => Extension::Unknown {
                ty,
                data: own(data),
            },
        }
    }
}

impl Encode for Extension<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.ty().encode(out);
        put_length_prefixed(out, LengthPrefix::U16, |out| self.encode_body(out));
    }
}

/// The extensions a block is expected to hold at most in the usual case: its list is
/// allocated once for that many, and duplicates among that many are found without
/// allocating.
const PRESIZED_EXTENSIONS: usize = 24;

/// The first of `types` (a usual block's, at most [`PRESIZED_EXTENSIONS`]) that an earlier
/// one equals: compared pair by pair, without allocating.
fn first_duplicate_in(types: &[u16]) -> Option<ExtensionType> {
    types.iter().enumerate().find_map(|(i, &ty)| {
        types
            .get(..i)?
            .contains(&ty)
            .then(|| ExtensionType::from(ty))
    })
}

/// An extension block: `Extension extensions<0..2^16-1>` with no type twice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extensions<'a>(pub Vec<Extension<'a>>);

impl<'a> Extensions<'a> {
    /// Parses an extension block (with its 2-byte length) in `context`: each body in the
    /// form that context gives it, no type twice (illegal_parameter, RFC 8446 §4.2), and
    /// every known type allowed there (illegal_parameter as well).
    pub fn decode(
        input: &'a [u8],
        context: ExtensionContext,
    ) -> Result<(&'a [u8], Self), HandshakeError> {
        Self::decode_checking(input, context, true)
    }

    /// Parses an extension block without the "allowed here" check, for a caller that
    /// learns the context from the block itself (ServerHello: TLS 1.2 or 1.3).
    pub(crate) fn decode_unchecked(
        input: &'a [u8],
        context: ExtensionContext,
    ) -> Result<(&'a [u8], Self), HandshakeError> {
        Self::decode_checking(input, context, false)
    }

    /// Parses a block; with `check_allowed`, each type is checked against `context` before
    /// its body is parsed, so that a misplaced extension is reported as such even when its
    /// body has another message's form.
    fn decode_checking(
        input: &'a [u8],
        context: ExtensionContext,
        check_allowed: bool,
    ) -> Result<(&'a [u8], Self), HandshakeError> {
        let decode_error = |source| HandshakeError::Decode {
            context: "extensions",
            source,
        };
        let (rest, mut block) =
            length_prefixed(LengthPrefix::U16, bounds::ANY_U16, "extensions")(input)
                .map_err(|e| decode_error(DecodeError::from_nom(e, "extensions")))?;
        // Each extension takes at least its 4-byte header: room for them all, in one
        // allocation, up to a bound (a hostile block cannot make this large).
        let mut items = Vec::with_capacity((block.len() / 4).min(PRESIZED_EXTENSIONS));
        // The wire types of a usual block, as read, for the duplicate check below.
        let mut types = [0u16; PRESIZED_EXTENSIONS];
        while !block.is_empty() {
            let header = |input| -> Res<'a, (ExtensionType, &'a [u8])> {
                let (input, ty) = ExtensionType::decode(input)?;
                let (input, data) =
                    length_prefixed(LengthPrefix::U16, bounds::ANY_U16, "extension_data")(input)?;
                Ok((input, (ty, data)))
            };
            let (after, (ty, data)) =
                header(block).map_err(|e| decode_error(DecodeError::from_nom(e, "extension")))?;
            block = after;
            if check_allowed && !context.allows(ty) {
                return Err(HandshakeError::ExtensionNotAllowed {
                    extension: ty,
                    message: context.message(),
                });
            }
            let ext = Extension::decode_body(ty, data, context).map_err(|source| {
                HandshakeError::Decode {
                    context: "extension",
                    source,
                }
            })?;
            if let Some(slot) = types.get_mut(items.len()) {
                *slot = ty.to_wire();
            }
            items.push(ext);
        }
        let exts = Self(items);
        let duplicate = match types.get(..exts.0.len()) {
            Some(types) => first_duplicate_in(types),
            None => exts.duplicate_in_long_block(),
        };
        if let Some(ty) = duplicate {
            return Err(HandshakeError::DuplicateExtension(ty));
        }
        Ok((rest, exts))
    }

    /// Checks that every extension may appear in `context` (RFC 8446 §4.2: a recognised
    /// extension where its message may not carry it is illegal_parameter).
    pub fn check_allowed(&self, context: ExtensionContext) -> Result<(), HandshakeError> {
        match self.0.iter().find(|e| !context.allows(e.ty())) {
            Some(ext) => Err(HandshakeError::ExtensionNotAllowed {
                extension: ext.ty(),
                message: context.message(),
            }),
            None => Ok(()),
        }
    }

    /// A type that two extensions of a block longer than usual share: sorting a copy of
    /// the types keeps this O(n log n) for a hostile block of thousands of empty
    /// extensions.
    fn duplicate_in_long_block(&self) -> Option<ExtensionType> {
        let mut types: Vec<u16> = self.0.iter().map(|e| e.ty().to_wire()).collect();
        types.sort_unstable();
        types
            .windows(2)
            .find(|w| w.first() == w.get(1))
            .and_then(|w| w.first())
            .map(|&t| ExtensionType::from(t))
    }

    /// The extension of type `ty`, if present.
    pub fn get(&self, ty: ExtensionType) -> Option<&Extension<'a>> {
        self.0.iter().find(|e| e.ty() == ty)
    }

    /// Whether an extension of type `ty` is present.
    pub fn contains(&self, ty: ExtensionType) -> bool {
        self.get(ty).is_some()
    }

    /// The extensions in order.
    pub fn iter(&self) -> impl Iterator<Item = &Extension<'a>> {
        self.0.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Extensions<'static> {
        Extensions(self.0.into_iter().map(Extension::into_owned).collect())
    }
}

impl Encode for Extensions<'_> {
    fn encode(&self, out: &mut BytesMut) {
        put_vector(out, LengthPrefix::U16, &self.0);
    }
}
