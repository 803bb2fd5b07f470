//! The handshake tables again, one handshake at a time: a strata handshake, the crypto
//! floor's primitives for the same handshake, the rest of the crypto the protocol needs
//! for it ([`crate::protocol`]), a rustls handshake, and again. The main
//! tables' loops take turns every repetition (0.3 s); on a shared machine whose speed
//! moves within a second, turns of one handshake let a slow stretch touch all three
//! alike. Each also runs with the other two's code and data passing through the caches
//! in between, as a server's handshakes run among other work, where the loops run warm.
//! So this table gives the same ratios measured another way, and rustls's share of the
//! floor beside strata's. With the protocol's crypto it also gives the highest share of
//! the floor any stack could reach (the no-code bound), and a second table what the
//! floor targets leave for a stack's own code.

use std::time::{Duration, Instant};

use crate::crypto;
use crate::drive::{self, Buffers};
use crate::measure::{check_resumed, checked_stack, median, Sampled, Settings};
use crate::protocol;
use crate::setup::{Pki, Setup, Version};
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
    /// The protocol's crypto beyond the floor ([`protocol::extras_once`]), µs per
    /// handshake.
    pub extra: Sampled,
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

    /// All the crypto the handshake needs, the floor and the rest, µs per handshake.
    pub fn protocol(&self) -> Sampled {
        Sampled::new(pairwise(&self.floor, &self.extra, |floor, extra| {
            floor + extra
        }))
    }

    /// The share of the floor that a stack spending nothing beyond the protocol's crypto
    /// would reach: no stack's strata/floor can be higher.
    pub fn no_code_bound(&self) -> f64 {
        self.floor.ratio_to(&self.protocol())
    }

    /// What a stack whose handshakes took `stack` µs spends beyond the protocol's crypto
    /// (its own code: parsing, encoding, state, allocation, copies, certificate parsing),
    /// µs per handshake.
    pub fn own_code(&self, stack: &Sampled) -> f64 {
        let protocol = self.protocol();
        median(&mut pairwise(stack, &protocol, |stack, protocol| {
            stack - protocol
        }))
    }

    /// The µs per handshake a stack may spend beyond the protocol's crypto and still reach
    /// `target` of the floor (negative: not even a stack with no code of its own can).
    pub fn room_at(&self, target: f64) -> f64 {
        let protocol = self.protocol();
        median(&mut pairwise(&self.floor, &protocol, |floor, protocol| {
            floor / target - protocol
        }))
    }
}

/// `f` of two figures' repetitions that took turns, pair by pair.
fn pairwise(a: &Sampled, b: &Sampled, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    a.samples()
        .iter()
        .zip(b.samples())
        .map(|(&a, &b)| f(a, b))
        .collect()
}

