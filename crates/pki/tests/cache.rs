//! The verified-chain cache: hits skip the inner verifier; another chain, name, OCSP
//! response or setting misses; entries end with the window and with the chain's validity;
//! errors are never stored; signatures always go to the inner verifier; the size is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use strata_pki::{
    CachingClientVerifier, CachingServerVerifier, ClientCertVerifier, DistinguishedName, PkiError,
    Revocation, RingSigningKey, ServerCertVerifier, SettingsFingerprint, SignatureScheme,
    SigningKey, TrustAnchors, WebPkiClientVerifier, WebPkiServerVerifier,
};
use strata_testdata::pki::{date_time_ymd, KeyKind, Leaf, TestCa};

/// 2030-01-01T00:00:00Z, inside the test certificates' 2020–2040 validity.
const NOW: u64 = 1_893_456_000;

fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

fn name(n: &str) -> ServerName<'static> {
    ServerName::try_from(n.to_string()).unwrap()
}

fn anchors(ca: &TestCa) -> Arc<TrustAnchors> {
    Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&ca.cert)).unwrap())
}

/// A webpki verifier that counts the calls that reach it, and whose fingerprint a test
/// may change or take away.
#[derive(Debug)]
struct Counting {
    inner: WebPkiServerVerifier,
    chains: AtomicUsize,
    signatures: AtomicUsize,
    fingerprint: Mutex<Option<SettingsFingerprint>>,
}

impl Counting {
    fn new(root: &TestCa) -> Arc<Self> {
        let inner = WebPkiServerVerifier::new(anchors(root)).unwrap();
        let fingerprint = Mutex::new(inner.settings_fingerprint());
        Arc::new(Self {
            inner,
            chains: AtomicUsize::new(0),
            signatures: AtomicUsize::new(0),
            fingerprint,
        })
    }

    fn chains(&self) -> usize {
        self.chains.load(Ordering::SeqCst)
    }

    fn signatures(&self) -> usize {
        self.signatures.load(Ordering::SeqCst)
    }

    fn set_fingerprint(&self, fingerprint: Option<SettingsFingerprint>) {
        *self.fingerprint.lock().unwrap() = fingerprint;
    }
}

impl ServerCertVerifier for Counting {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), PkiError> {
        self.chains.fetch_add(1, Ordering::SeqCst);
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        self.signatures.fetch_add(1, Ordering::SeqCst);
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
        self.signatures.fetch_add(1, Ordering::SeqCst);
        self.inner
            .verify_tls13_signature(message, cert, scheme, signature)
    }

    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        *self.fingerprint.lock().unwrap()
    }
}

/// root -> intermediate -> leaf for example.com and www.example.com, ECDSA P-256.
struct Pki {
    root: TestCa,
    inter: TestCa,
    leaf: Leaf,
}

impl Pki {
    fn new() -> Self {
        let root = TestCa::root(KeyKind::EcdsaP256);
        let inter = root.intermediate(KeyKind::EcdsaP256, |_| {});
        let leaf = inter.server_leaf(
            KeyKind::EcdsaP256,
            &["example.com", "www.example.com"],
            |_| {},
        );
        Self { root, inter, leaf }
    }

    fn intermediates(&self) -> Vec<CertificateDer<'static>> {
        vec![self.inter.cert.clone()]
    }
}

fn cached(counting: &Arc<Counting>) -> CachingServerVerifier {
    CachingServerVerifier::new(counting.clone())
}

fn verify(
    v: &CachingServerVerifier,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    host: &str,
    ocsp: &[u8],
    now: u64,
) -> Result<(), PkiError> {
    v.verify_server_cert(leaf, intermediates, &name(host), ocsp, at(now))
}

#[test]
fn a_repeat_verification_is_answered_without_the_inner_verifier() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let v = cached(&counting);
    let inters = pki.intermediates();
    for i in 0..5 {
        verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + i).unwrap();
    }
    assert_eq!(counting.chains(), 1);
    let stats = v.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (4, 1, 1));
}

