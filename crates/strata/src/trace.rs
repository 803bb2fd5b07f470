//! Watching a handshake: every message that crosses, with its direction and main fields,
//! one line each, so a person can follow the phases of the handshake (`strata --trace`).

use std::fmt::Write as _;

use strata_handshake::extensions::Extension;
use strata_handshake::messages::HandshakeMessage;
use strata_handshake::ExtensionType;

/// Which way a message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// We sent it.
    Sent,
    /// The peer sent it.
    Received,
}

/// Sees each handshake message as it crosses. Called from inside the connection: keep it
/// quick.
pub trait HandshakeObserver: Send + Sync + std::fmt::Debug {
    /// One message, parsed.
    fn message(&self, direction: Direction, message: &HandshakeMessage<'_>);

    /// A ChangeCipherSpec record.
    fn change_cipher_spec(&self, _direction: Direction) {}
}

/// A one-line summary of a message: its type and the fields that matter for following
/// the handshake.
pub fn describe(message: &HandshakeMessage<'_>) -> String {
    let mut line = message.ty().to_string();
    let list = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(",");
    match message {
        HandshakeMessage::ClientHello(ch) => {
            let suites = list(&mut ch.cipher_suites.iter().map(|s| s.to_string()));
            let _ = write!(line, " suites=[{suites}]");
            describe_extensions(&mut line, ch.extensions.iter());
        }
        HandshakeMessage::ServerHello(sh) => {
            let _ = write!(line, " suite={}", sh.cipher_suite);
            describe_extensions(&mut line, sh.extensions.iter());
        }
        HandshakeMessage::HelloRetryRequest(hrr) => {
            let _ = write!(line, " (HelloRetryRequest) suite={}", hrr.cipher_suite);
            describe_extensions(&mut line, hrr.extensions.iter());
        }
        HandshakeMessage::EncryptedExtensions(ee) => {
            describe_extensions(&mut line, ee.extensions.iter());
        }
        HandshakeMessage::Certificate(c) => {
            let _ = write!(line, " certificates={}", c.entries.len());
        }
        HandshakeMessage::CertificateTls12(c) => {
            let _ = write!(line, " certificates={}", c.chain.len());
        }
        HandshakeMessage::CertificateRequest(cr) => {
            describe_extensions(&mut line, cr.extensions.iter());
        }
        HandshakeMessage::CertificateVerify(cv) => {
            let _ = write!(line, " scheme={}", cv.scheme);
        }
        HandshakeMessage::ServerKeyExchange(ske) => {
            let _ = write!(
                line,
                " group={} scheme={}",
                ske.params.group, ske.signed.scheme
            );
        }
        HandshakeMessage::Finished(f) => {
            let _ = write!(line, " verify_data={} bytes", f.verify_data.len());
        }
        HandshakeMessage::KeyUpdate(k) => {
            let _ = write!(line, " {k:?}");
        }
        HandshakeMessage::NewSessionTicket(t) => {
            let _ = write!(line, " lifetime={}s", t.lifetime);
        }
        _ => {}
    }
    line
}

fn describe_extensions<'a>(line: &mut String, extensions: impl Iterator<Item = &'a Extension<'a>>) {
    for ext in extensions {
        let _ = match ext {
            Extension::ServerName(names) => {
                let names: Vec<_> = names
                    .iter()
                    .map(|n| String::from_utf8_lossy(&n.name).into_owned())
                    .collect();
                write!(line, " sni={}", names.join(","))
            }
            Extension::SupportedVersions(v) => write!(
                line,
                " versions=[{}]",
                v.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Extension::SelectedVersion(v) => write!(line, " version={v}"),
            Extension::KeyShares(shares) => write!(
                line,
                " key_shares=[{}]",
                shares
                    .iter()
                    .map(|s| s.group.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Extension::KeyShare(share) => write!(line, " key_share={}", share.group),
            Extension::KeyShareRequest(group) => write!(line, " wants={group}"),
            Extension::Alpn(p) => write!(
                line,
                " alpn=[{}]",
                p.iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Extension::SignatureAlgorithms(s) if s.len() <= 4 => write!(
                line,
                " sig_algs=[{}]",
                s.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Extension::CertificateAuthorities(cas) => write!(line, " ca_names={}", cas.len()),
            other if other.ty() == ExtensionType::SignatureAlgorithms => {
                write!(line, " sig_algs=…")
            }
            _ => Ok(()),
        };
    }
}