/// The share of the crypto floor a row is to reach: 0.97 for full handshakes and 0.95 for
/// resumed TLS 1.3 ones; resumed TLS 1.2's target is against rustls instead (1.5 times).
pub fn floor_target(setup: &Setup) -> Option<f64> {
    match (setup.resumed, setup.version) {
        (false, _) => Some(0.97),
        (true, Version::Tls13) => Some(0.95),
        (true, Version::Tls12) => None,
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
/// strata handshake, the floor once, the protocol's other crypto once, a rustls
/// handshake, until the repetition's share of `time` is up. One untimed turn first warms
/// each up (and resumes from then on).
pub fn measure(pki: &Pki, setup: &Setup, time: Duration, reps: usize) -> Result<Turns, String> {
    let mut floor = crypto::floor_once(pki, setup)?;
    let mut extra = protocol::extras_once(pki, setup)?;
    let strata = checked_stack::<Strata>(pki, setup)?.ok_or("strata: not implemented")?;
    let rustls = checked_stack::<Rustls>(pki, setup)?.ok_or("rustls: not implemented")?;
    let mut buffers = Buffers::default();
    timed_handshake(&strata, setup, &mut buffers)?;
    floor()?;
    extra()?;
    timed_handshake(&rustls, setup, &mut buffers)?;
    let reps = reps.max(1);
    let per_rep = time / u32::try_from(reps).unwrap_or(u32::MAX);
    let (mut on_strata, mut on_floor, mut on_extra, mut on_rustls) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let start = Instant::now();
        let [mut s, mut f, mut e, mut r] = [Duration::ZERO; 4];
        let mut count = 0u32;
        while count == 0 || start.elapsed() < per_rep {
            s += timed_handshake(&strata, setup, &mut buffers)?;
            let t = Instant::now();
            floor()?;
            let u = Instant::now();
            extra()?;
            f += u - t;
            e += u.elapsed();
            r += timed_handshake(&rustls, setup, &mut buffers)?;
            count += 1;
        }
        let micros = |total: Duration| total.as_secs_f64() * 1e6 / f64::from(count);
        on_strata.push(micros(s));
        on_floor.push(micros(f));
        on_extra.push(micros(e));
        on_rustls.push(micros(r));
    }
    Ok(Turns {
        strata: Sampled::new(on_strata),
        floor: Sampled::new(on_floor),
        extra: Sampled::new(on_extra),
        rustls: Sampled::new(on_rustls),
    })
}

/// The time each row's turns run for in all.
pub fn row_time(settings: &Settings) -> Duration {
    settings.handshake_time * 6
}

/// The two tables: every full-handshake row, then every resumed one, one at a time; and
/// for the rows with a floor target ([`floor_target`]), what the target leaves for a
/// stack's own code.
pub fn tables(pki: &Pki, settings: &Settings) -> Result<[Table; 2], String> {
    let mut turns_table = Table::new(
        "Handshakes one at a time: strata, the crypto floor and rustls taking turns",
        "The rows of the handshake tables above, measured another way: a strata handshake \
         (both sides), the crypto floor's primitives for it, the rest of the crypto the \
         protocol needs for it (transcript hash, encrypted records, traffic keys, TLS 1.3 \
         Finished MACs, randoms: `benches/src/protocol.rs`), a rustls handshake, and \
         again, each timed alone; µs per handshake, lower is better. strata/rustls is as a \
         rate (above 1: strata is faster); strata/floor and rustls/floor are the share of \
         each stack's time that the floor's primitives take. The no-code bound is the \
         floor over the floor and the rest of the protocol's crypto: the share of the \
         floor a stack with no code of its own would reach, and so the highest any stack \
         can. OpenSSL, whose crypto is not ring's, is left out.",
        &[
            "handshake",
            "strata µs",
            "rustls µs",
            "crypto floor µs",
            "rest of the protocol's crypto µs",
            "strata/rustls",
            "strata/floor",
            "rustls/floor",
            "no-code bound",
        ],
    );
    let mut room_table = Table::new(
        "What the floor targets leave for a stack's own code",
        "From the turns above, µs per handshake (both sides). A stack reaches a target \
         share of the floor only if everything it does beyond the protocol's crypto \
         (parsing, encoding, state, allocation, copies, certificate parsing and path \
         building) fits in the room: the floor over the target, less the protocol's \
         crypto. Negative room: not even a stack with no code of its own reaches the \
         target. Own code is each stack's time less the protocol's crypto timed alone: \
         its own code, and its crypto running colder among that code than alone.",
        &[
            "handshake",
            "target",
            "no-code bound",
            "room at the target µs",
            "strata's own code µs",
            "rustls's own code µs",
        ],
    );
    let setups = Setup::handshakes()
        .into_iter()
        .chain(Setup::resumed_handshakes());
    for setup in setups {
        eprintln!("one at a time: {}", setup.name());
        let turns = measure(pki, &setup, row_time(settings), settings.reps)?;
        turns_table.row(vec![
            setup.name(),
            format!("{:.1}", turns.strata.median()),
            format!("{:.1}", turns.rustls.median()),
            format!("{:.1}", turns.floor.median()),
            format!("{:.1}", turns.extra.median()),
            format!("{:.2}", turns.strata_over_rustls()),
            format!("{:.2}", turns.strata_share()),
            format!("{:.2}", turns.rustls_share()),
            format!("{:.3}", turns.no_code_bound()),
        ]);
        if let Some(target) = floor_target(&setup) {
            room_table.row(vec![
                setup.name(),
                format!("{target:.2}"),
                format!("{:.3}", turns.no_code_bound()),
                format!("{:.1}", turns.room_at(target)),
                format!("{:.1}", turns.own_code(&turns.strata)),
                format!("{:.1}", turns.own_code(&turns.rustls)),
            ]);
        }
    }
    Ok([turns_table, room_table])
}
