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
