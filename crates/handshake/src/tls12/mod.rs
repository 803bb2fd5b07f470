//! The TLS 1.2 client and server state machines (RFC 5246 §7.3, §7.4), sans-IO, for the
//! ECDHE_ECDSA and ECDHE_RSA AEAD suites (RFC 8422, RFC 5288, RFC 7905), with the
//! extended master secret (RFC 7627) and renegotiation refused (RFC 5746).
//!
//! [`Tls12Client`] and [`Tls12Server`] implement the same
//! [`StateMachine`](crate::machine::StateMachine) contract as the TLS 1.3 machines, and
//! share with them negotiation (`negotiate.rs`) and the signature, certificate and
//! Finished checks (`common.rs`). This module holds what the two TLS 1.2 sides
//! share: the master secret and key block, Finished (RFC 5246 §7.4.9), the Certificate
//! message (§7.4.2), what each suite's authentication accepts, and the established
//! session (exporters, RFC 5705).

use std::borrow::Cow;

use strata_alert::AlertDescription as Alert;
use strata_pki::pki_types::CertificateDer;
use strata_pki::{KeyType, SignatureScheme, TlsVersion};

use crate::common::{check_verify_data, current_hash, refuse, send};
use crate::key_schedule::tls12::{self, KeyBlock, MasterSecret, Sender};
use crate::limits::ChainLimits;
use crate::machine::{Action, KeyChange, PeerChain};
use crate::messages::{
    CertificateTls12, ClientCertificateType, Finished, HandshakeMessage, RawMessage,
};
use crate::suites::{SupportedSuite, Tls12Auth};
use crate::{HandshakeError, Secret, TrafficKeys, Transcript};

mod client;
mod server;

pub use client::Tls12Client;
pub use server::Tls12Server;

/// The NSS key-log label of the TLS 1.2 master secret.
pub(crate) const CLIENT_RANDOM: &str = "CLIENT_RANDOM";

/// Parses a message in its TLS 1.2 form.
pub(crate) fn decode<'a>(raw: RawMessage<'a>) -> Result<HandshakeMessage<'a>, HandshakeError> {
    HandshakeMessage::decode_raw(raw, TlsVersion::Tls12)
}

/// Protect what we send with `keys`, one side of the key block (RFC 5246 §6.3).
pub(crate) fn write_keys(keys: &TrafficKeys) -> Action {
    Action::SetWriteKeys(KeyChange {
        version: TlsVersion::Tls12,
        keys: keys.clone(),
    })
}

/// Open what we receive with `keys`, one side of the key block (RFC 5246 §6.3).
pub(crate) fn read_keys(keys: &TrafficKeys) -> Action {
    Action::SetReadKeys(KeyChange {
        version: TlsVersion::Tls12,
        keys: keys.clone(),
    })
}

/// The suite authentication a certificate key can serve (RFC 8422 §5.3, Table 2):
/// ECDSA and EdDSA keys ECDHE_ECDSA, RSA keys ECDHE_RSA.
pub(crate) fn auth_of(key: KeyType) -> Tls12Auth {
    match key {
        KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519 => Tls12Auth::Ecdsa,
        KeyType::Rsa(_) => Tls12Auth::Rsa,
    }
}

/// Whether a ServerKeyExchange signed with `scheme` fits the suite's authentication
/// (RFC 8422 §5.4: ECDHE_ECDSA signs with ECDSA or EdDSA, ECDHE_RSA with RSA).
pub(crate) fn scheme_fits(scheme: SignatureScheme, auth: Tls12Auth) -> bool {
    use SignatureScheme as S;
    let ecdsa = matches!(
        scheme,
        S::EcdsaSecp256r1Sha256 | S::EcdsaSecp384r1Sha384 | S::EcdsaSecp521r1Sha512 | S::Ed25519
    );
    let rsa = matches!(
        scheme,
        S::RsaPkcs1Sha256
            | S::RsaPkcs1Sha384
            | S::RsaPkcs1Sha512
            | S::RsaPssRsaeSha256
            | S::RsaPssRsaeSha384
            | S::RsaPssRsaeSha512
    );
    match auth {
        Tls12Auth::Ecdsa => ecdsa,
        Tls12Auth::Rsa => rsa,
    }
}

