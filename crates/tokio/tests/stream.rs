//! strata-tokio end to end: strata clients and servers over tokio transports (in-memory
//! pipes as small as a few bytes, so that every `Pending` path runs, and loopback TCP),
//! both versions, with and without client authentication, and handshakes that wait for
//! answers from async code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::{name, pattern, tls_error, Pki};
use proptest::prelude::*;
use strata::{AnswerMode, ClientConfig, Error, Request, ServerConfig, TlsVersion};
use strata_tokio::{accept, connect, TlsStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

type Client = TlsStream<strata::ClientConnection, DuplexStream>;
type Server = TlsStream<strata::ServerConnection, DuplexStream>;

/// Both handshakes over a pipe of `capacity` bytes each way.
async fn pair(
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    capacity: usize,
) -> (std::io::Result<Client>, std::io::Result<Server>) {
    let (c, s) = tokio::io::duplex(capacity);
    tokio::join!(
        connect(client, name("server.example"), c),
        accept(server, s)
    )
}

// ---------------------------------------------------------------------------------------
// Handshakes and data
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn both_versions_with_and_without_client_auth_carry_data_both_ways() {
    common::within(async {
        let pki = Pki::new();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            for client_auth in [false, true] {
                let (client, server) = pki.configs(version, client_auth);
                // 7 bytes a pipe: every flight and record crosses in pieces.
                let (c, s) = pair(client, server, 7).await;
                let (mut c, mut s) = (c.unwrap(), s.unwrap());
                assert_eq!(c.conn().protocol_version(), Some(version));
                assert_eq!(s.conn().protocol_version(), Some(version));
                assert_eq!(
                    s.conn().peer_certificates().is_some_and(|p| !p.is_empty()),
                    client_auth,
                    "{version:?}"
                );

                let (sent, echoed) = tokio::join!(
                    async {
                        c.write_all(b"ping over strata-tokio").await.unwrap();
                        c.flush().await.unwrap();
                        let mut back = [0u8; 22];
                        c.read_exact(&mut back).await.unwrap();
                        back
                    },
                    async {
                        let mut got = [0u8; 22];
                        s.read_exact(&mut got).await.unwrap();
                        s.write_all(&got).await.unwrap();
                        s.flush().await.unwrap();
                        got
                    }
                );
                assert_eq!(&sent, b"ping over strata-tokio");
                assert_eq!(sent, echoed);
            }
        }
    })
    .await;
}

/// Writes `data` in `chunk`-byte writes and shuts down, while reading the peer's bytes
/// to its close_notify.
async fn send_and_receive<S>(stream: S, data: Vec<u8>, chunk: usize) -> Vec<u8>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (_, received) = tokio::join!(
        async move {
            for piece in data.chunks(chunk.max(1)) {
                wr.write_all(piece).await.unwrap();
            }
            wr.shutdown().await.unwrap();
        },
        async move {
            let mut received = Vec::new();
            rd.read_to_end(&mut received).await.unwrap();
            received
        }
    );
    received
}

