//! The handshake layer's registries: HandshakeType, CipherSuite, NamedGroup, ExtensionType.
//!
//! Values come from the IANA "TLS Parameters" registries as RFC 8446 §B.3 and the RFCs
//! named beside each value give them.

strata_codec::codepoint! {
    /// The type of a handshake message (RFC 8446 §4, RFC 5246 §7.4).
    pub enum HandshakeType: u8 {
        /// HelloRequest (TLS 1.2): a server's request to renegotiate; strata refuses it.
        HelloRequest = 0 => "hello_request",
        /// ClientHello.
        ClientHello = 1 => "client_hello",
        /// ServerHello (and HelloRetryRequest, which shares its type).
        ServerHello = 2 => "server_hello",
        /// HelloVerifyRequest (DTLS only).
        HelloVerifyRequest = 3 => "hello_verify_request",
        /// NewSessionTicket (RFC 8446 §4.6.1, RFC 5077).
        NewSessionTicket = 4 => "new_session_ticket",
        /// EndOfEarlyData (RFC 8446 §4.5).
        EndOfEarlyData = 5 => "end_of_early_data",
        /// EncryptedExtensions (RFC 8446 §4.3.1).
        EncryptedExtensions = 8 => "encrypted_extensions",
        /// Certificate.
        Certificate = 11 => "certificate",
        /// ServerKeyExchange (TLS 1.2).
        ServerKeyExchange = 12 => "server_key_exchange",
        /// CertificateRequest.
        CertificateRequest = 13 => "certificate_request",
        /// ServerHelloDone (TLS 1.2).
        ServerHelloDone = 14 => "server_hello_done",
        /// CertificateVerify.
        CertificateVerify = 15 => "certificate_verify",
        /// ClientKeyExchange (TLS 1.2).
        ClientKeyExchange = 16 => "client_key_exchange",
        /// Finished.
        Finished = 20 => "finished",
        /// CertificateURL (RFC 6066): not supported.
        CertificateUrl = 21 => "certificate_url",
        /// CertificateStatus (RFC 6066): not supported.
        CertificateStatus = 22 => "certificate_status",
        /// KeyUpdate (RFC 8446 §4.6.3).
        KeyUpdate = 24 => "key_update",
        /// CompressedCertificate (RFC 8879): not supported.
        CompressedCertificate = 25 => "compressed_certificate",
        /// The synthetic message that replaces ClientHello1 in the transcript after a
        /// HelloRetryRequest (RFC 8446 §4.4.1); never sent.
        MessageHash = 254 => "message_hash",
    }
}

strata_codec::codepoint! {
    /// A cipher suite (RFC 8446 §B.4; RFC 5289, RFC 7905 for TLS 1.2).
    pub enum CipherSuite: u16 {
        /// The renegotiation-info signalling value (RFC 5746 §3.3).
        TlsEmptyRenegotiationInfoScsv = 0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        /// TLS 1.3 AES-128-GCM with SHA-256.
        Tls13Aes128GcmSha256 = 0x1301 => "TLS_AES_128_GCM_SHA256",
        /// TLS 1.3 AES-256-GCM with SHA-384.
        Tls13Aes256GcmSha384 = 0x1302 => "TLS_AES_256_GCM_SHA384",
        /// TLS 1.3 ChaCha20-Poly1305 with SHA-256.
        Tls13Chacha20Poly1305Sha256 = 0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        /// TLS 1.3 AES-128-CCM with SHA-256: not supported.
        Tls13Aes128CcmSha256 = 0x1304 => "TLS_AES_128_CCM_SHA256",
        /// TLS 1.3 AES-128-CCM-8 with SHA-256: not supported.
        Tls13Aes128Ccm8Sha256 = 0x1305 => "TLS_AES_128_CCM_8_SHA256",
        /// The downgrade signalling value (RFC 7507).
        TlsFallbackScsv = 0x5600 => "TLS_FALLBACK_SCSV",
        /// TLS 1.2 ECDHE-ECDSA with AES-128-GCM and SHA-256 (RFC 5289).
        TlsEcdheEcdsaWithAes128GcmSha256 = 0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        /// TLS 1.2 ECDHE-ECDSA with AES-256-GCM and SHA-384 (RFC 5289).
        TlsEcdheEcdsaWithAes256GcmSha384 = 0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        /// TLS 1.2 ECDHE-RSA with AES-128-GCM and SHA-256 (RFC 5289).
        TlsEcdheRsaWithAes128GcmSha256 = 0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        /// TLS 1.2 ECDHE-RSA with AES-256-GCM and SHA-384 (RFC 5289).
        TlsEcdheRsaWithAes256GcmSha384 = 0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        /// TLS 1.2 ECDHE-RSA with ChaCha20-Poly1305 and SHA-256 (RFC 7905).
        TlsEcdheRsaWithChacha20Poly1305Sha256 = 0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        /// TLS 1.2 ECDHE-ECDSA with ChaCha20-Poly1305 and SHA-256 (RFC 7905).
        TlsEcdheEcdsaWithChacha20Poly1305Sha256 = 0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    }
}

