//! Negotiation shared by the TLS 1.2 and TLS 1.3 machines: the client's offer and the
//! ClientHello that carries it (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2), and on the server,
//! reading that offer and choosing a suite, a group, ALPN and SNI from it.

use std::borrow::Cow;
use std::sync::Arc;

use strata_alert::AlertDescription as Alert;
use strata_pki::pki_types::ServerName;
use strata_pki::{SignatureScheme, TlsVersion};
use strata_record::ProtocolVersion;

use crate::common::refuse;
use crate::extensions::{KeyShareEntry, OfferedPsks, PskKeyExchangeMode, ServerNameType};
use crate::kx::{EphemeralKeyPair, KeyExchangeGroup};
use crate::limits::ChainLimits;
use crate::list::CodePoints;
use crate::machine::{ClientHandshakeConfig, Resumption, StoredTicket, Tls12Session};
use crate::messages::ClientHello;
use crate::suites::SupportedSuite;
use crate::{CipherSuite, Extension, Extensions, HandshakeError, NamedGroup};

/// ec_point_formats: uncompressed, the only format RFC 8422 §5.1.2 keeps.
pub(crate) const UNCOMPRESSED: u8 = 0;

/// The most extensions [`Offer::client_hello`] puts in a ClientHello (room for them is
/// made at once; `encode_with_psk` may add pre_shared_key).
const CLIENT_HELLO_EXTENSIONS: usize = 12;

/// What the client offered, fixed for the connection.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    /// The versions offered, best first.
    pub(crate) versions: Arc<[TlsVersion]>,
    /// The suites offered, of every version offered.
    pub(crate) suites: Arc<[SupportedSuite]>,
    pub(crate) groups: Arc<[NamedGroup]>,
    pub(crate) schemes: Arc<[SignatureScheme]>,
    pub(crate) alpn: Arc<[Vec<u8>]>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) sni: Option<String>,
    pub(crate) middlebox_compatibility: bool,
    pub(crate) require_extended_master_secret: bool,
    /// The session offered for resumption, if any (already checked to be usable).
    pub(crate) resumption: Option<Box<Resumption>>,
    pub(crate) psk_modes: Arc<[PskKeyExchangeMode]>,
    pub(crate) tls12_session_tickets: bool,
    /// Whether a certificate may be sent (see [`ClientHandshakeConfig::may_send_certificate`]).
    pub(crate) may_send_certificate: bool,
    pub(crate) chain_limits: ChainLimits,
    pub(crate) now: u64,
}

impl Offer {
    /// The offer of `config` restricted to `versions` (those the caller implements); a
    /// version without a configured suite is not offered. Fails when nothing usable is
    /// configured.
    pub(crate) fn new(
        config: ClientHandshakeConfig,
        versions: &[TlsVersion],
        random: [u8; 32],
        session_id: [u8; 32],
    ) -> Result<Self, HandshakeError> {
        // The config's lists are shared, and copied only when filtering leaves something
        // out.
        let ClientHandshakeConfig {
            versions: offered,
            suites,
            groups,
            signature_schemes,
            alpn_protocols,
            server_name,
            middlebox_compatibility,
            require_extended_master_secret,
            resumption,
            psk_modes,
            tls12_session_tickets,
            may_send_certificate,
            chain_limits,
            now,
            ..
        } = config;
        // The versions of the config that the caller implements and that have a suite
        // configured, best first, once each.
        let versions = retained(&offered, |i, v| {
            versions.contains(v)
                && suites.iter().any(|s| s.version == *v)
                && !offered.iter().take(i).any(|earlier| earlier == v)
        });
        if versions.is_empty() {
            return Err(HandshakeError::Internal(
                "no cipher suite configured for a version strata implements",
            ));
        }
        let suites = retained(&suites, |_, s| versions.contains(&s.version));
        let groups = retained(&groups, |_, g| {
            KeyExchangeGroup::from_named_group(*g).is_some()
        });
        if groups.is_empty() {
            return Err(HandshakeError::Internal(
                "no supported key exchange group configured",
            ));
        }
        if signature_schemes.is_empty() {
            return Err(HandshakeError::Internal("no signature scheme configured"));
        }
        let sni = match &server_name {
            ServerName::DnsName(name) => Some(name.as_ref().to_string()),
            _ => None,
        };
        // RFC 8446 §D.4: the fake session ID is a TLS 1.3 device; a TLS 1.2-only client
        // offers no session to resume.
        let fake_session = middlebox_compatibility && versions.contains(&TlsVersion::Tls13);
        let resumption = resumption
            .filter(|r| usable_resumption(r, &versions, &suites, sni.as_deref(), now))
            .map(Box::new);
        let session_id = match resumption.as_deref() {
            // RFC 5246 §7.4.1.2: the ID of the session to resume; with a ticket alone, a
            // random ID that an accepting server echoes (RFC 5077 §3.4).
            Some(Resumption::Tls12(session)) if !session.session_id.is_empty() => {
                session.session_id.clone()
            }
            Some(Resumption::Tls12(_)) => session_id.to_vec(),
            _ if fake_session => session_id.to_vec(),
            _ => Vec::new(),
        };
        Ok(Self {
            random,
            session_id,
            versions,
            suites,
            groups,
            schemes: signature_schemes,
            alpn: alpn_protocols,
            server_name,
            sni,
            middlebox_compatibility,
            require_extended_master_secret,
            resumption,
            psk_modes,
            tls12_session_tickets,
            may_send_certificate,
            chain_limits,
            now,
        })
    }

