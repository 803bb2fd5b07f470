//! Heap figures, read from stats_alloc's counting allocator. A binary or test that uses
//! these installs it:
//!
//! ```text
//! #[global_allocator]
//! static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;
//! ```
//!
//! Only Rust's allocator is counted: OpenSSL allocates with C's malloc, which it does not
//! see, so OpenSSL has no heap figures here. The peak resident memory
//! ([`peak_rss_growth`]) is the kernel's count of the process's pages, which sees every
//! allocator alike, OpenSSL's too.

use stats_alloc::INSTRUMENTED_SYSTEM;

use crate::drive::{self, Buffers, SideMeter, RECORD};
use crate::measure::{checked_stack, Figure};
use crate::setup::{Pki, Setup};
use crate::stacks::{Endpoint, Stack};

/// Bytes allocated and not yet freed, process-wide.
pub fn live_bytes() -> i64 {
    let s = INSTRUMENTED_SYSTEM.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// Calls to alloc, alloc_zeroed and realloc so far, process-wide.
pub fn allocation_calls() -> u64 {
    let s = INSTRUMENTED_SYSTEM.stats();
    (s.allocations + s.reallocations) as u64
}

/// Whether the counting allocator is the global one (if not, every count stays zero).
pub fn counting_allocator_installed() -> bool {
    let before = allocation_calls();
    let probe = std::hint::black_box(Box::new([0u8; 64]));
    drop(probe);
    allocation_calls() > before
}

/// A [`SideMeter`] of allocation calls.
#[derive(Debug, Default)]
pub struct AllocationMeter {
    /// Calls during the client's calls.
    pub client: u64,
    /// Calls during the server's calls.
    pub server: u64,
}

impl SideMeter for AllocationMeter {
    type Mark = u64;

    fn mark(&self) -> u64 {
        allocation_calls()
    }

    fn add(&mut self, mark: u64, client: bool) {
        let n = allocation_calls() - mark;
        if client {
            self.client += n;
        } else {
            self.server += n;
        }
    }
}

/// Memory figures of one stack in one setup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryFigures {
    /// Heap bytes held by one established, idle client connection (the connection object
    /// itself included: each is boxed, as an application holding many would).
    pub client_bytes: f64,
    /// The same for the server connection.
    pub server_bytes: f64,
    /// Allocation calls (alloc + realloc) in the client's calls during one handshake
    /// (creation included), the median of `connections` handshakes.
    pub client_allocations: f64,
    /// The same for the server.
    pub server_allocations: f64,
}

/// Establishes `connections` pairs of `S` for `setup` at once and reads the heap: the
/// live bytes before and after, then after dropping the clients, divided by the count.
/// The configurations, the vectors holding the pairs and the wire buffer are made before
/// the first reading; one handshake warms up any lazily-initialised state first.
pub fn measure<S: Stack>(
    pki: &Pki,
    setup: &Setup,
    connections: usize,
) -> Result<Figure<MemoryFigures>, String> {
    measure_with::<S>(pki, setup, connections, 0)
}

/// Records of 16 KiB each way in [`measure_after_traffic`].
pub const TRAFFIC_RECORDS: usize = 4;

/// [`measure`], but each pair, once established, first carries [`TRAFFIC_RECORDS`] writes
/// of 16 KiB from the client to the server and as many back, every byte read, so that
/// the heap is read on connections idle again after traffic. (The allocation counts are
/// still the handshake's.)
pub fn measure_after_traffic<S: Stack>(
    pki: &Pki,
    setup: &Setup,
    connections: usize,
) -> Result<Figure<MemoryFigures>, String> {
    measure_with::<S>(pki, setup, connections, TRAFFIC_RECORDS)
}

/// Sends `records` writes of 16 KiB each way over an established pair.
fn traffic<S: Stack>(
    client: &mut S::Client,
    server: &mut S::Server,
    payload: &[u8],
    records: usize,
    buffers: &mut Buffers,
) -> Result<(), String> {
    if records > 0 {
        drive::one_way(client, server, payload, records, buffers)?;
        drive::one_way(server, client, payload, records, buffers)?;
    }
    Ok(())
}

