//! The transcript hash: the running hash of the handshake messages (RFC 8446 §4.4.1).
//!
//! A client sends its ClientHello before it knows which hash the server will pick, and a
//! server reads one before it has chosen; so a [`Transcript`] starts by buffering messages
//! and only hashes them once [`Transcript::start_hash`] names the cipher suite's hash.
//! After a HelloRetryRequest, [`Transcript::replace_with_message_hash`] applies the
//! `message_hash` rule of RFC 8446 §4.4.1. TLS 1.2 signs every handshake message in
//! CertificateVerify with a hash that may differ from the PRF's (RFC 5246 §7.4.8), so a
//! transcript can also keep the messages themselves ([`Transcript::keep_messages`]).

use ring::digest;
use sha2::{Digest as _, Sha256};

use super::{sha256_instructions, HashAlgorithm, MAX_HASH_LEN};
use crate::codepoint::HandshakeType;
use crate::HandshakeError;

/// The value of `Transcript-Hash(messages)`, or of `Hash(data)` where the key schedule asks
/// for one (RFC 8446 §4.4.1, §7.1): always exactly `Hash.length` bytes of the hash it was
/// computed with. Not secret; `Debug` shows it in hex.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TranscriptHash {
    hash: HashAlgorithm,
    bytes: [u8; MAX_HASH_LEN],
    len: usize,
}

impl TranscriptHash {
    /// `Hash(data)`: e.g. `Transcript-Hash("")` for Derive-Secret(., "derived", "") or the
    /// hash of a single message (RFC 8446 §7.1).
    pub fn of(hash: HashAlgorithm, data: &[u8]) -> Self {
        let mut running = RunningHash::new(hash);
        running.update(data);
        running.finish()
    }

    fn from_bytes(hash: HashAlgorithm, digest: &[u8]) -> Self {
        let mut out = Self {
            hash,
            bytes: [0; MAX_HASH_LEN],
            len: 0,
        };
        for (o, d) in out.bytes.iter_mut().zip(digest) {
            *o = *d;
            out.len += 1;
        }
        out
    }

    /// The hash this value was computed with (RFC 8446 §4.4.1).
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The hash value: `Hash.length` bytes (RFC 8446 §7.1).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl AsRef<[u8]> for TranscriptHash {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for TranscriptHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TranscriptHash({}, ", self.hash.name())?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A hash being computed over data given piece by piece: SHA-256 on the `sha2` crate where
/// the CPU has SHA-256 instructions, ring's digest otherwise and for SHA-384 (see
/// [`sha256_instructions`]). A transcript hash is taken several times per handshake from
/// a copy of the running state, so the copy and the finish weigh as much as the hashing.
#[derive(Clone)]
enum RunningHash {
    /// SHA-256 on the `sha2` crate.
    Sha256(Sha256),
    /// ring's digest: SHA-384, and SHA-256 elsewhere.
    Ring(HashAlgorithm, digest::Context),
}

impl RunningHash {
    fn new(hash: HashAlgorithm) -> Self {
        match hash {
            HashAlgorithm::Sha256 if sha256_instructions() => Self::Sha256(Sha256::new()),
            _ => Self::Ring(hash, digest::Context::new(hash.digest_algorithm())),
        }
    }

    /// The hash being computed.
    fn algorithm(&self) -> HashAlgorithm {
        match self {
            Self::Sha256(_) => HashAlgorithm::Sha256,
            Self::Ring(hash, _) => *hash,
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(context) => context.update(data),
            Self::Ring(_, context) => context.update(data),
        }
    }

    fn finish(self) -> TranscriptHash {
        match self {
            Self::Sha256(context) => {
                TranscriptHash::from_bytes(HashAlgorithm::Sha256, &context.finalize())
            }
            Self::Ring(hash, context) => {
                TranscriptHash::from_bytes(hash, context.finish().as_ref())
            }
        }
    }
}

/// Where a transcript stands. Buffered bytes exist only before the hash is known; a running
/// hash only after; kept messages only when asked for.
#[derive(Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "Hashing is the state a transcript spends its life in; boxing it buys nothing"
)]
enum State {
    /// The hash is not known yet: every message is buffered (RFC 8446 §4.4.1 hashes them
    /// all once the cipher suite is chosen).
    Buffering {
        /// The messages so far, concatenated.
        messages: Vec<u8>,
        /// Whether to keep them once hashing starts.
        keep: bool,
    },
    /// The hash is known: messages go straight into it.
    Hashing {
        context: RunningHash,
        /// The messages so far, when [`Transcript::keep_messages`] was asked for before the
        /// hash started.
        kept: Option<Vec<u8>>,
    },
}

/// The room [`Transcript::keep_messages`] makes for the messages: a TLS 1.2 handshake with
/// a short chain on each side fits.
const KEPT_MESSAGES_CAPACITY: usize = 4096;

/// The running `Transcript-Hash` of a handshake (RFC 8446 §4.4.1; the TLS 1.2
/// `handshake_messages` of RFC 5246 §7.4.8 and `session_hash` of RFC 7627 §3).
///
/// ```
/// use strata_handshake::key_schedule::transcript::Transcript;
/// use strata_handshake::HashAlgorithm;
///
/// let mut transcript = Transcript::new();
/// transcript.add(&[1, 0, 0, 0]); // a ClientHello, before the suite is chosen
/// assert!(transcript.current_hash().is_none());
/// transcript.start_hash(HashAlgorithm::Sha256).unwrap();
/// assert_eq!(transcript.current_hash().unwrap().as_bytes().len(), 32);
/// ```
#[derive(Clone)]
pub struct Transcript {
    state: State,
    /// How many messages make up the transcript (the synthetic message_hash counts as one).
    count: usize,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript already hashing with `hash`: for a side that knows the cipher
    /// suite before the first message (a server that has chosen it from the ClientHello),
    /// so nothing is buffered (RFC 8446 §4.4.1).
    pub fn with_hash(hash: HashAlgorithm) -> Self {
        Self {
            state: State::Hashing {
                context: RunningHash::new(hash),
                kept: None,
            },
            count: 0,
        }
    }

