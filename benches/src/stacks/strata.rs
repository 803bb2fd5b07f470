//! strata, through its facade: ClientConfig/ServerConfig built once, sans-IO connections,
//! certificates checked with webpki against the run's CA, the system clock, the OS's
//! randomness: the defaults an application gets.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::config::IMPLEMENTED_VERSIONS;
use strata::pki_types::ServerName;
use strata::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};
use strata_handshake::suites::{
    SupportedSuite, TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256, TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384,
    TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256, TLS12_ECDHE_RSA_AES_128_GCM_SHA256,
    TLS12_ECDHE_RSA_AES_256_GCM_SHA384, TLS12_ECDHE_RSA_CHACHA20_POLY1305_SHA256,
    TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384, TLS13_CHACHA20_POLY1305_SHA256,
};
use strata_handshake::NamedGroup;
use strata_pki::{
    CertifiedKey, RingSigningKey, TlsVersion, TrustAnchors, WebPkiClientVerifier,
    WebPkiServerVerifier,
};

use super::{Endpoint, SetupError, Stack};
use crate::setup::{Aead, Identity, Pki, ServerKey, Setup, Version, SERVER_NAME};

/// strata configured for one [`Setup`].
#[derive(Debug)]
pub struct Strata {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    server_name: ServerName<'static>,
}

/// The one suite `setup` enables.
pub fn suite(setup: &Setup) -> SupportedSuite {
    match (setup.version, setup.key, setup.aead) {
        (Version::Tls13, _, Aead::Aes128Gcm) => TLS13_AES_128_GCM_SHA256,
        (Version::Tls13, _, Aead::Aes256Gcm) => TLS13_AES_256_GCM_SHA384,
        (Version::Tls13, _, Aead::Chacha20Poly1305) => TLS13_CHACHA20_POLY1305_SHA256,
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Aes128Gcm) => {
            TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256
        }
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Aes256Gcm) => {
            TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384
        }
        (Version::Tls12, ServerKey::EcdsaP256, Aead::Chacha20Poly1305) => {
            TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256
        }
        (Version::Tls12, ServerKey::Rsa2048, Aead::Aes128Gcm) => TLS12_ECDHE_RSA_AES_128_GCM_SHA256,
        (Version::Tls12, ServerKey::Rsa2048, Aead::Aes256Gcm) => TLS12_ECDHE_RSA_AES_256_GCM_SHA384,
        (Version::Tls12, ServerKey::Rsa2048, Aead::Chacha20Poly1305) => {
            TLS12_ECDHE_RSA_CHACHA20_POLY1305_SHA256
        }
    }
}

fn version(v: Version) -> TlsVersion {
    match v {
        Version::Tls13 => TlsVersion::Tls13,
        Version::Tls12 => TlsVersion::Tls12,
    }
}

fn certified_key(identity: &Identity) -> Result<Arc<CertifiedKey>, SetupError> {
    let failed = |e: strata_pki::PkiError| SetupError::Failed(e.to_string());
    let key = RingSigningKey::new(&identity.key).map_err(failed)?;
    Ok(Arc::new(
        CertifiedKey::new(identity.chain.clone(), Arc::new(key)).map_err(failed)?,
    ))
}

/// A build error is "not implemented" when the version is one strata does not speak yet.
fn build_error(setup: &Setup, e: strata::Error) -> SetupError {
    if IMPLEMENTED_VERSIONS.contains(&version(setup.version)) {
        SetupError::Failed(e.to_string())
    } else {
        SetupError::NotImplemented(e.to_string())
    }
}

impl Stack for Strata {
    type Client = ClientConnection;
    type Server = ServerConnection;

    const NAME: &'static str = "strata";

