//! The harness itself, quickly: every stack negotiates what each setup asks for (or, for
//! strata's TLS 1.2 rows until it lands, says it does not implement it), carries bulk data
//! intact, and every measurement and table runs end to end with a few milliseconds each.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use strata_bench::crypto;
use strata_bench::drive::{self, Buffers, RECORD};
use strata_bench::measure::{self, checked_stack, Figure, Settings};
use strata_bench::setup::{Aead, Pki, Setup, Version};
use strata_bench::stacks::openssl::OpenSsl;
use strata_bench::stacks::rustls::Rustls;
use strata_bench::stacks::strata::Strata;
use strata_bench::stacks::{Endpoint, Stack};
use strata_bench::turns;

fn every_setup() -> Vec<Setup> {
    let mut all = Setup::handshakes();
    for version in [Version::Tls13, Version::Tls12] {
        all.extend(Aead::ALL.map(|aead| Setup::bulk(version, aead)));
    }
    all
}

/// Sends 3 records of patterned data each way and checks that they arrive whole (over a
/// resumed connection for a resumed setup: the checked stack's client has a session).
fn carries_data<S: Stack>(pki: &Pki, setup: &Setup) {
    let stack = checked_stack::<S>(pki, setup).unwrap().unwrap();
    let mut buffers = Buffers::new(3);
    let (mut client, mut server, _) = drive::handshake(&stack, &mut buffers).unwrap();
    measure::check_resumed::<S>(&client, &server, setup.resumed).unwrap();
    let payload: Vec<u8> = (0..RECORD).map(|i| (i * 7 % 256) as u8).collect();
    drive::one_way(&mut client, &mut server, &payload, 3, &mut buffers).unwrap();
    assert_eq!(buffers.sink, payload, "{} {}", S::NAME, setup.name());

    let mut wire = Vec::new();
    server.send_plaintext(b"pong").unwrap();
    server.transmit(&mut wire).unwrap();
    let mut sink = [0u8; 16];
    assert_eq!(client.receive(&wire, &mut sink).unwrap(), 4);
    assert_eq!(&sink[..4], b"pong");
}

#[test]
fn rustls_and_openssl_negotiate_every_setup_and_carry_data() {
    let pki = Pki::new();
    for setup in every_setup() {
        assert!(checked_stack::<Rustls>(&pki, &setup).unwrap().is_some());
        assert!(checked_stack::<OpenSsl>(&pki, &setup).unwrap().is_some());
        carries_data::<Rustls>(&pki, &setup);
        carries_data::<OpenSsl>(&pki, &setup);
    }
}

#[test]
fn strata_negotiates_what_it_implements_and_refuses_the_rest() {
    let pki = Pki::new();
    for setup in every_setup() {
        let implemented = strata::config::IMPLEMENTED_VERSIONS.contains(&match setup.version {
            Version::Tls13 => strata::TlsVersion::Tls13,
            Version::Tls12 => strata::TlsVersion::Tls12,
        });
        let stack = checked_stack::<Strata>(&pki, &setup).unwrap();
        assert_eq!(stack.is_some(), implemented, "{}", setup.name());
        if implemented {
            carries_data::<Strata>(&pki, &setup);
        }
    }
}

#[test]
fn every_measurement_runs_end_to_end() {
    let pki = Pki::new();
    let settings = Settings::SMOKE;
    let setup = Setup::handshakes()[0];
    let figures = measure::handshakes::<Strata>(&pki, &setup, &settings).unwrap();
    let Figure::Value(f) = figures else {
        panic!("strata speaks TLS 1.3")
    };
    assert!(
        f.per_second.median() > 0.0 && f.client_us.median() > 0.0 && f.server_us.median() > 0.0
    );
    for f in measure::compare_handshakes(&pki, &setup, &settings).unwrap() {
        assert!(f.value().unwrap().per_second.median() > 0.0);
    }
    let bulk = measure::bulk::<Strata>(
        &pki,
        &Setup::bulk(Version::Tls13, Aead::Aes128Gcm),
        &settings,
    )
    .unwrap();
    assert!(bulk.value().unwrap().send.median() > 0.0);
    for f in measure::compare_bulk(
        &pki,
        &Setup::bulk(Version::Tls12, Aead::Aes256Gcm),
        &settings,
    )
    .unwrap()
    {
        let f = f.value().unwrap();
        assert!(f.send.median() > 0.0 && f.receive.median() > 0.0);
    }

    let primitives = crypto::primitives(&pki, &settings).unwrap();
    assert!(primitives.rsa_sign > 0.0 && primitives.ecdsa_sign > 0.0);
    let floor = |client_auth| {
        let setup = Setup {
            client_auth,
            ..setup
        };
        let mut rep = crypto::floor_loop(&pki, &setup, &settings).unwrap();
        rep().unwrap()
    };
    // Timings only: that client authentication costs the server more is for the report to
    // show, not for a test to assert (the machine is shared and noisy).
    let (without, with) = (floor(false), floor(true));
    assert!(without.iter().all(|f| *f > 0.0), "{without:?}");
    assert!(with.iter().all(|f| *f > 0.0), "{with:?}");
    for version in [Version::Tls13, Version::Tls12] {
        let rate = crypto::aead_rate(Aead::Chacha20Poly1305, version, &settings).unwrap();
        assert!(rate.seal > 0.0 && rate.open > 0.0);
    }
}

#[test]
fn a_version_strata_lacks_is_not_applicable_not_an_error() {
    let pki = Pki::new();
    let tls12 = Setup {
        version: Version::Tls12,
        ..Setup::handshakes()[0]
    };
    let figures = measure::handshakes::<Strata>(&pki, &tls12, &Settings::SMOKE).unwrap();
    if !strata::config::IMPLEMENTED_VERSIONS.contains(&strata::TlsVersion::Tls12) {
        assert!(matches!(figures, Figure::NotApplicable(_)));
    } else {
        assert!(figures.value().is_some());
    }
}

