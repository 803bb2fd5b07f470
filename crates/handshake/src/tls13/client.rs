//! The TLS 1.3 client (RFC 8446 §4, Appendix A.1).

use std::borrow::Cow;
use std::sync::Arc;

use bytes::BytesMut;
use ring::rand::SystemRandom;
use strata_alert::AlertDescription as Alert;
use strata_pki::{CertifiedKey, SignatureScheme, TlsVersion};
use strata_record::ProtocolVersion;

use super::{
    certificate_message, certificate_verify_content, certificate_verify_message,
    check_certificate_verify, check_finished, current_hash, decode, expect, handshake_key_change,
    key_change, key_log, label, misparsed, not_connected, peer_chain, refuse, send_finished,
    unexpected, Side, Traffic,
};
use crate::common::{
    advance, client_signing_key, encode_client_hello, has_downgrade_sentinel, send, MachineState,
};
use crate::extensions::{OfferedPsks, PskIdentity, PskKeyExchangeMode};
use crate::key_schedule::tls13::{
    resumption_psk, verify_data, ApplicationSecrets, BinderKind, EarlySecret, HandshakeSecret,
    HandshakeTrafficSecret, MasterSecret,
};
use crate::kx::{EphemeralKeyPair, KeyExchangeGroup};
use crate::machine::{
    Action, Answer, ClientHandshakeConfig, Event, Input, Negotiated, Request, StateMachine, Ticket,
};
use crate::messages::{ClientHello, HandshakeMessage, HelloRetryRequest, RawMessage, ServerHello};
use crate::negotiate::{share_entry, Offer};
use crate::suites::SupportedSuite;
use crate::{
    CipherSuite, Extension, HandshakeError, HandshakeType, NamedGroup, Secret, Transcript,
};

/// The longest ticket lifetime a server may give: seven days (RFC 8446 §4.6.1).
const MAX_TICKET_LIFETIME: u32 = 604_800;

/// The server's CertificateRequest (RFC 8446 §4.3.2).
#[derive(Debug)]
struct CertRequest {
    context: Vec<u8>,
    schemes: Vec<SignatureScheme>,
    authorities: Vec<Vec<u8>>,
}

/// Waiting for ServerHello or HelloRetryRequest.
#[derive(Debug)]
struct Hello {
    /// Whether the last ClientHello offered pre_shared_key.
    psk_offered: bool,
    key_share: EphemeralKeyPair,
    transcript: Transcript,
    /// The suite of the HelloRetryRequest, once one was received.
    retried_with: Option<CipherSuite>,
    sent_ccs: bool,
}

/// The handshake after ServerHello: the schedule and the handshake traffic secrets.
struct Core {
    suite: SupportedSuite,
    group: NamedGroup,
    transcript: Transcript,
    schedule: HandshakeSecret,
    client_hs: HandshakeTrafficSecret,
    server_hs: HandshakeTrafficSecret,
    sent_ccs: bool,
    /// In a resumed handshake: the server's chain from the ticket.
    resumed: Option<Chain>,
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("suite", &self.suite.suite)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// After the server's Finished: what the client's second flight needs.
struct Finishing {
    suite: SupportedSuite,
    transcript: Transcript,
    master: MasterSecret,
    client_hs: HandshakeTrafficSecret,
    client_app: Secret,
    server_app: Secret,
    exporter: Secret,
    negotiated: Negotiated,
    sent_ccs: bool,
}

impl core::fmt::Debug for Finishing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Finishing")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

type Chain = crate::machine::PeerChain;

/// What a connected client records with each ticket it receives, besides the offer's SNI
/// (RFC 8446 §4.6.1): the rest of [`Negotiated`] went to the application.
#[derive(Debug)]
struct TicketContext {
    peer_certificates: Chain,
    alpn: Option<Vec<u8>>,
}

/// The client's states (RFC 8446 Appendix A.1), each with what it needs.
#[derive(Debug)]
enum ClientState {
    WaitServerHello(Box<Hello>),
    WaitEncryptedExtensions {
        core: Box<Core>,
    },
    WaitCertificateOrRequest {
        core: Box<Core>,
        alpn: Option<Vec<u8>>,
    },
    WaitCertificate {
        core: Box<Core>,
        alpn: Option<Vec<u8>>,
        request: CertRequest,
    },
    /// Request::VerifyServerChain is outstanding.
    VerifyingServerChain {
        core: Box<Core>,
        alpn: Option<Vec<u8>>,
        request: Option<CertRequest>,
        chain: Chain,
    },
    WaitCertificateVerify {
        core: Box<Core>,
        alpn: Option<Vec<u8>>,
        request: Option<CertRequest>,
        chain: Chain,
    },
    /// `scheme` is `None` in a resumed handshake (no CertificateVerify).
    WaitFinished {
        core: Box<Core>,
        alpn: Option<Vec<u8>>,
        request: Option<CertRequest>,
        chain: Chain,
        scheme: Option<SignatureScheme>,
    },
    /// Request::ChooseClientCertificate is outstanding.
    ChoosingClientCertificate {
        finishing: Box<Finishing>,
        request: CertRequest,
    },
    /// Request::Sign is outstanding for the client's CertificateVerify.
    SigningClientVerify {
        finishing: Box<Finishing>,
        scheme: SignatureScheme,
    },
    Connected(Box<Traffic>, TicketContext),
    /// Taken while a step runs; left behind by an error.
    Poisoned,
}

impl ClientState {
    fn name(&self) -> &'static str {
        match self {
            Self::WaitServerHello(_) => "waiting for ServerHello",
            Self::WaitEncryptedExtensions { .. } => "waiting for EncryptedExtensions",
            Self::WaitCertificateOrRequest { .. } => {
                "waiting for Certificate or CertificateRequest"
            }
            Self::WaitCertificate { .. } => "waiting for Certificate",
            Self::VerifyingServerChain { .. } => "verifying the server's certificate chain",
            Self::WaitCertificateVerify { .. } => "waiting for CertificateVerify",
            Self::WaitFinished { .. } => "waiting for Finished",
            Self::ChoosingClientCertificate { .. } => "choosing a client certificate",
            Self::SigningClientVerify { .. } => "signing the client CertificateVerify",
            Self::Connected(..) => "connected",
            Self::Poisoned => "failed",
        }
    }

