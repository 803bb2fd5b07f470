//! A real strata client and a real strata server handshake with each other in memory, and
//! the input mutates the flights between them: bytes flipped, inserted, deleted, cut,
//! repeated, flights dropped or delivered in small pieces. The flights are real (the peer
//! answers the key share it was sent), so mutations land deep inside the protocol: in the
//! encrypted flights, in client authentication, in the tickets and data after the
//! handshake, in a resumed handshake. Both sides and both versions are under test.
//!
//! Oracles: no panic, hang or unbounded memory; a side that fails does so with a typed
//! error that sent an alert or reports the peer's; with no mutation at all the handshake
//! completes, resumes when asked to, and the data arrives both ways.
//!
//! ring makes the ephemeral key shares from its own random source, so ciphertexts differ
//! from run to run; the randoms strata draws itself come from a fixed source, so the
//! plaintext flights, lengths and offsets are the same each run.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use strata::pki_types::ServerName;
use strata::providers::{RandomError, RandomSource};
use strata::{
    ClientConfig, ClientConnection, Connection, MemorySessionStore, ServerConfig,
    ServerConnection, TlsVersion,
};

#[path = "connection_common.rs"]
mod connection_common;

/// Randoms from a counter: deterministic, which is all a fuzzer wants.
#[derive(Debug, Default)]
struct CountingRandom(std::sync::atomic::AtomicU64);

impl RandomSource for CountingRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for (i, b) in dest.iter_mut().enumerate() {
            *b = (n as u8).wrapping_mul(31).wrapping_add(i as u8);
        }
        Ok(())
    }
}

/// One change to one flight.
#[derive(Clone, Copy, Debug)]
struct Mutation {
    flight: u8,
    kind: u8,
    offset: u16,
    arg: u16,
}

/// Six bytes per mutation: flight, kind, offset (u16), argument (u16).
fn mutations(data: &[u8]) -> Vec<Mutation> {
    data.chunks_exact(6)
        .take(32)
        .map(|c| Mutation {
            flight: c[0] % 16,
            kind: c[1],
            offset: u16::from_be_bytes([c[2], c[3]]),
            arg: u16::from_be_bytes([c[4], c[5]]),
        })
        .collect()
}

/// How one flight crosses: its bytes after the mutations, and the piece size.
fn mutate(mut flight: Vec<u8>, index: u8, all: &[Mutation]) -> (Vec<u8>, usize) {
    let mut piece = usize::MAX;
    for m in all.iter().filter(|m| m.flight == index) {
        let at = usize::from(m.offset) % (flight.len() + 1);
        let arg = usize::from(m.arg);
        match m.kind % 7 {
            0 => {
                if let Some(b) = flight.get_mut(at) {
                    *b ^= (m.arg as u8).max(1);
                }
            }
            1 => {
                let bytes = std::iter::repeat((arg >> 8) as u8).take(arg % 64 + 1);
                flight.splice(at..at, bytes);
            }
            2 => {
                let end = (at + arg % 256 + 1).min(flight.len());
                flight.drain(at..end);
            }
            3 => flight.truncate(at),
            4 => {
                let end = (at + arg % 512 + 1).min(flight.len());
                let again = flight[at..end].to_vec();
                flight.splice(end..end, again);
            }
            5 => piece = arg % 64 + 1,
            _ => flight.clear(),
        }
    }
    (flight, piece)
}

/// Everything `from` has to send.
fn drain(from: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while from.wants_write() {
        if from.write_tls(&mut out).is_err() {
            break;
        }
    }
    out
}

