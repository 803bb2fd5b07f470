//! The TLS 1.3 key schedule (RFC 8446 §7.1–§7.5).
//!
//! HKDF-Extract, HKDF-Expand-Label and Derive-Secret (§7.1) are the primitives. The
//! schedule itself is three types, one per stage, each made by consuming the one before:
//!
//! ```text
//! EarlySecret::new(hash, psk)            binder_key, client_early_traffic_secret,
//!     │                                  early_exporter_master_secret
//!     ▼ into_handshake((EC)DHE secret)
//! HandshakeSecret                        client/server_handshake_traffic_secret
//!     ▼ into_master()
//! MasterSecret                           client/server_application_traffic_secret_0,
//!                                        exporter_master_secret, resumption_master_secret
//! ```
//!
//! so a later secret cannot be derived before an earlier stage, nor an earlier one after.
//! Traffic keys (§7.3), Finished (§4.4.4), KeyUpdate (§4.6.3), resumption PSKs (§4.6.1)
//! and exporters (§7.5) are free functions of the secrets these stages give.
//!
//! Every transcript hash is a [`TranscriptHash`], which is at most 48 bytes: the labels
//! used here are fixed and short, so deriving a schedule secret cannot fail. Only the
//! functions taking a caller's label or context return a `Result`.

use std::sync::OnceLock;

use strata_record::AeadAlgorithm;

use super::transcript::TranscriptHash;
use super::{HashAlgorithm, HmacKey, Secret, TrafficKeys, MAX_HASH_LEN};
use crate::HandshakeError;

/// The prefix HKDF-Expand-Label puts before every label (RFC 8446 §7.1).
const LABEL_PREFIX: &[u8] = b"tls13 ";

/// The longest `Label` HKDF-Expand-Label takes: `label<7..255>` holds `"tls13 " + Label`
/// (RFC 8446 §7.1).
pub const MAX_LABEL_LEN: usize = 255 - LABEL_PREFIX.len();

/// The longest `Context` HKDF-Expand-Label takes: `context<0..255>` (RFC 8446 §7.1).
pub const MAX_CONTEXT_LEN: usize = 255;

/// HKDF-Expand (RFC 5869 §2.3) with `prk` as an HMAC key, the concatenation of `info`
/// into `out`. Writes at most 255 blocks, the most HKDF defines; callers check or use
/// Hash.length. The key is made by the caller, once per secret: making it costs two hash
/// compressions, as much as a short expansion itself, and several labels are often
/// expanded from one secret (a traffic key and IV; both handshake traffic secrets).
fn hkdf_expand(hash: HashAlgorithm, prk: &HmacKey, info: &[&[u8]], out: &mut [u8]) {
    let mut previous: Option<Secret> = None;
    for (block, counter) in out.chunks_mut(hash.output_len()).zip(1u8..=255) {
        let counter = [counter];
        let parts = previous.as_ref().map(Secret::as_bytes).into_iter();
        let t = prk.sign(parts.chain(info.iter().copied()).chain([&counter[..]]));
        for (o, b) in block.iter_mut().zip(t.as_bytes()) {
            *o = *b;
        }
        previous = Some(t);
    }
}

/// A secret as the HMAC key that HKDF-Expand runs under (RFC 5869 §2.3: the PRK).
fn prk(hash: HashAlgorithm, secret: &[u8]) -> HmacKey {
    HmacKey::new(hash, secret)
}

/// HKDF-Expand-Label without the length checks: for labels, contexts and lengths known to
/// fit (RFC 8446 §7.1).
fn expand_label_into(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) {
    expand_label_with(hash, &prk(hash, secret), label, context, out);
}

/// [`expand_label_into`] under a PRK already made.
fn expand_label_with(
    hash: HashAlgorithm,
    prk: &HmacKey,
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) {
    let length = u16::try_from(out.len()).unwrap_or(u16::MAX).to_be_bytes();
    let label_len = u8::try_from(LABEL_PREFIX.len() + label.len()).unwrap_or(u8::MAX);
    let context_len = u8::try_from(context.len()).unwrap_or(u8::MAX);
    let info: [&[u8]; 6] = [
        &length,
        &[label_len],
        LABEL_PREFIX,
        label,
        &[context_len],
        context,
    ];
    hkdf_expand(hash, prk, &info, out);
}

