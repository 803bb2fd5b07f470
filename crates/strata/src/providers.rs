//! Randomness and time, injected so that tests can be deterministic.
//!
//! The layers below the facade never read a clock or an entropy source of their own: the
//! facade hands them values from a [`TimeProvider`] and a [`RandomSource`] taken from the
//! config. The defaults use the operating system.
//!
//! One exception is outside strata's control: ring generates ephemeral key-exchange keys
//! only from its own `SystemRandom` (its `SecureRandom` trait is sealed), so the key shares
//! of a handshake differ from run to run even with a seeded [`RandomSource`].

use std::sync::Mutex;

use rand_core::{CryptoRng, RngCore, TryRngCore};
use rustls_pki_types::UnixTime;

/// The current time, for certificate validity and ticket ages.
pub trait TimeProvider: Send + Sync + std::fmt::Debug {
    /// Now, as seconds since the Unix epoch.
    fn now(&self) -> UnixTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl TimeProvider for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::now()
    }
}

/// A clock that always says the same time: for tests and replays.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub UnixTime);

impl TimeProvider for FixedClock {
    fn now(&self) -> UnixTime {
        self.0
    }
}

/// A source of cryptographically secure random bytes (randoms, session IDs, ticket
/// nonces), shared by every connection of a config.
pub trait RandomSource: Send + Sync + std::fmt::Debug {
    /// Fills `dest` with random bytes; an error means no randomness could be had, and the
    /// handshake fails with internal_error rather than go on with predictable bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's random source could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the random number source failed")]
pub struct RandomError;

/// The operating system's random source (getrandom).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        rand_core::OsRng
            .try_fill_bytes(dest)
            .map_err(|_| RandomError)
    }
}

/// Any rand_core generator behind a lock: a seeded ChaCha generator makes a test's
/// randoms repeatable.
#[derive(Debug)]
pub struct RngSource<R>(Mutex<R>);

impl<R: RngCore + CryptoRng + Send> RngSource<R> {
    /// Wraps `rng`.
    pub fn new(rng: R) -> Self {
        Self(Mutex::new(rng))
    }
}

impl<R: RngCore + CryptoRng + Send + std::fmt::Debug> RandomSource for RngSource<R> {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        let mut rng = self.0.lock().map_err(|_| RandomError)?;
        rng.fill_bytes(dest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn os_random_fills_the_buffer() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        OsRandom.fill(&mut a).unwrap();
        OsRandom.fill(&mut b).unwrap();
        assert_ne!(a, b, "two reads of 256 random bits were equal");
    }

    #[test]
    fn a_seeded_source_repeats() {
        let draw = || {
            let source = RngSource::new(rand_chacha::ChaCha20Rng::seed_from_u64(7));
            let mut out = [0u8; 16];
            source.fill(&mut out).unwrap();
            out
        };
        assert_eq!(draw(), draw());
    }

    #[test]
    fn a_fixed_clock_is_fixed() {
        let clock = FixedClock(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            5,
        )));
        assert_eq!(clock.now().as_secs(), 5);
    }
}
