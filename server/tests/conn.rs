//! Connections over real sockets: persistence, pipelining, 100-continue,
//! half-close, timeouts, the connection cap, panics, malformed input, the
//! tap; and the same state machine in memory through `serve_bytes`.
mod common;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{connect, exchange, parse_all, parse_response, read_to_end, start};
use rstest::rstest;
use server::config::Config;
use server::conn::serve_bytes;
use server::parse::Request;
use server::response::Response;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/// Reads exactly one response (not to HEAD) from a live connection.
fn read_one(s: &mut std::net::TcpStream) -> common::Resp {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            let status: u16 = head[9..12].parse().unwrap();
            let len = if matches!(status, 100..=199 | 204 | 304) {
                0
            } else {
                len
            };
            if got.len() >= end + 4 + len {
                let (r, rest) = parse_response(&got, false);
                assert!(rest.is_empty(), "unexpected bytes after a response");
                return r;
            }
        }
        let n = s.read(&mut buf).expect("read a response");
        assert!(n > 0, "connection closed after {} bytes", got.len());
        got.extend_from_slice(&buf[..n]);
    }
}

/// RFC 9112 §9.3: HTTP/1.1 connections persist by default.
#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let server = start(common::config());
    let mut s = connect(server.addr());
    s.write_all(GET).unwrap();
    let a = read_one(&mut s);
    s.write_all(b"GET /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let b = read_one(&mut s);
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(b.field("content-type"), Some("image/jpeg"));
    assert_eq!(a.field("connection"), None);
    // RFC 9110 §6.6.1: Date comes from the injected clock.
    assert_eq!(a.field("date"), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
}

/// Every open connection is served at once: many keep-alive clients, each
/// holding its connection, are all answered (a fixed pool of workers
/// smaller than the number of clients would leave some unanswered).
#[test]
fn many_held_connections_are_served_concurrently() {
    let server = start(common::config());
    let mut conns: Vec<_> = (0..24).map(|_| connect(server.addr())).collect();
    for s in &mut conns {
        s.write_all(GET).unwrap();
    }
    // Read in reverse order, every connection still open.
    for s in conns.iter_mut().rev() {
        assert_eq!(read_one(s).status, 200);
    }
    for s in &mut conns {
        s.write_all(GET).unwrap();
        assert_eq!(read_one(s).status, 200);
    }
}

/// RFC 9112 §9.3.2: pipelined requests are answered in order.
#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(common::config());
    let bytes = exchange(
        server.addr(),
        b"GET /test.jpg HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let rs = parse_all(&bytes);
    let got: Vec<u16> = rs.iter().map(|r| r.status).collect();
    assert_eq!(got, [200, 404, 200]);
    assert_eq!(rs[0].field("content-type"), Some("image/jpeg"));
    assert_eq!(
        rs[2].field("content-type"),
        Some("text/html; charset=utf-8")
    );
}

/// RFC 9112 §9.6: `Connection: close` ends the connection after the response.
#[rstest]
#[case::close(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".as_slice(), Some("close"))]
#[case::http10(b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n".as_slice(), Some("close"))]
fn connection_close_answers_once(#[case] input: &[u8], #[case] connection: Option<&str>) {
    let server = start(common::config());
    let rs = parse_all(&exchange(server.addr(), input));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].field("connection"), connection);
}

/// RFC 9112 §9.6: a client that sent "close" sends no further requests, so
/// when nothing more has come the server closes at once instead of
/// lingering: bytes sent after that meet a reset within moments (while
/// lingering, for 500 ms, they would be read and dropped). With a request
/// pipelined after the "close" (the cases above), it closes in stages.
#[rstest]
#[case::close(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".as_slice())]
#[case::http10(b"GET / HTTP/1.0\r\n\r\n".as_slice())]
fn after_the_last_request_the_server_closes_at_once(#[case] input: &[u8]) {
    let server = start(common::config());
    let mut s = connect(server.addr());
    s.write_all(input).unwrap();
    assert_eq!(parse_all(&read_to_end(&mut s)).len(), 1);
    let reset = (0..20).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        s.write_all(b"x").is_err()
    });
    assert!(reset, "the server was still reading what came after");
}

