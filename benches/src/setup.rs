//! What a measurement is set up with: the protocol version, the server's key, whether the
//! client authenticates, the AEAD; and the PKI all three stacks share (made once per run
//! with strata-testdata, handed to each stack as DER).

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use strata_testdata::pki::{KeyKind, TestCa};

/// The name the server's certificate is for, and the name every client asks for.
pub const SERVER_NAME: &str = "server.example";

/// The protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// TLS 1.3.
    Tls13,
    /// TLS 1.2 (with ECDHE and the extended master secret).
    Tls12,
}

impl Version {
    /// Both, the one every stack speaks first.
    pub const ALL: [Self; 2] = [Self::Tls13, Self::Tls12];

    /// "TLS 1.3" or "TLS 1.2".
    pub fn name(self) -> &'static str {
        match self {
            Self::Tls13 => "TLS 1.3",
            Self::Tls12 => "TLS 1.2",
        }
    }
}

/// The server certificate's key. The CA and the client's key are always ECDSA P-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKey {
    /// ECDSA on P-256 (signatures ecdsa_secp256r1_sha256).
    EcdsaP256,
    /// RSA-2048 (signatures rsa_pss_rsae_sha256).
    Rsa2048,
}

impl ServerKey {
    /// Both.
    pub const ALL: [Self; 2] = [Self::EcdsaP256, Self::Rsa2048];

    /// "ECDSA P-256" or "RSA-2048".
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::Rsa2048 => "RSA-2048",
        }
    }
}

/// The record protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aead {
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305.
    Chacha20Poly1305,
}

impl Aead {
    /// All three.
    pub const ALL: [Self; 3] = [Self::Aes128Gcm, Self::Aes256Gcm, Self::Chacha20Poly1305];

    /// "AES-128-GCM" and so on.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "AES-128-GCM",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::Chacha20Poly1305 => "ChaCha20-Poly1305",
        }
    }
}

/// One configuration, as every stack is told it. The key exchange is always X25519. Unless
/// `resumed`, nothing is resumed: servers issue no tickets and keep no session cache,
/// clients store nothing, so that every handshake is a full one on every stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    /// The protocol version (the only one enabled on both sides).
    pub version: Version,
    /// The server certificate's key.
    pub key: ServerKey,
    /// Whether the server requires, and the client presents, a certificate.
    pub client_auth: bool,
    /// The suite's AEAD (the only suite enabled on both sides).
    pub aead: Aead,
    /// Whether handshakes resume the session of an earlier one. TLS 1.3: the server sends
    /// one ticket after every handshake (resumed ones too), the client keeps it and offers
    /// it (psk_dhe_ke) in its next connection. TLS 1.2: resumption by session ID (the one
    /// mechanism all three stacks' servers have on by default: rustls issues no RFC 5077
    /// tickets unless given a ticketer); no tickets.
    pub resumed: bool,
}

impl Setup {
    /// The configuration of a bulk row: `version` with `aead`'s suite, ECDSA, no client
    /// authentication.
    pub fn bulk(version: Version, aead: Aead) -> Self {
        Self {
            version,
            key: ServerKey::EcdsaP256,
            client_auth: false,
            aead,
            resumed: false,
        }
    }

    /// The configurations of the handshake rows, all with AES-128-GCM: version x server
    /// key x client authentication.
    pub fn handshakes() -> Vec<Self> {
        let mut all = Vec::new();
        for version in Version::ALL {
            for key in ServerKey::ALL {
                for client_auth in [false, true] {
                    all.push(Self {
                        version,
                        key,
                        client_auth,
                        aead: Aead::Aes128Gcm,
                        resumed: false,
                    });
                }
            }
        }
        all
    }

    /// The configurations of the resumed-handshake rows, with AES-128-GCM: each version
    /// with an ECDSA P-256 server key without and with client authentication, and with an
    /// RSA-2048 key without (the server key is not used in a resumed handshake: the
    /// RSA row shows only what the bigger certificate in the session costs).
    pub fn resumed_handshakes() -> Vec<Self> {
        let mut all = Vec::new();
        for version in Version::ALL {
            for (key, client_auth) in [
                (ServerKey::EcdsaP256, false),
                (ServerKey::EcdsaP256, true),
                (ServerKey::Rsa2048, false),
            ] {
                all.push(Self {
                    version,
                    key,
                    client_auth,
                    aead: Aead::Aes128Gcm,
                    resumed: true,
                });
            }
        }
        all
    }

    /// The rows of one kind, as the profiling examples name them: `full` (the full
    /// handshakes), `resumed13` or `resumed12` (the resumed rows of that version).
    pub fn of_kind(kind: &str) -> Result<Vec<Self>, String> {
        let resumed = |version| {
            Self::resumed_handshakes()
                .into_iter()
                .filter(|s| s.version == version)
                .collect()
        };
        match kind {
            "full" => Ok(Self::handshakes()),
            "resumed13" => Ok(resumed(Version::Tls13)),
            "resumed12" => Ok(resumed(Version::Tls12)),
            other => Err(format!(
                "unknown kind {other}: full, resumed13 or resumed12"
            )),
        }
    }

    /// "TLS 1.3, ECDSA P-256, client auth" (", resumed" after it for a resumed setup).
    pub fn name(&self) -> String {
        format!(
            "{}, {}, {}{}",
            self.version.name(),
            self.key.name(),
            if self.client_auth {
                "client auth"
            } else {
                "no client auth"
            },
            if self.resumed { ", resumed" } else { "" }
        )
    }

    /// [`Setup::name`] without the ", resumed": the row label in a table of one kind.
    pub fn row_name(&self) -> String {
        Self {
            resumed: false,
            ..*self
        }
        .name()
    }
}

/// A certificate chain (end entity first) with its private key, as DER.
#[derive(Debug)]
pub struct Identity {
    /// The chain, end entity first (here: the leaf alone; the CA is the trust anchor).
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key, PKCS#8.
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// The PKI of a run: one ECDSA P-256 root CA, which issued an ECDSA P-256 and an RSA-2048
/// server certificate for [`SERVER_NAME`] and an ECDSA P-256 client certificate.
#[derive(Debug)]
pub struct Pki {
    /// The root CA's certificate: every stack's only trust anchor.
    pub ca: CertificateDer<'static>,
    /// The server's ECDSA P-256 identity.
    pub server_ecdsa: Identity,
    /// The server's RSA-2048 identity.
    pub server_rsa: Identity,
    /// The client's ECDSA P-256 identity.
    pub client: Identity,
}

impl Pki {
    /// Makes the PKI (fresh ECDSA keys; the RSA key is strata-testdata's).
    pub fn new() -> Self {
        let ca = TestCa::root(KeyKind::EcdsaP256);
        let server = |kind| {
            let leaf = ca.server_leaf(kind, &[SERVER_NAME], |_| {});
            Identity {
                chain: vec![leaf.cert.clone()],
                key: leaf.key_der(),
            }
        };
        let client = ca.client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {});
        Self {
            ca: ca.cert.clone(),
            server_ecdsa: server(KeyKind::EcdsaP256),
            server_rsa: server(KeyKind::Rsa2048),
            client: Identity {
                chain: vec![client.cert.clone()],
                key: client.key_der(),
            },
        }
    }

    /// The server identity for `key`.
    pub fn server(&self, key: ServerKey) -> &Identity {
        match key {
            ServerKey::EcdsaP256 => &self.server_ecdsa,
            ServerKey::Rsa2048 => &self.server_rsa,
        }
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}