/// Whether a client key fits the certificate_types of a CertificateRequest (RFC 5246
/// §7.4.4; RFC 8422 §5.5: ecdsa_sign also covers EdDSA keys).
pub(crate) fn fits_certificate_types(key: KeyType, types: &[ClientCertificateType]) -> bool {
    let wanted = match auth_of(key) {
        Tls12Auth::Ecdsa => ClientCertificateType::EcdsaSign,
        Tls12Auth::Rsa => ClientCertificateType::RsaSign,
    };
    types.contains(&wanted)
}

/// A TLS 1.2 Certificate message (RFC 5246 §7.4.2); empty for a client without one
/// (§7.4.6).
pub(crate) fn certificate_message<'a>(
    chain: &'a [CertificateDer<'static>],
) -> HandshakeMessage<'a> {
    HandshakeMessage::CertificateTls12(CertificateTls12 {
        chain: chain
            .iter()
            .map(|cert| Cow::Borrowed(cert.as_ref()))
            .collect(),
    })
}

/// The chain of a peer's TLS 1.2 Certificate, end entity first (maybe empty).
pub(crate) fn peer_chain(
    certificate: CertificateTls12<'_>,
    limits: &ChainLimits,
) -> Result<PeerChain, HandshakeError> {
    limits.check(certificate.chain.iter().map(|cert| cert.len()))?;
    Ok(PeerChain::from_exact(
        certificate
            .chain
            .into_iter()
            .map(|cert| CertificateDer::from(cert.into_owned())),
    ))
}

/// The master secret (RFC 5246 §8.1), or the extended one over the session hash: the
/// transcript through ClientKeyExchange (RFC 7627 §4), keyed for the PRF outputs that
/// follow from it.
pub(crate) fn master_secret(
    suite: &SupportedSuite,
    pre_master_secret: &[u8],
    extended: bool,
    transcript: &Transcript,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<MasterSecret, HandshakeError> {
    let secret = if extended {
        let session_hash = current_hash(transcript)?;
        tls12::extended_master_secret(suite.hash, pre_master_secret, session_hash.as_bytes())
    } else {
        tls12::master_secret(suite.hash, pre_master_secret, client_random, server_random)
    };
    Ok(MasterSecret::new(suite.hash, secret))
}

/// The key block's write keys of both sides (RFC 5246 §6.3).
pub(crate) fn key_block(
    suite: &SupportedSuite,
    master: &MasterSecret,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<KeyBlock, HandshakeError> {
    master.key_block(suite.aead, client_random, server_random)
}

/// `verify_data` of `sender`'s Finished over the transcript so far (RFC 5246 §7.4.9),
/// with the PRF of the suite's hash.
fn verify_data(
    suite: &SupportedSuite,
    master: &MasterSecret,
    sender: Sender,
    transcript: &Transcript,
) -> Result<Secret, HandshakeError> {
    if master.hash() != suite.hash {
        return Err(HandshakeError::Internal(
            "master secret keyed for another hash than the suite's",
        ));
    }
    let data = master.verify_data(sender, current_hash(transcript)?.as_bytes());
    Secret::from_slice(&data).ok_or(HandshakeError::Internal("verify_data too long"))
}

/// Our Finished message (RFC 5246 §7.4.9), onto the flight in `out`; returns its encoding.
pub(crate) fn send_finished<'o>(
    out: &'o mut Vec<Action>,
    suite: &SupportedSuite,
    master: &MasterSecret,
    sender: Sender,
    transcript: &Transcript,
) -> Result<&'o [u8], HandshakeError> {
    let data = verify_data(suite, master, sender, transcript)?;
    Ok(send(
        out,
        &HandshakeMessage::Finished(Finished {
            verify_data: Cow::Borrowed(data.as_bytes()),
        }),
    ))
}

