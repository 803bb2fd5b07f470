//! The TLS 1.3 client and server state machines driven against each other in memory:
//! every message goes through a HandshakeJoiner, every record carries the keys it was
//! "sealed" under and must be opened with the same keys, and requests are answered with
//! real certificates, verifiers and signatures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use strata_alert::AlertDescription as A;
use strata_codec::Encode;
use strata_handshake::extensions::{Extension, Extensions, KeyShareEntry};
use strata_handshake::machine::{
    Action, Answer, ClientAuthPolicy, ClientHandshakeConfig, Event, Input, KeyChange, Negotiated,
    Request, ServerHandshakeConfig, StateMachine,
};
use strata_handshake::messages::{
    split_messages, CertificateTls13, ClientHello, DigitallySigned, EncryptedExtensions, Finished,
    HandshakeMessage, HelloRetryRequest, KeyUpdateRequest, RawMessage, ServerHello,
};
use strata_handshake::suites::{
    TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384, TLS13_CHACHA20_POLY1305_SHA256,
};
use strata_handshake::{
    CipherSuite, HandshakeError, HandshakeJoiner, HandshakeType, NamedGroup, Tls13Client,
    Tls13Server, TlsVersion,
};
use strata_pki::pki_types::{CertificateDer, ServerName, UnixTime};
use strata_pki::{
    CertifiedKey, ClientCertVerifier, RingSigningKey, ServerCertVerifier, SignatureScheme,
    TrustAnchors, WebPkiClientVerifier, WebPkiServerVerifier,
};
use strata_record::ProtocolVersion;
use strata_testdata::pki::{KeyKind, TestCa};

// ---------------------------------------------------------------------------------------
// Certificates and answers
// ---------------------------------------------------------------------------------------

/// 2030-01-01, inside the 2020–2040 validity of the test certificates.
const NOW: u64 = 1_893_456_000;

fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(secs))
}

fn name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.to_string()).unwrap()
}

/// A root and an intermediate that issue the server and client leaves.
struct Pki {
    root: TestCa,
    inter: TestCa,
}

impl Pki {
    fn new() -> Self {
        let root = TestCa::root(KeyKind::EcdsaP256);
        let inter = root.intermediate(KeyKind::EcdsaP384, |_| {});
        Self { root, inter }
    }

    fn server_key(&self, kind: KeyKind) -> Arc<CertifiedKey> {
        let leaf = self
            .inter
            .server_leaf(kind, &["example.com", "127.0.0.1"], |_| {});
        certified(leaf.cert.clone(), &leaf.key_der(), &self.inter)
    }

    fn client_key(&self, kind: KeyKind) -> Arc<CertifiedKey> {
        let leaf = self.inter.client_leaf(kind, &["client.example"], |_| {});
        certified(leaf.cert.clone(), &leaf.key_der(), &self.inter)
    }

    fn anchors(&self) -> Arc<TrustAnchors> {
        Arc::new(TrustAnchors::from_certs(std::slice::from_ref(&self.root.cert)).unwrap())
    }

