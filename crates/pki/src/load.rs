//! Loading certificates, private keys and CRLs from PEM or DER, from files or bytes.
//!
//! PEM is read by rustls-pki-types; this module adds what a user needs to act on a
//! failure: the file's name and what was wrong in it.

use std::io::Read;
use std::path::Path;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

use crate::limits::MAX_FILE_LEN;
use crate::PkiError;

/// The name used in errors for input that did not come from a file.
const MEMORY: &str = "<memory>";

/// Reads a whole file, refusing one larger than [`MAX_FILE_LEN`].
fn read_file(path: &Path) -> Result<Vec<u8>, PkiError> {
    let io = |e: std::io::Error| PkiError::Io {
        source_name: path.display().to_string(),
        detail: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_LEN {
        return Err(PkiError::Io {
            source_name: path.display().to_string(),
            detail: format!("larger than the {MAX_FILE_LEN}-byte limit"),
        });
    }
    Ok(bytes)
}

fn malformed(source_name: &str, err: pem::Error) -> PkiError {
    PkiError::MalformedPem {
        source_name: source_name.to_string(),
        detail: err.to_string(),
    }
}

/// Whether `input` is PEM text rather than DER: DER always starts with a SEQUENCE tag.
fn looks_like_pem(input: &[u8]) -> bool {
    input.first() != Some(&0x30)
}

/// Every PEM block of type `T` in `input`, in order.
fn pem_blocks<T: PemObject>(
    input: &[u8],
    source_name: &str,
    expected: &'static str,
) -> Result<Vec<T>, PkiError> {
    let items = T::pem_slice_iter(input)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| malformed(source_name, e))?;
    if items.is_empty() {
        return Err(PkiError::NoPemBlock {
            source_name: source_name.to_string(),
            expected,
        });
    }
    Ok(items)
}

/// The certificates in `input` (PEM with one or more blocks, or a single DER
/// certificate), in the order given: for a chain, the end entity first.
pub fn certs_from_bytes(input: &[u8]) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    certs_named(input, MEMORY)
}

/// The certificates in the file at `path` (PEM or DER).
pub fn certs_from_file(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    let path = path.as_ref();
    certs_named(&read_file(path)?, &path.display().to_string())
}

fn certs_named(input: &[u8], source_name: &str) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    if looks_like_pem(input) {
        pem_blocks(input, source_name, "certificate (BEGIN CERTIFICATE)")
    } else {
        Ok(vec![CertificateDer::from(input.to_vec())])
    }
}

/// The private key in `input`: PEM (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or
/// PKCS#1 `RSA PRIVATE KEY`) or PKCS#8 DER. The first key block is taken.
pub fn private_key_from_bytes(input: &[u8]) -> Result<PrivateKeyDer<'static>, PkiError> {
    private_key_named(input, MEMORY)
}

/// The private key in the file at `path`.
pub fn private_key_from_file(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>, PkiError> {
    let path = path.as_ref();
    private_key_named(&read_file(path)?, &path.display().to_string())
}

fn private_key_named(input: &[u8], source_name: &str) -> Result<PrivateKeyDer<'static>, PkiError> {
    if !looks_like_pem(input) {
        return Ok(PrivateKeyDer::Pkcs8(input.to_vec().into()));
    }
    match PrivateKeyDer::from_pem_slice(input) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => {
            // rustls-pki-types skips blocks it does not know; say why the key was missed.
            let text = String::from_utf8_lossy(input);
            if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
                || text.contains("Proc-Type: 4,ENCRYPTED")
            {
                Err(PkiError::EncryptedKey {
                    source_name: source_name.to_string(),
                })
            } else if let Some(label) = text
                .lines()
                .find_map(|l| l.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
                .filter(|label| label.contains("PRIVATE KEY"))
            {
                Err(PkiError::UnsupportedKey {
                    source_name: source_name.to_string(),
                    detail: format!("a {label} block"),
                })
            } else {
                Err(PkiError::NoPemBlock {
                    source_name: source_name.to_string(),
                    expected: "private key (BEGIN PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)",
                })
            }
        }
        Err(e) => Err(malformed(source_name, e)),
    }
}

/// The CRLs in `input` (PEM blocks `X509 CRL`, or one DER CRL).
pub fn crls_from_bytes(
    input: &[u8],
) -> Result<Vec<CertificateRevocationListDer<'static>>, PkiError> {
    crls_named(input, MEMORY)
}

/// The CRLs in the file at `path`.
pub fn crls_from_file(
    path: impl AsRef<Path>,
) -> Result<Vec<CertificateRevocationListDer<'static>>, PkiError> {
    let path = path.as_ref();
    crls_named(&read_file(path)?, &path.display().to_string())
}

fn crls_named(
    input: &[u8],
    source_name: &str,
) -> Result<Vec<CertificateRevocationListDer<'static>>, PkiError> {
    if looks_like_pem(input) {
        pem_blocks(input, source_name, "CRL (BEGIN X509 CRL)")
    } else {
        Ok(vec![CertificateRevocationListDer::from(input.to_vec())])
    }
}
