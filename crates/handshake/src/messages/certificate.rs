//! Certificate, CertificateRequest and CertificateVerify in their TLS 1.3 (RFC 8446 §4.4.2,
//! §4.3.2, §4.4.3) and TLS 1.2 (RFC 5246 §7.4.2, §7.4.4, §7.4.8) forms.

use std::borrow::Cow;

use bytes::BytesMut;
use strata_codec::{
    put_length_prefixed, put_opaque, vector_of, Bounds, Decode, Encode, LengthPrefix, Res,
};
use strata_pki::SignatureScheme;

use super::{decode_error, exact};
use crate::extensions::{ExtensionContext, Extensions};
use crate::list::CodePoints;
use crate::wire::{opaque, own};
use crate::HandshakeError;

/// `opaque certificate_request_context<0..2^8-1>`.
const CONTEXT: Bounds = Bounds::new(0, 0xff);
/// `CertificateEntry certificate_list<0..2^24-1>` and TLS 1.2's `ASN.1Cert <0..2^24-1>`.
const CERTIFICATE_LIST: Bounds = Bounds::new(0, 0xff_ffff);
/// `opaque cert_data<1..2^24-1>`.
const CERT_DATA: Bounds = Bounds::new(1, 0xff_ffff);

fn own_all(items: Vec<Cow<'_, [u8]>>) -> Vec<Cow<'static, [u8]>> {
    items.into_iter().map(own).collect()
}

/// A TLS 1.3 CertificateEntry: one certificate and its extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry<'a> {
    /// The DER certificate.
    pub cert_data: Cow<'a, [u8]>,
    /// Its extensions (status_request with an OCSP response, SCTs).
    pub extensions: Extensions<'a>,
}

/// TLS 1.3 Certificate (RFC 8446 §4.4.2): the end-entity certificate first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateTls13<'a> {
    /// Empty in the handshake; echoes CertificateRequest's context after it.
    pub context: Cow<'a, [u8]>,
    /// The chain, end entity first.
    pub entries: Vec<CertificateEntry<'a>>,
}

impl<'a> CertificateTls13<'a> {
    /// Parses a TLS 1.3 Certificate body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let (rest, context) =
            opaque(LengthPrefix::U8, CONTEXT, "certificate_request_context")(body)
                .map_err(|e| decode_error("Certificate", e))?;
        let (rest, mut list) =
            strata_codec::length_prefixed(LengthPrefix::U24, CERTIFICATE_LIST, "certificate_list")(
                rest,
            )
            .map_err(|e| decode_error("Certificate", e))?;
        exact("Certificate", rest)?;
        let mut entries = Vec::new();
        while !list.is_empty() {
            let (after, cert_data) = opaque(LengthPrefix::U24, CERT_DATA, "cert_data")(list)
                .map_err(|e| decode_error("Certificate", e))?;
            let (after, extensions) = Extensions::decode(after, ExtensionContext::Certificate)?;
            list = after;
            entries.push(CertificateEntry {
                cert_data,
                extensions,
            });
        }
        Ok(Self { context, entries })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> CertificateTls13<'static> {
        CertificateTls13 {
            context: own(self.context),
            entries: self
                .entries
                .into_iter()
                .map(|e| CertificateEntry {
                    cert_data: own(e.cert_data),
                    extensions: e.extensions.into_owned(),
                })
                .collect(),
        }
    }
}

impl Encode for CertificateTls13<'_> {
    fn encode(&self, out: &mut BytesMut) {
        put_opaque(out, LengthPrefix::U8, &self.context);
        put_length_prefixed(out, LengthPrefix::U24, |out| {
            for entry in &self.entries {
                put_opaque(out, LengthPrefix::U24, &entry.cert_data);
                entry.extensions.encode(out);
            }
        });
    }
}

/// TLS 1.2 Certificate (RFC 5246 §7.4.2): the chain, end entity first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateTls12<'a> {
    /// The DER certificates.
    pub chain: Vec<Cow<'a, [u8]>>,
}

impl<'a> CertificateTls12<'a> {
    /// Parses a TLS 1.2 Certificate body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let parse = vector_of(
            LengthPrefix::U24,
            CERTIFICATE_LIST,
            "certificate_list",
            opaque(LengthPrefix::U24, CERT_DATA, "ASN.1Cert"),
        );
        let chain = strata_codec::decode_exact(body, "Certificate", parse).map_err(|source| {
            HandshakeError::Decode {
                context: "Certificate",
                source,
            }
        })?;
        Ok(Self { chain })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> CertificateTls12<'static> {
        CertificateTls12 {
            chain: own_all(self.chain),
        }
    }
}

impl Encode for CertificateTls12<'_> {
    fn encode(&self, out: &mut BytesMut) {
        put_length_prefixed(out, LengthPrefix::U24, |out| {
            for cert in &self.chain {
                put_opaque(out, LengthPrefix::U24, cert);
            }
        });
    }
}

