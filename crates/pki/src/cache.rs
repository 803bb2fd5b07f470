//! An opt-in cache of verified chains, for peers that come back: a client that reconnects
//! to the same server with full handshakes (no resumption), or a server whose clients do,
//! skips the chain's signature checks and path building the second time.
//!
//! [`CachingServerVerifier`] wraps any [`ServerCertVerifier`] (and
//! [`CachingClientVerifier`] any [`ClientCertVerifier`]). It remembers that a chain
//! verified, under a key that is a SHA-256 digest of
//!
//! - the exact chain bytes, end entity first, each certificate length-prefixed (so that the
//!   same bytes split into certificates differently is another key);
//! - the server name (server chains) and the stapled OCSP response bytes;
//! - the inner verifier's [`SettingsFingerprint`]: its trust anchors, CRLs, revocation
//!   policy, supported schemes and rules, as the verifier itself describes them
//!   ([`ServerCertVerifier::settings_fingerprint`]).
//!
//! An entry is reused only while `now` (the time the handshake passes in, not the
//! cache's own clock) is at or after the time it was verified, at or after the latest
//! `notBefore` of the chain, and before the earliest of: the time it was verified plus
//! the window (60 s by default, [`MAX_CACHE_WINDOW`] at most) and the earliest `notAfter`
//! of the chain (RFC 5280 §4.1.2.5, read from the DER). Only successful verifications are
//! stored; an error is returned as the inner verifier gave it and stores nothing, and a
//! chain whose validity cannot be read is not stored either. The cache is bounded
//! (64 entries by default, the least recently used goes first) and shared between
//! threads behind a mutex that is not held while the inner verifier works.
//!
//! # Why this is safe
//!
//! Path validation (RFC 5280 §6.1) is a function of its inputs (§6.1.1): the path (here,
//! the chain as sent), the current date/time, the trust anchors, and the policy inputs
//! (revocation information, name and key-usage requirements). With the same chain bytes,
//! the same server name, the same OCSP bytes and the same settings, the verdict can only
//! change through the two inputs the key does not hold:
//!
//! - **time**: a certificate of the chain reaching its `notAfter` (or the clock sitting
//!   before a `notBefore`, §6.1.3 (a)(2)). The entry's life ends at the chain's earliest
//!   `notAfter` and never starts before its latest `notBefore`, so no expired or
//!   not-yet-valid chain is accepted from the cache. A clock that jumps back before the
//!   verification time misses too.
//! - **revocation news**: a CRL or OCSP response published inside the window. Revocation
//!   is the one thing a cache delays, which is why the window is short (seconds to
//!   minutes, never more than [`MAX_CACHE_WINDOW`]), shorter than any CRL's or OCSP
//!   response's update interval in practice. CRLs the verifier is configured with are
//!   part of its fingerprint, so loading new ones (a new fingerprint) misses at once;
//!   [`CachingServerVerifier::clear`] drops everything when news arrives otherwise.
//!
//! # Why CertificateVerify is still checked
//!
//! The chain says only that a CA vouches for a key; it is public, and anyone can send it.
//! What authenticates the peer is its signature over this handshake's transcript
//! (CertificateVerify in TLS 1.3, RFC 8446 §4.4.3; ServerKeyExchange or CertificateVerify
//! in TLS 1.2), which proves possession of the private key for this connection. If that
//! were cached too, an attacker replaying a chain it recorded would be taken for the
//! server. So only `verify_server_cert` / `verify_client_cert` are cached;
//! `verify_tls12_signature` and `verify_tls13_signature` always go to the inner verifier,
//! and strata's handshake checks the peer's signature itself, with the end entity of the
//! very chain the cache accepted, whatever the verifier.
//!
//! # Why the settings come from the verifier
//!
//! The cache asks the inner verifier for a fingerprint of its settings rather than keying
//! on the inner verifier's `Arc` pointer plus a generation number. A pointer says "the
//! same object", not "the same settings": an object with interior mutability (CRLs
//! reloaded in place, anchors rotated) keeps its address, a freed verifier's address can
//! be reused by a differently configured one, and a generation only helps if whoever
//! changes the settings remembers to bump it. A fingerprint is computed from the settings
//! themselves, so it changes exactly when they do. And the default, `None`, means a
//! verifier that cannot describe what its verdict depends on (one that asks a server, or
//! a person) is never cached: the safe failure is a miss.
//!
//! # Why it is opt-in
//!
//! It trades a bounded delay in seeing revocation news for speed, which is the
//! application's call, not the library's. It also only pays off for peers that come back
//! within the window with full handshakes; resumption (which skips the chain entirely)
//! is the first answer to repeat peers.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use strata_pki::{CachingServerVerifier, ServerCertVerifier, TrustAnchors, WebPkiServerVerifier};
//! use strata_pki::pki_types::{ServerName, UnixTime};
//! # use strata_testdata::pki::{KeyKind, TestCa};
//! # let root = TestCa::root(KeyKind::EcdsaP256);
//! # let leaf = root.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
//! # let (ca, chain) = (root.cert.clone(), vec![leaf.cert.clone()]);
//! let anchors = Arc::new(TrustAnchors::from_certs(&[ca])?);
//! let verifier = CachingServerVerifier::new(Arc::new(WebPkiServerVerifier::new(anchors)?))
//!     .with_window(Duration::from_secs(30));
//! let name = ServerName::try_from("example.com")?;
//! let now = UnixTime::since_unix_epoch(Duration::from_secs(1_800_000_000));
//! verifier.verify_server_cert(&chain[0], &chain[1..], &name, &[], now)?; // verified
//! verifier.verify_server_cert(&chain[0], &chain[1..], &name, &[], now)?; // from the cache
//! assert_eq!(verifier.stats().hits, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// The validity reader the cache bounds its entries with (RFC 5280 §4.1.2.5), public so
/// that it can be fuzzed and checked against other parsers.
pub use crate::der::{validity as certificate_validity, Validity};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ring::digest::{Context, SHA256};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::anchors::DistinguishedName;
use crate::limits::{MAX_CACHE_ENTRIES, MAX_CACHE_WINDOW};
use crate::verify::{ClientCertVerifier, ServerCertVerifier};
use crate::{der, PkiError, SignatureScheme};

