//! The AlertDescription registry (RFC 8446 §6, IANA "TLS Alerts").

strata_codec::codepoint! {
    /// What an alert says went wrong (RFC 8446 §6; IANA TLS Alerts registry).
    pub enum AlertDescription: u8 {
        /// The sender is closing the connection (RFC 8446 §6.1).
        CloseNotify = 0 => "close_notify",
        /// A message arrived that was not expected in this state.
        UnexpectedMessage = 10 => "unexpected_message",
        /// A record could not be deprotected.
        BadRecordMac = 20 => "bad_record_mac",
        /// Reserved: TLS 1.0's decryption_failed; never sent.
        DecryptionFailedReserved = 21 => "decryption_failed_RESERVED",
        /// A record was longer than the limit.
        RecordOverflow = 22 => "record_overflow",
        /// Reserved: decompression_failure; never sent.
        DecompressionFailureReserved = 30 => "decompression_failure_RESERVED",
        /// No acceptable set of security parameters.
        HandshakeFailure = 40 => "handshake_failure",
        /// Reserved: SSL 3.0's no_certificate; never sent.
        NoCertificateReserved = 41 => "no_certificate_RESERVED",
        /// A certificate was corrupt or its signatures did not verify.
        BadCertificate = 42 => "bad_certificate",
        /// A certificate was of an unsupported type.
        UnsupportedCertificate = 43 => "unsupported_certificate",
        /// A certificate was revoked by its signer.
        CertificateRevoked = 44 => "certificate_revoked",
        /// A certificate has expired or is not yet valid.
        CertificateExpired = 45 => "certificate_expired",
        /// Some other problem with a certificate made it unacceptable.
        CertificateUnknown = 46 => "certificate_unknown",
        /// A field was out of range or inconsistent with other fields.
        IllegalParameter = 47 => "illegal_parameter",
        /// A certificate chain did not lead to a trusted anchor.
        UnknownCa = 48 => "unknown_ca",
        /// The sender refuses to go on with the handshake (access control).
        AccessDenied = 49 => "access_denied",
        /// A message could not be decoded.
        DecodeError = 50 => "decode_error",
        /// A handshake cryptographic operation failed (signature, Finished, binder).
        DecryptError = 51 => "decrypt_error",
        /// Reserved: export_restriction; never sent.
        ExportRestrictionReserved = 60 => "export_restriction_RESERVED",
        /// The peer's protocol version is recognised but not supported.
        ProtocolVersion = 70 => "protocol_version",
        /// The server requires parameters more secure than the client offered.
        InsufficientSecurity = 71 => "insufficient_security",
        /// An internal error unrelated to the peer.
        InternalError = 80 => "internal_error",
        /// The server saw a downgrade retry (RFC 7507).
        InappropriateFallback = 86 => "inappropriate_fallback",
        /// The user cancelled the handshake.
        UserCanceled = 90 => "user_canceled",
        /// Renegotiation is refused (TLS 1.2 and earlier).
        NoRenegotiation = 100 => "no_renegotiation",
        /// A required extension was missing (RFC 8446 §4.2).
        MissingExtension = 109 => "missing_extension",
        /// An extension was received where it is not allowed.
        UnsupportedExtension = 110 => "unsupported_extension",
        /// Reserved: certificate_unobtainable (RFC 6066); obsolete.
        CertificateUnobtainableReserved = 111 => "certificate_unobtainable_RESERVED",
        /// No server exists by the name the client asked for (RFC 6066).
        UnrecognizedName = 112 => "unrecognized_name",
        /// An OCSP response was invalid (RFC 6066).
        BadCertificateStatusResponse = 113 => "bad_certificate_status_response",
        /// Reserved: bad_certificate_hash_value (RFC 6066); obsolete.
        BadCertificateHashValueReserved = 114 => "bad_certificate_hash_value_RESERVED",
        /// No acceptable PSK identity (RFC 8446).
        UnknownPskIdentity = 115 => "unknown_psk_identity",
        /// A client certificate was required but none was given (RFC 8446).
        CertificateRequired = 116 => "certificate_required",
        /// A general error in the handling of encrypted ClientHello (RFC 9849).
        GeneralError = 117 => "general_error",
        /// No application protocol in common (RFC 7301).
        NoApplicationProtocol = 120 => "no_application_protocol",
        /// The ECH extension needs to be retried (RFC 9849).
        EchRequired = 121 => "ech_required",
    }
}
