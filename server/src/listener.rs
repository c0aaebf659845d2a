//! Accept loop, connection cap, timeouts and shutdown.
//!
//! Every accepted connection gets its own thread, so every client is
//! served at once (a keep-alive client never waits for another's slot).
//! Past `max_connections` open connections a new one is answered `503`
//! with `Connection: close` and closed at once, never queued (RFC 9110
//! §15.6.4). Each connection has `TCP_NODELAY` set, since a response is
//! written in one piece.
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::config::Config;
use crate::conn;
use crate::log;
use crate::response::{Connection, Response};
use crate::socket;

/// Most threads at once writing a 503 to connections over the cap; past it
/// such connections are closed without a word.
const MAX_REJECTERS: usize = 64;

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    config: Arc<Config>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Binds to `addr` (use `127.0.0.1:0` for a free port).
    pub fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        Ok(Server {
            listener,
            addr,
            config: Arc::new(config),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until shut down, on the calling thread.
    pub fn run(self) -> io::Result<()> {
        let open = Arc::new(AtomicUsize::new(0));
        let rejecting = Arc::new(AtomicUsize::new(0));
        let mut number: u64 = 0;
        loop {
            let accepted = self.listener.accept();
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather
                    // than spin; the listener itself is still good.
                    if self.config.log {
                        eprintln!("accept failed: {e}");
                    }
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            let connection = number;
            number += 1;
            if open.load(Ordering::SeqCst) >= self.config.max_connections {
                reject_busy(stream, peer, &self.config, &rejecting);
                continue;
            }
            let guard = Slot::take(&open);
            let config = Arc::clone(&self.config);
            let spawned = thread::Builder::new()
                .name(format!("conn-{connection}"))
                .spawn(move || {
                    let _guard = guard;
                    handle(stream, peer, connection, &config);
                });
            if let Err(e) = spawned {
                if self.config.log {
                    eprintln!("could not start a connection thread: {e}");
                }
            }
        }
    }

    /// Serves on a new thread.
    pub fn spawn(self) -> Handle {
        let addr = self.addr;
        let stop = Arc::clone(&self.stop);
        let thread = thread::Builder::new()
            .name("accept".into())
            .spawn(move || self.run())
            .expect("start the accept thread");
        Handle {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

/// One open connection counted against the cap, for as long as it lives.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(counter: &Arc<AtomicUsize>) -> Slot {
        counter.fetch_add(1, Ordering::SeqCst);
        Slot(Arc::clone(counter))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handle(mut stream: TcpStream, peer: SocketAddr, connection: u64, config: &Config) {
    socket::prepare(&stream, config.idle_timeout.max(Duration::from_secs(1)));
    // The handler's panics are caught per request in `conn`; this is the
    // last guard, so that nothing reaches the accept loop.
    let served = catch_unwind(AssertUnwindSafe(|| {
        conn::serve(&mut stream, config, peer, connection)
    }));
    if served.is_err() && config.log {
        eprintln!("{peer} connection {connection} ended by a panic");
    }
}

/// Answers a connection over the cap with 503 and closes it, on a short
/// thread of its own so the accept loop never waits on a client.
fn reject_busy(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Arc<Config>,
    rejecting: &Arc<AtomicUsize>,
) {
    if rejecting.load(Ordering::SeqCst) >= MAX_REJECTERS {
        return;
    }
    let guard = Slot::take(rejecting);
    let config = Arc::clone(config);
    let _ = thread::Builder::new().name("busy".into()).spawn(move || {
        let _guard = guard;
        let mut stream = stream;
        socket::prepare(&stream, Duration::from_secs(1));
        // RFC 9110 §15.6.4: 503, the server is overloaded for now.
        let mut r = Response::error(503, "Too many open connections; try again later.");
        r.connection = Connection::Close;
        let mut out = Vec::with_capacity(256);
        let _ = r.write_to(&mut out, &*config.clock, false);
        if stream.write_all(&out).is_err() {
            return;
        }
        if config.log {
            log::request(peer, "-", "-", 503, out.len());
        }
        socket::close_lingering(&mut stream, &mut [0u8; 4096]);
    });
}

/// A running server.
pub struct Handle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Handle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open connections finish, and joins the thread.
    ///
    /// Connections already open finish on their own threads (each closes
    /// at the latest after its idle timeout); only the accept thread is
    /// joined.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stop.store(true, Ordering::SeqCst);
        // Unblock `accept` with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => [127, 0, 0, 1].into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        let _ = thread.join();
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
