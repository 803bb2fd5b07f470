//! The in-memory driver for a client and a server state machine of any version: every
//! message goes through a HandshakeJoiner, every record carries the keys it was "sealed"
//! under and must be opened with the same keys, and requests are answered with real
//! certificates, verifiers and signatures.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use strata_alert::AlertDescription as A;
use strata_handshake::machine::{
    Action, Answer, ClientHandshakeConfig, Event, Input, KeyChange, Negotiated, Request,
    StateMachine,
};
use strata_handshake::messages::{split_messages, RawMessage};
use strata_handshake::{
    Client, HandshakeError, HandshakeJoiner, HandshakeType, Tls12Client, TlsVersion,
};
use strata_pki::pki_types::{CertificateDer, ServerName, UnixTime};
use strata_pki::{
    CertifiedKey, ClientCertVerifier, RingSigningKey, ServerCertVerifier, TrustAnchors,
    WebPkiClientVerifier, WebPkiServerVerifier,
};
use strata_testdata::pki::{KeyKind, TestCa};

// ---------------------------------------------------------------------------------------
// The machines' calls with their actions returned, as the tests look at them

/// `handle` and `update_keys` returning the actions in a vector of their own (the
/// machines append to the caller's, which the facade reuses).
pub trait Collect {
    /// [`StateMachine::handle`], its actions returned.
    fn handle_vec(&mut self, input: Input<'_>) -> Result<Vec<Action>, HandshakeError>;
    /// [`StateMachine::update_keys`], its actions returned.
    fn update_keys_vec(&mut self, request_peer: bool) -> Result<Vec<Action>, HandshakeError>;
}

impl<M: StateMachine + ?Sized> Collect for M {
    fn handle_vec(&mut self, input: Input<'_>) -> Result<Vec<Action>, HandshakeError> {
        let mut out = Vec::new();
        self.handle(input, &mut out).map(|()| out)
    }

    fn update_keys_vec(&mut self, request_peer: bool) -> Result<Vec<Action>, HandshakeError> {
        let mut out = Vec::new();
        self.update_keys(request_peer, &mut out).map(|()| out)
    }
}

/// A version-negotiating client and its first actions.
#[allow(dead_code)]
pub fn start_client(
    config: ClientHandshakeConfig,
    random: [u8; 32],
    session_id: [u8; 32],
) -> Result<(Client, Vec<Action>), HandshakeError> {
    let mut out = Vec::new();
    Client::new(config, random, session_id, &mut out).map(|c| (c, out))
}

/// A TLS 1.2-only client and its first actions.
#[allow(dead_code)]
pub fn start_tls12_client(
    config: ClientHandshakeConfig,
    random: [u8; 32],
) -> Result<(Tls12Client, Vec<Action>), HandshakeError> {
    let mut out = Vec::new();
    Tls12Client::new(config, random, &mut out).map(|c| (c, out))
}

// ---------------------------------------------------------------------------------------
// Certificates and answers
// ---------------------------------------------------------------------------------------

/// 2030-01-01, inside the 2020–2040 validity of the test certificates.
pub const NOW: u64 = 1_893_456_000;

pub fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

pub fn name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.to_string()).unwrap()
}

/// A root and an intermediate that issue the server and client leaves.
pub struct Pki {
    pub root: TestCa,
    pub inter: TestCa,
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

impl Pki {
    pub fn new() -> Self {
        let root = TestCa::root(KeyKind::EcdsaP256);
        let inter = root.intermediate(KeyKind::EcdsaP384, |_| {});
        Self { root, inter }
    }

    pub fn server_key(&self, kind: KeyKind) -> Arc<CertifiedKey> {
        let leaf = self
            .inter
            .server_leaf(kind, &["example.com", "127.0.0.1"], |_| {});
        certified(leaf.cert.clone(), &leaf.key_der(), &self.inter)
    }

    pub fn client_key(&self, kind: KeyKind) -> Arc<CertifiedKey> {
        let leaf = self.inter.client_leaf(kind, &["client.example"], |_| {});
        certified(leaf.cert.clone(), &leaf.key_der(), &self.inter)
    }

    pub fn anchors(&self) -> Arc<TrustAnchors> {
        Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&self.root.cert)).unwrap())
    }

    pub fn answers(&self, server: KeyKind, client: Option<KeyKind>) -> Answers {
        Answers {
            server_cert: Some(self.server_key(server)),
            client_cert: client.map(|k| self.client_key(k)),
            server_verifier: Arc::new(WebPkiServerVerifier::new(self.anchors()).unwrap()),
            client_verifier: Arc::new(
                WebPkiClientVerifier::new(self.anchors())
                    .unwrap()
                    .allow_unauthenticated(),
            ),
            now: at(NOW),
        }
    }
}

