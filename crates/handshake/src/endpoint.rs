//! The entry points that negotiate the version: [`Client`] offers every configured version
//! in one ClientHello and continues as TLS 1.3 or TLS 1.2 by the ServerHello; [`Server`]
//! reads the ClientHello and hands it to the TLS 1.3 or TLS 1.2 machine (RFC 8446 §4.2.1,
//! RFC 5246 Appendix E.1).

use ring::rand::SystemRandom;
use strata_alert::AlertDescription as Alert;
use strata_pki::TlsVersion;
use strata_record::ProtocolVersion;

use crate::common::{encode, refuse, unexpected};
use crate::kx::EphemeralKeyPair;
use crate::machine::{Action, ClientHandshakeConfig, Input, ServerHandshakeConfig, StateMachine};
use crate::messages::{ClientHello, HandshakeMessage, ServerHello, ServerHelloKind};
use crate::negotiate::{speaks, Offer};
use crate::{
    Extension, HandshakeError, HandshakeType, Secret, Tls12Client, Tls12Server, Tls13Client,
    Tls13Server,
};

/// The versions strata implements, best first.
const IMPLEMENTED: &[TlsVersion] = &[TlsVersion::Tls13, TlsVersion::Tls12];

#[derive(Debug)]
enum ClientInner {
    /// Both versions offered and no ServerHello yet: both machines wait for it.
    Undecided {
        tls13: Box<Tls13Client>,
        tls12: Box<Tls12Client>,
    },
    Tls13(Box<Tls13Client>),
    Tls12(Box<Tls12Client>),
    /// Left behind by an error.
    Poisoned,
}

/// A client handshake that offers every configured version (TLS 1.3 and TLS 1.2) and
/// speaks the one the server chooses.
///
/// Its ClientHello has legacy_version 0x0303 and, when TLS 1.3 is offered,
/// supported_versions; for TLS 1.2 it adds extended_master_secret, an empty
/// renegotiation_info and ec_point_formats. A ServerHello with supported_versions
/// continues in TLS 1.3 ([`Tls13Client`]); one without, in TLS 1.2 ([`Tls12Client`]),
/// which checks the RFC 8446 §4.1.3 downgrade sentinel when TLS 1.3 was offered. A server
/// choosing TLS 1.1 or older gets protocol_version.
#[derive(Debug)]
pub struct Client {
    inner: ClientInner,
}

impl Client {
    /// A client for `config`; its first action, Send(ClientHello), is appended to `out`.
    /// `session_id` is the legacy_session_id of TLS 1.3 middlebox compatibility (RFC 8446
    /// §D.4), sent when TLS 1.3 is offered and `config.middlebox_compatibility` is on.
    pub fn new(
        config: ClientHandshakeConfig,
        random: [u8; 32],
        session_id: [u8; 32],
        out: &mut Vec<Action>,
    ) -> Result<Self, HandshakeError> {
        let offer = Offer::new(config, IMPLEMENTED, random, session_id)?;
        let (inner, encoded) = if offer.offers(TlsVersion::Tls13) {
            let key_share = EphemeralKeyPair::generate(offer.first_group()?, &SystemRandom::new())?;
            let (encoded, psk_offered) = crate::tls13::first_client_hello(&offer, &key_share)?;
            // The TLS 1.2 machine needs an offer of its own only when it is offered too.
            let inner = if offer.offers(TlsVersion::Tls12) {
                let tls12 = Box::new(Tls12Client::with_hello(offer.clone(), &encoded));
                ClientInner::Undecided {
                    tls13: Box::new(Tls13Client::with_hello(
                        offer,
                        key_share,
                        psk_offered,
                        &encoded,
                    )),
                    tls12,
                }
            } else {
                ClientInner::Tls13(Box::new(Tls13Client::with_hello(
                    offer,
                    key_share,
                    psk_offered,
                    &encoded,
                )))
            };
            (inner, encoded)
        } else {
            let encoded = encode(&HandshakeMessage::ClientHello(offer.client_hello(None)));
            let tls12 = Box::new(Tls12Client::with_hello(offer, &encoded));
            (ClientInner::Tls12(tls12), encoded)
        };
        out.push(Action::Send(encoded));
        Ok(Self { inner })
    }

    /// The version negotiated so far: `None` until the ServerHello.
    pub fn version(&self) -> Option<TlsVersion> {
        match &self.inner {
            ClientInner::Tls13(_) => Some(TlsVersion::Tls13),
            ClientInner::Tls12(_) => Some(TlsVersion::Tls12),
            ClientInner::Undecided { .. } | ClientInner::Poisoned => None,
        }
    }

    fn machine(&self) -> Option<&dyn StateMachine> {
        match &self.inner {
            ClientInner::Undecided { tls13, .. } | ClientInner::Tls13(tls13) => {
                Some(tls13.as_ref())
            }
            ClientInner::Tls12(tls12) => Some(tls12.as_ref()),
            ClientInner::Poisoned => None,
        }
    }

