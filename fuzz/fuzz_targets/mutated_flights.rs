//! A real strata client and a real strata server handshake with each other in memory, and
//! the input mutates the flights between them: bytes flipped, inserted, deleted, cut,
//! repeated, flights dropped or delivered in small pieces. The flights are real (the peer
//! answers the key share it was sent), so mutations land deep inside the protocol: in the
//! encrypted flights, in client authentication, in the tickets and data after the
//! handshake, in a resumed handshake. Both sides and both versions are under test, and
//! each side takes its bytes either through the buffered calls (read_tls,
//! process_new_packets, read_plaintext, write_plaintext) or through the in-place ones
//! (open_in_place on its own buffer, seal_in_place), as the input says.
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

/// How one side takes its bytes: buffered, or opened in place in `inbox`, with the
/// application data so taken kept in `data`.
#[derive(Default)]
struct Receiver {
    in_place: bool,
    inbox: Vec<u8>,
    data: Vec<u8>,
}

/// A failure must be a typed error that sent an alert or reports the peer's.
fn check_failure(err: &strata::Error) {
    assert!(
        err.alert_sent().is_some() || err.alert_received().is_some(),
        "a failure that names no alert: {err}"
    );
}

/// Delivers `bytes` to `to` in pieces; `false` once `to` has failed.
fn deliver(to: &mut Connection, rx: &mut Receiver, bytes: &[u8], piece: usize) -> bool {
    for chunk in bytes.chunks(piece.max(1)) {
        if rx.in_place {
            rx.inbox.extend_from_slice(chunk);
            let mut at = 0;
            loop {
                match to.open_in_place(&mut rx.inbox[at..]) {
                    Ok(opened) if opened.consumed == 0 => break,
                    Ok(opened) => {
                        rx.data.extend_from_slice(opened.application_data);
                        at += opened.consumed;
                    }
                    Err(err) => {
                        check_failure(&err);
                        return false;
                    }
                }
            }
            rx.inbox.drain(..at);
            continue;
        }
        let mut rd = chunk;
        while !rd.is_empty() {
            match to.read_tls(&mut rd) {
                Ok(0) | Err(_) => return to.error().is_none(),
                Ok(_) => {}
            }
            if let Err(err) = to.process_new_packets() {
                check_failure(&err);
                return false;
            }
        }
    }
    true
}

/// Queues `data` to send: written in the buffered way, or sealed in place into `pending`
/// after whatever the connection had to send before it.
fn send(from: &mut Connection, in_place: bool, pending: &mut Vec<u8>, data: &[u8]) {
    if !in_place {
        let _ = from.write_plaintext(data);
        return;
    }
    pending.extend(drain(from));
    let Some(layout) = from.record_layout() else { return };
    let start = pending.len();
    pending.resize(start + layout.header_len, 0);
    pending.extend_from_slice(data);
    if from.seal_in_place(pending, start).is_err() {
        pending.truncate(start);
    }
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
/// from the ClientHello on, both directions counted in turn; each side receives and sends
/// in place if `in_place` says so (client, server).
fn run(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>, all: &[Mutation], in_place: (bool, bool)) -> Outcome {
    let name = ServerName::try_from("server.example").unwrap();
    let (Ok(mut c), Ok(mut s)) = (ClientConnection::new(client.clone(), name), ServerConnection::new(server.clone())) else {
        panic!("connections from good configs");
    };
    let mut flight = 0u8;
    let mut sent_data = false;
    let mut rx_client = Receiver { in_place: in_place.0, ..Receiver::default() };
    let mut rx_server = Receiver { in_place: in_place.1, ..Receiver::default() };
    // Records sealed in place, waiting for the side's next flight.
    let (mut pending_client, mut pending_server) = (Vec::new(), Vec::new());
    for _ in 0..24 {
        let mut moved = false;
        for client_sends in [true, false] {
            let (from, to, pending, rx) = if client_sends {
                (&mut *c, &mut *s, &mut pending_client, &mut rx_server)
            } else {
                (&mut *s, &mut *c, &mut pending_server, &mut rx_client)
            };
            let mut bytes = std::mem::take(pending);
            bytes.extend(drain(from));
            if bytes.is_empty() {
                continue;
            }
            moved = true;
            let (bytes, piece) = mutate(bytes, flight, all);
            flight = flight.saturating_add(1);
            if to.error().is_none() {
                deliver(to, rx, &bytes, piece);
            }
        }
        rx_server.data.extend(read_all(&mut s));
        rx_client.data.extend(read_all(&mut c));
        let established = !c.is_handshaking() && !s.is_handshaking();
        if established && !sent_data && c.error().is_none() && s.error().is_none() {
            sent_data = true;
            send(&mut c, in_place.0, &mut pending_client, b"ping from the client");
            send(&mut s, in_place.1, &mut pending_server, b"pong from the server");
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
        to_server: rx_server.data,
        to_client: rx_client.data,
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
    let in_place = (mode & 0x10 != 0, mode & 0x20 != 0);
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
        let first = run(&client, server, &[], in_place);
        assert!(first.completed, "an unmutated handshake completes");
    }
    let all = mutations(rest);
    let outcome = run(&client, server, &all, in_place);
    if all.is_empty() {
        assert!(outcome.completed, "an unmutated handshake completes");
        assert_eq!(outcome.resumed, resume, "resumed exactly when a session was there");
        assert_eq!(outcome.to_server, b"ping from the client");
        assert_eq!(outcome.to_client, b"pong from the server");
    }
});
