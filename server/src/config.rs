//! Server settings, and the two hooks a caller can plug in: the handler
//! that answers requests and the tap that sees every exchange.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::parse::Request;
use crate::response::Response;

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

/// Answers one request, given its head and decoded body. A panic in it is
/// caught: the client gets a 500 and the connection closes.
pub type Handler = Arc<dyn Fn(&Request<'_, '_>, &[u8]) -> Response + Send + Sync>;

/// Server settings.
#[derive(Clone)]
pub struct Config {
    /// Most connections open at once; at it, the oldest idle one is closed
    /// to make room (RFC 9112 §9.5), and with none idle a newcomer gets 503.
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
    /// Answers requests; [`site::respond`](crate::site::respond) unless
    /// replaced (tests replace it to check that a panic costs one 500).
    pub handler: Handler,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_connections: 1024,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            limits: crate::parse::Config::default(),
            max_body: 1 << 20,
            clock: Arc::new(SystemClock),
            log: true,
            tap: None,
            handler: Arc::new(crate::site::respond),
        }
    }
}
