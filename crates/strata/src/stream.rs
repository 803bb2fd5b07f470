//! A blocking stream over any `Read + Write` transport: the handshake runs on first use,
//! then reads and writes carry application data.

use std::io::{self, Read, Write};
use std::ops::DerefMut;

use crate::conn::Connection;

/// Drives `conn` over `transport` (a `TcpStream`, say) until the handshake is done.
pub fn complete_handshake<C, T>(conn: &mut C, transport: &mut T) -> io::Result<()>
where
    C: DerefMut<Target = Connection>,
    T: Read + Write,
{
    while conn.is_handshaking() {
        pump_once(conn, transport)?;
    }
    flush(conn, transport)?;
    match conn.error() {
        Some(err) => Err(io::Error::other(err.clone())),
        None => Ok(()),
    }
}

/// Writes everything queued, then reads and processes once if the connection wants to.
fn pump_once<C, T>(conn: &mut C, transport: &mut T) -> io::Result<()>
where
    C: DerefMut<Target = Connection>,
    T: Read + Write,
{
    flush(conn, transport)?;
    if let Some(err) = conn.error() {
        return Err(io::Error::other(err.clone()));
    }
    if !conn.wants_read() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed during the handshake",
        ));
    }
    if conn.read_tls(transport)? == 0 {
        conn.process_new_packets().map_err(io::Error::other)?;
        if conn.is_handshaking() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed during the handshake",
            ));
        }
        return Ok(());
    }
    let result = conn.process_new_packets();
    flush(conn, transport)?;
    result.map_err(io::Error::other)
}

fn flush<C, T>(conn: &mut C, transport: &mut T) -> io::Result<()>
where
    C: DerefMut<Target = Connection>,
    T: Read + Write,
{
    while conn.wants_write() {
        conn.write_tls(transport)?;
    }
    transport.flush()
}

/// A TLS stream: a connection and its transport, used through `Read` and `Write`.
#[derive(Debug)]
pub struct Stream<C, T> {
    /// The connection.
    pub conn: C,
    /// The transport.
    pub transport: T,
}

impl<C, T> Stream<C, T>
where
    C: DerefMut<Target = Connection>,
    T: Read + Write,
{
    /// A stream over `transport`; the handshake runs on first read or write.
    pub fn new(conn: C, transport: T) -> Self {
        Self { conn, transport }
    }

    /// Runs the handshake now.
    pub fn handshake(&mut self) -> io::Result<()> {
        complete_handshake(&mut self.conn, &mut self.transport)
    }

    /// Sends close_notify and flushes it.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        flush(&mut self.conn, &mut self.transport)
    }
}

impl<C, T> Read for Stream<C, T>
where
    C: DerefMut<Target = Connection>,
    T: Read + Write,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.handshake()?;
        loop {
            match self.conn.read_plaintext(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            // A read of 0 marks the transport's end: the next read_plaintext says whether
            // the peer closed with close_notify or truncated the stream.
            self.conn.read_tls(&mut self.transport)?;
            let result = self.conn.process_new_packets();
            flush(&mut self.conn, &mut self.transport)?;
            result.map_err(io::Error::other)?;
        }
    }
}

impl<C, T> Write for Stream<C, T>
where
    C: DerefMut<Target = Connection>,
    T: Read + Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.handshake()?;
        let n = self.conn.write_plaintext(buf)?;
        flush(&mut self.conn, &mut self.transport)?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        flush(&mut self.conn, &mut self.transport)
    }
}
