//! One connection: read, parse, frame, dispatch, write, keep or close.
//!
//! [`serve`] runs the whole state machine over any [`Transport`]: a
//! `TcpStream` in the server, or an in-memory stream in [`serve_bytes`]
//! (used by tests and fuzzing), so both take one code path.
//!
//! Per request:
//!
//! 1. Wait for a first byte, at most `idle_timeout` (RFC 9112 §9.5: an idle
//!    persistent connection may be closed at any time; here silently).
//! 2. Read until [`parse_request`] says `Complete`, at most `head_timeout`
//!    from the first byte; past it, 408 and close (RFC 9110 §15.5.9).
//! 3. [`request::plan`] checks Host, version, framing, `Expect`.
//! 4. Read the body as the plan says: a Content-Length body stays in the
//!    read buffer; a chunked one is decoded by [`ChunkedDecoder`]. Bodies
//!    over `max_body` are 413. `100 Continue` goes out first when the
//!    client asked for it and the body is not already all here.
//! 5. Call the handler (a panic becomes one 500 and a closed connection),
//!    write the response into the output buffer, tap and log.
//! 6. What follows in the read buffer is the next request (pipelining):
//!    responses go out in order, batched into one write until the server
//!    needs to read again.
//!
//! Any error in a head or its framing is answered with the status
//! [`status_for`] gives and `Connection: close`, then the connection
//! closes: after a framing error the server cannot know where the next
//! request would start (RFC 9112 §6.3, §11.2). An incomplete request at
//! end of input is closed without an answer.
use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;
use std::time::{Duration, Instant};

use crate::config::{Config, Exchange};
use crate::framing::{self, BodyKind, ChunkedDecoder};
use crate::parse::{parse_request, Header, Request, Status, Version};
use crate::request::{self, Plan};
use crate::response::{Connection, Response, CONTINUE};
use crate::socket::{self, Memory, Transport};
use crate::status::{status_for, RequestError};

/// Header slots per request, on the stack. `Config::limits.max_header_count`
/// can only lower this.
pub const MAX_HEADERS: usize = 100;

/// How many times a read yields to other threads and then looks for bytes
/// already here, before it sleeps until some arrive.
const TRIES_BEFORE_SLEEP: usize = 2;

/// After this many reads in a row whose looks found nothing, a connection
/// stops looking...
const MISSES_BEFORE_SKIP: u32 = 4;

/// ...but for one read in this many.
const LOOK_AGAIN_EVERY: u32 = 16;

/// Bytes the read buffer starts with, and the least it asks a read for.
const READ_CHUNK: usize = 8 * 1024;

/// Past this size, a read buffer that has emptied is shrunk back, so one
/// large body does not pin memory for the rest of a connection.
const SHRINK_ABOVE: usize = 64 * 1024;

/// Runs the connection state machine over `input` (all of it, then end of
/// stream) and returns every byte the server wrote.
pub fn serve_bytes(input: &[u8], config: &Config) -> Vec<u8> {
    let mut stream = Memory::new(input);
    serve(
        &mut stream,
        config,
        SocketAddr::from(([127, 0, 0, 1], 0)),
        0,
    );
    stream.output
}

/// Serves one connection until it closes. `peer` and `connection` (its
/// number in accept order) are passed to the tap and the log.
pub fn serve<T: Transport>(io: &mut T, config: &Config, peer: SocketAddr, connection: u64) {
    PEER.set(Some(peer));
    let (buf, out) = BUFFERS
        .take()
        .unwrap_or_else(|| (vec![0; READ_CHUNK], Vec::with_capacity(READ_CHUNK)));
    let mut conn = Conn {
        io,
        ctx: Context {
            config,
            peer,
            connection,
            index: 0,
        },
        buf,
        filled: 0,
        eof: false,
        out,
        body: Vec::new(),
        read_timeout: None,
        misses: 0,
    };
    conn.run();
    // The next connection this thread serves starts with these buffers,
    // unless one grew: a large body does not stay pinned.
    let Conn {
        mut buf, mut out, ..
    } = conn;
    if buf.len() == READ_CHUNK && out.capacity() <= READ_CHUNK {
        out.clear();
        buf[..].fill(0);
        BUFFERS.set(Some((buf, out)));
    }
}

/// The client whose request this thread is answering, for a handler that
/// needs it (CGI's `REMOTE_ADDR`, RFC 3875 §4.1.8); `None` outside a
/// connection.
pub fn peer() -> Option<SocketAddr> {
    PEER.get()
}

