//! Known-answer tests of the TLS 1.3 key schedule and transcript hash against the RFC 8448
//! traces. Transcript hashes are computed from the trace's own handshake messages and every
//! secret from the trace's own inputs (the (EC)DHE shared secret, the ticket nonce), then
//! compared with every secret, key, IV, Finished key and verify_data the trace prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use strata_handshake::key_schedule::tls13::{
    derive_secret, finished_key, next_traffic_secret, resumption_psk, traffic_keys, verify_data,
    BinderKind, EarlySecret, HandshakeSecret, MasterSecret,
};
use strata_handshake::{HashAlgorithm, Secret, Transcript, TranscriptHash};
use strata_record::AeadAlgorithm;
use strata_testdata::{rfc8448, Step, Trace};

const SHA256: HashAlgorithm = HashAlgorithm::Sha256;
const AEAD: AeadAlgorithm = AeadAlgorithm::Aes128Gcm;

/// The handshake message a "construct a/an <name> handshake message" step prints.
fn message<'t>(trace: &'t Trace, actor: &str, name: &str, n: usize) -> &'t [u8] {
    let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    let title = format!("construct {article} {name} handshake message");
    trace.nth(actor, &title, n).value(name)
}

/// The first step by `actor` titled `title` that prints its values (not one that says
/// "same as …"); with `actor` "any", by either side.
fn printed<'t>(trace: &'t Trace, actor: &str, title: &str) -> &'t Step {
    trace
        .steps
        .iter()
        .find(|s| (actor == "any" || s.actor == actor) && s.title == title && !s.values.is_empty())
        .unwrap_or_else(|| panic!("no printed step {{{actor}}} {title:?}"))
}

/// The "derive secret \"tls13 <label>\"" step.
fn derive_step<'t>(trace: &'t Trace, actor: &str, label: &str) -> &'t Step {
    printed(trace, actor, &format!("derive secret \"tls13 {label}\""))
}

fn assert_secret(got: &Secret, want: &[u8], what: &str) {
    assert_eq!(hex::encode(got.as_bytes()), hex::encode(want), "{what}");
}

/// Checks a "derive … traffic keys" step against the keys of `traffic_secret`, and that
/// the step starts from that secret.
fn assert_keys(step: &Step, traffic_secret: &Secret) {
    assert_secret(traffic_secret, step.value("PRK"), &step.title);
    let keys = traffic_keys(SHA256, AEAD, traffic_secret);
    assert_eq!(keys.key(), step.value("key expanded"), "{}", step.title);
    assert_eq!(keys.iv(), step.value("iv expanded"), "{}", step.title);
}

/// Checks a "calculate finished" step, and the Finished message that carries it.
fn assert_finished(
    step: &Step,
    finished_message: &[u8],
    base_key: &Secret,
    transcript: &TranscriptHash,
) {
    assert_secret(base_key, step.value("PRK"), &step.title);
    assert_secret(
        &finished_key(SHA256, base_key),
        step.value("expanded"),
        &step.title,
    );
    let verify = verify_data(SHA256, base_key, transcript);
    assert_secret(&verify, step.value("finished"), &step.title);
    assert_eq!(&finished_message[..4], &[20, 0, 0, 32]);
    assert!(verify.ct_eq(&finished_message[4..]));
}

/// The stages and transcript hashes of one full handshake, computed from a trace.
struct Handshake {
    hello: TranscriptHash,
    server_finished: TranscriptHash,
    client_finished: TranscriptHash,
    /// The hash up to the server's CertificateVerify (or EncryptedExtensions).
    before_server_finished: TranscriptHash,
    /// The hash the client Finished covers (through EndOfEarlyData when there is one).
    before_client_finished: TranscriptHash,
}

