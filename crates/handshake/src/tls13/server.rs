//! The TLS 1.3 server (RFC 8446 §4, Appendix A.2).

use std::borrow::Cow;
use std::sync::Arc;

use ring::aead::NONCE_LEN;
use ring::rand::{SecureRandom, SystemRandom};
use strata_alert::AlertDescription as Alert;
use strata_pki::{CertifiedKey, SignatureScheme, TlsVersion};
use strata_record::ProtocolVersion;

use super::{
    certificate_message, certificate_verify_content, certificate_verify_message,
    check_certificate_verify, check_finished, current_hash, decode, expect, handshake_key_change,
    key_change, key_log, label, misparsed, not_connected, peer_chain, refuse, send_finished,
    unexpected, Side, Traffic,
};
use crate::common::{advance, client_auth, send, server_certificate, MachineState};
use crate::extensions::KeyShareEntry;
use crate::extensions::PskKeyExchangeMode;
use crate::key_schedule::tls13::{
    resumption_psk, verify_data, ApplicationSecrets, BinderKind, EarlySecret, HandshakeSecret,
    HandshakeTrafficSecret, MasterSecret,
};
use crate::kx::{EphemeralKeyPair, KeyExchangeGroup, SharedSecret};
use crate::list::{kept, CodePoints};
use crate::machine::MAX_TICKET_LIFETIME;
use crate::machine::{
    Action, Answer, Event, Input, Negotiated, Request, ServerHandshakeConfig, StateMachine,
};
use crate::messages::{
    CertificateRequestTls13, ClientHello, EncryptedExtensions, HandshakeMessage, HelloRetryRequest,
    KeyUpdateRequest, NewSessionTicketTls13, RawMessage, ServerHello,
};
use crate::negotiate::{choose_suite, our_groups, ClientOffer};
use crate::suites::SupportedSuite;
use crate::ticket::SessionState;
use crate::{Extension, Extensions, HandshakeError, HandshakeType, NamedGroup, Secret, Transcript};

/// After a HelloRetryRequest: what the second ClientHello must match (RFC 8446 §4.1.4).
#[derive(Debug)]
struct Retry {
    suite: SupportedSuite,
    group: NamedGroup,
    cookie: Option<Vec<u8>>,
    client_random: [u8; 32],
    transcript: Transcript,
    sent_ccs: bool,
}

/// How far a ticket's age may differ from what the server computes (RFC 8446 §8.3).
const AGE_TOLERANCE_MS: i64 = 10_000;

/// A PSK accepted from a ticket (RFC 8446 §4.2.11): the identity's index, the session,
/// and the key exchange mode (§4.2.9).
struct Resumed {
    index: u16,
    state: SessionState,
    /// psk_dhe_ke (`true`) or psk_ke (`false`: no (EC)DHE, no key_share in ServerHello).
    dhe: bool,
}

/// A legacy_session_id to echo, held without an allocation (the ClientHello's decoder
/// takes at most 32 bytes, RFC 8446 §4.1.2).
fn session_id_echo(id: &[u8]) -> Result<([u8; 32], usize), HandshakeError> {
    let mut echo = [0; 32];
    echo.get_mut(..id.len())
        .ok_or(HandshakeError::Internal("legacy_session_id over 32 bytes"))?
        .copy_from_slice(id);
    Ok((echo, id.len()))
}

/// A ClientHello accepted: everything the ServerHello and the server's flight need.
struct Accepted {
    resumed: Option<Resumed>,
    suite: SupportedSuite,
    group: NamedGroup,
    client_random: [u8; 32],
    /// legacy_session_id, to echo (at most 32 bytes, RFC 8446 §4.1.2): the bytes and
    /// how many.
    session_id: ([u8; 32], usize),
    sni: Option<String>,
    alpn: Option<Vec<u8>>,
    client_schemes: Vec<SignatureScheme>,
    /// The server's key share and the (EC)DHE secret; `None` in psk_ke mode (RFC 8446
    /// §4.2.9).
    server_share: Option<ring::agreement::PublicKey>,
    shared: Option<SharedSecret>,
    transcript: Transcript,
    sent_ccs: bool,
}

impl core::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Accepted")
            .field("suite", &self.suite.suite)
            .field("group", &self.group)
            .field("sni", &self.sni)
            .finish_non_exhaustive()
    }
}

/// The server's flight is out but for CertificateVerify and Finished.
struct Signing {
    suite: SupportedSuite,
    group: NamedGroup,
    client_random: [u8; 32],
    transcript: Transcript,
    schedule: HandshakeSecret,
    client_hs: HandshakeTrafficSecret,
    server_hs: HandshakeTrafficSecret,
    /// `None` in a resumed handshake.
    scheme: Option<SignatureScheme>,
    sni: Option<String>,
    alpn: Option<Vec<u8>>,
    /// `Some(required)` when a CertificateRequest was sent.
    client_auth: Option<bool>,
    /// In a resumed session: the client's chain from the ticket.
    resumed: Option<Chain>,
}