#[test]
fn another_chain_name_or_ocsp_response_misses() {
    let pki = Pki::new();
    let other_leaf = pki
        .inter
        .server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let counting = Counting::new(&pki.root);
    let v = cached(&counting);
    let inters = pki.intermediates();

    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 1);
    // Another end entity from the same CA.
    verify(&v, &other_leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 2);
    // The same leaf with the intermediate sent twice (webpki still accepts it).
    let twice = vec![pki.inter.cert.clone(), pki.inter.cert.clone()];
    verify(&v, &pki.leaf.cert, &twice, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 3);
    // Another name the certificate is also valid for.
    verify(&v, &pki.leaf.cert, &inters, "www.example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 4);
    // A stapled OCSP response, then another one.
    verify(&v, &pki.leaf.cert, &inters, "example.com", b"ocsp 1", NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", b"ocsp 2", NOW).unwrap();
    assert_eq!(counting.chains(), 6);
    // Each of them is now a hit.
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &other_leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &twice, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "www.example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", b"ocsp 2", NOW).unwrap();
    assert_eq!(counting.chains(), 6);
    assert_eq!(v.stats().entries, 6);
}

#[test]
fn a_name_the_chain_is_not_valid_for_is_asked_every_time_after_a_hit() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let v = cached(&counting);
    let inters = pki.intermediates();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    for _ in 0..2 {
        let err = verify(&v, &pki.leaf.cert, &inters, "example.org", &[], NOW).unwrap_err();
        assert!(matches!(err, PkiError::NotValidForName(_)), "{err}");
    }
    assert_eq!(counting.chains(), 3);
}

#[test]
fn changed_settings_miss_and_a_verifier_without_a_fingerprint_is_never_cached() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let v = cached(&counting);
    let inters = pki.intermediates();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 1);

    counting.set_fingerprint(Some(SettingsFingerprint::from_parts("test", &[b"crl 2"])));
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 2, "new settings: verified again");
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 2);

    counting.set_fingerprint(None);
    for _ in 0..3 {
        verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    }
    assert_eq!(counting.chains(), 5, "no fingerprint: no cache");
}

#[test]
fn webpki_fingerprints_follow_anchors_and_revocation() {
    let pki = Pki::new();
    let other = TestCa::root(KeyKind::EcdsaP256);
    let fp = |v: &WebPkiServerVerifier| v.settings_fingerprint().unwrap();
    let a = WebPkiServerVerifier::new(anchors(&pki.root)).unwrap();
    let a_again = WebPkiServerVerifier::new(anchors(&pki.root)).unwrap();
    let b = WebPkiServerVerifier::new(anchors(&other)).unwrap();
    let crl = Revocation::new(&[pki.root.crl(&[])]).unwrap();
    let revoking = Revocation::new(&[pki.root.crl(&[&pki.leaf.serial])]).unwrap();
    let with_crl = a_again.clone().with_revocation(crl.clone());
    let with_other_crl = a_again.clone().with_revocation(revoking);
    let end_entity_only = a_again
        .clone()
        .with_revocation(crl.with_depth(strata_pki::RevocationDepth::EndEntity));
    assert_eq!(fp(&a), fp(&a_again));
    let all = [
        fp(&a),
        fp(&b),
        fp(&with_crl),
        fp(&with_other_crl),
        fp(&end_entity_only),
    ];
    for (i, x) in all.iter().enumerate() {
        for y in &all[i + 1..] {
            assert_ne!(x, y);
        }
    }
    let client = WebPkiClientVerifier::new(anchors(&pki.root)).unwrap();
    assert_ne!(
        ClientCertVerifier::settings_fingerprint(&client),
        Some(fp(&a))
    );
}

