//! From flags to configurations: names of suites and groups, versions, ALPN, key logs.

use std::sync::Arc;

use strata::{ClientConfigBuilder, ServerConfigBuilder, TlsVersion};
use strata_handshake::{NamedGroup, SupportedSuite, ALL_SUITES, SUPPORTED_GROUPS};

use crate::args::Protocol;
use crate::trace::Tracer;
use crate::CliError;

/// The versions the flags ask for.
pub fn versions(p: &Protocol) -> Vec<TlsVersion> {
    if p.tls12 {
        vec![TlsVersion::Tls12]
    } else if p.tls13 {
        vec![TlsVersion::Tls13]
    } else {
        strata::config::IMPLEMENTED_VERSIONS.to_vec()
    }
}

/// A suite by its IANA name.
pub fn suite(name: &str) -> Result<SupportedSuite, CliError> {
    ALL_SUITES
        .iter()
        .copied()
        .find(|s| s.suite.name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .ok_or_else(|| {
            let known: Vec<_> = ALL_SUITES.iter().filter_map(|s| s.suite.name()).collect();
            CliError::Usage(format!(
                "unknown suite {name:?}; known: {}",
                known.join(", ")
            ))
        })
}

/// A group by its IANA name or its NIST alias.
pub fn group(name: &str) -> Result<NamedGroup, CliError> {
    let canonical = match name.to_ascii_lowercase().as_str() {
        "p-256" | "p256" | "prime256v1" => "secp256r1".to_owned(),
        "p-384" | "p384" => "secp384r1".to_owned(),
        other => other.to_owned(),
    };
    SUPPORTED_GROUPS
        .iter()
        .map(|g| g.named_group())
        .find(|g| g.name().is_some_and(|n| n.eq_ignore_ascii_case(&canonical)))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "unknown group {name:?}; known: x25519, secp256r1, secp384r1"
            ))
        })
}

/// What both config builders take from the shared flags.
pub struct Shared {
    pub versions: Vec<TlsVersion>,
    pub suites: Option<Vec<SupportedSuite>>,
    pub groups: Option<Vec<NamedGroup>>,
    pub alpn: Vec<Vec<u8>>,
    pub keylog: Option<Arc<strata::KeyLogFile>>,
    pub tracer: Option<Arc<Tracer>>,
}

impl Shared {
    pub fn from_flags(p: &Protocol, side: &'static str) -> Result<Self, CliError> {
        let suites = if p.suites.is_empty() {
            None
        } else {
            Some(
                p.suites
                    .iter()
                    .map(|s| suite(s))
                    .collect::<Result<_, _>>()?,
            )
        };
        let groups = if p.groups.is_empty() {
            None
        } else {
            Some(
                p.groups
                    .iter()
                    .map(|g| group(g))
                    .collect::<Result<_, _>>()?,
            )
        };
        let keylog = match &p.keylog {
            Some(path) => {
                Some(Arc::new(strata::KeyLogFile::open(path).map_err(|e| {
                    CliError::Usage(format!("{}: {e}", path.display()))
                })?))
            }
            // Like OpenSSL and curl, honour SSLKEYLOGFILE when no --keylog is given.
            None => match strata::KeyLogFile::from_env() {
                Some(Ok(file)) => Some(Arc::new(file)),
                Some(Err(e)) => return Err(CliError::Usage(format!("SSLKEYLOGFILE: {e}"))),
                None => None,
            },
        };
        Ok(Self {
            versions: versions(p),
            suites,
            groups,
            alpn: p.alpn.iter().map(|a| a.as_bytes().to_vec()).collect(),
            keylog,
            tracer: p.trace.then(|| Arc::new(Tracer::new(side))),
        })
    }

    pub fn client(&self, mut b: ClientConfigBuilder) -> ClientConfigBuilder {
        b = b.versions(&self.versions);
        if let Some(s) = &self.suites {
            b = b.suites(s);
        }
        if let Some(g) = &self.groups {
            b = b.groups(g);
        }
        let alpn: Vec<&[u8]> = self.alpn.iter().map(Vec::as_slice).collect();
        b = b.alpn_protocols(&alpn);
        if let Some(k) = &self.keylog {
            b = b.key_log(k.clone());
        }
        if let Some(t) = &self.tracer {
            b = b.observer(t.clone());
        }
        b
    }

    pub fn server(&self, mut b: ServerConfigBuilder) -> ServerConfigBuilder {
        b = b.versions(&self.versions);
        if let Some(s) = &self.suites {
            b = b.suites(s);
        }
        if let Some(g) = &self.groups {
            b = b.groups(g);
        }
        let alpn: Vec<&[u8]> = self.alpn.iter().map(Vec::as_slice).collect();
        b = b.alpn_protocols(&alpn);
        if let Some(k) = &self.keylog {
            b = b.key_log(k.clone());
        }
        if let Some(t) = &self.tracer {
            b = b.observer(t.clone());
        }
        b
    }
}