thread_local! {
    /// The peer of the connection this thread serves.
    static PEER: Cell<Option<SocketAddr>> = const { Cell::new(None) };
    /// The read and output buffers of the thread's last connection.
    static BUFFERS: Cell<Option<(Vec<u8>, Vec<u8>)>> = const { Cell::new(None) };
}

/// What the tap and the log need to know about the connection.
struct Context<'c> {
    config: &'c Config,
    peer: SocketAddr,
    connection: u64,
    index: u32,
}

struct Conn<'c, T: Transport> {
    io: &'c mut T,
    ctx: Context<'c>,
    /// The read buffer; `buf[..filled]` holds bytes received and not yet
    /// consumed, starting with the current request's first byte. Its
    /// length is its usable size (zeroed once, reused).
    buf: Vec<u8>,
    filled: usize,
    /// The client closed its sending side.
    eof: bool,
    /// Responses not yet written.
    out: Vec<u8>,
    /// A decoded chunked body.
    body: Vec<u8>,
    /// The read timeout last set on the transport.
    read_timeout: Option<Duration>,
    /// Reads in a row that had to sleep: the looks before them (or the
    /// skipped looks) found nothing.
    misses: u32,
}

enum Got {
    Data,
    Eof,
    Timeout,
    Failed,
}

/// What looking at the buffer gave.
enum Step {
    /// Answered a request of `total` bytes.
    Answered { total: usize, then: Then },
    /// The head is complete; the body must be read first.
    NeedBody { head_len: usize, plan: Plan },
    /// More bytes are needed for the head.
    Partial,
    /// The request is rejected; answer and close.
    Reject(RequestError),
}