/// Derive-Secret under a PRK already made, for a stage that derives several secrets from
/// one (RFC 8446 §7.1).
fn derive_with(
    hash: HashAlgorithm,
    prk: &HmacKey,
    label: &[u8],
    messages: &TranscriptHash,
) -> Secret {
    Secret::filled(hash.output_len(), |out| {
        expand_label_with(hash, prk, label, messages.as_bytes(), out);
    })
}

/// HKDF-Expand-Label to Hash.length bytes with one of this module's own labels.
fn expand_secret(hash: HashAlgorithm, secret: &[u8], label: &[u8], context: &[u8]) -> Secret {
    Secret::filled(hash.output_len(), |out| {
        expand_label_into(hash, secret, label, context, out);
    })
}

/// Derive-Secret(Secret, "derived", ""): the salt of the next HKDF-Extract (RFC 8446 §7.1),
/// under the stage's PRK.
fn derived(hash: HashAlgorithm, prk: &HmacKey) -> Secret {
    derive_with(hash, prk, b"derived", empty_hash(hash))
}

/// `Transcript-Hash("")`, the context of the "derived" and binder secrets (RFC 8446 §7.1):
/// a constant of the hash, computed once.
fn empty_hash(hash: HashAlgorithm) -> &'static TranscriptHash {
    static EMPTY: PerHash<TranscriptHash> = PerHash::new();
    EMPTY.get(hash, || TranscriptHash::of(hash, b""))
}

/// A constant of the schedule, one per hash, made on first use and kept for the process:
/// it depends on nothing but the hash, so it is public (no secret is kept).
struct PerHash<T> {
    sha256: OnceLock<T>,
    sha384: OnceLock<T>,
}

impl<T> PerHash<T> {
    const fn new() -> Self {
        Self {
            sha256: OnceLock::new(),
            sha384: OnceLock::new(),
        }
    }

    fn get(&self, hash: HashAlgorithm, make: impl FnOnce() -> T) -> &T {
        match hash {
            HashAlgorithm::Sha256 => self.sha256.get_or_init(make),
            HashAlgorithm::Sha384 => self.sha384.get_or_init(make),
        }
    }
}

/// Where the schedule starts without a PSK: the Early Secret `HKDF-Extract(0, 0)`, its
/// PRK and its `Derive-Secret(., "derived", "")`. They depend on nothing but the hash
/// (RFC 8448 §3 prints them), so they are public constants, computed once per process
/// instead of in every full handshake.
struct NoPskStart {
    early_secret: Secret,
    prk: HmacKey,
    derived: Secret,
}

fn no_psk_start(hash: HashAlgorithm) -> &'static NoPskStart {
    static START: PerHash<NoPskStart> = PerHash::new();
    START.get(hash, || {
        let early_secret = hkdf_extract(hash, &[], &[]);
        let prk = prk(hash, early_secret.as_bytes());
        let derived = derived(hash, &prk);
        NoPskStart {
            early_secret,
            prk,
            derived,
        }
    })
}

fn check_label(label: &[u8]) -> Result<(), HandshakeError> {
    if label.is_empty() || label.len() > MAX_LABEL_LEN {
        return Err(HandshakeError::IllegalParameter(
            "HKDF-Expand-Label label must be 1 to 249 bytes",
        ));
    }
    Ok(())
}

fn check_output(hash: HashAlgorithm, out: &[u8]) -> Result<(), HandshakeError> {
    if out.len() > 255 * hash.output_len() {
        return Err(HandshakeError::IllegalParameter(
            "HKDF-Expand output longer than 255 hash blocks",
        ));
    }
    Ok(())
}

/// `HKDF-Extract(salt, IKM)` = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). An empty `salt` or
/// `ikm` stands for the "0" of RFC 8446 §7.1: Hash.length zero bytes.
pub fn hkdf_extract(hash: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret {
    let zeros = [0u8; MAX_HASH_LEN];
    let zeros = zeros.get(..hash.output_len()).unwrap_or_default();
    let ikm = if ikm.is_empty() { zeros } else { ikm };
    if salt.is_empty() {
        return zero_salt(hash).sign([ikm]);
    }
    hash.hmac(salt, &[ikm])
}

/// HMAC keyed with the "0" salt, Hash.length zero bytes (RFC 8446 §7.1): the Early
/// Secret's extraction uses it in every handshake, and it is a constant, so it is keyed
/// once per process rather than once per handshake (two hash compressions each).
fn zero_salt(hash: HashAlgorithm) -> &'static HmacKey {
    static ZERO_SALT: PerHash<HmacKey> = PerHash::new();
    ZERO_SALT.get(hash, || {
        let zeros = [0u8; MAX_HASH_LEN];
        prk(hash, zeros.get(..hash.output_len()).unwrap_or_default())
    })
}