    fn answers(&self, server: KeyKind, client: Option<KeyKind>) -> Answers {
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

fn certified(
    leaf: CertificateDer<'static>,
    key: &strata_pki::pki_types::PrivateKeyDer<'_>,
    inter: &TestCa,
) -> Arc<CertifiedKey> {
    let key = RingSigningKey::new(key).unwrap();
    Arc::new(CertifiedKey::new(vec![leaf, inter.cert.clone()], Arc::new(key)).unwrap())
}

/// How the application answers each request.
struct Answers {
    server_cert: Option<Arc<CertifiedKey>>,
    client_cert: Option<Arc<CertifiedKey>>,
    server_verifier: Arc<dyn ServerCertVerifier>,
    client_verifier: Arc<dyn ClientCertVerifier>,
    now: UnixTime,
}

impl Answers {
    fn answer(&self, request: &Request) -> Answer {
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

fn request_kind(request: &Request) -> &'static str {
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
enum Who {
    Client,
    Server,
}

impl Who {
    fn other(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

/// What travels between the sides: a handshake record sealed under some keys (or none),
/// or a plaintext ChangeCipherSpec.
#[derive(Debug)]
enum Record {
    Handshake {
        message: Vec<u8>,
        sealed_with: Option<Vec<u8>>,
    },
    Ccs,
}

/// The bytes that identify a direction's keys.
fn fingerprint(change: &KeyChange) -> Vec<u8> {
    assert_eq!(change.version, TlsVersion::Tls13);
    let mut bytes = change.keys.key().to_vec();
    bytes.extend_from_slice(change.keys.iv());
    bytes
}

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

/// A TLS 1.3-only client and its first actions.
fn start_tls13_client(
    config: ClientHandshakeConfig,
    random: [u8; 32],
    session_id: [u8; 32],
) -> Result<(Tls13Client, Vec<Action>), HandshakeError> {
    let mut out = Vec::new();
    Tls13Client::new(config, random, session_id, &mut out).map(|c| (c, out))
}

/// Either machine, so that tests can reach the server's ticket API.
#[derive(Debug)]
enum Machine {
    Client(Tls13Client),
    Server(Tls13Server),
}

impl Machine {
    fn as_dyn(&mut self) -> &mut dyn StateMachine {
        match self {
            Self::Client(m) => m,
            Self::Server(m) => m,
        }
    }

    fn as_ref(&self) -> &dyn StateMachine {
        match self {
            Self::Client(m) => m,
            Self::Server(m) => m,
        }
    }

    fn handle_vec(&mut self, input: Input<'_>) -> Result<Vec<Action>, HandshakeError> {
        self.as_dyn().handle_vec(input)
    }

    fn is_handshaking(&self) -> bool {
        self.as_ref().is_handshaking()
    }

    fn wants_answer(&self) -> bool {
        self.as_ref().wants_answer()
    }

    fn update_keys_vec(&mut self, request_peer: bool) -> Result<Vec<Action>, HandshakeError> {
        self.as_dyn().update_keys_vec(request_peer)
    }

    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        self.as_ref().export_keying_material(label, context, out)
    }

    fn server(&mut self) -> &mut Tls13Server {
        match self {
            Self::Server(m) => m,
            Self::Client(_) => panic!("not a server"),
        }
    }
}

struct Endpoint {
    machine: Machine,
    joiner: HandshakeJoiner,
    read: Option<Vec<u8>>,
    write: Option<Vec<u8>>,
    reads: Vec<Vec<u8>>,
    writes: Vec<Vec<u8>>,
    inbox: VecDeque<Record>,
    pending: Option<Request>,
    events: Vec<Event>,
    key_log: Vec<(&'static str, [u8; 32], Vec<u8>)>,
    ccs_sent: usize,
    sent: Vec<Vec<u8>>,
    requests: Vec<&'static str>,
}

impl Endpoint {
    fn new(machine: Machine) -> Self {
        Self {
            machine,
            joiner: HandshakeJoiner::default(),
            read: None,
            write: None,
            reads: Vec::new(),
            writes: Vec::new(),
            inbox: VecDeque::new(),
            pending: None,
            events: Vec::new(),
            key_log: Vec::new(),
            ccs_sent: 0,
            sent: Vec::new(),
            requests: Vec::new(),
        }
    }

    fn negotiated(&self) -> Option<&Negotiated> {
        self.events.iter().find_map(|e| match e {
            Event::HandshakeComplete(n) => Some(n),
            _ => None,
        })
    }
}

/// Something to feed a side instead of what the driver would feed it.
enum Bogus {
    Message(Vec<u8>),
    Answer(Answer),
}

/// When to feed it.
#[derive(Clone, Copy, Debug)]
enum When {
    /// Before the `n`th (from 0) message of this type is delivered to the side.
    Before(HandshakeType, usize),
    /// While the side waits for the answer to this request.
    During(&'static str),
}

struct Interjection {
    who: Who,
    when: When,
    bogus: Option<Bogus>,
}

type Tamper = Box<dyn FnMut(Who, &mut Vec<u8>)>;

#[derive(Debug)]
struct Failure {
    who: Who,
    error: HandshakeError,
}

impl Failure {
    fn alert(&self) -> A {
        self.error.alert()
    }
}

struct Pair {
    client: Endpoint,
    server: Endpoint,
    answers: Answers,
    /// Leave this side's Sign request unanswered.
    hold_sign: Option<Who>,
    tamper: Option<Tamper>,
    interjection: Option<Interjection>,
    delivered: Vec<(Who, HandshakeType)>,
    asked_server_name: Option<Option<String>>,
}

fn client_config() -> ClientHandshakeConfig {
    ClientHandshakeConfig::new(name("example.com"))
}

fn server_config() -> ServerHandshakeConfig {
    ServerHandshakeConfig::default()
}

fn random(tag: u8) -> [u8; 32] {
    let mut r = [tag; 32];
    r[0] = 0x42;
    r
}

impl Pair {
    fn new(client: ClientHandshakeConfig, server: ServerHandshakeConfig, answers: Answers) -> Self {
        let (client_machine, actions) =
            start_tls13_client(client, random(1), [0x55; 32]).expect("client starts");
        let server_machine = Tls13Server::new(server, random(2));
        let mut pair = Self {
            client: Endpoint::new(Machine::Client(client_machine)),
            server: Endpoint::new(Machine::Server(server_machine)),
            answers,
            hold_sign: None,
            tamper: None,
            interjection: None,
            delivered: Vec::new(),
            asked_server_name: None,
        };
        pair.apply(Who::Client, actions);
        pair
    }

    fn side(&mut self, who: Who) -> &mut Endpoint {
        match who {
            Who::Client => &mut self.client,
            Who::Server => &mut self.server,
        }
    }

    /// Carries out `who`'s actions in order.
    fn apply(&mut self, who: Who, actions: Vec<Action>) {
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
                Action::SetWriteKeys(change) => {
                    let me = self.side(who);
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
                    if let Request::ChooseServerCertificate { server_name, .. } = &request {
                        self.asked_server_name = Some(server_name.clone());
                    }
                    let me = self.side(who);
                    assert!(me.pending.is_none(), "two requests outstanding");
                    me.requests.push(request_kind(&request));
                    me.pending = Some(request);
                }
                Action::Event(event) => self.side(who).events.push(event),
                Action::SendWarning(alert) => panic!("TLS 1.3 sends no warning alert ({alert})"),
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

    fn handle(&mut self, who: Who, input: Input<'_>) -> Result<(), Failure> {
        match self.side(who).machine.handle_vec(input) {
            Ok(actions) => {
                self.apply(who, actions);
                Ok(())
            }
            Err(error) => Err(Failure { who, error }),
        }
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
                When::Before(_, _) if me.pending.is_some() => false,
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
            Bogus::Message(bytes) => {
                let raw = RawMessage::from_encoded(&bytes).unwrap();
                self.handle(who, Input::Message(raw))
            }
            Bogus::Answer(answer) => self.handle(who, Input::Answer(answer)),
        })
    }

    /// One unit of progress on one side, if any is possible.
    fn step_side(&mut self, who: Who) -> Result<bool, Failure> {
        if let Some(result) = self.interject(who) {
            result?;
            return Ok(true);
        }
        if let Some(request) = self.side(who).pending.take() {
            if matches!(request, Request::Sign { .. }) && self.hold_sign == Some(who) {
                self.side(who).pending = Some(request);
                return Ok(false);
            }
            let answer = self.answers.answer(&request);
            self.handle(who, Input::Answer(answer))?;
            return Ok(true);
        }
        let Some(record) = self.side(who).inbox.pop_front() else {
            return Ok(false);
        };
        match record {
            Record::Ccs => self.handle(who, Input::ChangeCipherSpec)?,
            Record::Handshake {
                message,
                sealed_with,
            } => {
                let me = self.side(who);
                assert_eq!(
                    sealed_with, me.read,
                    "{who:?} opens a record with other keys than it was sealed with"
                );
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
    fn run(&mut self) -> Result<(), Failure> {
        loop {
            let client = self.step_side(Who::Client)?;
            let server = self.step_side(Who::Server)?;
            if !client && !server {
                return Ok(());
            }
        }
    }

    /// Runs a handshake that must complete, and checks what both sides agree on.
    fn complete(&mut self) {
        self.run().unwrap_or_else(|f| panic!("{f:?} ({})", f.error));
        self.check_agreement();
    }

    fn check_agreement(&self) {
        assert!(!self.client.machine.is_handshaking(), "client finished");
        assert!(!self.server.machine.is_handshaking(), "server finished");
        assert!(!self.client.machine.wants_answer() && !self.server.machine.wants_answer());
        let c = self.client.negotiated().expect("client HandshakeComplete");
        let s = self.server.negotiated().expect("server HandshakeComplete");
        assert_eq!(
            (c.version, c.suite, c.group, &c.alpn, &c.server_name),
            (s.version, s.suite, s.group, &s.alpn, &s.server_name)
        );
        assert_eq!(
            c.peer_certificates.as_slice(),
            self.answers.server_cert.as_ref().unwrap().chain()
        );
        assert!(c.peer_signature_scheme.is_some());
        // The key changes pair up, in order, both ways.
        assert_eq!(self.client.writes, self.server.reads);
        assert_eq!(self.server.writes, self.client.reads);
        assert_eq!(self.client.writes.len(), 2);
        assert_eq!(self.server.writes.len(), 2);
        // Both key logs hold the same five secrets for the same client random.
        let mut cl = self.client.key_log.clone();
        let mut sl = self.server.key_log.clone();
        cl.sort();
        sl.sort();
        assert_eq!(cl, sl);
        let labels: Vec<_> = cl.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(
            labels,
            [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "EXPORTER_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_TRAFFIC_SECRET_0"
            ]
        );
        assert!(cl.iter().all(|(_, r, _)| *r == random(1)));
        // Exporters agree.
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

    /// Runs a handshake that must fail, on `who`'s side, with `alert`.
    fn fails(&mut self, who: Who, alert: A) -> HandshakeError {
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
}

fn pair_with(kind: KeyKind, client: ClientHandshakeConfig, server: ServerHandshakeConfig) -> Pair {
    let pki = Pki::new();
    Pair::new(client, server, pki.answers(kind, None))
}

fn default_pair() -> Pair {
    pair_with(KeyKind::EcdsaP256, client_config(), server_config())
}

// ---------------------------------------------------------------------------------------
// Message builders for hand-made inputs
// ---------------------------------------------------------------------------------------

fn bytes(message: HandshakeMessage<'_>) -> Vec<u8> {
    message.to_bytes().to_vec()
}

fn finished_bytes() -> Vec<u8> {
    bytes(HandshakeMessage::Finished(Finished {
        verify_data: Cow::Owned(vec![0; 32]),
    }))
}

fn empty_certificate_bytes() -> Vec<u8> {
    bytes(HandshakeMessage::Certificate(CertificateTls13 {
        context: Cow::Borrowed(b""),
        entries: vec![],
    }))
}

fn certificate_verify_bytes() -> Vec<u8> {
    bytes(HandshakeMessage::CertificateVerify(DigitallySigned {
        scheme: SignatureScheme::Ed25519,
        signature: Cow::Owned(vec![1; 64]),
    }))
}

fn client_hello_bytes() -> Vec<u8> {
    let (_, actions) = start_tls13_client(client_config(), random(9), [0; 32]).unwrap();
    match actions.into_iter().next() {
        Some(Action::Send(bytes)) => bytes.to_vec(),
        other => panic!("{other:?}"),
    }
}

fn decode_client_hello(bytes: &[u8]) -> ClientHello<'static> {
    match HandshakeMessage::decode(bytes, TlsVersion::Tls13).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch.into_owned(),
        other => panic!("{other:?}"),
    }
}

/// A fresh client, its ClientHello, and the session ID it sent.
fn lone_client(config: ClientHandshakeConfig) -> (Tls13Client, ClientHello<'static>) {
    let (client, actions) = start_tls13_client(config, random(3), [0x77; 32]).unwrap();
    let ch = match &actions[0] {
        Action::Send(bytes) => decode_client_hello(bytes),
        other => panic!("{other:?}"),
    };
    (client, ch)
}

fn feed(machine: &mut dyn StateMachine, message: &[u8]) -> Result<Vec<Action>, HandshakeError> {
    machine.handle_vec(Input::Message(RawMessage::from_encoded(message).unwrap()))
}

fn hrr(session_id: &[u8], extensions: Vec<Extension<'static>>) -> Vec<u8> {
    bytes(HandshakeMessage::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::Tls12,
        legacy_session_id_echo: Cow::Owned(session_id.to_vec()),
        cipher_suite: CipherSuite::Tls13Aes128GcmSha256,
        legacy_compression_method: 0,
        extensions: Extensions(extensions),
    }))
}

fn server_hello(
    session_id: &[u8],
    random: [u8; 32],
    suite: CipherSuite,
    extensions: Vec<Extension<'static>>,
) -> Vec<u8> {
    bytes(HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::Tls12,
        random,
        legacy_session_id_echo: Cow::Owned(session_id.to_vec()),
        cipher_suite: suite,
        legacy_compression_method: 0,
        extensions: Extensions(extensions),
    }))
}

fn x25519_share() -> Extension<'static> {
    Extension::KeyShare(KeyShareEntry {
        group: NamedGroup::X25519,
        key_exchange: Cow::Owned(vec![9; 32]),
    })
}

fn alert_of<T: std::fmt::Debug>(result: Result<T, HandshakeError>) -> A {
    result.expect_err("must be refused").alert()
}

/// Replaces `who`'s message of type `ty` with `with(message)`.
fn replace(who: Who, ty: HandshakeType, with: impl Fn(&[u8]) -> Vec<u8> + 'static) -> Tamper {
    Box::new(move |from, message| {
        if from == who && message[0] == ty.to_wire() {
            *message = with(message);
        }
    })
}

// ---------------------------------------------------------------------------------------
// Full handshakes
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Auth {
    Off,
    OptionalWithout,
    OptionalWith,
    RequiredWith,
}

const AUTHS: [Auth; 4] = [
    Auth::Off,
    Auth::OptionalWithout,
    Auth::OptionalWith,
    Auth::RequiredWith,
];
const SUITES: [strata_handshake::SupportedSuite; 3] = [
    TLS13_AES_128_GCM_SHA256,
    TLS13_AES_256_GCM_SHA384,
    TLS13_CHACHA20_POLY1305_SHA256,
];
const GROUPS: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::Secp256r1,
    NamedGroup::Secp384r1,
];

fn matrix_for(server_kind: KeyKind) {
    let pki = Pki::new();
    let client_cert_kind = KeyKind::EcdsaP256;
    for suite in SUITES {
        for group in GROUPS {
            for auth in AUTHS {
                let mut client = client_config();
                client.suites = vec![suite].into();
                client.groups = vec![group].into();
                let mut server = server_config();
                let authorities: Arc<[Vec<u8>]> = Arc::new([pki.root.cert.as_ref().to_vec()]);
                let (policy, client_cert) = match auth {
                    Auth::Off => (ClientAuthPolicy::Off, None),
                    Auth::OptionalWithout => (ClientAuthPolicy::Optional { authorities }, None),
                    Auth::OptionalWith => (
                        ClientAuthPolicy::Optional { authorities },
                        Some(client_cert_kind),
                    ),
                    Auth::RequiredWith => (
                        ClientAuthPolicy::Required { authorities },
                        Some(client_cert_kind),
                    ),
                };
                server.client_auth = policy;
                let mut pair = Pair::new(client, server, pki.answers(server_kind, client_cert));
                pair.complete();
                let c = pair.client.negotiated().unwrap();
                let s = pair.server.negotiated().unwrap();
                assert_eq!((c.suite, c.group), (suite, group), "{auth:?}");
                match auth {
                    Auth::Off => {
                        assert!(!pair.client.requests.contains(&"ChooseClientCertificate"))
                    }
                    Auth::OptionalWithout => {
                        assert!(s.peer_certificates.is_empty());
                        assert_eq!(s.peer_signature_scheme, None);
                    }
                    Auth::OptionalWith | Auth::RequiredWith => {
                        assert_eq!(
                            s.peer_certificates.as_slice(),
                            pair.answers.client_cert.as_ref().unwrap().chain()
                        );
                        assert_eq!(
                            s.peer_signature_scheme,
                            Some(SignatureScheme::EcdsaSecp256r1Sha256)
                        );
                        assert!(pair.server.requests.contains(&"VerifyClientChain"));
                    }
                }
            }
        }
    }
}

#[test]
fn matrix_ecdsa_p256_server() {
    matrix_for(KeyKind::EcdsaP256);
}

#[test]
fn matrix_ecdsa_p384_server() {
    matrix_for(KeyKind::EcdsaP384);
}

#[test]
fn matrix_ed25519_server() {
    matrix_for(KeyKind::Ed25519);
}

#[test]
fn matrix_rsa2048_server() {
    matrix_for(KeyKind::Rsa2048);
}

#[test]
fn the_server_signs_with_the_scheme_of_its_key() {
    for (kind, scheme) in [
        (KeyKind::EcdsaP256, SignatureScheme::EcdsaSecp256r1Sha256),
        (KeyKind::EcdsaP384, SignatureScheme::EcdsaSecp384r1Sha384),
        (KeyKind::Ed25519, SignatureScheme::Ed25519),
        (KeyKind::Rsa2048, SignatureScheme::RsaPssRsaeSha256),
    ] {
        let mut pair = pair_with(kind, client_config(), server_config());
        pair.complete();
        let c = pair.client.negotiated().unwrap();
        assert_eq!(c.peer_signature_scheme, Some(scheme), "{kind:?}");
    }
}

#[test]
fn the_requests_come_in_the_documented_order() {
    let pki = Pki::new();
    let mut server = server_config();
    server.client_auth = ClientAuthPolicy::Required {
        authorities: Arc::new([]),
    };
    let mut pair = Pair::new(
        client_config(),
        server,
        pki.answers(KeyKind::EcdsaP256, Some(KeyKind::Ed25519)),
    );
    pair.complete();
    assert_eq!(
        pair.client.requests,
        ["VerifyServerChain", "ChooseClientCertificate", "Sign"]
    );
    assert_eq!(
        pair.server.requests,
        ["ChooseServerCertificate", "Sign", "VerifyClientChain"]
    );
}

#[test]
fn middlebox_compatibility_sends_one_ccs_each_way_and_a_session_id() {
    let mut pair = default_pair();
    pair.complete();
    assert_eq!((pair.client.ccs_sent, pair.server.ccs_sent), (1, 1));
    let ch = decode_client_hello(&pair.client.sent[0]);
    assert_eq!(ch.legacy_session_id.as_ref(), &[0x55; 32]);

    let mut client = client_config();
    client.middlebox_compatibility = false;
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server_config());
    pair.complete();
    assert_eq!((pair.client.ccs_sent, pair.server.ccs_sent), (0, 0));
    let ch = decode_client_hello(&pair.client.sent[0]);
    assert!(ch.legacy_session_id.is_empty());
}

#[test]
fn the_client_hello_offers_tls13_only_with_the_configured_extensions() {
    let mut config = client_config();
    config.alpn_protocols = vec![b"h2".to_vec()].into();
    let (_, ch) = lone_client(config);
    assert_eq!(ch.legacy_version, ProtocolVersion::Tls12);
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::Tls13Aes128GcmSha256,
            CipherSuite::Tls13Aes256GcmSha384,
            CipherSuite::Tls13Chacha20Poly1305Sha256
        ]
    );
    let types: Vec<_> = ch.extensions.iter().map(|e| e.ty().to_string()).collect();
    assert_eq!(
        types,
        [
            "server_name",
            "supported_groups",
            "signature_algorithms",
            "application_layer_protocol_negotiation",
            "supported_versions",
            "psk_key_exchange_modes",
            "key_share"
        ]
    );
    assert!(ch
        .extensions
        .iter()
        .any(|e| *e == Extension::SupportedVersions(vec![ProtocolVersion::Tls13].into())));
    let shares = ch.extensions.iter().find_map(|e| match e {
        Extension::KeyShares(s) => Some(s.clone()),
        _ => None,
    });
    let shares = shares.unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::X25519);

    // An IP address is not sent as SNI.
    let (_, ch) = lone_client(ClientHandshakeConfig::new(name("127.0.0.1")));
    assert!(!ch
        .extensions
        .iter()
        .any(|e| matches!(e, Extension::ServerName(_))));
}

