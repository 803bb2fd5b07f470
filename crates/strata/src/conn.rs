//! The connection: moves bytes between the record layer and a handshake state machine,
//! answers the machine's requests, and buffers application data both ways. Sans-IO: the
//! caller brings the bytes ([`Connection::read_tls`], [`Connection::write_tls`]).

use std::collections::VecDeque;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use bytes::{Buf, BytesMut};
use strata_alert::{Alert, AlertDescription, AlertLevel, ChangeCipherSpec};
use strata_codec::Encode;
use strata_handshake::machine::{
    Action, Answer, Event, Input, KeyChange, Negotiated, Request, StateMachine, StoredTicket,
    Ticket,
};
use strata_handshake::messages::split_messages;
use strata_handshake::{
    Client, ExtensionType, HandshakeError, HandshakeJoiner, HandshakeMessage, HandshakeType,
    Server, TlsVersion,
};
use strata_pki::pki_types::CertificateDer;
use strata_record::{
    front_record, ContentType, Deframer, Fragmenter, Opener, ProtocolVersion, RecordError,
    RecordKind, RecordVersion, Sealer,
};

use strata_record::limits::HEADER_LEN;

use crate::config::{AnswerMode, Common, Limits};
use crate::keylog::KeyLog;
use crate::pool::{BufferPool, MIN_POOLED_SEND_BUFFER};
use crate::providers::TimeProvider;
use crate::session::ClientSessionStore;
use crate::trace::{Direction, HandshakeObserver};
use crate::Error;

mod answers;
mod in_place;
pub use answers::ConfiguredAnswers;
pub(crate) use answers::Responder;
pub use in_place::{OpenedRecord, RecordLayout};

/// The most session tickets a client keeps from one connection.
const MAX_TICKETS: usize = 8;

/// Room the outgoing buffer is given for a handshake flight: a TLS 1.3 server's
/// ServerHello to Finished with a short chain (a longer one grows it).
const FLIGHT_CAPACITY: usize = 2048;

/// Room for the actions of one call into the state machine, with the inline answers' that
/// follow: a TLS 1.3 server's flight, the largest batch (ServerHello, ChangeCipherSpec,
/// keys, key-log lines, EncryptedExtensions, CertificateRequest, Certificate, the request
/// to sign; then CertificateVerify, Finished, keys and key-log lines), fits.
const ACTIONS_CAPACITY: usize = 16;

/// What a record adds to its fragment: the header, and in TLS 1.3 the inner content type
/// and the AEAD tag.
const RECORD_OVERHEAD: usize = 5 + 1 + 16;

/// What a peer could otherwise repeat without end, counted against [`Limits`].
#[derive(Debug, Default)]
struct Counters {
    /// Empty application data records in a row.
    empty_records: usize,
    /// KeyUpdates since the last application data.
    key_updates: usize,
    /// ChangeCipherSpec records over the connection's life.
    change_cipher_specs: usize,
}

/// A TLS connection, client or server: what [`crate::ClientConnection`] and
/// [`crate::ServerConnection`] dereference to.
///
/// About 2 KB, most of it the two directions' AEAD keys, kept inline so that no record
/// allocates. The handles hold it in a box, so that moving one (out of its constructor,
/// into a task or a collection) copies a pointer, not the state.
#[derive(Debug)]
pub struct Connection {
    machine: Machine,
    /// What the machine asked for in its last call, carried out and cleared before the
    /// next: one buffer for the connection, not one per call.
    actions: Vec<Action>,
    responder: Responder,
    answers: AnswerMode,
    time: Arc<dyn TimeProvider>,
    key_log: Arc<dyn KeyLog>,
    observer: Option<Arc<dyn HandshakeObserver>>,
    limits: Limits,
    deframer: Deframer,
    joiner: HandshakeJoiner,
    opener: Option<Opener>,
    sealer: Option<Sealer>,
    fragmenter: Fragmenter,
    /// The legacy_record_version of unprotected records we send (RFC 8446 §5.1).
    plaintext_version: ProtocolVersion,
    /// The protocol version, known from the first key change.
    protocol: Option<TlsVersion>,
    /// Warning alerts received so far.
    warnings_received: usize,
    /// What the peer-misbehaviour limits count.
    counters: Counters,
    /// Whether the handshake's buffers were given back.
    buffers_released: bool,
    /// Where drained record buffers go, and come back from (shared by the config's
    /// connections).
    buffers: Arc<BufferPool>,
    /// The version whose message forms the observer's messages are parsed in.
    observed_version: TlsVersion,
    outgoing: BytesMut,
    /// Whether the outgoing buffer's handshake-flight room was given back.
    outgoing_released: bool,
    /// Once the handshake is done: how many bytes at the front of `outgoing` are its
    /// last flight, which the peer needs to finish its own handshake.
    handshake_unsent: usize,
    /// Received plaintext, as the records' own buffers (opened in place, not copied).
    received: VecDeque<BytesMut>,
    /// The bytes in `received`.
    received_len: usize,
    pending_send: Vec<u8>,
    request: Option<Request>,
    negotiated: Option<Negotiated>,
    tickets: VecDeque<Ticket>,
    /// Client: where new sessions go, under which server name.
    sessions: Option<(Arc<dyn ClientSessionStore>, String)>,
    close_notify_received: bool,
    close_notify_sent: bool,
    transport_eof: bool,
    failed: Option<Error>,
}

