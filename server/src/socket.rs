//! Socket plumbing shared by connections and the listener: the
//! [`Transport`] a connection runs on, how an accepted stream is set up,
//! and the lingering close (RFC 9112 §9.6).
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

/// How long a closing connection keeps reading (and discarding) what the
/// client still sends, so a reset does not destroy the last response before
/// the client has read it (RFC 9112 §9.6).
pub const LINGER: Duration = Duration::from_millis(500);

/// Most bytes read and discarded while lingering.
pub const LINGER_BYTES: usize = 256 * 1024;

/// A byte stream a connection runs on.
pub trait Transport: Read + Write {
    /// Sets how long a read may block; `None` blocks for ever.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
    /// Closes the sending side (a TCP FIN), keeping the receiving side open.
    fn shutdown_write(&mut self) -> io::Result<()>;
    /// Says the connection is idle between requests (`true`: every answer
    /// written, waiting for the next request's first byte) or no longer
    /// (`false`). An idle connection may be closed by the server at any
    /// time (RFC 9112 §9.5); the listener gives idle ones up first when
    /// the connection cap is reached.
    fn set_idle(&mut self, _idle: bool) {}
}

impl Transport for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

/// An in-memory transport: reads give `input` and then end of stream;
/// writes are collected in `output`.
#[derive(Debug, Default)]
pub struct Memory<'a> {
    input: &'a [u8],
    /// Everything the connection wrote.
    pub output: Vec<u8>,
}

impl<'a> Memory<'a> {
    /// A stream that reads `input`, then end of stream.
    pub fn new(input: &'a [u8]) -> Memory<'a> {
        Memory {
            input,
            output: Vec::new(),
        }
    }
}

impl Read for Memory<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Memory<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for Memory<'_> {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Sets up an accepted stream: `TCP_NODELAY`, since a response goes out in
/// one write and Nagle's delay would only hold it back; and a write
/// timeout, so a client that stops reading does not hold a thread for ever.
pub fn prepare(stream: &TcpStream, write_timeout: Duration) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(write_timeout));
}

/// Sets on the listening socket what [`prepare`] sets on each accepted
/// stream, where accepted streams inherit it (Linux copies a listening
/// socket's options to each connection it accepts), and says whether it
/// did: two system calls fewer per connection. Elsewhere, or if a call
/// fails, it returns `false` and each stream is prepared on its own.
pub fn prepare_listener(listener: &TcpListener, write_timeout: Duration) -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    // The same socket through a second descriptor, to reach the socket
    // options std offers on streams only.
    let Ok(copy) = listener.try_clone() else {
        return false;
    };
    let socket = TcpStream::from(OwnedFd::from(copy));
    socket.set_nodelay(true).is_ok() && socket.set_write_timeout(Some(write_timeout)).is_ok()
}

/// Closes in stages (RFC 9112 §9.6): sends FIN, then reads and drops what
/// the client still sends, for at most [`LINGER`] and [`LINGER_BYTES`], so
/// that a reset does not destroy the last response before the client has
/// read it. `scratch` receives the dropped bytes.
pub fn close_lingering<T: Transport + ?Sized>(io: &mut T, scratch: &mut [u8]) {
    if io.shutdown_write().is_err() || io.set_read_timeout(Some(LINGER)).is_err() {
        return;
    }
    let start = Instant::now();
    let mut dropped = 0;
    while dropped < LINGER_BYTES && start.elapsed() < LINGER {
        match io.read(scratch) {
            Ok(0) | Err(_) => return,
            Ok(n) => dropped += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `prepare_listener` counts on: a stream accepted from the
    /// listener has its options (on Linux; elsewhere it declines).
    #[test]
    fn accepted_streams_inherit_the_listeners_options() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let timeout = Duration::from_secs(7);
        let prepared = prepare_listener(&listener, timeout);
        assert_eq!(prepared, cfg!(target_os = "linux"));
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        if prepared {
            assert!(stream.nodelay().unwrap());
            assert_eq!(stream.write_timeout().unwrap(), Some(timeout));
        }
        // The listener itself still accepts.
        let _second = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        assert!(listener.accept().is_ok());
    }
}