    fn machine_mut(&mut self) -> Option<&mut dyn StateMachine> {
        match &mut self.inner {
            ClientInner::Undecided { tls13, .. } | ClientInner::Tls13(tls13) => {
                Some(tls13.as_mut())
            }
            ClientInner::Tls12(tls12) => Some(tls12.as_mut()),
            ClientInner::Poisoned => None,
        }
    }
}

/// Whether a ServerHello body selects TLS 1.2 or older: a ServerHello (not a
/// HelloRetryRequest) without supported_versions (RFC 8446 §4.1.3, §4.2.1). A body that
/// does not parse is left to the TLS 1.3 machine to refuse.
fn selects_tls12_or_older(body: &[u8]) -> bool {
    match ServerHello::decode(body) {
        Ok(ServerHelloKind::ServerHello(sh)) => !sh
            .extensions
            .iter()
            .any(|e| matches!(e, Extension::SelectedVersion(_))),
        _ => false,
    }
}

impl StateMachine for Client {
    fn handle(&mut self, input: Input<'_>, out: &mut Vec<Action>) -> Result<(), HandshakeError> {
        // The first ServerHello decides; anything before it (a compatibility CCS, or what
        // the TLS 1.3 machine refuses) leaves the choice open.
        let choice = match (&self.inner, &input) {
            (ClientInner::Undecided { .. }, Input::Message(raw))
                if raw.ty == HandshakeType::ServerHello =>
            {
                Some(selects_tls12_or_older(raw.body))
            }
            _ => None,
        };
        if let Some(tls12_chosen) = choice {
            self.inner = match core::mem::replace(&mut self.inner, ClientInner::Poisoned) {
                ClientInner::Undecided { tls12, .. } if tls12_chosen => ClientInner::Tls12(tls12),
                ClientInner::Undecided { tls13, .. } => ClientInner::Tls13(tls13),
                other => other,
            };
        }
        let result = match &mut self.inner {
            ClientInner::Undecided { tls13, .. } | ClientInner::Tls13(tls13) => {
                tls13.handle(input, out)
            }
            ClientInner::Tls12(tls12) => tls12.handle(input, out),
            ClientInner::Poisoned => Err(HandshakeError::Internal(
                "the handshake already failed; the connection is dead",
            )),
        };
        if result.is_err() {
            self.inner = ClientInner::Poisoned;
        }
        result
    }

    fn is_handshaking(&self) -> bool {
        self.machine().is_none_or(|m| m.is_handshaking())
    }

    fn wants_answer(&self) -> bool {
        self.machine().is_some_and(|m| m.wants_answer())
    }

    fn update_keys(
        &mut self,
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        match self.machine_mut() {
            Some(m) => m.update_keys(request_peer, out),
            None => Err(HandshakeError::Internal("the connection is dead")),
        }
    }

    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        match self.machine() {
            Some(m) => m.export_keying_material(label, context, out),
            None => Err(HandshakeError::Internal("the connection is dead")),
        }
    }
}

#[derive(Debug)]
enum ServerInner {
    /// No ClientHello yet.
    WaitClientHello {
        config: Box<ServerHandshakeConfig>,
        random: [u8; 32],
    },
    Tls13(Box<Tls13Server>),
    Tls12(Box<Tls12Server>),
    /// Left behind by an error.
    Poisoned,
}

/// A server handshake that speaks every configured version: TLS 1.3 when the client
/// offers it in supported_versions, else TLS 1.2 when the client's supported_versions or
/// (without that extension) legacy_version allows it, else protocol_version. Negotiating
/// TLS 1.2 while TLS 1.3 is enabled puts "DOWNGRD\x01" at the end of ServerHello.random
/// (RFC 8446 §4.1.3).
#[derive(Debug)]
pub struct Server {
    inner: ServerInner,
}

impl Server {
    /// A server for `config`, waiting for a ClientHello; `random` becomes
    /// ServerHello.random (with the downgrade sentinel where it applies).
    pub fn new(config: ServerHandshakeConfig, random: [u8; 32]) -> Self {
        Self {
            inner: ServerInner::WaitClientHello {
                config: Box::new(config),
                random,
            },
        }
    }

    /// The version negotiated: `None` until the ClientHello.
    pub fn version(&self) -> Option<TlsVersion> {
        match &self.inner {
            ServerInner::Tls13(_) => Some(TlsVersion::Tls13),
            ServerInner::Tls12(_) => Some(TlsVersion::Tls12),
            ServerInner::WaitClientHello { .. } | ServerInner::Poisoned => None,
        }
    }

    /// TLS 1.3, after the handshake: a NewSessionTicket, appended to `out` (see
    /// [`Tls13Server::issue_ticket`]). TLS 1.2 session tickets are not implemented.
    pub fn issue_ticket(
        &mut self,
        lifetime: u32,
        age_add: u32,
        ticket: Vec<u8>,
        out: &mut Vec<Action>,
    ) -> Result<Secret, HandshakeError> {
        match &mut self.inner {
            ServerInner::Tls13(m) => m.issue_ticket(lifetime, age_add, ticket, out),
            _ => Err(HandshakeError::Internal(
                "tickets are issued only after a TLS 1.3 handshake",
            )),
        }
    }