/// How long a verified chain is reused by default: 60 seconds.
pub const DEFAULT_CACHE_WINDOW: Duration = Duration::from_secs(60);

/// How many verified chains a cache holds by default.
pub const DEFAULT_CACHE_ENTRIES: usize = 64;

/// A digest of every setting a verifier's verdict depends on besides its arguments
/// (see [`ServerCertVerifier::settings_fingerprint`]). Equal fingerprints promise equal
/// verdicts for equal arguments.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SettingsFingerprint([u8; 32]);

impl SettingsFingerprint {
    /// A fingerprint from 32 bytes the verifier computed itself (a SHA-256 digest of its
    /// settings, say).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// SHA-256 over `label` (name the verifier type and its version here, so that two
    /// verifiers with different rules never share a fingerprint) and `parts`, each
    /// length-prefixed so that no two lists of parts digest alike.
    pub fn from_parts(label: &str, parts: &[&[u8]]) -> Self {
        let mut f = Fingerprinter::new(label);
        f.count(parts.len());
        for part in parts {
            f.bytes(part);
        }
        f.finish()
    }

    /// The 32 bytes.
    pub const fn to_bytes(self) -> [u8; 32] {
        self.0
    }
}

impl fmt::Debug for SettingsFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SettingsFingerprint(")?;
        for b in self.0.iter().take(8) {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A SHA-256 over length-prefixed fields: what fingerprints and cache keys are made with.
pub(crate) struct Fingerprinter(Context);

impl Fingerprinter {
    /// Starts with `label`, length-prefixed.
    pub(crate) fn new(label: &str) -> Self {
        let mut f = Self(Context::new(&SHA256));
        f.bytes(label.as_bytes());
        f
    }

    /// A number, as eight bytes.
    pub(crate) fn count(&mut self, n: usize) {
        self.0.update(&(n as u64).to_be_bytes());
    }

    /// Bytes, after their length.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.count(bytes.len());
        self.0.update(bytes);
    }

    /// The digest.
    pub(crate) fn finish(self) -> SettingsFingerprint {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        SettingsFingerprint(out)
    }
}

/// What a cache has done since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Verifications answered from the cache.
    pub hits: u64,
    /// Verifications passed to the inner verifier (a miss, an expired entry, a verifier
    /// without a fingerprint, or a chain the cache cannot key).
    pub misses: u64,
    /// Chains held now.
    pub entries: usize,
}

