//! `strata server`: accept TLS connections; `--http` describes each connection in a page,
//! `--echo` echoes, otherwise received data is printed.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use strata::{ServerConfig, ServerConnection, Stream, TrustAnchors};
use strata_pki::{CertifiedKey, WebPkiClientVerifier};

use crate::args::ServerArgs;
use crate::options::Shared;
use crate::report;
use crate::CliError;

/// The largest HTTP request head read before answering.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

#[derive(Clone, Copy)]
pub enum Mode {
    Http,
    Echo,
    Print,
}

pub fn run(args: &ServerArgs) -> Result<(), CliError> {
    let config = build_config(args)?;
    let listener = TcpListener::bind(&args.listen)
        .map_err(|e| CliError::Usage(format!("listen on {}: {e}", args.listen)))?;
    eprintln!("server: listening on {}", listener.local_addr()?);
    let mode = if args.http {
        Mode::Http
    } else if args.echo {
        Mode::Echo
    } else {
        Mode::Print
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    for tcp in listener.incoming() {
        let tcp = match tcp {
            Ok(tcp) => tcp,
            Err(e) => {
                eprintln!("server: accept: {e}");
                continue;
            }
        };
        if args.once {
            return serve(&config, tcp, mode, timeout);
        }
        let config = config.clone();
        std::thread::spawn(move || {
            let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            if let Err(e) = serve(&config, tcp, mode, timeout) {
                eprintln!("server: {peer}: {e}");
            }
        });
    }
    Ok(())
}

pub fn build_config(args: &ServerArgs) -> Result<Arc<ServerConfig>, CliError> {
    if args.cert.len() != args.key.len() {
        return Err(CliError::Usage("give --cert and --key in pairs".into()));
    }
    let certs = args
        .cert
        .iter()
        .zip(&args.key)
        .map(|(c, k)| CertifiedKey::from_files(c, k).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    let shared = Shared::from_flags(&args.protocol, "server")?;
    let mut builder = shared.server(ServerConfig::builder_with_certificates(certs));
    if let Some(ca) = &args.client_ca {
        let anchors = Arc::new(TrustAnchors::from_file(ca)?);
        let mut verifier = WebPkiClientVerifier::new(anchors)?;
        if !args.require_client_cert {
            verifier = verifier.allow_unauthenticated();
        }
        builder = builder.client_auth(Arc::new(verifier));
    }
    Ok(builder.build()?)
}

pub fn serve(
    config: &Arc<ServerConfig>,
    tcp: TcpStream,
    mode: Mode,
    timeout: Duration,
) -> Result<(), CliError> {
    // The timeout bounds every read and write, and the handshake as a whole: a peer that
    // trickles one byte at a time never holds a thread for long.
    tcp.set_read_timeout(Some(timeout))?;
    tcp.set_write_timeout(Some(timeout))?;
    let watchdog = handshake_deadline(&tcp, timeout)?;
    let conn = ServerConnection::new(config.clone())?;
    let mut tls = Stream::new(conn, tcp);
    let handshake = tls.handshake();
    watchdog.store(true, Ordering::Release);
    handshake?;
    for line in report::describe(&tls.conn) {
        eprintln!("server: {line}");
    }
    match mode {
        Mode::Http => http(&mut tls)?,
        Mode::Echo => echo(&mut tls)?,
        Mode::Print => print(&mut tls)?,
    }
    let _ = tls.close();
    Ok(())
}

/// Shuts the socket down if the handshake is not over within `timeout`; the returned flag
/// is set when it is.
fn handshake_deadline(tcp: &TcpStream, timeout: Duration) -> io::Result<Arc<AtomicBool>> {
    let done = Arc::new(AtomicBool::new(false));
    let (flag, socket) = (done.clone(), tcp.try_clone()?);
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            if flag.load(Ordering::Acquire) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !flag.load(Ordering::Acquire) {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    });
    Ok(done)
}

fn http(tls: &mut Stream<ServerConnection, TcpStream>) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = tls.read(&mut buf)?;
        if n == 0 || head.len() > MAX_REQUEST_HEAD {
            break;
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let mut body = String::from("<html><body><h1>strata</h1><pre>\n");
    for line in report::describe(&tls.conn) {
        body.push_str(&line);
        body.push('\n');
    }
    body.push_str("</pre></body></html>\n");
    let response = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(response.as_bytes())?;
    tls.flush()
}

fn echo(tls: &mut Stream<ServerConnection, TcpStream>) -> io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => tls.write_all(buf.get(..n).unwrap_or_default())?,
            Err(e) => return Err(e),
        }
    }
}

fn print(tls: &mut Stream<ServerConnection, TcpStream>) -> io::Result<()> {
    let mut buf = [0u8; 16 * 1024];
    let mut stdout = io::stdout();
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => stdout.write_all(buf.get(..n).unwrap_or_default())?,
            Err(e) => return Err(e),
        }
    }
}