pub fn certified(
    leaf: CertificateDer<'static>,
    key: &strata_pki::pki_types::PrivateKeyDer<'_>,
    inter: &TestCa,
) -> Arc<CertifiedKey> {
    let key = RingSigningKey::new(key).unwrap();
    Arc::new(CertifiedKey::new(vec![leaf, inter.cert.clone()], Arc::new(key)).unwrap())
}

/// How the application answers each request.
pub struct Answers {
    pub server_cert: Option<Arc<CertifiedKey>>,
    pub client_cert: Option<Arc<CertifiedKey>>,
    pub server_verifier: Arc<dyn ServerCertVerifier>,
    pub client_verifier: Arc<dyn ClientCertVerifier>,
    pub now: UnixTime,
}

impl Answers {
    pub fn answer(&self, request: &Request) -> Answer {
        match request {
            Request::ChooseServerCertificate { .. } => {
                Answer::Certificate(self.server_cert.clone())
            }
            Request::ChooseClientCertificate { .. } => {
                Answer::Certificate(self.client_cert.clone())
            }
            Request::Sign {
                key,
                scheme,
                message,
            } => Answer::Signature(key.sign(*scheme, message)),
            Request::VerifyServerChain {
                chain,
                server_name,
                ocsp_response,
            } => Answer::ChainVerified(self.server_verifier.verify_server_cert(
                &chain[0],
                &chain[1..],
                server_name,
                ocsp_response,
                self.now,
            )),
            Request::VerifyClientChain { chain } => Answer::ChainVerified(
                self.client_verifier
                    .verify_client_cert(&chain[0], &chain[1..], self.now),
            ),
        }
    }
}

pub fn request_kind(request: &Request) -> &'static str {
    match request {
        Request::ChooseServerCertificate { .. } => "ChooseServerCertificate",
        Request::ChooseClientCertificate { .. } => "ChooseClientCertificate",
        Request::Sign { .. } => "Sign",
        Request::VerifyServerChain { .. } => "VerifyServerChain",
        Request::VerifyClientChain { .. } => "VerifyClientChain",
    }
}

// ---------------------------------------------------------------------------------------
// The in-memory driver
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Client,
    Server,
}