impl core::fmt::Debug for Signing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signing")
            .field("suite", &self.suite.suite)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// The server's Finished is sent: waiting for the client's second flight.
struct AwaitClient {
    suite: SupportedSuite,
    transcript: Transcript,
    master: MasterSecret,
    client_hs: HandshakeTrafficSecret,
    client_app: Secret,
    server_app: Secret,
    exporter: Secret,
    negotiated: Negotiated,
}

impl core::fmt::Debug for AwaitClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AwaitClient")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

/// An established connection, with the count of tickets issued (their nonces).
#[derive(Debug)]
struct Connected {
    traffic: Traffic,
    tickets: u64,
}

type Chain = crate::machine::PeerChain;

/// The server's states (RFC 8446 Appendix A.2), each with what it needs.
#[derive(Debug)]
enum ServerState {
    /// `Some` after a HelloRetryRequest.
    WaitClientHello(Option<Box<Retry>>),
    /// Request::ChooseServerCertificate is outstanding.
    ChoosingCertificate(Box<Accepted>),
    /// Request::Sign is outstanding for the server's CertificateVerify.
    Signing(Box<Signing>),
    WaitClientCertificate {
        wait: Box<AwaitClient>,
        required: bool,
    },
    /// Request::VerifyClientChain is outstanding.
    VerifyingClientChain {
        wait: Box<AwaitClient>,
        chain: Chain,
    },
    WaitClientCertificateVerify {
        wait: Box<AwaitClient>,
        chain: Chain,
    },
    WaitClientFinished(Box<AwaitClient>),
    Connected(Box<Connected>),
    /// Taken while a step runs; left behind by an error.
    Poisoned,
}

impl ServerState {
    fn name(&self) -> &'static str {
        match self {
            Self::WaitClientHello(None) => "waiting for ClientHello",
            Self::WaitClientHello(Some(_)) => "waiting for the second ClientHello",
            Self::ChoosingCertificate(_) => "choosing the server certificate",
            Self::Signing(_) => "signing the server CertificateVerify",
            Self::WaitClientCertificate { .. } => "waiting for the client's Certificate",
            Self::VerifyingClientChain { .. } => "verifying the client's certificate chain",
            Self::WaitClientCertificateVerify { .. } => {
                "waiting for the client's CertificateVerify"
            }
            Self::WaitClientFinished(_) => "waiting for the client's Finished",
            Self::Connected(_) => "connected",
            Self::Poisoned => "failed",
        }
    }

    /// RFC 8446 §5: a CCS is dropped after the first ClientHello and before the client's
    /// Finished.
    fn ignores_change_cipher_spec(&self) -> bool {
        !matches!(
            self,
            Self::WaitClientHello(None) | Self::Connected(_) | Self::Poisoned
        )
    }

    fn wants_answer(&self) -> bool {
        matches!(
            self,
            Self::ChoosingCertificate(_) | Self::Signing(_) | Self::VerifyingClientChain { .. }
        )
    }
}

/// A TLS 1.3 server handshake (RFC 8446 §4).
#[derive(Debug)]
pub struct Tls13Server {
    config: ServerHandshakeConfig,
    random: [u8; 32],
    state: ServerState,
    completed: bool,
}

impl Tls13Server {
    /// A server for `config`, waiting for a ClientHello; `random` becomes
    /// ServerHello.random.
    pub fn new(config: ServerHandshakeConfig, random: [u8; 32]) -> Self {
        Self {
            config,
            random,
            state: ServerState::WaitClientHello(None),
            completed: false,
        }
    }

