//! strata against rustls and OpenSSL, in one process, on one thread, over in-memory
//! buffers: full handshakes, bulk throughput, memory per connection, and the limits the
//! crypto itself sets (ring's raw AEAD, and one handshake's primitive operations timed
//! alone). `cargo xtask bench` runs the two binaries of this crate and writes
//! BENCHMARKS.md; the library is what they (and the tests) share.
//!
//! - [`setup`]: what is measured (protocol version, server key, client authentication,
//!   AEAD) and the test PKI every stack uses;
//! - [`stacks`]: the three stacks behind one sans-IO [`stacks::Endpoint`] interface (and
//!   OpenSSL's resumed handshakes through a C program, [`stacks::openssl_resumed`]);
//! - [`drive`]: the in-memory handshake and bulk-transfer drivers, timing each side;
//! - [`measure`]: repetitions, medians and settings;
//! - [`crypto`]: ring's AEAD and handshake primitives timed alone;
//! - [`protocol`]: the crypto a handshake needs beyond the floor's primitives, read from
//!   its records (the transcript hash, the encrypted records, the traffic keys);
//! - [`memory`]: heap bytes and allocations, read from the counting allocator;
//! - [`table`]: the Markdown tables both binaries print;
//! - [`chain_cache`]: the repeat-peer row, the verified-chain cache off and on;
//! - [`turns`]: the handshake rows again, strata, the crypto floor (with the protocol's
//!   crypto beside it) and rustls taking turns one handshake at a time.
#![forbid(unsafe_code)]

pub mod chain_cache;
pub mod crypto;
pub mod drive;
pub mod measure;
pub mod memory;
pub mod protocol;
pub mod setup;
pub mod stacks;
pub mod table;
pub mod turns;