/// The state machine behind a connection (`Debug` says only whether it still handshakes).
/// Held inline, not boxed: the connection itself is already in its handle's box.
pub(crate) enum Machine {
    Client(Client),
    Server(Server),
}

impl std::fmt::Debug for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.is_handshaking() {
            "handshaking"
        } else {
            "connected"
        };
        write!(f, "StateMachine({state})")
    }
}

impl std::ops::Deref for Machine {
    type Target = dyn StateMachine;
    fn deref(&self) -> &Self::Target {
        match self {
            Self::Client(client) => client,
            Self::Server(server) => server,
        }
    }
}

impl std::ops::DerefMut for Machine {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Self::Client(client) => client,
            Self::Server(server) => server,
        }
    }
}

impl Connection {
    /// The buffer a connection keeps for its machine's actions, empty, with room for the
    /// largest batch. A client's machine puts its first actions there before the
    /// connection exists ([`Connection::new`] takes the buffer over).
    pub(crate) fn action_buffer() -> Vec<Action> {
        Vec::with_capacity(ACTIONS_CAPACITY)
    }

    /// A connection driving `machine`; `actions` is the buffer from
    /// [`Connection::action_buffer`], holding the machine's first actions if any (carried
    /// out by [`Connection::start`]).
    pub(crate) fn new(
        machine: Machine,
        actions: Vec<Action>,
        responder: Responder,
        common: &Common,
        plaintext_version: ProtocolVersion,
    ) -> Self {
        let mut deframer = Deframer::unallocated();
        if let Some(buf) = common.buffers.take_receive() {
            deframer.give_buffer(buf);
        }
        Self {
            machine,
            actions,
            responder,
            answers: common.answers,
            time: common.time.clone(),
            key_log: common.key_log.clone(),
            observer: common.observer.clone(),
            limits: common.limits,
            deframer,
            joiner: HandshakeJoiner::new(common.limits.max_handshake_message_len),
            opener: None,
            sealer: None,
            fragmenter: Fragmenter::default(),
            plaintext_version,
            protocol: None,
            warnings_received: 0,
            counters: Counters::default(),
            buffers_released: false,
            buffers: common.buffers.clone(),
            observed_version: TlsVersion::Tls13,
            outgoing: BytesMut::new(),
            outgoing_released: false,
            handshake_unsent: 0,
            received: VecDeque::new(),
            received_len: 0,
            pending_send: Vec::new(),
            request: None,
            negotiated: None,
            tickets: VecDeque::new(),
            sessions: None,
            close_notify_received: false,
            close_notify_sent: false,
            transport_eof: false,
            failed: None,
        }
    }

    /// Client: keep the sessions this connection establishes in `store` under `name`.
    pub(crate) fn set_session_store(&mut self, store: Arc<dyn ClientSessionStore>, name: String) {
        self.sessions = Some((store, name));
    }

    /// Carries out the machine's first actions (the client's ClientHello).
    pub(crate) fn start(&mut self) -> Result<(), Error> {
        self.apply()
    }

    // ---- bytes in and out ----

    /// Reads TLS bytes from `rd` into the connection's buffer. `Ok(0)` means the transport
    /// reached its end; a later read of plaintext then reports whether the peer closed
    /// properly (close_notify) or the stream was truncated.
    pub fn read_tls(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        if self.deframer.space() == 0 {
            return Err(io::Error::other(
                "TLS receive buffer full: call process_new_packets",
            ));
        }
        self.take_receive_buffer();
        let n = self.deframer.read_from(&mut ReadAdapter(rd))?;
        if n == 0 {
            self.transport_eof = true;
        }
        Ok(n)
    }

    /// Takes TLS bytes from the front of `data`, as many as the receive buffer has room
    /// for, and returns how many it took (0 when the buffer is full: call
    /// [`Connection::process_new_packets`] first). For bytes already in memory this is
    /// [`Connection::read_tls`] without an `io::Read`, and without preparing the buffer's
    /// free space for one (the reader's bytes go straight in). An empty `data` is not the
    /// end of the transport: only `read_tls` reading 0 says that.
    pub fn read_tls_slice(&mut self, data: &[u8]) -> usize {
        self.take_receive_buffer();
        self.deframer.push(data)
    }

