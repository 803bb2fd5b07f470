//! The TLS 1.2 server (RFC 5246 §7.3 full handshake, ECDHE per RFC 8422).

use std::borrow::Cow;
use std::sync::Arc;

use ring::rand::{SecureRandom, SystemRandom};
use strata_alert::AlertDescription as Alert;
use strata_pki::{CertifiedKey, KeyType, SignatureScheme, TlsVersion};
use strata_record::ProtocolVersion;

use super::{
    auth_of, certificate_message, check_finished, decode, handshake_messages, key_block,
    master_secret, no_key_update, peer_chain, read_keys, renegotiation_info_not_empty,
    send_finished, unexpected_ccs, write_keys, Session, CLIENT_RANDOM,
};
use crate::common::{
    advance, check_signature, client_auth, expect, key_log, misparsed, not_connected, refuse, send,
    server_certificate, unexpected, MachineState, DOWNGRADE_TLS12,
};
use crate::key_schedule::tls12::{KeyBlock, MasterSecret, Sender};
use crate::kx::{EphemeralKeyPair, KeyExchangeGroup};
use crate::list::{kept, CodePoints, SupportedSchemes};
use crate::machine::{
    Action, Answer, Event, Input, Negotiated, Request, ServerHandshakeConfig, StateMachine,
};
use crate::machine::{PeerChain, MAX_TICKET_LIFETIME};
use crate::messages::{
    CertificateRequestTls12, ClientCertificateType, ClientHello, DigitallySigned, EcdheParams,
    HandshakeMessage, NewSessionTicketTls12, RawMessage, ServerHello, ServerKeyExchange,
};
use crate::negotiate::{choose_suite, our_groups, speaks, ClientOffer, UNCOMPRESSED};
use crate::suites::SupportedSuite;
use crate::suites::Tls12Auth;
use crate::ticket::{ServerSession, SessionState};
use crate::{
    CipherSuite, Extension, Extensions, HandshakeError, HandshakeType, NamedGroup, Transcript,
};

type Chain = crate::machine::PeerChain;

/// The groups assumed of a client that sent no supported_groups: P-256 alone, the curve
/// every ECC client implements (RFC 8422 §5.1 asks clients to send the extension).
const GROUPS_WITHOUT_EXTENSION: &[NamedGroup] = &[NamedGroup::Secp256r1];

/// A ClientHello accepted: what the certificate choice and the server's flight need.
struct Accepted {
    client_random: [u8; 32],
    /// The suite to choose for a certificate of each kind (ECDSA, RSA): our first that
    /// the client offered, if any.
    suites: [Option<SupportedSuite>; 2],
    /// Whether the client supports P-256 and P-384, if it sent supported_groups
    /// (RFC 8422 §5.3 then binds the certificate's curve).
    client_curves: Option<[bool; 2]>,
    /// The client's signature_algorithms that strata can sign with.
    client_schemes: SupportedSchemes,
    group: NamedGroup,
    sni: Option<String>,
    alpn: Option<Vec<u8>>,
    extended_master_secret: bool,
    secure_renegotiation: bool,
    point_formats: bool,
    /// RFC 5077 §3.2: the client offered session_ticket and the server has ticket keys.
    issue_ticket: bool,
    transcript: Transcript,
}

impl core::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Accepted")
            .field("group", &self.group)
            .field("sni", &self.sni)
            .finish_non_exhaustive()
    }
}

/// ServerHello and Certificate are out; the ServerKeyExchange signature is awaited.
struct Signing {
    /// The group of `ours`, as ServerKeyExchange names it.
    group: NamedGroup,
    /// The scheme the signature is being made with.
    scheme: SignatureScheme,
    /// Its public key goes into ServerKeyExchange when the signature is back, borrowed.
    ours: EphemeralKeyPair,
    /// `Some(required)` when a CertificateRequest follows.
    client_auth: Option<bool>,
    wait: AwaitClient,
}

impl core::fmt::Debug for Signing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signing")
            .field("scheme", &self.scheme)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

/// The server's first flight is out: waiting for the client's.
struct AwaitClient {
    suite: SupportedSuite,
    client_random: [u8; 32],
    transcript: Transcript,
    extended_master_secret: bool,
    negotiated: Negotiated,
    /// The session ID of ServerHello (empty without a session cache).
    session_id: Vec<u8>,
    issue_ticket: bool,
}

impl core::fmt::Debug for AwaitClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AwaitClient")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