#[test]
fn an_entry_ends_with_the_window() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let inters = pki.intermediates();

    // The default window: 60 s.
    let v = cached(&counting);
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 59).unwrap();
    assert_eq!(counting.chains(), 1);
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 60).unwrap();
    assert_eq!(counting.chains(), 2, "60 s later: verified again");
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 61).unwrap();
    assert_eq!(counting.chains(), 2, "and cached from then");

    // A window of 5 s.
    let v = cached(&counting).with_window(Duration::from_secs(5));
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 4).unwrap();
    assert_eq!(counting.chains(), 3);
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 5).unwrap();
    assert_eq!(counting.chains(), 4);

    // A window past the maximum is cut to it (600 s).
    let v = cached(&counting).with_window(Duration::from_secs(86_400));
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 599).unwrap();
    assert_eq!(counting.chains(), 5);
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW + 600).unwrap();
    assert_eq!(counting.chains(), 6);

    // A window of zero caches nothing.
    let v = cached(&counting).with_window(Duration::ZERO);
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 8);
}

#[test]
fn an_entry_never_outlives_the_earliest_not_after_of_the_chain() {
    // The intermediate expires 30 s after NOW; the leaf lives on to 2040.
    let root = TestCa::root(KeyKind::EcdsaP256);
    let inter = root.intermediate(KeyKind::EcdsaP256, |p| {
        p.not_after = date_time_ymd(2030, 1, 1) + Duration::from_secs(30);
    });
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let counting = Counting::new(&root);
    let v = cached(&counting);
    let inters = vec![inter.cert.clone()];

    verify(&v, &leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &leaf.cert, &inters, "example.com", &[], NOW + 29).unwrap();
    assert_eq!(counting.chains(), 1);
    // At notAfter itself the chain is still valid (RFC 5280: inclusive), but the cache
    // no longer answers: the inner verifier does.
    verify(&v, &leaf.cert, &inters, "example.com", &[], NOW + 30).unwrap();
    assert_eq!(counting.chains(), 2);
    // Past it, the chain has expired, the inner verifier says so, every time.
    for _ in 0..2 {
        let err = verify(&v, &leaf.cert, &inters, "example.com", &[], NOW + 31).unwrap_err();
        assert_eq!(err, PkiError::Expired);
    }
    assert_eq!(counting.chains(), 4);
    assert_eq!(v.stats().entries, 0);
}

#[test]
fn an_expired_leaf_in_a_long_window_is_refused() {
    // The leaf expires 10 s after NOW: a 600 s window must not stretch it.
    let root = TestCa::root(KeyKind::EcdsaP256);
    let leaf = root.server_leaf(KeyKind::EcdsaP256, &["example.com"], |p| {
        p.not_after = date_time_ymd(2030, 1, 1) + Duration::from_secs(10);
    });
    let counting = Counting::new(&root);
    let v = cached(&counting).with_window(Duration::from_secs(600));
    verify(&v, &leaf.cert, &[], "example.com", &[], NOW).unwrap();
    verify(&v, &leaf.cert, &[], "example.com", &[], NOW + 9).unwrap();
    assert_eq!(counting.chains(), 1);
    let err = verify(&v, &leaf.cert, &[], "example.com", &[], NOW + 11).unwrap_err();
    assert_eq!(err, PkiError::Expired);
}

#[test]
fn a_clock_before_the_verification_or_the_not_before_misses() {
    // The leaf becomes valid at NOW.
    let root = TestCa::root(KeyKind::EcdsaP256);
    let leaf = root.server_leaf(KeyKind::EcdsaP256, &["example.com"], |p| {
        p.not_before = date_time_ymd(2030, 1, 1);
    });
    let counting = Counting::new(&root);
    let v = cached(&counting);
    verify(&v, &leaf.cert, &[], "example.com", &[], NOW + 10).unwrap();
    // The clock steps back, still inside the validity: asked again.
    verify(&v, &leaf.cert, &[], "example.com", &[], NOW + 5).unwrap();
    assert_eq!(counting.chains(), 2);
    // The clock steps back before notBefore: not valid yet, from the inner verifier.
    let err = verify(&v, &leaf.cert, &[], "example.com", &[], NOW - 1).unwrap_err();
    assert_eq!(err, PkiError::NotValidYet);
    assert_eq!(counting.chains(), 3);
}