    /// A deframer that gave its buffer back takes a spare one from the config's pool, if
    /// there is one, before bytes arrive: the read then allocates nothing.
    fn take_receive_buffer(&mut self) {
        if self.deframer.wants_buffer() {
            if let Some(buf) = self.buffers.take_receive() {
                self.deframer.give_buffer(buf);
            }
        }
    }

    /// Writes pending TLS bytes to `wr`; returns how many were written.
    pub fn write_tls(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        if self.outgoing.is_empty() {
            return Ok(0);
        }
        let n = wr.write(&self.outgoing)?;
        self.outgoing.advance(n);
        self.handshake_unsent = self.handshake_unsent.saturating_sub(n);
        self.release_send_buffer();
        self.release_outgoing();
        Ok(n)
    }

    /// Gives the send buffer to the pool once every byte in it is written, if it is big
    /// enough to be worth it: an idle connection holds none, and the next record sealed
    /// takes one back (most often this one) without allocating.
    fn release_send_buffer(&mut self) {
        if self.outgoing.is_empty() && self.outgoing.try_reclaim(MIN_POOLED_SEND_BUFFER) {
            self.buffers.give_send(std::mem::take(&mut self.outgoing));
        }
    }

    /// Gives the deframer's buffer to the pool once it holds no bytes and every record
    /// read from it has been read by the application (no received plaintext shares it).
    fn release_receive_buffer(&mut self) {
        if self.received.is_empty() {
            if let Some(buf) = self.deframer.take_buffer() {
                self.buffers.give_receive(buf);
            }
        }
    }

