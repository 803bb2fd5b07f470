//! `--trace`: one line per handshake message on standard error, with its direction.

use strata::trace::{describe, Direction, HandshakeObserver};
use strata_handshake::HandshakeMessage;

/// Prints `client -> ClientHello …` lines.
#[derive(Debug)]
pub struct Tracer {
    side: &'static str,
}

impl Tracer {
    pub fn new(side: &'static str) -> Self {
        Self { side }
    }

    fn arrow(direction: Direction) -> &'static str {
        match direction {
            Direction::Sent => "->",
            Direction::Received => "<-",
        }
    }
}

impl HandshakeObserver for Tracer {
    fn message(&self, direction: Direction, message: &HandshakeMessage<'_>) {
        eprintln!(
            "{:>6} {} {}",
            self.side,
            Self::arrow(direction),
            describe(message)
        );
    }

    fn change_cipher_spec(&self, direction: Direction) {
        eprintln!(
            "{:>6} {} change_cipher_spec",
            self.side,
            Self::arrow(direction)
        );
    }
}