    /// An empty transcript whose hash is not known yet (RFC 8446 §4.4.1).
    pub fn new() -> Self {
        Self {
            state: State::Buffering {
                messages: Vec::new(),
                keep: false,
            },
            count: 0,
        }
    }

    /// Keeps the raw messages as well as their hash, for a TLS 1.2 CertificateVerify
    /// (RFC 5246 §7.4.8). Must be asked for before [`start_hash`](Self::start_hash);
    /// returns whether the messages are being kept (`false` when it is too late).
    pub fn keep_messages(&mut self) -> bool {
        match &mut self.state {
            State::Buffering { messages, keep } => {
                // Room for a whole TLS 1.2 handshake's messages at once, rather than
                // growing message by message.
                messages.reserve(KEPT_MESSAGES_CAPACITY.saturating_sub(messages.len()));
                *keep = true;
                true
            }
            State::Hashing { kept, .. } => kept.is_some(),
        }
    }

    /// The messages so far, concatenated, if [`keep_messages`](Self::keep_messages) was
    /// asked for (RFC 5246 §7.4.8 `handshake_messages`).
    pub fn messages(&self) -> Option<&[u8]> {
        match &self.state {
            State::Buffering {
                messages,
                keep: true,
            } => Some(messages),
            State::Buffering { keep: false, .. } => None,
            State::Hashing { kept, .. } => kept.as_deref(),
        }
    }

    /// Stops keeping the raw messages once no CertificateVerify will sign them (a resumed
    /// TLS 1.2 handshake, or a server that sent no CertificateRequest), giving back their
    /// buffer if the hash has started (before, the buffered messages are still to be
    /// hashed). The hash goes on.
    pub fn forget_messages(&mut self) {
        match &mut self.state {
            State::Buffering { keep, .. } => *keep = false,
            State::Hashing { kept, .. } => *kept = None,
        }
    }

    /// Adds one whole handshake message, its 4-byte header included (RFC 8446 §4.4.1).
    pub fn add(&mut self, message: &[u8]) {
        match &mut self.state {
            State::Buffering { messages, .. } => messages.extend_from_slice(message),
            State::Hashing { context, kept, .. } => {
                context.update(message);
                if let Some(kept) = kept {
                    kept.extend_from_slice(message);
                }
            }
        }
        self.count += 1;
    }

