//! The repeat-peer row: a strata client reconnecting to the same strata server with full
//! handshakes (no resumption on either side), its verified-chain cache off and on
//! (`ClientConfigBuilder::cache_verified_chains`). With the cache on, every handshake
//! after the first skips the server chain's path building and certificate signatures;
//! the server's CertificateVerify (or ServerKeyExchange) is still checked.
//!
//! Both loops are built the same way, differing only in the cache, and take turns
//! ([`measure::interleaved`]).

use std::sync::Arc;

use strata::pki_types::ServerName;
use strata::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use strata_handshake::NamedGroup;
use strata_pki::{
    CertifiedKey, RingSigningKey, TlsVersion, TrustAnchors, WebPkiServerVerifier,
    DEFAULT_CACHE_WINDOW,
};
use strata_testdata::pki::{KeyKind, TestCa};

use crate::measure::{self, Figure, Sampled, Settings};
use crate::setup::{Aead, Identity, Pki, ServerKey, Setup, Version, SERVER_NAME};
use crate::stacks::strata::suite;
use crate::stacks::{SetupError, Stack};
use crate::table::{figure, ratio, Table};

/// strata for one [`Setup`], the client's chain cache on (`CACHE`) or off.
#[derive(Debug)]
pub struct Reconnecting<const CACHE: bool> {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    server_name: ServerName<'static>,
}

fn certified_key(identity: &Identity) -> Result<Arc<CertifiedKey>, SetupError> {
    let failed = |e: strata_pki::PkiError| SetupError::Failed(e.to_string());
    let key = RingSigningKey::new(&identity.key).map_err(failed)?;
    Ok(Arc::new(
        CertifiedKey::new(identity.chain.clone(), Arc::new(key)).map_err(failed)?,
    ))
}

impl<const CACHE: bool> Stack for Reconnecting<CACHE> {
    type Client = ClientConnection;
    type Server = ServerConnection;

    const NAME: &'static str = if CACHE {
        "strata, chain cache on"
    } else {
        "strata, chain cache off"
    };

    fn new(pki: &Pki, setup: &Setup) -> Result<Self, SetupError> {
        let failed = |e: &dyn std::fmt::Display| SetupError::Failed(e.to_string());
        let anchors = Arc::new(
            TrustAnchors::from_certs(std::slice::from_ref(&pki.ca)).map_err(|e| failed(&e))?,
        );
        let versions = [match setup.version {
            Version::Tls13 => TlsVersion::Tls13,
            Version::Tls12 => TlsVersion::Tls12,
        }];
        let suites = [suite(setup)];
        let groups: &[NamedGroup] = match setup.version {
            Version::Tls12 => &[NamedGroup::X25519, NamedGroup::Secp256r1],
            Version::Tls13 => &[NamedGroup::X25519],
        };
        let verifier = WebPkiServerVerifier::new(anchors).map_err(|e| failed(&e))?;
        let mut client = ClientConfig::builder(Arc::new(verifier))
            .versions(&versions)
            .suites(&suites)
            .groups(groups)
            .no_resumption();
        if CACHE {
            client = client.cache_verified_chains(DEFAULT_CACHE_WINDOW);
        }
        let client = client.build().map_err(|e| failed(&e))?;
        let server =
            ServerConfig::builder_with_certificates(vec![certified_key(pki.server(setup.key))?])
                .versions(&versions)
                .suites(&suites)
                .groups(groups)
                .tickets(0, 0)
                .session_cache(0)
                .build()
                .map_err(|e| failed(&e))?;
        let server_name = ServerName::try_from(SERVER_NAME)
            .map_err(|e| failed(&e))?
            .to_owned();
        Ok(Self {
            client,
            server,
            server_name,
        })
    }

    fn client(&self) -> Result<ClientConnection, String> {
        ClientConnection::new(self.client.clone(), self.server_name.clone())
            .map_err(|e| e.to_string())
    }

    fn server(&self) -> Result<ServerConnection, String> {
        ServerConnection::new(self.server.clone()).map_err(|e| e.to_string())
    }
}

