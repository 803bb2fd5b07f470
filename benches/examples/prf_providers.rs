//! What one side's TLS 1.2 PRF work in a resumed handshake costs (the key block from the
//! session's master secret and both Finished messages' verify_data: 23 SHA-256
//! compressions, RFC 5246 §5), four ways, side by side:
//! - strata's `MasterSecret`, keyed once, as a handshake runs it (on the `hmac` crate
//!   where the CPU has SHA-256 instructions, on ring's HMAC elsewhere; see
//!   `strata_handshake::key_schedule::tls12`), with the key block cut into record keys;
//! - the bare PRF on ring's HMAC, keyed once;
//! - the bare PRF on RustCrypto's `hmac` and `sha2` crates, keyed once;
//! - the 23 compressions alone (`sha2::compress256`), the limit any HMAC API can reach.
//!
//! `cargo run --release -p strata-bench --example prf_providers [-- ROUNDS]`
//!
//! PROFILES.md says why the figures matter for the resumed TLS 1.2 row.
#![forbid(unsafe_code)]

use std::hint::black_box;
use std::time::Instant;

use hmac::{Hmac, Mac};
use sha2::digest::generic_array::GenericArray;
use strata_handshake::key_schedule::tls12::{MasterSecret, Sender};
use strata_handshake::key_schedule::{HashAlgorithm, Secret};
use strata_record::AeadAlgorithm;

/// The compressions of one side's resumed PRF (see PROFILES.md, second round): 2 to key
/// HMAC, 11 for a 40-byte key block, 5 for each verify_data.
const COMPRESSIONS: u32 = 23;

type HmacSha256 = Hmac<sha2::Sha256>;

/// P_SHA256 (RFC 5246 §5) over `mac`, an HMAC-SHA256 keyed once with the secret, given
/// its input in parts (`A(i)` if any, the label, the seed's parts).
fn p_sha256<M>(mac: &M, label: &[u8], seed: &[&[u8]], out: &mut [u8])
where
    M: Fn(Option<&[u8]>, &[u8], &[&[u8]]) -> [u8; 32],
{
    let mut a = mac(None, label, seed);
    let mut chunks = out.chunks_mut(32).peekable();
    while let Some(chunk) = chunks.next() {
        let block = mac(Some(&a), label, seed);
        for (dst, src) in chunk.iter_mut().zip(block.iter()) {
            *dst = *src;
        }
        if chunks.peek().is_some() {
            a = mac(Some(&a), &[], &[]);
        }
    }
}

/// One side's work on a bare PRF: the key block and both verify_data.
fn one_side<M>(mac: &M, randoms: [&[u8; 32]; 2], hash: &[u8]) -> ([u8; 40], [[u8; 12]; 2])
where
    M: Fn(Option<&[u8]>, &[u8], &[&[u8]]) -> [u8; 32],
{
    let [client_random, server_random] = randoms;
    let mut block = [0u8; 40];
    p_sha256(
        mac,
        b"key expansion",
        &[server_random, client_random],
        &mut block,
    );
    let finished = [&b"client finished"[..], b"server finished"].map(|label| {
        let mut v = [0u8; 12];
        p_sha256(mac, label, &[hash], &mut v);
        v
    });
    (block, finished)
}

/// Microseconds per call of `f`, best of 5 runs of `rounds` calls.
fn time(rounds: u32, mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..rounds {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> Result<(), String> {
    let rounds = std::env::args()
        .nth(1)
        .map(|r| r.parse().map_err(|_| format!("not a count: {r}")))
        .transpose()?
        .unwrap_or(100_000u32);
    let master = [0xabu8; 48];
    let (client_random, server_random, hash) = ([1u8; 32], [2u8; 32], [3u8; 32]);

    // Both give the same bytes: the comparison is of one computation.
    let strata_side = || {
        let secret = Secret::from_slice(black_box(&master)).ok_or("secret")?;
        let ms = MasterSecret::new(HashAlgorithm::Sha256, secret);
        let block = ms
            .key_block(AeadAlgorithm::Aes128Gcm, &client_random, &server_random)
            .map_err(|e| e.to_string())?;
        let finished = [Sender::Client, Sender::Server].map(|s| ms.verify_data(s, &hash));
        Ok::<_, String>((block, finished))
    };
    let randoms = [&client_random, &server_random];
    let ring_side = || {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, black_box(&master));
        let mac = |a: Option<&[u8]>, label: &[u8], seed: &[&[u8]]| {
            let mut ctx = ring::hmac::Context::with_key(&key);
            for part in a.into_iter().chain([label]).chain(seed.iter().copied()) {
                ctx.update(part);
            }
            let mut tag = [0u8; 32];
            tag.copy_from_slice(ctx.sign().as_ref());
            tag
        };
        one_side(&mac, randoms, &hash)
    };
    let rustcrypto_side = || {
        let key = HmacSha256::new_from_slice(black_box(&master)).map_err(|e| e.to_string())?;
        let mac = |a: Option<&[u8]>, label: &[u8], seed: &[&[u8]]| {
            let mut mac = key.clone();
            for part in a.into_iter().chain([label]).chain(seed.iter().copied()) {
                mac.update(part);
            }
            <[u8; 32]>::from(mac.finalize().into_bytes())
        };
        Ok::<_, String>(one_side(&mac, randoms, &hash))
    };
    let (_, strata_finished) = strata_side()?;
    let (_, rc_finished) = rustcrypto_side()?;
    let (_, ring_finished) = ring_side();
    if strata_finished != rc_finished || strata_finished != ring_finished {
        return Err("the PRFs disagree".into());
    }

    let strata_us = time(rounds, || {
        black_box(strata_side().ok());
    });
    let ring_us = time(rounds, || {
        black_box(ring_side());
    });
    let rc_us = time(rounds, || {
        black_box(rustcrypto_side().ok());
    });
    let mut state = [0u32; 8];
    let block = GenericArray::clone_from_slice(&[0x5au8; 64]);
    let compress_us = time(rounds, || {
        for _ in 0..COMPRESSIONS {
            sha2::compress256(&mut state, std::slice::from_ref(black_box(&block)));
        }
        black_box(&state);
    });
    println!("One side's TLS 1.2 resumed PRF work (key block + both verify_data), µs:");
    println!("  strata's MasterSecret                {strata_us:6.3}");
    println!("  ring HMAC, keyed once                {ring_us:6.3}");
    println!("  RustCrypto hmac + sha2, keyed once   {rc_us:6.3}");
    println!("  {COMPRESSIONS} SHA-256 compressions alone       {compress_us:6.3}");
    Ok(())
}