    /// How many messages the transcript holds, a `message_hash` counting as one
    /// (RFC 8446 §4.4.1).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no message has been added yet (RFC 8446 §4.4.1).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Starts hashing with the cipher suite's hash, hashing what was buffered
    /// (RFC 8446 §4.4.1). Starting again with the same hash does nothing; with another
    /// hash it is an error.
    pub fn start_hash(&mut self, hash: HashAlgorithm) -> Result<(), HandshakeError> {
        match &mut self.state {
            State::Buffering { messages, keep } => {
                let mut context = RunningHash::new(hash);
                context.update(messages);
                let kept = if *keep {
                    Some(core::mem::take(messages))
                } else {
                    None
                };
                self.state = State::Hashing { context, kept };
                Ok(())
            }
            State::Hashing { context, .. } if context.algorithm() == hash => Ok(()),
            State::Hashing { .. } => Err(HandshakeError::IllegalParameter(
                "transcript already hashed with another hash",
            )),
        }
    }

    /// The hash in use, once [`start_hash`](Self::start_hash) has been called
    /// (RFC 8446 §4.4.1).
    pub fn hash_algorithm(&self) -> Option<HashAlgorithm> {
        match &self.state {
            State::Buffering { .. } => None,
            State::Hashing { context, .. } => Some(context.algorithm()),
        }
    }

    /// `Transcript-Hash` of the messages so far, without ending the transcript
    /// (RFC 8446 §4.4.1); `None` until the hash is known. With no messages this is
    /// `Hash("")`.
    pub fn current_hash(&self) -> Option<TranscriptHash> {
        match &self.state {
            State::Buffering { .. } => None,
            State::Hashing { context, .. } => Some(context.clone().finish()),
        }
    }

    /// `Transcript-Hash` of the messages so far followed by `partial`, with `hash`, leaving
    /// the transcript as it is: the PSK binder hashes the ClientHello truncated before the
    /// binders (RFC 8446 §4.2.11.2), possibly before the suite is chosen. `None` if the
    /// transcript already hashes with another hash.
    pub fn hash_with(&self, hash: HashAlgorithm, partial: &[u8]) -> Option<TranscriptHash> {
        let mut context = match &self.state {
            State::Buffering { messages, .. } => {
                let mut context = RunningHash::new(hash);
                context.update(messages);
                context
            }
            State::Hashing { context, .. } if context.algorithm() == hash => context.clone(),
            State::Hashing { .. } => return None,
        };
        context.update(partial);
        Some(context.finish())
    }

    /// Replaces ClientHello1 by the synthetic `message_hash` message
    /// (`254 00 00 Hash.length` followed by `Hash(ClientHello1)`), as a HelloRetryRequest
    /// requires (RFC 8446 §4.4.1). The transcript must hold exactly ClientHello1 and the
    /// hash must have started.
    pub fn replace_with_message_hash(&mut self) -> Result<(), HandshakeError> {
        let State::Hashing { context, kept } = &mut self.state else {
            return Err(HandshakeError::IllegalParameter(
                "message_hash before the transcript hash is known",
            ));
        };
        if self.count != 1 {
            return Err(HandshakeError::IllegalParameter(
                "message_hash replaces exactly one ClientHello",
            ));
        }
        let hash = context.algorithm();
        let client_hello1 = context.clone().finish();
        let len = u8::try_from(hash.output_len()).unwrap_or(u8::MAX);
        let header = [HandshakeType::MessageHash.to_wire(), 0, 0, len];
        let mut replaced = RunningHash::new(hash);
        replaced.update(&header);
        replaced.update(client_hello1.as_bytes());
        *context = replaced;
        if let Some(kept) = kept {
            kept.clear();
            kept.extend_from_slice(&header);
            kept.extend_from_slice(client_hello1.as_ref());
        }
        Ok(())
    }
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut s = f.debug_struct("Transcript");
        match &self.state {
            State::Buffering { messages, keep } => s
                .field("hash", &"not yet known")
                .field("buffered_bytes", &messages.len())
                .field("keep_messages", keep),
            State::Hashing { context, kept } => s
                .field("hash", &context.algorithm())
                .field("keep_messages", &kept.is_some()),
        };
        s.field("messages", &self.count).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_running_hashes_give_ring_s_digest_for_every_split() {
        // `RunningHash::new` takes the `sha2` crate by the CPU; this runs both whatever
        // the CPU, across block boundaries and copies taken midway.
        let data: Vec<u8> = (0..300u32).map(|i| (i * 31 + 7) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 128, 300] {
            let want = ring::digest::digest(&ring::digest::SHA256, &data[..len]);
            let (a, b) = data[..len].split_at(len / 3);
            for mut running in [
                RunningHash::Sha256(Sha256::new()),
                RunningHash::Ring(HashAlgorithm::Sha256, digest::Context::new(&digest::SHA256)),
            ] {
                running.update(a);
                let midway = running.clone().finish();
                assert_eq!(
                    midway.as_bytes(),
                    ring::digest::digest(&digest::SHA256, a).as_ref()
                );
                running.update(b);
                let got = running.finish();
                assert_eq!(got.as_bytes(), want.as_ref(), "{len}");
                assert_eq!(got.hash_algorithm(), HashAlgorithm::Sha256);
            }
            let sha384 = TranscriptHash::of(HashAlgorithm::Sha384, &data[..len]);
            let want = ring::digest::digest(&ring::digest::SHA384, &data[..len]);
            assert_eq!(sha384.as_bytes(), want.as_ref());
            assert_eq!(sha384.hash_algorithm(), HashAlgorithm::Sha384);
        }
    }

