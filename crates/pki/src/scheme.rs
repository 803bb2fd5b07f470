//! The SignatureScheme registry (RFC 8446 §4.2.3).

strata_codec::codepoint! {
    /// A signature algorithm with its hash, as offered in signature_algorithms and named in
    /// CertificateVerify and ServerKeyExchange (RFC 8446 §4.2.3).
    pub enum SignatureScheme: u16 {
        /// RSASSA-PKCS1-v1_5 with SHA-1: legacy, refused.
        RsaPkcs1Sha1 = 0x0201 => "rsa_pkcs1_sha1",
        /// ECDSA with SHA-1: legacy, refused.
        EcdsaSha1 = 0x0203 => "ecdsa_sha1",
        /// RSASSA-PKCS1-v1_5 with SHA-256 (TLS 1.2 and certificates only).
        RsaPkcs1Sha256 = 0x0401 => "rsa_pkcs1_sha256",
        /// ECDSA on P-256 with SHA-256.
        EcdsaSecp256r1Sha256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// RSASSA-PKCS1-v1_5 with SHA-384 (TLS 1.2 and certificates only).
        RsaPkcs1Sha384 = 0x0501 => "rsa_pkcs1_sha384",
        /// ECDSA on P-384 with SHA-384.
        EcdsaSecp384r1Sha384 = 0x0503 => "ecdsa_secp384r1_sha384",
        /// RSASSA-PKCS1-v1_5 with SHA-512 (TLS 1.2 and certificates only).
        RsaPkcs1Sha512 = 0x0601 => "rsa_pkcs1_sha512",
        /// ECDSA on P-521 with SHA-512: not supported by strata.
        EcdsaSecp521r1Sha512 = 0x0603 => "ecdsa_secp521r1_sha512",
        /// RSASSA-PSS with SHA-256, key with the rsaEncryption OID.
        RsaPssRsaeSha256 = 0x0804 => "rsa_pss_rsae_sha256",
        /// RSASSA-PSS with SHA-384, key with the rsaEncryption OID.
        RsaPssRsaeSha384 = 0x0805 => "rsa_pss_rsae_sha384",
        /// RSASSA-PSS with SHA-512, key with the rsaEncryption OID.
        RsaPssRsaeSha512 = 0x0806 => "rsa_pss_rsae_sha512",
        /// EdDSA on Ed25519.
        Ed25519 = 0x0807 => "ed25519",
        /// EdDSA on Ed448: not supported by strata.
        Ed448 = 0x0808 => "ed448",
        /// RSASSA-PSS with SHA-256, key with the RSASSA-PSS OID: not supported by strata.
        RsaPssPssSha256 = 0x0809 => "rsa_pss_pss_sha256",
        /// RSASSA-PSS with SHA-384, key with the RSASSA-PSS OID: not supported by strata.
        RsaPssPssSha384 = 0x080a => "rsa_pss_pss_sha384",
        /// RSASSA-PSS with SHA-512, key with the RSASSA-PSS OID: not supported by strata.
        RsaPssPssSha512 = 0x080b => "rsa_pss_pss_sha512",
    }
}
