//! The TLS 1.2 client (RFC 5246 §7.3 full handshake, ECDHE per RFC 8422).

use std::sync::Arc;

use ring::rand::SystemRandom;
use strata_alert::AlertDescription as Alert;
use strata_pki::{CertifiedKey, SignatureScheme, TlsVersion};
use strata_record::ProtocolVersion;

use super::{
    certificate_message, check_finished, decode, fits_certificate_types, handshake_messages,
    key_block, master_secret, no_key_update, peer_chain, read_keys, renegotiation_info_not_empty,
    scheme_fits, send_finished, unexpected_ccs, write_keys, Session, CLIENT_RANDOM,
};
use crate::common::{
    advance, certificate_verify_message, check_signature, client_signing_key, encode, expect,
    has_downgrade_sentinel, key_log, misparsed, not_connected, refuse, send, unexpected,
    MachineState,
};
use crate::key_schedule::tls12::{KeyBlock, MasterSecret, Sender};
use crate::kx::{EphemeralKeyPair, KeyExchangeGroup};
use crate::machine::Tls12Session;
use crate::machine::{
    Action, Answer, ClientHandshakeConfig, Event, Input, Negotiated, Request, StateMachine,
};
use crate::messages::{
    ClientCertificateType, ClientKeyExchange, HandshakeMessage, RawMessage, ServerHello,
};
use crate::negotiate::{Offer, UNCOMPRESSED};
use crate::suites::SupportedSuite;
use crate::{Extension, HandshakeError, HandshakeType, NamedGroup, Transcript};

type Chain = crate::machine::PeerChain;

/// Waiting for ServerHello: the ClientHello is in the transcript.
#[derive(Debug)]
struct Hello {
    transcript: Transcript,
    /// Whether the ClientHello offered TLS 1.3 too (RFC 8446 §4.1.3's sentinel applies).
    offered_tls13: bool,
}

/// What ServerHello settled.
struct Core {
    suite: SupportedSuite,
    server_random: [u8; 32],
    transcript: Transcript,
    extended_master_secret: bool,
    alpn: Option<Vec<u8>>,
    /// ServerHello's session ID.
    session_id: Vec<u8>,
    /// The server acknowledged session_ticket: a NewSessionTicket comes before its
    /// ChangeCipherSpec (RFC 5077 §3.2).
    expect_ticket: bool,
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("suite", &self.suite.suite)
            .finish_non_exhaustive()
    }
}

/// The server's ECDHE parameters, their signature checked (RFC 8422 §5.4).
#[derive(Debug)]
struct ServerKx {
    group: NamedGroup,
    public: Vec<u8>,
    scheme: SignatureScheme,
}

/// The server's CertificateRequest (RFC 5246 §7.4.4).
#[derive(Debug)]
struct CertRequest {
    types: Vec<ClientCertificateType>,
    schemes: Vec<SignatureScheme>,
    authorities: Vec<Vec<u8>>,
}

/// After ServerHelloDone: everything the client's flight needs.
#[derive(Debug)]
struct Flight {
    core: Core,
    chain: Chain,
    kx: ServerKx,
}

/// The keys are computed: the client's flight is out but for CertificateVerify (when
/// signing) and ChangeCipherSpec and Finished; then the server's CCS and Finished are
/// awaited.
struct Finishing {
    suite: SupportedSuite,
    transcript: Transcript,
    master: MasterSecret,
    keys: KeyBlock,
    server_random: [u8; 32],
    extended_master_secret: bool,
    negotiated: Negotiated,
    session_id: Vec<u8>,
    expect_ticket: bool,
    /// A NewSessionTicket received: lifetime hint and ticket.
    new_ticket: Option<(u32, Vec<u8>)>,
    /// An abbreviated handshake (RFC 5246 §7.3): the client's CCS and Finished follow the
    /// server's.
    abbreviated: bool,
}

impl core::fmt::Debug for Finishing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Finishing")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