strata_codec::codepoint! {
    /// A key-exchange group (RFC 8446 §4.2.7; RFC 8422 calls these named curves).
    pub enum NamedGroup: u16 {
        /// NIST P-256.
        Secp256r1 = 0x0017 => "secp256r1",
        /// NIST P-384.
        Secp384r1 = 0x0018 => "secp384r1",
        /// NIST P-521: not supported.
        Secp521r1 = 0x0019 => "secp521r1",
        /// Curve25519 (RFC 7748).
        X25519 = 0x001d => "x25519",
        /// Curve448 (RFC 7748): not supported.
        X448 = 0x001e => "x448",
        /// Finite-field group of RFC 7919: not supported.
        Ffdhe2048 = 0x0100 => "ffdhe2048",
        /// Finite-field group of RFC 7919: not supported.
        Ffdhe3072 = 0x0101 => "ffdhe3072",
        /// Finite-field group of RFC 7919: not supported.
        Ffdhe4096 = 0x0102 => "ffdhe4096",
        /// Finite-field group of RFC 7919: not supported.
        Ffdhe6144 = 0x0103 => "ffdhe6144",
        /// Finite-field group of RFC 7919: not supported.
        Ffdhe8192 = 0x0104 => "ffdhe8192",
        /// Hybrid P-256 + ML-KEM-768: not supported.
        Secp256r1Mlkem768 = 0x11eb => "SecP256r1MLKEM768",
        /// Hybrid X25519 + ML-KEM-768: not supported.
        X25519Mlkem768 = 0x11ec => "X25519MLKEM768",
    }
}

strata_codec::codepoint! {
    /// An extension's type (RFC 8446 §4.2 and the RFCs named beside each value).
    pub enum ExtensionType: u16 {
        /// server_name (RFC 6066).
        ServerName = 0 => "server_name",
        /// max_fragment_length (RFC 6066).
        MaxFragmentLength = 1 => "max_fragment_length",
        /// status_request (RFC 6066).
        StatusRequest = 5 => "status_request",
        /// supported_groups (RFC 8422, RFC 7919).
        SupportedGroups = 10 => "supported_groups",
        /// ec_point_formats (RFC 8422).
        EcPointFormats = 11 => "ec_point_formats",
        /// signature_algorithms (RFC 8446).
        SignatureAlgorithms = 13 => "signature_algorithms",
        /// use_srtp (RFC 5764).
        UseSrtp = 14 => "use_srtp",
        /// heartbeat (RFC 6520).
        Heartbeat = 15 => "heartbeat",
        /// application_layer_protocol_negotiation (RFC 7301).
        ApplicationLayerProtocolNegotiation = 16 => "application_layer_protocol_negotiation",
        /// signed_certificate_timestamp (RFC 6962).
        SignedCertificateTimestamp = 18 => "signed_certificate_timestamp",
        /// client_certificate_type (RFC 7250).
        ClientCertificateType = 19 => "client_certificate_type",
        /// server_certificate_type (RFC 7250).
        ServerCertificateType = 20 => "server_certificate_type",
        /// padding (RFC 7685).
        Padding = 21 => "padding",
        /// encrypt_then_mac (RFC 7366).
        EncryptThenMac = 22 => "encrypt_then_mac",
        /// extended_master_secret (RFC 7627).
        ExtendedMasterSecret = 23 => "extended_master_secret",
        /// compress_certificate (RFC 8879).
        CompressCertificate = 27 => "compress_certificate",
        /// record_size_limit (RFC 8449).
        RecordSizeLimit = 28 => "record_size_limit",
        /// session_ticket (RFC 5077).
        SessionTicket = 35 => "session_ticket",
        /// pre_shared_key (RFC 8446).
        PreSharedKey = 41 => "pre_shared_key",
        /// early_data (RFC 8446).
        EarlyData = 42 => "early_data",
        /// supported_versions (RFC 8446).
        SupportedVersions = 43 => "supported_versions",
        /// cookie (RFC 8446).
        Cookie = 44 => "cookie",
        /// psk_key_exchange_modes (RFC 8446).
        PskKeyExchangeModes = 45 => "psk_key_exchange_modes",
        /// certificate_authorities (RFC 8446).
        CertificateAuthorities = 47 => "certificate_authorities",
        /// oid_filters (RFC 8446).
        OidFilters = 48 => "oid_filters",
        /// post_handshake_auth (RFC 8446).
        PostHandshakeAuth = 49 => "post_handshake_auth",
        /// signature_algorithms_cert (RFC 8446).
        SignatureAlgorithmsCert = 50 => "signature_algorithms_cert",
        /// key_share (RFC 8446).
        KeyShare = 51 => "key_share",
        /// encrypted_client_hello (RFC 9849).
        EncryptedClientHello = 0xfe0d => "encrypted_client_hello",
        /// renegotiation_info (RFC 5746).
        RenegotiationInfo = 0xff01 => "renegotiation_info",
    }
}