    /// The first ClientHello, which the version-negotiating [`Server`](crate::Server)
    /// decoded to choose TLS 1.3: what `handle(Input::Message(raw))` does, without
    /// decoding the message a second time.
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
                ServerState::WaitClientHello(None) if raw.ty == HandshakeType::ClientHello => {
                    server.on_client_hello(None, ch, raw, out)
                }
                state => server.step(state, Input::Message(raw), out),
            },
        )
    }

    /// After the handshake: a NewSessionTicket carrying `ticket` (RFC 8446 §4.6.1), to
    /// send (appended to `out`), and the PSK it stands for, returned, to keep with
    /// whatever `ticket` identifies.
    pub fn issue_ticket(
        &mut self,
        lifetime: u32,
        age_add: u32,
        ticket: Vec<u8>,
        out: &mut Vec<Action>,
    ) -> Result<Secret, HandshakeError> {
        let ServerState::Connected(connected) = &mut self.state else {
            return Err(not_connected(
                "ticket issued before the handshake completed",
            ));
        };
        if ticket.is_empty() {
            return Err(HandshakeError::Internal("a ticket may not be empty"));
        }
        let (nonce, psk) = next_ticket_psk(connected)?;
        send_new_session_ticket(out, lifetime, age_add, &nonce, ticket);
        Ok(psk)
    }

    /// The schemes the server accepts in a client's CertificateVerify (RFC 8446 §4.3.2).
    fn accepts_client_scheme(&self, scheme: SignatureScheme) -> bool {
        scheme.allowed_in_tls13() && self.config.signature_schemes.contains(&scheme)
    }

    /// The list of [`Self::accepts_client_scheme`], for the CertificateRequest.
    fn client_schemes(&self) -> CodePoints<'_, SignatureScheme> {
        kept(&self.config.signature_schemes, |s| s.allowed_in_tls13())
    }

    fn step(
        &mut self,
        state: ServerState,
        input: Input<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        use ServerState as S;
        let raw = match input {
            Input::ChangeCipherSpec if state.ignores_change_cipher_spec() => return Ok(state),
            Input::ChangeCipherSpec => {
                return Err(HandshakeError::UnexpectedChangeCipherSpec(state.name()))
            }
            Input::Answer(answer) => return self.on_answer(state, answer, out),
            Input::Message(raw) => raw,
        };
        let name = state.name();
        match state {
            S::WaitClientHello(retry) => {
                expect(&raw, HandshakeType::ClientHello, name)?;
                let HandshakeMessage::ClientHello(ch) = decode(raw)? else {
                    return Err(misparsed());
                };
                self.on_client_hello(retry, &ch, raw, out)
            }
            S::WaitClientCertificate { mut wait, required } => {
                expect(&raw, HandshakeType::Certificate, name)?;
                let HandshakeMessage::Certificate(certificate) = decode(raw)? else {
                    return Err(misparsed());
                };
                let chain = peer_chain(certificate, b"", &self.config.chain_limits)?;
                wait.transcript.add(raw.encoded);
                if !chain.is_empty() {
                    out.push(Action::Request(Request::VerifyClientChain {
                        chain: chain.clone(),
                    }));
                    Ok(S::VerifyingClientChain { wait, chain })
                } else if required {
                    Err(refuse(
                        Alert::CertificateRequired,
                        "the client sent no certificate and one is required",
                    ))
                } else {
                    Ok(S::WaitClientFinished(wait))
                }
            }
            S::WaitClientCertificateVerify { mut wait, chain } => {
                expect(&raw, HandshakeType::CertificateVerify, name)?;
                let HandshakeMessage::CertificateVerify(cv) = decode(raw)? else {
                    return Err(misparsed());
                };
                let scheme = check_certificate_verify(
                    |s| self.accepts_client_scheme(*s),
                    &chain,
                    Side::Client,
                    &current_hash(&wait.transcript)?,
                    &cv,
                )?;
                wait.transcript.add(raw.encoded);
                wait.negotiated.peer_certificates = chain;
                wait.negotiated.peer_signature_scheme = Some(scheme);
                Ok(S::WaitClientFinished(wait))
            }
            S::WaitClientFinished(mut wait) => {
                expect(&raw, HandshakeType::Finished, name)?;
                let HandshakeMessage::Finished(finished) = decode(raw)? else {
                    return Err(misparsed());
                };
                check_finished(&wait.client_hs, &wait.transcript, &finished)?;
                wait.transcript.add(raw.encoded);
                let wait = *wait;
                let resumption = wait
                    .master
                    .resumption_master_secret(&current_hash(&wait.transcript)?);
                out.push(Action::SetReadKeys(key_change(
                    &wait.suite,
                    &wait.client_app,
                )));
                let mut connected = Box::new(Connected {
                    traffic: Traffic::new(
                        Side::Server,
                        wait.suite,
                        wait.client_app,
                        wait.server_app,
                        wait.exporter,
                        resumption,
                    ),
                    tickets: 0,
                });
                let negotiated = wait.negotiated;
                // RFC 8446 §4.6.1: tickets once the client's Finished verified, after
                // HandshakeComplete, which takes `negotiated` once they are made.
                let complete_at = out.len();
                self.send_tickets(&mut connected, &negotiated, out)?;
                out.insert(
                    complete_at,
                    Action::Event(Event::HandshakeComplete(negotiated)),
                );
                self.completed = true;
                Ok(S::Connected(connected))
            }
            S::Connected(mut connected) => {
                expect(&raw, HandshakeType::KeyUpdate, name)?;
                let HandshakeMessage::KeyUpdate(request) = decode(raw)? else {
                    return Err(misparsed());
                };
                connected.traffic.on_key_update(request, out);
                Ok(S::Connected(connected))
            }
            state @ (S::ChoosingCertificate(_)
            | S::Signing(_)
            | S::VerifyingClientChain { .. }
            | S::Poisoned) => Err(unexpected(raw.ty, state.name())),
        }
    }

    /// ClientHello (RFC 8446 §4.1.2): version, suite, group, and the requests that follow;
    /// or a HelloRetryRequest (§4.1.4).
    fn on_client_hello(
        &mut self,
        retry: Option<Box<Retry>>,
        ch: &ClientHello<'_>,
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        if ch.legacy_compression_methods.as_ref() != [0] {
            return Err(refuse(
                Alert::IllegalParameter,
                "legacy_compression_methods is not the null method alone",
            ));
        }
        self.check_version(ch)?;
        let suite = choose_suite(
            &self.config.suites,
            TlsVersion::Tls13,
            &ch.cipher_suites,
            |_| true,
        )
        .ok_or(refuse(Alert::HandshakeFailure, "no cipher suite in common"))?;
        let offer = ClientOffer::read(ch);
        check_tls13_offer(&offer)?;
        let sni = offer.sni()?.map(str::to_owned);
        let alpn = offer.choose_alpn(&self.config.alpn_protocols)?;
        let resumed = {
            let empty = Transcript::new();
            let prior = retry.as_ref().map_or(&empty, |r| &r.transcript);
            self.accept_psk(&offer, suite, sni.as_deref(), prior, raw.encoded)?
        };

        // RFC 8446 §4.2.9: psk_ke resumes without (EC)DHE; no key share is needed.
        let psk_only = resumed.as_ref().filter(|r| !r.dhe);
        let (transcript, sent_ccs, group, share) = match retry {
            Some(retry) => {
                let retry = *retry;
                if ch.random != retry.client_random {
                    return Err(refuse(
                        Alert::IllegalParameter,
                        "the second ClientHello changes the random",
                    ));
                }
                if suite != retry.suite {
                    return Err(refuse(
                        Alert::IllegalParameter,
                        "the second ClientHello does not allow the suite of the HelloRetryRequest",
                    ));
                }
                if retry.cookie.as_deref() != offer.cookie {
                    return Err(refuse(
                        Alert::IllegalParameter,
                        "the second ClientHello does not echo the cookie",
                    ));
                }
                let share = offer.share_for(retry.group).ok_or(refuse(
                    Alert::IllegalParameter,
                    "the second ClientHello lacks a key share for the group requested",
                ))?;
                let mut transcript = retry.transcript;
                transcript.add(raw.encoded);
                (transcript, retry.sent_ccs, retry.group, share)
            }
            None => {
                let mut transcript = Transcript::with_hash(suite.hash);
                transcript.add(raw.encoded);
                if let Some(psk_only) = psk_only {
                    // No (EC)DHE: Negotiated.group names the client's (unused) key share,
                    // or without one the original handshake's group.
                    let group = offer
                        .shares
                        .and_then(|s| s.first())
                        .map_or(psk_only.state.group, |s| s.group);
                    (transcript, false, group, &[][..])
                } else {
                    let shared = our_groups(&self.config.groups)
                        .find_map(|g| offer.share_for(g).map(|share| (g, share)));
                    let common =
                        our_groups(&self.config.groups).find(|g| offer.groups().contains(g));
                    if let Some((group, share)) = shared {
                        (transcript, false, group, share)
                    } else if let Some(group) = common {
                        return self.hello_retry(ch, suite, group, transcript, out);
                    } else {
                        return Err(refuse(
                            Alert::HandshakeFailure,
                            "no key exchange group in common",
                        ));
                    }
                }
            }
        };

        let (server_share, shared) = if psk_only.is_some() {
            (None, None)
        } else {
            let kx = KeyExchangeGroup::from_named_group(group)
                .ok_or(HandshakeError::Internal("selected an unsupported group"))?;
            let ours = EphemeralKeyPair::generate(kx, &SystemRandom::new())?;
            let server_share = ours.public_key_value();
            (Some(server_share), Some(ours.agree(share)?))
        };

        let accepted = Accepted {
            resumed,
            suite,
            group,
            client_random: ch.random,
            session_id: session_id_echo(&ch.legacy_session_id)?,
            sni,
            alpn,
            client_schemes: offer.schemes().to_vec(),
            server_share,
            shared,
            transcript,
            sent_ccs,
        };
        if accepted.resumed.is_some() {
            // RFC 8446 §2.2: a resumed handshake has no Certificate or CertificateVerify.
            return self.send_resumed_flight(accepted, out);
        }
        out.push(Action::Request(Request::ChooseServerCertificate {
            server_name: accepted.sni.clone(),
            signature_schemes: accepted.client_schemes.clone(),
            version: TlsVersion::Tls13,
        }));
        Ok(ServerState::ChoosingCertificate(Box::new(accepted)))
    }

    /// RFC 8446 §4.2.1: only supported_versions counts; without it, the client speaks
    /// TLS 1.2 or older.
    fn check_version(&self, ch: &ClientHello<'_>) -> Result<(), HandshakeError> {
        let versions = ch.extensions.iter().find_map(|e| match e {
            Extension::SupportedVersions(v) => Some(v),
            _ => None,
        });
        if versions.is_some_and(|v| v.contains(&ProtocolVersion::Tls13))
            && self.config.versions.contains(&TlsVersion::Tls13)
        {
            Ok(())
        } else {
            // `Server` takes TLS 1.2 clients elsewhere; this machine speaks TLS 1.3 only.
            Err(refuse(
                Alert::ProtocolVersion,
                "the client does not offer TLS 1.3, the only version of this server",
            ))
        }
    }

    /// Sends a HelloRetryRequest for `group` (RFC 8446 §4.1.4) and waits for the second
    /// ClientHello.
    fn hello_retry(
        &mut self,
        ch: &ClientHello<'_>,
        suite: SupportedSuite,
        group: NamedGroup,
        mut transcript: Transcript,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let client_hello_hash = current_hash(&transcript)?;
        transcript.replace_with_message_hash()?;
        let cookie = self
            .config
            .hello_retry_cookie
            .then(|| client_hello_hash.as_bytes().to_vec());
        let mut extensions = vec![
            Extension::SelectedVersion(ProtocolVersion::Tls13),
            Extension::KeyShareRequest(group),
        ];
        if let Some(cookie) = &cookie {
            extensions.push(Extension::Cookie(Cow::Borrowed(cookie)));
        }
        let hrr = HandshakeMessage::HelloRetryRequest(HelloRetryRequest {
            legacy_version: ProtocolVersion::Tls12,
            legacy_session_id_echo: Cow::Borrowed(&ch.legacy_session_id),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: Extensions(extensions),
        });
        transcript.add(send(out, &hrr));
        let sent_ccs = !ch.legacy_session_id.is_empty();
        if sent_ccs {
            out.push(Action::SendChangeCipherSpec);
        }
        Ok(ServerState::WaitClientHello(Some(Box::new(Retry {
            suite,
            group,
            cookie,
            client_random: ch.random,
            transcript,
            sent_ccs,
        }))))
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
            (S::VerifyingClientChain { wait, chain }, Answer::ChainVerified(result)) => {
                result.map_err(HandshakeError::Certificate)?;
                Ok(S::WaitClientCertificateVerify { wait, chain })
            }
            (state, _) => Err(HandshakeError::UnexpectedAnswer(state.name())),
        }
    }

    /// ServerHello (with pre_shared_key when a ticket was accepted, RFC 8446 §4.2.11),
    /// the handshake keys and EncryptedExtensions (RFC 8446 §4.1.3, §4.3.1, §7.1).
    fn send_hello(
        &mut self,
        accepted: &mut Accepted,
        out: &mut Vec<Action>,
    ) -> Result<
        (
            HandshakeSecret,
            HandshakeTrafficSecret,
            HandshakeTrafficSecret,
        ),
        HandshakeError,
    > {
        let suite = accepted.suite;
        let transcript = &mut accepted.transcript;
        let mut extensions = Vec::with_capacity(3);
        extensions.push(Extension::SelectedVersion(ProtocolVersion::Tls13));
        // RFC 8446 §4.2.9: no key_share in psk_ke mode.
        if let Some(server_share) = &accepted.server_share {
            extensions.push(Extension::KeyShare(KeyShareEntry {
                group: accepted.group,
                key_exchange: Cow::Borrowed(server_share.as_ref()),
            }));
        }
        if let Some(resumed) = &accepted.resumed {
            extensions.push(Extension::PreSharedKeySelected(resumed.index));
        }
        let server_hello = HandshakeMessage::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::Tls12,
            random: self.random,
            legacy_session_id_echo: Cow::Borrowed(
                accepted
                    .session_id
                    .0
                    .get(..accepted.session_id.1)
                    .unwrap_or_default(),
            ),
            cipher_suite: suite.suite,
            legacy_compression_method: 0,
            extensions: Extensions(extensions),
        });
        transcript.add(send(out, &server_hello));
        if accepted.session_id.1 != 0 && !accepted.sent_ccs {
            out.push(Action::SendChangeCipherSpec);
        }

        let hello_hash = current_hash(transcript)?;
        let psk = accepted.resumed.as_ref().map(|r| r.state.secret.as_bytes());
        // RFC 8446 §7.1: without (EC)DHE the input is Hash.length zero bytes.
        let no_dhe = [0u8; 64];
        let ikm = match &accepted.shared {
            Some(shared) => shared.as_bytes(),
            None => no_dhe
                .get(..suite.hash.output_len())
                .ok_or(HandshakeError::Internal("hash longer than 64 bytes"))?,
        };
        let schedule = EarlySecret::new(suite.hash, psk).into_handshake(ikm);
        let (client_hs, server_hs) = schedule.handshake_traffic_secrets(&hello_hash);
        out.push(key_log(
            label::CLIENT_HANDSHAKE,
            accepted.client_random,
            client_hs.secret(),
        ));
        out.push(key_log(
            label::SERVER_HANDSHAKE,
            accepted.client_random,
            server_hs.secret(),
        ));
        out.push(Action::SetWriteKeys(handshake_key_change(
            &suite, &server_hs,
        )));
        out.push(Action::SetReadKeys(handshake_key_change(
            &suite, &client_hs,
        )));

        let mut extensions = Vec::new();
        if accepted.sni.is_some() {
            extensions.push(Extension::ServerNameAck);
        }
        if let Some(protocol) = &accepted.alpn {
            extensions.push(Extension::Alpn(vec![Cow::Borrowed(protocol.as_slice())]));
        }
        let ee = HandshakeMessage::EncryptedExtensions(EncryptedExtensions {
            extensions: Extensions(extensions),
        });
        transcript.add(send(out, &ee));
        Ok((schedule, client_hs, server_hs))
    }

    /// A resumed handshake (RFC 8446 §2.2): ServerHello, EncryptedExtensions and
    /// Finished, with no Certificate, CertificateVerify or CertificateRequest.
    fn send_resumed_flight(
        &mut self,
        mut accepted: Accepted,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let (schedule, client_hs, server_hs) = self.send_hello(&mut accepted, out)?;
        let chain = accepted
            .resumed
            .map(|r| r.state.peer_certificates)
            .unwrap_or_default();
        self.send_finished(
            Signing {
                suite: accepted.suite,
                group: accepted.group,
                client_random: accepted.client_random,
                transcript: accepted.transcript,
                schedule,
                client_hs,
                server_hs,
                scheme: None,
                sni: accepted.sni,
                alpn: accepted.alpn,
                client_auth: None,
                resumed: Some(chain),
            },
            out,
        )
    }

    /// The PSK of the first offered ticket that opens and fits (RFC 8446 §4.2.11): of
    /// TLS 1.3, the suite's hash, not expired, its age within [`AGE_TOLERANCE_MS`] of
    /// what the client says, the same SNI; any other is ignored (a full handshake
    /// follows). The chosen identity's binder must verify (§4.2.11.2: else
    /// decrypt_error). `prior` holds the messages before this ClientHello (after a
    /// HelloRetryRequest).
    fn accept_psk(
        &self,
        offer: &ClientOffer<'_, '_>,
        suite: SupportedSuite,
        sni: Option<&str>,
        prior: &Transcript,
        client_hello: &[u8],
    ) -> Result<Option<Resumed>, HandshakeError> {
        let Some(psks) = offer.psks else {
            return Ok(None);
        };
        let modes = offer.psk_modes.ok_or(refuse(
            Alert::MissingExtension,
            "pre_shared_key without psk_key_exchange_modes",
        ))?;
        if psks.identities.len() != psks.binders.len() {
            return Err(refuse(
                Alert::IllegalParameter,
                "pre_shared_key has as many binders as identities",
            ));
        }
        // RFC 8446 §4.2.9: psk_dhe_ke when offered; psk_ke (no (EC)DHE) only when the
        // server allows it; else a full handshake.
        let dhe = if modes.contains(&PskKeyExchangeMode::PskDheKe) {
            true
        } else if self.config.allow_psk_ke && modes.contains(&PskKeyExchangeMode::PskKe) {
            false
        } else {
            return Ok(None);
        };
        let Some(keys) = &self.config.ticket_keys else {
            return Ok(None);
        };
        let now = self.config.now;
        for (index, identity) in psks.identities.iter().enumerate() {
            let Some(plain) = keys.open(&identity.identity) else {
                continue;
            };
            let Some(state) = SessionState::decode(&plain) else {
                continue;
            };
            let age_ms = now.saturating_sub(state.created).saturating_mul(1000);
            let claimed = identity.obfuscated_ticket_age.wrapping_sub(state.age_add);
            let fits = state.version == TlsVersion::Tls13
                && state.suite.hash == suite.hash
                && now >= state.created
                && now - state.created <= u64::from(state.lifetime)
                && (i64::try_from(age_ms).unwrap_or(i64::MAX) - i64::from(claimed)).abs()
                    <= AGE_TOLERANCE_MS
                && state.sni.as_deref() == sni;
            if !fits {
                continue;
            }
            let binder = psks
                .binders
                .get(index)
                .ok_or(HandshakeError::Internal("binder count checked"))?;
            let truncated = client_hello
                .len()
                .checked_sub(psks.binders_encoded_len())
                .and_then(|len| client_hello.get(..len))
                .ok_or(refuse(
                    Alert::DecodeError,
                    "pre_shared_key binders misplaced",
                ))?;
            let hash = prior
                .hash_with(suite.hash, truncated)
                .ok_or(HandshakeError::Internal(
                    "the retry transcript hash differs",
                ))?;
            let binder_key = EarlySecret::new(suite.hash, Some(state.secret.as_bytes()))
                .binder_key(BinderKind::Resumption);
            let expected = verify_data(suite.hash, &binder_key, &hash);
            if !expected.ct_eq(binder) {
                return Err(refuse(
                    Alert::DecryptError,
                    "the PSK binder does not verify",
                ));
            }
            let index = u16::try_from(index)
                .map_err(|_| refuse(Alert::IllegalParameter, "too many PSK identities"))?;
            return Ok(Some(Resumed { index, state, dhe }));
        }
        Ok(None)
    }

    /// After the handshake: the configured number of tickets, each sealing the
    /// resumption PSK and the session's identity (RFC 8446 §4.6.1).
    fn send_tickets(
        &self,
        connected: &mut Connected,
        negotiated: &Negotiated,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        let Some(keys) = &self.config.ticket_keys else {
            return Ok(());
        };
        let lifetime = self.config.ticket_lifetime.min(MAX_TICKET_LIFETIME);
        let rng = SystemRandom::new();
        for _ in 0..self.config.tickets_per_handshake {
            // The ticket's age_add (RFC 8446 §4.6.1) and its sealing nonce in one read of
            // the random source (each read is a system call).
            let mut random = [0u8; 4 + NONCE_LEN];
            rng.fill(&mut random)
                .map_err(|_| HandshakeError::Internal("no randomness for a ticket"))?;
            let [a, b, c, d, seal_nonce @ ..] = random;
            let age_add = u32::from_be_bytes([a, b, c, d]);
            let (nonce, psk) = next_ticket_psk(connected)?;
            let suite = *connected.traffic.suite();
            let state = SessionState {
                version: TlsVersion::Tls13,
                suite,
                group: negotiated.group,
                secret: psk,
                created: self.config.now,
                lifetime,
                age_add,
                extended_master_secret: true,
                alpn: negotiated.alpn.clone(),
                sni: negotiated.server_name.clone(),
                peer_certificates: negotiated.peer_certificates.clone(),
            };
            let ticket = keys.seal_state(&state, seal_nonce)?;
            send_new_session_ticket(out, lifetime, age_add, &nonce, ticket);
        }
        Ok(())
    }

    /// ServerHello, the handshake keys, EncryptedExtensions, CertificateRequest and
    /// Certificate; then the request to sign CertificateVerify (RFC 8446 §4.1.3–§4.4.2).
    fn send_first_flight(
        &mut self,
        mut accepted: Accepted,
        certified: Option<Arc<CertifiedKey>>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let certified = server_certificate(certified, accepted.sni.as_deref())?;
        let scheme = certified
            .key()
            .choose_scheme(&accepted.client_schemes, TlsVersion::Tls13)
            .ok_or(refuse(
                Alert::HandshakeFailure,
                "no signature scheme in common with the client",
            ))?;
        let suite = accepted.suite;
        let (schedule, client_hs, server_hs) = self.send_hello(&mut accepted, out)?;
        let transcript = &mut accepted.transcript;
        let client_auth = client_auth(&self.config.client_auth);
        if let Some((_, authorities)) = client_auth {
            let schemes = self.client_schemes();
            if schemes.is_empty() {
                return Err(HandshakeError::Internal(
                    "client authentication without a TLS 1.3 signature scheme configured",
                ));
            }
            let mut extensions = vec![Extension::SignatureAlgorithms(schemes)];
            if !authorities.is_empty() {
                extensions.push(Extension::CertificateAuthorities(
                    authorities
                        .iter()
                        .map(|n| Cow::Borrowed(n.as_slice()))
                        .collect(),
                ));
            }
            let request = HandshakeMessage::CertificateRequest(CertificateRequestTls13 {
                context: Cow::Borrowed(&[]),
                extensions: Extensions(extensions),
            });
            transcript.add(send(out, &request));
        }

        let certificate = certificate_message(&[], certified.chain());
        transcript.add(send(out, &certificate));
        let content = certificate_verify_content(Side::Server, &current_hash(transcript)?);
        out.push(Action::Request(Request::Sign {
            key: Arc::clone(certified.key()),
            scheme,
            message: content.to_vec(),
        }));
        Ok(ServerState::Signing(Box::new(Signing {
            suite,
            group: accepted.group,
            client_random: accepted.client_random,
            transcript: accepted.transcript,
            schedule,
            client_hs,
            server_hs,
            scheme: Some(scheme),
            sni: accepted.sni,
            alpn: accepted.alpn,
            client_auth: client_auth.map(|(required, _)| required),
            resumed: None,
        })))
    }

    /// CertificateVerify, Finished and the application write keys (RFC 8446 §4.4.3,
    /// §4.4.4, §7.1).
    fn finish_first_flight(
        &mut self,
        mut signing: Signing,
        signature: Vec<u8>,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let scheme = signing.scheme.ok_or(HandshakeError::Internal(
            "a signature in a resumed handshake",
        ))?;
        let verify = certificate_verify_message(scheme, signature);
        signing.transcript.add(send(out, &verify));
        self.send_finished(signing, out)
    }

    /// The server's Finished and the application write keys (RFC 8446 §4.4.4, §7.1).
    fn send_finished(
        &mut self,
        mut signing: Signing,
        out: &mut Vec<Action>,
    ) -> Result<ServerState, HandshakeError> {
        let suite = signing.suite;
        let finished = send_finished(out, &signing.server_hs, &signing.transcript)?;
        signing.transcript.add(finished);

        let through_finished = current_hash(&signing.transcript)?;
        let master = signing.schedule.into_master();
        let ApplicationSecrets {
            client: client_app,
            server: server_app,
            exporter,
        } = master.application_secrets(&through_finished);
        let random = signing.client_random;
        out.push(key_log(label::CLIENT_TRAFFIC_0, random, &client_app));
        out.push(key_log(label::SERVER_TRAFFIC_0, random, &server_app));
        out.push(key_log(label::EXPORTER, random, &exporter));
        out.push(Action::SetWriteKeys(key_change(&suite, &server_app)));

        let wait = Box::new(AwaitClient {
            suite,
            transcript: signing.transcript,
            master,
            client_hs: signing.client_hs,
            client_app,
            server_app,
            exporter,
            negotiated: Negotiated {
                version: TlsVersion::Tls13,
                suite,
                group: signing.group,
                alpn: signing.alpn,
                server_name: signing.sni,
                resumed: signing.resumed.is_some(),
                peer_certificates: signing.resumed.unwrap_or_default(),
                peer_signature_scheme: None,
            },
        });
        Ok(match signing.client_auth {
            Some(required) => ServerState::WaitClientCertificate { wait, required },
            None => ServerState::WaitClientFinished(wait),
        })
    }
}