/// Feeds the messages of a handshake into a transcript, noting the hashes the schedule
/// needs. `first` is everything up to the ClientHello included.
fn run_transcript(
    mut transcript: Transcript,
    server_hello: &[u8],
    server_flight: &[&[u8]],
    server_finished: &[u8],
    end_of_early_data: Option<&[u8]>,
    client_finished: &[u8],
) -> Handshake {
    transcript.start_hash(SHA256).unwrap();
    transcript.add(server_hello);
    let hello = transcript.current_hash().unwrap();
    for m in server_flight {
        transcript.add(m);
    }
    let before_server_finished = transcript.current_hash().unwrap();
    transcript.add(server_finished);
    let through_server_finished = transcript.current_hash().unwrap();
    if let Some(eoed) = end_of_early_data {
        transcript.add(eoed);
    }
    let before_client_finished = transcript.current_hash().unwrap();
    transcript.add(client_finished);
    Handshake {
        hello,
        server_finished: through_server_finished,
        client_finished: transcript.current_hash().unwrap(),
        before_server_finished,
        before_client_finished,
    }
}

fn section_3_handshake(trace: &Trace) -> Handshake {
    let mut transcript = Transcript::new();
    transcript.add(message(trace, "client", "ClientHello", 0));
    run_transcript(
        transcript,
        message(trace, "server", "ServerHello", 0),
        &[
            message(trace, "server", "EncryptedExtensions", 0),
            message(trace, "server", "Certificate", 0),
            message(trace, "server", "CertificateVerify", 0),
        ],
        message(trace, "server", "Finished", 0),
        None,
        message(trace, "client", "Finished", 0),
    )
}

/// Runs the schedule from the trace's inputs, checking the early, "derived", handshake and
/// master secrets on the way.
fn schedule(trace: &Trace, psk: Option<&[u8]>) -> (EarlySecret, HandshakeSecret, MasterSecret) {
    let early = EarlySecret::new(SHA256, psk);
    let extract = printed(trace, "any", "extract secret \"early\"");
    assert_secret(early.secret(), extract.value("secret"), "early secret");
    if let Some(psk) = psk {
        assert_eq!(extract.value("IKM"), psk);
    }

    let empty = TranscriptHash::of(SHA256, b"");
    let derived_step = printed(
        trace,
        "any",
        "derive secret for handshake \"tls13 derived\"",
    );
    assert_eq!(derived_step.value("hash"), empty.as_bytes());
    let derived = derive_secret(SHA256, early.secret().as_bytes(), b"derived", &empty).unwrap();
    assert_secret(
        &derived,
        derived_step.value("expanded"),
        "derived (handshake)",
    );

    let extract = printed(trace, "any", "extract secret \"handshake\"");
    assert_eq!(extract.value("salt"), derived.as_bytes());
    let ecdhe = extract.value("IKM");
    let handshake = EarlySecret::new(SHA256, psk).into_handshake(ecdhe);
    assert_secret(
        handshake.secret(),
        extract.value("secret"),
        "handshake secret",
    );

    let derived_step = printed(trace, "any", "derive secret for master \"tls13 derived\"");
    let derived = derive_secret(SHA256, handshake.secret().as_bytes(), b"derived", &empty).unwrap();
    assert_secret(&derived, derived_step.value("expanded"), "derived (master)");

    let extract = printed(trace, "any", "extract secret \"master\"");
    assert_eq!(extract.value("salt"), derived.as_bytes());
    let master = EarlySecret::new(SHA256, psk)
        .into_handshake(ecdhe)
        .into_master();
    assert_secret(master.secret(), extract.value("secret"), "master secret");
    (early, handshake, master)
}

#[test]
fn section_3_transcript_hashes_match_the_trace() {
    let trace = rfc8448(3);
    let hs = section_3_handshake(&trace);
    assert_eq!(
        hs.hello.as_bytes(),
        derive_step(&trace, "server", "c hs traffic").value("hash")
    );
    assert_eq!(
        hs.hello.as_bytes(),
        derive_step(&trace, "server", "s hs traffic").value("hash")
    );
    for label in ["c ap traffic", "s ap traffic", "exp master"] {
        assert_eq!(
            hs.server_finished.as_bytes(),
            derive_step(&trace, "server", label).value("hash"),
            "{label}"
        );
    }
    assert_eq!(
        hs.client_finished.as_bytes(),
        derive_step(&trace, "client", "res master").value("hash")
    );
}

