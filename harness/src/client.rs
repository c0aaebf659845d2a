//! Runs one case over TCP and records what came back.
//!
//! The verdict must be a pure function of the bytes received, where the
//! connection closed and the time windows the case states, never of how
//! reads happened to be split or of machine load. So [`run_case`] never
//! guesses when a server is done; it reads to a point it can state, in
//! named phases:
//!
//! 1. **write** ([`write_case`]): the case's writes, each after its pause,
//!    reading meanwhile; what had arrived before each write is recorded
//!    ([`Observation::before_write`]).
//! 2. **silence** ([`await_silence`]): if an expect has `silent_ms`,
//!    nothing may arrive for that long; if nothing does and the connection
//!    stays open, the case ends there.
//! 3. **await answers** ([`await_answers`]): the case's bytes are framed as
//!    a server frames them ([`crate::http::frame_requests`], RFC 9112 §6.3),
//!    which says how many final responses a server that reads them so sends
//!    ([`crate::http::RequestStream::answers_expected`], at least one).
//!    The client reads until the server closes, or until that many complete
//!    final responses have come and the stream is at a message boundary, or
//!    bytes came that start no response, or until the time bound
//!    ([`Options::timeout`]) runs out.
//! 4. **probe** ([`probe`]): if the connection is still open (and no
//!    request of the case asked the server to close), the client sends
//!    [`PROBE`] (`GET /` with
//!    `Connection: close`) and reads until the server closes or the time
//!    bound runs out. The probe asks for a close, so a server that answers
//!    it ends the stream by itself, and every response the server sent
//!    after the case's bytes (a desynchronised server's answers to bytes
//!    hidden in a body, say) is in the stream, whenever it came. Stray
//!    bytes never end the reading: it goes on to the close or the time
//!    bound either way, so "closed" never depends on whether the close had
//!    been read yet, nor on whether stray bytes came before or after the
//!    probe went out.
//! 5. **attribute** ([`attribute`]): responses come in request order
//!    (RFC 9112 §9.3.2), so the probe's answer is the last final response,
//!    and only if there are more final responses than the case's bytes
//!    expect: the count comes from the bytes sent, not from when the probe
//!    went out. After bytes that start no response, the probe's answer is
//!    a complete response that starts in them and ends the stream
//!    ([`answer_after_stray_bytes`]). An answered probe proves the
//!    connection open; otherwise whatever came answers the case.
//!
//! When the server is expected to close (a request of the case asks for it:
//! `Connection: close`, HTTP/1.0, both Content-Length and
//! Transfer-Encoding; or the bytes end in something no server can frame,
//! RFC 9112 §3, §6.3; or bytes that start no response came back), the probe
//! is sent only if the connection is still open after the time bound: the
//! client first reads to the close. A probe that reached a server before it
//! closed, unread, would make its kernel reset the connection and drop what
//! the server had not sent yet, and what is received would depend on when
//! the probe went out.
//!
//! Responses are framed as a client frames them (RFC 9112 §6.3), by
//! [`crate::http::split_responses`]; 1xx responses are kept apart as
//! interim. The raw bytes, both ways, are kept for the report.
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::case::Case;
pub use crate::http::request_methods;
use crate::http::{field_names, frame_requests, split_responses, BodyFraming, Part, RequestStream};
use crate::schedule::Slot;

/// The follow-up request that tells an open connection from a closed one.
/// It asks the server to close after answering (RFC 9112 §9.6), so that
/// reading to the close collects every response the server sends.
pub const PROBE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/// A connect slower than this is taken as a sign that the server's accept
/// queue overflowed (Linux drops the SYN and the client sends it again a
/// second later): the case is run again rather than judged.
pub const SLOW_CONNECT: Duration = Duration::from_millis(500);

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
    /// Not sent: writing it failed (the server was closing).
    NotSent,
    /// Sent and answered with this status: the connection stayed open.
    Answered(u16),
    /// Sent and not answered before the close or the time bound.
    Unanswered,
}

/// Why an attempt at a case tells nothing about the server: the scheduler
/// runs it again ([`crate::schedule`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnedAway {
    /// Occurs when the connection could not be made (refused, timed out).
    Refused(String),
    /// Occurs when connecting took longer than [`SLOW_CONNECT`].
    SlowConnect(Duration),
    /// Occurs when the connection was reset before a single byte came back.
    ResetUnanswered,
}