    const CH1: &[u8] = &[1, 0, 0, 3, 0xaa, 0xbb, 0xcc];
    const HRR: &[u8] = &[2, 0, 0, 2, 0x03, 0x03];
    const CH2: &[u8] = &[1, 0, 0, 1, 0xdd];

    #[test]
    fn empty_transcript_hashes_the_empty_string() {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let mut t = Transcript::new();
            assert!(t.current_hash().is_none());
            t.start_hash(hash).unwrap();
            assert!(t.is_empty());
            assert_eq!(t.current_hash().unwrap(), TranscriptHash::of(hash, b""));
        }
        // SHA-256("") as RFC 8448 prints it for Derive-Secret(., "derived", "").
        let h = TranscriptHash::of(HashAlgorithm::Sha256, b"");
        assert!(format!("{h:?}").contains("e3b0c44298fc1c14"));
    }

    #[test]
    fn buffering_before_the_hash_is_known_gives_the_same_hash() {
        let mut early = Transcript::new();
        early.add(CH1);
        early.add(HRR);
        early.start_hash(HashAlgorithm::Sha384).unwrap();
        early.add(CH2);

        let mut late = Transcript::new();
        late.start_hash(HashAlgorithm::Sha384).unwrap();
        for m in [CH1, HRR, CH2] {
            late.add(m);
        }
        let mut known = Transcript::with_hash(HashAlgorithm::Sha384);
        assert_eq!(known.hash_algorithm(), Some(HashAlgorithm::Sha384));
        assert!(known.is_empty());
        for m in [CH1, HRR, CH2] {
            known.add(m);
        }
        let whole = [CH1, HRR, CH2].concat();
        let expected = TranscriptHash::of(HashAlgorithm::Sha384, &whole);
        assert_eq!(early.current_hash().unwrap(), expected);
        assert_eq!(late.current_hash().unwrap(), expected);
        assert_eq!(known.current_hash().unwrap(), expected);
        assert_eq!(known.len(), 3);
        assert_eq!(expected.as_bytes().len(), 48);
        // Asking for the hash does not end the transcript.
        early.add(HRR);
        let more = [whole.as_slice(), HRR].concat();
        assert_eq!(
            early.current_hash().unwrap(),
            TranscriptHash::of(HashAlgorithm::Sha384, &more)
        );
        assert_eq!(early.len(), 4);
    }