/// One verified chain: when it was verified and the seconds it may be reused in.
#[derive(Clone, Copy, Debug)]
struct Entry {
    verified_at: u64,
    /// The latest notBefore of the chain.
    not_before: u64,
    /// The first second it may no longer be reused: min(verified_at + window, earliest
    /// notAfter).
    expires: u64,
    /// For LRU eviction: the tick of the last use.
    last_used: u64,
}

impl Entry {
    fn fresh_at(&self, now: u64) -> bool {
        self.verified_at <= now && self.not_before <= now && now < self.expires
    }
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<[u8; 32], Entry>,
    tick: u64,
    hits: u64,
    misses: u64,
}

/// The cache both wrappers share.
struct ChainCache {
    window: u64,
    capacity: usize,
    state: Mutex<State>,
}

impl ChainCache {
    fn new() -> Self {
        Self {
            window: DEFAULT_CACHE_WINDOW.as_secs(),
            capacity: DEFAULT_CACHE_ENTRIES,
            state: Mutex::new(State::default()),
        }
    }

    fn enabled(&self) -> bool {
        self.window > 0 && self.capacity > 0
    }

    /// Whether `key` holds a chain that may be reused at `now`; counts the hit or miss.
    /// An entry past its time is dropped.
    fn lookup(&self, key: &[u8; 32], now: u64) -> bool {
        // A poisoned lock (a panic elsewhere while it was held): no cache, only misses.
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        state.tick = state.tick.wrapping_add(1);
        let tick = state.tick;
        let hit = match state.entries.get_mut(key) {
            Some(entry) if entry.fresh_at(now) => {
                entry.last_used = tick;
                true
            }
            Some(_) => {
                state.entries.remove(key);
                false
            }
            None => false,
        };
        if hit {
            state.hits += 1;
        } else {
            state.misses += 1;
        }
        hit
    }

    fn count_miss(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.misses += 1;
        }
    }

    /// Remembers that `chain` verified at `now`, if its validity can be read and `now`
    /// is inside it.
    fn insert<'a>(
        &self,
        key: [u8; 32],
        now: u64,
        chain: impl Iterator<Item = &'a CertificateDer<'a>>,
    ) {
        let mut not_before = 0u64;
        let mut not_after = u64::MAX;
        for cert in chain {
            let Some(validity) = der::validity(cert.as_ref()) else {
                return;
            };
            not_before = not_before.max(validity.not_before);
            not_after = not_after.min(validity.not_after);
        }
        let expires = now.saturating_add(self.window).min(not_after);
        if now < not_before || now >= expires {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.entries.len() >= self.capacity && !state.entries.contains_key(&key) {
            state.entries.retain(|_, e| e.fresh_at(now));
            while state.entries.len() >= self.capacity {
                let oldest = state
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.last_used)
                    .map(|(k, _)| *k);
                match oldest {
                    Some(k) => state.entries.remove(&k),
                    None => break,
                };
            }
        }
        state.tick = state.tick.wrapping_add(1);
        let last_used = state.tick;
        state.entries.insert(
            key,
            Entry {
                verified_at: now,
                not_before,
                expires,
                last_used,
            },
        );
    }

    /// Answers from the cache under `key`, or runs `verify` and remembers a success.
    fn verify<'a>(
        &self,
        key: Option<[u8; 32]>,
        now: UnixTime,
        chain: impl Iterator<Item = &'a CertificateDer<'a>>,
        verify: impl FnOnce() -> Result<(), PkiError>,
    ) -> Result<(), PkiError> {
        let now = now.as_secs();
        let key = match key {
            Some(key) if self.enabled() => key,
            _ => {
                self.count_miss();
                return verify();
            }
        };
        if self.lookup(&key, now) {
            return Ok(());
        }
        verify()?;
        self.insert(key, now, chain);
        Ok(())
    }

    fn stats(&self) -> CacheStats {
        self.state
            .lock()
            .map_or(CacheStats::default(), |s| CacheStats {
                hits: s.hits,
                misses: s.misses,
                entries: s.entries.len(),
            })
    }

    fn clear(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.entries.clear();
        }
    }
}