    fn new(pki: &Pki, setup: &Setup) -> Result<Self, SetupError> {
        let failed = |e: strata_pki::PkiError| SetupError::Failed(e.to_string());
        let anchors =
            Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&pki.ca)).map_err(failed)?);
        let versions = [version(setup.version)];
        let suites = [suite(setup)];
        // X25519 for the key exchange; in TLS 1.2 also P-256, the ECDSA certificate's
        // curve, which RFC 8422 §5.1 requires among the groups (OpenSSL's setup does the
        // same).
        let groups: &[NamedGroup] = match setup.version {
            Version::Tls12 => &[NamedGroup::X25519, NamedGroup::Secp256r1],
            Version::Tls13 => &[NamedGroup::X25519],
        };

        let verifier = WebPkiServerVerifier::new(anchors.clone()).map_err(failed)?;
        let mut client = ClientConfig::builder(Arc::new(verifier))
            .versions(&versions)
            .suites(&suites)
            .groups(groups);
        if !setup.resumed {
            // Full handshakes only, as for the other stacks.
            client = client.no_resumption();
        }
        if setup.client_auth {
            client = client.client_certificate(certified_key(&pki.client)?);
        }
        let client = client.build().map_err(|e| build_error(setup, e))?;

        let server =
            ServerConfig::builder_with_certificates(vec![certified_key(pki.server(setup.key))?])
                .versions(&versions)
                .suites(&suites)
                .groups(groups);
        // Resumed: TLS 1.3 one ticket per handshake and no session cache; TLS 1.2 the
        // session cache and no tickets (0 tickets turns RFC 5077 tickets off too; the
        // lifetime still bounds the cached sessions' age, so it may not be 0).
        let mut server = match (setup.resumed, setup.version) {
            (true, Version::Tls13) => server.tickets(1, 7200).session_cache(0),
            (true, Version::Tls12) => server.tickets(0, 7200),
            (false, _) => server.tickets(0, 0).session_cache(0),
        };
        if setup.client_auth {
            let verifier = WebPkiClientVerifier::new(anchors).map_err(failed)?;
            server = server.client_auth(Arc::new(verifier));
        }
        let server = server.build().map_err(|e| build_error(setup, e))?;
        let server_name = ServerName::try_from(SERVER_NAME)
            .map_err(|e| SetupError::Failed(e.to_string()))?
            .to_owned();
        Ok(Self {
            client,
            server,
            server_name,
        })
    }

    fn client(&self) -> Result<ClientConnection, String> {
        ClientConnection::new(self.client.clone(), self.server_name.clone())
            .map_err(|e| e.to_string())
    }

    fn server(&self) -> Result<ServerConnection, String> {
        ServerConnection::new(self.server.clone()).map_err(|e| e.to_string())
    }
}

fn receive(conn: &mut Connection, mut tls: &[u8], sink: &mut [u8]) -> Result<usize, String> {
    let mut read = 0;
    loop {
        if !tls.is_empty() {
            let taken = conn.read_tls_slice(tls);
            tls = tls.get(taken..).unwrap_or_default();
        }
        conn.process_new_packets().map_err(|e| e.to_string())?;
        loop {
            match conn.read_plaintext(sink) {
                Ok(0) => break,
                Ok(n) => read += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.to_string()),
            }
        }
        if tls.is_empty() {
            return Ok(read);
        }
    }
}