    /// The TLS 1.3 ticket offered, if any.
    pub(crate) fn tls13_ticket(&self) -> Option<&StoredTicket> {
        match self.resumption.as_deref() {
            Some(Resumption::Tls13(ticket)) => Some(ticket),
            _ => None,
        }
    }

    /// The TLS 1.2 session offered, if any.
    pub(crate) fn tls12_session(&self) -> Option<&Tls12Session> {
        match self.resumption.as_deref() {
            Some(Resumption::Tls12(session)) => Some(session),
            _ => None,
        }
    }

    /// The TLS 1.2 session offered, taken out of the offer once the server resumes it
    /// (nothing reads it after the ServerHello).
    pub(crate) fn take_tls12_session(&mut self) -> Option<Tls12Session> {
        match self.resumption.take().map(|r| *r) {
            Some(Resumption::Tls12(session)) => Some(session),
            other => {
                self.resumption = other.map(Box::new);
                None
            }
        }
    }

    /// Whether `version` is offered.
    pub(crate) fn offers(&self, version: TlsVersion) -> bool {
        self.versions.contains(&version)
    }

    /// The group of the TLS 1.3 key share: the first configured.
    pub(crate) fn first_group(&self) -> Result<KeyExchangeGroup, HandshakeError> {
        self.groups
            .first()
            .and_then(|g| KeyExchangeGroup::from_named_group(*g))
            .ok_or(HandshakeError::Internal(
                "no supported key exchange group configured",
            ))
    }

    /// The offered suite of `version` with code point `suite`, if any.
    pub(crate) fn offered_suite(
        &self,
        suite: CipherSuite,
        version: TlsVersion,
    ) -> Option<SupportedSuite> {
        self.suites
            .iter()
            .copied()
            .find(|s| s.suite == suite && s.version == version)
    }

