//! Repetitions and medians. Every figure is the median of `reps` repetitions of a loop
//! that runs for a fixed time (the loop finishes the operation under way when the time is
//! up and divides by the time it really took), after one untimed warm-up repetition.
//! Times are the thread's CPU time ([`Stopwatch`]). The
//! three stacks' repetitions of a row take turns ([`interleaved`]), so that the other
//! work on a shared machine weighs on each of them alike, and a ratio pairs the
//! repetitions that ran back to back ([`Sampled::ratio_to`]).

use std::time::{Duration, Instant};

use cpu_time::ThreadTime;

use crate::drive::{self, Buffers, SideTimes, RECORD};
use crate::setup::{Pki, Setup};
use crate::stacks::openssl::OpenSsl;
use crate::stacks::openssl_resumed;
use crate::stacks::rustls::Rustls;
use crate::stacks::strata::{InPlacePair, Strata};
use crate::stacks::{Endpoint, SetupError, Stack};

/// How long to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Repetitions of each loop; the median is reported.
    pub reps: usize,
    /// How long one repetition of a handshake loop runs.
    pub handshake_time: Duration,
    /// How long one repetition of a bulk loop runs.
    pub bulk_time: Duration,
    /// How long one repetition of a crypto-primitive loop runs.
    pub primitive_time: Duration,
    /// Connections established at once for the memory figures.
    pub connections: usize,
    /// Pairs held at once for the peak resident memory figure.
    pub rss_connections: usize,
}

impl Settings {
    /// The full run: about six minutes of measuring on a 2-core machine.
    pub const FULL: Self = Self {
        reps: 11,
        handshake_time: Duration::from_millis(300),
        bulk_time: Duration::from_millis(250),
        primitive_time: Duration::from_millis(150),
        connections: 200,
        rss_connections: 1000,
    };

    /// `--quick`, for CI: the same tables in a few seconds each, noisier.
    pub const QUICK: Self = Self {
        reps: 3,
        handshake_time: Duration::from_millis(40),
        bulk_time: Duration::from_millis(40),
        primitive_time: Duration::from_millis(15),
        connections: 20,
        rss_connections: 100,
    };

    /// One repetition of a few milliseconds: for tests of the harness itself.
    pub const SMOKE: Self = Self {
        reps: 1,
        handshake_time: Duration::from_millis(1),
        bulk_time: Duration::from_millis(1),
        primitive_time: Duration::from_millis(1),
        connections: 2,
        rss_connections: 4,
    };

    /// The same measuring time cut into `reps` repetitions instead: shorter repetitions
    /// pair the stacks' halves closer in time, more of them steady the median.
    pub fn split(self, reps: usize) -> Self {
        let reps = reps.max(1);
        let scale = |d: Duration| d * self.reps as u32 / reps as u32;
        Self {
            reps,
            handshake_time: scale(self.handshake_time),
            bulk_time: scale(self.bulk_time),
            primitive_time: scale(self.primitive_time),
            ..self
        }
    }
}

/// A loop's clocks: the monotonic clock (cheap, read around the parts a loop times) and
/// this thread's CPU clock (a system call, read only at the loop's start and end). On a
/// shared machine the thread is sometimes descheduled; scaling the parts' wall time by
/// the loop's CPU/wall ratio leaves that time out.
#[derive(Debug)]
pub struct Stopwatch {
    wall: Instant,
    cpu: ThreadTime,
}

/// What a [`Stopwatch`] read at the end of its loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lap {
    /// Wall seconds.
    pub wall: f64,
    /// CPU seconds of this thread.
    pub cpu: f64,
}

impl Stopwatch {
    /// Reads both clocks.
    pub fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: ThreadTime::now(),
        }
    }

    /// Wall time since the start (for the loop's condition).
    pub fn wall(&self) -> Duration {
        self.wall.elapsed()
    }

    /// Reads both clocks again.
    pub fn lap(&self) -> Lap {
        Lap {
            cpu: self.cpu.elapsed().as_secs_f64(),
            wall: self.wall.elapsed().as_secs_f64(),
        }
    }
}