/// Every resumed setup resumes on strata and rustls, handshake after handshake (each one
/// checked on both sides, with the ticket the previous one brought in TLS 1.3), carries
/// data, and its row (the crypto floor included, and OpenSSL through the C program of
/// `stacks::openssl_resumed`, which checks each of its handshakes resumed) runs end to end.
/// The openssl crate's stack itself cannot resume (`OpenSsl::unavailable`).
#[test]
fn resumed_rows_resume_every_time_and_carry_data() {
    let pki = Pki::new();
    for setup in Setup::resumed_handshakes() {
        assert!(setup.resumed);
        for round in 0..4 {
            resumes::<Strata>(&pki, &setup, round);
            resumes::<Rustls>(&pki, &setup, round);
        }
        carries_data::<Strata>(&pki, &setup);
        carries_data::<Rustls>(&pki, &setup);
        assert!(checked_stack::<OpenSsl>(&pki, &setup).unwrap().is_none());

        let [s, r, o, floor] = measure::compare_handshakes(&pki, &setup, &Settings::SMOKE).unwrap();
        for f in [&s, &r, &o, &floor] {
            let f = f.value().unwrap();
            assert!(
                f.per_second.median() > 0.0
                    && f.client_us.median() > 0.0
                    && f.server_us.median() > 0.0
            );
        }
    }
}

/// `rounds` more handshakes of a fresh stack after its checked ones, each resumed, and
/// with client authentication the server still knows the client's certificate.
fn resumes<S: Stack>(pki: &Pki, setup: &Setup, rounds: usize) {
    let stack = checked_stack::<S>(pki, setup).unwrap().unwrap();
    let mut buffers = Buffers::default();
    for _ in 0..=rounds {
        let (client, server, _) = drive::handshake(&stack, &mut buffers).unwrap();
        measure::check_resumed::<S>(&client, &server, true).unwrap();
        client.check(setup).unwrap();
        server.check(setup).unwrap();
    }
}

/// A full-handshake setup never resumes, however many handshakes a stack runs.
#[test]
fn full_rows_never_resume() {
    let pki = Pki::new();
    let setup = Setup::handshakes()[0];
    let stack = checked_stack::<Strata>(&pki, &setup).unwrap().unwrap();
    let mut buffers = Buffers::default();
    for _ in 0..3 {
        let (client, server, _) = drive::handshake(&stack, &mut buffers).unwrap();
        measure::check_resumed::<Strata>(&client, &server, false).unwrap();
    }
}

/// The peak resident memory reading works here (Linux's /proc/self/status and
/// clear_refs) for every stack; the figures themselves are the report's to show.
#[test]
fn peak_resident_memory_is_read_for_every_stack() {
    let pki = Pki::new();
    let setup = Setup::handshakes()[0];
    let figures = [
        strata_bench::memory::peak_rss_growth::<Strata>(&pki, &setup, 4).unwrap(),
        strata_bench::memory::peak_rss_growth::<Rustls>(&pki, &setup, 4).unwrap(),
        strata_bench::memory::peak_rss_growth::<OpenSsl>(&pki, &setup, 4).unwrap(),
    ];
    for f in figures {
        assert!(f.value().is_some_and(|kib| *kib >= 0.0), "{f:?}");
    }
    let (rss, peak) = strata_bench::memory::resident_kib().unwrap();
    assert!(rss > 0 && peak >= rss);
}

#[test]
fn turns_time_each_of_the_three_on_full_and_resumed_rows() {
    // One row of each kind, a few milliseconds in 3 repetitions: every figure measured,
    // every ratio finite. A resumed row's turns check that each handshake resumed (an error
    // if one did not), so a stack that stopped resuming fails here too.
    let pki = Pki::new();
    let rows = [
        Setup::handshakes()[0],
        Setup::resumed_handshakes()[0],
        *Setup::resumed_handshakes()
            .iter()
            .find(|s| s.version == Version::Tls12)
            .unwrap(),
    ];
    for setup in rows {
        let turns = turns::measure(&pki, &setup, std::time::Duration::from_millis(6), 3).unwrap();
        for figure in [&turns.strata, &turns.floor, &turns.extra, &turns.rustls] {
            assert!(figure.median() > 0.0, "{setup:?}: {figure:?}");
        }
        for ratio in [
            turns.strata_over_rustls(),
            turns.strata_share(),
            turns.rustls_share(),
        ] {
            assert!(ratio.is_finite() && ratio > 0.0, "{setup:?}: {ratio}");
        }
        // The protocol's crypto is more than the floor, so the bound is under 1; and the
        // room at a target of 1 is exactly what the rest of it costs, taken away.
        let bound = turns.no_code_bound();
        assert!(bound > 0.0 && bound < 1.0, "{setup:?}: {bound}");
        assert!(turns.room_at(1.0) < 0.0, "{setup:?}");
        assert!(turns.own_code(&turns.strata).is_finite(), "{setup:?}");
    }
    let [one_at_a_time, room] = turns::tables(&pki, &Settings::SMOKE).unwrap();
    assert_eq!(
        one_at_a_time.rows.len(),
        Setup::handshakes().len() + Setup::resumed_handshakes().len()
    );
    let with_target = Setup::handshakes()
        .into_iter()
        .chain(Setup::resumed_handshakes())
        .filter(|s| turns::floor_target(s).is_some())
        .count();
    assert_eq!(room.rows.len(), with_target);
}