fn measure_with<S: Stack>(
    pki: &Pki,
    setup: &Setup,
    connections: usize,
    records: usize,
) -> Result<Figure<MemoryFigures>, String> {
    if !counting_allocator_installed() {
        return Err("the counting allocator is not the global allocator".into());
    }
    let Some(stack) = checked_stack::<S>(pki, setup)? else {
        return Ok(Figure::NotApplicable("not implemented yet".into()));
    };
    let n = connections.max(1);
    let mut buffers = Buffers::new(records);
    let payload: Vec<u8> = (0..RECORD).map(|i| (i % 251) as u8).collect();
    let mut clients: Vec<Box<S::Client>> = Vec::with_capacity(n);
    let mut servers: Vec<Box<S::Server>> = Vec::with_capacity(n);
    let mut client_allocations = Vec::with_capacity(n);
    let mut server_allocations = Vec::with_capacity(n);
    {
        let (mut client, mut server, _) = drive::handshake(&stack, &mut buffers)?;
        traffic::<S>(&mut client, &mut server, &payload, records, &mut buffers)?;
    }

    let before = live_bytes();
    for _ in 0..n {
        let mut meter = AllocationMeter::default();
        let (mut client, mut server) = drive::handshake_metered(&stack, &mut buffers, &mut meter)?;
        client_allocations.push(meter.client as f64);
        server_allocations.push(meter.server as f64);
        traffic::<S>(&mut client, &mut server, &payload, records, &mut buffers)?;
        clients.push(Box::new(client));
        servers.push(Box::new(server));
    }
    let established = live_bytes();
    clients.clear();
    let without_clients = live_bytes();
    servers.clear();

    let per = |bytes: i64| bytes as f64 / n as f64;
    Ok(Figure::Value(MemoryFigures {
        client_bytes: per(established - without_clients),
        server_bytes: per(without_clients - before),
        client_allocations: crate::measure::median(&mut client_allocations),
        server_allocations: crate::measure::median(&mut server_allocations),
    }))
}

/// Allocation calls while `records` writes of `payload` go from an established client to
/// its server and are read back, after `warm_up` such writes: the steady-state record
/// path. Sent one record at a time, received one at a time.
pub fn allocations_per_records<S: Stack>(
    pki: &Pki,
    setup: &Setup,
    payload: &[u8],
    warm_up: usize,
    records: usize,
) -> Result<Option<u64>, String> {
    let Some(stack) = checked_stack::<S>(pki, setup)? else {
        return Ok(None);
    };
    let mut buffers = Buffers::new(1);
    let (mut client, mut server, _) = drive::handshake(&stack, &mut buffers)?;
    let mut wire = Vec::with_capacity(4096);
    server.transmit(&mut wire)?;
    client.receive(&wire, &mut buffers.sink)?;
    for _ in 0..warm_up {
        drive::one_way(&mut client, &mut server, payload, 1, &mut buffers)?;
    }
    let before = allocation_calls();
    for _ in 0..records {
        drive::one_way(&mut client, &mut server, payload, 1, &mut buffers)?;
    }
    Ok(Some(allocation_calls() - before))
}

/// The process's resident memory now and its peak so far, in KiB (`VmRSS` and `VmHWM` of
/// Linux's /proc/self/status).
pub fn resident_kib() -> Result<(u64, u64), String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("/proc/self/status: {e}"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .ok_or_else(|| format!("/proc/self/status has no {name}"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Establishes `n` pairs of `S` for `setup` (client and server, each handshake run to its
/// end) and holds them all at once: the growth of the process's peak resident memory over
/// what it held just before, in KiB. The peak is reset first (writing 5 to
/// /proc/self/clear_refs), so what the process did earlier does not count; run it in a
/// process of its own all the same, since freed memory is not always given back to the
/// system and would be reused.
pub fn peak_rss_growth<S: Stack>(
    pki: &Pki,
    setup: &Setup,
    n: usize,
) -> Result<Figure<f64>, String> {
    let Some(stack) = checked_stack::<S>(pki, setup)? else {
        return Ok(Figure::NotApplicable("not implemented yet".into()));
    };
    let mut buffers = Buffers::new(1);
    drop(drive::handshake(&stack, &mut buffers)?);
    let mut pairs = Vec::with_capacity(n);
    std::fs::write("/proc/self/clear_refs", "5")
        .map_err(|e| format!("resetting the peak resident memory: {e}"))?;
    let (before, _) = resident_kib()?;
    for _ in 0..n {
        let (client, server, _) = drive::handshake(&stack, &mut buffers)?;
        pairs.push((client, server));
    }
    let (_, peak) = resident_kib()?;
    drop(pairs);
    Ok(Figure::Value(peak.saturating_sub(before) as f64))
}