/// An inner verifier that refuses its first `fail` calls, then accepts everything.
#[derive(Debug)]
struct Flaky {
    fail: usize,
    calls: AtomicUsize,
}

impl ServerCertVerifier for Flaky {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<(), PkiError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.fail {
            Err(PkiError::UnknownIssuer)
        } else {
            Ok(())
        }
    }

    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        Some(SettingsFingerprint::from_bytes([7; 32]))
    }
}

#[test]
fn errors_are_never_cached_and_do_not_poison_the_entry() {
    let pki = Pki::new();
    let flaky = Arc::new(Flaky {
        fail: 2,
        calls: AtomicUsize::new(0),
    });
    let v = CachingServerVerifier::new(flaky.clone());
    let inters = pki.intermediates();
    for _ in 0..2 {
        let err = verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap_err();
        assert_eq!(err, PkiError::UnknownIssuer);
    }
    assert_eq!(v.stats().entries, 0);
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
    assert_eq!(v.stats().hits, 1);
}

#[test]
fn a_chain_whose_validity_cannot_be_read_is_not_stored() {
    let flaky = Arc::new(Flaky {
        fail: 0,
        calls: AtomicUsize::new(0),
    });
    let v = CachingServerVerifier::new(flaky.clone());
    let junk = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    verify(&v, &junk, &[], "example.com", &[], NOW).unwrap();
    verify(&v, &junk, &[], "example.com", &[], NOW).unwrap();
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 2);
    assert_eq!(v.stats().entries, 0);
}

#[test]
fn signatures_always_go_to_the_inner_verifier() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let v = cached(&counting);
    let inters = pki.intermediates();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    assert_eq!(counting.chains(), 1, "the chain is cached");

    let key = RingSigningKey::new(&pki.leaf.key_der()).unwrap();
    let scheme = SignatureScheme::EcdsaSecp256r1Sha256;
    let message = b"the transcript of this handshake";
    let signature = key.sign(scheme, message).unwrap();
    for _ in 0..3 {
        v.verify_tls13_signature(message, &pki.leaf.cert, scheme, &signature)
            .unwrap();
        v.verify_tls12_signature(message, &pki.leaf.cert, scheme, &signature)
            .unwrap();
    }
    assert_eq!(counting.signatures(), 6);
    // A signature over another transcript (a replayed chain, a fresh handshake) fails
    // even though the chain is cached.
    let err = v
        .verify_tls13_signature(b"another handshake", &pki.leaf.cert, scheme, &signature)
        .unwrap_err();
    assert_eq!(err, PkiError::BadSignature(scheme));
    let err = v
        .verify_tls12_signature(b"another handshake", &pki.leaf.cert, scheme, &signature)
        .unwrap_err();
    assert_eq!(err, PkiError::BadSignature(scheme));
    assert_eq!(counting.signatures(), 8);
}

#[test]
fn the_cache_is_bounded_and_evicts_the_least_recently_used() {
    let pki = Pki::new();
    let leaves: Vec<Leaf> = (0..3)
        .map(|_| {
            pki.inter
                .server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {})
        })
        .collect();
    let counting = Counting::new(&pki.root);
    let v = cached(&counting).with_capacity(2);
    let inters = pki.intermediates();
    let go = |i: usize| verify(&v, &leaves[i].cert, &inters, "example.com", &[], NOW).unwrap();

    go(0);
    go(1);
    go(0); // hit: 0 is now the most recently used
    assert_eq!(counting.chains(), 2);
    go(2); // evicts 1
    assert_eq!(v.stats().entries, 2);
    go(0);
    go(2);
    assert_eq!(counting.chains(), 3, "0 and 2 are still cached");
    go(1);
    assert_eq!(counting.chains(), 4, "1 was evicted");
    assert_eq!(v.stats().entries, 2);

    // The default holds 64, and no more.
    let v = cached(&counting);
    let many: Vec<Leaf> = (0..70)
        .map(|_| {
            pki.inter
                .server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {})
        })
        .collect();
    for leaf in &many {
        verify(&v, &leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    }
    assert_eq!(v.stats().entries, strata_pki::DEFAULT_CACHE_ENTRIES);

    // Capacity zero caches nothing.
    let v = cached(&counting).with_capacity(0);
    let before = counting.chains();
    go_with(&v, &leaves[0], &inters);
    go_with(&v, &leaves[0], &inters);
    assert_eq!(counting.chains(), before + 2);
}

