//! Runs one case over TCP and records what came back.
//!
//! [`run_case`] connects, makes the case's writes (pausing before each as
//! the case says, reading meanwhile), then reads until it can judge:
//!
//! 1. if an expect has `silent_ms`, nothing may arrive for that long after
//!    the last write; if nothing does, the case ends there (silent, open);
//! 2. otherwise it reads until the server closes, or until the stream is
//!    at a message boundary after as many complete final responses as the
//!    bytes hold request lines (waiting at most [`SETTLE`] for that), or
//!    failing that after at least one;
//! 3. if the connection is still open then, it sends the follow-up probe
//!    ([`PROBE`], `GET /`) and reads until one more complete final response
//!    arrives or the server closes. Responses come in request order
//!    (RFC 9112 §9.3.2), so the last response is the probe's answer and every
//!    one before it answers the case's bytes; an answered probe proves the
//!    connection open, a close proves it closed. When fewer answers than
//!    request lines had come before the probe, it reads for one more
//!    [`SETTLE`] after the probe's apparent answer, so that a late answer to
//!    the case is not taken for the probe's; and an apparent answer that is
//!    not 2xx and is followed by a close within [`SETTLE`] is the case's.
//!
//! Every read has a timeout and the whole case a deadline ([`Options`]), so
//! a server that hangs costs the time bound, never the run. Responses are
//! framed as a client frames them (RFC 9112 §6.3): no body for a response
//! to HEAD or a 1xx, 204 or 304; then chunked; then Content-Length; else
//! until the connection closes. 1xx responses are kept apart as interim.
//! The raw bytes, both ways, are kept for the report.
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::case::Case;
pub use crate::http::request_methods;
use crate::http::{field_names, split_responses, BodyFraming, Part};

/// The follow-up request that tells an open connection from a closed one.
pub const PROBE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// How long to wait for answers to all the requests a case's bytes seem to
/// hold before probing after fewer (see [`run_case`]).
pub const SETTLE: Duration = Duration::from_millis(100);

/// How a case is run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Time allowed for the server, per case: for connecting and for every
    /// answer. Pauses and silent windows the case asks for come on top.
    pub timeout: Duration,
}

impl Default for Options {
    /// A 2 s time bound.
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(2),
        }
    }
}

/// How the server ended the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// An orderly close (FIN): a read returned end of stream.
    Eof,
    /// A reset (RST): a read or write failed with "connection reset" or
    /// "broken pipe".
    Reset,
}

/// What became of the follow-up probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Not sent: the connection was closed (or silent, or never answered)
    /// before it could be.
    NotSent,
    /// Sent and answered with this status: the connection stayed open.
    Answered(u16),
    /// Sent and not answered within the time bound, the connection still open.
    Unanswered,
}

/// One final (non-1xx) response as the client framed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The head as it came: status-line, field lines, empty line.
    pub head: Vec<u8>,
    /// Field names in the order they came.
    pub fields: Vec<String>,
    /// Body bytes as framed (chunked framing included).
    pub body_len: usize,
    /// Whether its body was complete (false: cut short by close or time).
    pub complete: bool,
    /// Unparseable bytes right after it (a body on a response that may have
    /// none, garbage): their count.
    pub stray_after: usize,
}

impl Response {
    /// Whether a field of this name came (ASCII case-insensitive).
    pub fn has_field(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.eq_ignore_ascii_case(name))
    }
}