/// `HKDF-Expand-Label(secret, label, context, out.len())` into `out`, `label` without its
/// `"tls13 "` prefix (RFC 8446 §7.1). Fails if `label` is empty or longer than
/// [`MAX_LABEL_LEN`], `context` longer than [`MAX_CONTEXT_LEN`], or `out` longer than 255
/// hash blocks.
pub fn hkdf_expand_label(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), HandshakeError> {
    check_label(label)?;
    if context.len() > MAX_CONTEXT_LEN {
        return Err(HandshakeError::IllegalParameter(
            "HKDF-Expand-Label context longer than 255 bytes",
        ));
    }
    check_output(hash, out)?;
    expand_label_into(hash, secret, label, context, out);
    Ok(())
}

/// `Derive-Secret(secret, label, messages)` =
/// `HKDF-Expand-Label(secret, label, Transcript-Hash(messages), Hash.length)`
/// (RFC 8446 §7.1). Fails only if `label` is empty or longer than [`MAX_LABEL_LEN`].
pub fn derive_secret(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    messages: &TranscriptHash,
) -> Result<Secret, HandshakeError> {
    check_label(label)?;
    Ok(expand_secret(hash, secret, label, messages.as_bytes()))
}

/// Which kind of PSK a binder is for (RFC 8446 §7.1, §4.2.11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinderKind {
    /// An external PSK: `binder_key` from the label "ext binder" (RFC 8446 §7.1).
    External,
    /// A resumption PSK from a NewSessionTicket: label "res binder" (RFC 8446 §7.1).
    Resumption,
}

impl BinderKind {
    fn label(self) -> &'static [u8] {
        match self {
            Self::External => b"ext binder",
            Self::Resumption => b"res binder",
        }
    }
}

/// The Early Secret, first stage of the schedule: `HKDF-Extract(0, PSK)`
/// (RFC 8446 §7.1). `Debug` shows no bytes.
pub struct EarlySecret {
    hash: HashAlgorithm,
    secret: Secret,
    /// The secret as HMAC key, made once for the binder key, "derived" and the early
    /// traffic secrets.
    prk: HmacKey,
    /// Whether a PSK went in: without one the stage is a constant ([`NoPskStart`]).
    psk: bool,
}

impl EarlySecret {
    /// The Early Secret from the PSK, or from Hash.length zero bytes without one
    /// (RFC 8446 §7.1). An empty PSK counts as none.
    pub fn new(hash: HashAlgorithm, psk: Option<&[u8]>) -> Self {
        let Some(psk) = psk.filter(|psk| !psk.is_empty()) else {
            let start = no_psk_start(hash);
            return Self {
                hash,
                secret: start.early_secret.clone(),
                prk: start.prk.clone(),
                psk: false,
            };
        };
        let secret = hkdf_extract(hash, &[], psk);
        Self {
            hash,
            prk: prk(hash, secret.as_bytes()),
            secret,
            psk: true,
        }
    }

    /// The schedule's hash (RFC 8446 §7.1).
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The Early Secret itself, for tests and key logs (RFC 8446 §7.1).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// `binder_key` = Derive-Secret(., "ext binder" | "res binder", "") (RFC 8446 §7.1);
    /// the binder is [`verify_data`] with it as the base key (§4.2.11.2).
    pub fn binder_key(&self, kind: BinderKind) -> Secret {
        derive_with(self.hash, &self.prk, kind.label(), empty_hash(self.hash))
    }

    /// `client_early_traffic_secret` = Derive-Secret(., "c e traffic", ClientHello)
    /// (RFC 8446 §7.1).
    pub fn client_early_traffic_secret(&self, client_hello: &TranscriptHash) -> Secret {
        derive_with(self.hash, &self.prk, b"c e traffic", client_hello)
    }

    /// `early_exporter_master_secret` = Derive-Secret(., "e exp master", ClientHello)
    /// (RFC 8446 §7.1), for [`export_keying_material`] during 0-RTT (§7.5).
    pub fn early_exporter_master_secret(&self, client_hello: &TranscriptHash) -> Secret {
        derive_with(self.hash, &self.prk, b"e exp master", client_hello)
    }