/// The run's PKI with the ECDSA server certificate issued by an ECDSA P-256
/// intermediate instead of the root: a chain of two certificates, as on the web.
pub fn with_intermediate() -> Pki {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let inter = root.intermediate(KeyKind::EcdsaP256, |_| {});
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &[SERVER_NAME], |_| {});
    let identity = Identity {
        chain: vec![leaf.cert.clone(), inter.cert.clone()],
        key: leaf.key_der(),
    };
    let client = root.client_leaf(KeyKind::EcdsaP256, &["client.example"], |_| {});
    Pki {
        ca: root.cert.clone(),
        server_ecdsa: identity.clone(),
        server_rsa: identity,
        client: Identity {
            chain: vec![client.cert.clone()],
            key: client.key_der(),
        },
    }
}

/// [handshakes per second, client µs, server µs] with the cache off, then on, each
/// figure with its repetitions (the two loops take turns).
pub fn compare(
    pki: &Pki,
    setup: &Setup,
    settings: &Settings,
) -> Result<[Figure<[Sampled; 3]>; 2], String> {
    let loops = vec![
        measure::handshake_loop::<Reconnecting<false>>(pki, setup, settings)?,
        measure::handshake_loop::<Reconnecting<true>>(pki, setup, settings)?,
    ];
    let figures: Vec<Figure<[Sampled; 3]>> = measure::interleaved(settings.reps, loops)?
        .into_iter()
        .map(|m| {
            m.map_or(
                Figure::NotApplicable("not implemented yet".into()),
                Figure::Value,
            )
        })
        .collect();
    figures
        .try_into()
        .map_err(|_| "two loops, two figures".to_owned())
}

/// The table: each row a chain shape and version, cache off and on.
pub fn table(pki: &Pki, settings: &Settings) -> Result<Table, String> {
    let mut table = Table::new(
        "Repeat peer: the verified-chain cache (full handshakes)",
        "A strata client reconnecting to the same strata server, full handshakes (no \
         tickets, no session cache, nothing resumed), X25519, AES-128-GCM, ECDSA P-256 \
         throughout. off = every handshake verifies the server's chain; on = \
         `cache_verified_chains(60 s)`: the chain is verified once, then taken from the \
         cache (the server's signature is checked every time). Higher handshakes/s is \
         better; lower client µs is better.",
        &[
            "handshake",
            "off: handshakes/s",
            "on: handshakes/s",
            "on/off",
            "off: client µs",
            "on: client µs",
            "on/off (client µs)",
        ],
    );
    let two = with_intermediate();
    let tls = |version| Setup {
        version,
        key: ServerKey::EcdsaP256,
        client_auth: false,
        aead: Aead::Aes128Gcm,
        resumed: false,
    };
    let rows: [(&str, &Pki, Setup); 3] = [
        ("TLS 1.3, leaf ← root", pki, tls(Version::Tls13)),
        (
            "TLS 1.3, leaf ← intermediate ← root",
            &two,
            tls(Version::Tls13),
        ),
        (
            "TLS 1.2, leaf ← intermediate ← root",
            &two,
            tls(Version::Tls12),
        ),
    ];
    for (name, pki, setup) in rows {
        eprintln!("chain cache: {name}");
        let [off, on] = compare(pki, &setup, settings)?;
        let pick = |f: &Figure<[Sampled; 3]>, i: usize| {
            f.clone().map(|v| {
                v.get(i)
                    .cloned()
                    .unwrap_or_else(|| Sampled::new(Vec::new()))
            })
        };
        table.row(vec![
            name.into(),
            figure(&pick(&off, 0), 0),
            figure(&pick(&on, 0), 0),
            ratio(&pick(&on, 0), &pick(&off, 0)),
            figure(&pick(&off, 1), 1),
            figure(&pick(&on, 1), 1),
            ratio(&pick(&on, 1), &pick(&off, 1)),
        ]);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_loops_run_and_every_row_has_figures() {
        let table = table(&Pki::new(), &Settings::SMOKE).unwrap();
        assert_eq!(table.rows.len(), 3);
        for row in &table.rows {
            assert!(row.iter().all(|c| !c.starts_with("n/a")), "{row:?}");
        }
    }
}
