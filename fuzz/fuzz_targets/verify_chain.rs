//! An arbitrary DER chain against a fixed trust anchor: the server and client verifiers
//! and the TLS signature check must answer with a typed error (or success), never panic.
//!
//! Input: a sequence of `u16 length || DER` blocks; the first is the end entity, the rest
//! intermediates. The anchor and the seed chain were made with OpenSSL (fuzz/README.md).
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use strata_pki::pki_types::{CertificateDer, ServerName, UnixTime};
use strata_pki::{
    verify_tls_signature, ClientCertVerifier, ServerCertVerifier, SignatureScheme, TlsVersion,
    TrustAnchors, WebPkiClientVerifier, WebPkiServerVerifier,
};

static ANCHOR: &[u8] = include_bytes!("../data/verify_chain_anchor.der");

fn verifiers() -> &'static (WebPkiServerVerifier, WebPkiClientVerifier) {
    static VERIFIERS: OnceLock<(WebPkiServerVerifier, WebPkiClientVerifier)> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        let anchors =
            Arc::new(TrustAnchors::from_certs(&[CertificateDer::from(ANCHOR)]).unwrap());
        (
            WebPkiServerVerifier::new(anchors.clone()).unwrap(),
            WebPkiClientVerifier::new(anchors).unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let mut certs = Vec::new();
    let mut rest = data;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        let Some((der, after)) = tail.split_at_checked(len) else { break };
        certs.push(CertificateDer::from(der));
        rest = after;
        if certs.len() > 6 {
            break;
        }
    }
    let Some((end_entity, intermediates)) = certs.split_first() else { return };
    // 2030-01-01, inside the seed chain's validity.
    let now = UnixTime::since_unix_epoch(Duration::from_secs(1_893_456_000));
    let name = ServerName::try_from("example.com").unwrap();
    let (server, client) = verifiers();
    if let Err(e) = server.verify_server_cert(end_entity, intermediates, &name, &[], now) {
        let _ = (e.alert(), e.to_string());
    }
    if let Err(e) = client.verify_client_cert(end_entity, intermediates, now) {
        let _ = e.alert();
    }
    // Whatever is left is a signature to check against the end entity's key.
    let scheme = SignatureScheme::from(u16::from(rest.first().copied().unwrap_or(0)) | 0x0400);
    for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
        let _ = verify_tls_signature(version, end_entity, scheme, b"message", rest);
    }
});