    /// Processes every whole record read so far: runs the handshake, opens application
    /// data, handles alerts. An error is final: the alert it names has been queued for
    /// the peer (flush it with [`Connection::write_tls`]).
    pub fn process_new_packets(&mut self) -> Result<(), Error> {
        if let Some(err) = &self.failed {
            return Err(Error::AlreadyFailed(Box::new(err.clone())));
        }
        match self.pump() {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(err)),
        }
    }

    fn pump(&mut self) -> Result<(), Error> {
        loop {
            if self.is_paused() {
                return Ok(());
            }
            if self.handle_next_message()? {
                continue;
            }
            if self.received_len >= self.limits.max_received_plaintext {
                return Ok(());
            }
            // The record at the front is opened where it lies in the deframer's buffer
            // (taken out for the call): a handshake record leaves nothing behind, and
            // application data is split off for the reader, without a copy.
            let mut bytes = self.deframer.take_bytes();
            let processed = self.process_front_record(&mut bytes);
            match processed {
                Ok(Some((consumed, application_data))) if !application_data.is_empty() => {
                    let mut kept = bytes.split_to(consumed);
                    kept.truncate(application_data.end);
                    kept.advance(application_data.start);
                    self.received_len += kept.len();
                    self.received.push_back(kept);
                    self.deframer.restore(bytes);
                }
                Ok(Some((consumed, _))) => {
                    bytes.advance(consumed);
                    self.deframer.restore(bytes);
                }
                Ok(None) => {
                    self.deframer.restore(bytes);
                    self.release_handshake_buffers();
                    self.release_receive_buffer();
                    return Ok(());
                }
                Err(err) => {
                    self.deframer.restore(bytes);
                    return Err(err);
                }
            }
        }
    }

    /// Processes the whole record at the front of `tls`, opening it in place: returns how
    /// many bytes it took and where in them its application data now lies (an empty
    /// range for any other record), or `None` when `tls` does not hold a whole record
    /// yet or the connection takes no more (it waits for an answer, or the peer closed).
    /// Both ways of receiving come here: the deframer's buffer, or the caller's
    /// ([`Connection::open_in_place`]).
    fn process_front_record(
        &mut self,
        tls: &mut [u8],
    ) -> Result<Option<(usize, Range<usize>)>, Error> {
        if self.is_paused() {
            return Ok(None);
        }
        let Some((header, len)) = front_record(tls, self.deframer.kind()).map_err(record)? else {
            return Ok(None);
        };
        let outer = header.content_type;
        let whole = tls.get_mut(..len).unwrap_or_default();
        let fragment = HEADER_LEN..len;
        if outer == ContentType::ChangeCipherSpec {
            self.handle_change_cipher_spec(whole.get(fragment).unwrap_or_default())?;
            return Ok(Some((len, 0..0)));
        }
        let opens = self.opens(outer)?;
        let (content_type, content) = match &mut self.opener {
            Some(opener) if opens => opener.open_in_place(whole).map_err(record)?,
            _ => (outer, fragment),
        };
        let delivered =
            self.take_content(content_type, whole.get(content.clone()).unwrap_or_default())?;
        Ok(Some((len, if delivered { content } else { 0..0 })))
    }

    /// Whether processing stops here: the handshake waits for the application's answer,
    /// or the peer closed (RFC 8446 §6.1: what follows close_notify is ignored).
    fn is_paused(&self) -> bool {
        self.request.is_some() || self.close_notify_received
    }

    /// Gives the machine the next whole handshake message the joiner holds, if any;
    /// returns whether there was one.
    fn handle_next_message(&mut self) -> Result<bool, Error> {
        // Borrowed from the joiner's buffer, and taken out once handled (before the
        // actions: a key change checks that the joiner holds no partial message).
        let Some(message) = self.joiner.front() else {
            return Ok(false);
        };
        observe(
            self.observer.as_deref(),
            &mut self.observed_version,
            Direction::Received,
            message.encoded,
        );
        if message.ty == HandshakeType::KeyUpdate {
            // RFC 8446 §4.6.3 allows many, but a peer that only rekeys and never sends
            // data is making us work for nothing.
            self.counters.key_updates += 1;
            if self.counters.key_updates > self.limits.max_key_updates_without_data {
                return Err(misbehaved("too many KeyUpdates without application data"));
            }
        }
        self.machine
            .handle(Input::Message(message), &mut self.actions)
            .map_err(handshake)?;
        self.joiner.consume_front();
        self.apply()?;
        Ok(true)
    }

    /// Once, when the handshake is over and nothing is buffered: give back the maximal
    /// record buffer, the handshake joiner's buffer and the room for a flight's actions,
    /// which an idle connection does not need. (Done once only, so that traffic never
    /// allocates per record; a later ticket or KeyUpdate sizes the action buffer again.)
    fn release_handshake_buffers(&mut self) {
        if self.buffers_released || self.negotiated.is_none() || !self.deframer.is_empty() {
            return;
        }
        self.release_receive_buffer();
        self.deframer.release_if_empty();
        self.joiner.release_if_empty();
        self.actions = Vec::new();
        self.buffers_released = true;
        self.release_outgoing();
    }

    /// Once the handshake is over and its last flight is out, gives back the outgoing
    /// buffer's flight-sized room: an idle connection holds none (traffic sizes the buffer
    /// again, once).
    fn release_outgoing(&mut self) {
        if self.outgoing.is_empty() && self.negotiated.is_some() && !self.outgoing_released {
            self.outgoing = BytesMut::new();
            self.outgoing_released = true;
        }
    }

    /// A change_cipher_spec record's fragment: never protected in TLS 1.3 (RFC 8446 §5),
    /// never inside a handshake message, and in TLS 1.2 the signal for the read keys.
    fn handle_change_cipher_spec(&mut self, fragment: &[u8]) -> Result<(), Error> {
        if self.joiner.has_partial_message() {
            return Err(misbehaved("change_cipher_spec inside a handshake message"));
        }
        ChangeCipherSpec::parse_record(fragment).map_err(|e| Error::PeerMisbehaved {
            reason: "malformed change_cipher_spec",
            alert: e.alert_tls13(),
        })?;
        if let Some(o) = &self.observer {
            o.change_cipher_spec(Direction::Received);
        }
        self.counters.change_cipher_specs += 1;
        if self.counters.change_cipher_specs > self.limits.max_change_cipher_specs {
            return Err(misbehaved("too many change_cipher_spec records"));
        }
        self.machine
            .handle(Input::ChangeCipherSpec, &mut self.actions)
            .map_err(handshake)?;
        self.apply()
    }

    /// Whether a record whose header says `outer` (not change_cipher_spec) is to be
    /// opened with the read keys; an error for a record no peer may send now.
    fn opens(&self, outer: ContentType) -> Result<bool, Error> {
        match &self.opener {
            // TLS 1.3: a peer that fails before it has keys sends its alert unprotected;
            // take it during the handshake (as OpenSSL does) so the error names the real
            // cause. (In TLS 1.2 the outer type is the real one, so there is no telling.)
            Some(opener)
                if opener.version() == RecordVersion::Tls13
                    && outer == ContentType::Alert
                    && self.negotiated.is_none() =>
            {
                Ok(false)
            }
            // RFC 8446 §5.2: every protected TLS 1.3 record says application_data outside;
            // TLS 1.2 protects each type under its own (RFC 5246 §6.2.3).
            Some(opener)
                if opener.version() == RecordVersion::Tls13
                    && outer != ContentType::ApplicationData =>
            {
                Err(misbehaved("unprotected record after keys changed"))
            }
            Some(_) => Ok(true),
            None if outer == ContentType::ApplicationData => {
                Err(misbehaved("application data before keys are established"))
            }
            None => Ok(false),
        }
    }

    /// Takes the content of a record, unprotected: handshake bytes to the joiner, an alert
    /// handled. Returns whether it is application data for the application (not empty):
    /// the caller delivers it.
    fn take_content(&mut self, content_type: ContentType, fragment: &[u8]) -> Result<bool, Error> {
        if content_type != ContentType::Handshake && self.joiner.has_partial_message() {
            // RFC 8446 §5.1: no other record type between the fragments of a message.
            return Err(misbehaved(
                "record interleaved with a fragmented handshake message",
            ));
        }
        match content_type {
            ContentType::Handshake => self.joiner.push(fragment).map_err(handshake)?,
            ContentType::Alert => self.handle_alert(fragment)?,
            ContentType::ApplicationData => {
                if self.negotiated.is_none() {
                    return Err(misbehaved(
                        "application data before the handshake completed",
                    ));
                }
                if fragment.is_empty() {
                    // RFC 8446 §5.4 allows empty application data records; a stream of
                    // them costs us a decryption each and brings nothing.
                    self.counters.empty_records += 1;
                    if self.counters.empty_records > self.limits.max_empty_records {
                        return Err(misbehaved("too many empty records in a row"));
                    }
                    return Ok(false);
                }
                self.counters.empty_records = 0;
                self.counters.key_updates = 0;
                return Ok(true);
            }
            _ => return Err(misbehaved("record of a type not allowed here")),
        }
        Ok(false)
    }

    fn handle_alert(&mut self, body: &[u8]) -> Result<(), Error> {
        let alert = Alert::parse_record(body).map_err(|e| Error::PeerMisbehaved {
            reason: "malformed alert",
            alert: e.alert_tls13(),
        })?;
        let tls12 = self.protocol == Some(TlsVersion::Tls12);
        match alert.description {
            AlertDescription::CloseNotify => {
                self.close_notify_received = true;
                Ok(())
            }
            // RFC 8446 §6.1: user_canceled is followed by close_notify; other alerts are
            // fatal whatever their level. RFC 5246 §7.2: in TLS 1.2 a warning (say,
            // no_renegotiation) leaves the connection up. Either way a peer may not send
            // them without end.
            description
                if alert.level == AlertLevel::Warning
                    && (tls12 || description == AlertDescription::UserCanceled) =>
            {
                self.warnings_received += 1;
                if self.warnings_received > self.limits.max_warning_alerts {
                    return Err(Error::PeerMisbehaved {
                        reason: "too many warning alerts",
                        alert: AlertDescription::UnexpectedMessage,
                    });
                }
                Ok(())
            }
            description => Err(Error::AlertReceived(description)),
        }
    }

    /// Carries out, in order, the actions the machine put in `self.actions`, and those it
    /// gives for answers made inline; the buffer is left empty (its room kept) for the
    /// next call.
    fn apply(&mut self) -> Result<(), Error> {
        let mut actions = std::mem::take(&mut self.actions);
        let result = self.carry_out(&mut actions);
        actions.clear();
        self.actions = actions;
        result
    }

    fn carry_out(&mut self, actions: &mut Vec<Action>) -> Result<(), Error> {
        loop {
            // A machine pauses at a request, so a request is the last action of its batch,
            // and the actions of its answer come after all the others.
            let mut inline_request = None;
            for action in actions.drain(..) {
                self.carry_out_one(action, &mut inline_request)?;
            }
            let Some(request) = inline_request else {
                return Ok(());
            };
            let answer = self.responder.answer(&request, self.time.as_ref());
            self.machine
                .handle(Input::Answer(answer), actions)
                .map_err(handshake)?;
        }
    }

    /// Carries out one action; a request to be answered inline is put in `inline_request`
    /// for [`Connection::carry_out`] to answer.
    fn carry_out_one(
        &mut self,
        action: Action,
        inline_request: &mut Option<Request>,
    ) -> Result<(), Error> {
        match action {
            Action::Send(message) => {
                for one in split_messages(&message) {
                    observe(
                        self.observer.as_deref(),
                        &mut self.observed_version,
                        Direction::Sent,
                        one,
                    );
                }
                self.send_records(ContentType::Handshake, &message)?;
            }
            Action::SendChangeCipherSpec => {
                if let Some(o) = &self.observer {
                    o.change_cipher_spec(Direction::Sent);
                }
                let version = ProtocolVersion::Tls12;
                self.fragmenter
                    .write_plaintext(
                        ContentType::ChangeCipherSpec,
                        version,
                        &[1],
                        &mut self.outgoing,
                    )
                    .map_err(record)?;
            }
            Action::SetWriteKeys(change) => {
                self.protocol = Some(change.version);
                self.sealer = Some(sealer(&change).map_err(record)?)
            }
            Action::SetReadKeys(change) => {
                self.protocol = Some(change.version);
                self.joiner.check_key_change().map_err(handshake)?;
                self.opener = Some(opener(&change).map_err(record)?);
                self.deframer
                    .set_kind(RecordKind::Protected(record_version(change.version)));
            }
            Action::Request(request) => match self.answers {
                AnswerMode::Inline => *inline_request = Some(request),
                AnswerMode::Application => self.request = Some(request),
            },
            Action::Event(Event::HandshakeComplete(negotiated)) => {
                // What is queued now is the handshake's last flight; what follows (a
                // TLS 1.3 server's tickets, early application data) is not.
                self.handshake_unsent = self.outgoing.len();
                self.negotiated = Some(negotiated);
                let pending = std::mem::take(&mut self.pending_send);
                self.send_records(ContentType::ApplicationData, &pending)?;
            }
            Action::Event(Event::TicketReceived(ticket)) => {
                if let Some((store, name)) = &self.sessions {
                    let received = self.time.now().as_secs();
                    store.put_ticket(
                        name,
                        StoredTicket {
                            ticket: ticket.clone(),
                            received,
                        },
                    );
                }
                if self.tickets.len() == MAX_TICKETS {
                    self.tickets.pop_front();
                }
                self.tickets.push_back(ticket);
            }
            Action::Event(Event::PeerKeyUpdated) => {}
            Action::Event(Event::Tls12SessionEstablished(session)) => {
                if let Some((store, name)) = &self.sessions {
                    store.put_tls12(name, session);
                }
            }
            Action::SendWarning(description) => {
                let body = Alert::warning(description).to_bytes();
                self.send_records(ContentType::Alert, &body)?;
            }
            Action::KeyLog(entry) => {
                self.key_log
                    .log(entry.label, &entry.client_random, entry.secret.as_bytes());
            }
        }
        Ok(())
    }

    fn send_records(&mut self, content_type: ContentType, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        // A spare buffer from the config's pool if there is one; else the first thing
        // sent makes room for a whole handshake flight at once, instead of growing the
        // buffer message by message.
        if self.outgoing.capacity() == 0 {
            if let Some(buf) = self.buffers.take_send() {
                self.outgoing = buf;
            } else if self.negotiated.is_none() {
                self.outgoing
                    .reserve(FLIGHT_CAPACITY.max(data.len() + RECORD_OVERHEAD));
            }
        }
        match &mut self.sealer {
            Some(sealer) => {
                self.fragmenter
                    .seal(sealer, content_type, data, &mut self.outgoing)
                    .map_err(record)?;
            }
            None => {
                self.fragmenter
                    .write_plaintext(
                        content_type,
                        self.plaintext_version,
                        data,
                        &mut self.outgoing,
                    )
                    .map_err(record)?;
                // RFC 8446 §5.1: only an initial ClientHello may use 0x0301.
                self.plaintext_version = ProtocolVersion::Tls12;
            }
        }
        Ok(())
    }

    /// Ends the connection with `err`: queues the fatal alert it names (unless the peer's
    /// alert ended it) and remembers it.
    fn fail(&mut self, err: Error) -> Error {
        if let Some(alert) = err.alert_sent() {
            let body = Alert::fatal(alert).to_bytes();
            let _ = self.send_records(ContentType::Alert, &body);
        }
        self.failed = Some(err.clone());
        err
    }

    // ---- plaintext ----

    /// Reads received application data. `Ok(0)` only after the peer's close_notify;
    /// `UnexpectedEof` if the transport ended without one (truncation); `WouldBlock` if
    /// nothing is buffered yet.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.received_len > 0 {
            let mut n = 0;
            while let Some(front) = self.received.front_mut() {
                let take = (buf.len() - n).min(front.len());
                if let (Some(dst), Some(src)) = (buf.get_mut(n..n + take), front.get(..take)) {
                    dst.copy_from_slice(src);
                }
                front.advance(take);
                n += take;
                if front.is_empty() {
                    self.received.pop_front();
                }
                if n == buf.len() {
                    break;
                }
            }
            self.received_len -= n;
            if self.received_len == 0 {
                self.release_receive_buffer();
            }
            return Ok(n);
        }
        if self.close_notify_received {
            return Ok(0);
        }
        if let Some(err) = &self.failed {
            return Err(io::Error::other(err.clone()));
        }
        if self.transport_eof {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed the connection without close_notify (truncation)",
            ));
        }
        Err(io::ErrorKind::WouldBlock.into())
    }

    /// Queues application data: sealed at once after the handshake, buffered (up to the
    /// limit) before it. Returns how much was taken.
    pub fn write_plaintext(&mut self, data: &[u8]) -> io::Result<usize> {
        self.check_writable()?;
        if self.negotiated.is_none() {
            let room = self
                .limits
                .max_pending_plaintext
                .saturating_sub(self.pending_send.len());
            let n = room.min(data.len());
            if n == 0 && !data.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.pending_send.extend(data.iter().take(n));
            return Ok(n);
        }
        // After it, the sealed records wait in the send buffer until write_tls drains
        // them: the same bound, so that an application writing to a peer that never
        // reads gets WouldBlock instead of growing the buffer without end.
        let room = self
            .limits
            .max_pending_plaintext
            .saturating_sub(self.outgoing.len());
        let n = room.min(data.len());
        if n == 0 && !data.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.send_records(
            ContentType::ApplicationData,
            data.get(..n).unwrap_or_default(),
        )
        .map_err(io::Error::other)?;
        Ok(n)
    }

    /// Whether application data may still be written: not after an error, nor after our
    /// close_notify (RFC 8446 §6.1).
    fn check_writable(&self) -> io::Result<()> {
        if let Some(err) = &self.failed {
            return Err(io::Error::other(err.clone()));
        }
        if self.close_notify_sent {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "close_notify already sent",
            ));
        }
        Ok(())
    }

    /// Seals `data` as application data straight into `out`, after whatever TLS bytes the
    /// connection already had to send (moved to `out` first, so the order on the wire is
    /// kept): [`Connection::write_plaintext`] and [`Connection::write_tls`] in one call,
    /// with the records built where they will leave from instead of in the connection's
    /// buffer and copied out. Before the handshake completes `data` is buffered as
    /// `write_plaintext` does, and only the pending bytes move. Returns how much of
    /// `data` was taken.
    pub fn write_plaintext_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
        if self.negotiated.is_none() || self.failed.is_some() || self.close_notify_sent {
            let taken = self.write_plaintext(data)?;
            self.move_outgoing_into(out);
            return Ok(taken);
        }
        self.move_outgoing_into(out);
        let Some(sealer) = &mut self.sealer else {
            return Err(io::Error::other(Error::Misuse(
                "no write keys after the handshake",
            )));
        };
        self.fragmenter
            .seal(sealer, ContentType::ApplicationData, data, out)
            .map_err(|e| io::Error::other(self.fail(record(e))))?;
        Ok(data.len())
    }

    /// Appends every pending TLS byte to `out`.
    fn move_outgoing_into(&mut self, out: &mut Vec<u8>) {
        if !self.outgoing.is_empty() {
            out.extend_from_slice(&self.outgoing);
            self.outgoing.clear();
            self.handshake_unsent = 0;
            self.release_send_buffer();
            self.release_outgoing();
        }
    }

    /// The received application data as an `io::Read` (see [`Connection::read_plaintext`]).
    pub fn reader(&mut self) -> Reader<'_> {
        Reader(self)
    }

    /// The application data to send as an `io::Write` (see [`Connection::write_plaintext`]).
    pub fn writer(&mut self) -> Writer<'_> {
        Writer(self)
    }

    /// Queues a close_notify alert (RFC 8446 §6.1); nothing may be written after it.
    pub fn send_close_notify(&mut self) {
        if self.close_notify_sent || self.failed.is_some() {
            return;
        }
        self.close_notify_sent = true;
        let body = Alert::close_notify().to_bytes();
        let _ = self.send_records(ContentType::Alert, &body);
    }

    // ---- requests ----

    /// In [`AnswerMode::Application`], the request the handshake is waiting on.
    pub fn take_request(&mut self) -> Option<Request> {
        self.request.take()
    }

    /// Gives the handshake the answer to the request taken with
    /// [`Connection::take_request`], then processes whatever was waiting behind it.
    pub fn answer(&mut self, answer: Answer) -> Result<(), Error> {
        if let Some(err) = &self.failed {
            return Err(Error::AlreadyFailed(Box::new(err.clone())));
        }
        self.request = None;
        let result = self
            .machine
            .handle(Input::Answer(answer), &mut self.actions)
            .map_err(handshake)
            .and_then(|()| self.apply())
            .and_then(|()| self.pump());
        result.map_err(|err| self.fail(err))
    }

    /// Whether the handshake waits for an answer from the application.
    pub fn is_waiting_for_answer(&self) -> bool {
        self.machine.wants_answer()
    }

    // ---- state ----

    /// Whether the handshake is still under way.
    pub fn is_handshaking(&self) -> bool {
        self.negotiated.is_none() && self.failed.is_none()
    }

    /// Whether there are TLS bytes to write.
    pub fn wants_write(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Whether bytes of the handshake itself wait to be written: while it runs, every
    /// byte; once it is done, its last flight (a TLS 1.3 client's Finished, a TLS 1.2
    /// server's), which the peer needs to finish its own handshake, until it is written.
    /// What follows the handshake (a TLS 1.3 server's session tickets, application data
    /// written early) does not count, so a non-blocking driver can report the handshake
    /// done once this is false and send the rest with later writes, even to a peer that
    /// reads nothing until then.
    pub fn wants_write_handshake(&self) -> bool {
        if self.negotiated.is_none() {
            self.wants_write()
        } else {
            self.handshake_unsent > 0
        }
    }

    /// Whether the connection should read more TLS bytes.
    pub fn wants_read(&self) -> bool {
        self.failed.is_none()
            && !self.close_notify_received
            && !self.transport_eof
            && self.request.is_none()
            && self.received_len < self.limits.max_received_plaintext
    }

    /// What the handshake agreed on, once it completed.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// Whether the handshake resumed an earlier session (no certificates were exchanged).
    pub fn is_resumed(&self) -> bool {
        self.negotiated.as_ref().is_some_and(|n| n.resumed)
    }

    /// The protocol version, once negotiated.
    pub fn protocol_version(&self) -> Option<TlsVersion> {
        self.negotiated.as_ref().map(|n| n.version)
    }

    /// The ALPN protocol, if one was agreed.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.negotiated.as_ref()?.alpn.as_deref()
    }

    /// The peer's certificates, end entity first.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.negotiated
            .as_ref()
            .map(|n| n.peer_certificates.as_slice())
    }

    /// Session tickets received (newest last), for resumption.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.iter()
    }

    /// Whether the peer sent close_notify.
    pub fn received_close_notify(&self) -> bool {
        self.close_notify_received
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.failed.as_ref()
    }

    /// Updates our sending keys (and asks the peer to update theirs if `request_peer`),
    /// RFC 8446 §4.6.3.
    pub fn update_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        if self.negotiated.is_none() {
            return Err(Error::Misuse("key update before the handshake completed"));
        }
        self.machine
            .update_keys(request_peer, &mut self.actions)
            .map_err(handshake)?;
        self.apply().map_err(|e| self.fail(e))
    }

    /// Keying material exported from the connection (RFC 8446 §7.5, RFC 5705).
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), Error> {
        self.machine
            .export_keying_material(label, context, out)
            .map_err(handshake)
    }
}

