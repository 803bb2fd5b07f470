//! `strata client ADDR`: connect, send standard input, print what the server sends.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use strata::pki_types::ServerName;
use strata::{ClientConfig, ClientConnection, Stream, TrustAnchors};
use strata_pki::CertifiedKey;

use crate::args::ClientArgs;
use crate::options::Shared;
use crate::report;
use crate::CliError;

/// The host part of `host:port` or `[v6]:port`.
fn host_of(addr: &str) -> &str {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

pub fn run(args: &ClientArgs) -> Result<(), CliError> {
    let Some(ca) = &args.ca else {
        return Err(CliError::Usage(
            "--ca FILE is needed: strata trusts no CA by default".into(),
        ));
    };
    let anchors = TrustAnchors::from_file(ca)?;
    let shared = Shared::from_flags(&args.protocol, "client")?;
    let mut builder = shared.client(ClientConfig::builder_with_roots(anchors)?);
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        builder = builder.client_certificate(Arc::new(CertifiedKey::from_files(cert, key)?));
    }
    let config = builder.build()?;
    let name = args
        .servername
        .clone()
        .unwrap_or_else(|| host_of(&args.addr).to_owned());
    let server_name = ServerName::try_from(name.clone())
        .map_err(|_| CliError::Usage(format!("{name:?} is not a DNS name or IP address")))?;

    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input)?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    connect_once(&args.addr, &config, &server_name, &input, timeout)?;
    if args.reconnect {
        // The config's session store holds what the first connection established.
        let resumed = connect_once(&args.addr, &config, &server_name, &input, timeout)?;
        eprintln!("resumed: {}", if resumed { "yes" } else { "no" });
    }
    Ok(())
}

fn connect_once(
    addr: &str,
    config: &Arc<ClientConfig>,
    server_name: &ServerName<'static>,
    input: &[u8],
    timeout: Duration,
) -> Result<bool, CliError> {
    let target = addr
        .to_socket_addrs()
        .map_err(|e| CliError::Usage(format!("{addr}: {e}")))?
        .next()
        .ok_or_else(|| CliError::Usage(format!("{addr}: no address")))?;
    let tcp = TcpStream::connect_timeout(&target, timeout)
        .map_err(|e| CliError::Failed(format!("connect to {addr}: {e}")))?;
    tcp.set_read_timeout(Some(timeout))?;
    tcp.set_write_timeout(Some(timeout))?;
    let conn = ClientConnection::new(config.clone(), server_name.clone())?;
    let mut tls = Stream::new(conn, tcp);
    tls.handshake()?;
    for line in report::describe(&tls.conn) {
        eprintln!("client: {line}");
    }
    if !input.is_empty() {
        tls.write_all(input)?;
    }
    let mut stdout = io::stdout().lock();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => stdout.write_all(buf.get(..n).unwrap_or_default())?,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(CliError::Failed(format!("{e}")));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    stdout.flush()?;
    let _ = tls.close();
    Ok(tls.conn.is_resumed())
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_are_cut_from_addresses() {
        assert_eq!(host_of("example.com:443"), "example.com");
        assert_eq!(host_of("[::1]:4433"), "::1");
        assert_eq!(host_of("127.0.0.1:1"), "127.0.0.1");
    }
}
