//! The handshake tables again, one handshake at a time: a strata handshake, the crypto
//! floor's primitives for the same handshake, a rustls handshake, and again. The main
//! tables' loops take turns every repetition (0.3 s); on a shared machine whose speed
//! moves within a second, turns of one handshake let a slow stretch touch all three
//! alike. Each also runs with the other two's code and data passing through the caches
//! in between, as a server's handshakes run among other work, where the loops run warm.
//! So this table gives the same ratios measured another way, and rustls's share of the
//! floor beside strata's.

use std::time::{Duration, Instant};

use crate::crypto;
use crate::drive::{self, Buffers};
use crate::measure::{check_resumed, checked_stack, Sampled, Settings};
use crate::setup::{Pki, Setup};
use crate::stacks::rustls::Rustls;
use crate::stacks::strata::Strata;
use crate::stacks::Stack;
use crate::table::Table;

/// One row's figures: µs per handshake of each, over the repetitions.
#[derive(Clone, Debug)]
pub struct Turns {
    /// strata, both sides, µs per handshake.
    pub strata: Sampled,
    /// The crypto floor's primitives, µs per handshake.
    pub floor: Sampled,
    /// rustls, both sides, µs per handshake.
    pub rustls: Sampled,
}

impl Turns {
    /// strata's handshakes per second over rustls's (above 1: strata is faster).
    pub fn strata_over_rustls(&self) -> f64 {
        self.rustls.ratio_to(&self.strata)
    }

    /// The share of strata's time the floor's primitives take (strata/floor as a rate).
    pub fn strata_share(&self) -> f64 {
        self.floor.ratio_to(&self.strata)
    }

    /// rustls's.
    pub fn rustls_share(&self) -> f64 {
        self.floor.ratio_to(&self.rustls)
    }
}

/// One handshake of `stack`, checked to have resumed (or not) as `setup` says; its time.
fn timed_handshake<S: Stack>(
    stack: &S,
    setup: &Setup,
    buffers: &mut Buffers,
) -> Result<Duration, String> {
    let start = Instant::now();
    let (client, server, _) = drive::handshake(stack, buffers)?;
    let elapsed = start.elapsed();
    check_resumed::<S>(&client, &server, setup.resumed)?;
    Ok(elapsed)
}

/// Turns for `time` in all, in `reps` repetitions (each a figure of the medians): a
/// strata handshake, the floor once, a rustls handshake, until the repetition's share of
/// `time` is up. One untimed turn first warms each up (and resumes from then on).
pub fn measure(pki: &Pki, setup: &Setup, time: Duration, reps: usize) -> Result<Turns, String> {
    let mut floor = crypto::floor_once(pki, setup)?;
    let strata = checked_stack::<Strata>(pki, setup)?.ok_or("strata: not implemented")?;
    let rustls = checked_stack::<Rustls>(pki, setup)?.ok_or("rustls: not implemented")?;
    let mut buffers = Buffers::default();
    timed_handshake(&strata, setup, &mut buffers)?;
    floor()?;
    timed_handshake(&rustls, setup, &mut buffers)?;
    let reps = reps.max(1);
    let per_rep = time / u32::try_from(reps).unwrap_or(u32::MAX);
    let (mut on_strata, mut on_floor, mut on_rustls) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let start = Instant::now();
        let (mut s, mut f, mut r) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        let mut count = 0u32;
        while count == 0 || start.elapsed() < per_rep {
            s += timed_handshake(&strata, setup, &mut buffers)?;
            let t = Instant::now();
            floor()?;
            f += t.elapsed();
            r += timed_handshake(&rustls, setup, &mut buffers)?;
            count += 1;
        }
        let micros = |total: Duration| total.as_secs_f64() * 1e6 / f64::from(count);
        on_strata.push(micros(s));
        on_floor.push(micros(f));
        on_rustls.push(micros(r));
    }
    Ok(Turns {
        strata: Sampled::new(on_strata),
        floor: Sampled::new(on_floor),
        rustls: Sampled::new(on_rustls),
    })
}

/// The time each row's turns run for in all.
pub fn row_time(settings: &Settings) -> Duration {
    settings.handshake_time * 6
}

/// The table: every full-handshake row, then every resumed one.
pub fn table(pki: &Pki, settings: &Settings) -> Result<Table, String> {
    let mut table = Table::new(
        "Handshakes one at a time: strata, the crypto floor and rustls taking turns",
        "The rows of the handshake tables above, measured another way: a strata handshake \
         (both sides), the crypto floor's primitives for it, a rustls handshake, and again, \
         each timed alone; µs per handshake, lower is better. strata/rustls is as a rate \
         (above 1: strata is faster); strata/floor and rustls/floor are the share of each \
         stack's time that the floor's primitives take. OpenSSL, whose crypto is not \
         ring's, is left out.",
        &[
            "handshake",
            "strata µs",
            "rustls µs",
            "crypto floor µs",
            "strata/rustls",
            "strata/floor",
            "rustls/floor",
        ],
    );
    let setups = Setup::handshakes()
        .into_iter()
        .chain(Setup::resumed_handshakes());
    for setup in setups {
        eprintln!("one at a time: {}", setup.name());
        let turns = measure(pki, &setup, row_time(settings), settings.reps)?;
        table.row(vec![
            setup.name(),
            format!("{:.1}", turns.strata.median()),
            format!("{:.1}", turns.rustls.median()),
            format!("{:.1}", turns.floor.median()),
            format!("{:.2}", turns.strata_over_rustls()),
            format!("{:.2}", turns.strata_share()),
            format!("{:.2}", turns.rustls_share()),
        ]);
    }
    Ok(table)
}
