//! The record layer's code points: ContentType and ProtocolVersion.

strata_codec::codepoint! {
    /// The higher-level protocol a record carries (RFC 8446 §5.1, RFC 5246 §6.2.1).
    pub enum ContentType: u8 {
        /// A ChangeCipherSpec message (TLS 1.2; middlebox compatibility in TLS 1.3).
        ChangeCipherSpec = 20 => "change_cipher_spec",
        /// An alert.
        Alert = 21 => "alert",
        /// Handshake messages.
        Handshake = 22 => "handshake",
        /// Application data.
        ApplicationData = 23 => "application_data",
        /// A heartbeat message (RFC 6520); strata never sends or accepts one.
        Heartbeat = 24 => "heartbeat",
    }
}

strata_codec::codepoint! {
    /// A protocol version as it travels on the wire (RFC 8446 §4.1.2, §4.2.1).
    pub enum ProtocolVersion: u16 {
        /// SSL 3.0: refused.
        Ssl3 = 0x0300 => "SSLv3",
        /// TLS 1.0: refused; also the legacy record version of a first ClientHello.
        Tls10 = 0x0301 => "TLSv1.0",
        /// TLS 1.1: refused.
        Tls11 = 0x0302 => "TLSv1.1",
        /// TLS 1.2 (RFC 5246); also the legacy version field of every TLS 1.3 record.
        Tls12 = 0x0303 => "TLSv1.2",
        /// TLS 1.3 (RFC 8446).
        Tls13 = 0x0304 => "TLSv1.3",
    }
}