/// One final (non-1xx) response as the client framed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedResponse {
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

impl ReceivedResponse {
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
    /// For each write made (index = write number - 1), how many bytes had
    /// arrived just before it: a response before the body was sent shows
    /// here, judged against the pause the case states.
    pub before_write: Vec<usize>,
    /// Every byte read, the probe's answer included.
    pub received: Vec<u8>,
    /// Statuses of 1xx responses, in order.
    pub interim: Vec<u16>,
    /// The heads of those 1xx responses (status-line, fields, empty line),
    /// parallel to `interim`.
    pub interim_heads: Vec<Vec<u8>>,
    /// Final responses to the case's bytes (the probe's answer excluded),
    /// every one that came until the close or the time bound, in order;
    /// possibly one incomplete last.
    pub responses: Vec<ReceivedResponse>,
    /// How many final responses the case's bytes call for, as framed by
    /// [`crate::http::frame_requests`] (at least 1).
    pub answers_expected: usize,
    /// Bytes that started no response at the beginning of the stream.
    pub stray_before: usize,
    /// How the connection closed before the probe was answered, if it did.
    pub closed: Option<Closed>,
    /// The follow-up probe, when it was sent or tried.
    pub probe: Option<Probe>,
    /// The silent window that passed with nothing arriving and the
    /// connection open (the case then ends).
    pub silent: Option<Duration>,
    /// Whether the time bound ran out while waiting for the server.
    pub timed_out: bool,
    /// Why the case could not be run at all (the server is unreachable).
    pub error: Option<String>,
    /// Why this attempt says nothing about the server, when it does not.
    pub turned_away: Option<TurnedAway>,
    /// How long the case took.
    pub elapsed: Duration,
}

impl Observation {
    /// The complete final responses to the case's bytes.
    pub fn complete(&self) -> impl Iterator<Item = &ReceivedResponse> {
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
            (None, None) => "open, not probed".into(),
            (None, Some(Probe::NotSent)) => "open".into(),
        }
    }
}

/// One connection while a case runs: the socket, every byte read, and how
/// it ended.
struct CaseConnection<'p> {
    stream: TcpStream,
    received: Vec<u8>,
    closed: Option<Closed>,
    /// Held until the server shows it accepted the connection (a byte, or a
    /// close); see [`crate::schedule`].
    slot: Option<Slot<'p>>,
}

impl CaseConnection<'_> {
    /// Reads once, waiting at most until `until`; records data and closes.
    fn read_once(&mut self, until: Instant) {
        if self.closed.is_some() {
            return;
        }
        let left = until
            .saturating_duration_since(Instant::now())
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
        if !self.received.is_empty() || self.closed.is_some() {
            if let Some(slot) = self.slot.take() {
                slot.confirm();
            }
        }
    }

    /// Reads until `done` holds, the connection closes or `until` passes;
    /// whether the time ran out first.
    fn read_until(&mut self, until: Instant, mut done: impl FnMut(&[u8]) -> bool) -> bool {
        loop {
            if self.closed.is_some() || done(&self.received) {
                return false;
            }
            if Instant::now() >= until {
                return true;
            }
            self.read_once(until);
        }
    }

    /// Reads whatever arrives until `until` or the close.
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

/// What the responses read so far look like, framed by the methods sent.
struct Responses {
    interim: Vec<(u16, Vec<u8>)>,
    finals: Vec<ReceivedResponse>,
    stray_before: usize,
    /// Every part is a complete response (no partial head, body or garbage).
    at_boundary: bool,
    /// Bytes that cannot start a response came.
    broken: bool,
}

