//! The C program behind OpenSSL's resumed rows checks what it measures: every resumed
//! setup's handshakes resume (smoke.rs runs the rows), full ones do not, and a client
//! refuses a server its CA did not issue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use strata_bench::measure::Settings;
use strata_bench::setup::{Pki, Setup};
use strata_bench::stacks::openssl_resumed::{handshake_loop, Mode};

#[test]
fn every_handshake_row_runs_full_and_every_resumed_row_resumed() {
    let pki = Pki::new();
    let runs = Setup::handshakes()
        .into_iter()
        .map(|setup| (setup, Mode::Full))
        .chain(
            Setup::resumed_handshakes()
                .into_iter()
                .map(|setup| (setup, Mode::Resumed)),
        );
    for (setup, mode) in runs {
        let mut rep = handshake_loop(&pki, &setup, mode, &Settings::SMOKE)
            .unwrap_or_else(|e| panic!("{} {mode:?}: {e}", setup.name()));
        let [rate, client, server] = rep().unwrap();
        assert!(
            rate > 0.0 && client > 0.0 && server > 0.0,
            "{}",
            setup.name()
        );
    }
}

#[test]
fn a_client_refuses_a_server_certificate_from_another_ca() {
    let pki = Pki::new();
    let stranger = Pki::new();
    let mixed = Pki {
        ca: stranger.ca.clone(),
        server_ecdsa: pki.server_ecdsa.clone(),
        server_rsa: pki.server_rsa.clone(),
        client: pki.client.clone(),
    };
    for setup in Setup::resumed_handshakes() {
        let error = handshake_loop(&mixed, &setup, Mode::Resumed, &Settings::SMOKE)
            .err()
            .unwrap_or_else(|| panic!("{}: no error", setup.name()));
        assert!(error.contains("certificate verify failed"), "{error}");
    }
}