    /// The ClientHello offering every version of the offer (RFC 8446 §4.1.2, RFC 5246
    /// §7.4.1.2). `key_share` is the TLS 1.3 share, when TLS 1.3 is offered.
    ///
    /// For TLS 1.2 it also carries ec_point_formats (RFC 8422 §5.1.2),
    /// extended_master_secret (RFC 7627 §5.1) and an empty renegotiation_info
    /// (RFC 5746 §3.4); for TLS 1.3 supported_versions, psk_key_exchange_modes and
    /// key_share. legacy_version is 0x0303 either way.
    pub(crate) fn client_hello<'o>(
        &'o self,
        key_share: Option<KeyShareEntry<'o>>,
    ) -> ClientHello<'o> {
        let tls12 = self.offers(TlsVersion::Tls12);
        let mut extensions = Vec::with_capacity(CLIENT_HELLO_EXTENSIONS);
        if let Some(name) = &self.sni {
            extensions.push(Extension::ServerName(vec![
                crate::extensions::ServerName::host_name(name),
            ]));
        }
        extensions.push(Extension::SupportedGroups(CodePoints::borrowed(
            &self.groups,
        )));
        if tls12 {
            extensions.push(Extension::EcPointFormats(Cow::Borrowed(&[UNCOMPRESSED])));
        }
        extensions.push(Extension::SignatureAlgorithms(CodePoints::borrowed(
            &self.schemes,
        )));
        if !self.alpn.is_empty() {
            extensions.push(Extension::Alpn(
                self.alpn
                    .iter()
                    .map(|p| Cow::Borrowed(p.as_slice()))
                    .collect(),
            ));
        }
        if tls12 {
            extensions.push(Extension::ExtendedMasterSecret);
            extensions.push(Extension::RenegotiationInfo(Cow::Borrowed(&[])));
            // RFC 5077 §3.2: the ticket to resume, or empty to ask for one.
            let ticket = self.tls12_session().and_then(|s| s.ticket.as_deref());
            if self.tls12_session_tickets || ticket.is_some() {
                extensions.push(Extension::SessionTicket(Cow::Borrowed(
                    ticket.unwrap_or_default(),
                )));
            }
        }
        if let Some(key_share) = key_share.filter(|_| self.offers(TlsVersion::Tls13)) {
            extensions.push(Extension::SupportedVersions(CodePoints::borrowed(
                wire_versions(&self.versions),
            )));
            extensions.push(Extension::PskKeyExchangeModes(CodePoints::borrowed(
                &self.psk_modes,
            )));
            extensions.push(Extension::KeyShares(vec![key_share]));
        }
        ClientHello {
            legacy_version: ProtocolVersion::Tls12,
            random: self.random,
            legacy_session_id: Cow::Borrowed(&self.session_id),
            cipher_suites: self.suites.iter().map(|s| s.suite).collect(),
            legacy_compression_methods: Cow::Borrowed(&[0]),
            extensions: Extensions(extensions),
        }
    }

    /// Checks the server's ALPN answer (RFC 7301 §3.1): exactly one protocol, one the
    /// client offered (illegal_parameter); none offered at all is unsupported_extension.
    pub(crate) fn check_alpn(
        &self,
        protocols: &[Cow<'_, [u8]>],
    ) -> Result<Vec<u8>, HandshakeError> {
        if self.alpn.is_empty() {
            return Err(refuse(
                Alert::UnsupportedExtension,
                "the server answered ALPN, which was not offered",
            ));
        }
        match protocols {
            [chosen] if self.alpn.iter().any(|p| p == chosen.as_ref()) => Ok(chosen.to_vec()),
            _ => Err(refuse(
                Alert::IllegalParameter,
                "the server's ALPN is not one protocol the client offered",
            )),
        }
    }
}

/// The elements of `list` that `keep` (given each one's index) keeps, in order: `list`
/// itself, shared, when it keeps them all (the usual case, which copies nothing), else a
/// new list.
fn retained<T: Copy>(list: &Arc<[T]>, keep: impl Fn(usize, &T) -> bool) -> Arc<[T]> {
    let kept = |(i, item): &(usize, &T)| keep(*i, item);
    if list.iter().enumerate().all(|entry| kept(&entry)) {
        return Arc::clone(list);
    }
    list.iter()
        .enumerate()
        .filter(kept)
        .map(|(_, item)| *item)
        .collect()
}