impl<T: Transport> Conn<'_, T> {
    fn run(&mut self) {
        loop {
            if self.filled == 0 {
                if self.eof {
                    break;
                }
                // Every answer goes out before the connection counts as
                // idle, so giving it up (RFC 9112 §9.5) loses no response.
                if !self.flush() {
                    break;
                }
                let between = self.ctx.index > 0;
                if between {
                    self.io.set_idle(true);
                }
                let got = self.read_more(self.ctx.config.idle_timeout);
                if between {
                    self.io.set_idle(false);
                }
                match got {
                    Got::Data => {}
                    // End of stream, idle timeout (closed silently, RFC
                    // 9112 §9.5), or a broken connection.
                    Got::Eof | Got::Timeout | Got::Failed => break,
                }
            }
            // RFC 9110 §15.5.9: the head has head_timeout from its first
            // byte, counted from the first time it is found incomplete (a
            // parse later: a whole head, the usual case, reads no clock).
            let mut deadline = None;
            let then = loop {
                match self.step() {
                    Step::Answered { total, then } => {
                        self.consume(total);
                        break then;
                    }
                    Step::Reject(err) => return self.reject(err),
                    Step::NeedBody { head_len, plan } => match self.read_body(head_len, plan) {
                        Ok(then) => break then,
                        Err(()) => return,
                    },
                    Step::Partial => {
                        if self.eof {
                            // An incomplete request at end of stream: nothing
                            // to answer; close.
                            return self.close();
                        }
                        let deadline = *deadline
                            .get_or_insert_with(|| Instant::now() + self.ctx.config.head_timeout);
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            return self.timed_out();
                        }
                        match self.read_more(left) {
                            Got::Data | Got::Eof => {}
                            Got::Timeout => return self.timed_out(),
                            Got::Failed => return,
                        }
                    }
                }
            };
            self.ctx.index = self.ctx.index.wrapping_add(1);
            match then {
                Then::Next => {}
                Then::Close => return self.close(),
                Then::Last => return self.close_after_last(),
            }
        }
        self.flush();
    }

    /// Parses what is buffered and, when the whole request is already
    /// here, answers it.
    fn step(&mut self) -> Step {
        let config = self.ctx.config;
        let data = &self.buf[..self.filled];
        let mut headers = [Header::EMPTY; MAX_HEADERS];
        let req = match parse_request(data, &mut headers, &config.limits) {
            Ok(Status::Complete(req)) => req,
            // A head over the limit is an error, not Partial (431, RFC 6585 §5).
            Ok(Status::Partial) => return Step::Partial,
            Err(e) => return Step::Reject(RequestError::Parse(e)),
        };
        let plan = match request::plan(&req) {
            Ok(plan) => plan,
            Err(e) => return Step::Reject(e),
        };
        let head_len = req.head_len;
        let body_len = match plan.body {
            BodyKind::Empty => 0,
            BodyKind::Length(n) if n <= config.max_body && n <= (data.len() - head_len) as u64 => {
                n as usize
            }
            BodyKind::Length(_) | BodyKind::Chunked => {
                return Step::NeedBody { head_len, plan };
            }
        };
        let total = head_len + body_len;
        let body = &data[head_len..total];
        let then = answer(&mut self.out, &self.ctx, &req, body, &data[..total], plan);
        Step::Answered { total, then }
    }

    /// Reads the body `plan` announces, then answers. `Ok(then)` when
    /// answered, `Err(())` when the connection is finished.
    fn read_body(&mut self, head_len: usize, plan: Plan) -> Result<Then, ()> {
        let total = match plan.body {
            BodyKind::Empty => head_len,
            BodyKind::Length(n) => self.read_length_body(head_len, n, plan.expect_continue)?,
            BodyKind::Chunked => self.read_chunked_body(head_len, plan.expect_continue)?,
        };
        // The buffer may have moved while the body came in: parse the head
        // again, from the same bytes, which parsed before.
        let config = self.ctx.config;
        let data = &self.buf[..self.filled];
        let mut headers = [Header::EMPTY; MAX_HEADERS];
        let Ok(Status::Complete(req)) =
            parse_request(&data[..head_len], &mut headers, &config.limits)
        else {
            unreachable!("a head that parsed once parses again");
        };
        let body = match plan.body {
            BodyKind::Chunked => &self.body[..],
            _ => &data[head_len..total],
        };
        let then = answer(&mut self.out, &self.ctx, &req, body, &data[..total], plan);
        self.consume(total);
        Ok(then)
    }

    /// Reads a Content-Length body of `n` bytes into the read buffer;
    /// `Ok(total)`, the length of head and body.
    fn read_length_body(
        &mut self,
        head_len: usize,
        n: u64,
        expect_continue: bool,
    ) -> Result<usize, ()> {
        let config = self.ctx.config;
        // RFC 9110 §15.5.14: refuse a body over the limit before reading
        // it, and close (§10.1.1 lets the server skip it).
        let total = usize::try_from(n)
            .ok()
            .filter(|_| n <= config.max_body)
            .and_then(|n| n.checked_add(head_len));
        let Some(total) = total else {
            let err = framing::Error::new(framing::ErrorKind::BodyTooLarge, 0);
            self.reject(RequestError::Framing(err));
            return Err(());
        };
        if expect_continue && self.filled < total {
            self.out.extend_from_slice(CONTINUE);
        }
        if self.buf.len() < total {
            self.buf.resize(total, 0);
        }
        while self.filled < total {
            self.read_body_bytes()?;
        }
        Ok(total)
    }

    /// Decodes a chunked body into `self.body`; `Ok(total)`, the length of
    /// head and chunked body on the wire.
    fn read_chunked_body(&mut self, head_len: usize, expect_continue: bool) -> Result<usize, ()> {
        let mut decoder = ChunkedDecoder::new(self.ctx.config.max_body);
        self.body.clear();
        let mut pos = head_len;
        let mut continued = false;
        loop {
            match decoder.decode(&self.buf[pos..self.filled], &mut self.body) {
                Ok(d) if d.done => return Ok(pos + d.consumed),
                Ok(d) => pos += d.consumed,
                Err(e) => {
                    self.reject(RequestError::Framing(e));
                    return Err(());
                }
            }
            if expect_continue && !continued {
                self.out.extend_from_slice(CONTINUE);
                continued = true;
            }
            self.read_body_bytes()?;
        }
    }

    /// Reads more of a body, waiting at most `head_timeout`; `Err(())`
    /// when the connection is finished (closed, or answered 408).
    fn read_body_bytes(&mut self) -> Result<(), ()> {
        match self.read_more(self.ctx.config.head_timeout) {
            Got::Data => Ok(()),
            Got::Eof | Got::Failed => {
                self.close();
                Err(())
            }
            Got::Timeout => {
                self.timed_out();
                Err(())
            }
        }
    }

    /// Drops the first `n` buffered bytes: what follows is the next request.
    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
        if self.buf.len() > SHRINK_ABOVE && self.filled <= READ_CHUNK {
            self.buf.truncate(READ_CHUNK);
            self.buf.shrink_to(READ_CHUNK);
        }
        if self.body.capacity() > SHRINK_ABOVE {
            self.body = Vec::new();
        }
    }

    /// Answers a rejected request with its status and closes.
    fn reject(&mut self, err: RequestError) {
        let status = status_for(&err);
        let bytes = self.write_error(status, &err.describe());
        self.ctx
            .record(&self.buf[..self.filled], "-", "-", status, bytes);
        self.close();
    }

    /// RFC 9110 §15.5.9: 408 when the request did not arrive in time.
    fn timed_out(&mut self) {
        let bytes = self.write_error(408, "The request took too long to arrive.");
        self.ctx.log("-", "-", 408, bytes);
        self.close();
    }

    /// Queues an error page with `Connection: close`; returns its size.
    /// The answer to what looks like a HEAD request has no content (RFC
    /// 9110 §9.3.2), so a client that got that far reads it right.
    fn write_error(&mut self, status: u16, detail: &str) -> usize {
        let mut r = Response::error(status, detail);
        r.connection = Connection::Close;
        let head_only = self.buf[..self.filled].starts_with(b"HEAD ");
        let start = self.out.len();
        let _ = r.write_to(&mut self.out, &*self.ctx.config.clock, head_only);
        self.out.len() - start
    }

    /// Writes what is queued.
    fn flush(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let ok = self.io.write_all(&self.out).and_then(|_| self.io.flush());
        self.out.clear();
        ok.is_ok()
    }

    /// Writes what is queued and closes after the client's last request.
    ///
    /// RFC 9112 §9.6 closes in stages so that a request the client sent
    /// meanwhile does not make the server's TCP stack answer with a reset,
    /// which could destroy the response before the client has read it. A
    /// client that sent "close" "MUST NOT send further requests on that
    /// connection" (§9.6), and an HTTP/1.0 client without keep-alive
    /// expects the close (§9.3): when nothing more has arrived, there is
    /// nothing for a reset to follow, and the connection closes at once,
    /// as nginx does when nothing suggests more is coming. If bytes came
    /// anyway, it closes in stages as always.
    fn close_after_last(&mut self) {
        if !self.flush() {
            return;
        }
        if self.filled == 0 && !self.eof {
            match self.io.try_read(&mut self.buf) {
                Ok(0) => self.eof = true,
                // The caller drops the socket, which sends the FIN.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Ok(_) | Err(_) => {}
            }
        }
        self.close();
    }

    /// Writes what is queued, then closes in stages (RFC 9112 §9.6).
    fn close(&mut self) {
        if !self.flush() {
            return;
        }
        if self.eof {
            let _ = self.io.shutdown_write();
            return;
        }
        socket::close_lingering(self.io, &mut self.buf);
    }

    /// Writes what is queued, then reads more into the buffer, waiting at
    /// most `timeout`.
    fn read_more(&mut self, timeout: Duration) -> Got {
        if !self.flush() {
            return Got::Failed;
        }
        if self.eof {
            return Got::Eof;
        }
        if self.buf.len() - self.filled < READ_CHUNK / 2 {
            let size = (self.buf.len() * 2).max(READ_CHUNK);
            self.buf.resize(size, 0);
        }
        let timeout = Some(timeout.max(Duration::from_millis(1)));
        if self.read_timeout != timeout {
            if self.io.set_read_timeout(timeout).is_err() {
                return Got::Failed;
            }
            self.read_timeout = timeout;
        }
        // Before sleeping in `read`, let the other connections' threads run
        // and then look for bytes that have arrived meanwhile, twice. With
        // many busy connections the next request is usually here by then,
        // and the thread goes on without being put to sleep and woken again
        // (a sleep and a wake-up per request cost a third of the throughput
        // with 32 busy connections on two cores); with nothing else to run,
        // `yield_now` returns at once, and the tries cost four system calls.
        // Yielding first skips a look that comes too soon to find anything.
        // A connection whose looks keep finding nothing (a lone client,
        // where every read waits for the network) stops looking but for
        // one read in `LOOK_AGAIN_EVERY`, to notice when that changes.
        if self.misses < MISSES_BEFORE_SKIP || self.misses.is_multiple_of(LOOK_AGAIN_EVERY) {
            for _ in 0..TRIES_BEFORE_SLEEP {
                thread::yield_now();
                match self.io.try_read(&mut self.buf[self.filled..]) {
                    Ok(n) => {
                        self.misses = 0;
                        return self.got(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => return Got::Failed,
                }
            }
        }
        self.misses = self.misses.wrapping_add(1);
        loop {
            match self.io.read(&mut self.buf[self.filled..]) {
                Ok(n) => return self.got(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Got::Timeout
                }
                Err(_) => return Got::Failed,
            }
        }
    }

    /// Takes note of a read of `n` bytes (0: end of stream).
    fn got(&mut self, n: usize) -> Got {
        if n == 0 {
            self.eof = true;
            return Got::Eof;
        }
        self.filled += n;
        Got::Data
    }
}

/// What follows an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// The connection stays open for the next request.
    Next,
    /// The server ends the connection: close in stages (RFC 9112 §9.6).
    Close,
    /// The client said this request is its last: a "close" option, or
    /// HTTP/1.0 without keep-alive (RFC 9112 §9.3, §9.6).
    Last,
}

