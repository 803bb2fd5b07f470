//! Any bytes as an extension block in any message (the first byte picks the context): a
//! typed error, or a block whose encoding parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_codec::Encode;
use strata_handshake::extensions::{ExtensionContext, Extensions};

const CONTEXTS: [ExtensionContext; 8] = [
    ExtensionContext::ClientHello,
    ExtensionContext::ServerHelloTls12,
    ExtensionContext::ServerHelloTls13,
    ExtensionContext::HelloRetryRequest,
    ExtensionContext::EncryptedExtensions,
    ExtensionContext::Certificate,
    ExtensionContext::CertificateRequest,
    ExtensionContext::NewSessionTicket,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, block)) = data.split_first() else { return };
    let context = CONTEXTS[usize::from(selector) % CONTEXTS.len()];
    match Extensions::decode(block, context) {
        Ok((rest, exts)) => {
            let again = exts.to_bytes();
            assert_eq!(&again[..], &block[..block.len() - rest.len()]);
            let (left, reparsed) = Extensions::decode(&again, context).expect("own encoding parses");
            assert!(left.is_empty());
            assert_eq!(reparsed, exts);
        }
        Err(err) => {
            let _ = (err.alert(), err.to_string());
        }
    }
});