impl Lap {
    /// The share of the wall time the thread was running (at most 1).
    pub fn running(&self) -> f64 {
        if self.wall > 0.0 {
            (self.cpu / self.wall).clamp(f64::MIN_POSITIVE, 1.0)
        } else {
            1.0
        }
    }

    /// `part`, wall time measured inside the loop, as CPU seconds.
    pub fn cpu_of(&self, part: Duration) -> f64 {
        part.as_secs_f64() * self.running()
    }
}

/// The median of `values` (the mean of the middle two for an even count); NaN for none.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match (
        values.get(n / 2),
        n.checked_sub(1).and_then(|m| values.get(m / 2)),
    ) {
        (Some(hi), Some(lo)) if n % 2 == 0 => (hi + lo) / 2.0,
        (Some(mid), _) => *mid,
        _ => f64::NAN,
    }
}

/// Runs `rep` once untimed (warm-up) and `reps` times; each returns a row of figures,
/// and the result is the median of each column.
pub fn medians<const N: usize>(
    reps: usize,
    mut rep: impl FnMut() -> Result<[f64; N], String>,
) -> Result<[f64; N], String> {
    rep()?;
    let mut columns: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(reps));
    for _ in 0..reps.max(1) {
        let row = rep()?;
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    Ok(columns.map(|mut c| median(&mut c)))
}

/// A figure, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure<T> {
    /// Measured.
    Value(T),
    /// The stack does not implement this yet (or it cannot be measured there).
    NotApplicable(String),
}

impl<T> Figure<T> {
    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::NotApplicable(_) => None,
        }
    }

    /// Maps the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Figure<U> {
        match self {
            Self::Value(v) => Figure::Value(f(v)),
            Self::NotApplicable(why) => Figure::NotApplicable(why),
        }
    }
}

/// Sets `S` up for `setup` and checks, with one handshake, that both sides negotiate
/// what was asked. `Ok(None)` when the stack does not implement the configuration yet (or
/// the harness cannot measure it: [`Stack::unavailable`]). For a resumed setup that
/// handshake is the full one that leaves the client a session, and a second one checks
/// that it resumes.
pub fn checked_stack<S: Stack>(pki: &Pki, setup: &Setup) -> Result<Option<S>, String> {
    if S::unavailable(setup).is_some() {
        return Ok(None);
    }
    let stack = match S::new(pki, setup) {
        Ok(stack) => stack,
        Err(SetupError::NotImplemented(_)) => return Ok(None),
        Err(e) => return Err(format!("{} {}: {e}", S::NAME, setup.name())),
    };
    let rounds = if setup.resumed { 2 } else { 1 };
    for round in 0..rounds {
        let (client, server, _) = drive::handshake(&stack, &mut Buffers::default())
            .map_err(|e| format!("{} {}: {e}", S::NAME, setup.name()))?;
        client
            .check(setup)
            .and_then(|()| server.check(setup))
            .and_then(|()| check_resumed::<S>(&client, &server, setup.resumed && round > 0))
            .map_err(|e| format!("{}: {e}", setup.name()))?;
    }
    Ok(Some(stack))
}

/// Checks that both sides say the handshake resumed (`resumed`) or that neither does.
pub fn check_resumed<S: Stack>(
    client: &S::Client,
    server: &S::Server,
    resumed: bool,
) -> Result<(), String> {
    match (client.is_resumed(), server.is_resumed()) {
        (c, s) if c == resumed && s == resumed => Ok(()),
        (c, s) => Err(format!(
            "{}: the handshake was to be {}, but the client says {} and the server {}",
            S::NAME,
            if resumed { "resumed" } else { "full" },
            if c { "resumed" } else { "full" },
            if s { "resumed" } else { "full" },
        )),
    }
}