/// Calls the handler for one complete request, queues its response in
/// `out`, taps and logs. Returns what follows: whether the connection stays
/// open, and if not, whose choice that was.
fn answer(
    out: &mut Vec<u8>,
    ctx: &Context<'_>,
    req: &Request<'_, '_>,
    body: &[u8],
    wire: &[u8],
    plan: Plan,
) -> Then {
    let config = ctx.config;
    let handler = &config.handler;
    let (mut resp, panicked) = match catch_unwind(AssertUnwindSafe(|| handler(req, body))) {
        Ok(resp) => (resp, false),
        Err(_) => (
            Response::error(500, "The server failed while answering this request."),
            true,
        ),
    };
    let then = if !plan.persistent {
        Then::Last
    } else if panicked || resp.connection == Connection::Close {
        Then::Close
    } else {
        Then::Next
    };
    resp.connection = if then != Then::Next {
        Connection::Close
    } else if req.version == Version::HTTP_10 {
        // RFC 9112 appendix C.2.2: an HTTP/1.0 client needs to hear it.
        Connection::KeepAlive
    } else {
        Connection::Default
    };
    let start = out.len();
    let _ = resp.write_to(out, &*config.clock, req.method == "HEAD");
    let bytes = out.len() - start;
    ctx.record(wire, req.method, req.target, resp.status, bytes);
    then
}