/// Checks the peer's Finished in constant time (RFC 5246 §7.4.9: decrypt_error).
pub(crate) fn check_finished(
    suite: &SupportedSuite,
    master: &MasterSecret,
    sender: Sender,
    transcript: &Transcript,
    received: &Finished<'_>,
) -> Result<(), HandshakeError> {
    let expected = verify_data(suite, master, sender, transcript)?;
    check_verify_data(&expected, &received.verify_data)
}

/// What RFC 5246 §7.4.8's CertificateVerify signs: every handshake message so far.
pub(crate) fn handshake_messages(transcript: &Transcript) -> Result<Vec<u8>, HandshakeError> {
    transcript
        .messages()
        .map(<[u8]>::to_vec)
        .ok_or(HandshakeError::Internal(
            "the transcript does not keep the messages CertificateVerify signs",
        ))
}

/// An established TLS 1.2 connection: what the exporter needs (RFC 5705 §4).
pub(crate) struct Session {
    suite: SupportedSuite,
    master: Secret,
    client_random: [u8; 32],
    server_random: [u8; 32],
    extended_master_secret: bool,
}

impl Session {
    pub(crate) fn new(
        suite: SupportedSuite,
        master: Secret,
        client_random: [u8; 32],
        server_random: [u8; 32],
        extended_master_secret: bool,
    ) -> Self {
        Self {
            suite,
            master,
            client_random,
            server_random,
            extended_master_secret,
        }
    }

    /// RFC 5705 §4. Refused without the extended master secret (RFC 7627 §5.4: such a
    /// session MUST NOT export keying material), and for an empty label.
    pub(crate) fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        if !self.extended_master_secret {
            return Err(HandshakeError::Internal(
                "no exporter without the extended master secret (RFC 7627 §5.4)",
            ));
        }
        if label.is_empty() {
            return Err(HandshakeError::Internal(
                "an exporter label may not be empty",
            ));
        }
        tls12::export_keying_material(
            self.suite.hash,
            &self.master,
            label,
            context,
            &self.client_random,
            &self.server_random,
            out,
        )
    }
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("suite", &self.suite.suite)
            .field("extended_master_secret", &self.extended_master_secret)
            .finish_non_exhaustive()
    }
}

/// TLS 1.2 has no KeyUpdate (RFC 5246); the error for asking.
pub(crate) fn no_key_update() -> HandshakeError {
    HandshakeError::Internal("TLS 1.2 has no KeyUpdate")
}

/// A ChangeCipherSpec where the TLS 1.2 flow has none (RFC 5246 §7.1).
pub(crate) fn unexpected_ccs(state: &'static str) -> HandshakeError {
    HandshakeError::UnexpectedChangeCipherSpec(state)
}

/// A renegotiation_info with content in an initial handshake (RFC 5746 §3.4, §3.6).
pub(crate) fn renegotiation_info_not_empty() -> HandshakeError {
    refuse(
        Alert::HandshakeFailure,
        "renegotiation_info is not empty in an initial handshake",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_the_suite_authentication_of_rfc_8422_table_2() {
        assert_eq!(auth_of(KeyType::EcdsaP256), Tls12Auth::Ecdsa);
        assert_eq!(auth_of(KeyType::Ed25519), Tls12Auth::Ecdsa);
        assert_eq!(auth_of(KeyType::Rsa(2048)), Tls12Auth::Rsa);
        assert!(scheme_fits(SignatureScheme::Ed25519, Tls12Auth::Ecdsa));
        assert!(!scheme_fits(
            SignatureScheme::RsaPkcs1Sha256,
            Tls12Auth::Ecdsa
        ));
        assert!(scheme_fits(
            SignatureScheme::RsaPssRsaeSha256,
            Tls12Auth::Rsa
        ));
        assert!(!scheme_fits(
            SignatureScheme::EcdsaSecp256r1Sha256,
            Tls12Auth::Rsa
        ));
        let both = [
            ClientCertificateType::EcdsaSign,
            ClientCertificateType::RsaSign,
        ];
        assert!(fits_certificate_types(KeyType::Ed25519, &both));
        assert!(!fits_certificate_types(
            KeyType::Rsa(2048),
            &[ClientCertificateType::EcdsaSign]
        ));
    }
}
