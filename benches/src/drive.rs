//! The in-memory drivers: a handshake between a client and a server of one stack, with
//! the time spent in each side's calls added up separately, and one-way bulk transfer
//! with the sending and the receiving calls timed separately.
//!
//! Everything runs on the calling thread. The harness's own work between the timed calls
//! is clearing a reused buffer; the wire buffer keeps its capacity, so the harness does
//! not allocate once warmed up.

use std::time::{Duration, Instant};

use crate::stacks::{Endpoint, Stack};

/// The most flights a handshake may take before it is declared stalled.
const MAX_FLIGHTS: usize = 16;

/// The size of every application-data write in the bulk rows.
pub const RECORD: usize = 16 * 1024;

/// Time spent in each side's calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideTimes {
    /// In the client's calls: creating it, processing what it received, writing.
    pub client: Duration,
    /// In the server's.
    pub server: Duration,
}

impl std::ops::AddAssign for SideTimes {
    fn add_assign(&mut self, rhs: Self) {
        self.client += rhs.client;
        self.server += rhs.server;
    }
}

/// Buffers a driver reuses: the wire (the bytes in flight) and the plaintext sink.
#[derive(Debug)]
pub struct Buffers {
    /// TLS bytes on their way from one side to the other.
    pub wire: Vec<u8>,
    /// Where received plaintext is read to.
    pub sink: Vec<u8>,
}

impl Buffers {
    /// Room for a batch of `records` 16 KiB records, so the wire never grows.
    pub fn new(records: usize) -> Self {
        Self {
            wire: Vec::with_capacity(records.max(4) * (RECORD + 256)),
            sink: vec![0; RECORD],
        }
    }
}

impl Default for Buffers {
    fn default() -> Self {
        Self::new(4)
    }
}

/// Hooks around each side's calls during a handshake: [`Timer`] adds up time; the
/// memory binary's counter adds up allocations.
pub trait SideMeter {
    /// What one reading is.
    type Mark: Copy;
    /// A reading before the side's calls.
    fn mark(&self) -> Self::Mark;
    /// Adds what happened since `mark` to the client's (`client`) or the server's total.
    fn add(&mut self, mark: Self::Mark, client: bool);
    /// Sees the bytes a side has just transmitted (before the peer takes them); nothing by
    /// default, [`flights`] records them.
    fn sent(&mut self, _client: bool, _tls: &[u8]) {}
}

/// A [`SideMeter`] of time.
#[derive(Debug, Default)]
pub struct Timer(pub SideTimes);

impl SideMeter for Timer {
    type Mark = Instant;

    fn mark(&self) -> Instant {
        Instant::now()
    }

    fn add(&mut self, mark: Instant, client: bool) {
        let elapsed = mark.elapsed();
        if client {
            self.0.client += elapsed;
        } else {
            self.0.server += elapsed;
        }
    }
}

/// Runs one full handshake between a new client and a new server of `stack`, metering
/// each side's calls with `meter` (creating the connection counts as its side's). Returns
/// the established pair.
pub fn handshake_metered<S: Stack, M: SideMeter>(
    stack: &S,
    buffers: &mut Buffers,
    meter: &mut M,
) -> Result<(S::Client, S::Server), String> {
    let Buffers { wire, sink } = buffers;
    wire.clear();

    let mark = meter.mark();
    let mut client = stack.client()?;
    client.transmit(wire)?;
    meter.add(mark, true);
    meter.sent(true, wire);

    let mark = meter.mark();
    let mut server = stack.server()?;
    meter.add(mark, false);

    for _ in 0..MAX_FLIGHTS {
        let mark = meter.mark();
        server.receive(wire, sink)?;
        wire.clear();
        server.transmit(wire)?;
        meter.add(mark, false);
        meter.sent(false, wire);

        let mark = meter.mark();
        client.receive(wire, sink)?;
        wire.clear();
        client.transmit(wire)?;
        meter.add(mark, true);
        meter.sent(true, wire);

        if wire.is_empty() && !client.is_handshaking() && !server.is_handshaking() {
            return Ok((client, server));
        }
    }
    Err(format!("{} handshake stalled", S::NAME))
}

/// [`handshake_metered`] with a [`Timer`]: the pair and each side's time.
pub fn handshake<S: Stack>(
    stack: &S,
    buffers: &mut Buffers,
) -> Result<(S::Client, S::Server, SideTimes), String> {
    let mut timer = Timer::default();
    let (client, server) = handshake_metered(stack, buffers, &mut timer)?;
    Ok((client, server, timer.0))
}

/// What one side transmitted in one turn of a handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flight {
    /// Whether the client sent it.
    pub from_client: bool,
    /// The TLS bytes, records whole.
    pub tls: Vec<u8>,
}

/// Records every non-empty flight of a handshake.
#[derive(Debug, Default)]
struct FlightRecorder(Vec<Flight>);

impl SideMeter for FlightRecorder {
    type Mark = ();

    fn mark(&self) {}

    fn add(&mut self, (): (), _client: bool) {}

    fn sent(&mut self, client: bool, tls: &[u8]) {
        if !tls.is_empty() {
            self.0.push(Flight {
                from_client: client,
                tls: tls.to_vec(),
            });
        }
    }
}

/// Runs one handshake of `stack` as [`handshake`] does, and returns the flights that
/// crossed the wire, in order.
pub fn flights<S: Stack>(stack: &S, buffers: &mut Buffers) -> Result<Vec<Flight>, String> {
    let mut recorder = FlightRecorder::default();
    handshake_metered(stack, buffers, &mut recorder)?;
    Ok(recorder.0)
}

/// Sends `records` writes of `payload` from `from` and receives them all at `to`:
/// returns (time in the sending calls, time in the receiving calls). Sending is
/// `send_into` (seal and hand over the bytes); receiving is `receive`
/// (take the bytes, open, read the plaintext out).
pub fn one_way<A: Endpoint, B: Endpoint>(
    from: &mut A,
    to: &mut B,
    payload: &[u8],
    records: usize,
    buffers: &mut Buffers,
) -> Result<(Duration, Duration), String> {
    let Buffers { wire, sink } = buffers;
    wire.clear();
    let start = Instant::now();
    for _ in 0..records {
        from.send_into(payload, wire)?;
    }
    let sent = Instant::now();
    let read = to.receive(wire, sink)?;
    let received = Instant::now();
    wire.clear();
    if read != payload.len() * records {
        return Err(format!(
            "received {read} bytes of plaintext, sent {}",
            payload.len() * records
        ));
    }
    Ok((sent - start, received - sent))
}