/// One repetition of a measurement loop: runs for its fixed time and returns its figures.
pub type Rep<const N: usize> = Box<dyn FnMut() -> Result<[f64; N], String>>;

/// One figure's repetitions, in the order they ran, and their median.
#[derive(Clone, Debug, PartialEq)]
pub struct Sampled {
    median: f64,
    samples: Vec<f64>,
}

impl Sampled {
    /// The repetitions of one figure.
    pub fn new(samples: Vec<f64>) -> Self {
        let median = median(&mut samples.clone());
        Self { median, samples }
    }

    /// The median of the repetitions: the figure reported.
    pub fn median(&self) -> f64 {
        self.median
    }

    /// The repetitions, in the order they ran.
    pub fn samples(&self) -> &[f64] {
        &self.samples
    }

    /// `self / other` for two figures whose repetitions took turns ([`interleaved`]):
    /// the median of the ratios of the repetitions that ran one after the other, so that
    /// a stretch where the shared machine ran slower weighs on both sides of each ratio.
    /// Without paired repetitions (different counts), the ratio of the medians.
    pub fn ratio_to(&self, other: &Self) -> f64 {
        if self.samples.len() == other.samples.len() && !self.samples.is_empty() {
            let mut ratios: Vec<f64> = self
                .samples
                .iter()
                .zip(&other.samples)
                .map(|(a, b)| a / b)
                .collect();
            median(&mut ratios)
        } else {
            self.median / other.median
        }
    }
}

/// Runs several measurements' repetitions interleaved, so that a change in the machine's
/// load during the run touches them alike: each once untimed (warm-up), then round-robin
/// `reps` times. Returns each one's repetitions; `None` stays `None`.
pub fn interleaved<const N: usize>(
    reps: usize,
    mut loops: Vec<Option<Rep<N>>>,
) -> Result<Vec<Option<[Sampled; N]>>, String> {
    let mut columns: Vec<[Vec<f64>; N]> = loops
        .iter()
        .map(|_| std::array::from_fn(|_| Vec::with_capacity(reps)))
        .collect();
    for rep in loops.iter_mut().flatten() {
        rep()?;
    }
    for _ in 0..reps.max(1) {
        for (rep, columns) in loops.iter_mut().zip(columns.iter_mut()) {
            if let Some(rep) = rep {
                for (column, value) in columns.iter_mut().zip(rep()?) {
                    column.push(value);
                }
            }
        }
    }
    Ok(loops
        .iter()
        .zip(columns)
        .map(|(rep, columns)| rep.as_ref().map(|_| columns.map(Sampled::new)))
        .collect())
}

/// Handshake figures: full handshakes per second (wall time of the loop, both sides and
/// the harness), and the microseconds per handshake spent in each side's calls.
#[derive(Clone, Debug, PartialEq)]
pub struct HandshakeFigures {
    /// Full handshakes per second.
    pub per_second: Sampled,
    /// Microseconds per handshake in the client's calls (including dropping it).
    pub client_us: Sampled,
    /// Microseconds per handshake in the server's calls (including dropping it).
    pub server_us: Sampled,
}

impl HandshakeFigures {
    fn from_samples([per_second, client_us, server_us]: [Sampled; 3]) -> Self {
        Self {
            per_second,
            client_us,
            server_us,
        }
    }
}