/// ClientKeyExchange received: the keys are known.
struct Keyed {
    suite: SupportedSuite,
    client_random: [u8; 32],
    transcript: Transcript,
    master: MasterSecret,
    keys: KeyBlock,
    extended_master_secret: bool,
    negotiated: Negotiated,
    session_id: Vec<u8>,
    issue_ticket: bool,
    /// An abbreviated handshake (RFC 5246 §7.3): the server's Finished is already out.
    abbreviated: bool,
}

impl core::fmt::Debug for Keyed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Keyed")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

/// The server's states (RFC 5246 §7.3, Figure 1), each with what it needs.
#[derive(Debug)]
enum ServerState {
    WaitClientHello,
    /// Request::ChooseServerCertificate is outstanding.
    ChoosingCertificate(Box<Accepted>),
    /// Request::Sign is outstanding for ServerKeyExchange.
    Signing(Box<Signing>),
    WaitClientCertificate {
        wait: Box<AwaitClient>,
        ours: Box<EphemeralKeyPair>,
        required: bool,
    },
    /// Request::VerifyClientChain is outstanding.
    VerifyingClientChain {
        wait: Box<AwaitClient>,
        ours: Box<EphemeralKeyPair>,
        chain: Chain,
    },
    WaitClientKeyExchange {
        wait: Box<AwaitClient>,
        ours: Box<EphemeralKeyPair>,
        chain: Option<Chain>,
    },
    WaitCertificateVerify {
        keyed: Box<Keyed>,
        chain: Chain,
    },
    WaitChangeCipherSpec(Box<Keyed>),
    WaitFinished(Box<Keyed>),
    Connected(Box<Session>),
    /// Taken while a step runs; left behind by an error.
    Poisoned,
}

impl ServerState {
    fn name(&self) -> &'static str {
        match self {
            Self::WaitClientHello => "waiting for ClientHello",
            Self::ChoosingCertificate(_) => "choosing the server certificate",
            Self::Signing(_) => "signing ServerKeyExchange",
            Self::WaitClientCertificate { .. } => "waiting for the client's Certificate",
            Self::VerifyingClientChain { .. } => "verifying the client's certificate chain",
            Self::WaitClientKeyExchange { .. } => "waiting for ClientKeyExchange",
            Self::WaitCertificateVerify { .. } => "waiting for the client's CertificateVerify",
            Self::WaitChangeCipherSpec(_) => "waiting for the client's ChangeCipherSpec",
            Self::WaitFinished(_) => "waiting for the client's Finished",
            Self::Connected(_) => "connected",
            Self::Poisoned => "failed",
        }
    }

    fn wants_answer(&self) -> bool {
        matches!(
            self,
            Self::ChoosingCertificate(_) | Self::Signing(_) | Self::VerifyingClientChain { .. }
        )
    }
}

/// A TLS 1.2 server handshake (RFC 5246 §7.3).
#[derive(Debug)]
pub struct Tls12Server {
    config: ServerHandshakeConfig,
    random: [u8; 32],
    state: ServerState,
    completed: bool,
}

impl Tls12Server {
    /// A TLS 1.2 server for `config`, waiting for a ClientHello; `random` becomes
    /// ServerHello.random, its last 8 bytes replaced by the downgrade sentinel
    /// "DOWNGRD\x01" when `config` enables TLS 1.3 too, with a suite (RFC 8446 §4.1.3).
    /// [`Server`](crate::Server) picks the version from the ClientHello.
    pub fn new(config: ServerHandshakeConfig, mut random: [u8; 32]) -> Self {
        if speaks(&config.versions, &config.suites, TlsVersion::Tls13) {
            if let Some(tail) = random.last_chunk_mut::<8>() {
                *tail = DOWNGRADE_TLS12;
            }
        }
        Self {
            config,
            random,
            state: ServerState::WaitClientHello,
            completed: false,
        }
    }

    /// The schemes accepted in a client's CertificateVerify (RFC 5246 §7.4.4).
    fn accepts_client_scheme(&self, scheme: SignatureScheme) -> bool {
        scheme.is_supported() && self.config.signature_schemes.contains(&scheme)
    }