/// RFC 9112 appendix C.2.2: an HTTP/1.0 keep-alive is honoured and said.
#[test]
fn http10_keep_alive_is_honoured() {
    let server = start(common::config());
    let input = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n";
    let rs = parse_all(&exchange(server.addr(), input));
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[0].field("connection"), Some("keep-alive"));
    assert_eq!(rs[1].field("connection"), Some("close"));
}

/// RFC 9110 §10.1.1: the client waits for 100 Continue before the body.
#[test]
fn expect_continue_gets_100_before_the_body_is_sent() {
    let server = start(common::config());
    let mut s = connect(server.addr());
    s.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n").unwrap();
    let mut interim = [0u8; server::response::CONTINUE.len()];
    s.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, server::response::CONTINUE);
    s.write_all(b"name=Zoe1").unwrap();
    let r = read_one(&mut s);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8(r.body).unwrap().contains("Zoe1"));
}

#[test]
fn expect_continue_with_body_already_sent_gets_no_100() {
    let input = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\na=b";
    let out = serve_bytes(input, &common::config());
    assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"), "{out:?}");
}

/// RFC 9110 §10.1.1: an expectation the server cannot meet is 417.
#[test]
fn unknown_expectation_is_417() {
    let server = start(common::config());
    let rs = parse_all(&exchange(
        server.addr(),
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 0\r\n\r\n",
    ));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, 417);
}

/// Half-close: every complete request sent before the FIN is answered.
#[test]
fn half_closed_client_gets_every_answer_then_eof() {
    let server = start(common::config());
    let mut input = Vec::new();
    for _ in 0..5 {
        input.extend_from_slice(GET);
    }
    assert_eq!(parse_all(&exchange(server.addr(), &input)).len(), 5);
}

#[test]
fn partial_request_at_eof_is_closed_without_answer() {
    let server = start(common::config());
    let out = exchange(server.addr(), b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HT");
    assert_eq!(parse_all(&out).len(), 1);
}

/// RFC 9110 §15.5.9: a head that does not arrive in time gets 408.
#[test]
fn slow_head_gets_408_and_close() {
    let server = start(Config {
        head_timeout: Duration::from_millis(200),
        ..common::config()
    });
    let mut s = connect(server.addr());
    s.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    let out = read_to_end(&mut s);
    let rs = parse_all(&out);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, 408);
    assert_eq!(rs[0].field("connection"), Some("close"));
}