    /// The Handshake Secret: `HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE)`
    /// (RFC 8446 §7.1). Pass an empty `shared_secret` in psk_ke mode, where none exists
    /// and the "0" input is used.
    pub fn into_handshake(self, shared_secret: &[u8]) -> HandshakeSecret {
        let salt = if self.psk {
            derived(self.hash, &self.prk)
        } else {
            no_psk_start(self.hash).derived.clone()
        };
        let secret = hkdf_extract(self.hash, salt.as_bytes(), shared_secret);
        HandshakeSecret {
            hash: self.hash,
            prk: prk(self.hash, secret.as_bytes()),
            secret,
        }
    }
}

impl core::fmt::Debug for EarlySecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EarlySecret")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// The Handshake Secret, second stage of the schedule (RFC 8446 §7.1). `Debug` shows no
/// bytes.
pub struct HandshakeSecret {
    hash: HashAlgorithm,
    secret: Secret,
    /// The secret as HMAC key, made once for both traffic secrets and "derived".
    prk: HmacKey,
}

impl HandshakeSecret {
    /// The schedule's hash (RFC 8446 §7.1).
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The Handshake Secret itself, for tests and key logs (RFC 8446 §7.1).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// `client_handshake_traffic_secret` = Derive-Secret(., "c hs traffic",
    /// ClientHello...ServerHello) (RFC 8446 §7.1).
    pub fn client_handshake_traffic_secret(&self, hello: &TranscriptHash) -> Secret {
        derive_with(self.hash, &self.prk, b"c hs traffic", hello)
    }

    /// `server_handshake_traffic_secret` = Derive-Secret(., "s hs traffic",
    /// ClientHello...ServerHello) (RFC 8446 §7.1).
    pub fn server_handshake_traffic_secret(&self, hello: &TranscriptHash) -> Secret {
        derive_with(self.hash, &self.prk, b"s hs traffic", hello)
    }

    /// Both handshake traffic secrets at once, client's first: the same as the two
    /// methods above, each with its PRK made for what expands from it.
    pub fn handshake_traffic_secrets(
        &self,
        hello: &TranscriptHash,
    ) -> (HandshakeTrafficSecret, HandshakeTrafficSecret) {
        (
            HandshakeTrafficSecret::new(self.hash, self.client_handshake_traffic_secret(hello)),
            HandshakeTrafficSecret::new(self.hash, self.server_handshake_traffic_secret(hello)),
        )
    }

    /// The Master Secret: `HKDF-Extract(Derive-Secret(., "derived", ""), 0)`
    /// (RFC 8446 §7.1).
    pub fn into_master(self) -> MasterSecret {
        let salt = derived(self.hash, &self.prk);
        let secret = hkdf_extract(self.hash, salt.as_bytes(), &[]);
        MasterSecret {
            hash: self.hash,
            prk: prk(self.hash, secret.as_bytes()),
            secret,
        }
    }
}

impl core::fmt::Debug for HandshakeSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HandshakeSecret")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// The Master Secret, last stage of the schedule (RFC 8446 §7.1). `Debug` shows no bytes.
pub struct MasterSecret {
    hash: HashAlgorithm,
    secret: Secret,
    /// The secret as HMAC key, made once for the application traffic, exporter and
    /// resumption master secrets.
    prk: HmacKey,
}

impl MasterSecret {
    /// The schedule's hash (RFC 8446 §7.1).
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The Master Secret itself, for tests and key logs (RFC 8446 §7.1).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// `client_application_traffic_secret_0` = Derive-Secret(., "c ap traffic",
    /// ClientHello...server Finished) (RFC 8446 §7.1).
    pub fn client_application_traffic_secret_0(
        &self,
        through_server_finished: &TranscriptHash,
    ) -> Secret {
        derive_with(
            self.hash,
            &self.prk,
            b"c ap traffic",
            through_server_finished,
        )
    }

    /// `server_application_traffic_secret_0` = Derive-Secret(., "s ap traffic",
    /// ClientHello...server Finished) (RFC 8446 §7.1).
    pub fn server_application_traffic_secret_0(
        &self,
        through_server_finished: &TranscriptHash,
    ) -> Secret {
        derive_with(
            self.hash,
            &self.prk,
            b"s ap traffic",
            through_server_finished,
        )
    }

    /// `exporter_master_secret` = Derive-Secret(., "exp master",
    /// ClientHello...server Finished) (RFC 8446 §7.1), for [`export_keying_material`].
    pub fn exporter_master_secret(&self, through_server_finished: &TranscriptHash) -> Secret {
        derive_with(self.hash, &self.prk, b"exp master", through_server_finished)
    }