/// Whether a stored session may be offered: of an offered version, its suite offered
/// (TLS 1.3: one of its hash), for the same server name, and (TLS 1.3) not expired
/// (RFC 8446 §4.6.1).
fn usable_resumption(
    resumption: &Resumption,
    versions: &[TlsVersion],
    suites: &[SupportedSuite],
    sni: Option<&str>,
    now: u64,
) -> bool {
    match resumption {
        Resumption::Tls13(stored) => {
            let ticket = &stored.ticket;
            versions.contains(&TlsVersion::Tls13)
                && suites
                    .iter()
                    .any(|s| s.version == TlsVersion::Tls13 && s.hash == ticket.suite.hash)
                && ticket.server_name.as_deref() == sni
                && now >= stored.received
                && now - stored.received <= u64::from(ticket.lifetime)
                && !ticket.ticket.is_empty()
        }
        Resumption::Tls12(session) => {
            versions.contains(&TlsVersion::Tls12)
                && suites.contains(&session.suite)
                && session.server_name.as_deref() == sni
                && (!session.session_id.is_empty() || session.ticket.is_some())
                && session.session_id.len() <= 32
        }
    }
}

/// The key_share entry for our ephemeral key, borrowing its public key.
pub(crate) fn share_entry(key_share: &EphemeralKeyPair) -> KeyShareEntry<'_> {
    KeyShareEntry {
        group: key_share.group().named_group(),
        key_exchange: Cow::Borrowed(key_share.public_key()),
    }
}

/// The wire form of `versions` (each of the versions strata implements at most once, in
/// any order), as a constant list.
fn wire_versions(versions: &[TlsVersion]) -> &'static [ProtocolVersion] {
    use ProtocolVersion::{Tls12, Tls13};
    match versions {
        [TlsVersion::Tls13] => &[Tls13],
        [TlsVersion::Tls12] => &[Tls12],
        [TlsVersion::Tls13, TlsVersion::Tls12] => &[Tls13, Tls12],
        [TlsVersion::Tls12, TlsVersion::Tls13] => &[Tls12, Tls13],
        _ => &[],
    }
}

/// The extensions of a ClientHello that a server acts on, whatever the version
/// (RFC 8446 §9.2, RFC 5246 §7.4.1.4). Absent extensions are `None`; each machine decides
/// which it requires.
pub(crate) struct ClientOffer<'m, 'a> {
    pub(crate) versions: Option<&'m CodePoints<'a, ProtocolVersion>>,
    pub(crate) groups: Option<&'m CodePoints<'a, NamedGroup>>,
    pub(crate) shares: Option<&'m [KeyShareEntry<'a>]>,
    pub(crate) schemes: Option<&'m CodePoints<'a, SignatureScheme>>,
    pub(crate) alpn: Option<&'m [Cow<'a, [u8]>]>,
    pub(crate) names: Option<&'m [crate::extensions::ServerName<'a>]>,
    pub(crate) cookie: Option<&'m [u8]>,
    pub(crate) point_formats: Option<&'m [u8]>,
    pub(crate) renegotiation_info: Option<&'m [u8]>,
    pub(crate) extended_master_secret: bool,
    pub(crate) psks: Option<&'m OfferedPsks<'a>>,
    pub(crate) psk_modes: Option<&'m CodePoints<'a, PskKeyExchangeMode>>,
    pub(crate) session_ticket: Option<&'m [u8]>,
}

impl<'m, 'a> ClientOffer<'m, 'a> {
    /// Reads the extensions of `ch`.
    pub(crate) fn read(ch: &'m ClientHello<'a>) -> Self {
        let mut offer = Self {
            versions: None,
            groups: None,
            shares: None,
            schemes: None,
            alpn: None,
            names: None,
            cookie: None,
            point_formats: None,
            renegotiation_info: None,
            extended_master_secret: false,
            psks: None,
            psk_modes: None,
            session_ticket: None,
        };
        for ext in ch.extensions.iter() {
            match ext {
                Extension::SupportedVersions(list) => offer.versions = Some(list),
                Extension::SupportedGroups(list) => offer.groups = Some(list),
                Extension::KeyShares(list) => offer.shares = Some(list.as_slice()),
                Extension::SignatureAlgorithms(list) => offer.schemes = Some(list),
                Extension::Alpn(list) => offer.alpn = Some(list.as_slice()),
                Extension::ServerName(list) => offer.names = Some(list.as_slice()),
                Extension::Cookie(c) => offer.cookie = Some(c.as_ref()),
                Extension::EcPointFormats(f) => offer.point_formats = Some(f.as_ref()),
                Extension::RenegotiationInfo(r) => offer.renegotiation_info = Some(r.as_ref()),
                Extension::ExtendedMasterSecret => offer.extended_master_secret = true,
                Extension::PreSharedKey(psks) => offer.psks = Some(psks),
                Extension::PskKeyExchangeModes(modes) => offer.psk_modes = Some(modes),
                Extension::SessionTicket(t) => offer.session_ticket = Some(t.as_ref()),
                _ => {}
            }
        }
        offer
    }