impl Context<'_> {
    /// Shows one answered request (`wire`, its exact bytes) to the tap and
    /// writes its log line.
    fn record(&self, wire: &[u8], method: &str, target: &str, status: u16, bytes: usize) {
        if let Some(tap) = &self.config.tap {
            tap(&Exchange {
                peer: self.peer,
                connection: self.connection,
                index: self.index,
                request: wire,
                status,
            });
        }
        self.log(method, target, status, bytes);
    }

    /// The access log line of one answer, when logging is on.
    fn log(&self, method: &str, target: &str, status: u16, bytes: usize) {
        if self.config.log {
            crate::log::request(self.peer, method, target, status, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A transport that gives one request per `read`, then end of stream,
    /// and counts the looks (`try_read`), which find the next request only
    /// if `ready`.
    struct Counting {
        left: usize,
        ready: bool,
        reads: usize,
        looks: usize,
        out: Vec<u8>,
    }

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    impl Counting {
        fn next(&mut self, buf: &mut [u8]) -> usize {
            if self.left == 0 {
                return 0;
            }
            self.left -= 1;
            buf[..GET.len()].copy_from_slice(GET);
            GET.len()
        }
    }

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            Ok(self.next(buf))
        }
    }

    impl Write for Counting {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Transport for Counting {
        fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
            Ok(())
        }
        fn shutdown_write(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.looks += 1;
            if self.ready {
                Ok(self.next(buf))
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }

    fn run(ready: bool) -> Counting {
        let mut io = Counting {
            left: 40,
            ready,
            reads: 0,
            looks: 0,
            out: Vec::new(),
        };
        let config = Config {
            log: false,
            ..Config::default()
        };
        serve(&mut io, &config, SocketAddr::from(([127, 0, 0, 1], 0)), 0);
        let answers = io
            .out
            .windows(17)
            .filter(|w| w == b"HTTP/1.1 200 OK\r\n")
            .count();
        assert_eq!(answers, 40);
        io
    }

    /// Looks that keep finding nothing stop, but for one read in
    /// `LOOK_AGAIN_EVERY`: 41 reads (40 requests and the end) look before
    /// reads 0-3, 16 and 32, twice each.
    #[test]
    fn a_connection_whose_looks_find_nothing_stops_looking() {
        let io = run(false);
        assert_eq!(io.reads, 41);
        assert_eq!(io.looks, 6 * TRIES_BEFORE_SLEEP);
    }

    /// Looks that find the next request keep the thread from sleeping in
    /// `read` at all.
    #[test]
    fn a_connection_whose_looks_find_requests_never_sleeps_in_read() {
        let io = run(true);
        assert_eq!(io.reads, 0);
        assert_eq!(io.looks, 41);
    }
}