#[test]
fn sni_reaches_the_certificate_request_and_both_negotiated() {
    let mut pair = default_pair();
    pair.complete();
    assert_eq!(pair.asked_server_name, Some(Some("example.com".into())));
    assert_eq!(
        pair.server.negotiated().unwrap().server_name.as_deref(),
        Some("example.com")
    );

    let mut pair = pair_with(
        KeyKind::EcdsaP256,
        ClientHandshakeConfig::new(name("127.0.0.1")),
        server_config(),
    );
    pair.complete();
    assert_eq!(pair.asked_server_name, Some(None));
    assert_eq!(pair.client.negotiated().unwrap().server_name, None);
}

#[test]
fn no_certificate_for_the_name_is_unrecognized_name_and_without_sni_handshake_failure() {
    let mut pair = default_pair();
    pair.answers.server_cert = None;
    pair.fails(Who::Server, A::UnrecognizedName);

    let pki = Pki::new();
    let mut answers = pki.answers(KeyKind::EcdsaP256, None);
    answers.server_cert = None;
    let mut pair = Pair::new(
        ClientHandshakeConfig::new(name("127.0.0.1")),
        server_config(),
        answers,
    );
    pair.fails(Who::Server, A::HandshakeFailure);
}

// ---------------------------------------------------------------------------------------
// HelloRetryRequest
// ---------------------------------------------------------------------------------------

fn hrr_configs() -> (ClientHandshakeConfig, ServerHandshakeConfig) {
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1].into();
    let mut server = server_config();
    server.groups = vec![NamedGroup::Secp256r1].into();
    (client, server)
}

#[test]
fn hello_retry_request_moves_the_client_to_the_servers_group() {
    let (client, server) = hrr_configs();
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server);
    pair.complete();
    assert_eq!(
        pair.client.negotiated().unwrap().group,
        NamedGroup::Secp256r1
    );
    let client_hellos = pair
        .delivered
        .iter()
        .filter(|(w, t)| *w == Who::Server && *t == HandshakeType::ClientHello)
        .count();
    assert_eq!(client_hellos, 2);
    // One compatibility CCS each way: the server's after HRR, the client's before CH2.
    assert_eq!((pair.client.ccs_sent, pair.server.ccs_sent), (1, 1));
    let ch2 = decode_client_hello(&pair.client.sent[1]);
    assert!(!ch2
        .extensions
        .iter()
        .any(|e| matches!(e, Extension::Cookie(_))));
    let ch1 = decode_client_hello(&pair.client.sent[0]);
    assert_eq!(ch1.random, ch2.random);
}

#[test]
fn hello_retry_request_without_compatibility_mode_sends_no_ccs() {
    for group in [NamedGroup::Secp256r1, NamedGroup::Secp384r1] {
        let mut client = client_config();
        client.middlebox_compatibility = false;
        client.groups = vec![
            NamedGroup::X25519,
            NamedGroup::Secp256r1,
            NamedGroup::Secp384r1,
        ]
        .into();
        let mut server = client_auth_server();
        server.groups = vec![group].into();
        let pki = Pki::new();
        let mut pair = Pair::new(
            client,
            server,
            pki.answers(KeyKind::Ed25519, Some(KeyKind::EcdsaP384)),
        );
        pair.complete();
        assert_eq!(pair.client.negotiated().unwrap().group, group);
        assert_eq!((pair.client.ccs_sent, pair.server.ccs_sent), (0, 0));
    }
}