impl fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainCache")
            .field("window_secs", &self.window)
            .field("capacity", &self.capacity)
            .field("stats", &self.stats())
            .finish()
    }
}

/// The cache key: what a verdict depends on, digested. `None` when the chain cannot be
/// keyed (a kind of server name this version does not know).
fn chain_key(
    side: &str,
    settings: SettingsFingerprint,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: Option<&ServerName<'_>>,
    ocsp_response: &[u8],
) -> Option<[u8; 32]> {
    let mut f = Fingerprinter::new(side);
    f.bytes(&settings.to_bytes());
    f.count(1 + intermediates.len());
    f.bytes(end_entity.as_ref());
    for cert in intermediates {
        f.bytes(cert.as_ref());
    }
    match server_name {
        Some(ServerName::DnsName(dns)) => {
            f.count(1);
            f.bytes(dns.as_ref().as_bytes());
        }
        Some(ServerName::IpAddress(ip)) => {
            f.count(2);
            match std::net::IpAddr::from(*ip) {
                std::net::IpAddr::V4(v4) => f.bytes(&v4.octets()),
                std::net::IpAddr::V6(v6) => f.bytes(&v6.octets()),
            }
        }
        Some(_) => return None,
        None => f.count(0),
    }
    f.bytes(ocsp_response);
    Some(f.finish().to_bytes())
}

fn clamp_window(window: Duration) -> u64 {
    window.min(MAX_CACHE_WINDOW).as_secs()
}

/// The signature checks both caching verifiers hand to their inner verifier as they
/// are: only chains are cached; a signature proves the key for this handshake alone.
macro_rules! delegate_signatures {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            scheme: SignatureScheme,
            signature: &[u8],
        ) -> Result<(), PkiError> {
            self.inner
                .verify_tls12_signature(message, cert, scheme, signature)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            scheme: SignatureScheme,
            signature: &[u8],
        ) -> Result<(), PkiError> {
            self.inner
                .verify_tls13_signature(message, cert, scheme, signature)
        }

        fn supported_schemes(&self) -> &[SignatureScheme] {
            self.inner.supported_schemes()
        }
    };
}

/// What the two caching verifiers share: construction, settings, statistics, and a
/// `Debug` that shows the inner verifier and the cache's counts.
macro_rules! caching_verifier_common {
    ($ty:ident, $inner:ident, $name:literal) => {
        impl $ty {
            /// Caches what `inner` accepts: 60 s, 64 chains. If `inner` has no settings
            /// fingerprint (`settings_fingerprint`), nothing is cached.
            pub fn new(inner: Arc<dyn $inner>) -> Self {
                Self {
                    inner,
                    cache: ChainCache::new(),
                }
            }

            /// How long a verified chain is reused (whole seconds, [`MAX_CACHE_WINDOW`] at
            /// most; zero turns the cache off). Never past the chain's own validity.
            pub fn with_window(mut self, window: Duration) -> Self {
                self.cache.window = clamp_window(window);
                self
            }

            /// How many chains are kept ([`MAX_CACHE_ENTRIES`] at most; zero turns the
            /// cache off); past it the least recently used goes.
            pub fn with_capacity(mut self, entries: usize) -> Self {
                self.cache.capacity = entries.min(MAX_CACHE_ENTRIES);
                self
            }

            /// Hits, misses and entries so far.
            pub fn stats(&self) -> CacheStats {
                self.cache.stats()
            }

            /// Forgets every chain (when revocation news arrives, say).
            pub fn clear(&self) {
                self.cache.clear();
            }

            /// The verifier that does the work.
            pub fn inner(&self) -> &Arc<dyn $inner> {
                &self.inner
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct($name)
                    .field("inner", &self.inner)
                    .field("cache", &self.cache)
                    .finish()
            }
        }
    };
}