    /// The client's signature_algorithms (empty when absent).
    pub(crate) fn schemes(&self) -> CodePoints<'m, SignatureScheme> {
        self.schemes.map(CodePoints::view).unwrap_or_default()
    }

    /// The client's supported_groups (empty when absent).
    pub(crate) fn groups(&self) -> CodePoints<'m, NamedGroup> {
        self.groups.map(CodePoints::view).unwrap_or_default()
    }

    /// The key share the client sent for `group`, if any.
    pub(crate) fn share_for(&self, group: NamedGroup) -> Option<&'m [u8]> {
        self.shares
            .unwrap_or_default()
            .iter()
            .find(|s| s.group == group)
            .map(|s| s.key_exchange.as_ref())
    }

    /// The host_name the client asked for (RFC 6066 §3), if any, as it lies in the
    /// ClientHello (a resumed session brings its own copy, so only a new one copies it).
    pub(crate) fn sni(&self) -> Result<Option<&'m str>, HandshakeError> {
        let Some(name) = self.names.and_then(|names| {
            names
                .iter()
                .find(|n| n.name_type == ServerNameType::HostName)
        }) else {
            return Ok(None);
        };
        match std::str::from_utf8(&name.name) {
            Ok(text) if text.is_ascii() => Ok(Some(text)),
            _ => Err(refuse(
                Alert::IllegalParameter,
                "server_name is not an ASCII host name",
            )),
        }
    }

    /// ALPN (RFC 7301 §3.2): the server's first protocol that the client offers; none in
    /// common is no_application_protocol.
    pub(crate) fn choose_alpn(&self, ours: &[Vec<u8>]) -> Result<Option<Vec<u8>>, HandshakeError> {
        let Some(offered) = self.alpn else {
            return Ok(None);
        };
        if ours.is_empty() {
            return Ok(None);
        }
        ours.iter()
            .find(|ours| {
                offered
                    .iter()
                    .any(|theirs| theirs.as_ref() == ours.as_slice())
            })
            .cloned()
            .map(Some)
            .ok_or(refuse(
                Alert::NoApplicationProtocol,
                "no application protocol in common",
            ))
    }
}

/// The server's choice of suite (RFC 8446 §4.1.1, RFC 5246 §7.4.1.3): its own first suite
/// of `version` that the client offered and `usable` accepts.
pub(crate) fn choose_suite(
    ours: &[SupportedSuite],
    version: TlsVersion,
    offered: &CodePoints<'_, CipherSuite>,
    usable: impl Fn(&SupportedSuite) -> bool,
) -> Option<SupportedSuite> {
    ours.iter()
        .copied()
        .filter(|s| s.version == version)
        .find(|s| offered.contains(&s.suite) && usable(s))
}

/// Whether a server configured with `versions` and `suites` speaks `version`: enabled,
/// with a suite.
pub(crate) fn speaks(
    versions: &[TlsVersion],
    suites: &[SupportedSuite],
    version: TlsVersion,
) -> bool {
    versions.contains(&version) && suites.iter().any(|s| s.version == version)
}

/// The server's groups that strata implements, in its order of preference.
pub(crate) fn our_groups(ours: &[NamedGroup]) -> impl Iterator<Item = NamedGroup> + '_ {
    ours.iter()
        .copied()
        .filter(|g| KeyExchangeGroup::from_named_group(*g).is_some())
}