#[test]
fn hello_retry_request_with_a_cookie_is_echoed() {
    let (client, mut server) = hrr_configs();
    server.hello_retry_cookie = true;
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server);
    pair.complete();
    let ch2 = decode_client_hello(&pair.client.sent[1]);
    assert!(ch2
        .extensions
        .iter()
        .any(|e| matches!(e, Extension::Cookie(_))));
}

#[test]
fn a_second_client_hello_without_the_cookie_is_illegal_parameter() {
    let (client, mut server_cfg) = hrr_configs();
    server_cfg.hello_retry_cookie = true;
    let (_, actions) = start_tls13_client(client.clone(), random(3), [0x77; 32]).unwrap();
    let Action::Send(ch1) = &actions[0] else {
        panic!()
    };
    let mut server = Tls13Server::new(server_cfg, random(4));
    let out = feed(&mut server, ch1).unwrap();
    assert!(matches!(&out[0], Action::Send(m) if m[0] == 2));
    // The same random, a P-256 share, but no cookie.
    let mut retry = client;
    retry.groups = vec![NamedGroup::Secp256r1, NamedGroup::X25519].into();
    let (_, actions) = start_tls13_client(retry, random(3), [0x77; 32]).unwrap();
    let Action::Send(ch2) = &actions[0] else {
        panic!()
    };
    assert_eq!(alert_of(feed(&mut server, ch2)), A::IllegalParameter);
}

#[test]
fn a_second_client_hello_still_without_the_share_is_illegal_parameter() {
    let (client, server_cfg) = hrr_configs();
    let (_, actions) = start_tls13_client(client, random(3), [0x77; 32]).unwrap();
    let Action::Send(ch1) = &actions[0] else {
        panic!()
    };
    let mut server = Tls13Server::new(server_cfg, random(4));
    let out = feed(&mut server, ch1).unwrap();
    assert!(matches!(out.last(), Some(Action::SendChangeCipherSpec)));
    // A CCS between the two ClientHellos is dropped.
    assert!(server
        .handle_vec(Input::ChangeCipherSpec)
        .unwrap()
        .is_empty());
    let err = feed(&mut server, ch1).unwrap_err();
    assert_eq!(err.alert(), A::IllegalParameter, "{err}");
}

#[test]
fn hello_retry_requests_the_client_must_refuse() {
    let session = [0x77; 32];
    let cases: Vec<(&str, Vec<Extension<'static>>, A)> = vec![
        (
            "a group not offered",
            vec![
                Extension::SelectedVersion(ProtocolVersion::Tls13),
                Extension::KeyShareRequest(NamedGroup::Secp384r1),
            ],
            A::IllegalParameter,
        ),
        (
            "the group already shared",
            vec![
                Extension::SelectedVersion(ProtocolVersion::Tls13),
                Extension::KeyShareRequest(NamedGroup::X25519),
            ],
            A::IllegalParameter,
        ),
        (
            "no change at all",
            vec![Extension::SelectedVersion(ProtocolVersion::Tls13)],
            A::IllegalParameter,
        ),
        (
            "TLS 1.2 selected",
            vec![
                Extension::SelectedVersion(ProtocolVersion::Tls12),
                Extension::KeyShareRequest(NamedGroup::Secp256r1),
            ],
            A::IllegalParameter,
        ),
        (
            "no supported_versions",
            vec![Extension::KeyShareRequest(NamedGroup::Secp256r1)],
            A::MissingExtension,
        ),
        (
            "an unsolicited extension",
            vec![
                Extension::SelectedVersion(ProtocolVersion::Tls13),
                Extension::KeyShareRequest(NamedGroup::Secp256r1),
                Extension::Unknown {
                    ty: strata_handshake::ExtensionType::Unknown(0x7777),
                    data: Cow::Borrowed(b""),
                },
            ],
            A::UnsupportedExtension,
        ),
    ];
    for (why, extensions, alert) in cases {
        let mut config = client_config();
        config.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1].into();
        let (mut client, _) = lone_client(config);
        let err = feed(&mut client, &hrr(&session, extensions)).unwrap_err();
        assert_eq!(err.alert(), alert, "{why}: {err}");
    }

    // A wrong session ID echo or suite is illegal_parameter too.
    let (mut client, _) = lone_client(client_config());
    let good = vec![
        Extension::SelectedVersion(ProtocolVersion::Tls13),
        Extension::KeyShareRequest(NamedGroup::Secp256r1),
    ];
    assert_eq!(
        alert_of(feed(&mut client, &hrr(&[1; 32], good.clone()))),
        A::IllegalParameter
    );
}

#[test]
fn a_second_hello_retry_request_is_unexpected_message() {
    let session = [0x77; 32];
    let (mut client, _) = lone_client(client_config());
    let first = hrr(
        &session,
        vec![
            Extension::SelectedVersion(ProtocolVersion::Tls13),
            Extension::KeyShareRequest(NamedGroup::Secp256r1),
        ],
    );
    let out = feed(&mut client, &first).unwrap();
    assert!(matches!(out[0], Action::SendChangeCipherSpec));
    let Action::Send(ch2) = &out[1] else { panic!() };
    let ch2 = decode_client_hello(ch2);
    let shares = ch2.extensions.iter().find_map(|e| match e {
        Extension::KeyShares(s) => Some(s.clone()),
        _ => None,
    });
    assert_eq!(shares.unwrap()[0].group, NamedGroup::Secp256r1);
    let second = hrr(
        &session,
        vec![
            Extension::SelectedVersion(ProtocolVersion::Tls13),
            Extension::Cookie(Cow::Borrowed(b"again")),
        ],
    );
    assert_eq!(alert_of(feed(&mut client, &second)), A::UnexpectedMessage);
}

#[test]
fn after_hello_retry_the_server_hello_must_keep_the_suite() {
    let session = [0x77; 32];
    let (mut client, _) = lone_client(client_config());
    let first = hrr(
        &session,
        vec![
            Extension::SelectedVersion(ProtocolVersion::Tls13),
            Extension::KeyShareRequest(NamedGroup::Secp256r1),
        ],
    );
    feed(&mut client, &first).unwrap();
    let sh = server_hello(
        &session,
        [3; 32],
        CipherSuite::Tls13Aes256GcmSha384,
        vec![
            Extension::SelectedVersion(ProtocolVersion::Tls13),
            Extension::KeyShare(KeyShareEntry {
                group: NamedGroup::Secp256r1,
                key_exchange: Cow::Owned(vec![4; 65]),
            }),
        ],
    );
    assert_eq!(alert_of(feed(&mut client, &sh)), A::IllegalParameter);
}

// ---------------------------------------------------------------------------------------
// ALPN
// ---------------------------------------------------------------------------------------

#[test]
fn alpn_follows_the_servers_preference() {
    let mut client = client_config();
    client.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()].into();
    let mut server = server_config();
    server.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()].into();
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server);
    pair.complete();
    assert_eq!(
        pair.client.negotiated().unwrap().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
}

#[test]
fn alpn_without_overlap_is_no_application_protocol() {
    let mut client = client_config();
    client.alpn_protocols = vec![b"h2".to_vec()].into();
    let mut server = server_config();
    server.alpn_protocols = vec![b"http/1.1".to_vec()].into();
    pair_with(KeyKind::EcdsaP256, client, server).fails(Who::Server, A::NoApplicationProtocol);
}

#[test]
fn a_client_offering_no_alpn_gets_none() {
    let mut server = server_config();
    server.alpn_protocols = vec![b"http/1.1".to_vec()].into();
    let mut pair = pair_with(KeyKind::EcdsaP256, client_config(), server);
    pair.complete();
    assert_eq!(pair.client.negotiated().unwrap().alpn, None);

    // A server with no ALPN ignores the client's offer.
    let mut client = client_config();
    client.alpn_protocols = vec![b"h2".to_vec()].into();
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server_config());
    pair.complete();
    assert_eq!(pair.server.negotiated().unwrap().alpn, None);
}

fn encrypted_extensions(extensions: Vec<Extension<'static>>) -> Vec<u8> {
    bytes(HandshakeMessage::EncryptedExtensions(EncryptedExtensions {
        extensions: Extensions(extensions),
    }))
}

#[test]
fn the_client_refuses_alpn_it_did_not_offer_or_more_than_one() {
    let alpn = |list: &[&'static [u8]]| {
        Extension::Alpn(list.iter().map(|p| Cow::Borrowed(*p)).collect::<Vec<_>>())
    };
    let cases = [
        (vec![b"h2".to_vec()], alpn(&[b"h3"]), A::IllegalParameter),
        (
            vec![b"h2".to_vec()],
            alpn(&[b"h2", b"h2"]),
            A::IllegalParameter,
        ),
        (vec![], alpn(&[b"h2"]), A::UnsupportedExtension),
    ];
    for (offered, answer, alert) in cases {
        let mut client = client_config();
        client.alpn_protocols = offered.into();
        let mut pair = pair_with(KeyKind::EcdsaP256, client, server_config());
        let ee = encrypted_extensions(vec![answer]);
        pair.tamper = Some(replace(
            Who::Server,
            HandshakeType::EncryptedExtensions,
            move |_| ee.clone(),
        ));
        pair.fails(Who::Client, alert);
    }
}