/// Delivers `bytes` to `to` in pieces; `false` once `to` has failed. A failure must be a
/// typed error that sent an alert or reports the peer's.
fn deliver(to: &mut Connection, bytes: &[u8], piece: usize) -> bool {
    for chunk in bytes.chunks(piece.max(1)) {
        let mut rd = chunk;
        while !rd.is_empty() {
            match to.read_tls(&mut rd) {
                Ok(0) | Err(_) => return to.error().is_none(),
                Ok(_) => {}
            }
            if let Err(err) = to.process_new_packets() {
                assert!(
                    err.alert_sent().is_some() || err.alert_received().is_some(),
                    "a failure that names no alert: {err}"
                );
                return false;
            }
        }
    }
    true
}

/// Reads all the plaintext `conn` holds.
fn read_all(conn: &mut Connection) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = conn.read_plaintext(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// What one connection did: whether both sides completed, and the data each received.
struct Outcome {
    completed: bool,
    resumed: bool,
    to_server: Vec<u8>,
    to_client: Vec<u8>,
}

/// Runs one client/server pair to its end with `all` applied to the flights, numbered
/// from the ClientHello on, both directions counted in turn.
fn run(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>, all: &[Mutation]) -> Outcome {
    let name = ServerName::try_from("server.example").unwrap();
    let (Ok(mut c), Ok(mut s)) = (ClientConnection::new(client.clone(), name), ServerConnection::new(server.clone())) else {
        panic!("connections from good configs");
    };
    let mut flight = 0u8;
    let mut sent_data = false;
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for _ in 0..24 {
        let mut moved = false;
        for client_sends in [true, false] {
            let (from, to) = if client_sends { (&mut *c, &mut *s) } else { (&mut *s, &mut *c) };
            let bytes = drain(from);
            if bytes.is_empty() {
                continue;
            }
            moved = true;
            let (bytes, piece) = mutate(bytes, flight, all);
            flight = flight.saturating_add(1);
            if to.error().is_none() {
                deliver(to, &bytes, piece);
            }
        }
        to_server.extend(read_all(&mut s));
        to_client.extend(read_all(&mut c));
        let established = !c.is_handshaking() && !s.is_handshaking();
        if established && !sent_data && c.error().is_none() && s.error().is_none() {
            sent_data = true;
            let _ = c.write_plaintext(b"ping from the client");
            let _ = s.write_plaintext(b"pong from the server");
            c.send_close_notify();
            s.send_close_notify();
            moved = true;
        }
        if !moved {
            break;
        }
    }
    Outcome {
        completed: !c.is_handshaking() && !s.is_handshaking() && c.error().is_none() && s.error().is_none(),
        resumed: c.is_resumed() && s.is_resumed(),
        to_server,
        to_client,
    }
}

struct Parts {
    server: Arc<ServerConfig>,
}

fn parts() -> &'static Parts {
    static PARTS: OnceLock<Parts> = OnceLock::new();
    PARTS.get_or_init(|| Parts { server: connection_common::configs().server.clone() })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let versions: &[TlsVersion] = match mode % 3 {
        0 => &[TlsVersion::Tls13],
        1 => &[TlsVersion::Tls12],
        _ => &[TlsVersion::Tls13, TlsVersion::Tls12],
    };
    let with_certificate = mode & 0x04 != 0;
    let resume = mode & 0x08 != 0;
    // A config of its own each run: its session store starts empty, so a run never depends
    // on the ones before it.
    let client = connection_common::client_builder(with_certificate)
        .versions(versions)
        .random(Arc::new(CountingRandom::default()))
        .session_store(Arc::new(MemorySessionStore::default()))
        .build()
        .unwrap();
    let server = &parts().server;
    if resume {
        // A clean first connection leaves a session to resume.
        let first = run(&client, server, &[]);
        assert!(first.completed, "an unmutated handshake completes");
    }
    let all = mutations(rest);
    let outcome = run(&client, server, &all);
    if all.is_empty() {
        assert!(outcome.completed, "an unmutated handshake completes");
        assert_eq!(outcome.resumed, resume, "resumed exactly when a session was there");
        assert_eq!(outcome.to_server, b"ping from the client");
        assert_eq!(outcome.to_client, b"pong from the server");
    }
});
