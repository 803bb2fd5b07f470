//! The client side.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use strata_handshake::Client;
use strata_pki::pki_types::ServerName;
use strata_record::ProtocolVersion;

use crate::config::ClientConfig;
use crate::conn::{Connection, Responder};
use crate::Error;

/// A client connection to `server_name`. Dereferences to [`Connection`] for the sans-IO
/// API (`read_tls`, `process_new_packets`, `write_tls`, plaintext).
#[derive(Debug)]
pub struct ClientConnection {
    inner: Connection,
}

impl ClientConnection {
    /// Starts a handshake: the ClientHello is queued for [`Connection::write_tls`].
    pub fn new(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Result<Self, Error> {
        let mut random = [0u8; 32];
        let mut session_id = [0u8; 32];
        config
            .common
            .random
            .fill(&mut random)
            .map_err(|_| Error::Random)?;
        config
            .common
            .random
            .fill(&mut session_id)
            .map_err(|_| Error::Random)?;
        let session_name = crate::config::session_key(&server_name);
        let handshake = config.handshake_config(server_name);
        let mut actions = Connection::action_buffer();
        let machine = Client::new(handshake, random, session_id, &mut actions)
            .map_err(|source| Error::Config(source.to_string()))?;
        let responder = Responder::Client {
            verifier: config.verifier.clone(),
            certificate: config.certificate.clone(),
        };
        // RFC 8446 §5.1: the initial ClientHello may use legacy_record_version 0x0301,
        // which old servers and middleboxes expect.
        let mut inner = Connection::new(
            Box::new(machine),
            actions,
            responder,
            &config.common,
            ProtocolVersion::Tls10,
        );
        if let Some(store) = config.session_store() {
            inner.set_session_store(store.clone(), session_name);
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
