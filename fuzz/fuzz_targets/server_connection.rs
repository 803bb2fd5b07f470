//! Any bytes as a client's stream to a strata server (both versions, client
//! authentication optional): records, handshake, alerts, in any cut. A typed error with an
//! alert, or progress; never a panic, a hang or unbounded memory; and the same outcome
//! whether the bytes are read with read_tls or opened in place.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata::ServerConnection;

#[path = "connection_common.rs"]
mod connection_common;

fuzz_target!(|data: &[u8]| {
    let configs = connection_common::configs();
    let Ok(mut conn) = ServerConnection::new(configs.server.clone()) else { return };
    let Ok(mut twin) = ServerConnection::new(configs.server.clone()) else { return };
    connection_common::drive(&mut conn, &mut twin, data);
});