/// Frames `received` into responses; `closed` says whether a body that
/// runs to the close is complete.
fn frame_received(received: &[u8], methods: &[&[u8]], closed: bool) -> Responses {
    let mut out = Responses {
        interim: Vec::new(),
        finals: Vec::new(),
        stray_before: 0,
        at_boundary: true,
        broken: false,
    };
    for part in split_responses(received, methods) {
        match part {
            Part::Response(r) => {
                let complete = !r.truncated && (r.framing != BodyFraming::UntilClose || closed);
                if !complete {
                    out.at_boundary = false;
                }
                if r.is_interim() {
                    out.interim.push((r.status, r.head.to_vec()));
                    continue;
                }
                out.finals.push(ReceivedResponse {
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

/// Runs `case` against the server at `addr` on one new connection.
pub fn run_case(addr: SocketAddr, case: &Case, options: &Options) -> Observation {
    run_case_in(addr, case, options, None)
}

/// Runs `case` holding a scheduler's `slot` until the server shows it
/// accepted the connection (see [`crate::schedule`]).
pub fn run_case_in(
    addr: SocketAddr,
    case: &Case,
    options: &Options,
    slot: Option<Slot<'_>>,
) -> Observation {
    let start = Instant::now();
    let mut obs = Observation::default();
    let stream = match TcpStream::connect_timeout(&addr, options.timeout) {
        Ok(stream) => stream,
        Err(e) => {
            let why = format!("connect to {addr}: {e}");
            obs.turned_away = Some(TurnedAway::Refused(why.clone()));
            obs.error = Some(why);
            obs.elapsed = start.elapsed();
            return obs;
        }
    };
    let connecting = start.elapsed();
    if let Some(slot) = &slot {
        slot.connected();
    }
    let setup = stream
        .set_nodelay(true)
        .and_then(|()| stream.set_write_timeout(Some(options.timeout)));
    if let Err(e) = setup {
        obs.error = Some(format!("socket options: {e}"));
        obs.elapsed = start.elapsed();
        return obs;
    }
    let mut conn = CaseConnection {
        stream,
        received: Vec::new(),
        closed: None,
        slot,
    };
    let sent = case.bytes();
    let framing = frame_requests(&sent);

    write_case(&mut conn, case, &mut obs);
    let silent = await_silence(&mut conn, case, &mut obs);
    if !silent {
        let answered = await_answers(&mut conn, &framing, options, &mut obs);
        // A server expected to close is given the time bound to do so, and
        // only a connection still open then is probed: a probe that reaches
        // a server before it closes unread makes its kernel reset the
        // connection and drop what the server had not sent yet, so an early
        // probe would change what is received.
        let stray = frame_received(&conn.received, &framing.methods(), false).broken;
        let open = answered
            && (!(framing.expects_close() || stray)
                || conn.read_until(Instant::now() + options.timeout, |_| false));
        if open {
            obs.probe = Some(probe(&mut conn, options, &mut obs));
        }
    }
    let _ = conn.stream.shutdown(Shutdown::Both);
    attribute(&mut obs, &framing, conn.received, conn.closed);
    if connecting > SLOW_CONNECT {
        obs.turned_away = Some(TurnedAway::SlowConnect(connecting));
    } else if obs.closed == Some(Closed::Reset) && obs.received.is_empty() {
        obs.turned_away = Some(TurnedAway::ResetUnanswered);
    }
    obs.elapsed = start.elapsed();
    obs
}

/// Phase 1: the case's writes, each after its pause, reading meanwhile.
fn write_case(conn: &mut CaseConnection<'_>, case: &Case, obs: &mut Observation) {
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
            // what it sent is still read, and the read sees the close.
            obs.write_error = Some(e.to_string());
            break;
        }
        obs.sent.extend_from_slice(&w.bytes);
    }
}

/// Phase 2: the case's silent window, if it states one; whether it passed
/// with nothing arriving and the connection open (the case then ends).
fn await_silence(conn: &mut CaseConnection<'_>, case: &Case, obs: &mut Observation) -> bool {
    let Some(window) = case.silent_window() else {
        return false;
    };
    conn.read_for(Instant::now() + window);
    let silent = conn.received.is_empty() && conn.closed.is_none();
    if silent {
        obs.silent = Some(window);
    }
    silent
}

/// Phase 3: reads until the server closes, or every answer the case's
/// bytes call for has come and the stream is at a message boundary, or the
/// time bound runs out. Returns whether every answer came with the
/// connection open and nothing unparseable (so the probe can be sent).
fn await_answers(
    conn: &mut CaseConnection<'_>,
    framing: &RequestStream<'_>,
    options: &Options,
    obs: &mut Observation,
) -> bool {
    let wanted = framing.answers_expected().max(1);
    obs.answers_expected = wanted;
    let methods = framing.methods();
    let deadline = Instant::now() + options.timeout;
    let timed_out = conn.read_until(deadline, |received| {
        let r = frame_received(received, &methods, false);
        r.broken || (r.at_boundary && r.finals.len() >= wanted)
    });
    obs.timed_out |= timed_out;
    conn.closed.is_none() && !timed_out
}

/// Phase 4: sends [`PROBE`] and reads until the close or the time bound.
fn probe(conn: &mut CaseConnection<'_>, options: &Options, obs: &mut Observation) -> Probe {
    let deadline = Instant::now() + options.timeout;
    let sent = conn.write(PROBE).is_ok();
    // Read to the close either way: a server that is closing has still
    // sent what it sent.
    obs.timed_out |= conn.read_until(deadline, |_| false);
    if sent {
        // Settled in [`attribute`], from the whole stream.
        Probe::Unanswered
    } else {
        Probe::NotSent
    }
}

/// Where in `received` the probe's answer starts, and its status, when the
/// stream holds bytes that start no response: the last `HTTP/` in those
/// bytes from which exactly one complete final response runs to the end of
/// the stream (a body sent on a response to HEAD, then the probe's answer).
/// Reads only the bytes, so it is the same however they came.
fn answer_after_stray_bytes(
    received: &[u8],
    framed: &Responses,
    closed: bool,
) -> Option<(usize, u16)> {
    let stray = framed
        .finals
        .last()
        .map_or(framed.stray_before, |r| r.stray_after);
    if stray == 0 {
        return None;
    }
    let start = received.len() - stray;
    (start + 1..received.len())
        .rev()
        .filter(|&at| received[at..].starts_with(b"HTTP/"))
        .find_map(|at| {
            let tail = frame_received(&received[at..], &[b"GET"], closed);
            match (&tail.finals[..], tail.at_boundary, tail.interim.is_empty()) {
                ([only], true, true) if only.complete => Some((at, only.status)),
                _ => None,
            }
        })
}

/// Phase 5: splits the whole stream into the case's answers and the
/// probe's, and records them in `obs`.
///
/// The probe's answer is the last final response, when it is complete and
/// there are more final responses than the case's bytes call for
/// ([`Observation::answers_expected`]); then the connection counts as open
/// (its close afterwards was asked for by the probe). A response counted
/// for the probe is never one of the case's when the server agrees with
/// the framing of the bytes sent, and the rule reads only the stream, so
/// the same bytes always give the same account.
fn attribute(
    obs: &mut Observation,
    framing: &RequestStream<'_>,
    received: Vec<u8>,
    closed: Option<Closed>,
) {
    let mut methods = framing.methods();
    // Final responses beyond the framed requests answer a GET: bytes the
    // framing did not count, or the probe.
    methods.resize(methods.len().max(obs.answers_expected), b"GET");
    methods.push(b"GET");
    let mut framed = frame_received(&received, &methods, closed.is_some());
    let probe_sent = obs.probe == Some(Probe::Unanswered);
    let probe_answered = probe_sent
        && framed.finals.len() > obs.answers_expected
        && framed
            .finals
            .last()
            .is_some_and(|r| r.complete && r.stray_after == 0);
    if probe_answered {
        let answer = framed.finals.pop().expect("more finals than expected");
        obs.probe = Some(Probe::Answered(answer.status));
        obs.closed = None;
    } else if let Some((at, status)) = probe_sent
        .then(|| answer_after_stray_bytes(&received, &framed, closed.is_some()))
        .flatten()
    {
        // Bytes that start no response came, and after them a response
        // ending the stream: the probe's answer, the connection open.
        framed = frame_received(&received[..at], &methods, closed.is_some());
        obs.probe = Some(Probe::Answered(status));
        obs.closed = None;
    } else {
        obs.closed = closed;
    }
    obs.interim = framed.interim.iter().map(|(s, _)| *s).collect();
    obs.interim_heads = framed.interim.into_iter().map(|(_, h)| h).collect();
    obs.responses = framed.finals;
    obs.stray_before = framed.stray_before;
    obs.received = received;
}