    /// RFC 8446 §5: a CCS is dropped after the first ClientHello and before the server's
    /// Finished.
    fn ignores_change_cipher_spec(&self) -> bool {
        matches!(
            self,
            Self::WaitServerHello(_)
                | Self::WaitEncryptedExtensions { .. }
                | Self::WaitCertificateOrRequest { .. }
                | Self::WaitCertificate { .. }
                | Self::VerifyingServerChain { .. }
                | Self::WaitCertificateVerify { .. }
                | Self::WaitFinished { .. }
        )
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

/// A TLS 1.3 client handshake (RFC 8446 §4).
#[derive(Debug)]
pub struct Tls13Client {
    offer: Offer,
    state: ClientState,
    completed: bool,
}

impl Tls13Client {
    /// A TLS 1.3-only client for `config` (the TLS 1.2 of `config.versions` is left
    /// out); its first action, Send(ClientHello), is appended to `out`. `session_id` is
    /// the legacy_session_id sent in middlebox compatibility mode (RFC 8446 §D.4).
    /// [`Client`](crate::Client) offers every configured version.
    pub fn new(
        config: ClientHandshakeConfig,
        random: [u8; 32],
        session_id: [u8; 32],
        out: &mut Vec<Action>,
    ) -> Result<Self, HandshakeError> {
        if !config.versions.contains(&TlsVersion::Tls13) {
            return Err(HandshakeError::Internal(
                "a TLS 1.3 client needs TLS 1.3 among the configured versions",
            ));
        }
        let offer = Offer::new(config, &[TlsVersion::Tls13], random, session_id)?;
        let key_share = EphemeralKeyPair::generate(offer.first_group()?, &SystemRandom::new())?;
        let (encoded, psk_offered) = first_client_hello(&offer, &key_share)?;
        let client = Self::with_hello(offer, key_share, psk_offered, &encoded);
        out.push(Action::Send(encoded));
        Ok(client)
    }

    /// A client whose ClientHello (encoded as `encoded`, with `key_share`, offering a PSK
    /// if `psk_offered`) is already built, waiting for ServerHello.
    pub(crate) fn with_hello(
        offer: Offer,
        key_share: EphemeralKeyPair,
        psk_offered: bool,
        encoded: &[u8],
    ) -> Self {
        let mut transcript = Transcript::new();
        transcript.add(encoded);
        let state = ClientState::WaitServerHello(Box::new(Hello {
            psk_offered,
            key_share,
            transcript,
            retried_with: None,
            sent_ccs: false,
        }));
        Self {
            offer,
            state,
            completed: false,
        }
    }
}

/// The first ClientHello of `offer` with `key_share` and, for a ticket, pre_shared_key,
/// encoded; and whether it offers the PSK.
pub(crate) fn first_client_hello(
    offer: &Offer,
    key_share: &EphemeralKeyPair,
) -> Result<(BytesMut, bool), HandshakeError> {
    let client_hello = offer.client_hello(Some(share_entry(key_share)));
    encode_with_psk(offer, client_hello, &Transcript::new())
}

/// Placeholder binders: the longest hash's worth of zeros.
const ZERO_BINDER: [u8; 48] = [0; 48];

/// Encodes `client_hello` with pre_shared_key for the offer's TLS 1.3 ticket, if any
/// (RFC 8446 §4.2.11): the obfuscated age (age in ms + ticket_age_add, mod 2^32) and the
/// binder, an HMAC under the "res binder" key over the transcript so far (`prior`: empty,
/// or message_hash and HelloRetryRequest) and the ClientHello up to the binders
/// (§4.2.11.2). Any earlier pre_shared_key is replaced. The hello is encoded once, with a
/// zero binder, which the real one then overwrites in place: the binder is the last bytes
/// of the message (pre_shared_key comes last, with one identity). Says whether it
/// offered the PSK.
pub(crate) fn encode_with_psk<'o>(
    offer: &'o Offer,
    mut client_hello: ClientHello<'o>,
    prior: &Transcript,
) -> Result<(BytesMut, bool), HandshakeError> {
    client_hello
        .extensions
        .0
        .retain(|e| !matches!(e, Extension::PreSharedKey(_)));
    let Some(stored) = offer.tls13_ticket() else {
        return Ok((encode_client_hello(&client_hello), false));
    };
    let ticket = &stored.ticket;
    let hash = ticket.suite.hash;
    let age_ms = offer
        .now
        .saturating_sub(stored.received)
        .saturating_mul(1000);
    // RFC 8446 §4.2.11.1: mod 2^32.
    let age = u32::try_from(age_ms % (1 << 32)).unwrap_or_default();
    let placeholder = ZERO_BINDER
        .get(..hash.output_len())
        .ok_or(HandshakeError::Internal("a hash longer than SHA-384"))?;
    let psks = OfferedPsks {
        identities: vec![PskIdentity {
            identity: Cow::Borrowed(&ticket.ticket),
            obfuscated_ticket_age: age.wrapping_add(ticket.age_add),
        }],
        binders: vec![Cow::Borrowed(placeholder)],
    };
    let binders_len = psks.binders_encoded_len();
    client_hello
        .extensions
        .0
        .push(Extension::PreSharedKey(psks));
    let mut encoded = encode_client_hello(&client_hello);
    let short = HandshakeError::Internal("a ClientHello shorter than its binders");
    let truncated_len = encoded
        .len()
        .checked_sub(binders_len)
        .ok_or(short.clone())?;
    let truncated = encoded.get(..truncated_len).ok_or(short.clone())?;
    let transcript_hash = prior
        .hash_with(hash, truncated)
        .ok_or(HandshakeError::Internal(
            "the ticket's hash is not the transcript's",
        ))?;
    let binder_key =
        EarlySecret::new(hash, Some(ticket.psk.as_bytes())).binder_key(BinderKind::Resumption);
    let binder = verify_data(hash, &binder_key, &transcript_hash);
    let binder_at = encoded
        .len()
        .checked_sub(binder.as_bytes().len())
        .ok_or(short.clone())?;
    encoded
        .get_mut(binder_at..)
        .ok_or(short)?
        .copy_from_slice(binder.as_bytes());
    Ok((encoded, true))
}

/// The checks ServerHello and HelloRetryRequest share (RFC 8446 §4.1.3, §4.1.4).
fn check_hello_fields(
    offer: &Offer,
    session_id_echo: &[u8],
    compression: u8,
    suite: CipherSuite,
) -> Result<SupportedSuite, HandshakeError> {
    if session_id_echo != offer.session_id.as_slice() {
        return Err(refuse(
            Alert::IllegalParameter,
            "the server did not echo legacy_session_id",
        ));
    }
    if compression != 0 {
        return Err(refuse(
            Alert::IllegalParameter,
            "the server chose a compression method",
        ));
    }
    offer.offered_suite(suite, TlsVersion::Tls13).ok_or(refuse(
        Alert::IllegalParameter,
        "the server chose a cipher suite that was not offered",
    ))
}

/// The version a TLS 1.3 ServerHello or HelloRetryRequest selects (RFC 8446 §4.2.1).
fn check_selected_version(selected: ProtocolVersion) -> Result<(), HandshakeError> {
    if selected == ProtocolVersion::Tls13 {
        Ok(())
    } else {
        Err(refuse(
            Alert::IllegalParameter,
            "the server selected a version that was not offered",
        ))
    }
}

impl Tls13Client {
    fn step(
        &mut self,
        state: ClientState,
        input: Input<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        use ClientState as S;
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
            S::WaitServerHello(hello) => {
                expect(&raw, HandshakeType::ServerHello, name)?;
                match decode(raw)? {
                    HandshakeMessage::ServerHello(sh) => {
                        self.on_server_hello(*hello, sh, raw.encoded, out)
                    }
                    HandshakeMessage::HelloRetryRequest(hrr) => {
                        self.on_hello_retry_request(*hello, hrr, raw.encoded, out)
                    }
                    _ => Err(misparsed()),
                }
            }
            S::WaitEncryptedExtensions { core } => {
                expect(&raw, HandshakeType::EncryptedExtensions, name)?;
                self.on_encrypted_extensions(core, raw)
            }
            S::WaitCertificateOrRequest { mut core, alpn } => match raw.ty {
                HandshakeType::CertificateRequest => {
                    let HandshakeMessage::CertificateRequest(cr) = decode(raw)? else {
                        return Err(misparsed());
                    };
                    if !cr.context.is_empty() {
                        return Err(refuse(
                            Alert::IllegalParameter,
                            "CertificateRequest during the handshake has a non-empty context",
                        ));
                    }
                    let mut schemes = None;
                    let mut authorities = Vec::new();
                    for ext in cr.extensions.iter() {
                        match ext {
                            Extension::SignatureAlgorithms(list) => schemes = Some(list.to_vec()),
                            Extension::CertificateAuthorities(names) => {
                                authorities = names.iter().map(|n| n.to_vec()).collect();
                            }
                            // RFC 8446 §4.3.2: clients ignore unrecognized extensions.
                            _ => {}
                        }
                    }
                    let schemes = schemes.ok_or(refuse(
                        Alert::MissingExtension,
                        "CertificateRequest without signature_algorithms",
                    ))?;
                    core.transcript.add(raw.encoded);
                    Ok(S::WaitCertificate {
                        core,
                        alpn,
                        request: CertRequest {
                            context: cr.context.to_vec(),
                            schemes,
                            authorities,
                        },
                    })
                }
                HandshakeType::Certificate => self.on_certificate(core, alpn, None, raw, out),
                other => Err(unexpected(other, name)),
            },
            S::WaitCertificate {
                core,
                alpn,
                request,
            } => {
                expect(&raw, HandshakeType::Certificate, name)?;
                self.on_certificate(core, alpn, Some(request), raw, out)
            }
            S::WaitCertificateVerify {
                mut core,
                alpn,
                request,
                chain,
            } => {
                expect(&raw, HandshakeType::CertificateVerify, name)?;
                let HandshakeMessage::CertificateVerify(cv) = decode(raw)? else {
                    return Err(misparsed());
                };
                let scheme = check_certificate_verify(
                    |s| self.offer.schemes.contains(s),
                    &chain,
                    Side::Server,
                    &current_hash(&core.transcript)?,
                    &cv,
                )?;
                core.transcript.add(raw.encoded);
                Ok(S::WaitFinished {
                    core,
                    alpn,
                    request,
                    chain,
                    scheme: Some(scheme),
                })
            }
            S::WaitFinished {
                core,
                alpn,
                request,
                chain,
                scheme,
            } => {
                expect(&raw, HandshakeType::Finished, name)?;
                let HandshakeMessage::Finished(finished) = decode(raw)? else {
                    return Err(misparsed());
                };
                self.on_server_finished(*core, alpn, request, chain, scheme, &finished, raw, out)
            }
            S::Connected(mut traffic, negotiated) => {
                match raw.ty {
                    HandshakeType::KeyUpdate => {
                        let HandshakeMessage::KeyUpdate(request) = decode(raw)? else {
                            return Err(misparsed());
                        };
                        traffic.on_key_update(request, out);
                    }
                    HandshakeType::NewSessionTicket => {
                        let HandshakeMessage::NewSessionTicket(nst) = decode(raw)? else {
                            return Err(misparsed());
                        };
                        if nst.lifetime > MAX_TICKET_LIFETIME {
                            return Err(refuse(
                                Alert::IllegalParameter,
                                "NewSessionTicket lifetime longer than seven days",
                            ));
                        }
                        let suite = *traffic.suite();
                        let psk = resumption_psk(
                            suite.hash,
                            traffic.resumption_master_secret(),
                            &nst.nonce,
                        )?;
                        let max_early_data = nst.extensions.iter().find_map(|e| match e {
                            Extension::EarlyDataMax(max) => Some(*max),
                            _ => None,
                        });
                        out.push(Action::Event(Event::TicketReceived(Ticket {
                            lifetime: nst.lifetime,
                            age_add: nst.age_add,
                            ticket: nst.ticket.to_vec(),
                            psk,
                            suite,
                            max_early_data,
                            peer_certificates: negotiated.peer_certificates.clone(),
                            server_name: self.offer.sni.clone(),
                            alpn: negotiated.alpn.clone(),
                        })));
                    }
                    other => return Err(unexpected(other, name)),
                }
                Ok(S::Connected(traffic, negotiated))
            }
            state @ (S::VerifyingServerChain { .. }
            | S::ChoosingClientCertificate { .. }
            | S::SigningClientVerify { .. }
            | S::Poisoned) => Err(unexpected(raw.ty, state.name())),
        }
    }