#[tokio::test]
async fn a_megabyte_each_way_at_once_through_a_small_pipe() {
    common::within(async {
        let pki = Pki::new();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let (client, server) = pki.configs(version, false);
            let (c, s) = pair(client, server, 1000).await;
            let (up, down) = (pattern(1 << 20, 1), pattern(1 << 20, 2));
            let (at_server, at_client) = tokio::join!(
                send_and_receive(s.unwrap(), down.clone(), 40_000),
                send_and_receive(c.unwrap(), up.clone(), 16_384),
            );
            // Compared by length first: a megabyte in an assert message helps no one.
            assert_eq!((at_server.len(), at_client.len()), (up.len(), down.len()));
            assert!(at_server == up && at_client == down, "{version:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn loopback_tcp_with_mutual_authentication() {
    common::within(async {
        let pki = Pki::new();
        let (client, server) = pki.configs(TlsVersion::Tls13, true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = accept(server, tcp).await.unwrap();
            let mut request = Vec::new();
            tls.read_to_end(&mut request).await.unwrap();
            tls.write_all(&request).await.unwrap();
            tls.shutdown().await.unwrap();
            tls.conn().peer_certificates().map(<[_]>::len)
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut tls = connect(client, name("server.example"), tcp).await.unwrap();
        let data = pattern(100_000, 3);
        tls.write_all(&data).await.unwrap();
        tls.shutdown().await.unwrap();
        let mut back = Vec::new();
        tls.read_to_end(&mut back).await.unwrap();
        assert!(back == data);
        assert_eq!(served.await.unwrap(), Some(1));
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Ends and failures
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn close_notify_ends_a_read_and_a_cut_transport_is_truncation() {
    common::within(async {
        let pki = Pki::new();
        let (client, server) = pki.configs(TlsVersion::Tls13, false);

        let (c, s) = pair(client.clone(), server.clone(), 64).await;
        let (mut c, mut s) = (c.unwrap(), s.unwrap());
        c.write_all(b"last words").await.unwrap();
        c.shutdown().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
        assert!(s.conn().received_close_notify());
        // Shutting down twice sends one close_notify.
        c.shutdown().await.unwrap();

        let (c, s) = pair(client, server, 64).await;
        let (c, mut s) = (c.unwrap(), s.unwrap());
        drop(c); // the transport ends with no close_notify
        let err = s.read_to_end(&mut Vec::new()).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    })
    .await;
}

#[tokio::test]
async fn a_server_the_client_cannot_verify_fails_both_sides_with_the_alert() {
    common::within(async {
        let pki = Pki::new();
        let other = Pki::new();
        let client = other.client(TlsVersion::Tls13, false).build().unwrap();
        let server = pki.server(TlsVersion::Tls13, false).build().unwrap();
        let (c, s) = pair(client, server, 64).await;
        let (c, s) = (c.unwrap_err(), s.unwrap_err());
        let sent = tls_error(&c).and_then(Error::alert_sent);
        assert!(sent.is_some(), "{c}");
        assert_eq!(tls_error(&s).and_then(Error::alert_received), sent, "{s}");
    })
    .await;
}

#[tokio::test]
async fn a_peer_that_hangs_up_mid_handshake_is_unexpected_eof() {
    common::within(async {
        let pki = Pki::new();
        let server = pki.server(TlsVersion::Tls13, false).build().unwrap();
        let (mut c, s) = tokio::io::duplex(1024);
        let (_, accepted) = tokio::join!(
            async move {
                c.write_all(&[22, 3, 1, 0, 200, 1, 0]).await.unwrap(); // a ClientHello's start
                drop(c);
            },
            accept(server, s)
        );
        let err = accepted.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    })
    .await;
}

#[tokio::test]
async fn garbage_from_the_peer_is_a_typed_error_with_its_alert() {
    common::within(async {
        let pki = Pki::new();
        let server = pki.server(TlsVersion::Tls13, false).build().unwrap();
        let (mut c, s) = tokio::io::duplex(1024);
        let (answer, accepted) = tokio::join!(
            async move {
                c.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
                let mut answer = Vec::new();
                c.read_to_end(&mut answer).await.unwrap();
                answer
            },
            accept(server, s)
        );
        let err = accepted.unwrap_err();
        assert!(
            tls_error(&err).and_then(Error::alert_sent).is_some(),
            "{err}"
        );
        // The alert went out before the error came back: one alert record.
        assert_eq!(answer.first(), Some(&21), "{answer:?}");
    })
    .await;
}

#[tokio::test]
async fn garbage_after_the_handshake_fails_the_read_with_its_alert() {
    common::within(async {
        let pki = Pki::new();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let (client, server) = pki.configs(version, false);
            let (c, s) = pair(client, server, 64).await;
            let (mut c, mut s) = (c.unwrap(), s.unwrap());
            // An application data record that no key opens, straight onto the transport.
            let mut record = vec![23, 3, 3, 0, 40];
            record.extend_from_slice(&[0x5a; 40]);
            c.io_mut().write_all(&record).await.unwrap();
            let err = s.read(&mut [0u8; 100]).await.unwrap_err();
            let sent = tls_error(&err).and_then(Error::alert_sent);
            assert_eq!(
                sent,
                Some(strata::AlertDescription::BadRecordMac),
                "{version:?}: {err}"
            );
            // The alert goes out as far as the pipe takes it at once (behind the server's
            // tickets, in TLS 1.3); shutting down sends the rest, and the client's read
            // reports it.
            let mut buf = [0u8; 100];
            let (_, read) = tokio::join!(s.shutdown(), c.read(&mut buf));
            let err = read.unwrap_err();
            assert_eq!(
                tls_error(&err).and_then(Error::alert_received),
                sent,
                "{err}"
            );
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Answers from async code
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn async_answers_pause_the_handshake_not_the_thread() {
    common::within(async {
        let pki = Pki::new();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let client = pki
                .client(version, true)
                .answer_mode(AnswerMode::Application)
                .build()
                .unwrap();
            let server = pki
                .server(version, true)
                .answer_mode(AnswerMode::Application)
                .build()
                .unwrap();
            let (c, s) = tokio::io::duplex(256);
            let mut c = TlsStream::new(
                strata::ClientConnection::new(client, name("server.example")).unwrap(),
                c,
            );
            let mut s = TlsStream::new(strata::ServerConnection::new(server).unwrap(), s);

            // A task on the same (single) thread, ticking while the handshakes wait.
            let ticks = Arc::new(AtomicUsize::new(0));
            let ticker = tokio::spawn({
                let ticks = ticks.clone();
                async move {
                    loop {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        ticks.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            let seen = Arc::new(Mutex::new(Vec::new()));
            // Signatures come from a "remote" signer that takes 30 ms; the rest is what the
            // configuration answers.
            let answerer = |configured: strata::ConfiguredAnswers, who: &'static str| {
                let seen = seen.clone();
                let ticks = ticks.clone();
                move |request: Request| {
                    let configured = configured.clone();
                    let seen = seen.clone();
                    let ticks = ticks.clone();
                    async move {
                        let kind = match &request {
                            Request::Sign { .. } => "sign",
                            Request::ChooseServerCertificate { .. } => "choose server certificate",
                            Request::ChooseClientCertificate { .. } => "choose client certificate",
                            Request::VerifyServerChain { .. } => "verify server chain",
                            Request::VerifyClientChain { .. } => "verify client chain",
                        };
                        if matches!(request, Request::Sign { .. }) {
                            let before = ticks.load(Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(30)).await;
                            seen.lock().unwrap().push((
                                who,
                                kind,
                                ticks.load(Ordering::Relaxed) - before,
                            ));
                        } else {
                            seen.lock().unwrap().push((who, kind, 0));
                        }
                        configured.answer(&request)
                    }
                }
            };
            let client_answers = answerer(c.conn().configured_answers(), "client");
            let server_answers = answerer(s.conn().configured_answers(), "server");
            let (rc, rs) = tokio::join!(
                c.handshake_answering(client_answers),
                s.handshake_answering(server_answers)
            );
            rc.unwrap();
            rs.unwrap();
            ticker.abort();
            assert_eq!(s.conn().peer_certificates().map(<[_]>::len), Some(1));

            let seen = seen.lock().unwrap().clone();
            let kinds: Vec<_> = seen.iter().map(|(who, kind, _)| (*who, *kind)).collect();
            for expected in [
                ("server", "choose server certificate"),
                ("server", "sign"),
                ("client", "verify server chain"),
                ("client", "choose client certificate"),
                ("client", "sign"),
                ("server", "verify client chain"),
            ] {
                assert!(kinds.contains(&expected), "{version:?}: {kinds:?}");
            }
            // While each signature was awaited, the other task kept running on the thread.
            for (who, kind, ticked) in &seen {
                if *kind == "sign" {
                    assert!(*ticked >= 3, "{version:?} {who}: {ticked} ticks in 30 ms");
                }
            }

            // And the streams carry data afterwards.
            let (_, got) = tokio::join!(
                async { c.write_all(b"after the pause").await.unwrap() },
                async {
                    let mut got = [0u8; 15];
                    s.read_exact(&mut got).await.unwrap();
                    got
                }
            );
            assert_eq!(&got, b"after the pause");
        }
    })
    .await;
}

/// A TLS 1.3 client, and a server whose requests the application answers.
fn application_answered_server() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let pki = Pki::new();
    let client = pki.client(TlsVersion::Tls13, false).build().unwrap();
    let server = pki
        .server(TlsVersion::Tls13, false)
        .answer_mode(AnswerMode::Application)
        .build()
        .unwrap();
    (client, server)
}

#[tokio::test]
async fn an_answer_the_handshake_refuses_fails_it_with_the_alert_sent() {
    common::within(async {
        let (client, server) = application_answered_server();
        let (c, s) = tokio::io::duplex(256);
        let mut s = TlsStream::new(strata::ServerConnection::new(server).unwrap(), s);
        let (connected, answered) = tokio::join!(
            connect(client, name("server.example"), c),
            // No certificate for this client: handshake_failure.
            s.handshake_answering(|_| async { strata::Answer::Certificate(None) })
        );
        let err = answered.unwrap_err();
        let sent = tls_error(&err).and_then(Error::alert_sent);
        assert!(sent.is_some(), "{err}");
        let err = connected.unwrap_err();
        assert_eq!(
            tls_error(&err).and_then(Error::alert_received),
            sent,
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_handshake_that_needs_answers_says_so_without_an_answerer() {
    common::within(async {
        let (client, server) = application_answered_server();
        let (c, s) = tokio::io::duplex(256);
        let (_, accepted) = tokio::join!(
            async move {
                // The client gives up once the server has failed.
                let _ = tokio::time::timeout(
                    Duration::from_secs(5),
                    connect(client, name("server.example"), c),
                )
                .await;
            },
            accept(server, s)
        );
        let err = accepted.unwrap_err();
        assert!(err.to_string().contains("handshake_answering"), "{err}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Any pipe size, any write size
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_pipe_and_write_sizes_deliver_the_bytes_in_order(
        capacity in 1usize..5000,
        chunk in 1usize..40_000,
        len in 0usize..100_000,
        tls13 in any::<bool>(),
    ) {
        let pki = Pki::new();
        let version = if tls13 { TlsVersion::Tls13 } else { TlsVersion::Tls12 };
        let (client, server) = pki.configs(version, false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (up, down) = (pattern(len, 4), pattern(len / 2, 5));
        let (at_server, at_client) = runtime.block_on(common::within(async {
            let (c, s) = pair(client, server, capacity).await;
            tokio::join!(
                send_and_receive(s.unwrap(), down.clone(), chunk / 2 + 1),
                send_and_receive(c.unwrap(), up.clone(), chunk),
            )
        }));
        prop_assert!(at_server == up, "client to server: {} of {} bytes", at_server.len(), up.len());
        prop_assert!(at_client == down, "server to client: {} of {} bytes", at_client.len(), down.len());
    }

    /// Transports that say "not ready" and move a few bytes at a time wherever their
    /// scripts say: the handshake and the data get through all the same.
    #[test]
    fn a_transport_that_stalls_and_moves_bytes_piecemeal_anywhere_changes_nothing(
        client_script in proptest::collection::vec(any::<u8>(), 0..400),
        server_script in proptest::collection::vec(any::<u8>(), 0..400),
        len in 0usize..50_000,
        tls13 in any::<bool>(),
        client_auth in any::<bool>(),
    ) {
        let pki = Pki::new();
        let version = if tls13 { TlsVersion::Tls13 } else { TlsVersion::Tls12 };
        let (client, server) = pki.configs(version, client_auth);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (up, down) = (pattern(len, 6), pattern(len / 3, 7));
        let (at_server, at_client) = runtime.block_on(common::within(async {
            let (c, s) = tokio::io::duplex(4096);
            let (c, s) = tokio::join!(
                connect(client, name("server.example"), Scripted::new(c, client_script)),
                accept(server, Scripted::new(s, server_script)),
            );
            tokio::join!(
                send_and_receive(s.unwrap(), down.clone(), 3000),
                send_and_receive(c.unwrap(), up.clone(), 7000),
            )
        }));
        prop_assert!(at_server == up, "client to server: {} of {} bytes", at_server.len(), up.len());
        prop_assert!(at_client == down, "server to client: {} of {} bytes", at_client.len(), down.len());
    }
}

/// A transport whose every read and write first takes the next byte of a script: a
/// multiple of 4 is "not ready" (the task is woken at once, as a spurious wake-up may), any
/// other value the most bytes that call may move. Past the script's end it is `IO` itself.
struct Scripted<IO> {
    io: IO,
    script: Vec<u8>,
    at: usize,
}

impl<IO> Scripted<IO> {
    fn new(io: IO, script: Vec<u8>) -> Self {
        Self { io, script, at: 0 }
    }

    /// `None`: not ready now; `Some(limit)`: ready to move up to `limit` bytes.
    fn next(&mut self, cx: &mut std::task::Context<'_>) -> Option<usize> {
        let Some(&b) = self.script.get(self.at) else {
            return Some(usize::MAX);
        };
        self.at += 1;
        if b % 4 == 0 {
            cx.waker().wake_by_ref();
            None
        } else {
            Some(usize::from(b))
        }
    }
}

impl<IO: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Scripted<IO> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let Some(limit) = this.next(cx) else {
            return std::task::Poll::Pending;
        };
        let mut piece = vec![0u8; limit.min(buf.remaining())];
        let mut piece_buf = tokio::io::ReadBuf::new(&mut piece);
        let poll = std::pin::Pin::new(&mut this.io).poll_read(cx, &mut piece_buf);
        buf.put_slice(piece_buf.filled());
        poll
    }
}

impl<IO: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Scripted<IO> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let Some(limit) = this.next(cx) else {
            return std::task::Poll::Pending;
        };
        let piece = &buf[..limit.min(buf.len())];
        std::pin::Pin::new(&mut this.io).poll_write(cx, piece)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.next(cx).is_none() {
            return std::task::Poll::Pending;
        }
        std::pin::Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.next(cx).is_none() {
            return std::task::Poll::Pending;
        }
        std::pin::Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
