//! Who answers the handshake's requests: the configuration's certificate, resolver,
//! signer and verifiers ([`Responder`]), inline by default, or handed to an application
//! that answers some requests itself and leaves the rest to them ([`ConfiguredAnswers`]).

use std::sync::Arc;

use strata_handshake::machine::{Answer, Request};
use strata_pki::{CertifiedKey, ClientCertVerifier, PkiError, ServerCertVerifier};

use super::Connection;
use crate::providers::TimeProvider;
use crate::resolve::{ClientHelloInfo, ResolvesServerCert};

/// Who answers requests inline, with what.
#[derive(Clone, Debug)]
pub(crate) enum Responder {
    Client {
        verifier: Arc<dyn ServerCertVerifier>,
        certificate: Option<Arc<CertifiedKey>>,
    },
    Server {
        resolver: Arc<dyn ResolvesServerCert>,
        client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    },
}

impl Responder {
    /// The answer the configuration gives to `request`.
    pub(crate) fn answer(&self, request: &Request, time: &dyn TimeProvider) -> Answer {
        match (self, request) {
            (
                _,
                Request::Sign {
                    key,
                    scheme,
                    message,
                },
            ) => Answer::Signature(key.sign(*scheme, message)),
            (Self::Client { certificate, .. }, Request::ChooseClientCertificate { .. }) => {
                Answer::Certificate(certificate.clone())
            }
            (
                Self::Client { verifier, .. },
                Request::VerifyServerChain {
                    chain,
                    server_name,
                    ocsp_response,
                },
            ) => Answer::ChainVerified(match chain.split_first() {
                Some((leaf, intermediates)) => verifier.verify_server_cert(
                    leaf,
                    intermediates,
                    server_name,
                    ocsp_response,
                    time.now(),
                ),
                None => Err(PkiError::NoCertificate),
            }),
            (
                Self::Server { resolver, .. },
                Request::ChooseServerCertificate {
                    server_name,
                    signature_schemes,
                    version,
                },
            ) => Answer::Certificate(resolver.resolve(&ClientHelloInfo {
                server_name: server_name.as_deref(),
                signature_schemes,
                version: *version,
            })),
            (
                Self::Server {
                    client_verifier, ..
                },
                Request::VerifyClientChain { chain },
            ) => Answer::ChainVerified(match (client_verifier, chain.split_first()) {
                (Some(v), Some((leaf, intermediates))) => {
                    v.verify_client_cert(leaf, intermediates, time.now())
                }
                (_, None) => Err(PkiError::NoCertificate),
                (None, Some(_)) => Err(PkiError::NoCertificate),
            }),
            // A request for the other side: answer something the machine refuses.
            (Self::Client { .. }, _) | (Self::Server { .. }, _) => Answer::Certificate(None),
        }
    }
}

/// The answers a connection's configuration gives to the handshake's requests, the ones
/// [`AnswerMode::Inline`](crate::AnswerMode::Inline) gives at once. In
/// [`AnswerMode::Application`](crate::AnswerMode::Application) an application can answer
/// some requests itself (a signature from a remote key service, a chain checked against a
/// revocation service) and pass the rest here. Cloning is cheap (shared handles), and the
/// value is `Send + Sync + 'static`, so it can move into the task that answers.
#[derive(Clone, Debug)]
pub struct ConfiguredAnswers {
    responder: Responder,
    time: Arc<dyn TimeProvider>,
}

impl ConfiguredAnswers {
    /// The configuration's answer to `request` (signing and chain checks run now, on
    /// this thread).
    pub fn answer(&self, request: &Request) -> Answer {
        self.responder.answer(request, self.time.as_ref())
    }
}

impl Connection {
    /// The answers this connection's configuration gives (see [`ConfiguredAnswers`]).
    pub fn configured_answers(&self) -> ConfiguredAnswers {
        ConfiguredAnswers {
            responder: self.responder.clone(),
            time: Arc::clone(&self.time),
        }
    }
}
