//! Accept loop, connection cap, timeouts and shutdown.
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};

/// What the tap sees of each request: its exact bytes as they came off the
/// wire (head and body framing included) and where it stood.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// The client's address.
    pub peer: SocketAddr,
    /// Connection number, counting from 0 in accept order.
    pub connection: u64,
    /// Position of this request on its connection, from 0.
    pub index: u32,
    /// The request's exact bytes.
    pub request: &'a [u8],
    /// The status code answered.
    pub status: u16,
}

/// A callback that sees every request the server answers.
pub type Tap = Arc<dyn Fn(&Exchange<'_>) + Send + Sync>;

/// Server settings.
#[derive(Clone)]
pub struct Config {
    /// Most connections open at once; past it the server answers 503 and closes.
    pub max_connections: usize,
    /// Longest time to receive a whole request head once its first byte came.
    pub head_timeout: Duration,
    /// Longest silence between requests on a persistent connection.
    pub idle_timeout: Duration,
    /// Limits of the request-head parser.
    pub limits: crate::parse::Config,
    /// Largest request body accepted (RFC 9110 §15.5.14, 413).
    pub max_body: u64,
    /// Source of `Date`.
    pub clock: Arc<dyn Clock>,
    /// Whether to write one log line per request on stderr.
    pub log: bool,
    /// Sees every exchange (used by the harness's capture).
    pub tap: Option<Tap>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_connections: 512,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            limits: crate::parse::Config::default(),
            max_body: 1 << 20,
            clock: Arc::new(SystemClock),
            log: true,
            tap: None,
        }
    }
}

/// A bound, not yet running server.
pub struct Server {
    _private: (),
}

impl Server {
    /// Binds to `addr` (use `127.0.0.1:0` for a free port).
    pub fn bind(_addr: impl ToSocketAddrs, _config: Config) -> io::Result<Server> {
        todo!()
    }
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        todo!()
    }
    /// Serves until shut down, on the calling thread.
    pub fn run(self) -> io::Result<()> {
        todo!()
    }
    /// Serves on a new thread.
    pub fn spawn(self) -> Handle {
        todo!()
    }
}

/// A running server.
pub struct Handle {
    _private: (),
}

impl Handle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        todo!()
    }
    /// Stops accepting, lets open connections finish, and joins the thread.
    pub fn shutdown(self) {}
}