/// Reads received application data from a [`Connection`].
#[derive(Debug)]
pub struct Reader<'a>(&'a mut Connection);

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_plaintext(buf)
    }
}

/// Writes application data into a [`Connection`].
#[derive(Debug)]
pub struct Writer<'a>(&'a mut Connection);

impl io::Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_plaintext(buf)
    }

    /// Records are sealed as they are written; flushing the transport is
    /// [`Connection::write_tls`]'s job.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct ReadAdapter<'a>(&'a mut dyn io::Read);

impl io::Read for ReadAdapter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

fn handshake(source: HandshakeError) -> Error {
    Error::Handshake {
        alert: source.alert(),
        source,
    }
}

fn record(source: RecordError) -> Error {
    Error::Record {
        alert: source.alert(),
        source,
    }
}

fn misbehaved(reason: &'static str) -> Error {
    Error::PeerMisbehaved {
        reason,
        alert: AlertDescription::UnexpectedMessage,
    }
}

fn record_version(version: TlsVersion) -> RecordVersion {
    match version {
        TlsVersion::Tls12 => RecordVersion::Tls12,
        TlsVersion::Tls13 => RecordVersion::Tls13,
    }
}

fn sealer(change: &KeyChange) -> Result<Sealer, RecordError> {
    let k = &change.keys;
    match change.version {
        TlsVersion::Tls13 => Sealer::for_tls13(k.aead(), k.key(), k.iv()),
        TlsVersion::Tls12 => Sealer::for_tls12(k.aead(), k.key(), k.iv()),
    }
}

fn opener(change: &KeyChange) -> Result<Opener, RecordError> {
    let k = &change.keys;
    match change.version {
        TlsVersion::Tls13 => Opener::for_tls13(k.aead(), k.key(), k.iv()),
        TlsVersion::Tls12 => Opener::for_tls12(k.aead(), k.key(), k.iv()),
    }
}

/// Shows a message to the observer. The version that decides the message forms is learnt
/// from the ServerHello as it crosses (supported_versions means TLS 1.3).
fn observe(
    observer: Option<&dyn HandshakeObserver>,
    version: &mut TlsVersion,
    direction: Direction,
    encoded: &[u8],
) {
    let Some(observer) = observer else {
        return;
    };
    let Ok(message) = HandshakeMessage::decode(encoded, *version) else {
        return;
    };
    if let HandshakeMessage::ServerHello(sh) = &message {
        *version = if sh.extensions.contains(ExtensionType::SupportedVersions) {
            TlsVersion::Tls13
        } else {
            TlsVersion::Tls12
        };
    }
    observer.message(direction, &message);
}
