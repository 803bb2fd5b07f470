//! Every size limit of the handshake layer, in one place. The facade's configs may set
//! the configurable ones per connection, within these bounds.

/// The default largest handshake message strata accepts: 64 KiB. Real certificate chains
/// (four RSA-4096 certificates with SCTs) stay far below it; a peer cannot make a
/// connection buffer more than this for one message.
pub const DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN: usize = 64 * 1024;

/// The smallest maximum message size a user may configure: enough for a ClientHello with
/// every extension strata sends and a one-certificate chain.
pub const MIN_MAX_HANDSHAKE_MESSAGE_LEN: usize = 4 * 1024;

/// The largest plaintext a record may carry (RFC 8446 §5.1): the most one push into the
/// joiner adds.
pub const MAX_RECORD_PLAINTEXT_LEN: usize = 1 << 14;

/// The default most certificates a peer's chain may hold: the end entity and as many
/// intermediates as strata-pki's verifier takes at all.
pub const DEFAULT_MAX_CHAIN_CERTIFICATES: usize = 1 + strata_pki::limits::MAX_INTERMEDIATES;

/// The default most bytes of DER a peer's chain may hold, all certificates together.
pub const DEFAULT_MAX_CHAIN_LEN: usize = DEFAULT_MAX_HANDSHAKE_MESSAGE_LEN;

/// How big a chain a peer may send in its Certificate message (RFC 8446 §4.4.2, RFC 5246
/// §7.4.2 put no bound on either). The message size limit already bounds the memory; these
/// bound the work the verifier is handed, and the bytes kept for the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainLimits {
    /// The most certificates, end entity included.
    pub max_certificates: usize,
    /// The most bytes of DER, all certificates together.
    pub max_total_len: usize,
}

impl Default for ChainLimits {
    fn default() -> Self {
        Self {
            max_certificates: DEFAULT_MAX_CHAIN_CERTIFICATES,
            max_total_len: DEFAULT_MAX_CHAIN_LEN,
        }
    }
}

impl ChainLimits {
    /// Checks a chain given as its certificates' lengths, before anything is copied: a
    /// chain past a limit is bad_certificate (RFC 8446 §6.2: "a certificate was corrupt"
    /// is the nearest the registry has to "unusable as sent").
    pub(crate) fn check(
        &self,
        lengths: impl ExactSizeIterator<Item = usize>,
    ) -> Result<(), crate::HandshakeError> {
        use strata_alert::AlertDescription;
        if lengths.len() > self.max_certificates {
            return Err(crate::common::refuse(
                AlertDescription::BadCertificate,
                "the peer's certificate chain has more certificates than the limit",
            ));
        }
        let total = lengths.fold(0usize, usize::saturating_add);
        if total > self.max_total_len {
            return Err(crate::common::refuse(
                AlertDescription::BadCertificate,
                "the peer's certificate chain is larger than the limit",
            ));
        }
        Ok(())
    }
}