    /// The client's and the server's application traffic secrets and the exporter master
    /// secret at once, over ClientHello...server Finished: the same as the three methods
    /// above.
    pub fn application_secrets(
        &self,
        through_server_finished: &TranscriptHash,
    ) -> ApplicationSecrets {
        let derive =
            |label: &[u8]| derive_with(self.hash, &self.prk, label, through_server_finished);
        ApplicationSecrets {
            client: derive(b"c ap traffic"),
            server: derive(b"s ap traffic"),
            exporter: derive(b"exp master"),
        }
    }

    /// `resumption_master_secret` = Derive-Secret(., "res master",
    /// ClientHello...client Finished) (RFC 8446 §7.1), for [`resumption_psk`].
    pub fn resumption_master_secret(&self, through_client_finished: &TranscriptHash) -> Secret {
        derive_with(self.hash, &self.prk, b"res master", through_client_finished)
    }
}

/// What [`MasterSecret::application_secrets`] derives (RFC 8446 §7.1). `Debug` shows no
/// bytes (each [`Secret`] hides its own).
#[derive(Debug)]
pub struct ApplicationSecrets {
    /// client_application_traffic_secret_0.
    pub client: Secret,
    /// server_application_traffic_secret_0.
    pub server: Secret,
    /// exporter_master_secret.
    pub exporter: Secret,
}

impl core::fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MasterSecret")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// A handshake traffic secret with its PRK made once: both its record keys (RFC 8446
/// §7.3) and its Finished key (§4.4.4) expand from it, at the key change and at the
/// Finished. `Debug` shows no bytes.
pub struct HandshakeTrafficSecret {
    hash: HashAlgorithm,
    secret: Secret,
    prk: HmacKey,
}

impl HandshakeTrafficSecret {
    /// `secret`, a client or server handshake traffic secret of a `hash` schedule.
    pub fn new(hash: HashAlgorithm, secret: Secret) -> Self {
        let prk = prk(hash, secret.as_bytes());
        Self { hash, secret, prk }
    }

    /// The secret itself, for key logs.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Its record protection key and IV: [`traffic_keys`] of the secret.
    pub fn traffic_keys(&self, aead: AeadAlgorithm) -> TrafficKeys {
        TrafficKeys::filled(aead, aead.iv_len(), |key, iv| {
            expand_label_with(self.hash, &self.prk, b"key", &[], key);
            expand_label_with(self.hash, &self.prk, b"iv", &[], iv);
        })
    }

    /// The Finished's `verify_data` over `transcript`: [`verify_data`] with the secret as
    /// the base key.
    pub fn verify_data(&self, transcript: &TranscriptHash) -> Secret {
        let key = Secret::filled(self.hash.output_len(), |out| {
            expand_label_with(self.hash, &self.prk, b"finished", &[], out);
        });
        self.hash.hmac(key.as_bytes(), &[transcript.as_bytes()])
    }
}

impl core::fmt::Debug for HandshakeTrafficSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HandshakeTrafficSecret")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// The record protection key and IV of a traffic secret:
/// `HKDF-Expand-Label(secret, "key", "", key_length)` and
/// `HKDF-Expand-Label(secret, "iv", "", iv_length)` (RFC 8446 §7.3).
pub fn traffic_keys(
    hash: HashAlgorithm,
    aead: AeadAlgorithm,
    traffic_secret: &Secret,
) -> TrafficKeys {
    let prk = prk(hash, traffic_secret.as_bytes());
    TrafficKeys::filled(aead, aead.iv_len(), |key, iv| {
        expand_label_with(hash, &prk, b"key", &[], key);
        expand_label_with(hash, &prk, b"iv", &[], iv);
    })
}

/// `finished_key` = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)
/// (RFC 8446 §4.4.4), the base key being a handshake traffic secret or a binder key.
pub fn finished_key(hash: HashAlgorithm, base_key: &Secret) -> Secret {
    expand_secret(hash, base_key.as_bytes(), b"finished", &[])
}

/// `verify_data` = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4); with a
/// binder key as `base_key` and the hash of the truncated ClientHello, the PSK binder
/// (§4.2.11.2). Compare a peer's value with [`Secret::ct_eq`].
pub fn verify_data(hash: HashAlgorithm, base_key: &Secret, transcript: &TranscriptHash) -> Secret {
    let key = finished_key(hash, base_key);
    hash.hmac(key.as_bytes(), &[transcript.as_bytes()])
}