/// RFC 9110 §15.5.9: the head has one deadline from its first byte, not
/// one per read: a head dribbled a byte every 20 ms is cut off with 408
/// long before the dribble would end.
#[test]
fn dribbled_head_gets_408_by_a_deadline_for_the_whole_head() {
    let server = start(Config {
        head_timeout: Duration::from_millis(300),
        ..common::config()
    });
    let mut s = connect(server.addr());
    s.set_nonblocking(true).unwrap();
    let head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ".repeat(4);
    let mut got = Vec::new();
    let mut sent = 0;
    // 130 bytes at 20 ms: 2.6 s of dribbling if nobody stops it.
    while sent < head.len() && got.is_empty() {
        if s.write_all(&head[sent..sent + 1]).is_err() {
            break;
        }
        sent += 1;
        std::thread::sleep(Duration::from_millis(20));
        let mut buf = [0u8; 1024];
        if let Ok(n) = s.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert!(sent < head.len(), "the dribble was never cut off");
    s.set_nonblocking(false).unwrap();
    got.extend(read_to_end(&mut s));
    let rs = parse_all(&got);
    assert_eq!(rs[0].status, 408);
}

/// RFC 9112 §9.5: an idle persistent connection is closed, silently.
#[test]
fn idle_connection_is_closed_silently() {
    let server = start(Config {
        idle_timeout: Duration::from_millis(200),
        ..common::config()
    });
    let mut s = connect(server.addr());
    s.write_all(GET).unwrap();
    let r = read_one(&mut s);
    assert_eq!(r.status, 200);
    // Send nothing more: the server closes without another byte.
    assert_eq!(read_to_end(&mut s), b"");
}

#[test]
fn idle_connection_without_any_request_is_closed_silently() {
    let server = start(Config {
        idle_timeout: Duration::from_millis(100),
        ..common::config()
    });
    let mut s = connect(server.addr());
    assert_eq!(read_to_end(&mut s), b"");
}

/// RFC 9112 §9.5: at the cap, an idle keep-alive connection is given up
/// to make room, rather than the newcomer being answered 503: idle after
/// its first request, or again after later ones.
#[rstest]
#[case::after_one_request(1)]
#[case::after_three_requests(3)]
fn idle_connection_is_given_up_for_a_newcomer_at_the_cap(#[case] requests: usize) {
    let server = start(Config {
        max_connections: 1,
        ..common::config()
    });
    let mut first = connect(server.addr());
    for _ in 0..requests {
        first.write_all(GET).unwrap();
        assert_eq!(read_one(&mut first).status, 200);
    }
    // The server counts it idle just after writing the answer: give it
    // that moment, as a client arriving later would.
    std::thread::sleep(Duration::from_millis(50));
    // `first` is idle between requests: the newcomer takes its place.
    let rs = parse_all(&exchange(server.addr(), GET));
    assert_eq!(rs[0].status, 200);
    assert_eq!(
        read_to_end(&mut first),
        b"",
        "the idle one was closed silently"
    );
}

/// Past the cap, with no connection idle, a newcomer gets 503 and
/// `Connection: close` at once.
#[test]
fn connection_over_the_cap_gets_503() {
    let server = start(Config {
        max_connections: 1,
        ..common::config()
    });
    let mut first = connect(server.addr());
    first.write_all(GET).unwrap();
    assert_eq!(read_one(&mut first).status, 200);
    // `first` is in the middle of a head, so not idle: the second is over the cap.
    first.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let mut second = connect(server.addr());
    second.write_all(GET).unwrap();
    let rs = parse_all(&read_to_end(&mut second));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, 503);
    assert_eq!(rs[0].field("connection"), Some("close"));
    // The first connection is still served.
    first.write_all(b"Host: a\r\n\r\n").unwrap();
    assert_eq!(read_one(&mut first).status, 200);
    drop(first);
    // Once it is closed, a slot is free again (the close is noticed
    // asynchronously, so allow a few tries).
    let mut ok = false;
    for _ in 0..50 {
        let rs = parse_all(&exchange(server.addr(), GET));
        if rs[0].status == 200 {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ok, "slot never freed");
}

fn panicking_handler(req: &Request<'_, '_>, body: &[u8]) -> Response {
    if req.target == "/panic" {
        panic!("test handler panics on purpose");
    }
    server::site::respond(req, body)
}

/// A panicking handler costs one 500 and one connection, not the server.
#[test]
fn panic_in_handler_is_500_and_server_keeps_serving() {
    let server = start(Config {
        handler: std::sync::Arc::new(panicking_handler),
        ..common::config()
    });
    let rs = parse_all(&exchange(
        server.addr(),
        b"GET /panic HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    ));
    assert_eq!(rs.len(), 1, "the connection must close after the 500");
    assert_eq!(rs[0].status, 500);
    assert_eq!(rs[0].field("connection"), Some("close"));
    assert_eq!(parse_all(&exchange(server.addr(), GET))[0].status, 200);
}

/// Malformed requests typed by hand get a 4xx (or 5xx) and a close, and the
/// server keeps serving others.
#[rstest]
#[case::garbage(b"hello\r\n\r\n".as_slice(), 400)]
#[case::bare_lf(b"GET / HTTP/1.1\nHost: a\n\n".as_slice(), 400)]
#[case::no_host(b"GET / HTTP/1.1\r\n\r\n".as_slice(), 400)]
#[case::two_hosts(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".as_slice(), 400)]
#[case::space_before_colon(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n".as_slice(), 400)]
#[case::bad_content_length(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n".as_slice(), 400)]
#[case::te_and_cl(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n".as_slice(), 400)]
#[case::bad_chunk(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".as_slice(), 400)]
#[case::unknown_coding(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n".as_slice(), 501)]
#[case::chunked_not_final(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n".as_slice(), 400)]
#[case::http2_version(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n".as_slice(), 505)]
fn malformed_request_gets_an_error_and_close(#[case] input: &[u8], #[case] status: u16) {
    let server = start(common::config());
    let mut with_next = input.to_vec();
    with_next.extend_from_slice(GET);
    let rs = parse_all(&exchange(server.addr(), &with_next));
    assert_eq!(
        rs.len(),
        1,
        "nothing after an error may be read as a request"
    );
    assert_eq!(rs[0].status, status, "{}", rs[0].head);
    assert_eq!(rs[0].field("connection"), Some("close"));
    assert!(!rs[0].body.is_empty());
    assert_eq!(parse_all(&exchange(server.addr(), GET))[0].status, 200);
}

/// RFC 9110 §15.5.14, RFC 9112 §3, RFC 6585 §5: the configured limits.
#[rstest]
#[case::body(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello=world".to_vec(), 413)]
#[case::chunked_body(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello=world\r\n0\r\n\r\n".to_vec(), 413)]
#[case::request_line(format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(100)).into_bytes(), 414)]
#[case::head(format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n", "a".repeat(300)).into_bytes(), 431)]
#[case::header_count(b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n".to_vec(), 431)]
fn limits(#[case] input: Vec<u8>, #[case] status: u16) {
    let mut config = common::config();
    config.max_body = 10;
    config.limits.max_request_line_len = 64;
    config.limits.max_head_len = 256;
    config.limits.max_header_count = 4;
    let server = start(config);
    let rs = parse_all(&exchange(server.addr(), &input));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, status, "{}", rs[0].head);
}

/// `Config::log = false` is the default of these tests; this one logs, to
/// run the logging path (the line goes to the test's stderr).
#[test]
fn logging_does_not_change_the_answer() {
    let quiet = serve_bytes(GET, &common::config());
    let loud = serve_bytes(
        GET,
        &Config {
            log: true,
            ..common::config()
        },
    );
    assert_eq!(quiet, loud);
}

/// What the tap saw: connection, index, request bytes, status.
type Seen = (u64, u32, Vec<u8>, u16);

/// The tap sees each request's exact wire bytes, chunk framing included.
#[test]
fn tap_sees_exact_request_bytes() {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let server = start(Config {
        tap: Some(Arc::new(move |x: &server::config::Exchange<'_>| {
            sink.lock()
                .unwrap()
                .push((x.connection, x.index, x.request.to_vec(), x.status))
        })),
        ..common::config()
    });
    let a: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n0\r\nX-T: 1\r\n\r\n";
    let b: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\nc=d";
    let c: &[u8] = GET;
    let input = [a, b, c].concat();
    let rs = parse_all(&exchange(server.addr(), &input));
    assert_eq!(rs.len(), 3);
    drop(server);
    let seen = seen.lock().unwrap();
    let requests: Vec<&[u8]> = seen.iter().map(|(_, _, r, _)| r.as_slice()).collect();
    assert_eq!(requests, [a, b, c]);
    let index: Vec<u32> = seen.iter().map(|(_, i, _, _)| *i).collect();
    assert_eq!(index, [0, 1, 2]);
    assert!(seen.iter().all(|(_, _, _, s)| *s == 200));
}

/// `serve_bytes` runs the same machine: pipelined input, answers in order.
#[test]
fn serve_bytes_answers_pipelined_input() {
    let input = [GET, b"HEAD /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n", GET].concat();
    let out = serve_bytes(&input, &common::config());
    let (a, rest) = parse_response(&out, false);
    let (b, rest) = parse_response(rest, true);
    let (c, rest) = parse_response(rest, false);
    assert!(rest.is_empty());
    assert_eq!((a.status, b.status, c.status), (200, 200, 200));
    assert!(b.body.is_empty());
    assert_eq!(
        b.field("content-length"),
        Some(server::site::TEST_JPG.len().to_string().as_str())
    );
}

/// RFC 9110 §9.3.2: even a rejected HEAD request gets no content.
#[test]
fn rejected_head_request_gets_no_content() {
    let out = serve_bytes(b"HEAD / HTTP/1.1\r\n\r\n", &common::config());
    let (r, rest) = parse_response(&out, true);
    assert_eq!(r.status, 400);
    assert!(rest.is_empty(), "content after a HEAD answer: {rest:?}");
    assert!(r.field("content-length").is_some());
}

#[test]
fn serve_bytes_of_nothing_is_nothing() {
    assert_eq!(serve_bytes(b"", &common::config()), b"");
}

/// A client may shut down its write side in the middle of a keep-alive
/// session; the server still answers what it got.
#[test]
fn shutdown_after_body_still_answered() {
    let server = start(common::config());
    let mut s = connect(server.addr());
    s.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b")
        .unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let rs = parse_all(&read_to_end(&mut s));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].status, 200);
}

