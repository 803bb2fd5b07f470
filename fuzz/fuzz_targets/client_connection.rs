//! Any bytes as a server's stream to a strata client that has sent its ClientHello (both
//! versions offered, a client certificate ready). A typed error with an alert, or
//! progress; never a panic, a hang or unbounded memory; and the same outcome whether the
//! bytes are read with read_tls or opened in place.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata::pki_types::ServerName;
use strata::ClientConnection;

#[path = "connection_common.rs"]
mod connection_common;

fuzz_target!(|data: &[u8]| {
    let configs = connection_common::configs();
    let name = ServerName::try_from("server.example").unwrap();
    let Ok(mut conn) = ClientConnection::new(configs.client.clone(), name.clone()) else { return };
    let Ok(mut twin) = ClientConnection::new(configs.client.clone(), name) else { return };
    connection_common::drive(&mut conn, &mut twin, data);
});
