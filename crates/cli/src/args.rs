//! The command line, as ../shared/DESIGN.md fixes it for people and interop tools.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A TLS 1.3 client and server, and a self-contained demo.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Accept TLS connections.
    Server(ServerArgs),
    /// Connect to a TLS server, send standard input, print what comes back.
    Client(ClientArgs),
    /// A throwaway CA, a mutually authenticated strata handshake on loopback, then the
    /// same against OpenSSL when an `openssl` binary is on the PATH.
    Demo(DemoArgs),
}

/// Settings both sides share.
#[derive(Debug, Args, Clone, Default)]
pub struct Protocol {
    /// Only TLS 1.2.
    #[arg(long, conflicts_with = "tls13")]
    pub tls12: bool,
    /// Only TLS 1.3.
    #[arg(long)]
    pub tls13: bool,
    /// ALPN protocols, best first.
    #[arg(long, value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Cipher suites by IANA name (TLS_AES_128_GCM_SHA256, …), best first.
    #[arg(long, value_delimiter = ',')]
    pub suites: Vec<String>,
    /// Groups (x25519, secp256r1 or P-256, secp384r1 or P-384), best first.
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<String>,
    /// Append secrets to FILE in the NSS key log format (for Wireshark); SSLKEYLOGFILE
    /// is used when this is not given.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Print each handshake message as it crosses.
    #[arg(long)]
    pub trace: bool,
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Address to listen on (127.0.0.1:4433, [::]:443, …).
    #[arg(long)]
    pub listen: String,
    /// Certificate chain (PEM), end entity first; repeat with --key for more pairs.
    #[arg(long, required = true)]
    pub cert: Vec<PathBuf>,
    /// Private key (PEM) for the --cert of the same position.
    #[arg(long, required = true)]
    pub key: Vec<PathBuf>,
    /// Ask clients for a certificate issued by these CAs (PEM).
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
    /// Refuse clients without a certificate (needs --client-ca).
    #[arg(long, requires = "client_ca")]
    pub require_client_cert: bool,
    /// Answer each request with an HTTP/1.0 page describing the connection.
    #[arg(long, conflicts_with = "echo")]
    pub http: bool,
    /// Echo application data back.
    #[arg(long)]
    pub echo: bool,
    /// Serve one connection, then exit with its outcome.
    #[arg(long)]
    pub once: bool,
    /// Seconds a peer has to finish its handshake (and between reads).
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    #[command(flatten)]
    pub protocol: Protocol,
}

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The server's address (host:port).
    pub addr: String,
    /// The name to ask for (SNI) and to check the certificate against; the host of ADDR
    /// by default.
    #[arg(long)]
    pub servername: Option<String>,
    /// The CAs to trust (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// A client certificate chain (PEM), for servers that ask.
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Connect a second time, resuming the first session, and say whether it resumed.
    #[arg(long)]
    pub reconnect: bool,
    /// Seconds to wait for the server.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    #[command(flatten)]
    pub protocol: Protocol,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Skip the OpenSSL part even if `openssl` is on the PATH.
    #[arg(long)]
    pub no_openssl: bool,
}