/// TLS 1.3 CertificateRequest (RFC 8446 §4.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestTls13<'a> {
    /// `certificate_request_context<0..2^8-1>`: empty in the handshake.
    pub context: Cow<'a, [u8]>,
    /// The extensions; signature_algorithms must be among them (the state machine's
    /// check: missing_extension).
    pub extensions: Extensions<'a>,
}

impl<'a> CertificateRequestTls13<'a> {
    /// Parses a TLS 1.3 CertificateRequest body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let (rest, context) =
            opaque(LengthPrefix::U8, CONTEXT, "certificate_request_context")(body)
                .map_err(|e| decode_error("CertificateRequest", e))?;
        let (rest, extensions) = Extensions::decode(rest, ExtensionContext::CertificateRequest)?;
        exact("CertificateRequest", rest)?;
        Ok(Self {
            context,
            extensions,
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> CertificateRequestTls13<'static> {
        CertificateRequestTls13 {
            context: own(self.context),
            extensions: self.extensions.into_owned(),
        }
    }
}

impl Encode for CertificateRequestTls13<'_> {
    fn encode(&self, out: &mut BytesMut) {
        put_opaque(out, LengthPrefix::U8, &self.context);
        self.extensions.encode(out);
    }
}

strata_codec::codepoint! {
    /// ClientCertificateType of a TLS 1.2 CertificateRequest (RFC 5246 §7.4.4, RFC 8422).
    pub enum ClientCertificateType: u8 {
        /// An RSA signing key.
        RsaSign = 1 => "rsa_sign",
        /// An ECDSA signing key (RFC 8422 §5.5).
        EcdsaSign = 64 => "ecdsa_sign",
    }
}

/// TLS 1.2 CertificateRequest (RFC 5246 §7.4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestTls12<'a> {
    /// `ClientCertificateType certificate_types<1..2^8-1>`.
    pub certificate_types: CodePoints<'a, ClientCertificateType>,
    /// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
    pub signature_algorithms: CodePoints<'a, SignatureScheme>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`: DER names.
    pub certificate_authorities: Vec<Cow<'a, [u8]>>,
}

impl<'a> CertificateRequestTls12<'a> {
    /// Parses a TLS 1.2 CertificateRequest body.
    pub fn decode(body: &'a [u8]) -> Result<Self, HandshakeError> {
        let parse = |input: &'a [u8]| -> Res<'a, Self> {
            let (input, certificate_types) =
                CodePoints::decoder(LengthPrefix::U8, Bounds::new(1, 0xff), "certificate_types")(
                    input,
                )?;
            let (input, signature_algorithms) = CodePoints::decoder(
                LengthPrefix::U16,
                Bounds::new(2, 0xfffe),
                "supported_signature_algorithms",
            )(input)?;
            let (input, certificate_authorities) = vector_of(
                LengthPrefix::U16,
                Bounds::new(0, 0xffff),
                "certificate_authorities",
                opaque(
                    LengthPrefix::U16,
                    Bounds::new(1, 0xffff),
                    "DistinguishedName",
                ),
            )(input)?;
            Ok((
                input,
                Self {
                    certificate_types,
                    signature_algorithms,
                    certificate_authorities,
                },
            ))
        };
        strata_codec::decode_exact(body, "CertificateRequest", parse).map_err(|source| {
            HandshakeError::Decode {
                context: "CertificateRequest",
                source,
            }
        })
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> CertificateRequestTls12<'static> {
        CertificateRequestTls12 {
            certificate_types: self.certificate_types.into_owned(),
            signature_algorithms: self.signature_algorithms.into_owned(),
            certificate_authorities: own_all(self.certificate_authorities),
        }
    }
}

impl Encode for CertificateRequestTls12<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.certificate_types.encode(out, LengthPrefix::U8);
        self.signature_algorithms.encode(out, LengthPrefix::U16);
        put_length_prefixed(out, LengthPrefix::U16, |out| {
            for name in &self.certificate_authorities {
                put_opaque(out, LengthPrefix::U16, name);
            }
        });
    }
}

/// A signature and the scheme that made it: the body of CertificateVerify (RFC 8446
/// §4.4.3) and the end of a TLS 1.2 ServerKeyExchange (RFC 5246 §4.7 `digitally-signed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned<'a> {
    /// The scheme.
    pub scheme: SignatureScheme,
    /// `opaque signature<0..2^16-1>`.
    pub signature: Cow<'a, [u8]>,
}

impl DigitallySigned<'_> {
    /// A copy that owns its bytes.
    pub fn into_owned(self) -> DigitallySigned<'static> {
        DigitallySigned {
            scheme: self.scheme,
            signature: own(self.signature),
        }
    }
}

impl<'a> Decode<'a> for DigitallySigned<'a> {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, scheme) = SignatureScheme::decode(input)?;
        let (input, signature) =
            opaque(LengthPrefix::U16, Bounds::new(0, 0xffff), "signature")(input)?;
        Ok((input, Self { scheme, signature }))
    }
}

impl Encode for DigitallySigned<'_> {
    fn encode(&self, out: &mut BytesMut) {
        self.scheme.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.signature);
    }
}