/// The client's states (RFC 5246 §7.3, Figure 1), each with what it needs.
#[derive(Debug)]
enum ClientState {
    WaitServerHello(Box<Hello>),
    WaitCertificate(Box<Core>),
    /// Request::VerifyServerChain is outstanding.
    VerifyingServerChain {
        core: Box<Core>,
        chain: Chain,
    },
    WaitServerKeyExchange {
        core: Box<Core>,
        chain: Chain,
    },
    WaitCertificateRequestOrDone(Box<Flight>),
    WaitServerHelloDone {
        flight: Box<Flight>,
        request: CertRequest,
    },
    /// Request::ChooseClientCertificate is outstanding.
    ChoosingClientCertificate {
        flight: Box<Flight>,
        request: CertRequest,
    },
    /// Request::Sign is outstanding for the client's CertificateVerify.
    SigningClientVerify {
        finishing: Box<Finishing>,
        scheme: SignatureScheme,
    },
    WaitChangeCipherSpec(Box<Finishing>),
    WaitFinished(Box<Finishing>),
    Connected(Box<Session>),
    /// Taken while a step runs; left behind by an error.
    Poisoned,
}

impl ClientState {
    fn name(&self) -> &'static str {
        match self {
            Self::WaitServerHello(_) => "waiting for ServerHello",
            Self::WaitCertificate(_) => "waiting for the server's Certificate",
            Self::VerifyingServerChain { .. } => "verifying the server's certificate chain",
            Self::WaitServerKeyExchange { .. } => "waiting for ServerKeyExchange",
            Self::WaitCertificateRequestOrDone(_) => {
                "waiting for CertificateRequest or ServerHelloDone"
            }
            Self::WaitServerHelloDone { .. } => "waiting for ServerHelloDone",
            Self::ChoosingClientCertificate { .. } => "choosing a client certificate",
            Self::SigningClientVerify { .. } => "signing the client CertificateVerify",
            Self::WaitChangeCipherSpec(_) => "waiting for the server's ChangeCipherSpec",
            Self::WaitFinished(_) => "waiting for the server's Finished",
            Self::Connected(_) => "connected",
            Self::Poisoned => "failed",
        }
    }

    fn wants_answer(&self) -> bool {
        matches!(
            self,
            Self::VerifyingServerChain { .. }
                | Self::ChoosingClientCertificate { .. }
                | Self::SigningClientVerify { .. }
        )
    }
}

/// A TLS 1.2 client handshake (RFC 5246 §7.3).
#[derive(Debug)]
pub struct Tls12Client {
    offer: Offer,
    state: ClientState,
    completed: bool,
}

impl Tls12Client {
    /// A TLS 1.2-only client for `config` (its TLS 1.3 is left out); its first action,
    /// Send(ClientHello), is appended to `out`. [`Client`](crate::Client) offers every
    /// configured version.
    pub fn new(
        config: ClientHandshakeConfig,
        random: [u8; 32],
        out: &mut Vec<Action>,
    ) -> Result<Self, HandshakeError> {
        if !config.versions.contains(&TlsVersion::Tls12) {
            return Err(HandshakeError::Internal(
                "a TLS 1.2 client needs TLS 1.2 among the configured versions",
            ));
        }
        let offer = Offer::new(config, &[TlsVersion::Tls12], random, [0; 32])?;
        let encoded = encode(&HandshakeMessage::ClientHello(offer.client_hello(None)));
        let client = Self::with_hello(offer, &encoded);
        out.push(Action::Send(encoded));
        Ok(client)
    }

    /// A client whose ClientHello (`encoded`, made from `offer`) is sent, waiting for
    /// ServerHello.
    pub(crate) fn with_hello(offer: Offer, encoded: &[u8]) -> Self {
        let mut transcript = Transcript::new();
        // RFC 5246 §7.4.8: a client CertificateVerify signs every message, and whether
        // one is needed is known only at CertificateRequest; a client that has no
        // certificate to send never signs.
        if offer.may_send_certificate {
            transcript.keep_messages();
        }
        transcript.add(encoded);
        let offered_tls13 = offer.offers(TlsVersion::Tls13);
        Self {
            offer,
            state: ClientState::WaitServerHello(Box::new(Hello {
                transcript,
                offered_tls13,
            })),
            completed: false,
        }
    }

