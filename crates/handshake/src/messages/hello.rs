//! ClientHello, ServerHello and HelloRetryRequest (RFC 8446 §4.1, RFC 5246 §7.4.1).

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};
use strata_codec::{array, put_opaque, u8, Bounds, Decode, Encode, LengthPrefix, Res};
use strata_record::ProtocolVersion;

use super::decode_error;
use crate::extensions::{ExtensionContext, Extensions};
use crate::list::CodePoints;
use crate::wire::{opaque, own};
use crate::{CipherSuite, ExtensionType, HandshakeError};

/// The fixed ServerHello.random that marks a HelloRetryRequest: SHA-256 of
/// "HelloRetryRequest" (RFC 8446 §4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// `opaque legacy_session_id<0..32>`.
const SESSION_ID: Bounds = Bounds::new(0, 32);
/// `CipherSuite cipher_suites<2..2^16-2>`.
const CIPHER_SUITES: Bounds = Bounds::new(2, 0xfffe);
/// `opaque legacy_compression_methods<1..2^8-1>`.
const COMPRESSION_METHODS: Bounds = Bounds::new(1, 0xff);

/// Parses the optional extension block that ends a hello: TLS 1.2 allows a hello without
/// one (RFC 5246 §7.4.1.2); an absent block is read as an empty one.
fn trailing_extensions(
    input: &[u8],
    context: ExtensionContext,
) -> Result<Extensions<'_>, HandshakeError> {
    if input.is_empty() {
        return Ok(Extensions::default());
    }
    let (rest, extensions) = Extensions::decode_unchecked(input, context)?;
    if !rest.is_empty() {
        return Err(HandshakeError::Decode {
            context: "hello",
            source: strata_codec::DecodeError::new(
                "extensions",
                strata_codec::DecodeErrorKind::TrailingBytes { extra: rest.len() },
            ),
        });
    }
    Ok(extensions)
}

/// Writes a hello's extension block; an empty one is left out, as TLS 1.2 allows and
/// TLS 1.3 never needs (a TLS 1.3 hello always carries supported_versions).
fn put_trailing_extensions(out: &mut BytesMut, extensions: &Extensions<'_>) {
    if !extensions.is_empty() {
        extensions.encode(out);
    }
}

/// ClientHello (RFC 8446 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// `legacy_version`: 0x0303 from a TLS 1.3 client, the highest version from a TLS 1.2 one.
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// `legacy_session_id<0..32>`.
    pub legacy_session_id: Cow<'a, [u8]>,
    /// The suites offered, in the client's order of preference.
    pub cipher_suites: CodePoints<'a, CipherSuite>,
    /// `legacy_compression_methods<1..2^8-1>`: must be the single null method.
    pub legacy_compression_methods: Cow<'a, [u8]>,
    /// The extensions, in order.
    pub extensions: Extensions<'a>,
}

impl<'a> ClientHello<'a> {
    /// Parses a ClientHello body. pre_shared_key must be the last extension
    /// (RFC 8446 §4.2.11: illegal_parameter).
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let fixed = |input: &'a [u8]| -> Res<'a, _> {
            let (input, legacy_version) = ProtocolVersion::decode(input)?;
            let (input, random) = array::<32>(input)?;
            let (input, legacy_session_id) =
                opaque(LengthPrefix::U8, SESSION_ID, "legacy_session_id")(input)?;
            let (input, cipher_suites) =
                CodePoints::decoder(LengthPrefix::U16, CIPHER_SUITES, "cipher_suites")(input)?;
            let (input, legacy_compression_methods) = opaque(
                LengthPrefix::U8,
                COMPRESSION_METHODS,
                "legacy_compression_methods",
            )(input)?;
            Ok((
                input,
                (
                    legacy_version,
                    *random,
                    legacy_session_id,
                    cipher_suites,
                    legacy_compression_methods,
                ),
            ))
        };
        let (
            rest,
            (legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods),
        ) = fixed(body).map_err(|e| decode_error("ClientHello", e))?;
        let extensions = trailing_extensions(rest, ExtensionContext::ClientHello)?;
        extensions.check_allowed(ExtensionContext::ClientHello)?;
        let psk_at = extensions
            .iter()
            .position(|e| e.ty() == ExtensionType::PreSharedKey);
        if psk_at.is_some_and(|at| at + 1 != extensions.0.len()) {
            return Err(HandshakeError::IllegalParameter(
                "pre_shared_key is not the last extension of the ClientHello",
            ));
        }
        Ok(Self {
            legacy_version,
            random,
            legacy_session_id,
            cipher_suites,
            legacy_compression_methods,
            extensions,
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> ClientHello<'static> {
        ClientHello {
            legacy_version: self.legacy_version,
            random: self.random,
            legacy_session_id: own(self.legacy_session_id),
            cipher_suites: self.cipher_suites.into_owned(),
            legacy_compression_methods: own(self.legacy_compression_methods),
            extensions: self.extensions.into_owned(),
        }
    }
}

impl Encode for ClientHello<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.legacy_version.encode(out);
        out.put_slice(&self.random);
        put_opaque(out, LengthPrefix::U8, &self.legacy_session_id);
        self.cipher_suites.encode(out, LengthPrefix::U16);
        put_opaque(out, LengthPrefix::U8, &self.legacy_compression_methods);
        put_trailing_extensions(out, &self.extensions);
    }
}

/// ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3). A HelloRetryRequest is parsed as
/// [`HelloRetryRequest`] instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello<'a> {
    /// `legacy_version`: 0x0303.
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes (with the downgrade sentinel of §4.1.3 where it applies).
    pub random: [u8; 32],
    /// `legacy_session_id_echo<0..32>`.
    pub legacy_session_id_echo: Cow<'a, [u8]>,
    /// The suite chosen.
    pub cipher_suite: CipherSuite,
    /// `legacy_compression_method`: must be 0.
    pub legacy_compression_method: u8,
    /// The extensions, in order.
    pub extensions: Extensions<'a>,
}

/// HelloRetryRequest: a ServerHello with the fixed random of RFC 8446 §4.1.3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloRetryRequest<'a> {
    /// `legacy_version`: 0x0303.
    pub legacy_version: ProtocolVersion,
    /// `legacy_session_id_echo<0..32>`.
    pub legacy_session_id_echo: Cow<'a, [u8]>,
    /// The suite chosen.
    pub cipher_suite: CipherSuite,
    /// `legacy_compression_method`: must be 0.
    pub legacy_compression_method: u8,
    /// The extensions (supported_versions, key_share, cookie), in order.
    pub extensions: Extensions<'a>,
}

/// What a ServerHello body turns out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerHelloKind<'a> {
    /// A ServerHello.
    ServerHello(ServerHello<'a>),
    /// A HelloRetryRequest.
    HelloRetryRequest(HelloRetryRequest<'a>),
}

impl<'a> ServerHello<'a> {
    /// Parses a ServerHello body, telling HelloRetryRequest apart by its random. The
    /// extensions are checked against the TLS 1.3 rules when supported_versions is
    /// present and against the TLS 1.2 ones otherwise.
    pub fn decode(body: &'a [u8]) -> Result<ServerHelloKind<'a>, HandshakeError> {
        let fixed = |input: &'a [u8]| -> Res<'a, _> {
            let (input, legacy_version) = ProtocolVersion::decode(input)?;
            let (input, random) = array::<32>(input)?;
            let (input, session_id) =
                opaque(LengthPrefix::U8, SESSION_ID, "legacy_session_id_echo")(input)?;
            let (input, cipher_suite) = CipherSuite::decode(input)?;
            let (input, compression) = u8(input)?;
            Ok((
                input,
                (
                    legacy_version,
                    *random,
                    session_id,
                    cipher_suite,
                    compression,
                ),
            ))
        };
        let (
            rest,
            (
                legacy_version,
                random,
                legacy_session_id_echo,
                cipher_suite,
                legacy_compression_method,
            ),
        ) = fixed(body).map_err(|e| decode_error("ServerHello", e))?;
        if random == HELLO_RETRY_REQUEST_RANDOM {
            let extensions = trailing_extensions(rest, ExtensionContext::HelloRetryRequest)?;
            extensions.check_allowed(ExtensionContext::HelloRetryRequest)?;
            return Ok(ServerHelloKind::HelloRetryRequest(HelloRetryRequest {
                legacy_version,
                legacy_session_id_echo,
                cipher_suite,
                legacy_compression_method,
                extensions,
            }));
        }
        let extensions = trailing_extensions(rest, ExtensionContext::ServerHelloTls13)?;
        let context = if extensions.contains(ExtensionType::SupportedVersions) {
            ExtensionContext::ServerHelloTls13
        } else {
            ExtensionContext::ServerHelloTls12
        };
        extensions.check_allowed(context)?;
        Ok(ServerHelloKind::ServerHello(ServerHello {
            legacy_version,
            random,
            legacy_session_id_echo,
            cipher_suite,
            legacy_compression_method,
            extensions,
        }))
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> ServerHello<'static> {
        ServerHello {
            legacy_version: self.legacy_version,
            random: self.random,
            legacy_session_id_echo: own(self.legacy_session_id_echo),
            cipher_suite: self.cipher_suite,
            legacy_compression_method: self.legacy_compression_method,
            extensions: self.extensions.into_owned(),
        }
    }
}

impl Encode for ServerHello<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.legacy_version.encode(out);
        out.put_slice(&self.random);
        put_opaque(out, LengthPrefix::U8, &self.legacy_session_id_echo);
        self.cipher_suite.encode(out);
        self.legacy_compression_method.encode(out);
        put_trailing_extensions(out, &self.extensions);
    }
}

impl HelloRetryRequest<'_> {
    /// A copy that owns its bytes.
    pub fn into_owned(self) -> HelloRetryRequest<'static> {
        HelloRetryRequest {
            legacy_version: self.legacy_version,
            legacy_session_id_echo: own(self.legacy_session_id_echo),
            cipher_suite: self.cipher_suite,
            legacy_compression_method: self.legacy_compression_method,
            extensions: self.extensions.into_owned(),
        }
    }
}

impl Encode for HelloRetryRequest<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.legacy_version.encode(out);
        out.put_slice(&HELLO_RETRY_REQUEST_RANDOM);
        put_opaque(out, LengthPrefix::U8, &self.legacy_session_id_echo);
        self.cipher_suite.encode(out);
        self.legacy_compression_method.encode(out);
        put_trailing_extensions(out, &self.extensions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_retry_request_random_is_sha256_of_its_name() {
        let digest = ring::digest::digest(&ring::digest::SHA256, b"HelloRetryRequest");
        assert_eq!(digest.as_ref(), &HELLO_RETRY_REQUEST_RANDOM);
    }
}
