//! The server side.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use strata_handshake::Server;
use strata_record::ProtocolVersion;

use crate::config::ServerConfig;
use crate::conn::{Connection, Machine, Responder};
use crate::Error;

/// A server connection, waiting for a ClientHello. Dereferences to [`Connection`].
#[derive(Debug)]
pub struct ServerConnection {
    // Boxed, so that the handle moves as a pointer (see `Connection`).
    inner: Box<Connection>,
}

impl ServerConnection {
    /// A connection that waits for a ClientHello.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let mut random = [0u8; 32];
        config
            .common
            .random
            .fill(&mut random)
            .map_err(|_| Error::Random)?;
        let machine = Server::new(config.handshake_config(), random);
        let responder = Responder::Server {
            resolver: config.resolver.clone(),
            client_verifier: config.client_verifier.clone(),
        };
        let inner = Box::new(Connection::new(
            Machine::Server(machine),
            Connection::action_buffer(),
            responder,
            &config.common,
            ProtocolVersion::Tls12,
        ));
        Ok(Self { inner })
    }
}

impl Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.inner
    }
}

impl DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.inner
    }
}