    fn machine(&self) -> Option<&dyn StateMachine> {
        match &self.inner {
            ServerInner::Tls13(m) => Some(m.as_ref()),
            ServerInner::Tls12(m) => Some(m.as_ref()),
            ServerInner::WaitClientHello { .. } | ServerInner::Poisoned => None,
        }
    }

    fn machine_mut(&mut self) -> Option<&mut dyn StateMachine> {
        match &mut self.inner {
            ServerInner::Tls13(m) => Some(m.as_mut()),
            ServerInner::Tls12(m) => Some(m.as_mut()),
            ServerInner::WaitClientHello { .. } | ServerInner::Poisoned => None,
        }
    }
}

/// The version for a ClientHello (RFC 8446 §4.2.1: supported_versions alone counts when
/// present; RFC 5246 Appendix E.1: otherwise legacy_version is the client's highest). A
/// version the config enables without a suite for it is not spoken.
fn choose_version(
    config: &ServerHandshakeConfig,
    ch: &ClientHello<'_>,
) -> Result<TlsVersion, HandshakeError> {
    let ours = |v| speaks(&config.versions, &config.suites, v);
    let supported = ch.extensions.iter().find_map(|e| match e {
        Extension::SupportedVersions(v) => Some(v),
        _ => None,
    });
    let (tls13, tls12) = match supported {
        Some(versions) => (
            versions.contains(&ProtocolVersion::Tls13),
            versions.contains(&ProtocolVersion::Tls12),
        ),
        None => (
            false,
            ch.legacy_version.to_wire() >= ProtocolVersion::Tls12.to_wire(),
        ),
    };
    if tls13 && ours(TlsVersion::Tls13) {
        Ok(TlsVersion::Tls13)
    } else if tls12 && ours(TlsVersion::Tls12) {
        Ok(TlsVersion::Tls12)
    } else if tls13 || tls12 {
        Err(refuse(
            Alert::ProtocolVersion,
            "no protocol version in common with the client",
        ))
    } else {
        Err(refuse(
            Alert::ProtocolVersion,
            "SSL 3.0 / TLS 1.0 / TLS 1.1 are not supported",
        ))
    }
}

impl StateMachine for Server {
    fn handle(&mut self, input: Input<'_>, out: &mut Vec<Action>) -> Result<(), HandshakeError> {
        let inner = core::mem::replace(&mut self.inner, ServerInner::Poisoned);
        let (next, result) = match inner {
            ServerInner::WaitClientHello { config, random } => {
                let state = "waiting for ClientHello";
                let raw = match &input {
                    Input::Message(raw) => *raw,
                    Input::ChangeCipherSpec => {
                        return Err(HandshakeError::UnexpectedChangeCipherSpec(state))
                    }
                    Input::Answer(_) => return Err(HandshakeError::UnexpectedAnswer(state)),
                };
                if raw.ty != HandshakeType::ClientHello {
                    return Err(unexpected(raw.ty, state));
                }
                // Decoded once: the machine of the version chosen takes it as it is.
                let ch = ClientHello::decode(raw.body)?;
                match choose_version(&config, &ch)? {
                    TlsVersion::Tls13 => {
                        let mut m = Box::new(Tls13Server::new(*config, random));
                        let result = m.handle_first_client_hello(raw, &ch, out);
                        (ServerInner::Tls13(m), result)
                    }
                    TlsVersion::Tls12 => {
                        let mut m = Box::new(Tls12Server::new(*config, random));
                        let result = m.handle_first_client_hello(raw, &ch, out);
                        (ServerInner::Tls12(m), result)
                    }
                }
            }
            mut other => {
                let result = match &mut other {
                    ServerInner::Tls13(m) => m.handle(input, out),
                    ServerInner::Tls12(m) => m.handle(input, out),
                    ServerInner::WaitClientHello { .. } | ServerInner::Poisoned => {
                        Err(HandshakeError::Internal(
                            "the handshake already failed; the connection is dead",
                        ))
                    }
                };
                (other, result)
            }
        };
        if result.is_ok() {
            self.inner = next;
        }
        result
    }

    fn is_handshaking(&self) -> bool {
        self.machine().is_none_or(|m| m.is_handshaking())
    }

    fn wants_answer(&self) -> bool {
        self.machine().is_some_and(|m| m.wants_answer())
    }

    fn update_keys(
        &mut self,
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        match self.machine_mut() {
            Some(m) => m.update_keys(request_peer, out),
            None => Err(HandshakeError::Internal(
                "KeyUpdate before the handshake completed",
            )),
        }
    }

    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        match self.machine() {
            Some(m) => m.export_keying_material(label, context, out),
            None => Err(HandshakeError::Internal(
                "exporter used before the handshake completed",
            )),
        }
    }
}
