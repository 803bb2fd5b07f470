//! Describing an established connection: version, suite, group, ALPN, peer certificate.

use strata::Connection;

/// The subject of a DER certificate, or its SHA-256 fingerprint if it does not parse.
pub fn subject(der: &[u8]) -> String {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => cert.subject().to_string(),
        Err(_) => {
            let digest = ring::digest::digest(&ring::digest::SHA256, der);
            format!("sha256:{}", hex::encode(digest.as_ref()))
        }
    }
}

/// One line per fact about the connection.
pub fn describe(conn: &Connection) -> Vec<String> {
    let Some(n) = conn.negotiated() else {
        return vec!["handshake not complete".into()];
    };
    let mut lines = vec![
        format!(
            "version: {}",
            match n.version {
                strata::TlsVersion::Tls12 => "TLSv1.2",
                strata::TlsVersion::Tls13 => "TLSv1.3",
            }
        ),
        format!("suite: {}", n.suite.suite),
        format!("group: {}", n.group),
        format!("resumed: {}", if n.resumed { "yes" } else { "no" }),
    ];
    if let Some(alpn) = &n.alpn {
        lines.push(format!("alpn: {}", String::from_utf8_lossy(alpn)));
    }
    if let Some(name) = &n.server_name {
        lines.push(format!("server name: {name}"));
    }
    match n.peer_certificates.first() {
        Some(cert) => lines.push(format!("peer certificate: {}", subject(cert))),
        None => lines.push("peer certificate: none".into()),
    }
    lines
}
