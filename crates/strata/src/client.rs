//! The client side.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use strata_handshake::Client;
use strata_pki::pki_types::ServerName;
use strata_record::ProtocolVersion;

use crate::config::ClientConfig;
use crate::conn::{Connection, Machine, Responder};
use crate::Error;

/// A client connection to `server_name`. Dereferences to [`Connection`] for the sans-IO
/// API (`read_tls`, `process_new_packets`, `write_tls`, plaintext).
#[derive(Debug)]
pub struct ClientConnection {
    // Boxed, so that the handle moves as a pointer (see `Connection`).
    inner: Box<Connection>,
}

impl ClientConnection {
    /// Starts a handshake: the ClientHello is queued for [`Connection::write_tls`].
    pub fn new(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Result<Self, Error> {
        // The random (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and the legacy_session_id
        // (RFC 8446 §D.4) in one read of the random source: with the operating system's,
        // each read is a system call, a share of a resumed TLS 1.2 handshake's time.
        let mut randoms = [0u8; 64];
        config
            .common
            .random
            .fill(&mut randoms)
            .map_err(|_| Error::Random)?;
        let (random, session_id) = randoms.split_at(32);
        let random: [u8; 32] = random.try_into().map_err(|_| Error::Random)?;
        let session_id: [u8; 32] = session_id.try_into().map_err(|_| Error::Random)?;
        // The name sessions are kept under, only if they are kept.
        let session_name = config
            .session_store()
            .map(|_| crate::config::session_key(&server_name));
        let handshake = config.handshake_config(server_name, session_name.as_deref());
        let mut actions = Connection::action_buffer();
        let machine = Client::new(handshake, random, session_id, &mut actions)
            .map_err(|source| Error::Config(source.to_string()))?;
        let responder = Responder::Client {
            verifier: config.verifier.clone(),
            certificate: config.certificate.clone(),
        };
        // RFC 8446 §5.1: the initial ClientHello may use legacy_record_version 0x0301,
        // which old servers and middleboxes expect.
        let mut inner = Box::new(Connection::new(
            Machine::Client(machine),
            actions,
            responder,
            &config.common,
            ProtocolVersion::Tls10,
        ));
        if let (Some(store), Some(name)) = (config.session_store(), session_name) {
            inner.set_session_store(store.clone(), name);
        }
        inner.start()?;
        Ok(Self { inner })
    }
}

impl Deref for ClientConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.inner
    }
}

impl DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.inner
    }
}
