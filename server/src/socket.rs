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
    /// Reads what has already arrived without waiting: `WouldBlock` when
    /// nothing has. The default never has anything, so a caller falls
    /// back to [`Read::read`].
    fn try_read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

impl Transport for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        recv_now(self, buf)
    }
}

/// One `recv` with `MSG_DONTWAIT`: what has arrived, `WouldBlock` if
/// nothing has, without switching the socket to non-blocking mode and back
/// (two more system calls).
#[cfg(unix)]
#[allow(unsafe_code)]
fn recv_now(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` is a live, writable slice of `buf.len()` bytes for the
    // whole call, and `recv` writes at most that many into it; the
    // descriptor belongs to `stream`, which is borrowed for the call, so
    // it stays open.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

#[cfg(not(unix))]
fn recv_now(_stream: &TcpStream, _buf: &mut [u8]) -> io::Result<usize> {
    Err(io::ErrorKind::WouldBlock.into())
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
    /// Everything is here from the start: a read never waits.
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read(buf)
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
///
/// Not the read timeout: on a listening socket it also bounds `accept`,
/// which would then fail with `WouldBlock` each time it passes.
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
    use std::thread;

    /// `try_read` gives what has arrived, says `WouldBlock` (at once, not
    /// after the read timeout) when nothing has, and sees end of stream.
    #[test]
    fn try_read_takes_what_has_arrived_and_never_waits() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        let start = Instant::now();
        let err = Transport::try_read(&mut server, &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(start.elapsed() < Duration::from_secs(2));
        client.write_all(b"hello").unwrap();
        // The bytes are on their way: the blocking read waits for them,
        // then try_read takes the rest at once.
        client.write_all(b" world").unwrap();
        let mut got = Vec::new();
        while got.len() < 11 {
            let n = match Transport::try_read(&mut server, &mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => server.read(&mut buf).unwrap(),
                Err(e) => panic!("{e}"),
            };
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"hello world");
        // The socket is still blocking: a read waits (and times out).
        server
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let err = server.read(&mut buf).unwrap_err();
        assert!(matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ));
        drop(client);
        let mut eof = false;
        for _ in 0..200 {
            match Transport::try_read(&mut server, &mut buf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => panic!("{n} unexpected bytes"),
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
        assert!(eof, "end of stream seen without waiting");
    }

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
