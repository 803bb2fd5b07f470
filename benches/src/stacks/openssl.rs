//! OpenSSL (libssl, through the `openssl` crate), over an in-memory duplex: an `SslStream`
//! whose transport is a pair of byte buffers, so OpenSSL's own BIO reads what the
//! harness put in and writes what the harness takes out. One suite, X25519, peer
//! verification (with the host name) against the run's CA; no tickets, no session cache.

use std::io::{self, Read, Write};

use openssl::error::ErrorStack;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslSessionCacheMode,
    SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;

use super::{Endpoint, SetupError, Stack};
use crate::setup::{Aead, Identity, Pki, ServerKey, Setup, Version, SERVER_NAME};

/// OpenSSL configured for one [`Setup`].
pub struct OpenSsl {
    client: SslContext,
    server: SslContext,
}

impl std::fmt::Debug for OpenSsl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSsl").finish_non_exhaustive()
    }
}

/// The version of the OpenSSL library linked in, as it says it.
pub fn library_version() -> &'static str {
    openssl::version::version()
}

/// OpenSSL's name for the one suite `setup` enables.
fn suite(setup: &Setup) -> &'static str {
    match (setup.version, setup.key, setup.aead) {
        (Version::Tls13, _, Aead::Aes128Gcm) => "TLS_AES_128_GCM_SHA256",
        (Version::Tls13, _, Aead::Aes256Gcm) => "TLS_AES_256_GCM_SHA384",
        (Version::Tls13, _, Aead::Chacha20Poly1305) => "TLS_CHACHA20_POLY1305_SHA256",
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Aes128Gcm) => "ECDHE-ECDSA-AES128-GCM-SHA256",
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Aes256Gcm) => "ECDHE-ECDSA-AES256-GCM-SHA384",
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Chacha20Poly1305) => {
            "ECDHE-ECDSA-CHACHA20-POLY1305"
        }
        (Version::Tls12, ServerKey::Rsa2048, Aead::Aes128Gcm) => "ECDHE-RSA-AES128-GCM-SHA256",
        (Version::Tls12, ServerKey::Rsa2048, Aead::Aes256Gcm) => "ECDHE-RSA-AES256-GCM-SHA384",
        (Version::Tls12, ServerKey::Rsa2048, Aead::Chacha20Poly1305) => {
            "ECDHE-RSA-CHACHA20-POLY1305"
        }
    }
}

fn context(setup: &Setup, pki: &Pki) -> Result<SslContextBuilder, ErrorStack> {
    let mut ctx = SslContext::builder(SslMethod::tls())?;
    let version = match setup.version {
        Version::Tls13 => SslVersion::TLS1_3,
        Version::Tls12 => SslVersion::TLS1_2,
    };
    ctx.set_min_proto_version(Some(version))?;
    ctx.set_max_proto_version(Some(version))?;
    match setup.version {
        Version::Tls13 => ctx.set_ciphersuites(suite(setup))?,
        Version::Tls12 => ctx.set_cipher_list(suite(setup))?,
    }
    // TLS 1.2 takes the server's ECDSA certificate's curve from supported_groups too:
    // offer P-256 after X25519 (the key exchange is still X25519, the first choice).
    ctx.set_groups_list(match setup.version {
        Version::Tls13 => "X25519",
        Version::Tls12 => "X25519:P-256",
    })?;
    ctx.set_session_cache_mode(SslSessionCacheMode::OFF);
    ctx.set_options(SslOptions::NO_TICKET);
    ctx.set_num_tickets(0)?;
    ctx.cert_store_mut().add_cert(X509::from_der(&pki.ca)?)?;
    Ok(ctx)
}

fn identity(ctx: &mut SslContextBuilder, identity: &Identity) -> Result<(), ErrorStack> {
    for (i, cert) in identity.chain.iter().enumerate() {
        let cert = X509::from_der(cert)?;
        if i == 0 {
            ctx.set_certificate(&cert)?;
        } else {
            ctx.add_extra_chain_cert(cert)?;
        }
    }
    let key: PKey<Private> = PKey::private_key_from_der(identity.key.secret_der())?;
    ctx.set_private_key(&key)?;
    ctx.check_private_key()
}

impl Stack for OpenSsl {
    type Client = OpenSslEndpoint;
    type Server = OpenSslEndpoint;

    const NAME: &'static str = "OpenSSL";