#[test]
fn section_3_early_handshake_and_master_secrets() {
    let trace = rfc8448(3);
    let (early, handshake, master) = schedule(&trace, None);
    assert_eq!(early.secret().len(), 32);
    assert_eq!(handshake.hash_algorithm(), SHA256);
    assert_eq!(master.hash_algorithm(), SHA256);
    // The PRK of every handshake- and application-secret step is the stage's secret.
    assert_secret(
        handshake.secret(),
        derive_step(&trace, "server", "c hs traffic").value("PRK"),
        "PRK of c hs traffic",
    );
    assert_secret(
        master.secret(),
        derive_step(&trace, "server", "c ap traffic").value("PRK"),
        "PRK of c ap traffic",
    );
}

#[test]
fn section_3_handshake_traffic_secrets_and_keys() {
    let trace = rfc8448(3);
    let hs = section_3_handshake(&trace);
    let (_, handshake, _) = schedule(&trace, None);
    let client = handshake.client_handshake_traffic_secret(&hs.hello);
    let server = handshake.server_handshake_traffic_secret(&hs.hello);
    assert_secret(
        &client,
        derive_step(&trace, "server", "c hs traffic").value("expanded"),
        "c hs traffic",
    );
    assert_secret(
        &server,
        derive_step(&trace, "server", "s hs traffic").value("expanded"),
        "s hs traffic",
    );
    assert_keys(
        printed(
            &trace,
            "server",
            "derive write traffic keys for handshake data",
        ),
        &server,
    );
    assert_keys(
        printed(
            &trace,
            "server",
            "derive read traffic keys for handshake data",
        ),
        &client,
    );
}

#[test]
fn section_3_application_traffic_secrets_keys_and_exporter_master() {
    let trace = rfc8448(3);
    let hs = section_3_handshake(&trace);
    let (_, _, master) = schedule(&trace, None);
    let client = master.client_application_traffic_secret_0(&hs.server_finished);
    let server = master.server_application_traffic_secret_0(&hs.server_finished);
    let exporter = master.exporter_master_secret(&hs.server_finished);
    for (got, label) in [
        (&client, "c ap traffic"),
        (&server, "s ap traffic"),
        (&exporter, "exp master"),
    ] {
        assert_secret(
            got,
            derive_step(&trace, "server", label).value("expanded"),
            label,
        );
    }
    assert_keys(
        printed(
            &trace,
            "server",
            "derive write traffic keys for application data",
        ),
        &server,
    );
    assert_keys(
        printed(
            &trace,
            "client",
            "derive write traffic keys for application data",
        ),
        &client,
    );
    // A KeyUpdate moves to a different secret and different keys (RFC 8446 §7.2).
    let next = next_traffic_secret(SHA256, &client);
    assert_ne!(next.as_bytes(), client.as_bytes());
    assert_ne!(
        traffic_keys(SHA256, AEAD, &next).key(),
        traffic_keys(SHA256, AEAD, &client).key()
    );
}

#[test]
fn section_3_finished_keys_and_verify_data() {
    let trace = rfc8448(3);
    let hs = section_3_handshake(&trace);
    let (_, handshake, _) = schedule(&trace, None);
    assert_finished(
        printed(&trace, "server", "calculate finished \"tls13 finished\""),
        message(&trace, "server", "Finished", 0),
        &handshake.server_handshake_traffic_secret(&hs.hello),
        &hs.before_server_finished,
    );
    assert_finished(
        printed(&trace, "client", "calculate finished \"tls13 finished\""),
        message(&trace, "client", "Finished", 0),
        &handshake.client_handshake_traffic_secret(&hs.hello),
        &hs.before_client_finished,
    );
    // A Finished over the wrong transcript does not verify.
    let wrong = verify_data(
        SHA256,
        &handshake.client_handshake_traffic_secret(&hs.hello),
        &hs.hello,
    );
    assert!(!wrong.ct_eq(&message(&trace, "client", "Finished", 0)[4..]));
}