/// Everything seen while running one case.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// The case's bytes that were written (the probe not included).
    pub sent: Vec<u8>,
    /// Why a write failed, when one did (the server may close early).
    pub write_error: Option<String>,
    /// Every byte read, the probe's answer included.
    pub received: Vec<u8>,
    /// Statuses of 1xx responses, in order.
    pub interim: Vec<u16>,
    /// The heads of those 1xx responses, in the same order.
    pub interim_heads: Vec<Vec<u8>>,
    /// How many bytes had arrived when each write (by index) was about to
    /// be made: what the server sent before it.
    pub before_write: Vec<usize>,
    /// Final responses to the case's bytes (the probe's answer excluded),
    /// complete ones first, possibly one incomplete last.
    pub responses: Vec<Response>,
    /// Bytes that started no response at the beginning of the stream.
    pub stray_before: usize,
    /// How the connection closed before the probe was answered, if it did.
    pub closed: Option<Closed>,
    /// The follow-up probe.
    pub probe: Option<Probe>,
    /// The silent window that passed with nothing arriving and the
    /// connection open (the case then ends).
    pub silent: Option<Duration>,
    /// Whether the time bound ran out while waiting for the server.
    pub timed_out: bool,
    /// Why the case could not be run at all (the server is unreachable).
    pub error: Option<String>,
    /// How long the case took.
    pub elapsed: Duration,
}

impl Observation {
    /// The complete final responses to the case's bytes.
    pub fn complete(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.complete)
    }

    /// Whether the follow-up probe was answered on the same connection.
    pub fn stayed_open(&self) -> bool {
        matches!(self.probe, Some(Probe::Answered(_)))
    }

    /// A one-line account: `400, closed (EOF)`, `200 404, open`,
    /// `nothing for 300 ms, open`.
    pub fn summary(&self) -> String {
        if let Some(e) = &self.error {
            return format!("not run: {e}");
        }
        if let Some(d) = self.silent {
            return format!("nothing for {} ms, open", d.as_millis());
        }
        let mut out = String::new();
        if !self.interim.is_empty() {
            let interim: Vec<String> = self.interim.iter().map(u16::to_string).collect();
            out.push_str(&format!("interim {}; ", interim.join(" ")));
        }
        if self.stray_before > 0 {
            out.push_str(&format!("{} unparseable bytes; ", self.stray_before));
        }
        if self.responses.is_empty() {
            out.push_str("no response");
        } else {
            let statuses: Vec<String> = self
                .responses
                .iter()
                .map(|r| {
                    let mut s = r.status.to_string();
                    if !r.complete {
                        s.push_str(" (incomplete)");
                    }
                    if r.stray_after > 0 {
                        s.push_str(&format!(" +{} stray bytes", r.stray_after));
                    }
                    s
                })
                .collect();
            out.push_str(&statuses.join(" "));
        }
        out.push_str(", ");
        out.push_str(&self.connection_text());
        out
    }

    /// `closed (EOF)`, `closed (reset)`, `open`, `open, follow-up unanswered`.
    pub fn connection_text(&self) -> String {
        match (self.closed, self.probe) {
            (Some(Closed::Eof), _) => "closed (EOF)".into(),
            (Some(Closed::Reset), _) => "closed (reset)".into(),
            (None, Some(Probe::Answered(_))) => "open".into(),
            (None, Some(Probe::Unanswered)) => "open, follow-up GET unanswered".into(),
            (None, _) if self.silent.is_some() => "open".into(),
            (None, _) if self.timed_out => "open, timed out waiting".into(),
            (None, None) => "open, not probed after unparseable bytes".into(),
            (None, Some(Probe::NotSent)) => "open".into(),
        }
    }
}

/// What [`split`] made of the bytes read so far.
struct Split {
    interim: Vec<u16>,
    interim_heads: Vec<Vec<u8>>,
    finals: Vec<Response>,
    stray_before: usize,
    /// Every part is a complete response (no partial head, body or garbage).
    at_boundary: bool,
    /// Bytes that cannot start a response came: more reading will not help.
    broken: bool,
}