impl Who {
    pub fn other(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

/// What travels between the sides: a handshake record sealed under some keys (or none),
/// a plaintext ChangeCipherSpec, or a warning alert.
#[derive(Debug)]
pub enum Record {
    Handshake {
        message: Vec<u8>,
        sealed_with: Option<Keys>,
    },
    Ccs,
    Warning(A),
}

/// What identifies a direction's keys: the version and the key and IV bytes.
pub type Keys = (TlsVersion, Vec<u8>);

pub fn fingerprint(change: &KeyChange) -> Keys {
    let mut bytes = change.keys.key().to_vec();
    bytes.extend_from_slice(change.keys.iv());
    (change.version, bytes)
}

pub struct Endpoint {
    pub machine: Box<dyn StateMachine>,
    pub joiner: HandshakeJoiner,
    pub read: Option<Keys>,
    pub write: Option<Keys>,
    pub reads: Vec<Keys>,
    pub writes: Vec<Keys>,
    pub iv_lens: Vec<usize>,
    pub inbox: VecDeque<Record>,
    pub pending: Option<Request>,
    pub events: Vec<Event>,
    pub key_log: Vec<(&'static str, [u8; 32], Vec<u8>)>,
    pub ccs_sent: usize,
    pub sent: Vec<Vec<u8>>,
    pub requests: Vec<&'static str>,
    pub warnings_sent: Vec<A>,
    pub warnings_received: Vec<A>,
}

impl Endpoint {
    pub fn new(machine: Box<dyn StateMachine>) -> Self {
        Self {
            machine,
            joiner: HandshakeJoiner::default(),
            read: None,
            write: None,
            reads: Vec::new(),
            writes: Vec::new(),
            iv_lens: Vec::new(),
            inbox: VecDeque::new(),
            pending: None,
            events: Vec::new(),
            key_log: Vec::new(),
            ccs_sent: 0,
            sent: Vec::new(),
            requests: Vec::new(),
            warnings_sent: Vec::new(),
            warnings_received: Vec::new(),
        }
    }

    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.events.iter().find_map(|e| match e {
            Event::HandshakeComplete(n) => Some(n),
            _ => None,
        })
    }
}

/// Something to feed a side instead of what the driver would feed it.
pub enum Bogus {
    Message(Vec<u8>),
    Answer(Answer),
    Ccs,
}

/// When to feed it.
#[derive(Clone, Copy, Debug)]
pub enum When {
    /// Before the `n`th (from 0) message of this type is delivered to the side.
    Before(HandshakeType, usize),
    /// Before the side's first ChangeCipherSpec is delivered.
    BeforeCcs,
    /// While the side waits for the answer to this request.
    During(&'static str),
}

pub struct Interjection {
    pub who: Who,
    pub when: When,
    pub bogus: Option<Bogus>,
}

pub type Tamper = Box<dyn FnMut(Who, &mut Vec<u8>)>;

#[derive(Debug)]
pub struct Failure {
    pub who: Who,
    pub error: HandshakeError,
}

impl Failure {
    pub fn alert(&self) -> A {
        self.error.alert()
    }
}

pub struct Pair {
    pub client: Endpoint,
    pub server: Endpoint,
    pub answers: Answers,
    pub tamper: Option<Tamper>,
    pub interjection: Option<Interjection>,
    pub delivered: Vec<(Who, HandshakeType)>,
    /// The client's first actions, carried out when the pair first runs (so that a tamper
    /// set meanwhile sees the ClientHello).
    pub start: Option<Vec<Action>>,
}

impl Pair {
    /// A pair from a started client (its first actions) and a server.
    pub fn new(
        client: Box<dyn StateMachine>,
        first_actions: Vec<Action>,
        server: Box<dyn StateMachine>,
        answers: Answers,
    ) -> Self {
        Self {
            client: Endpoint::new(client),
            server: Endpoint::new(server),
            answers,
            tamper: None,
            interjection: None,
            delivered: Vec::new(),
            start: Some(first_actions),
        }
    }

    pub fn side(&mut self, who: Who) -> &mut Endpoint {
        match who {
            Who::Client => &mut self.client,
            Who::Server => &mut self.server,
        }
    }

    /// Carries out `who`'s actions in order.
    pub fn apply(&mut self, who: Who, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Send(flight) => {
                    // One message at a time, as the tests look at them.
                    for message in split_messages(&flight) {
                        let mut message = message.to_vec();
                        if let Some(tamper) = &mut self.tamper {
                            tamper(who, &mut message);
                        }
                        let me = self.side(who);
                        me.sent.push(message.clone());
                        let sealed_with = me.write.clone();
                        self.side(who.other()).inbox.push_back(Record::Handshake {
                            message,
                            sealed_with,
                        });
                    }
                }
                Action::SendChangeCipherSpec => {
                    self.side(who).ccs_sent += 1;
                    self.side(who.other()).inbox.push_back(Record::Ccs);
                }
                Action::SendWarning(alert) => {
                    self.side(who).warnings_sent.push(alert);
                    self.side(who.other())
                        .inbox
                        .push_back(Record::Warning(alert));
                }
                Action::SetWriteKeys(change) => {
                    let me = self.side(who);
                    me.iv_lens.push(change.keys.iv().len());
                    me.write = Some(fingerprint(&change));
                    me.writes.push(fingerprint(&change));
                }
                Action::SetReadKeys(change) => {
                    let me = self.side(who);
                    me.joiner
                        .check_key_change()
                        .expect("no message spans a key change");
                    me.read = Some(fingerprint(&change));
                    me.reads.push(fingerprint(&change));
                }
                Action::Request(request) => {
                    let me = self.side(who);
                    assert!(me.pending.is_none(), "two requests outstanding");
                    me.requests.push(request_kind(&request));
                    me.pending = Some(request);
                }
                Action::Event(event) => self.side(who).events.push(event),
                Action::KeyLog(entry) => {
                    self.side(who).key_log.push((
                        entry.label,
                        entry.client_random,
                        entry.secret.as_bytes().to_vec(),
                    ));
                }
            }
        }
        let me = self.side(who);
        assert_eq!(
            me.pending.is_some(),
            me.machine.wants_answer(),
            "wants_answer() agrees with the requests given"
        );
    }

    pub fn handle(&mut self, who: Who, input: Input<'_>) -> Result<(), Failure> {
        match self.side(who).machine.handle_vec(input) {
            Ok(actions) => {
                self.apply(who, actions);
                Ok(())
            }
            Err(error) => Err(Failure { who, error }),
        }
    }

    /// Feeds a whole encoded message to `who` directly.
    pub fn feed(&mut self, who: Who, message: &[u8]) -> Result<(), Failure> {
        let raw = RawMessage::from_encoded(message).unwrap();
        self.handle(who, Input::Message(raw))
    }

    /// Feeds the interjection if its moment has come.
    fn interject(&mut self, who: Who) -> Option<Result<(), Failure>> {
        let due = {
            let i = self.interjection.as_ref()?;
            if i.who != who || i.bogus.is_none() {
                return None;
            }
            let me = match who {
                Who::Client => &self.client,
                Who::Server => &self.server,
            };
            match i.when {
                When::During(kind) => me.pending.as_ref().map(request_kind) == Some(kind),
                _ if me.pending.is_some() => false,
                When::BeforeCcs => matches!(me.inbox.front(), Some(Record::Ccs)),
                When::Before(ty, n) => {
                    let next_is = matches!(me.inbox.front(),
                        Some(Record::Handshake { message, .. }) if message[0] == ty.to_wire());
                    let seen = self
                        .delivered
                        .iter()
                        .filter(|(w, t)| *w == who && *t == ty)
                        .count();
                    next_is && seen == n
                }
            }
        };
        if !due {
            return None;
        }
        let bogus = self.interjection.as_mut()?.bogus.take()?;
        Some(match bogus {
            Bogus::Message(bytes) => self.feed(who, &bytes),
            Bogus::Answer(answer) => self.handle(who, Input::Answer(answer)),
            Bogus::Ccs => self.handle(who, Input::ChangeCipherSpec),
        })
    }

    /// One unit of progress on one side, if any is possible.
    pub fn step_side(&mut self, who: Who) -> Result<bool, Failure> {
        if let Some(result) = self.interject(who) {
            result?;
            return Ok(true);
        }
        if let Some(request) = self.side(who).pending.take() {
            let answer = self.answers.answer(&request);
            self.handle(who, Input::Answer(answer))?;
            return Ok(true);
        }
        let Some(record) = self.side(who).inbox.pop_front() else {
            return Ok(false);
        };
        match record {
            Record::Ccs => self.handle(who, Input::ChangeCipherSpec)?,
            Record::Warning(alert) => self.side(who).warnings_received.push(alert),
            Record::Handshake {
                message,
                sealed_with,
            } => {
                let me = self.side(who);
                if sealed_with != me.read {
                    // The record layer would fail to open it.
                    return Err(Failure {
                        who,
                        error: HandshakeError::Refused {
                            alert: A::BadRecordMac,
                            reason: "a record sealed with other keys than the reader's",
                        },
                    });
                }
                me.joiner.push(&message).unwrap();
                while let Some(frame) = self.side(who).joiner.pop() {
                    self.delivered.push((who, frame.ty()));
                    self.handle(who, Input::Message(frame.raw()))?;
                }
            }
        }
        Ok(true)
    }

    /// Runs until neither side can move.
    pub fn run(&mut self) -> Result<(), Failure> {
        if let Some(actions) = self.start.take() {
            self.apply(Who::Client, actions);
        }
        loop {
            let client = self.step_side(Who::Client)?;
            let server = self.step_side(Who::Server)?;
            if !client && !server {
                return Ok(());
            }
        }
    }

    /// Runs a handshake that must fail, on `who`'s side, with `alert`.
    pub fn fails(&mut self, who: Who, alert: A) -> HandshakeError {
        let failure = self.run().expect_err("the handshake must fail");
        assert_eq!(
            (failure.who, failure.alert()),
            (who, alert),
            "{}",
            failure.error
        );
        // The machine that failed is dead.
        let dead = self.side(who).machine.handle_vec(Input::ChangeCipherSpec);
        assert!(dead.is_err());
        failure.error
    }

    /// Both sides finished, agree on what they negotiated, and their key changes pair up.
    pub fn check_agreement(&self) -> Negotiated {
        assert!(!self.client.machine.is_handshaking(), "client finished");
        assert!(!self.server.machine.is_handshaking(), "server finished");
        assert!(!self.client.machine.wants_answer() && !self.server.machine.wants_answer());
        let c = self.client.negotiated().expect("client HandshakeComplete");
        let s = self.server.negotiated().expect("server HandshakeComplete");
        assert_eq!(
            (c.version, c.suite, c.group, &c.alpn, &c.server_name),
            (s.version, s.suite, s.group, &s.alpn, &s.server_name)
        );
        assert_eq!(c.suite.version, c.version);
        assert_eq!(
            c.peer_certificates.as_slice(),
            self.answers.server_cert.as_ref().unwrap().chain()
        );
        assert!(c.peer_signature_scheme.is_some());
        // The key changes pair up, in order, both ways.
        assert_eq!(self.client.writes, self.server.reads);
        assert_eq!(self.server.writes, self.client.reads);
        assert!(self
            .client
            .writes
            .iter()
            .chain(&self.server.writes)
            .all(|(v, _)| *v == c.version));
        // Both key logs hold the same secrets for the same client random.
        let mut cl = self.client.key_log.clone();
        let mut sl = self.server.key_log.clone();
        cl.sort();
        sl.sort();
        assert_eq!(cl, sl);
        c.clone()
    }

    /// The exporters of both sides agree (and are not all zero).
    pub fn check_exporters(&self) {
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        self.client
            .machine
            .export_keying_material(b"EXPORTER-test", Some(b"ctx"), &mut a)
            .unwrap();
        self.server
            .machine
            .export_keying_material(b"EXPORTER-test", Some(b"ctx"), &mut b)
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, [0; 40]);
    }
}