/// The handshake loop of `S` for `setup`: handshakes for `handshake_time`, giving
/// [handshakes per second, client µs, server µs]. `None` if `S` does not implement it.
/// Full handshakes, or with `setup.resumed` resumed ones: each client offers what the
/// previous connection left it (TLS 1.3: the ticket the last handshake brought; TLS 1.2:
/// the session ID), and every handshake is checked to have resumed on both sides (an
/// error ends the run if one did not).
pub fn handshake_loop<S: Stack + 'static>(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<Option<Rep<3>>, String> {
    let Some(stack) = checked_stack::<S>(pki, setup)? else {
        return Ok(None);
    };
    let time = settings.handshake_time;
    let setup = *setup;
    let mut buffers = Buffers::default();
    Ok(Some(Box::new(move || {
        let watch = Stopwatch::start();
        let mut count = 0u32;
        let mut sides = SideTimes::default();
        while count == 0 || watch.wall() < time {
            let (client, server, times) = drive::handshake(&stack, &mut buffers)?;
            check_resumed::<S>(&client, &server, setup.resumed)?;
            sides += times;
            let t = Instant::now();
            drop(client);
            let u = Instant::now();
            drop(server);
            sides.client += u - t;
            sides.server += u.elapsed();
            count += 1;
        }
        let lap = watch.lap();
        let n = f64::from(count);
        Ok([
            n / lap.cpu,
            lap.cpu_of(sides.client) * 1e6 / n,
            lap.cpu_of(sides.server) * 1e6 / n,
        ])
    })))
}

fn figures<I, T>(measured: Vec<Option<I>>, make: impl Fn(I) -> T) -> Vec<Figure<T>> {
    figures_why(measured, &[], make)
}

/// [`figures`], with the reason for each missing one (by position; "not implemented yet"
/// past the end or where `None`).
fn figures_why<I, T>(
    measured: Vec<Option<I>>,
    why: &[Option<&'static str>],
    make: impl Fn(I) -> T,
) -> Vec<Figure<T>> {
    measured
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let why = why
                .get(i)
                .copied()
                .flatten()
                .unwrap_or("not implemented yet");
            m.map_or(Figure::NotApplicable(why.into()), |m| {
                Figure::Value(make(m))
            })
        })
        .collect()
}

/// Measures handshakes (full, or resumed with `setup.resumed`) of strata, rustls and
/// OpenSSL for `setup`, and the crypto floor ([`crate::crypto::floor_loop`]),
/// interleaved: [strata, rustls, OpenSSL, floor]. They run in the order floor, strata,
/// rustls, OpenSSL, so that strata runs right after the floor and right before rustls in
/// every round, the pairs the table divides ([`Sampled::ratio_to`]).
pub fn compare_handshakes(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<[Figure<HandshakeFigures>; 4], String> {
    let loops = vec![
        Some(crate::crypto::floor_loop(pki, setup, settings)?),
        handshake_loop::<Strata>(pki, setup, settings)?,
        handshake_loop::<Rustls>(pki, setup, settings)?,
        openssl_handshake_loop(pki, setup, settings)?,
    ];
    let why = [
        None,
        Strata::unavailable(setup),
        Rustls::unavailable(setup),
        None,
    ];
    let [floor, strata, rustls, openssl]: [Figure<HandshakeFigures>; 4] = figures_why(
        interleaved(settings.reps, loops)?,
        &why,
        HandshakeFigures::from_samples,
    )
    .try_into()
    .map_err(|_| "four loops, four figures".to_owned())?;
    Ok([strata, rustls, openssl, floor])
}

/// OpenSSL's handshake loop: through the openssl crate for full handshakes, through the
/// C program of [`openssl_resumed`] for resumed ones (the crate cannot resume a client
/// session without unsafe code).
fn openssl_handshake_loop(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<Option<Rep<3>>, String> {
    if setup.resumed {
        openssl_resumed::handshake_loop(pki, setup, openssl_resumed::Mode::Resumed, settings)
            .map(Some)
            .map_err(|e| format!("OpenSSL {}: {e}", setup.name()))
    } else {
        handshake_loop::<OpenSsl>(pki, setup, settings)
    }
}

/// Measures handshakes of `S` alone for `setup`.
pub fn handshakes<S: Stack + 'static>(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<Figure<HandshakeFigures>, String> {
    let loops = vec![handshake_loop::<S>(pki, setup, settings)?];
    figures_why(
        interleaved(settings.reps, loops)?,
        &[S::unavailable(setup)],
        HandshakeFigures::from_samples,
    )
    .pop()
    .ok_or_else(|| "one stack, one figure".to_owned())
}

/// Bulk figures, one way (client to server), 16 KiB writes, in MB/s (10^6 bytes of
/// plaintext per second of time in the side's calls).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkFigures {
    /// Sending: write plaintext (seal) and take the TLS bytes out.
    pub send: Sampled,
    /// Receiving: put the TLS bytes in, process (open), read the plaintext out.
    pub receive: Sampled,
}