    fn step(
        &mut self,
        state: ClientState,
        input: Input<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        use ClientState as S;
        let raw = match input {
            Input::ChangeCipherSpec => {
                return match state {
                    S::WaitChangeCipherSpec(finishing) => {
                        out.push(read_keys(&finishing.keys.server_write));
                        Ok(S::WaitFinished(finishing))
                    }
                    state => Err(unexpected_ccs(state.name())),
                }
            }
            Input::Answer(answer) => return self.on_answer(state, answer, out),
            Input::Message(raw) => raw,
        };
        let name = state.name();
        // RFC 5246 §7.4.1.1: a HelloRequest while negotiating is ignored, and kept out of
        // the transcript.
        if raw.ty == HandshakeType::HelloRequest && !matches!(state, S::Connected(_)) {
            decode(raw)?;
            return Ok(state);
        }
        match state {
            S::WaitServerHello(hello) => {
                expect(&raw, HandshakeType::ServerHello, name)?;
                match decode(raw)? {
                    HandshakeMessage::ServerHello(sh) => {
                        self.on_server_hello(*hello, &sh, raw, out)
                    }
                    HandshakeMessage::HelloRetryRequest(_) => Err(refuse(
                        Alert::UnexpectedMessage,
                        "a HelloRetryRequest answers a ClientHello that offered only TLS 1.2",
                    )),
                    _ => Err(misparsed()),
                }
            }
            S::WaitCertificate(mut core) => {
                expect(&raw, HandshakeType::Certificate, name)?;
                let HandshakeMessage::CertificateTls12(certificate) = decode(raw)? else {
                    return Err(misparsed());
                };
                let chain = peer_chain(certificate, &self.offer.chain_limits)?;
                if chain.is_empty() {
                    return Err(refuse(
                        Alert::HandshakeFailure,
                        "the server sent an empty Certificate",
                    ));
                }
                core.transcript.add(raw.encoded);
                out.push(Action::Request(Request::VerifyServerChain {
                    chain: chain.clone(),
                    server_name: self.offer.server_name.clone(),
                    ocsp_response: Vec::new(),
                }));
                Ok(S::VerifyingServerChain { core, chain })
            }
            S::WaitServerKeyExchange { core, chain } => {
                expect(&raw, HandshakeType::ServerKeyExchange, name)?;
                self.on_server_key_exchange(core, chain, raw)
            }
            S::WaitCertificateRequestOrDone(mut flight) => match raw.ty {
                HandshakeType::CertificateRequest => {
                    let HandshakeMessage::CertificateRequestTls12(cr) = decode(raw)? else {
                        return Err(misparsed());
                    };
                    flight.core.transcript.add(raw.encoded);
                    let request = CertRequest {
                        types: cr.certificate_types.to_vec(),
                        schemes: cr.signature_algorithms.to_vec(),
                        authorities: cr
                            .certificate_authorities
                            .iter()
                            .map(|n| n.to_vec())
                            .collect(),
                    };
                    Ok(S::WaitServerHelloDone { flight, request })
                }
                HandshakeType::ServerHelloDone => {
                    decode(raw)?;
                    // No CertificateRequest: nothing will sign the messages.
                    flight.core.transcript.forget_messages();
                    flight.core.transcript.add(raw.encoded);
                    self.send_flight(*flight, None, out)
                }
                other => Err(unexpected(other, name)),
            },
            S::WaitServerHelloDone {
                mut flight,
                request,
            } => {
                expect(&raw, HandshakeType::ServerHelloDone, name)?;
                decode(raw)?;
                flight.core.transcript.add(raw.encoded);
                out.push(Action::Request(Request::ChooseClientCertificate {
                    authorities: request.authorities.clone(),
                    signature_schemes: request.schemes.clone(),
                }));
                Ok(S::ChoosingClientCertificate { flight, request })
            }
            S::WaitFinished(mut finishing) => {
                expect(&raw, HandshakeType::Finished, name)?;
                let HandshakeMessage::Finished(finished) = decode(raw)? else {
                    return Err(misparsed());
                };
                check_finished(
                    &finishing.suite,
                    &finishing.master,
                    Sender::Server,
                    &finishing.transcript,
                    &finished,
                )?;
                finishing.transcript.add(raw.encoded);
                if finishing.abbreviated {
                    // RFC 5246 §7.3: the client's ChangeCipherSpec and Finished last.
                    out.push(Action::SendChangeCipherSpec);
                    out.push(write_keys(&finishing.keys.client_write));
                    let finished = send_finished(
                        out,
                        &finishing.suite,
                        &finishing.master,
                        Sender::Client,
                        &finishing.transcript,
                    )?;
                    finishing.transcript.add(finished);
                }
                let finishing = *finishing;
                let new_session = finishing.new_ticket.is_some()
                    || (!finishing.abbreviated && !finishing.session_id.is_empty());
                let session = new_session.then(|| {
                    let (ticket_lifetime, ticket) = match finishing.new_ticket {
                        Some((lifetime, ticket)) => (lifetime, Some(ticket)),
                        None => (0, None),
                    };
                    Tls12Session {
                        session_id: finishing.session_id,
                        ticket,
                        ticket_lifetime,
                        master_secret: finishing.master.secret().clone(),
                        suite: finishing.suite,
                        group: finishing.negotiated.group,
                        extended_master_secret: finishing.extended_master_secret,
                        peer_certificates: finishing.negotiated.peer_certificates.clone(),
                        server_name: finishing.negotiated.server_name.clone(),
                        alpn: finishing.negotiated.alpn.clone(),
                    }
                });
                out.push(Action::Event(Event::HandshakeComplete(
                    finishing.negotiated,
                )));
                if let Some(session) = session {
                    out.push(Action::Event(Event::Tls12SessionEstablished(session)));
                }
                self.completed = true;
                Ok(S::Connected(Box::new(Session::new(
                    finishing.suite,
                    finishing.master.into_secret(),
                    self.offer.random,
                    finishing.server_random,
                    finishing.extended_master_secret,
                ))))
            }
            S::WaitChangeCipherSpec(mut finishing)
                if raw.ty == HandshakeType::NewSessionTicket
                    && finishing.expect_ticket
                    && finishing.new_ticket.is_none() =>
            {
                let HandshakeMessage::NewSessionTicketTls12(nst) = decode(raw)? else {
                    return Err(misparsed());
                };
                finishing.transcript.add(raw.encoded);
                finishing.new_ticket = Some((nst.lifetime_hint, nst.ticket.to_vec()));
                Ok(S::WaitChangeCipherSpec(finishing))
            }
            S::Connected(session) => {
                expect(&raw, HandshakeType::HelloRequest, name)?;
                decode(raw)?;
                // RFC 5246 §7.4.1.1, RFC 5746 §4.2: strata never renegotiates; the
                // refusal is a warning and the connection stays up.
                out.push(Action::SendWarning(Alert::NoRenegotiation));
                Ok(S::Connected(session))
            }
            // A Finished before the server's ChangeCipherSpec (RFC 5246 §7.4.9), or any
            // message while an answer is awaited.
            state @ (S::WaitChangeCipherSpec(_)
            | S::VerifyingServerChain { .. }
            | S::ChoosingClientCertificate { .. }
            | S::SigningClientVerify { .. }
            | S::Poisoned) => Err(unexpected(raw.ty, state.name())),
        }
    }