fn go_with(v: &CachingServerVerifier, leaf: &Leaf, inters: &[CertificateDer<'_>]) {
    verify(v, &leaf.cert, inters, "example.com", &[], NOW).unwrap();
}

#[test]
fn threads_share_one_cache() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let v = Arc::new(cached(&counting));
    let inters = pki.intermediates();
    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    verify(&v, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
                }
            });
        }
    });
    assert_eq!(counting.chains(), 1);
    assert_eq!(v.stats().hits, 200);
}

#[test]
fn a_cache_around_a_cache_caches_once() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let inner = Arc::new(cached(&counting));
    assert_eq!(inner.settings_fingerprint(), None);
    let outer = CachingServerVerifier::new(inner.clone());
    let inters = pki.intermediates();
    for _ in 0..3 {
        verify(&outer, &pki.leaf.cert, &inters, "example.com", &[], NOW).unwrap();
    }
    assert_eq!(counting.chains(), 1);
    assert_eq!(inner.stats().hits, 2);
    assert_eq!(outer.stats().hits, 0);
}

/// A client-chain verifier that counts its chain checks.
#[derive(Debug)]
struct CountingClient {
    inner: WebPkiClientVerifier,
    chains: AtomicUsize,
}

impl ClientCertVerifier for CountingClient {
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
        self.chains.fetch_add(1, Ordering::SeqCst);
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        self.inner.settings_fingerprint()
    }
}

#[test]
fn client_chains_are_cached_the_same_way() {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let client = root.client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {});
    let server_leaf = root.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let counting = Arc::new(CountingClient {
        inner: WebPkiClientVerifier::new(anchors(&root)).unwrap(),
        chains: AtomicUsize::new(0),
    });
    let v = CachingClientVerifier::new(counting.clone());
    assert!(v.client_auth_mandatory());
    assert_eq!(v.root_hint_subjects().len(), 1);
    v.verify_client_cert(&client.cert, &[], at(NOW)).unwrap();
    v.verify_client_cert(&client.cert, &[], at(NOW + 1))
        .unwrap();
    assert_eq!(counting.chains.load(Ordering::SeqCst), 1);
    // A server certificate (wrong EKU) is refused every time.
    for _ in 0..2 {
        let err = v
            .verify_client_cert(&server_leaf.cert, &[], at(NOW))
            .unwrap_err();
        assert!(matches!(err, PkiError::WrongKeyUsage(_)), "{err}");
    }
    assert_eq!(counting.chains.load(Ordering::SeqCst), 3);
    // Past the window, asked again.
    v.verify_client_cert(&client.cert, &[], at(NOW + 60))
        .unwrap();
    assert_eq!(counting.chains.load(Ordering::SeqCst), 4);
}

#[test]
fn debug_shows_settings_and_counts_not_keys() {
    let pki = Pki::new();
    let counting = Counting::new(&pki.root);
    let v = cached(&counting);
    verify(
        &v,
        &pki.leaf.cert,
        &pki.intermediates(),
        "example.com",
        &[],
        NOW,
    )
    .unwrap();
    let text = format!("{v:?}");
    assert!(text.contains("window_secs: 60"), "{text}");
    assert!(text.contains("entries: 1"), "{text}");
}