impl BulkFigures {
    fn from_samples([send, receive]: [Sampled; 2]) -> Self {
        Self { send, receive }
    }
}

/// Records per batch: sent, then all received, so the receiver's buffers stay small.
const BATCH: usize = 4;

/// Records per batch of the in-place loop: one buffer, sealed then opened where it lies,
/// as ring raw seals and opens one 16 KiB buffer (four would not stay in a 32 KiB L1
/// cache, which the copying stacks' batches leave as it is: they stream through their
/// own buffers anyway).
const IN_PLACE_BATCH: usize = 1;

/// The bulk loop of `S` for `setup`, on one established pair: batches of 16 KiB records
/// one way for `bulk_time`, giving [send MB/s, receive MB/s].
pub fn bulk_loop<S: Stack + 'static>(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<Option<Rep<2>>, String> {
    let Some(stack) = checked_stack::<S>(pki, setup)? else {
        return Ok(None);
    };
    let mut buffers = Buffers::new(BATCH);
    let (mut client, mut server, _) = drive::handshake(&stack, &mut buffers)?;
    // Whatever the server sent after its handshake (nothing, here) reaches the client.
    let mut wire = Vec::new();
    server.transmit(&mut wire)?;
    client.receive(&wire, &mut buffers.sink)?;
    let payload: Vec<u8> = (0..RECORD).map(|i| (i % 251) as u8).collect();
    Ok(Some(bulk_rep(settings.bulk_time, move || {
        let (s, r) = drive::one_way(&mut client, &mut server, &payload, BATCH, &mut buffers)?;
        Ok((s, r, BATCH * RECORD))
    })))
}

/// One repetition of a bulk loop: `batch` (time sending, time receiving, plaintext bytes)
/// again and again for `time`, giving [send MB/s, receive MB/s].
fn bulk_rep(
    time: Duration,
    mut batch: impl FnMut() -> Result<(Duration, Duration, usize), String> + 'static,
) -> Rep<2> {
    Box::new(move || {
        let watch = Stopwatch::start();
        let (mut sending, mut receiving) = (Duration::ZERO, Duration::ZERO);
        let mut bytes = 0usize;
        while bytes == 0 || watch.wall() < time {
            let (s, r, n) = batch()?;
            sending += s;
            receiving += r;
            bytes += n;
        }
        let lap = watch.lap();
        let mb = bytes as f64 / 1e6;
        Ok([mb / lap.cpu_of(sending), mb / lap.cpu_of(receiving)])
    })
}