/// The TLS 1.3 requirements on a ClientHello's extensions: supported_groups, key_share
/// and signature_algorithms must be there (missing_extension), and each share must be of
/// an offered group, once (illegal_parameter, RFC 8446 §4.2.8).
fn check_tls13_offer(offer: &ClientOffer<'_, '_>) -> Result<(), HandshakeError> {
    let missing = |reason| refuse(Alert::MissingExtension, reason);
    let groups = offer
        .groups
        .ok_or(missing("ClientHello without supported_groups"))?;
    let shares = offer
        .shares
        .ok_or(missing("ClientHello without key_share"))?;
    offer
        .schemes
        .ok_or(missing("ClientHello without signature_algorithms"))?;
    for (i, share) in shares.iter().enumerate() {
        if !groups.contains(&share.group) {
            return Err(refuse(
                Alert::IllegalParameter,
                "a key share is for a group not in supported_groups",
            ));
        }
        if shares.iter().take(i).any(|s| s.group == share.group) {
            return Err(refuse(
                Alert::IllegalParameter,
                "two key shares for the same group",
            ));
        }
    }
    Ok(())
}

impl MachineState for ServerState {
    const POISONED: Self = Self::Poisoned;

    fn is_poisoned(&self) -> bool {
        matches!(self, Self::Poisoned)
    }
}