/// The ticket nonce of a NewSessionTicket message: after the 4-byte header, the 4-byte
/// lifetime and the 4-byte age_add, a 1-byte length (RFC 8446 §4.6.1).
fn ticket_nonce(new_session_ticket: &[u8]) -> &[u8] {
    assert_eq!(new_session_ticket[0], 4);
    let len = usize::from(new_session_ticket[12]);
    &new_session_ticket[13..13 + len]
}

/// The resumption master secret and PSK of §3, from the trace's messages.
fn section_3_psk() -> Secret {
    let trace = rfc8448(3);
    let hs = section_3_handshake(&trace);
    let (_, _, master) = schedule(&trace, None);
    let rms = master.resumption_master_secret(&hs.client_finished);
    let nonce = ticket_nonce(message(&trace, "server", "NewSessionTicket", 0));
    resumption_psk(SHA256, &rms, nonce).unwrap()
}

#[test]
fn section_3_resumption_master_secret_and_psk() {
    let trace = rfc8448(3);
    let hs = section_3_handshake(&trace);
    let (_, _, master) = schedule(&trace, None);
    let rms = master.resumption_master_secret(&hs.client_finished);
    assert_secret(
        &rms,
        derive_step(&trace, "client", "res master").value("expanded"),
        "res master",
    );
    let step = printed(
        &trace,
        "server",
        "generate resumption secret \"tls13 resumption\"",
    );
    assert_secret(&rms, step.value("PRK"), "PRK of resumption");
    let nonce = ticket_nonce(message(&trace, "server", "NewSessionTicket", 0));
    assert_eq!(nonce, step.value("hash"));
    let psk = resumption_psk(SHA256, &rms, nonce).unwrap();
    assert_secret(&psk, step.value("expanded"), "resumption PSK");
    assert_secret(&section_3_psk(), step.value("expanded"), "resumption PSK");
}

/// §4's ClientHello as sent, and the same truncated before its binders list.
fn section_4_client_hello(trace: &Trace) -> (&[u8], &[u8]) {
    let full = trace
        .step("client", "send handshake record")
        .value("payload");
    assert_eq!(full.len(), 512);
    // The binders list closes the message: a 2-byte list length, a 1-byte binder length
    // and a 32-byte binder (RFC 8446 §4.2.11.2).
    let truncated = &full[..full.len() - 35];
    assert_eq!(&full[full.len() - 35..full.len() - 32], &[0, 33, 32]);
    (full, truncated)
}

fn section_4_handshake(trace: &Trace) -> Handshake {
    let (client_hello, _) = section_4_client_hello(trace);
    let mut transcript = Transcript::new();
    transcript.add(client_hello);
    run_transcript(
        transcript,
        message(trace, "server", "ServerHello", 0),
        &[message(trace, "server", "EncryptedExtensions", 0)],
        message(trace, "server", "Finished", 0),
        Some(message(trace, "client", "EndOfEarlyData", 0)),
        message(trace, "client", "Finished", 0),
    )
}

#[test]
fn section_4_psk_from_the_section_3_ticket_gives_the_early_secret() {
    let trace = rfc8448(4);
    let psk = section_3_psk();
    let step = printed(&trace, "any", "extract secret \"early\"");
    assert_eq!(step.value("IKM"), psk.as_bytes());
    let early = EarlySecret::new(SHA256, Some(psk.as_bytes()));
    assert_secret(early.secret(), step.value("secret"), "early secret");
    // The whole schedule from there, checked step by step.
    schedule(&trace, Some(psk.as_bytes()));
}