#[test]
fn an_unsolicited_extension_in_encrypted_extensions_is_unsupported_extension() {
    let mut pair = default_pair();
    let ee = encrypted_extensions(vec![Extension::RecordSizeLimit(1024)]);
    pair.tamper = Some(replace(
        Who::Server,
        HandshakeType::EncryptedExtensions,
        move |_| ee.clone(),
    ));
    pair.fails(Who::Client, A::UnsupportedExtension);

    // server_name acknowledged when no SNI was sent.
    let mut pair = pair_with(
        KeyKind::EcdsaP256,
        ClientHandshakeConfig::new(name("127.0.0.1")),
        server_config(),
    );
    let ee = encrypted_extensions(vec![Extension::ServerNameAck]);
    pair.tamper = Some(replace(
        Who::Server,
        HandshakeType::EncryptedExtensions,
        move |_| ee.clone(),
    ));
    pair.fails(Who::Client, A::UnsupportedExtension);
}

// ---------------------------------------------------------------------------------------
// Post-handshake
// ---------------------------------------------------------------------------------------

fn peer_updates(e: &Endpoint) -> usize {
    e.events
        .iter()
        .filter(|e| matches!(e, Event::PeerKeyUpdated))
        .count()
}

#[test]
fn key_update_both_ways_with_update_requested() {
    let mut pair = default_pair();
    pair.complete();

    let actions = pair.client.machine.update_keys_vec(true).unwrap();
    let Action::Send(m) = &actions[0] else {
        panic!()
    };
    assert_eq!(
        HandshakeMessage::decode(m, TlsVersion::Tls13).unwrap(),
        HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateRequested)
    );
    pair.apply(Who::Client, actions);
    pair.run().unwrap();
    assert_eq!(peer_updates(&pair.server), 1);
    assert_eq!(peer_updates(&pair.client), 1, "the server answered");
    assert_eq!(pair.client.writes, pair.server.reads);
    assert_eq!(pair.server.writes, pair.client.reads);
    assert_eq!(pair.client.writes.len(), 3);

    let actions = pair.server.machine.update_keys_vec(true).unwrap();
    pair.apply(Who::Server, actions);
    pair.run().unwrap();
    assert_eq!(
        (peer_updates(&pair.client), peer_updates(&pair.server)),
        (2, 2)
    );

    let actions = pair.server.machine.update_keys_vec(false).unwrap();
    assert!(matches!(&actions[0], Action::Send(m) if m[4] == 0));
    pair.apply(Who::Server, actions);
    pair.run().unwrap();
    assert_eq!(
        (peer_updates(&pair.client), peer_updates(&pair.server)),
        (3, 2)
    );
    assert_eq!(pair.client.writes, pair.server.reads);
    assert_eq!(pair.server.writes, pair.client.reads);
    assert_eq!(pair.server.writes.len(), 5);

    // Exporters are unaffected by KeyUpdate.
    pair.check_agreement_of_exporters();
}