/// `application_traffic_secret_N+1` =
/// HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
/// (RFC 8446 §7.2, after a KeyUpdate of §4.6.3).
pub fn next_traffic_secret(hash: HashAlgorithm, secret: &Secret) -> Secret {
    expand_secret(hash, secret.as_bytes(), b"traffic upd", &[])
}

/// The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption",
/// ticket_nonce, Hash.length) (RFC 8446 §4.6.1). Fails only for a nonce longer than 255
/// bytes, which no NewSessionTicket can carry.
pub fn resumption_psk(
    hash: HashAlgorithm,
    resumption_master_secret: &Secret,
    ticket_nonce: &[u8],
) -> Result<Secret, HandshakeError> {
    if ticket_nonce.len() > MAX_CONTEXT_LEN {
        return Err(HandshakeError::IllegalParameter(
            "ticket_nonce longer than 255 bytes",
        ));
    }
    Ok(expand_secret(
        hash,
        resumption_master_secret.as_bytes(),
        b"resumption",
        ticket_nonce,
    ))
}

/// `TLS-Exporter(label, context_value, out.len())` =
/// HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value),
/// out.len()) into `out` (RFC 8446 §7.5), where Secret is the exporter_master_secret or,
/// for 0-RTT, the early_exporter_master_secret. No context and an empty one are the same.
/// Fails if `label` is empty or longer than [`MAX_LABEL_LEN`] or `out` longer than 255
/// hash blocks.
pub fn export_keying_material(
    hash: HashAlgorithm,
    exporter_master_secret: &Secret,
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), HandshakeError> {
    check_output(hash, out)?;
    let secret = derive_secret(
        hash,
        exporter_master_secret.as_bytes(),
        label,
        &TranscriptHash::of(hash, b""),
    )?;
    let context_hash = TranscriptHash::of(hash, context);
    expand_label_into(
        hash,
        secret.as_bytes(),
        b"exporter",
        context_hash.as_bytes(),
        out,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::hkdf;

    /// ring's HKDF, an implementation independent of the one above.
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }

    /// The constants a full handshake starts from are what the schedule's own steps
    /// give: HKDF-Extract(0, 0), Derive-Secret(., "derived", ""), and Transcript-Hash("").
    #[test]
    fn the_no_psk_constants_are_the_schedule_steps() {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let zeros = vec![0u8; hash.output_len()];
            let early = hash.hmac(&zeros, &[&zeros]);
            let empty = TranscriptHash::of(hash, b"");
            let derived = derive_secret(hash, early.as_bytes(), b"derived", &empty).unwrap();
            let start = no_psk_start(hash);
            assert!(start.early_secret.ct_eq(early.as_bytes()));
            assert!(start.derived.ct_eq(derived.as_bytes()));
            assert_eq!(empty_hash(hash), &empty);
            // With no PSK or an empty one, the stages come out as from the steps.
            for psk in [None, Some(&[][..])] {
                let from_constants = EarlySecret::new(hash, psk).into_handshake(b"dhe");
                let from_steps = hkdf_extract(hash, derived.as_bytes(), b"dhe");
                assert!(from_constants.secret().ct_eq(from_steps.as_bytes()));
            }
        }
    }

    #[test]
    fn the_batched_derivations_are_the_single_ones() {
        let same = |a: &Secret, b: &Secret| a.ct_eq(b.as_bytes());
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let hello = TranscriptHash::of(hash, b"ClientHello...ServerHello");
            let handshake = EarlySecret::new(hash, None).into_handshake(b"shared secret");
            let (client, server) = handshake.handshake_traffic_secrets(&hello);
            let client_hs = handshake.client_handshake_traffic_secret(&hello);
            assert!(same(client.secret(), &client_hs));
            assert!(same(
                server.secret(),
                &handshake.server_handshake_traffic_secret(&hello)
            ));
            // Its keys and Finished are those of the free functions on the secret.
            let finished = TranscriptHash::of(hash, b"...server Finished");
            assert!(same(
                &client.verify_data(&finished),
                &verify_data(hash, &client_hs, &finished)
            ));
            for aead in [
                AeadAlgorithm::Aes128Gcm,
                AeadAlgorithm::Aes256Gcm,
                AeadAlgorithm::Chacha20Poly1305,
            ] {
                let (a, b) = (
                    client.traffic_keys(aead),
                    traffic_keys(hash, aead, &client_hs),
                );
                assert_eq!((a.key(), a.iv()), (b.key(), b.iv()));
            }
            assert!(!same(client.secret(), server.secret()));
            let finished = TranscriptHash::of(hash, b"...server Finished");
            let master = handshake.into_master();
            let app = master.application_secrets(&finished);
            let client_app = master.client_application_traffic_secret_0(&finished);
            assert!(same(&app.client, &client_app));
            let server_app = master.server_application_traffic_secret_0(&finished);
            assert!(same(&app.server, &server_app));
            let exporter = master.exporter_master_secret(&finished);
            assert!(same(&app.exporter, &exporter));
        }
    }

    fn ring_expand(hash: HashAlgorithm, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
        let prk = hkdf::Prk::new_less_safe(hash.hkdf_algorithm(), prk);
        let mut out = vec![0; len];
        prk.expand(&[info], Len(len))
            .unwrap()
            .fill(&mut out)
            .unwrap();
        out
    }

    fn hkdf_label(len: u16, label: &[u8], context: &[u8]) -> Vec<u8> {
        let mut info = len.to_be_bytes().to_vec();
        info.push((6 + label.len()) as u8);
        info.extend_from_slice(b"tls13 ");
        info.extend_from_slice(label);
        info.push(context.len() as u8);
        info.extend_from_slice(context);
        info
    }

    #[test]
    fn expand_label_matches_ring_hkdf_for_many_lengths() {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let secret = [0x42u8; 48];
            for len in [0, 1, 12, 16, 31, 32, 33, 48, 49, 64, 97, 255, 1000] {
                let mut out = vec![0; len];
                hkdf_expand_label(hash, &secret, b"some label", b"ctx", &mut out).unwrap();
                let info = hkdf_label(len as u16, b"some label", b"ctx");
                assert_eq!(
                    out,
                    ring_expand(hash, &secret, &info, len),
                    "{hash:?} {len}"
                );
            }
            let mut longest = vec![0; 255 * hash.output_len()];
            hkdf_expand_label(hash, &secret, b"x", &[], &mut longest).unwrap();
            let info = hkdf_label(longest.len() as u16, b"x", &[]);
            assert_eq!(longest, ring_expand(hash, &secret, &info, longest.len()));
        }
    }

    #[test]
    fn expand_label_refuses_what_hkdf_label_cannot_encode() {
        let hash = HashAlgorithm::Sha256;
        let mut out = [0; 32];
        assert!(hkdf_expand_label(hash, &[1; 32], &[b'a'; 249], &[0; 255], &mut out).is_ok());
        assert!(hkdf_expand_label(hash, &[1; 32], &[b'a'; 250], &[], &mut out).is_err());
        assert!(hkdf_expand_label(hash, &[1; 32], b"", &[], &mut out).is_err());
        assert!(hkdf_expand_label(hash, &[1; 32], b"a", &[0; 256], &mut out).is_err());
        let mut too_long = vec![0; 255 * 32 + 1];
        assert!(hkdf_expand_label(hash, &[1; 32], b"a", &[], &mut too_long).is_err());
        assert!(
            derive_secret(hash, &[1; 32], &[b'a'; 250], &TranscriptHash::of(hash, b"")).is_err()
        );
    }

    #[test]
    fn extract_treats_empty_inputs_as_hash_length_zeros() {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let zeros = vec![0; hash.output_len()];
            let a = hkdf_extract(hash, &[], &[]);
            let b = hash.hmac(&zeros, &[&zeros]);
            assert!(a.ct_eq(b.as_bytes()));
            assert_eq!(a.len(), hash.output_len());
            let prk = hkdf::Salt::new(hash.hkdf_algorithm(), &zeros).extract(&zeros);
            // ring's PRK hides its bytes; expanding both must agree.
            let mut from_ring = [0u8; 32];
            prk.expand(&[b"check"], Len(32))
                .unwrap()
                .fill(&mut from_ring)
                .unwrap();
            assert_eq!(ring_expand(hash, a.as_bytes(), b"check", 32), from_ring);
            // The early secret without a PSK is the same extraction.
            assert!(EarlySecret::new(hash, None).secret().ct_eq(a.as_bytes()));
        }
    }

    #[test]
    fn key_update_chains_traffic_upd() {
        let hash = HashAlgorithm::Sha384;
        let secret0 = Secret::from_slice(&[7; 48]).unwrap();
        let secret1 = next_traffic_secret(hash, &secret0);
        let secret2 = next_traffic_secret(hash, &secret1);
        let info = hkdf_label(48, b"traffic upd", &[]);
        assert_eq!(
            secret1.as_bytes(),
            ring_expand(hash, secret0.as_bytes(), &info, 48)
        );
        assert_eq!(
            secret2.as_bytes(),
            ring_expand(hash, secret1.as_bytes(), &info, 48)
        );
        assert_ne!(secret1.as_bytes(), secret2.as_bytes());
        let keys = traffic_keys(hash, AeadAlgorithm::Aes256Gcm, &secret1);
        assert_eq!(
            keys.key(),
            ring_expand(hash, secret1.as_bytes(), &hkdf_label(32, b"key", &[]), 32)
        );
        assert_eq!(
            keys.iv(),
            ring_expand(hash, secret1.as_bytes(), &hkdf_label(12, b"iv", &[]), 12)
        );
    }

    #[test]
    fn exporter_follows_section_7_5() {
        let hash = HashAlgorithm::Sha256;
        let ems = Secret::from_slice(&[0x11; 32]).unwrap();
        let mut out = [0u8; 50];
        export_keying_material(hash, &ems, b"EXPORTER-test", b"context", &mut out).unwrap();

        // By hand: Derive-Secret(ems, label, "") then expand "exporter" with Hash(context).
        let empty = ring::digest::digest(&ring::digest::SHA256, b"");
        let per_label = ring_expand(
            hash,
            ems.as_bytes(),
            &hkdf_label(32, b"EXPORTER-test", empty.as_ref()),
            32,
        );
        let context_hash = ring::digest::digest(&ring::digest::SHA256, b"context");
        let expected = ring_expand(
            hash,
            &per_label,
            &hkdf_label(50, b"exporter", context_hash.as_ref()),
            50,
        );
        assert_eq!(out.as_slice(), expected);

        // Different labels, contexts and lengths give unrelated output.
        let mut other = [0u8; 50];
        export_keying_material(hash, &ems, b"EXPORTER-other", b"context", &mut other).unwrap();
        assert_ne!(out, other);
        export_keying_material(hash, &ems, b"EXPORTER-test", b"", &mut other).unwrap();
        assert_ne!(out, other);
        let mut short = [0u8; 32];
        export_keying_material(hash, &ems, b"EXPORTER-test", b"context", &mut short).unwrap();
        assert_ne!(
            &out[..32],
            &short[..],
            "the length is bound into the output"
        );

        assert!(export_keying_material(hash, &ems, b"", b"", &mut short).is_err());
        let mut huge = vec![0; 255 * 32 + 1];
        assert!(export_keying_material(hash, &ems, b"EXPORTER-test", b"", &mut huge).is_err());
    }

    #[test]
    fn resumption_psk_refuses_overlong_nonces() {
        let hash = HashAlgorithm::Sha256;
        let rms = Secret::from_slice(&[3; 32]).unwrap();
        assert!(resumption_psk(hash, &rms, &[0; 255]).is_ok());
        assert!(resumption_psk(hash, &rms, &[0; 256]).is_err());
        let psk = resumption_psk(hash, &rms, &[0, 1]).unwrap();
        let info = hkdf_label(32, b"resumption", &[0, 1]);
        assert_eq!(psk.as_bytes(), ring_expand(hash, rms.as_bytes(), &info, 32));
    }

    #[test]
    fn stages_print_no_secret_bytes() {
        let early = EarlySecret::new(HashAlgorithm::Sha256, Some(&[0xab; 32]));
        assert_eq!(format!("{early:?}"), "EarlySecret { hash: Sha256, .. }");
        let hs = early.into_handshake(&[0xcd; 32]);
        assert_eq!(format!("{hs:?}"), "HandshakeSecret { hash: Sha256, .. }");
        let master = hs.into_master();
        assert_eq!(format!("{master:?}"), "MasterSecret { hash: Sha256, .. }");
        assert_eq!(master.hash_algorithm(), HashAlgorithm::Sha256);
    }

    #[test]
    fn binder_kinds_use_different_labels() {
        let early = EarlySecret::new(HashAlgorithm::Sha384, Some(&[9; 48]));
        let ext = early.binder_key(BinderKind::External);
        let res = early.binder_key(BinderKind::Resumption);
        assert_eq!(ext.len(), 48);
        assert_ne!(ext.as_bytes(), res.as_bytes());
        let empty = TranscriptHash::of(HashAlgorithm::Sha384, b"");
        let by_hand = derive_secret(
            HashAlgorithm::Sha384,
            early.secret().as_bytes(),
            b"ext binder",
            &empty,
        )
        .unwrap();
        assert!(ext.ct_eq(by_hand.as_bytes()));
    }
}
