//! Key logging in the NSS key log format, so that Wireshark can decrypt a capture.
//!
//! This is the only way secrets leave strata, and only when the application asks for it
//! (a [`KeyLog`] in the config, or the `SSLKEYLOGFILE` environment variable through
//! [`KeyLogFile::from_env`]).

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

/// Where secrets are logged, one line per secret:
/// `LABEL <client_random hex> <secret hex>`.
///
/// Labels are those of the NSS key log format: `CLIENT_RANDOM` (the TLS 1.2 master
/// secret), `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
/// `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`, `EXPORTER_SECRET`,
/// `CLIENT_EARLY_TRAFFIC_SECRET`.
pub trait KeyLog: Send + Sync + std::fmt::Debug {
    /// Records one secret. Called during the handshake; must not block for long.
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);

    /// Whether anything is logged at all; when false, strata does not even format lines.
    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// Logs nothing: the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKeyLog;

impl KeyLog for NoKeyLog {
    fn log(&self, _label: &str, _client_random: &[u8; 32], _secret: &[u8]) {}

    fn will_log(&self, _label: &str) -> bool {
        false
    }
}

/// Appends key log lines to a file.
#[derive(Debug)]
pub struct KeyLogFile {
    file: Mutex<File>,
}

impl KeyLogFile {
    /// Opens (creating if needed) the file at `path` for appending.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Opens the file named by `SSLKEYLOGFILE`, if that variable is set and non-empty.
    pub fn from_env() -> Option<std::io::Result<Self>> {
        let path = std::env::var_os("SSLKEYLOGFILE")?;
        if path.is_empty() {
            return None;
        }
        Some(Self::open(path))
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        let line = format_line(label, client_random, secret);
        // A poisoned lock or a failed write loses a debugging aid, never the connection.
        if let Ok(mut file) = self.file.lock() {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// One line of the NSS key log format, with its newline.
pub fn format_line(label: &str, client_random: &[u8; 32], secret: &[u8]) -> String {
    let mut line = String::with_capacity(label.len() + 2 + 64 + 2 * secret.len() + 1);
    line.push_str(label);
    line.push(' ');
    for b in client_random {
        let _ = write!(line, "{b:02x}");
    }
    line.push(' ');
    for b in secret {
        let _ = write!(line, "{b:02x}");
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_nss_format() {
        let line = format_line("CLIENT_TRAFFIC_SECRET_0", &[0xab; 32], &[1, 2, 0xff]);
        assert_eq!(
            line,
            format!("CLIENT_TRAFFIC_SECRET_0 {} 0102ff\n", "ab".repeat(32))
        );
    }

    #[test]
    fn a_file_gets_one_line_per_secret() {
        let dir = std::env::temp_dir().join(format!("strata-keylog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.log");
        let _ = std::fs::remove_file(&path);
        let log = KeyLogFile::open(&path).unwrap();
        log.log("CLIENT_RANDOM", &[0; 32], &[7; 48]);
        log.log("EXPORTER_SECRET", &[1; 32], &[8; 32]);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("CLIENT_RANDOM 0000"));
        assert!(lines[1].ends_with(&"08".repeat(32)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_default_logs_nothing() {
        assert!(!NoKeyLog.will_log("CLIENT_RANDOM"));
    }
}