fn transmit(conn: &mut Connection, out: &mut Vec<u8>) -> Result<(), String> {
    while conn.wants_write() {
        conn.write_tls(out).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Seals straight into the wire buffer (`Connection::write_plaintext_into`): the records
/// are built where they leave from, with no copy out of the connection's own buffer.
fn send_into(conn: &mut Connection, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    while !data.is_empty() {
        let n = conn
            .write_plaintext_into(data, out)
            .map_err(|e| e.to_string())?;
        data = data.get(n..).unwrap_or_default();
    }
    transmit(conn, out)
}

fn send_plaintext(conn: &mut Connection, mut data: &[u8]) -> Result<(), String> {
    while !data.is_empty() {
        let n = conn.write_plaintext(data).map_err(|e| e.to_string())?;
        data = data.get(n..).unwrap_or_default();
    }
    Ok(())
}

fn check(conn: &Connection, setup: &Setup, is_server: bool) -> Result<(), String> {
    let negotiated = conn
        .negotiated()
        .ok_or("strata: nothing negotiated after the handshake")?;
    let want = suite(setup);
    if negotiated.version != want.version || negotiated.suite != want {
        return Err(format!(
            "strata negotiated {:?} {:?}, wanted {:?}",
            negotiated.version, negotiated.suite.suite, want.suite
        ));
    }
    if negotiated.group != NamedGroup::X25519 {
        return Err(format!("strata negotiated {:?}", negotiated.group));
    }
    if is_server && negotiated.peer_certificates.is_empty() == setup.client_auth {
        return Err("strata server: client certificate presence is not what was set up".into());
    }
    Ok(())
}

macro_rules! endpoint {
    ($conn:ty, $is_server:expr) => {
        impl Endpoint for $conn {
            fn receive(&mut self, tls: &[u8], sink: &mut [u8]) -> Result<usize, String> {
                receive(self, tls, sink)
            }

            fn transmit(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
                transmit(self, out)
            }

            fn send_plaintext(&mut self, data: &[u8]) -> Result<(), String> {
                send_plaintext(self, data)
            }

            fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
                send_into(self, data, out)
            }

            fn is_handshaking(&self) -> bool {
                Connection::is_handshaking(self)
            }

            fn check(&self, setup: &Setup) -> Result<(), String> {
                check(self, setup, $is_server)
            }

            fn is_resumed(&self) -> bool {
                Connection::is_resumed(self)
            }
        }
    };
}

endpoint!(ClientConnection, false);
endpoint!(ServerConnection, true);

/// A strata pair that moves application data with the in-place calls: each record is
/// sealed where the sender's application put its plaintext (`Connection::seal_in_place`)
/// and opened where the receiver's transport put its bytes (`Connection::open_in_place`),
/// so that no byte of it is copied by either connection. Used for the bulk rows' in-place
/// column and the zero-allocation test.
#[derive(Debug)]
pub struct InPlacePair {
    client: ClientConnection,
    server: ServerConnection,
    /// One buffer per record of a batch: header room then plaintext before sealing, the
    /// record after; the plaintext again after opening, where the next seal finds it.
    records: Vec<Vec<u8>>,
    header_len: usize,
    payload_len: usize,
}

impl InPlacePair {
    /// A pair of `setup` with its handshake done, and `batch` record buffers that each
    /// hold `payload` (at most one record's worth).
    pub fn new(pki: &Pki, setup: &Setup, payload: &[u8], batch: usize) -> Result<Self, String> {
        let stack = Strata::new(pki, setup).map_err(|e| e.to_string())?;
        let (client, mut server, _) =
            crate::drive::handshake(&stack, &mut crate::drive::Buffers::default())?;
        // Whatever the server sent after its handshake (tickets, here none) is taken.
        let mut wire = Vec::new();
        server.transmit(&mut wire)?;
        let mut pair = Self {
            client,
            server,
            records: Vec::new(),
            header_len: 0,
            payload_len: payload.len(),
        };
        let mut rest = wire.as_mut_slice();
        while !rest.is_empty() {
            let opened = pair.client.open_in_place(rest).map_err(|e| e.to_string())?;
            if opened.consumed == 0 {
                return Err("a partial record after the handshake".into());
            }
            let consumed = opened.consumed;
            rest = rest.get_mut(consumed..).unwrap_or_default();
        }
        let layout = pair
            .client
            .record_layout()
            .ok_or("no record layout after the handshake")?;
        if payload.len() > layout.max_plaintext {
            return Err("the payload is larger than a record".into());
        }
        pair.header_len = layout.header_len;
        pair.records = (0..batch)
            .map(|_| {
                let mut record =
                    Vec::with_capacity(layout.header_len + payload.len() + layout.trailer_len);
                record.resize(layout.header_len, 0);
                record.extend_from_slice(payload);
                record
            })
            .collect();
        Ok(pair)
    }

    /// Seals every record of the batch at the client, then opens them all at the server:
    /// returns (time in the sealing calls, time in the opening calls, plaintext bytes
    /// opened). An opened record leaves its plaintext where it was sealed from, so once
    /// cut back to header room and plaintext the next batch seals the same data again
    /// without anyone copying it.
    pub fn one_way(&mut self) -> Result<(Duration, Duration, usize), String> {
        let start = Instant::now();
        for record in &mut self.records {
            self.client
                .seal_in_place(record, 0)
                .map_err(|e| e.to_string())?;
        }
        let sealed = Instant::now();
        let mut opened_bytes = 0;
        for record in &mut self.records {
            let len = record.len();
            let opened = self
                .server
                .open_in_place(record)
                .map_err(|e| e.to_string())?;
            if opened.consumed != len {
                return Err("the record was not taken whole".into());
            }
            opened_bytes += opened.application_data.len();
        }
        let opened = Instant::now();
        for record in &mut self.records {
            record.truncate(self.header_len + self.payload_len);
        }
        Ok((sealed - start, opened - sealed, opened_bytes))
    }

    /// The plaintext of every record, as the last batch left it.
    pub fn plaintexts(&self) -> impl Iterator<Item = &[u8]> {
        self.records
            .iter()
            .map(|r| r.get(self.header_len..).unwrap_or_default())
    }
}