#[test]
fn section_4_binder_key_and_binder() {
    let trace = rfc8448(4);
    let psk = section_3_psk();
    let early = EarlySecret::new(SHA256, Some(psk.as_bytes()));
    let (full, truncated) = section_4_client_hello(&trace);
    let step = printed(&trace, "client", "calculate PSK binder");
    assert_eq!(step.value("ClientHello prefix"), truncated);
    assert_eq!(
        message(&trace, "client", "ClientHello", 0),
        truncated,
        "the trace prints the ClientHello before its binders"
    );

    // The binder hashes the truncated ClientHello, buffered before the suite is chosen.
    let mut transcript = Transcript::new();
    let binder_hash = transcript.hash_with(SHA256, truncated).unwrap();
    assert_eq!(binder_hash.as_bytes(), step.value("binder hash"));
    transcript.add(truncated);
    transcript.start_hash(SHA256).unwrap();
    assert_eq!(transcript.current_hash().unwrap(), binder_hash);

    let binder_key = early.binder_key(BinderKind::Resumption);
    assert_secret(&binder_key, step.value("PRK"), "binder key");
    assert_secret(
        &finished_key(SHA256, &binder_key),
        step.value("expanded"),
        "binder finished key",
    );
    let binder = verify_data(SHA256, &binder_key, &binder_hash);
    assert_secret(&binder, step.value("finished"), "binder");
    assert!(binder.ct_eq(&full[full.len() - 32..]));
    // An external PSK's binder key differs.
    let external = early.binder_key(BinderKind::External);
    assert_ne!(external.as_bytes(), binder_key.as_bytes());
}

#[test]
fn section_4_early_traffic_secret_keys_and_early_exporter() {
    let trace = rfc8448(4);
    let psk = section_3_psk();
    let early = EarlySecret::new(SHA256, Some(psk.as_bytes()));
    let (full, _) = section_4_client_hello(&trace);
    let mut transcript = Transcript::new();
    transcript.add(full);
    transcript.start_hash(SHA256).unwrap();
    let client_hello = transcript.current_hash().unwrap();

    let step = derive_step(&trace, "client", "c e traffic");
    assert_eq!(step.value("hash"), client_hello.as_bytes());
    let c_e_traffic = early.client_early_traffic_secret(&client_hello);
    assert_secret(&c_e_traffic, step.value("expanded"), "c e traffic");
    assert_keys(
        printed(
            &trace,
            "client",
            "derive write traffic keys for early application data",
        ),
        &c_e_traffic,
    );

    let step = derive_step(&trace, "client", "e exp master");
    assert_eq!(step.value("hash"), client_hello.as_bytes());
    assert_secret(
        &early.early_exporter_master_secret(&client_hello),
        step.value("expanded"),
        "e exp master",
    );
}

#[test]
fn section_4_handshake_and_application_secrets() {
    let trace = rfc8448(4);
    let psk = section_3_psk();
    let hs = section_4_handshake(&trace);
    let (_, handshake, master) = schedule(&trace, Some(psk.as_bytes()));

    for (got, label) in [
        (
            handshake.client_handshake_traffic_secret(&hs.hello),
            "c hs traffic",
        ),
        (
            handshake.server_handshake_traffic_secret(&hs.hello),
            "s hs traffic",
        ),
        (
            master.client_application_traffic_secret_0(&hs.server_finished),
            "c ap traffic",
        ),
        (
            master.server_application_traffic_secret_0(&hs.server_finished),
            "s ap traffic",
        ),
        (
            master.exporter_master_secret(&hs.server_finished),
            "exp master",
        ),
    ] {
        let step = derive_step(&trace, "server", label);
        let transcript = if label.contains("hs") {
            &hs.hello
        } else {
            &hs.server_finished
        };
        assert_eq!(step.value("hash"), transcript.as_bytes(), "{label}");
        assert_secret(&got, step.value("expanded"), label);
    }

    assert_keys(
        printed(
            &trace,
            "server",
            "derive write traffic keys for handshake data",
        ),
        &handshake.server_handshake_traffic_secret(&hs.hello),
    );
    assert_keys(
        printed(
            &trace,
            "client",
            "derive write traffic keys for handshake data",
        ),
        &handshake.client_handshake_traffic_secret(&hs.hello),
    );
    assert_keys(
        printed(
            &trace,
            "server",
            "derive write traffic keys for application data",
        ),
        &master.server_application_traffic_secret_0(&hs.server_finished),
    );
    assert_keys(
        printed(
            &trace,
            "client",
            "derive write traffic keys for application data",
        ),
        &master.client_application_traffic_secret_0(&hs.server_finished),
    );
}