fn split(received: &[u8], methods: &[&[u8]], closed: bool) -> Split {
    let parts = split_responses(received, methods);
    let mut out = Split {
        interim: Vec::new(),
        interim_heads: Vec::new(),
        finals: Vec::new(),
        stray_before: 0,
        at_boundary: true,
        broken: false,
    };
    for part in parts {
        match part {
            Part::Response(r) => {
                let complete = !r.truncated && (r.framing != BodyFraming::UntilClose || closed);
                if !complete {
                    out.at_boundary = false;
                }
                if (100..200).contains(&r.status) && r.status != 101 {
                    out.interim.push(r.status);
                    out.interim_heads.push(r.head.to_vec());
                    continue;
                }
                out.finals.push(Response {
                    status: r.status,
                    head: r.head.to_vec(),
                    fields: field_names(r.head),
                    body_len: r.body.len(),
                    complete,
                    stray_after: 0,
                });
            }
            Part::Unparsed(bytes) => {
                out.at_boundary = false;
                let n = bytes.len().min(5);
                out.broken = bytes[..n] != b"HTTP/"[..n];
                match out.finals.last_mut() {
                    Some(last) => last.stray_after = bytes.len(),
                    None => out.stray_before = bytes.len(),
                }
            }
        }
    }
    out
}

/// The state of one connection while a case runs.
struct Conn {
    stream: TcpStream,
    received: Vec<u8>,
    closed: Option<Closed>,
}

enum Wait {
    /// The condition holds.
    Done,
    /// The deadline passed first.
    TimedOut,
}

impl Conn {
    /// Reads once, waiting at most until `until`; records data and closes.
    fn read_once(&mut self, until: Instant) {
        if self.closed.is_some() {
            return;
        }
        let now = Instant::now();
        let left = until
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        if self.stream.set_read_timeout(Some(left)).is_err() {
            self.closed = Some(Closed::Reset);
            return;
        }
        let mut buf = [0u8; 16 * 1024];
        match self.stream.read(&mut buf) {
            Ok(0) => self.closed = Some(Closed::Eof),
            Ok(n) => self.received.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => self.closed = Some(Closed::Reset),
        }
    }

    /// Reads until `done` holds, the connection closes or `until` passes.
    fn read_until(&mut self, until: Instant, mut done: impl FnMut(&Conn) -> bool) -> Wait {
        loop {
            if done(self) || self.closed.is_some() {
                return Wait::Done;
            }
            if Instant::now() >= until {
                return Wait::TimedOut;
            }
            self.read_once(until);
        }
    }

