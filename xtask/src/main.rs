//! `cargo xtask`: project automation.
#![forbid(unsafe_code)]
fn main() {}