#[test]
fn shutdown_handle_stops_accepting() {
    let server = start(common::config());
    let addr = server.addr();
    assert_eq!(parse_all(&exchange(addr, GET))[0].status, 200);
    server.shutdown();
    // Nothing listens any more: connecting fails, or the connection is
    // closed without an answer.
    if let Ok(mut s) = std::net::TcpStream::connect(addr) {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(GET);
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        assert!(buf.is_empty());
    }
}

/// A transport that hands out one byte per read: every request arrives
/// split at every offset.
struct Trickle<'a> {
    input: &'a [u8],
    output: Vec<u8>,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.input.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.input = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

impl Write for Trickle<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl server::socket::Transport for Trickle<'_> {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
    fn shutdown_write(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes arriving one at a time give the same answers as all at once.
#[test]
fn byte_at_a_time_input_gives_the_same_answers() {
    let input = [
        GET,
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\nname=x",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n2;ext=1\r\n&c\r\n0\r\nTrailer-Field: v\r\n\r\n",
        b"HEAD /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
    .concat();
    let whole = serve_bytes(&input, &common::config());
    let mut trickle = Trickle {
        input: &input,
        output: Vec::new(),
    };
    let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    server::conn::serve(&mut trickle, &common::config(), peer, 0);
    // Split, the body of the CL request is not there at once, so a 100
    // precedes its answer; otherwise the bytes are the same.
    let continued =
        String::from_utf8_lossy(&trickle.output).replacen("HTTP/1.1 100 Continue\r\n\r\n", "", 1);
    assert_ne!(
        continued.len(),
        trickle.output.len(),
        "no 100 Continue sent"
    );
    assert_eq!(continued, String::from_utf8_lossy(&whole));
    let (a, rest) = parse_response(&whole, false);
    let (b, rest) = parse_response(rest, false);
    let (c, rest) = parse_response(rest, false);
    let (d, rest) = parse_response(rest, true);
    assert!(rest.is_empty());
    assert_eq!([a.status, b.status, c.status, d.status], [200; 4]);
    assert!(String::from_utf8_lossy(&c.body).contains("<dt>c</dt>"));
}