#[test]
fn section_4_finished_and_resumption_master_secret() {
    let trace = rfc8448(4);
    let psk = section_3_psk();
    let hs = section_4_handshake(&trace);
    let (_, handshake, master) = schedule(&trace, Some(psk.as_bytes()));
    assert_finished(
        printed(&trace, "server", "calculate finished \"tls13 finished\""),
        message(&trace, "server", "Finished", 0),
        &handshake.server_handshake_traffic_secret(&hs.hello),
        &hs.before_server_finished,
    );
    // The client's Finished covers EndOfEarlyData (RFC 8446 §4.4.1).
    assert_finished(
        printed(&trace, "client", "calculate finished \"tls13 finished\""),
        message(&trace, "client", "Finished", 0),
        &handshake.client_handshake_traffic_secret(&hs.hello),
        &hs.before_client_finished,
    );
    let step = derive_step(&trace, "client", "res master");
    assert_eq!(step.value("hash"), hs.client_finished.as_bytes());
    assert_secret(
        &master.resumption_master_secret(&hs.client_finished),
        step.value("expanded"),
        "res master",
    );
}

#[test]
fn section_5_hello_retry_request_transcript_and_handshake_secrets() {
    let trace = rfc8448(5);
    // The HelloRetryRequest is printed as the first ServerHello.
    let client_hello1 = message(&trace, "client", "ClientHello", 0);
    let hello_retry_request = message(&trace, "server", "ServerHello", 0);
    let client_hello2 = message(&trace, "client", "ClientHello", 1);
    let server_hello = message(&trace, "server", "ServerHello", 1);

    let mut transcript = Transcript::new();
    transcript.add(client_hello1);
    transcript.start_hash(SHA256).unwrap();
    transcript.replace_with_message_hash().unwrap();
    transcript.add(hello_retry_request);
    transcript.add(client_hello2);
    transcript.add(server_hello);
    let hello = transcript.current_hash().unwrap();

    // By hand: message_hash(ClientHello1) = 254 0 0 32 Hash(ClientHello1).
    let mut manual = vec![254, 0, 0, 32];
    manual.extend_from_slice(TranscriptHash::of(SHA256, client_hello1).as_bytes());
    for m in [hello_retry_request, client_hello2, server_hello] {
        manual.extend_from_slice(m);
    }
    assert_eq!(hello, TranscriptHash::of(SHA256, &manual));

    let step = derive_step(&trace, "server", "c hs traffic");
    assert_eq!(step.value("hash"), hello.as_bytes());
    let (_, handshake, _) = schedule(&trace, None);
    assert_secret(
        &handshake.client_handshake_traffic_secret(&hello),
        step.value("expanded"),
        "c hs traffic",
    );
    assert_secret(
        &handshake.server_handshake_traffic_secret(&hello),
        derive_step(&trace, "server", "s hs traffic").value("expanded"),
        "s hs traffic",
    );

    // The server's Finished covers the whole retried exchange.
    for m in [
        message(&trace, "server", "EncryptedExtensions", 0),
        message(&trace, "server", "Certificate", 0),
        message(&trace, "server", "CertificateVerify", 0),
    ] {
        transcript.add(m);
    }
    assert_finished(
        printed(&trace, "server", "calculate finished \"tls13 finished\""),
        message(&trace, "server", "Finished", 0),
        &handshake.server_handshake_traffic_secret(&hello),
        &transcript.current_hash().unwrap(),
    );
}