caching_verifier_common!(
    CachingServerVerifier,
    ServerCertVerifier,
    "CachingServerVerifier"
);
caching_verifier_common!(
    CachingClientVerifier,
    ClientCertVerifier,
    "CachingClientVerifier"
);

/// A [`ServerCertVerifier`] that remembers, for a short window, which server chains its
/// inner verifier accepted (see the [module documentation](self) for why that is safe).
/// Signatures (CertificateVerify, ServerKeyExchange) are never cached.
pub struct CachingServerVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    cache: ChainCache,
}

impl ServerCertVerifier for CachingServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), PkiError> {
        let key = self.inner.settings_fingerprint().and_then(|settings| {
            chain_key(
                "strata-pki server chain",
                settings,
                end_entity,
                intermediates,
                Some(server_name),
                ocsp_response,
            )
        });
        let chain = std::iter::once(end_entity).chain(intermediates);
        self.cache.verify(key, now, chain, || {
            self.inner.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )
        })
    }

    delegate_signatures!();

    /// `None`: a cache's answers lag its inner verifier's by up to the window, so it
    /// does not promise the same verdicts (and a cache around a cache never caches).
    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        None
    }
}

/// A [`ClientCertVerifier`] that remembers, for a short window, which client chains its
/// inner verifier accepted: [`CachingServerVerifier`]'s twin for servers doing mutual
/// TLS. Signatures are never cached.
pub struct CachingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    cache: ChainCache,
}

impl ClientCertVerifier for CachingClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), PkiError> {
        let key = self.inner.settings_fingerprint().and_then(|settings| {
            chain_key(
                "strata-pki client chain",
                settings,
                end_entity,
                intermediates,
                None,
                &[],
            )
        });
        let chain = std::iter::once(end_entity).chain(intermediates);
        self.cache.verify(key, now, chain, || {
            self.inner
                .verify_client_cert(end_entity, intermediates, now)
        })
    }

    delegate_signatures!();

    /// `None`, as [`CachingServerVerifier`]'s.
    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(
        leaf: &[u8],
        intermediates: &[&[u8]],
        name: Option<&str>,
        ocsp: &[u8],
    ) -> Option<[u8; 32]> {
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(*c))
            .collect();
        let name = name.map(|n| ServerName::try_from(n).unwrap());
        chain_key(
            "test",
            SettingsFingerprint::from_bytes([1; 32]),
            &CertificateDer::from(leaf),
            &intermediates,
            name.as_ref(),
            ocsp,
        )
    }

    #[test]
    fn the_same_bytes_split_differently_are_another_key() {
        let base = key(b"ab", &[b"c"], Some("example.com"), b"");
        assert!(base.is_some());
        assert_eq!(base, key(b"ab", &[b"c"], Some("example.com"), b""));
        for other in [
            key(b"a", &[b"bc"], Some("example.com"), b""),
            key(b"abc", &[], Some("example.com"), b""),
            key(b"ab", &[b"c", b""], Some("example.com"), b""),
            key(b"ab", &[], Some("example.com"), b"c"),
            key(b"ab", &[b"c"], Some("example.org"), b""),
            key(b"ab", &[b"c"], None, b""),
            key(b"ab", &[b"c"], Some("127.0.0.1"), b""),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn settings_and_side_are_in_the_key() {
        let chain = CertificateDer::from(&b"leaf"[..]);
        let k = |side: &str, fp: u8| {
            chain_key(
                side,
                SettingsFingerprint::from_bytes([fp; 32]),
                &chain,
                &[],
                None,
                b"",
            )
        };
        assert_ne!(k("server", 1), k("server", 2));
        assert_ne!(k("server", 1), k("client", 1));
    }

    #[test]
    fn fingerprint_parts_are_length_prefixed() {
        let a = SettingsFingerprint::from_parts("v", &[b"ab", b"c"]);
        let b = SettingsFingerprint::from_parts("v", &[b"a", b"bc"]);
        let c = SettingsFingerprint::from_parts("w", &[b"ab", b"c"]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert!(format!("{a:?}").starts_with("SettingsFingerprint("));
    }
}