    /// ServerHello (RFC 5246 §7.4.1.3) with the checks of RFC 8446 §4.1.3 (downgrade),
    /// RFC 5746 §3.4 (renegotiation_info), RFC 7627 §5.2 (extended_master_secret) and
    /// RFC 8422 §5.2 (ec_point_formats).
    fn on_server_hello(
        &mut self,
        mut hello: Hello,
        sh: &ServerHello<'_>,
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        let version = sh.legacy_version.to_wire();
        if version < ProtocolVersion::Tls12.to_wire() {
            return Err(refuse(
                Alert::ProtocolVersion,
                "the server chose SSL 3.0, TLS 1.0 or TLS 1.1, which strata does not support",
            ));
        }
        if version != ProtocolVersion::Tls12.to_wire() {
            return Err(refuse(
                Alert::IllegalParameter,
                "a ServerHello above TLS 1.2 without supported_versions",
            ));
        }
        if hello.offered_tls13 && has_downgrade_sentinel(&sh.random) {
            return Err(refuse(
                Alert::IllegalParameter,
                "the server chose TLS 1.2 with the TLS 1.3 downgrade sentinel in its random",
            ));
        }
        if sh.legacy_compression_method != 0 {
            return Err(refuse(
                Alert::IllegalParameter,
                "the server chose a compression method",
            ));
        }
        let suite = self
            .offer
            .offered_suite(sh.cipher_suite, TlsVersion::Tls12)
            .ok_or(refuse(
                Alert::IllegalParameter,
                "the server chose a cipher suite that was not offered",
            ))?;
        let echoed = !self.offer.session_id.is_empty()
            && sh.legacy_session_id_echo.as_ref() == self.offer.session_id.as_slice();
        let ticket_offered = self.offer.tls12_session_tickets
            || self
                .offer
                .tls12_session()
                .is_some_and(|s| s.ticket.is_some());
        let resuming = match echoed.then(|| self.offer.take_tls12_session()) {
            Some(Some(session)) => Some(session),
            Some(None) => {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "the server resumes a session that was not offered",
                ))
            }
            None => None,
        };
        let mut expect_ticket = false;
        let mut extended_master_secret = false;
        let mut alpn = None;
        for ext in sh.extensions.iter() {
            match ext {
                Extension::RenegotiationInfo(info) if !info.is_empty() => {
                    return Err(renegotiation_info_not_empty())
                }
                // RFC 5746 §3.4: secure renegotiation is supported; strata refuses every
                // renegotiation anyway.
                Extension::RenegotiationInfo(_) => {}
                Extension::ExtendedMasterSecret => extended_master_secret = true,
                Extension::EcPointFormats(formats) if !formats.contains(&UNCOMPRESSED) => {
                    return Err(refuse(
                        Alert::IllegalParameter,
                        "the server's ec_point_formats lacks the uncompressed format",
                    ))
                }
                Extension::EcPointFormats(_) => {}
                Extension::Alpn(protocols) => alpn = Some(self.offer.check_alpn(protocols)?),
                Extension::ServerNameAck if self.offer.sni.is_some() => {}
                Extension::SessionTicket(t) if ticket_offered && t.is_empty() => {
                    expect_ticket = true;
                }
                _ => {
                    return Err(refuse(
                        Alert::UnsupportedExtension,
                        "ServerHello carries an extension that was not offered",
                    ))
                }
            }
        }
        if !extended_master_secret && self.offer.require_extended_master_secret {
            return Err(refuse(
                Alert::HandshakeFailure,
                "the server does not support the extended master secret (RFC 7627), which is required",
            ));
        }
        hello.transcript.start_hash(suite.hash)?;
        hello.transcript.add(raw.encoded);
        let core = Core {
            suite,
            server_random: sh.random,
            transcript: hello.transcript,
            extended_master_secret,
            alpn,
            session_id: sh.legacy_session_id_echo.to_vec(),
            expect_ticket,
        };
        match resuming {
            Some(session) => self.resume(core, session, out),
            None => Ok(ClientState::WaitCertificate(Box::new(core))),
        }
    }

    /// The server resumed the offered session (RFC 5246 §7.3): the same suite, and the
    /// extended master secret exactly when the session had it (RFC 7627 §5.3); the keys
    /// come from the session's master secret and the new randoms.
    fn resume(
        &mut self,
        mut core: Core,
        session: Tls12Session,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        if core.suite != session.suite {
            return Err(refuse(
                Alert::IllegalParameter,
                "the server resumes the session with another cipher suite",
            ));
        }
        if core.extended_master_secret != session.extended_master_secret {
            return Err(refuse(
                Alert::HandshakeFailure,
                "the server resumes the session with a different extended master secret use (RFC 7627 §5.3)",
            ));
        }
        // RFC 5246 §7.3: an abbreviated handshake has no CertificateRequest.
        core.transcript.forget_messages();
        let master = MasterSecret::new(core.suite.hash, session.master_secret);
        out.push(key_log(CLIENT_RANDOM, self.offer.random, master.secret()));
        let keys = key_block(
            &core.suite,
            &master,
            &self.offer.random,
            &core.server_random,
        )?;
        Ok(ClientState::WaitChangeCipherSpec(Box::new(Finishing {
            suite: core.suite,
            transcript: core.transcript,
            master,
            keys,
            server_random: core.server_random,
            extended_master_secret: core.extended_master_secret,
            negotiated: Negotiated {
                version: TlsVersion::Tls12,
                suite: core.suite,
                group: session.group,
                alpn: core.alpn,
                server_name: self.offer.sni.clone(),
                peer_certificates: session.peer_certificates,
                peer_signature_scheme: None,
                resumed: true,
            },
            session_id: core.session_id,
            expect_ticket: core.expect_ticket,
            new_ticket: None,
            abbreviated: true,
        })))
    }

    /// ServerKeyExchange (RFC 8422 §5.4): a group the client offered (illegal_parameter),
    /// signed with an offered scheme that fits the suite (illegal_parameter), by the
    /// certified key (decrypt_error).
    fn on_server_key_exchange(
        &mut self,
        mut core: Box<Core>,
        chain: Chain,
        raw: RawMessage<'_>,
    ) -> Result<ClientState, HandshakeError> {
        let HandshakeMessage::ServerKeyExchange(ske) = decode(raw)? else {
            return Err(misparsed());
        };
        if !self.offer.groups.contains(&ske.params.group) {
            return Err(refuse(
                Alert::IllegalParameter,
                "ServerKeyExchange uses a group that was not offered",
            ));
        }
        let auth = core.suite.tls12_auth.ok_or(HandshakeError::Internal(
            "a TLS 1.2 suite without authentication",
        ))?;
        if !scheme_fits(ske.signed.scheme, auth) {
            return Err(refuse(
                Alert::IllegalParameter,
                "ServerKeyExchange is signed with a scheme that does not fit the cipher suite",
            ));
        }
        let message = ske
            .params
            .signed_message(&self.offer.random, &core.server_random);
        let scheme = check_signature(
            TlsVersion::Tls12,
            |s| self.offer.schemes.contains(s),
            &chain,
            &message,
            &ske.signed,
        )?;
        core.transcript.add(raw.encoded);
        Ok(ClientState::WaitCertificateRequestOrDone(Box::new(
            Flight {
                core: *core,
                chain,
                kx: ServerKx {
                    group: ske.params.group,
                    public: ske.params.public.to_vec(),
                    scheme,
                },
            },
        )))
    }

    /// The client's flight (RFC 5246 §7.3): Certificate when one was requested
    /// (`requested` is `None` without a CertificateRequest, `Some(None)` for an empty
    /// Certificate), ClientKeyExchange, then CertificateVerify when there is a key to sign
    /// with (after its Request::Sign), ChangeCipherSpec and Finished.
    fn send_flight(
        &mut self,
        flight: Flight,
        requested: Option<Option<(Arc<CertifiedKey>, SignatureScheme)>>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        let Flight {
            mut core,
            chain,
            kx,
        } = flight;
        let mut signer = None;
        if let Some(chosen) = requested {
            let certificate = match &chosen {
                Some((certified, _)) => certificate_message(certified.chain()),
                None => certificate_message(&[]),
            };
            core.transcript.add(send(out, &certificate));
            signer = chosen;
        }

        let group = KeyExchangeGroup::from_named_group(kx.group)
            .ok_or(HandshakeError::Internal("offered an unsupported group"))?;
        let ours = EphemeralKeyPair::generate(group, &SystemRandom::new())?;
        let cke = HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
            public: std::borrow::Cow::Borrowed(ours.public_key()),
        });
        core.transcript.add(send(out, &cke));
        let pre_master_secret = ours.agree(&kx.public)?;

        let random = self.offer.random;
        let master = master_secret(
            &core.suite,
            pre_master_secret.as_bytes(),
            core.extended_master_secret,
            &core.transcript,
            &random,
            &core.server_random,
        )?;
        out.push(key_log(CLIENT_RANDOM, random, master.secret()));
        let keys = key_block(&core.suite, &master, &random, &core.server_random)?;
        let finishing = Box::new(Finishing {
            suite: core.suite,
            transcript: core.transcript,
            master,
            keys,
            server_random: core.server_random,
            extended_master_secret: core.extended_master_secret,
            negotiated: Negotiated {
                version: TlsVersion::Tls12,
                suite: core.suite,
                group: kx.group,
                alpn: core.alpn,
                server_name: self.offer.sni.clone(),
                peer_certificates: chain,
                peer_signature_scheme: Some(kx.scheme),
                resumed: false,
            },
            session_id: core.session_id,
            expect_ticket: core.expect_ticket,
            new_ticket: None,
            abbreviated: false,
        });
        match signer {
            Some((certified, scheme)) => {
                out.push(Action::Request(Request::Sign {
                    key: Arc::clone(certified.key()),
                    scheme,
                    message: handshake_messages(&finishing.transcript)?,
                }));
                Ok(ClientState::SigningClientVerify { finishing, scheme })
            }
            None => self.finish_flight(finishing, out),
        }
    }

    /// ChangeCipherSpec, the client's write keys, and Finished (RFC 5246 §7.4.9).
    fn finish_flight(
        &mut self,
        mut finishing: Box<Finishing>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        out.push(Action::SendChangeCipherSpec);
        out.push(write_keys(&finishing.keys.client_write));
        let finished = send_finished(
            out,
            &finishing.suite,
            &finishing.master,
            Sender::Client,
            &finishing.transcript,
        )?;
        finishing.transcript.add(finished);
        Ok(ClientState::WaitChangeCipherSpec(finishing))
    }

    fn on_answer(
        &mut self,
        state: ClientState,
        answer: Answer,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        use ClientState as S;
        match (state, answer) {
            (S::VerifyingServerChain { core, chain }, Answer::ChainVerified(result)) => {
                result.map_err(HandshakeError::Certificate)?;
                Ok(S::WaitServerKeyExchange { core, chain })
            }
            (S::ChoosingClientCertificate { flight, request }, Answer::Certificate(certified)) => {
                let chosen =
                    client_signing_key(certified, &request.schemes, TlsVersion::Tls12, |key| {
                        fits_certificate_types(key, &request.types)
                    });
                self.send_flight(*flight, Some(chosen), out)
            }
            (
                S::SigningClientVerify {
                    mut finishing,
                    scheme,
                },
                Answer::Signature(result),
            ) => {
                let signature = result.map_err(HandshakeError::Certificate)?;
                let verify = certificate_verify_message(scheme, signature);
                finishing.transcript.add(send(out, &verify));
                self.finish_flight(finishing, out)
            }
            (state, _) => Err(HandshakeError::UnexpectedAnswer(state.name())),
        }
    }
}

impl MachineState for ClientState {
    const POISONED: Self = Self::Poisoned;

    fn is_poisoned(&self) -> bool {
        matches!(self, Self::Poisoned)
    }
}

impl StateMachine for Tls12Client {
    fn handle(&mut self, input: Input<'_>, out: &mut Vec<Action>) -> Result<(), HandshakeError> {
        advance(
            self,
            |m| &mut m.state,
            out,
            |m, state, out| m.step(state, input, out),
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
            ClientState::Connected(session) => session.export(label, context, out),
            _ => Err(not_connected(
                "exporter used before the handshake completed",
            )),
        }
    }
}