    /// A client resumes a session when it is given it with `SSL_set_session`, which the
    /// openssl crate wraps as an `unsafe fn` (the session must come from the same
    /// context), and this workspace forbids unsafe code. The resumed rows measure OpenSSL
    /// through the C program of [`super::openssl_resumed`] instead.
    fn unavailable(setup: &Setup) -> Option<&'static str> {
        setup.resumed.then_some("needs unsafe SslRef::set_session")
    }

    fn new(pki: &Pki, setup: &Setup) -> Result<Self, SetupError> {
        let build = || -> Result<Self, ErrorStack> {
            let mut client = context(setup, pki)?;
            client.set_verify(SslVerifyMode::PEER);
            if setup.client_auth {
                identity(&mut client, &pki.client)?;
            }
            let mut server = context(setup, pki)?;
            identity(&mut server, pki.server(setup.key))?;
            if setup.client_auth {
                server.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
                let ca = X509::from_der(&pki.ca)?;
                server.add_client_ca(&ca)?;
            } else {
                server.set_verify(SslVerifyMode::NONE);
            }
            Ok(Self {
                client: client.build(),
                server: server.build(),
            })
        };
        build().map_err(|e| SetupError::Failed(format!("OpenSSL: {e}")))
    }

    fn client(&self) -> Result<OpenSslEndpoint, String> {
        let start = || -> Result<OpenSslEndpoint, ErrorStack> {
            let mut ssl = Ssl::new(&self.client)?;
            ssl.set_connect_state();
            ssl.set_hostname(SERVER_NAME)?;
            ssl.param_mut().set_host(SERVER_NAME)?;
            Ok(OpenSslEndpoint {
                stream: SslStream::new(ssl, Duplex::default())?,
                handshaking: true,
                is_server: false,
            })
        };
        let mut endpoint = start().map_err(|e| e.to_string())?;
        endpoint.handshake()?;
        Ok(endpoint)
    }

    fn server(&self) -> Result<OpenSslEndpoint, String> {
        let start = || -> Result<OpenSslEndpoint, ErrorStack> {
            let mut ssl = Ssl::new(&self.server)?;
            ssl.set_accept_state();
            Ok(OpenSslEndpoint {
                stream: SslStream::new(ssl, Duplex::default())?,
                handshaking: true,
                is_server: true,
            })
        };
        start().map_err(|e| e.to_string())
    }
}

/// The in-memory transport under an `SslStream`: what the peer sent, not yet read by
/// OpenSSL, and what OpenSSL wrote, not yet taken by the harness. Reading an empty inbox
/// is `WouldBlock`, which OpenSSL turns into WANT_READ.
#[derive(Debug, Default)]
pub struct Duplex {
    inbox: Vec<u8>,
    read: usize,
    outbox: Vec<u8>,
}

impl Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let pending = self.inbox.get(self.read..).unwrap_or_default();
        if pending.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = pending.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.read += n;
        if self.read == self.inbox.len() {
            self.inbox.clear();
            self.read = 0;
        }
        Ok(n)
    }
}

impl Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbox.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An OpenSSL connection, client or server, over a [`Duplex`].
pub struct OpenSslEndpoint {
    stream: SslStream<Duplex>,
    handshaking: bool,
    is_server: bool,
}

impl std::fmt::Debug for OpenSslEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSslEndpoint")
            .field("handshaking", &self.handshaking)
            .field("is_server", &self.is_server)
            .finish_non_exhaustive()
    }
}

impl OpenSslEndpoint {
    /// Drives the handshake as far as the bytes received allow.
    fn handshake(&mut self) -> Result<(), String> {
        match self.stream.do_handshake() {
            Ok(()) => {
                self.handshaking = false;
                Ok(())
            }
            Err(e) if e.code() == ErrorCode::WANT_READ => Ok(()),
            Err(e) => Err(format!("OpenSSL handshake: {e}")),
        }
    }
}

impl Endpoint for OpenSslEndpoint {
    fn receive(&mut self, tls: &[u8], sink: &mut [u8]) -> Result<usize, String> {
        self.stream.get_mut().inbox.extend_from_slice(tls);
        if self.handshaking {
            self.handshake()?;
            if self.handshaking {
                return Ok(0);
            }
        }
        let mut read = 0;
        loop {
            match self.stream.ssl_read(sink) {
                Ok(n) => read += n,
                Err(e) if e.code() == ErrorCode::WANT_READ => return Ok(read),
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => return Ok(read),
                Err(e) => return Err(format!("OpenSSL read: {e}")),
            }
        }
    }

    fn transmit(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        out.append(&mut self.stream.get_mut().outbox);
        Ok(())
    }

    fn send_plaintext(&mut self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            let n = self
                .stream
                .ssl_write(data)
                .map_err(|e| format!("OpenSSL write: {e}"))?;
            data = data.get(n..).unwrap_or_default();
        }
        Ok(())
    }

    fn is_handshaking(&self) -> bool {
        self.handshaking
    }

    fn check(&self, setup: &Setup) -> Result<(), String> {
        let ssl = self.stream.ssl();
        let want_version = match setup.version {
            Version::Tls13 => "TLSv1.3",
            Version::Tls12 => "TLSv1.2",
        };
        let cipher = ssl.current_cipher().map(|c| c.name());
        if ssl.version_str() != want_version || cipher != Some(suite(setup)) {
            return Err(format!(
                "OpenSSL negotiated {} {cipher:?}, wanted {want_version} {}",
                ssl.version_str(),
                suite(setup)
            ));
        }
        if self.is_server && ssl.peer_certificate().is_some() != setup.client_auth {
            return Err(
                "OpenSSL server: client certificate presence is not what was set up".into(),
            );
        }
        Ok(())
    }

    fn is_resumed(&self) -> bool {
        self.stream.ssl().session_reused()
    }
}