    #[test]
    fn hello_retry_request_replaces_client_hello1_by_message_hash() {
        let hash = HashAlgorithm::Sha256;
        let mut t = Transcript::new();
        t.keep_messages();
        t.add(CH1);
        t.start_hash(hash).unwrap();
        t.replace_with_message_hash().unwrap();
        t.add(HRR);
        t.add(CH2);

        // By hand: message_hash = 254, 0, 0, 32, SHA-256(ClientHello1).
        let mut manual = vec![254, 0, 0, 32];
        manual.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, CH1).as_ref());
        manual.extend_from_slice(HRR);
        manual.extend_from_slice(CH2);
        assert_eq!(
            t.current_hash().unwrap().as_bytes(),
            ring::digest::digest(&ring::digest::SHA256, &manual).as_ref()
        );
        assert_eq!(t.messages(), Some(manual.as_slice()));
    }

    #[test]
    fn message_hash_needs_the_hash_and_exactly_client_hello1() {
        let mut t = Transcript::new();
        t.add(CH1);
        assert!(t.replace_with_message_hash().is_err());
        t.start_hash(HashAlgorithm::Sha384).unwrap();
        t.add(HRR);
        assert!(t.replace_with_message_hash().is_err());

        let mut t = Transcript::new();
        t.add(CH1);
        t.start_hash(HashAlgorithm::Sha384).unwrap();
        t.replace_with_message_hash().unwrap();
        let mut manual = vec![254, 0, 0, 48];
        manual.extend_from_slice(ring::digest::digest(&ring::digest::SHA384, CH1).as_ref());
        assert_eq!(
            t.current_hash().unwrap(),
            TranscriptHash::of(HashAlgorithm::Sha384, &manual)
        );
    }

    #[test]
    fn messages_are_kept_only_when_asked_for_in_time() {
        let mut t = Transcript::new();
        t.add(CH1);
        assert_eq!(t.messages(), None);
        assert!(t.keep_messages());
        assert_eq!(t.messages(), Some(CH1));
        t.start_hash(HashAlgorithm::Sha256).unwrap();
        t.add(HRR);
        assert_eq!(t.messages(), Some([CH1, HRR].concat().as_slice()));

        let mut late = Transcript::new();
        late.start_hash(HashAlgorithm::Sha256).unwrap();
        assert!(!late.keep_messages());
        assert_eq!(late.messages(), None);
    }

    #[test]
    fn forgotten_messages_are_gone_and_the_hash_goes_on() {
        let mut kept = Transcript::new();
        kept.keep_messages();
        kept.add(CH1);
        kept.start_hash(HashAlgorithm::Sha256).unwrap();
        kept.forget_messages();
        assert_eq!(kept.messages(), None);
        kept.add(HRR);
        let mut plain = Transcript::new();
        plain.add(CH1);
        plain.start_hash(HashAlgorithm::Sha256).unwrap();
        plain.add(HRR);
        assert_eq!(kept.current_hash(), plain.current_hash());

        // Before the hash starts, forgetting undoes keep_messages.
        let mut early = Transcript::new();
        early.keep_messages();
        early.add(CH1);
        early.forget_messages();
        early.start_hash(HashAlgorithm::Sha256).unwrap();
        assert_eq!(early.messages(), None);
    }

    #[test]
    fn the_hash_cannot_change_once_started() {
        let mut t = Transcript::new();
        assert_eq!(t.hash_algorithm(), None);
        t.start_hash(HashAlgorithm::Sha256).unwrap();
        t.start_hash(HashAlgorithm::Sha256).unwrap();
        assert!(t.start_hash(HashAlgorithm::Sha384).is_err());
        assert_eq!(t.hash_algorithm(), Some(HashAlgorithm::Sha256));
    }

    #[test]
    fn hash_with_a_partial_message_leaves_the_transcript_alone() {
        let mut t = Transcript::new();
        t.add(CH1);
        let partial = &CH2[..3];
        let expected = TranscriptHash::of(HashAlgorithm::Sha256, &[CH1, partial].concat());
        assert_eq!(
            t.hash_with(HashAlgorithm::Sha256, partial).unwrap(),
            expected
        );
        t.start_hash(HashAlgorithm::Sha256).unwrap();
        assert_eq!(
            t.hash_with(HashAlgorithm::Sha256, partial).unwrap(),
            expected
        );
        assert!(t.hash_with(HashAlgorithm::Sha384, partial).is_none());
        assert_eq!(
            t.current_hash().unwrap(),
            TranscriptHash::of(HashAlgorithm::Sha256, CH1)
        );
    }

    #[test]
    fn debug_shows_no_message_bytes() {
        let mut t = Transcript::new();
        t.add(&[0x5a; 20]);
        let shown = format!("{t:?}");
        assert!(!shown.contains("90") && !shown.contains("5a"), "{shown}");
    }
}