impl StateMachine for Tls13Server {
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
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        let ServerState::Connected(connected) = &mut self.state else {
            return Err(not_connected("KeyUpdate before the handshake completed"));
        };
        let request = if request_peer {
            KeyUpdateRequest::UpdateRequested
        } else {
            KeyUpdateRequest::UpdateNotRequested
        };
        connected.traffic.update_write(request, out);
        Ok(())
    }

    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        match &self.state {
            ServerState::Connected(connected) => connected.traffic.export(label, context, out),
            _ => Err(not_connected(
                "exporter used before the handshake completed",
            )),
        }
    }
}

/// The next ticket's nonce, a per-connection counter, and the resumption PSK it makes
/// (RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption",
/// ticket_nonce, Hash.length)).
fn next_ticket_psk(connected: &mut Connected) -> Result<([u8; 8], Secret), HandshakeError> {
    let nonce = connected.tickets.to_be_bytes();
    connected.tickets += 1;
    let psk = resumption_psk(
        connected.traffic.suite().hash,
        connected.traffic.resumption_master_secret(),
        &nonce,
    )?;
    Ok((nonce, psk))
}

/// A NewSessionTicket onto the flight in `out` (RFC 8446 §4.6.1).
fn send_new_session_ticket(
    out: &mut Vec<Action>,
    lifetime: u32,
    age_add: u32,
    nonce: &[u8],
    ticket: Vec<u8>,
) {
    send(
        out,
        &HandshakeMessage::NewSessionTicket(NewSessionTicketTls13 {
            lifetime,
            age_add,
            nonce: Cow::Borrowed(nonce),
            ticket: Cow::Owned(ticket),
            extensions: Extensions::default(),
        }),
    );
}