impl Pair {
    fn check_agreement_of_exporters(&self) {
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        self.client
            .machine
            .export_keying_material(b"label", None, &mut a)
            .unwrap();
        self.server
            .machine
            .export_keying_material(b"label", Some(b""), &mut b)
            .unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn a_new_session_ticket_gives_the_client_the_servers_psk() {
    let mut idle = Tls13Server::new(server_config(), random(2));
    assert!(idle
        .issue_ticket(3600, 7, vec![1, 2, 3], &mut Vec::new())
        .is_err());

    let mut pair = pair_with(KeyKind::Ed25519, client_config(), server_config());
    pair.complete();
    let mut actions = Vec::new();
    let psk = pair
        .server
        .machine
        .server()
        .issue_ticket(3600, 0xdead_beef, b"opaque".to_vec(), &mut actions)
        .unwrap();
    let Action::Send(nst) = &actions[0] else {
        panic!()
    };
    let nst = nst.clone();
    pair.apply(Who::Server, actions);
    pair.run().unwrap();
    let tickets: Vec<_> = pair
        .client
        .events
        .iter()
        .filter_map(|e| match e {
            Event::TicketReceived(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let [ticket] = tickets.as_slice() else {
        panic!("{tickets:?}")
    };
    assert_eq!(ticket.psk.as_bytes(), psk.as_bytes());
    assert_eq!(
        (ticket.lifetime, ticket.age_add, ticket.ticket.as_slice()),
        (3600, 0xdead_beef, &b"opaque"[..])
    );
    assert_eq!(ticket.suite, TLS13_AES_128_GCM_SHA256);
    assert_eq!(ticket.max_early_data, None);
    assert!(!format!("{ticket:?}").contains("psk"));
    // A second ticket has another nonce, hence another PSK.
    let psk2 = pair
        .server
        .machine
        .server()
        .issue_ticket(3600, 1, b"other".to_vec(), &mut Vec::new())
        .unwrap();
    assert_ne!(psk.as_bytes(), psk2.as_bytes());
    // The server takes no ticket.
    assert_eq!(
        alert_of(feed(pair.server.machine.as_dyn(), &nst)),
        A::UnexpectedMessage
    );
}

fn ticket(lifetime: u32, extensions: Vec<Extension<'static>>) -> Vec<u8> {
    bytes(HandshakeMessage::NewSessionTicket(
        strata_handshake::messages::NewSessionTicketTls13 {
            lifetime,
            age_add: 5,
            nonce: Cow::Borrowed(b"n"),
            ticket: Cow::Borrowed(b"t"),
            extensions: Extensions(extensions),
        },
    ))
}

#[test]
fn a_ticket_carries_max_early_data_and_at_most_seven_days() {
    let mut pair = default_pair();
    pair.complete();
    let out = feed(
        pair.client.machine.as_dyn(),
        &ticket(604_800, vec![Extension::EarlyDataMax(16384)]),
    )
    .unwrap();
    let [Action::Event(Event::TicketReceived(t))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!((t.lifetime, t.max_early_data), (604_800, Some(16384)));
    let err = feed(pair.client.machine.as_dyn(), &ticket(604_801, vec![])).unwrap_err();
    assert_eq!(err.alert(), A::IllegalParameter);
}

#[test]
fn exporters_and_key_updates_need_a_completed_handshake() {
    let (mut client, _) = lone_client(client_config());
    let mut out = [0u8; 16];
    assert!(client
        .export_keying_material(b"label", None, &mut out)
        .is_err());
    assert!(client.update_keys_vec(false).is_err());
    let mut server = Tls13Server::new(server_config(), random(2));
    assert!(server
        .export_keying_material(b"label", None, &mut out)
        .is_err());
    assert!(server.update_keys_vec(true).is_err());
    assert!(client.is_handshaking() && server.is_handshaking());
}

#[test]
fn the_exporter_refuses_an_empty_label() {
    let mut pair = default_pair();
    pair.complete();
    let mut out = [0u8; 16];
    assert!(pair
        .client
        .machine
        .export_keying_material(b"", None, &mut out)
        .is_err());
}

#[test]
fn handshake_messages_after_the_handshake_are_unexpected_message() {
    let hello_request = vec![0, 0, 0, 0];
    let certificate_request = vec![13, 0, 0, 3, 0, 0, 0];
    for bogus in [
        client_hello_bytes(),
        hello_request.clone(),
        certificate_request.clone(),
        finished_bytes(),
    ] {
        let mut pair = default_pair();
        pair.complete();
        let err = feed(pair.client.machine.as_dyn(), &bogus).unwrap_err();
        assert_eq!(err.alert(), A::UnexpectedMessage, "{err}");
        // The client is dead now.
        assert!(pair.client.machine.update_keys_vec(false).is_err());
        assert!(pair
            .client
            .machine
            .handle_vec(Input::ChangeCipherSpec)
            .is_err());
    }
    for bogus in [client_hello_bytes(), finished_bytes(), hello_request] {
        let mut pair = default_pair();
        pair.complete();
        let err = feed(pair.server.machine.as_dyn(), &bogus).unwrap_err();
        assert_eq!(err.alert(), A::UnexpectedMessage, "{err}");
    }
}

#[test]
fn change_cipher_spec_after_the_handshake_is_unexpected_message() {
    for who in [Who::Client, Who::Server] {
        let mut pair = default_pair();
        pair.complete();
        let err = pair
            .side(who)
            .machine
            .handle_vec(Input::ChangeCipherSpec)
            .unwrap_err();
        assert!(matches!(err, HandshakeError::UnexpectedChangeCipherSpec(_)));
        assert_eq!(err.alert(), A::UnexpectedMessage);
    }
}

#[test]
fn change_cipher_spec_before_the_first_client_hello_is_unexpected_message() {
    let mut server = Tls13Server::new(server_config(), random(2));
    assert_eq!(
        alert_of(server.handle_vec(Input::ChangeCipherSpec)),
        A::UnexpectedMessage
    );
}

#[test]
fn change_cipher_spec_is_dropped_during_the_handshake() {
    // Interleave extra CCS records everywhere the rules allow them.
    let mut pair = default_pair();
    pair.tamper = None;
    pair.run_with_extra_ccs();
    pair.check_agreement();
}

impl Pair {
    /// Runs, giving each side a CCS before every handshake record it receives while
    /// handshaking (before the peer's Finished).
    fn run_with_extra_ccs(&mut self) {
        loop {
            for who in [Who::Client, Who::Server] {
                let me = self.side(who);
                let next_is_finished = matches!(me.inbox.front(),
                    Some(Record::Handshake { message, .. }) if message[0] == 20);
                if me.machine.is_handshaking()
                    && !next_is_finished
                    && matches!(me.inbox.front(), Some(Record::Handshake { .. }))
                    && (who == Who::Client || !me.sent.is_empty())
                {
                    me.machine.handle_vec(Input::ChangeCipherSpec).unwrap();
                }
            }
            let c = self.step_side(Who::Client).unwrap();
            let s = self.step_side(Who::Server).unwrap();
            if !c && !s {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Answers given late, and answers without a request
// ---------------------------------------------------------------------------------------

#[test]
fn a_late_signature_lets_another_handshake_finish_first() {
    let mut first = default_pair();
    first.hold_sign = Some(Who::Server);
    first.run().unwrap();
    assert!(first.server.machine.wants_answer());
    assert_eq!(
        first.server.pending.as_ref().map(request_kind),
        Some("Sign")
    );
    assert!(first.client.machine.is_handshaking());

    let mut second = pair_with(KeyKind::Rsa2048, client_config(), server_config());
    second.hold_sign = Some(Who::Client);
    second.complete();

    first.hold_sign = None;
    first.complete();
}

#[test]
fn a_late_client_signature_and_chain_check_interleave() {
    let pki = Pki::new();
    let mut server = server_config();
    server.client_auth = ClientAuthPolicy::Required {
        authorities: Arc::new([]),
    };
    let mut first = Pair::new(
        client_config(),
        server.clone(),
        pki.answers(KeyKind::EcdsaP256, Some(KeyKind::Ed25519)),
    );
    first.hold_sign = Some(Who::Client);
    first.run().unwrap();
    assert_eq!(
        first.client.pending.as_ref().map(request_kind),
        Some("Sign")
    );
    let mut second = Pair::new(
        client_config(),
        server,
        pki.answers(KeyKind::Ed25519, Some(KeyKind::EcdsaP384)),
    );
    second.complete();
    first.hold_sign = None;
    first.complete();
}

#[test]
fn an_answer_with_no_request_outstanding_is_internal_error() {
    let (mut client, _) = lone_client(client_config());
    let err = client
        .handle_vec(Input::Answer(Answer::ChainVerified(Ok(()))))
        .unwrap_err();
    assert!(matches!(err, HandshakeError::UnexpectedAnswer(_)));
    assert_eq!(err.alert(), A::InternalError);
    assert!(client.handle_vec(Input::ChangeCipherSpec).is_err(), "dead");

    let mut server = Tls13Server::new(server_config(), random(2));
    let err = server
        .handle_vec(Input::Answer(Answer::Certificate(None)))
        .unwrap_err();
    assert_eq!(err.alert(), A::InternalError);

    let mut pair = default_pair();
    pair.complete();
    let err = pair
        .server
        .machine
        .handle_vec(Input::Answer(Answer::Signature(Ok(vec![]))))
        .unwrap_err();
    assert_eq!(err.alert(), A::InternalError);
}

#[test]
fn a_failed_signature_is_internal_error() {
    for who in [Who::Client, Who::Server] {
        let pki = Pki::new();
        let mut pair = Pair::new(
            client_config(),
            client_auth_server(),
            pki.answers(KeyKind::EcdsaP256, Some(KeyKind::EcdsaP256)),
        );
        pair.interjection = Some(Interjection {
            who,
            when: When::During("Sign"),
            bogus: Some(Bogus::Answer(Answer::Signature(Err(
                strata_pki::PkiError::SigningFailed,
            )))),
        });
        pair.fails(who, A::InternalError);
    }
}

#[test]
fn an_answer_of_the_wrong_kind_is_internal_error() {
    let mut pair = default_pair();
    pair.interjection = Some(Interjection {
        who: Who::Server,
        when: When::During("ChooseServerCertificate"),
        bogus: Some(Bogus::Answer(Answer::ChainVerified(Ok(())))),
    });
    pair.fails(Who::Server, A::InternalError);

    let mut pair = default_pair();
    pair.interjection = Some(Interjection {
        who: Who::Client,
        when: When::During("VerifyServerChain"),
        bogus: Some(Bogus::Answer(Answer::Signature(Ok(vec![1])))),
    });
    pair.fails(Who::Client, A::InternalError);
}

// ---------------------------------------------------------------------------------------
// Messages out of order, in every state
// ---------------------------------------------------------------------------------------

fn client_auth_server() -> ServerHandshakeConfig {
    let mut server = server_config();
    server.client_auth = ClientAuthPolicy::Optional {
        authorities: Arc::new([]),
    };
    server
}

fn out_of_order(
    who: Who,
    when: When,
    bogus: Vec<u8>,
    (client, server): (ClientHandshakeConfig, ServerHandshakeConfig),
    expected_state: &str,
) {
    let pki = Pki::new();
    let mut pair = Pair::new(
        client,
        server,
        pki.answers(KeyKind::EcdsaP256, Some(KeyKind::EcdsaP256)),
    );
    pair.interjection = Some(Interjection {
        who,
        when,
        bogus: Some(Bogus::Message(bogus)),
    });
    let err = pair.fails(who, A::UnexpectedMessage);
    let HandshakeError::UnexpectedMessage { state, .. } = err else {
        panic!("{when:?}: {err}")
    };
    assert_eq!(state, expected_state, "{when:?}");
}

fn plain() -> (ClientHandshakeConfig, ServerHandshakeConfig) {
    (client_config(), server_config())
}

fn with_auth() -> (ClientHandshakeConfig, ServerHandshakeConfig) {
    (client_config(), client_auth_server())
}

#[test]
fn client_states_refuse_messages_out_of_order() {
    use HandshakeType as T;
    type Configs = fn() -> (ClientHandshakeConfig, ServerHandshakeConfig);
    let cases: Vec<(When, Vec<u8>, Configs, &str)> = vec![
        (
            When::Before(T::ServerHello, 0),
            finished_bytes(),
            plain,
            "waiting for ServerHello",
        ),
        (
            When::Before(T::ServerHello, 0),
            client_hello_bytes(),
            plain,
            "waiting for ServerHello",
        ),
        (
            When::Before(T::EncryptedExtensions, 0),
            empty_certificate_bytes(),
            plain,
            "waiting for EncryptedExtensions",
        ),
        (
            When::Before(T::Certificate, 0),
            finished_bytes(),
            plain,
            "waiting for Certificate or CertificateRequest",
        ),
        (
            When::Before(T::Certificate, 0),
            certificate_verify_bytes(),
            with_auth,
            "waiting for Certificate",
        ),
        (
            When::During("VerifyServerChain"),
            certificate_verify_bytes(),
            plain,
            "verifying the server's certificate chain",
        ),
        (
            When::Before(T::CertificateVerify, 0),
            finished_bytes(),
            plain,
            "waiting for CertificateVerify",
        ),
        (
            When::Before(T::Finished, 0),
            empty_certificate_bytes(),
            plain,
            "waiting for Finished",
        ),
        (
            When::Before(T::Finished, 0),
            client_hello_bytes(),
            plain,
            "waiting for Finished",
        ),
        (
            When::During("ChooseClientCertificate"),
            finished_bytes(),
            with_auth,
            "choosing a client certificate",
        ),
        (
            When::During("Sign"),
            finished_bytes(),
            with_auth,
            "signing the client CertificateVerify",
        ),
    ];
    for (when, bogus, configs, state) in cases {
        out_of_order(Who::Client, when, bogus, configs(), state);
    }
}

#[test]
fn server_states_refuse_messages_out_of_order() {
    use HandshakeType as T;
    let hrr = || {
        let (client, server) = hrr_configs();
        (client, server)
    };
    type Configs = fn() -> (ClientHandshakeConfig, ServerHandshakeConfig);
    let cases: Vec<(When, Vec<u8>, Configs, &str)> = vec![
        (
            When::Before(T::ClientHello, 0),
            finished_bytes(),
            plain,
            "waiting for ClientHello",
        ),
        (
            When::Before(T::ClientHello, 0),
            empty_certificate_bytes(),
            plain,
            "waiting for ClientHello",
        ),
        (
            When::Before(T::ClientHello, 1),
            finished_bytes(),
            hrr,
            "waiting for the second ClientHello",
        ),
        (
            When::During("ChooseServerCertificate"),
            client_hello_bytes(),
            plain,
            "choosing the server certificate",
        ),
        (
            When::During("Sign"),
            finished_bytes(),
            plain,
            "signing the server CertificateVerify",
        ),
        (
            When::Before(T::Certificate, 0),
            finished_bytes(),
            with_auth,
            "waiting for the client's Certificate",
        ),
        (
            When::Before(T::Certificate, 0),
            client_hello_bytes(),
            with_auth,
            "waiting for the client's Certificate",
        ),
        (
            When::During("VerifyClientChain"),
            certificate_verify_bytes(),
            with_auth,
            "verifying the client's certificate chain",
        ),
        (
            When::Before(T::CertificateVerify, 0),
            finished_bytes(),
            with_auth,
            "waiting for the client's CertificateVerify",
        ),
        (
            When::Before(T::Finished, 0),
            empty_certificate_bytes(),
            plain,
            "waiting for the client's Finished",
        ),
        (
            When::Before(T::Finished, 0),
            certificate_verify_bytes(),
            plain,
            "waiting for the client's Finished",
        ),
    ];
    for (when, bogus, configs, state) in cases {
        out_of_order(Who::Server, when, bogus, configs(), state);
    }
}

// ---------------------------------------------------------------------------------------
// Authentication failures
// ---------------------------------------------------------------------------------------

#[test]
fn a_certificate_for_another_name_is_bad_certificate() {
    let mut pair = pair_with(
        KeyKind::EcdsaP256,
        ClientHandshakeConfig::new(name("other.example")),
        server_config(),
    );
    let err = pair.fails(Who::Client, A::BadCertificate);
    assert!(matches!(err, HandshakeError::Certificate(_)), "{err}");
}

#[test]
fn a_chain_to_an_unknown_ca_is_unknown_ca() {
    let pki = Pki::new();
    let stranger = Pki::new();
    let mut answers = pki.answers(KeyKind::EcdsaP256, None);
    answers.server_verifier = Arc::new(WebPkiServerVerifier::new(stranger.anchors()).unwrap());
    Pair::new(client_config(), server_config(), answers).fails(Who::Client, A::UnknownCa);
}

#[test]
fn an_expired_chain_is_certificate_expired() {
    let pki = Pki::new();
    let mut answers = pki.answers(KeyKind::EcdsaP256, None);
    answers.now = at(2_240_611_200); // 2041-01-01
    Pair::new(client_config(), server_config(), answers).fails(Who::Client, A::CertificateExpired);
}

#[test]
fn a_client_chain_to_an_unknown_ca_is_unknown_ca() {
    let pki = Pki::new();
    let stranger = Pki::new();
    let mut answers = pki.answers(KeyKind::EcdsaP256, None);
    answers.client_cert = Some(stranger.client_key(KeyKind::EcdsaP256));
    Pair::new(client_config(), client_auth_server(), answers).fails(Who::Server, A::UnknownCa);
}

#[test]
fn a_required_client_certificate_that_is_missing_is_certificate_required() {
    let mut server = server_config();
    server.client_auth = ClientAuthPolicy::Required {
        authorities: Arc::new([]),
    };
    pair_with(KeyKind::EcdsaP256, client_config(), server)
        .fails(Who::Server, A::CertificateRequired);
}

#[test]
fn a_client_key_without_a_scheme_the_server_accepts_sends_an_empty_certificate() {
    let pki = Pki::new();
    let mut server = server_config();
    server.signature_schemes = vec![SignatureScheme::Ed25519].into();
    server.client_auth = ClientAuthPolicy::Optional {
        authorities: Arc::new([]),
    };
    let mut pair = Pair::new(
        client_config(),
        server.clone(),
        pki.answers(KeyKind::EcdsaP256, Some(KeyKind::EcdsaP256)),
    );
    pair.complete();
    assert!(pair
        .server
        .negotiated()
        .unwrap()
        .peer_certificates
        .is_empty());
    assert_eq!(
        pair.client.requests,
        ["VerifyServerChain", "ChooseClientCertificate"]
    );

    server.client_auth = ClientAuthPolicy::Required {
        authorities: Arc::new([]),
    };
    Pair::new(
        client_config(),
        server,
        pki.answers(KeyKind::EcdsaP256, Some(KeyKind::EcdsaP256)),
    )
    .fails(Who::Server, A::CertificateRequired);
}

#[test]
fn the_certificate_request_names_the_authorities_and_tls13_schemes() {
    let pki = Pki::new();
    let mut server = server_config();
    server.client_auth = ClientAuthPolicy::Optional {
        authorities: Arc::new([b"0\x00".to_vec()]),
    };
    let mut pair = Pair::new(
        client_config(),
        server,
        pki.answers(KeyKind::EcdsaP256, None),
    );
    pair.complete();
    let cr = pair
        .server
        .sent
        .iter()
        .find(|m| m[0] == 13)
        .expect("CertificateRequest sent");
    let HandshakeMessage::CertificateRequest(cr) =
        HandshakeMessage::decode(cr, TlsVersion::Tls13).unwrap()
    else {
        panic!()
    };
    assert!(cr.context.is_empty());
    let schemes = cr.extensions.iter().find_map(|e| match e {
        Extension::SignatureAlgorithms(s) => Some(s.clone()),
        _ => None,
    });
    let schemes = schemes.unwrap();
    assert!(!schemes.is_empty() && schemes.iter().all(|s| s.allowed_in_tls13()));
    assert!(cr
        .extensions
        .iter()
        .any(|e| matches!(e, Extension::CertificateAuthorities(n) if n.len() == 1)));
}

fn flip_last_byte(message: &[u8]) -> Vec<u8> {
    let mut m = message.to_vec();
    *m.last_mut().unwrap() ^= 0x01;
    m
}

#[test]
fn a_tampered_server_finished_is_decrypt_error() {
    let mut pair = default_pair();
    pair.tamper = Some(replace(
        Who::Server,
        HandshakeType::Finished,
        flip_last_byte,
    ));
    pair.fails(Who::Client, A::DecryptError);
}

#[test]
fn a_tampered_client_finished_is_decrypt_error() {
    let mut pair = default_pair();
    pair.tamper = Some(replace(
        Who::Client,
        HandshakeType::Finished,
        flip_last_byte,
    ));
    pair.fails(Who::Server, A::DecryptError);
}

#[test]
fn a_tampered_server_certificate_verify_is_decrypt_error() {
    for kind in [KeyKind::EcdsaP256, KeyKind::Ed25519, KeyKind::Rsa2048] {
        let mut pair = pair_with(kind, client_config(), server_config());
        pair.tamper = Some(replace(
            Who::Server,
            HandshakeType::CertificateVerify,
            flip_last_byte,
        ));
        let err = pair.fails(Who::Client, A::DecryptError);
        assert!(matches!(err, HandshakeError::Certificate(_)), "{err}");
    }
}

#[test]
fn a_tampered_client_certificate_verify_is_decrypt_error() {
    let pki = Pki::new();
    let mut pair = Pair::new(
        client_config(),
        client_auth_server(),
        pki.answers(KeyKind::EcdsaP256, Some(KeyKind::Ed25519)),
    );
    pair.tamper = Some(replace(
        Who::Client,
        HandshakeType::CertificateVerify,
        flip_last_byte,
    ));
    pair.fails(Who::Server, A::DecryptError);
}

#[test]
fn a_certificate_verify_with_a_scheme_not_offered_is_illegal_parameter() {
    let mut client = client_config();
    client.signature_schemes = vec![SignatureScheme::EcdsaSecp256r1Sha256].into();
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server_config());
    // Rewrite the scheme to Ed25519 (0x0807).
    pair.tamper = Some(replace(
        Who::Server,
        HandshakeType::CertificateVerify,
        |m| {
            let mut m = m.to_vec();
            m[4] = 0x08;
            m[5] = 0x07;
            m
        },
    ));
    pair.fails(Who::Client, A::IllegalParameter);

    // A PKCS#1 scheme, offered for certificates, is not allowed in CertificateVerify.
    let mut client = client_config();
    client.signature_schemes = vec![
        SignatureScheme::RsaPssRsaeSha256,
        SignatureScheme::RsaPkcs1Sha256,
    ]
    .into();
    let mut pair = pair_with(KeyKind::Rsa2048, client, server_config());
    pair.tamper = Some(replace(
        Who::Server,
        HandshakeType::CertificateVerify,
        |m| {
            let mut m = m.to_vec();
            m[4] = 0x04;
            m[5] = 0x01;
            m
        },
    ));
    pair.fails(Who::Client, A::IllegalParameter);
}

#[test]
fn an_empty_server_certificate_is_decode_error() {
    let mut pair = default_pair();
    pair.tamper = Some(replace(Who::Server, HandshakeType::Certificate, |_| {
        empty_certificate_bytes()
    }));
    pair.fails(Who::Client, A::DecodeError);
}

#[test]
fn a_server_certificate_with_a_context_is_illegal_parameter() {
    let mut pair = default_pair();
    pair.tamper = Some(replace(Who::Server, HandshakeType::Certificate, |m| {
        let HandshakeMessage::Certificate(mut c) = HandshakeMessage::decode(m, TlsVersion::Tls13)
            .unwrap()
            .into_owned()
        else {
            panic!()
        };
        c.context = Cow::Owned(vec![1]);
        bytes(HandshakeMessage::Certificate(c))
    }));
    pair.fails(Who::Client, A::IllegalParameter);
}

// ---------------------------------------------------------------------------------------
// Negotiation failures
// ---------------------------------------------------------------------------------------

#[test]
fn no_common_suite_is_handshake_failure() {
    let mut client = client_config();
    client.suites = vec![TLS13_AES_128_GCM_SHA256].into();
    let mut server = server_config();
    server.suites = vec![TLS13_AES_256_GCM_SHA384].into();
    pair_with(KeyKind::EcdsaP256, client, server).fails(Who::Server, A::HandshakeFailure);
}

#[test]
fn the_server_picks_the_suite_and_group_it_prefers() {
    let mut server = server_config();
    server.suites = vec![TLS13_CHACHA20_POLY1305_SHA256, TLS13_AES_128_GCM_SHA256].into();
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519, NamedGroup::Secp384r1].into();
    server.groups = vec![NamedGroup::Secp384r1, NamedGroup::X25519].into();
    let mut pair = pair_with(KeyKind::EcdsaP256, client, server);
    pair.complete();
    let n = pair.client.negotiated().unwrap();
    assert_eq!(n.suite, TLS13_CHACHA20_POLY1305_SHA256);
    // The server prefers P-384 but has an X25519 share in hand: no round trip.
    assert_eq!(n.group, NamedGroup::X25519);
}

#[test]
fn no_common_group_is_handshake_failure() {
    let mut client = client_config();
    client.groups = vec![NamedGroup::X25519].into();
    let mut server = server_config();
    server.groups = vec![NamedGroup::Secp384r1].into();
    pair_with(KeyKind::EcdsaP256, client, server).fails(Who::Server, A::HandshakeFailure);
}

#[test]
fn no_common_signature_scheme_is_handshake_failure() {
    let mut client = client_config();
    client.signature_schemes = vec![SignatureScheme::Ed25519].into();
    pair_with(KeyKind::EcdsaP256, client, server_config()).fails(Who::Server, A::HandshakeFailure);
}

fn edited_client_hello(edit: impl FnOnce(&mut ClientHello<'static>)) -> Vec<u8> {
    let mut ch = decode_client_hello(&client_hello_bytes());
    edit(&mut ch);
    bytes(HandshakeMessage::ClientHello(ch))
}

fn server_refuses(client_hello: &[u8]) -> HandshakeError {
    let mut server = Tls13Server::new(server_config(), random(2));
    feed(&mut server, client_hello).unwrap_err()
}

#[test]
fn a_client_hello_without_supported_versions_is_protocol_version() {
    let ch = edited_client_hello(|ch| {
        ch.extensions
            .0
            .retain(|e| !matches!(e, Extension::SupportedVersions(_)));
    });
    let err = server_refuses(&ch);
    assert_eq!(err.alert(), A::ProtocolVersion);
    assert!(err.to_string().contains("does not offer TLS 1.3"), "{err}");

    let ch = edited_client_hello(|ch| {
        for e in &mut ch.extensions.0 {
            if let Extension::SupportedVersions(v) = e {
                *v = vec![ProtocolVersion::Tls11, ProtocolVersion::Tls10].into();
            }
        }
    });
    assert_eq!(server_refuses(&ch).alert(), A::ProtocolVersion);
}

#[test]
fn a_client_hello_missing_a_required_extension_is_missing_extension() {
    for missing in ["supported_groups", "key_share", "signature_algorithms"] {
        let ch = edited_client_hello(|ch| {
            ch.extensions.0.retain(|e| e.ty().to_string() != missing);
        });
        let err = server_refuses(&ch);
        assert_eq!(err.alert(), A::MissingExtension, "{missing}: {err}");
    }
}

#[test]
fn a_client_hello_with_compression_is_illegal_parameter() {
    let ch = edited_client_hello(|ch| ch.legacy_compression_methods = Cow::Owned(vec![1, 0]));
    assert_eq!(server_refuses(&ch).alert(), A::IllegalParameter);
}

#[test]
fn key_shares_must_match_supported_groups_once_each() {
    let ch = edited_client_hello(|ch| {
        for e in &mut ch.extensions.0 {
            if let Extension::SupportedGroups(g) = e {
                *g = vec![NamedGroup::Secp256r1].into();
            }
        }
    });
    assert_eq!(server_refuses(&ch).alert(), A::IllegalParameter);
    let ch = edited_client_hello(|ch| {
        for e in &mut ch.extensions.0 {
            if let Extension::KeyShares(s) = e {
                let first = s[0].clone();
                s.push(first);
            }
        }
    });
    assert_eq!(server_refuses(&ch).alert(), A::IllegalParameter);
}

#[test]
fn a_bad_key_share_is_illegal_parameter() {
    let ch = edited_client_hello(|ch| {
        for e in &mut ch.extensions.0 {
            if let Extension::KeyShares(s) = e {
                s[0].key_exchange = Cow::Owned(vec![0; 32]);
            }
        }
    });
    assert_eq!(server_refuses(&ch).alert(), A::IllegalParameter);
}

// ---------------------------------------------------------------------------------------
// The client's ServerHello checks
// ---------------------------------------------------------------------------------------

fn tls13_server_hello_extensions() -> Vec<Extension<'static>> {
    vec![
        Extension::SelectedVersion(ProtocolVersion::Tls13),
        x25519_share(),
    ]
}

#[test]
fn a_tls12_server_hello_with_the_downgrade_sentinel_is_illegal_parameter() {
    for sentinel in [*b"DOWNGRD\x01", *b"DOWNGRD\x00"] {
        let mut random = [7; 32];
        random[24..].copy_from_slice(&sentinel);
        let (mut client, _) = lone_client(client_config());
        let sh = server_hello(
            &[0x77; 32],
            random,
            CipherSuite::TlsEcdheEcdsaWithAes128GcmSha256,
            vec![],
        );
        assert_eq!(alert_of(feed(&mut client, &sh)), A::IllegalParameter);
    }
    let (mut client, _) = lone_client(client_config());
    let sh = server_hello(
        &[0x77; 32],
        [7; 32],
        CipherSuite::TlsEcdheEcdsaWithAes128GcmSha256,
        vec![],
    );
    let err = feed(&mut client, &sh).unwrap_err();
    assert_eq!(err.alert(), A::ProtocolVersion);
}

#[test]
fn server_hellos_the_client_must_refuse() {
    let session = [0x77; 32];
    let cases: Vec<(&str, Vec<u8>, A)> = vec![
        (
            "a suite not offered",
            server_hello(
                &session,
                [1; 32],
                CipherSuite::Tls13Aes128CcmSha256,
                tls13_server_hello_extensions(),
            ),
            A::IllegalParameter,
        ),
        (
            "a session ID not echoed",
            server_hello(
                &[],
                [1; 32],
                CipherSuite::Tls13Aes128GcmSha256,
                tls13_server_hello_extensions(),
            ),
            A::IllegalParameter,
        ),
        (
            "a key share in another group",
            server_hello(
                &session,
                [1; 32],
                CipherSuite::Tls13Aes128GcmSha256,
                vec![
                    Extension::SelectedVersion(ProtocolVersion::Tls13),
                    Extension::KeyShare(KeyShareEntry {
                        group: NamedGroup::Secp256r1,
                        key_exchange: Cow::Owned(vec![4; 65]),
                    }),
                ],
            ),
            A::IllegalParameter,
        ),
        (
            "no key share",
            server_hello(
                &session,
                [1; 32],
                CipherSuite::Tls13Aes128GcmSha256,
                vec![Extension::SelectedVersion(ProtocolVersion::Tls13)],
            ),
            A::MissingExtension,
        ),
        (
            "a pre_shared_key not offered",
            server_hello(
                &session,
                [1; 32],
                CipherSuite::Tls13Aes128GcmSha256,
                vec![
                    Extension::SelectedVersion(ProtocolVersion::Tls13),
                    x25519_share(),
                    Extension::PreSharedKeySelected(0),
                ],
            ),
            A::UnsupportedExtension,
        ),
        (
            "a version not offered",
            server_hello(
                &session,
                [1; 32],
                CipherSuite::Tls13Aes128GcmSha256,
                vec![
                    Extension::SelectedVersion(ProtocolVersion::Tls12),
                    x25519_share(),
                ],
            ),
            A::IllegalParameter,
        ),
        (
            "an all-zero X25519 share",
            server_hello(
                &session,
                [1; 32],
                CipherSuite::Tls13Aes128GcmSha256,
                vec![
                    Extension::SelectedVersion(ProtocolVersion::Tls13),
                    Extension::KeyShare(KeyShareEntry {
                        group: NamedGroup::X25519,
                        key_exchange: Cow::Owned(vec![0; 32]),
                    }),
                ],
            ),
            A::IllegalParameter,
        ),
    ];
    for (why, sh, alert) in cases {
        let (mut client, _) = lone_client(client_config());
        let err = feed(&mut client, &sh).unwrap_err();
        assert_eq!(err.alert(), alert, "{why}: {err}");
    }
    // A compression method other than null.
    let (mut client, _) = lone_client(client_config());
    let mut sh = server_hello(
        &session,
        [1; 32],
        CipherSuite::Tls13Aes128GcmSha256,
        tls13_server_hello_extensions(),
    );
    sh[4 + 2 + 32 + 1 + 32 + 2] = 1;
    assert_eq!(alert_of(feed(&mut client, &sh)), A::IllegalParameter);
}

#[test]
fn secrets_are_not_printed() {
    let mut pair = default_pair();
    pair.complete();
    let shown = format!("{:?} {:?}", pair.client.machine, pair.server.machine);
    for (_, _, secret) in &pair.client.key_log {
        assert!(!shown.contains(&hex::encode(secret)), "{shown}");
        let as_list = format!("{secret:?}");
        assert!(!shown.contains(&as_list[1..as_list.len() - 1]), "{shown}");
    }
}