    /// The list of [`Self::accepts_client_scheme`], for the CertificateRequest.
    fn client_schemes(&self) -> CodePoints<'_, SignatureScheme> {
        kept(&self.config.signature_schemes, |s| s.is_supported())
    }

    fn step(
        &mut self,
        state: ServerState,
        input: Input<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        use ServerState as S;
        let raw = match input {
            Input::ChangeCipherSpec => {
                return match state {
                    S::WaitChangeCipherSpec(keyed) => {
                        out.push(read_keys(&keyed.keys.client_write));
                        Ok(S::WaitFinished(keyed))
                    }
                    state => Err(unexpected_ccs(state.name())),
                }
            }
            Input::Answer(answer) => return self.on_answer(state, answer, out),
            Input::Message(raw) => raw,
        };
        let name = state.name();
        match state {
            S::WaitClientHello => {
                expect(&raw, HandshakeType::ClientHello, name)?;
                let HandshakeMessage::ClientHello(ch) = decode(raw)? else {
                    return Err(misparsed());
                };
                self.on_client_hello(&ch, raw, out)
            }
            S::WaitClientCertificate {
                mut wait,
                ours,
                required,
            } => {
                expect(&raw, HandshakeType::Certificate, name)?;
                let HandshakeMessage::CertificateTls12(certificate) = decode(raw)? else {
                    return Err(misparsed());
                };
                let chain = peer_chain(certificate, &self.config.chain_limits)?;
                wait.transcript.add(raw.encoded);
                if !chain.is_empty() {
                    out.push(Action::Request(Request::VerifyClientChain {
                        chain: chain.clone(),
                    }));
                    Ok(S::VerifyingClientChain { wait, ours, chain })
                } else if required {
                    // RFC 5246 §7.4.6: TLS 1.2 has no certificate_required.
                    Err(refuse(
                        Alert::HandshakeFailure,
                        "the client sent no certificate and one is required",
                    ))
                } else {
                    Ok(S::WaitClientKeyExchange {
                        wait,
                        ours,
                        chain: None,
                    })
                }
            }
            S::WaitClientKeyExchange { wait, ours, chain } => {
                expect(&raw, HandshakeType::ClientKeyExchange, name)?;
                let HandshakeMessage::ClientKeyExchange(cke) = decode(raw)? else {
                    return Err(misparsed());
                };
                let keyed = self.on_client_key_exchange(*wait, *ours, &cke.public, raw, out)?;
                Ok(match chain {
                    Some(chain) => S::WaitCertificateVerify { keyed, chain },
                    None => S::WaitChangeCipherSpec(keyed),
                })
            }
            S::WaitCertificateVerify { mut keyed, chain } => {
                expect(&raw, HandshakeType::CertificateVerify, name)?;
                let HandshakeMessage::CertificateVerify(cv) = decode(raw)? else {
                    return Err(misparsed());
                };
                let scheme = check_signature(
                    TlsVersion::Tls12,
                    |s| self.accepts_client_scheme(*s),
                    &chain,
                    &handshake_messages(&keyed.transcript)?,
                    &cv,
                )?;
                keyed.transcript.add(raw.encoded);
                keyed.negotiated.peer_certificates = chain;
                keyed.negotiated.peer_signature_scheme = Some(scheme);
                Ok(S::WaitChangeCipherSpec(keyed))
            }
            S::WaitFinished(keyed) => {
                expect(&raw, HandshakeType::Finished, name)?;
                let HandshakeMessage::Finished(finished) = decode(raw)? else {
                    return Err(misparsed());
                };
                self.on_client_finished(*keyed, &finished, raw, out)
            }
            S::Connected(session) => {
                expect(&raw, HandshakeType::ClientHello, name)?;
                decode(raw)?;
                let _ = (session, out);
                // strata never renegotiates. RFC 5246 §7.2.2 lets a server answer a
                // renegotiating ClientHello with a no_renegotiation warning and leave the
                // client to decide; strata ends the connection instead, with a fatal
                // handshake_failure (the alert RFC 5746 §4.5 gives for refusing
                // renegotiation where no warning is possible), so that a client probing for
                // renegotiation learns at once that it will not happen.
                Err(refuse(
                    Alert::HandshakeFailure,
                    "renegotiation is refused: a ClientHello after the handshake",
                ))
            }
            // A Finished before the client's ChangeCipherSpec (RFC 5246 §7.4.9), or any
            // message while an answer is awaited.
            state @ (S::WaitChangeCipherSpec(_)
            | S::ChoosingCertificate(_)
            | S::Signing(_)
            | S::VerifyingClientChain { .. }
            | S::Poisoned) => Err(unexpected(raw.ty, state.name())),
        }
    }

    /// The ClientHello, which the version-negotiating [`Server`](crate::Server) decoded
    /// to choose TLS 1.2: what `handle(Input::Message(raw))` does, without decoding the
    /// message a second time.
    pub(crate) fn handle_first_client_hello(
        &mut self,
        raw: RawMessage<'_>,
        ch: &ClientHello<'_>,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        advance(
            self,
            |m| &mut m.state,
            out,
            |server, state, out| match state {
                ServerState::WaitClientHello if raw.ty == HandshakeType::ClientHello => {
                    server.on_client_hello(ch, raw, out)
                }
                state => server.step(state, Input::Message(raw), out),
            },
        )
    }

    /// ClientHello (RFC 5246 §7.4.1.2): what the client offers, checked (RFC 5746 §3.6,
    /// RFC 7627 §5.2, RFC 8422 §5.1, RFC 7507), a group chosen; then the application is
    /// asked for a certificate, which decides the suite.
    fn on_client_hello(
        &mut self,
        ch: &ClientHello<'_>,
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        if !ch.legacy_compression_methods.contains(&0) {
            return Err(refuse(
                Alert::IllegalParameter,
                "legacy_compression_methods lacks the null method",
            ));
        }
        if speaks(
            &self.config.versions,
            &self.config.suites,
            TlsVersion::Tls13,
        ) && ch.cipher_suites.contains(&CipherSuite::TlsFallbackScsv)
        {
            // RFC 7507 §3: a fallback retry to a server that speaks a higher version.
            return Err(refuse(
                Alert::InappropriateFallback,
                "TLS_FALLBACK_SCSV from a client that fell back below TLS 1.3",
            ));
        }
        let offer = ClientOffer::read(ch);
        if offer
            .renegotiation_info
            .is_some_and(|info| !info.is_empty())
        {
            return Err(renegotiation_info_not_empty());
        }
        // RFC 5746 §3.6: either signal means secure renegotiation; with neither the
        // handshake may go on (§4.3), as strata never renegotiates.
        let secure_renegotiation = offer.renegotiation_info.is_some()
            || ch
                .cipher_suites
                .contains(&CipherSuite::TlsEmptyRenegotiationInfoScsv);
        if !offer.extended_master_secret && self.config.require_extended_master_secret {
            return Err(refuse(
                Alert::HandshakeFailure,
                "the client does not support the extended master secret (RFC 7627), which is required",
            ));
        }
        if offer
            .point_formats
            .is_some_and(|formats| !formats.contains(&UNCOMPRESSED))
        {
            return Err(refuse(
                Alert::IllegalParameter,
                "ec_point_formats lacks the uncompressed format",
            ));
        }
        if choose_suite(
            &self.config.suites,
            TlsVersion::Tls12,
            &ch.cipher_suites,
            |_| true,
        )
        .is_none()
        {
            return Err(refuse(Alert::HandshakeFailure, "no cipher suite in common"));
        }
        let client_groups = offer.groups.map(CodePoints::view);
        let group = our_groups(&self.config.groups)
            .find(|g| {
                client_groups
                    .as_ref()
                    .map_or(GROUPS_WITHOUT_EXTENSION.contains(g), |groups| {
                        groups.contains(g)
                    })
            })
            .ok_or(refuse(
                Alert::HandshakeFailure,
                "no key exchange group in common",
            ))?;
        let sni = offer.sni()?;
        let alpn = offer.choose_alpn(&self.config.alpn_protocols)?;
        let issue_ticket = offer.session_ticket.is_some() && self.config.ticket_keys.is_some();
        if let Some((state, by_ticket)) = self.find_session(ch, &offer, sni)? {
            return self.resume(
                ch,
                raw,
                state,
                by_ticket && issue_ticket,
                [secure_renegotiation, offer.point_formats.is_some()],
                alpn,
                out,
            );
        }
        let sni = sni.map(str::to_owned);

        let mut transcript = Transcript::new();
        if client_auth(&self.config.client_auth).is_some() {
            // RFC 5246 §7.4.8: the client's CertificateVerify signs every message.
            transcript.keep_messages();
        }
        transcript.add(raw.encoded);
        out.push(Action::Request(Request::ChooseServerCertificate {
            server_name: sni.clone(),
            signature_schemes: offer.schemes().to_vec(),
            version: TlsVersion::Tls12,
        }));
        Ok(ServerState::ChoosingCertificate(Box::new(Accepted {
            client_random: ch.random,
            suites: [Tls12Auth::Ecdsa, Tls12Auth::Rsa].map(|auth| {
                choose_suite(
                    &self.config.suites,
                    TlsVersion::Tls12,
                    &ch.cipher_suites,
                    |s| s.tls12_auth == Some(auth),
                )
            }),
            client_curves: client_groups.map(|groups| {
                [NamedGroup::Secp256r1, NamedGroup::Secp384r1].map(|curve| groups.contains(&curve))
            }),
            client_schemes: SupportedSchemes::kept_from(offer.schemes().iter()),
            group,
            sni,
            alpn,
            extended_master_secret: offer.extended_master_secret,
            secure_renegotiation,
            point_formats: offer.point_formats.is_some(),
            issue_ticket,
            transcript,
        })))
    }

    /// The session a ClientHello offers, by RFC 5077 ticket or else by session ID, if the
    /// server knows it and it fits (RFC 5246 §7.4.1.2): TLS 1.2, a suite the client offers
    /// again and the server still speaks, within its lifetime, the same SNI. RFC 7627
    /// §5.3: a session with the extended master secret offered without it is
    /// handshake_failure; one without it offered with it gets a full handshake. The bool
    /// is true for a ticket.
    fn find_session(
        &self,
        ch: &ClientHello<'_>,
        offer: &ClientOffer<'_, '_>,
        sni: Option<&str>,
    ) -> Result<Option<(SessionState, bool)>, HandshakeError> {
        let by_ticket = match (offer.session_ticket, &self.config.ticket_keys) {
            (Some(ticket), Some(keys)) if !ticket.is_empty() => keys
                .open(ticket)
                .and_then(|plain| SessionState::decode(&plain))
                .map(|s| (s, true)),
            _ => None,
        };
        let by_id = || match &self.config.session_store {
            Some(store) if !ch.legacy_session_id.is_empty() => {
                store.get(&ch.legacy_session_id).map(|s| (s.0, false))
            }
            _ => None,
        };
        let Some((state, ticket)) = by_ticket.or_else(by_id) else {
            return Ok(None);
        };
        let now = self.config.now;
        let lifetime = match ticket {
            true => self.config.ticket_lifetime,
            false => self.config.session_lifetime,
        };
        let lifetime = u64::from(lifetime.min(MAX_TICKET_LIFETIME));
        let fits = state.version == TlsVersion::Tls12
            && ch.cipher_suites.contains(&state.suite.suite)
            && self.config.suites.contains(&state.suite)
            && now >= state.created
            && now - state.created <= lifetime
            && state.sni.as_deref() == sni;
        if !fits {
            return Ok(None);
        }
        match (state.extended_master_secret, offer.extended_master_secret) {
            (true, false) => Err(refuse(
                Alert::HandshakeFailure,
                "a session with the extended master secret resumed without it (RFC 7627 §5.3)",
            )),
            (false, true) => Ok(None),
            _ => Ok(Some((state, ticket))),
        }
    }

    /// The abbreviated handshake (RFC 5246 §7.3, RFC 5077 §3.1): ServerHello echoing the
    /// session ID, a new ticket when resuming by ticket, ChangeCipherSpec and Finished;
    /// then the client's ChangeCipherSpec and Finished.
    #[allow(clippy::too_many_arguments)]
    fn resume(
        &mut self,
        ch: &ClientHello<'_>,
        raw: RawMessage<'_>,
        mut state: SessionState,
        renew_ticket: bool,
        [secure_renegotiation, point_formats]: [bool; 2],
        alpn: Option<Vec<u8>>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let suite = state.suite;
        let mut transcript = Transcript::with_hash(suite.hash);
        transcript.add(raw.encoded);
        let mut extensions = Vec::new();
        if secure_renegotiation {
            extensions.push(Extension::RenegotiationInfo(Cow::Borrowed(&[])));
        }
        if state.extended_master_secret {
            extensions.push(Extension::ExtendedMasterSecret);
        }
        if point_formats {
            extensions.push(Extension::EcPointFormats(Cow::Borrowed(&[UNCOMPRESSED])));
        }
        if let Some(protocol) = &alpn {
            extensions.push(Extension::Alpn(vec![Cow::Borrowed(protocol.as_slice())]));
        }
        if renew_ticket {
            extensions.push(Extension::SessionTicket(Cow::Borrowed(&[])));
        }
        let server_hello = HandshakeMessage::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::Tls12,
            random: self.random,
            legacy_session_id_echo: Cow::Borrowed(&ch.legacy_session_id),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: Extensions(extensions),
        });
        transcript.add(send(out, &server_hello));
        let negotiated = Negotiated {
            version: TlsVersion::Tls12,
            suite,
            group: state.group,
            alpn,
            // The session's own name: find_session resumes only a session kept for the
            // name the client asks for now.
            server_name: state.sni.take(),
            peer_certificates: state.peer_certificates.clone(),
            peer_signature_scheme: None,
            resumed: true,
        };
        if renew_ticket {
            let renewed = SessionState {
                created: self.config.now,
                alpn: negotiated.alpn.clone(),
                sni: negotiated.server_name.clone(),
                ..state.clone()
            };
            self.send_ticket(&renewed, &mut transcript, out)?;
        }
        let master = MasterSecret::new(suite.hash, state.secret);
        out.push(key_log(CLIENT_RANDOM, ch.random, master.secret()));
        let keys = key_block(&suite, &master, &ch.random, &self.random)?;
        out.push(Action::SendChangeCipherSpec);
        out.push(write_keys(&keys.server_write));
        let finished = send_finished(out, &suite, &master, Sender::Server, &transcript)?;
        transcript.add(finished);
        Ok(ServerState::WaitChangeCipherSpec(Box::new(Keyed {
            suite,
            client_random: ch.random,
            transcript,
            master,
            keys,
            extended_master_secret: state.extended_master_secret,
            negotiated,
            session_id: Vec::new(),
            issue_ticket: false,
            abbreviated: true,
        })))
    }

    /// A NewSessionTicket sealing `state` (RFC 5077 §3.3), into the transcript.
    fn send_ticket(
        &self,
        state: &SessionState,
        transcript: &mut Transcript,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        let Some(keys) = &self.config.ticket_keys else {
            return Ok(());
        };
        let ticket = keys.seal_state(state, keys.nonce()?)?;
        let message = HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
            lifetime_hint: self.config.ticket_lifetime.min(MAX_TICKET_LIFETIME),
            ticket: Cow::Owned(ticket),
        });
        transcript.add(send(out, &message));
        Ok(())
    }

    /// The suite for the certificate's key (RFC 8422 §5.3): the server's first offered
    /// suite whose authentication the key serves, with an ECDSA key's curve among the
    /// client's groups when it sent them; else handshake_failure.
    fn suite_for(
        &self,
        accepted: &Accepted,
        key: KeyType,
    ) -> Result<SupportedSuite, HandshakeError> {
        let auth = auth_of(key);
        let curve = match key {
            KeyType::EcdsaP256 => Some(0),
            KeyType::EcdsaP384 => Some(1),
            KeyType::Ed25519 | KeyType::Rsa(_) => None,
        };
        if let (Some(curve), Some(supported)) = (curve, &accepted.client_curves) {
            if supported.get(curve) != Some(&true) {
                return Err(refuse(
                    Alert::HandshakeFailure,
                    "the certificate's curve is not one the client supports (RFC 8422 §5.3)",
                ));
            }
        }
        let kind = match auth {
            Tls12Auth::Ecdsa => 0,
            Tls12Auth::Rsa => 1,
        };
        accepted.suites.get(kind).copied().flatten().ok_or(refuse(
            Alert::HandshakeFailure,
            "no cipher suite in common fits the certificate's key",
        ))
    }

    /// ServerHello and Certificate; then the request to sign ServerKeyExchange
    /// (RFC 5246 §7.4.1.3, §7.4.2, §7.4.3).
    fn send_first_flight(
        &mut self,
        mut accepted: Accepted,
        certified: Option<Arc<CertifiedKey>>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let certified = server_certificate(certified, accepted.sni.as_deref())?;
        let suite = self.suite_for(&accepted, certified.key().key_type())?;
        let scheme = certified
            .key()
            .choose_scheme(accepted.client_schemes.as_slice(), TlsVersion::Tls12)
            .ok_or(refuse(
                Alert::HandshakeFailure,
                "no signature scheme in common with the client",
            ))?;
        let transcript = &mut accepted.transcript;
        transcript.start_hash(suite.hash)?;

        let mut extensions = Vec::new();
        if accepted.sni.is_some() {
            extensions.push(Extension::ServerNameAck);
        }
        if accepted.secure_renegotiation {
            extensions.push(Extension::RenegotiationInfo(Cow::Borrowed(&[])));
        }
        if accepted.extended_master_secret {
            extensions.push(Extension::ExtendedMasterSecret);
        }
        if accepted.point_formats {
            extensions.push(Extension::EcPointFormats(Cow::Borrowed(&[UNCOMPRESSED])));
        }
        if let Some(protocol) = &accepted.alpn {
            extensions.push(Extension::Alpn(vec![Cow::Borrowed(protocol.as_slice())]));
        }
        if accepted.issue_ticket {
            // RFC 5077 §3.2: a NewSessionTicket will come before ChangeCipherSpec.
            extensions.push(Extension::SessionTicket(Cow::Borrowed(&[])));
        }
        // A new session ID with a session cache; empty without (RFC 5246 §7.4.1.3).
        let mut session_id = Vec::new();
        if self.config.session_store.is_some() {
            let mut id = [0u8; 32];
            SystemRandom::new()
                .fill(&mut id)
                .map_err(|_| HandshakeError::Internal("no randomness for a session ID"))?;
            session_id = id.to_vec();
        }
        let server_hello = HandshakeMessage::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::Tls12,
            random: self.random,
            legacy_session_id_echo: Cow::Borrowed(&session_id),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: Extensions(extensions),
        });
        transcript.add(send(out, &server_hello));

        let certificate = certificate_message(certified.chain());
        transcript.add(send(out, &certificate));

        let group = KeyExchangeGroup::from_named_group(accepted.group)
            .ok_or(HandshakeError::Internal("selected an unsupported group"))?;
        let ours = EphemeralKeyPair::generate(group, &SystemRandom::new())?;
        let params = EcdheParams {
            group: accepted.group,
            public: Cow::Borrowed(ours.public_key()),
        };
        out.push(Action::Request(Request::Sign {
            key: Arc::clone(certified.key()),
            scheme,
            message: params.signed_message(&accepted.client_random, &self.random),
        }));
        Ok(ServerState::Signing(Box::new(Signing {
            group: accepted.group,
            scheme,
            ours,
            client_auth: client_auth(&self.config.client_auth).map(|(required, _)| required),
            wait: AwaitClient {
                suite,
                client_random: accepted.client_random,
                transcript: accepted.transcript,
                extended_master_secret: accepted.extended_master_secret,
                negotiated: Negotiated {
                    version: TlsVersion::Tls12,
                    suite,
                    group: accepted.group,
                    alpn: accepted.alpn,
                    server_name: accepted.sni,
                    peer_certificates: PeerChain::default(),
                    peer_signature_scheme: None,
                    resumed: false,
                },
                session_id,
                issue_ticket: accepted.issue_ticket,
            },
        })))
    }

    /// ServerKeyExchange, CertificateRequest when client authentication is on, and
    /// ServerHelloDone (RFC 5246 §7.4.3–§7.4.5).
    fn finish_first_flight(
        &mut self,
        signing: Signing,
        signature: Vec<u8>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let Signing {
            group,
            scheme,
            ours,
            client_auth: auth,
            mut wait,
        } = signing;
        let ske = HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
            params: EcdheParams {
                group,
                public: Cow::Borrowed(ours.public_key()),
            },
            signed: DigitallySigned {
                scheme,
                signature: Cow::Owned(signature),
            },
        });
        wait.transcript.add(send(out, &ske));
        drop(ske); // It borrows `ours`, which moves on.
        if let Some((_, authorities)) = client_auth(&self.config.client_auth) {
            let schemes = self.client_schemes();
            if schemes.is_empty() {
                return Err(HandshakeError::Internal(
                    "client authentication without a signature scheme configured",
                ));
            }
            let request = HandshakeMessage::CertificateRequestTls12(CertificateRequestTls12 {
                certificate_types: CodePoints::borrowed(&[
                    ClientCertificateType::EcdsaSign,
                    ClientCertificateType::RsaSign,
                ]),
                signature_algorithms: schemes,
                certificate_authorities: authorities
                    .iter()
                    .map(|n| Cow::Borrowed(n.as_slice()))
                    .collect(),
            });
            wait.transcript.add(send(out, &request));
        }
        let done = HandshakeMessage::ServerHelloDone;
        wait.transcript.add(send(out, &done));
        let wait = Box::new(wait);
        let ours = Box::new(ours);
        Ok(match auth {
            Some(required) => ServerState::WaitClientCertificate {
                wait,
                ours,
                required,
            },
            None => ServerState::WaitClientKeyExchange {
                wait,
                ours,
                chain: None,
            },
        })
    }

    /// ClientKeyExchange (RFC 8422 §5.7): the premaster secret, the (extended) master
    /// secret over the transcript through this message (RFC 7627 §4), the key block.
    fn on_client_key_exchange(
        &mut self,
        mut wait: AwaitClient,
        ours: EphemeralKeyPair,
        public: &[u8],
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<Box<Keyed>, HandshakeError> {
        let pre_master_secret = ours.agree(public)?;
        wait.transcript.add(raw.encoded);
        let master = master_secret(
            &wait.suite,
            pre_master_secret.as_bytes(),
            wait.extended_master_secret,
            &wait.transcript,
            &wait.client_random,
            &self.random,
        )?;
        out.push(key_log(CLIENT_RANDOM, wait.client_random, master.secret()));
        let keys = key_block(&wait.suite, &master, &wait.client_random, &self.random)?;
        Ok(Box::new(Keyed {
            suite: wait.suite,
            client_random: wait.client_random,
            transcript: wait.transcript,
            master,
            keys,
            extended_master_secret: wait.extended_master_secret,
            negotiated: wait.negotiated,
            session_id: wait.session_id,
            issue_ticket: wait.issue_ticket,
            abbreviated: false,
        }))
    }

    /// The client's Finished verified; then ChangeCipherSpec, the server's write keys and
    /// Finished (RFC 5246 §7.4.9).
    fn on_client_finished(
        &mut self,
        mut keyed: Keyed,
        finished: &crate::messages::Finished<'_>,
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        check_finished(
            &keyed.suite,
            &keyed.master,
            Sender::Client,
            &keyed.transcript,
            finished,
        )?;
        keyed.transcript.add(raw.encoded);
        let store = self
            .config
            .session_store
            .as_ref()
            .filter(|_| !keyed.session_id.is_empty());
        // The session is kept only where a ticket or the session store will hold it.
        if !keyed.abbreviated && (keyed.issue_ticket || store.is_some()) {
            let state = SessionState {
                version: TlsVersion::Tls12,
                suite: keyed.suite,
                group: keyed.negotiated.group,
                secret: keyed.master.secret().clone(),
                created: self.config.now,
                lifetime: self.config.ticket_lifetime.min(MAX_TICKET_LIFETIME),
                age_add: 0,
                extended_master_secret: keyed.extended_master_secret,
                alpn: keyed.negotiated.alpn.clone(),
                sni: keyed.negotiated.server_name.clone(),
                peer_certificates: keyed.negotiated.peer_certificates.clone(),
            };
            if keyed.issue_ticket {
                self.send_ticket(&state, &mut keyed.transcript, out)?;
            }
            if let Some(store) = store {
                // The session ID is not needed past this point: the store takes it.
                store.put(std::mem::take(&mut keyed.session_id), ServerSession(state));
            }
        }
        if !keyed.abbreviated {
            out.push(Action::SendChangeCipherSpec);
            out.push(write_keys(&keyed.keys.server_write));
            send_finished(
                out,
                &keyed.suite,
                &keyed.master,
                Sender::Server,
                &keyed.transcript,
            )?;
        }
        out.push(Action::Event(Event::HandshakeComplete(keyed.negotiated)));
        self.completed = true;
        Ok(ServerState::Connected(Box::new(Session::new(
            keyed.suite,
            keyed.master.into_secret(),
            keyed.client_random,
            self.random,
            keyed.extended_master_secret,
        ))))
    }

    fn on_answer(
        &mut self,
        state: ServerState,
        answer: Answer,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        use ServerState as S;
        match (state, answer) {
            (S::ChoosingCertificate(accepted), Answer::Certificate(certified)) => {
                self.send_first_flight(*accepted, certified, out)
            }
            (S::Signing(signing), Answer::Signature(result)) => {
                let signature = result.map_err(HandshakeError::Certificate)?;
                self.finish_first_flight(*signing, signature, out)
            }
            (S::VerifyingClientChain { wait, ours, chain }, Answer::ChainVerified(result)) => {
                result.map_err(HandshakeError::Certificate)?;
                Ok(S::WaitClientKeyExchange {
                    wait,
                    ours,
                    chain: Some(chain),
                })
            }
            (state, _) => Err(HandshakeError::UnexpectedAnswer(state.name())),
        }
    }
}

impl MachineState for ServerState {
    const POISONED: Self = Self::Poisoned;

    fn is_poisoned(&self) -> bool {
        matches!(self, Self::Poisoned)
    }
}

impl StateMachine for Tls12Server {
    fn handle(&mut self, input: Input<'_>, out: &mut Vec<Action>) -> Result<(), HandshakeError> {
        advance(
            self,
            |m| &mut m.state,
            out,
            |server, state, out| server.step(state, input, out),
        )
    }

    fn is_handshaking(&self) -> bool {
        !self.completed
    }

    fn wants_answer(&self) -> bool {
        self.state.wants_answer()
    }

    fn update_keys(
        &mut self,
        _request_peer: bool,
        _out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        Err(no_key_update())
    }

    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        match &self.state {
            ServerState::Connected(session) => session.export(label, context, out),
            _ => Err(not_connected(
                "exporter used before the handshake completed",
            )),
        }
    }
}