/// The bulk loop of strata's in-place calls for `setup` ([`InPlacePair`]): batches of
/// 16 KiB records sealed where their plaintext lies and opened where they arrived, for
/// `bulk_time`, giving [send MB/s, receive MB/s]. The data is checked once before timing.
pub fn bulk_in_place_loop(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<Option<Rep<2>>, String> {
    if checked_stack::<Strata>(pki, setup)?.is_none() {
        return Ok(None);
    }
    let payload: Vec<u8> = (0..RECORD).map(|i| (i % 251) as u8).collect();
    let mut pair = InPlacePair::new(pki, setup, &payload, IN_PLACE_BATCH)?;
    for _ in 0..2 {
        let (_, _, opened) = pair.one_way()?;
        if opened != IN_PLACE_BATCH * RECORD || pair.plaintexts().any(|p| p != payload.as_slice()) {
            return Err(format!(
                "strata in place {}: the data changed",
                setup.name()
            ));
        }
    }
    Ok(Some(bulk_rep(settings.bulk_time, move || pair.one_way())))
}

/// Measures one-way bulk transfer of strata (its buffered calls and its in-place ones),
/// rustls and OpenSSL for `setup`, and ring's raw AEAD ([`crate::crypto::aead_loop`], as
/// [seal, open] in [send, receive]), interleaved: [strata, strata in place, rustls,
/// OpenSSL, ring]. They run in the order strata, rustls, OpenSSL, strata in place, ring,
/// so that each pair the table divides (strata by rustls, in place by ring) runs back to
/// back in every round ([`Sampled::ratio_to`]).
pub fn compare_bulk(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<[Figure<BulkFigures>; 5], String> {
    let loops = vec![
        bulk_loop::<Strata>(pki, setup, settings)?,
        bulk_loop::<Rustls>(pki, setup, settings)?,
        bulk_loop::<OpenSsl>(pki, setup, settings)?,
        bulk_in_place_loop(pki, setup, settings)?,
        Some(crate::crypto::aead_loop(
            setup.aead,
            setup.version,
            settings,
        )?),
    ];
    let [strata, rustls, openssl, in_place, ring]: [Figure<BulkFigures>; 5] = figures(
        interleaved(settings.reps, loops)?,
        BulkFigures::from_samples,
    )
    .try_into()
    .map_err(|_| "five loops, five figures".to_owned())?;
    Ok([strata, in_place, rustls, openssl, ring])
}

/// Measures one-way bulk transfer of `S` alone for `setup`.
pub fn bulk<S: Stack + 'static>(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<Figure<BulkFigures>, String> {
    let loops = vec![bulk_loop::<S>(pki, setup, settings)?];
    figures(
        interleaved(settings.reps, loops)?,
        BulkFigures::from_samples,
    )
    .pop()
    .ok_or_else(|| "one stack, one figure".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_pair_the_repetitions_that_ran_in_turn() {
        // The machine slowed down during the second repetition: both loops felt it.
        let strata = Sampled::new(vec![10.0, 5.0, 10.0, 11.0, 9.0]);
        let other = Sampled::new(vec![8.0, 4.0, 8.0, 8.8, 7.2]);
        assert_eq!(strata.median(), 10.0);
        assert!((strata.ratio_to(&other) - 1.25).abs() < 1e-12);
        // Pairs, not medians: here the quotient of the medians would be 12 / 15.
        let a = Sampled::new(vec![10.0, 12.0, 30.0]);
        let b = Sampled::new(vec![5.0, 20.0, 15.0]);
        assert_eq!(a.ratio_to(&b), 2.0);
        // Repetitions that cannot be paired: the quotient of the medians.
        let c = Sampled::new(vec![30.0, 10.0]);
        assert_eq!(a.ratio_to(&c), 12.0 / 20.0);
        assert!(Sampled::new(Vec::new())
            .ratio_to(&Sampled::new(Vec::new()))
            .is_nan());
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut [5.0]), 5.0);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn interleaved_loops_take_turns_and_none_stays_none() {
        let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let make = |id: f64| -> Option<Rep<1>> {
            let order = order.clone();
            Some(Box::new(move || {
                order.borrow_mut().push(id);
                Ok([id])
            }))
        };
        let m = interleaved(2, vec![make(1.0), None, make(3.0)]).unwrap_or_default();
        let medians: Vec<_> = m.iter().map(|f| f.as_ref().map(|[c]| c.median())).collect();
        assert_eq!(medians, vec![Some(1.0), None, Some(3.0)]);
        assert_eq!(*order.borrow(), [1.0, 3.0, 1.0, 3.0, 1.0, 3.0]);
    }

    #[test]
    fn medians_take_each_column_apart_and_skip_the_warm_up() {
        let mut calls = 0.0;
        let m = medians(3, || {
            calls += 1.0;
            Ok([calls, 10.0 * calls])
        })
        .unwrap_or([0.0; 2]);
        // Calls 2, 3, 4 are measured; the first warms up.
        assert_eq!(m, [3.0, 30.0]);
    }
}