    fn on_hello_retry_request(
        &mut self,
        mut hello: Hello,
        hrr: HelloRetryRequest<'_>,
        encoded: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        if hello.retried_with.is_some() {
            // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
            return Err(unexpected(
                HandshakeType::ServerHello,
                "waiting for ServerHello after a HelloRetryRequest",
            ));
        }
        let suite = check_hello_fields(
            &self.offer,
            &hrr.legacy_session_id_echo,
            hrr.legacy_compression_method,
            hrr.cipher_suite,
        )?;
        let mut selected = None;
        let mut group = None;
        let mut cookie = None;
        for ext in hrr.extensions.iter() {
            match ext {
                Extension::SelectedVersion(v) => selected = Some(*v),
                Extension::KeyShareRequest(g) => group = Some(*g),
                Extension::Cookie(c) => cookie = Some(c.as_ref()),
                _ => {
                    return Err(refuse(
                        Alert::UnsupportedExtension,
                        "HelloRetryRequest carries an extension that was not offered",
                    ))
                }
            }
        }
        let selected = selected.ok_or(refuse(
            Alert::MissingExtension,
            "HelloRetryRequest without supported_versions",
        ))?;
        check_selected_version(selected)?;
        if group.is_none() && cookie.is_none() {
            return Err(refuse(
                Alert::IllegalParameter,
                "HelloRetryRequest would not change the ClientHello",
            ));
        }
        if let Some(group) = group {
            if !self.offer.groups.contains(&group) {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "HelloRetryRequest asks for a group that was not offered",
                ));
            }
            if group == hello.key_share.group().named_group() {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "HelloRetryRequest asks for the group whose share was already sent",
                ));
            }
            let kx = KeyExchangeGroup::from_named_group(group)
                .ok_or(HandshakeError::Internal("offered an unsupported group"))?;
            hello.key_share = EphemeralKeyPair::generate(kx, &SystemRandom::new())?;
        }

        // RFC 8446 §4.4.1: ClientHello1 becomes message_hash, then HelloRetryRequest.
        hello.transcript.start_hash(suite.hash)?;
        hello.transcript.replace_with_message_hash()?;
        hello.transcript.add(encoded);

        // RFC 8446 §4.1.2: the same ClientHello with the new share and the cookie.
        let mut client_hello = self.offer.client_hello(Some(share_entry(&hello.key_share)));
        if let Some(cookie) = cookie {
            client_hello
                .extensions
                .0
                .push(Extension::Cookie(Cow::Borrowed(cookie)));
        }
        // RFC 8446 §4.1.4: the PSK again, with a new binder, if its hash is the suite's.
        let (encoded, psk_offered) = if self
            .offer
            .tls13_ticket()
            .is_some_and(|t| t.ticket.suite.hash == suite.hash)
        {
            encode_with_psk(&self.offer, client_hello, &hello.transcript)?
        } else {
            (encode_client_hello(&client_hello), false)
        };
        hello.psk_offered = psk_offered;
        hello.transcript.add(&encoded);

        if self.offer.middlebox_compatibility {
            out.push(Action::SendChangeCipherSpec);
            hello.sent_ccs = true;
        }
        out.push(Action::Send(encoded));
        hello.retried_with = Some(suite.suite);
        Ok(ClientState::WaitServerHello(Box::new(hello)))
    }

    fn on_server_hello(
        &mut self,
        mut hello: Hello,
        sh: ServerHello<'_>,
        encoded: &[u8],
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        let mut selected = None;
        let mut share = None;
        let mut psk_index = None;
        for ext in sh.extensions.iter() {
            match ext {
                Extension::SelectedVersion(v) => selected = Some(*v),
                Extension::KeyShare(entry) => share = Some(entry),
                Extension::PreSharedKeySelected(i) => psk_index = Some(*i),
                _ => {}
            }
        }
        let Some(selected) = selected else {
            // A TLS 1.2 (or older) ServerHello, to a client that offered only TLS 1.3
            // here (`Client` takes TLS 1.2 elsewhere): RFC 8446 §4.1.3's downgrade
            // sentinel first.
            if has_downgrade_sentinel(&sh.random) {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "the server's random carries the TLS 1.3 downgrade sentinel",
                ));
            }
            return Err(refuse(
                Alert::ProtocolVersion,
                "the server chose a version below TLS 1.3, and only TLS 1.3 was offered",
            ));
        };
        check_selected_version(selected)?;
        let suite = check_hello_fields(
            &self.offer,
            &sh.legacy_session_id_echo,
            sh.legacy_compression_method,
            sh.cipher_suite,
        )?;
        if hello.retried_with.is_some_and(|s| s != suite.suite) {
            return Err(refuse(
                Alert::IllegalParameter,
                "ServerHello changes the cipher suite of the HelloRetryRequest",
            ));
        }
        let psk_offered = hello.psk_offered;
        let allowed = |e: &Extension<'_>| match e {
            Extension::SelectedVersion(_) | Extension::KeyShare(_) => true,
            Extension::PreSharedKeySelected(_) => psk_offered,
            _ => false,
        };
        if !sh.extensions.iter().all(allowed) {
            return Err(refuse(
                Alert::UnsupportedExtension,
                "ServerHello carries an extension that was not offered",
            ));
        }
        let group = hello.key_share.group().named_group();
        let modes = &self.offer.psk_modes;
        // RFC 8446 §4.2.9, §4.2.11: with a PSK, key_share must match the mode offered
        // (illegal_parameter); without one, key_share is required (missing_extension).
        let shared = match (share, psk_index) {
            (Some(_), Some(_)) if !modes.contains(&PskKeyExchangeMode::PskDheKe) => {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "ServerHello has key_share with a PSK, and psk_dhe_ke was not offered",
                ))
            }
            (Some(share), _) => {
                if share.group != group {
                    return Err(refuse(
                        Alert::IllegalParameter,
                        "ServerHello key_share is not in the group offered",
                    ));
                }
                Some(hello.key_share.agree(&share.key_exchange)?)
            }
            (None, Some(_)) if modes.contains(&PskKeyExchangeMode::PskKe) => None,
            (None, Some(_)) => {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "ServerHello has a PSK without key_share, and psk_ke was not offered",
                ))
            }
            (None, None) => {
                return Err(refuse(
                    Alert::MissingExtension,
                    "ServerHello without key_share",
                ))
            }
        };
        // RFC 8446 §4.2.11: the one identity offered, for a suite of the ticket's hash.
        let ticket = match psk_index {
            None => None,
            Some(0) => match self.offer.tls13_ticket() {
                Some(stored) if stored.ticket.suite.hash == suite.hash => Some(&stored.ticket),
                _ => {
                    return Err(refuse(
                        Alert::IllegalParameter,
                        "the server selected a PSK whose hash is not the suite's",
                    ))
                }
            },
            Some(_) => {
                return Err(refuse(
                    Alert::IllegalParameter,
                    "the server selected a PSK identity that was not offered",
                ))
            }
        };

        hello.transcript.start_hash(suite.hash)?;
        hello.transcript.add(encoded);
        let hello_hash = current_hash(&hello.transcript)?;
        // RFC 8446 §7.1: without (EC)DHE (psk_ke) the input is Hash.length zero bytes.
        let no_dhe = [0u8; 64];
        let ikm = match &shared {
            Some(shared) => shared.as_bytes(),
            None => no_dhe
                .get(..suite.hash.output_len())
                .ok_or(HandshakeError::Internal("hash longer than 64 bytes"))?,
        };
        let schedule =
            EarlySecret::new(suite.hash, ticket.map(|t| t.psk.as_bytes())).into_handshake(ikm);
        let (client_hs, server_hs) = schedule.handshake_traffic_secrets(&hello_hash);
        let random = self.offer.random;
        out.push(key_log(label::CLIENT_HANDSHAKE, random, client_hs.secret()));
        out.push(key_log(label::SERVER_HANDSHAKE, random, server_hs.secret()));
        out.push(Action::SetReadKeys(handshake_key_change(
            &suite, &server_hs,
        )));
        Ok(ClientState::WaitEncryptedExtensions {
            core: Box::new(Core {
                suite,
                group,
                transcript: hello.transcript,
                schedule,
                client_hs,
                server_hs,
                sent_ccs: hello.sent_ccs,
                resumed: ticket.map(|t| t.peer_certificates.clone()),
            }),
        })
    }

    fn on_encrypted_extensions(
        &mut self,
        mut core: Box<Core>,
        raw: RawMessage<'_>,
    ) -> Result<ClientState, HandshakeError> {
        let HandshakeMessage::EncryptedExtensions(ee) = decode(raw)? else {
            return Err(misparsed());
        };
        let unsolicited = || {
            refuse(
                Alert::UnsupportedExtension,
                "EncryptedExtensions carries an extension that was not offered",
            )
        };
        let mut alpn = None;
        for ext in ee.extensions.iter() {
            match ext {
                Extension::ServerNameAck if self.offer.sni.is_some() => {}
                // The server's preference, for later connections (RFC 8446 §4.2.7).
                Extension::SupportedGroups(_) => {}
                Extension::Alpn(_) if self.offer.alpn.is_empty() => return Err(unsolicited()),
                Extension::Alpn(protocols) => alpn = Some(self.offer.check_alpn(protocols)?),
                _ => return Err(unsolicited()),
            }
        }
        core.transcript.add(raw.encoded);
        if let Some(chain) = core.resumed.take() {
            // RFC 8446 §2.2: authenticated by the PSK, the server sends Finished next.
            return Ok(ClientState::WaitFinished {
                core,
                alpn,
                request: None,
                chain,
                scheme: None,
            });
        }
        Ok(ClientState::WaitCertificateOrRequest { core, alpn })
    }

    fn on_certificate(
        &mut self,
        mut core: Box<Core>,
        alpn: Option<Vec<u8>>,
        request: Option<CertRequest>,
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        let HandshakeMessage::Certificate(certificate) = decode(raw)? else {
            return Err(misparsed());
        };
        let chain = peer_chain(certificate, b"", &self.offer.chain_limits)?;
        if chain.is_empty() {
            // RFC 8446 §4.4.2.4.
            return Err(refuse(
                Alert::DecodeError,
                "the server sent an empty Certificate",
            ));
        }
        core.transcript.add(raw.encoded);
        out.push(Action::Request(Request::VerifyServerChain {
            chain: chain.clone(),
            server_name: self.offer.server_name.clone(),
            ocsp_response: Vec::new(),
        }));
        Ok(ClientState::VerifyingServerChain {
            core,
            alpn,
            request,
            chain,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn on_server_finished(
        &mut self,
        mut core: Core,
        alpn: Option<Vec<u8>>,
        request: Option<CertRequest>,
        chain: Chain,
        scheme: Option<SignatureScheme>,
        finished: &crate::messages::Finished<'_>,
        raw: RawMessage<'_>,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        check_finished(&core.server_hs, &core.transcript, finished)?;
        core.transcript.add(raw.encoded);
        let through_finished = current_hash(&core.transcript)?;
        let master = core.schedule.into_master();
        let ApplicationSecrets {
            client: client_app,
            server: server_app,
            exporter,
        } = master.application_secrets(&through_finished);
        let random = self.offer.random;
        out.push(key_log(label::CLIENT_TRAFFIC_0, random, &client_app));
        out.push(key_log(label::SERVER_TRAFFIC_0, random, &server_app));
        out.push(key_log(label::EXPORTER, random, &exporter));
        out.push(Action::SetReadKeys(key_change(&core.suite, &server_app)));
        let mut finishing = Box::new(Finishing {
            suite: core.suite,
            transcript: core.transcript,
            master,
            client_hs: core.client_hs,
            client_app,
            server_app,
            exporter,
            negotiated: Negotiated {
                version: TlsVersion::Tls13,
                suite: core.suite,
                group: core.group,
                alpn,
                server_name: self.offer.sni.clone(),
                peer_certificates: chain,
                peer_signature_scheme: scheme,
                // Only a resumed handshake has no CertificateVerify.
                resumed: scheme.is_none(),
            },
            sent_ccs: core.sent_ccs,
        });
        match request {
            Some(request) => {
                out.push(Action::Request(Request::ChooseClientCertificate {
                    authorities: request.authorities.clone(),
                    signature_schemes: request.schemes.clone(),
                }));
                Ok(ClientState::ChoosingClientCertificate { finishing, request })
            }
            None => {
                self.begin_second_flight(&mut finishing, out);
                self.end_second_flight(*finishing, out)
            }
        }
    }

    /// The compatibility CCS if not yet sent (RFC 8446 §D.4), then the handshake keys.
    fn begin_second_flight(&self, finishing: &mut Finishing, out: &mut Vec<Action>) {
        if self.offer.middlebox_compatibility && !finishing.sent_ccs {
            out.push(Action::SendChangeCipherSpec);
            finishing.sent_ccs = true;
        }
        out.push(Action::SetWriteKeys(handshake_key_change(
            &finishing.suite,
            &finishing.client_hs,
        )));
    }

    /// The client's Finished, the application keys, and the end of the handshake.
    fn end_second_flight(
        &mut self,
        mut finishing: Finishing,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        let finished = send_finished(out, &finishing.client_hs, &finishing.transcript)?;
        finishing.transcript.add(finished);
        let resumption = finishing
            .master
            .resumption_master_secret(&current_hash(&finishing.transcript)?);
        out.push(Action::SetWriteKeys(key_change(
            &finishing.suite,
            &finishing.client_app,
        )));
        let context = TicketContext {
            peer_certificates: finishing.negotiated.peer_certificates.clone(),
            alpn: finishing.negotiated.alpn.clone(),
        };
        out.push(Action::Event(Event::HandshakeComplete(
            finishing.negotiated,
        )));
        self.completed = true;
        Ok(ClientState::Connected(
            Box::new(Traffic::new(
                Side::Client,
                finishing.suite,
                finishing.client_app,
                finishing.server_app,
                finishing.exporter,
                resumption,
            )),
            context,
        ))
    }

    fn on_answer(
        &mut self,
        state: ClientState,
        answer: Answer,
        out: &mut Vec<Action>,
    ) -> Result<ClientState, HandshakeError> {
        use ClientState as S;
        match (state, answer) {
            (
                S::VerifyingServerChain {
                    core,
                    alpn,
                    request,
                    chain,
                },
                Answer::ChainVerified(result),
            ) => {
                result.map_err(HandshakeError::Certificate)?;
                Ok(S::WaitCertificateVerify {
                    core,
                    alpn,
                    request,
                    chain,
                })
            }
            (
                S::ChoosingClientCertificate {
                    mut finishing,
                    request,
                },
                Answer::Certificate(certified),
            ) => self
                .send_client_certificate(finishing.as_mut(), &request, certified, out)
                .and_then(|signing| match signing {
                    Some(scheme) => Ok(S::SigningClientVerify { finishing, scheme }),
                    None => self.end_second_flight(*finishing, out),
                }),
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
                self.end_second_flight(*finishing, out)
            }
            (state, _) => Err(HandshakeError::UnexpectedAnswer(state.name())),
        }
    }

    /// The client's Certificate (RFC 8446 §4.4.2); returns the scheme to sign with, or
    /// `None` when the Certificate is empty and no CertificateVerify follows.
    fn send_client_certificate(
        &self,
        finishing: &mut Finishing,
        request: &CertRequest,
        certified: Option<Arc<CertifiedKey>>,
        out: &mut Vec<Action>,
    ) -> Result<Option<SignatureScheme>, HandshakeError> {
        self.begin_second_flight(finishing, out);
        let chosen = client_signing_key(certified, &request.schemes, TlsVersion::Tls13, |_| true);
        let Some((certified, scheme)) = chosen else {
            let empty = certificate_message(&request.context, &[]);
            finishing.transcript.add(send(out, &empty));
            return Ok(None);
        };
        let certificate = certificate_message(&request.context, certified.chain());
        finishing.transcript.add(send(out, &certificate));
        let content =
            certificate_verify_content(Side::Client, &current_hash(&finishing.transcript)?);
        out.push(Action::Request(Request::Sign {
            key: Arc::clone(certified.key()),
            scheme,
            message: content.to_vec(),
        }));
        Ok(Some(scheme))
    }
}

impl MachineState for ClientState {
    const POISONED: Self = Self::Poisoned;

    fn is_poisoned(&self) -> bool {
        matches!(self, Self::Poisoned)
    }
}

impl StateMachine for Tls13Client {
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
        request_peer: bool,
        out: &mut Vec<Action>,
    ) -> Result<(), HandshakeError> {
        let ClientState::Connected(traffic, _) = &mut self.state else {
            return Err(not_connected("KeyUpdate before the handshake completed"));
        };
        let request = if request_peer {
            crate::messages::KeyUpdateRequest::UpdateRequested
        } else {
            crate::messages::KeyUpdateRequest::UpdateNotRequested
        };
        traffic.update_write(request, out);
        Ok(())
    }

    fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), HandshakeError> {
        match &self.state {
            ClientState::Connected(traffic, _) => traffic.export(label, context, out),
            _ => Err(not_connected(
                "exporter used before the handshake completed",
            )),
        }
    }
}