    /// Reads whatever arrives until `until` (used for pauses and silence).
    fn read_for(&mut self, until: Instant) {
        while self.closed.is_none() && Instant::now() < until {
            self.read_once(until);
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }
}

/// Runs `case` against the server at `addr` on one new connection.
pub fn run_case(addr: SocketAddr, case: &Case, options: &Options) -> Observation {
    let start = Instant::now();
    let mut obs = Observation::default();
    let stream = match TcpStream::connect_timeout(&addr, options.timeout) {
        Ok(stream) => stream,
        Err(e) => {
            obs.error = Some(format!("connect to {addr}: {e}"));
            obs.elapsed = start.elapsed();
            return obs;
        }
    };
    let setup = stream
        .set_nodelay(true)
        .and_then(|()| stream.set_write_timeout(Some(options.timeout)));
    if let Err(e) = setup {
        obs.error = Some(format!("socket options: {e}"));
        obs.elapsed = start.elapsed();
        return obs;
    }
    let mut conn = Conn {
        stream,
        received: Vec::new(),
        closed: None,
    };
    let sent = case.bytes();
    let mut methods = request_methods(&sent);

    // The writes, reading during each pause.
    for w in &case.writes {
        if !w.pause.is_zero() {
            conn.read_for(Instant::now() + w.pause);
        }
        if conn.closed.is_some() {
            break;
        }
        obs.before_write.push(conn.received.len());
        if let Err(e) = conn.write(&w.bytes) {
            // The server stopped reading (it may have answered and closed):
            // what it sent is still read below, and the read sees the close.
            obs.write_error = Some(e.to_string());
            break;
        }
        obs.sent.extend_from_slice(&w.bytes);
    }
    let deadline = Instant::now() + options.timeout;

    // 1. Silence.
    let mut silent = false;
    if let Some(window) = case.silent_window() {
        conn.read_for(Instant::now() + window);
        if conn.received.is_empty() && conn.closed.is_none() {
            obs.silent = Some(window);
            silent = true;
        }
    }

    // 2. The first complete final response, or a close.
    let mut probe = None;
    if !silent {
        // First wait a little for an answer to every request the bytes
        // seem to hold, so that a server writing its answers one by one is
        // not probed between two of them; then settle for one answer.
        let requests = methods.len().max(1);
        let settle = deadline.min(Instant::now() + SETTLE.min(options.timeout));
        let mut wait = conn.read_until(settle, |c| {
            let s = split(&c.received, &methods, false);
            (s.at_boundary && s.finals.len() >= requests) || s.broken
        });
        if matches!(wait, Wait::TimedOut) {
            wait = conn.read_until(deadline, |c| {
                let s = split(&c.received, &methods, false);
                (s.at_boundary && !s.finals.is_empty()) || s.broken
            });
        }
        if matches!(wait, Wait::TimedOut) {
            obs.timed_out = true;
        }
        let broken = split(&conn.received, &methods, false).broken;
        // 3. The probe (pointless after bytes that are no response).
        if conn.closed.is_none() && !obs.timed_out && !broken {
            let before = split(&conn.received, &methods, false).finals.len();
            methods.push(b"GET");
            if conn.write(PROBE).is_err() {
                // The server is closing; what it sent is still read.
                conn.read_until(deadline, |_| false);
                probe = Some(Probe::NotSent);
            } else {
                let wait = conn.read_until(deadline, |c| {
                    let s = split(&c.received, &methods, false);
                    s.at_boundary && s.finals.len() > before
                });
                let mut answered = conn.closed.is_none() && matches!(wait, Wait::Done);
                if matches!(wait, Wait::TimedOut) {
                    obs.timed_out = true;
                }
                // A server that wrote fewer answers than the case holds
                // requests may only have been slow with the rest: the
                // response taken for the probe's could be the case's. Give
                // stragglers one more settling time; if more arrive, the
                // last is still the probe's (RFC 9112 §9.3.2: in order).
                if answered && before < requests {
                    let settle = deadline.min(Instant::now() + SETTLE.min(options.timeout));
                    conn.read_until(settle, |c| {
                        let s = split(&c.received, &methods, false);
                        s.at_boundary && s.finals.len() > requests
                    });
                    // A close now means what it means before: the last
                    // answer was the case's (a server that answers bytes
                    // the request lines did not count, then closes).
                    answered = conn.closed.is_none();
                }
                // `GET /` that is not answered with 2xx may not have been
                // answered at all: the response could be the case's, to
                // bytes no request line counted (a server that reads the
                // rest of a smuggled body as a request, answers 400 and
                // closes). If the connection closes within a settling
                // time, that is what happened.
                let last = split(&conn.received, &methods, false)
                    .finals
                    .last()
                    .map(|r| r.status);
                if answered && !last.is_some_and(|s| (200..300).contains(&s)) {
                    let settle = deadline.min(Instant::now() + SETTLE.min(options.timeout));
                    conn.read_for(settle);
                    answered = conn.closed.is_none();
                }
                probe = Some(if answered {
                    let s = split(&conn.received, &methods, false);
                    Probe::Answered(s.finals.last().map_or(0, |r| r.status))
                } else {
                    Probe::Unanswered
                });
            }
        }
    }
    let _ = conn.stream.shutdown(Shutdown::Both);

    let closed = conn.closed.is_some();
    let mut s = split(&conn.received, &methods, closed);
    if matches!(probe, Some(Probe::Answered(_))) {
        s.finals.pop();
    } else if probe.is_some() {
        // Not answered: whatever came was for the case.
        methods.pop();
        s = split(&conn.received, &methods, closed);
    }
    obs.interim = s.interim;
    obs.interim_heads = s.interim_heads;
    obs.responses = s.finals;
    obs.stray_before = s.stray_before;
    obs.closed = conn.closed;
    obs.probe = probe;
    obs.received = conn.received;
    obs.elapsed = start.elapsed();
    obs
}
