//! Servers that are wrong on purpose, each on 127.0.0.1:0 for as long as
//! the test runs: four dumb ones ([`Dumb`]) and a small HTTP/1.1 server
//! ([`serve_flawed`]) that is right about framing, fields and errors except
//! for the one [`Flaw`] it is started with. The harness must judge each of
//! them FAIL on the cases that check what it breaks.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::common::start_server;

/// How long a server waits for bytes before it gives up on a connection.
const IDLE: Duration = Duration::from_secs(5);

/// Servers that do one thing whatever they receive.
#[derive(Debug, Clone, Copy)]
pub enum Dumb {
    /// Reads once, answers `400` with `Connection: close` and closes.
    BadRequestAndClose,
    /// Closes as soon as it accepts.
    CloseOnAccept,
    /// Reads everything and never answers.
    NeverAnswer,
    /// Answers every head it finds with `200` and keeps the connection.
    OkToEverything,
}

impl Dumb {
    /// Starts the server.
    pub fn start(self) -> SocketAddr {
        start_server(match self {
            Dumb::BadRequestAndClose => bad_request_and_close,
            Dumb::CloseOnAccept => drop,
            Dumb::NeverAnswer => never_answer,
            Dumb::OkToEverything => ok_to_everything,
        })
    }
}

fn bad_request_and_close(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let mut buf = [0u8; 4096];
    if matches!(stream.read(&mut buf), Ok(n) if n > 0) {
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
}

fn never_answer(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let mut buf = [0u8; 4096];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

fn ok_to_everything(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let mut buf = Vec::new();
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            buf.drain(..end + 4);
            let ok = b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
                       Content-Length: 5\r\n\r\nhello";
            if stream.write_all(ok).is_err() {
                return;
            }
            continue;
        }
        if !fill(&mut stream, &mut buf) {
            return;
        }
    }
}

/// The one thing a [`serve_flawed`] server gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// None: the control, which the flawed variants are compared with.
    None,
    /// After an error it answers 400 but keeps the connection, drops the
    /// offending line and reads on: the bytes after it become requests.
    DesyncAfterError,
    /// `Transfer-Encoding: chunked` on its 100 (Continue), and a POST is
    /// answered `204` with `Transfer-Encoding: chunked`.
    TeIn1xxAnd204,
    /// Never sends 100 (Continue): waits for the content, then answers.
    No100Continue,
    /// Takes `Host : x` as `Host: x` (whitespace before the colon).
    WhitespaceBeforeColon,
    /// Frames a request with both Content-Length and Transfer-Encoding by
    /// Transfer-Encoding and keeps the connection open.
    ClTeKeptOpen,
    /// Takes a bare CR as the end of a line.
    BareCrAsLineEnd,
    /// Takes an obs-fold continuation line as a field line of its own.
    ObsFoldAsField,
    /// Sends its content in answer to HEAD and with a 304.
    BodyOnHeadAnd304,
    /// Sends no Date.
    NoDate,
}

macro_rules! flawed {
    ($($name:ident => $flaw:ident),* $(,)?) => {
        /// Starts a [`serve_flawed`] server with `flaw`.
        pub fn start_flawed(flaw: Flaw) -> SocketAddr {
            $(fn $name(stream: TcpStream) { serve_flawed(stream, Flaw::$flaw) })*
            start_server(match flaw { $(Flaw::$flaw => $name),* })
        }
    };
}

flawed! {
    none => None,
    desync => DesyncAfterError,
    te_1xx => TeIn1xxAnd204,
    no_100 => No100Continue,
    ws_colon => WhitespaceBeforeColon,
    cl_te => ClTeKeptOpen,
    bare_cr => BareCrAsLineEnd,
    obs_fold => ObsFoldAsField,
    head_body => BodyOnHeadAnd304,
    no_date => NoDate,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads more into `buf`; false when the peer closed or went quiet.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Why a request could not be served: its status.
struct Reject(u16);

struct Request {
    method: String,
    target: String,
    http10: bool,
    fields: Vec<(String, String)>,
}

impl Request {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.all(name)
            .iter()
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// The lines of a head (without the final empty line), split at CRLF; a
/// bare CR splits too under [`Flaw::BareCrAsLineEnd`], else it is an error,
/// like a bare LF.
fn head_lines(head: &[u8], flaw: Flaw) -> Result<Vec<Vec<u8>>, Reject> {
    let mut lines = Vec::new();
    let head = head.strip_suffix(b"\n").ok_or(Reject(400))?;
    for line in head.split(|&b| b == b'\n') {
        let Some(line) = line.strip_suffix(b"\r") else {
            return Err(Reject(400));
        };
        if line.contains(&b'\r') {
            if flaw != Flaw::BareCrAsLineEnd {
                return Err(Reject(400));
            }
            lines.extend(line.split(|&b| b == b'\r').map(<[u8]>::to_vec));
        } else {
            lines.push(line.to_vec());
        }
    }
    Ok(lines)
}

fn parse_head(head: &[u8], flaw: Flaw) -> Result<Request, Reject> {
    let lines = head_lines(head, flaw)?;
    let (first, rest) = lines.split_first().ok_or(Reject(400))?;
    let first = String::from_utf8(first.clone()).map_err(|_| Reject(400))?;
    let parts: Vec<&str> = first.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(Reject(400));
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(Reject(400));
    }
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(Reject(400));
    }
    let http10 = match version {
        "HTTP/1.0" => true,
        v if v.len() == 8 && v.starts_with("HTTP/1.") && v.as_bytes()[7].is_ascii_digit() => false,
        v if v.len() == 8 && v.starts_with("HTTP/") && v.as_bytes()[5].is_ascii_digit() => {
            return Err(Reject(505))
        }
        _ => return Err(Reject(400)),
    };
    let mut fields = Vec::new();
    for line in rest {
        let mut line = &line[..];
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // RFC 9112 §5.2: obs-fold is rejected here.
            if flaw != Flaw::ObsFoldAsField {
                return Err(Reject(400));
            }
            line = line.trim_ascii_start();
        }
        let colon = line.iter().position(|&b| b == b':').ok_or(Reject(400))?;
        let mut name = &line[..colon];
        if flaw == Flaw::WhitespaceBeforeColon {
            name = name.trim_ascii_end();
        }
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(Reject(400));
        }
        let value = line[colon + 1..].trim_ascii();
        if value.iter().any(|&b| (b < b' ' && b != b'\t') || b == 0x7f) {
            return Err(Reject(400));
        }
        fields.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        ));
    }
    let request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        http10,
        fields,
    };
    let hosts = request.all("Host");
    let host_ok = |h: &str| {
        !h.bytes()
            .any(|b| b == b' ' || b == b'/' || b == b'@' || b == b'\t')
    };
    if (!http10 && hosts.len() != 1) || hosts.len() > 1 || !hosts.iter().all(|h| host_ok(h)) {
        return Err(Reject(400));
    }
    Ok(request)
}

/// How the body of a request is framed (RFC 9112 §6.3).
enum Body {
    Length(usize),
    Chunked,
}

/// The framing of `request`'s body, or why it cannot be framed.
fn framing(request: &Request, flaw: Flaw) -> Result<Body, Reject> {
    let te = request.all("Transfer-Encoding");
    let cl = request.all("Content-Length");
    if !te.is_empty() {
        if request.http10 {
            return Err(Reject(400));
        }
        // RFC 9112 §6.1: with both, the connection is closed after the
        // response; this server rejects such a request outright.
        if !cl.is_empty() && flaw != Flaw::ClTeKeptOpen {
            return Err(Reject(400));
        }
        let codings: Vec<String> = te
            .iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        return match codings.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["chunked"] => Ok(Body::Chunked),
            [.., last] if last != "chunked" => Err(Reject(400)),
            _ => Err(Reject(501)),
        };
    }
    let mut length = None;
    for v in cl.iter().flat_map(|v| v.split(',')) {
        let v = v.trim();
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Reject(400));
        }
        let n: usize = v.trim_start_matches('0').parse().unwrap_or(0);
        if length.is_some_and(|l| l != n) || v.len() > 30 {
            return Err(Reject(400));
        }
        length = Some(n);
    }
    Ok(Body::Length(length.unwrap_or(0)))
}

/// Decodes a chunked body at the start of `buf`: `Ok(Some(len))` when it is
/// complete (`len` bytes of `buf` used), `Ok(None)` when more is needed.
fn chunked_len(buf: &[u8]) -> Result<Option<usize>, Reject> {
    let mut at = 0;
    loop {
        let Some(eol) = find(&buf[at..], b"\r\n") else {
            return Ok(None);
        };
        let line = &buf[at..at + eol];
        if line.contains(&b'\r') || line.contains(&b'\n') {
            return Err(Reject(400));
        }
        let size_end = line.iter().position(|&b| b == b';').unwrap_or(line.len());
        let size = line[..size_end].trim_ascii_end();
        if size.is_empty() || !size.iter().all(u8::is_ascii_hexdigit) || size.len() > 15 {
            return Err(Reject(400));
        }
        let size = usize::from_str_radix(std::str::from_utf8(size).unwrap(), 16).unwrap();
        at += eol + 2;
        if size == 0 {
            // Trailer section, up to the empty line.
            loop {
                let Some(eol) = find(&buf[at..], b"\r\n") else {
                    return Ok(None);
                };
                let line = &buf[at..at + eol];
                at += eol + 2;
                if line.is_empty() {
                    return Ok(Some(at));
                }
                if line.contains(&b'\r') || !line.contains(&b':') {
                    return Err(Reject(400));
                }
            }
        }
        if buf.len() < at + size + 2 {
            return Ok(None);
        }
        if &buf[at + size..at + size + 2] != b"\r\n" {
            return Err(Reject(400));
        }
        at += size + 2;
    }
}

const DATE: &str = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

fn respond(stream: &mut TcpStream, status: &str, extra: &str, body: &[u8], flaw: Flaw) -> bool {
    let date = if flaw == Flaw::NoDate { "" } else { DATE };
    let mut out = format!("HTTP/1.1 {status}\r\n{date}{extra}").into_bytes();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    stream.write_all(&out).is_ok()
}

/// The small server: right except for `flaw`.
pub fn serve_flawed(mut stream: TcpStream, flaw: Flaw) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // RFC 9112 §2.2: at least one empty line before a request is ignored.
        while buf.starts_with(b"\r\n") {
            buf.drain(..2);
        }
        let end = find(&buf, b"\r\n\r\n");
        let bare_lf_end = find(&buf, b"\n\n").filter(|i| end.is_none_or(|e| *i < e));
        let error = |stream: &mut TcpStream, status: u16| {
            let text = match status {
                400 => "400 Bad Request",
                501 => "501 Not Implemented",
                505 => "505 HTTP Version Not Supported",
                _ => "417 Expectation Failed",
            };
            if flaw == Flaw::DesyncAfterError {
                respond(stream, text, "Content-Length: 0\r\n", b"", flaw)
            } else {
                respond(
                    stream,
                    text,
                    "Content-Length: 0\r\nConnection: close\r\n",
                    b"",
                    flaw,
                );
                false
            }
        };
        // Skip the offending line and read on (the desync), or stop.
        let recover = |buf: &mut Vec<u8>| match find(buf, b"\r\n") {
            Some(i) => drop(buf.drain(..i + 2)),
            None => buf.clear(),
        };
        if bare_lf_end.is_some() {
            if !error(&mut stream, 400) {
                return;
            }
            recover(&mut buf);
            continue;
        }
        let Some(end) = end else {
            if buf.len() > 64 * 1024 || !fill(&mut stream, &mut buf) {
                return;
            }
            continue;
        };
        let request = match parse_head(&buf[..end + 2], flaw) {
            Ok(r) => r,
            Err(Reject(status)) => {
                if !error(&mut stream, status) {
                    return;
                }
                recover(&mut buf);
                continue;
            }
        };
        let body = match framing(&request, flaw) {
            Ok(b) => b,
            Err(Reject(status)) => {
                if !error(&mut stream, status) {
                    return;
                }
                buf.drain(..end + 4);
                continue;
            }
        };
        buf.drain(..end + 4);
        let has_body = !matches!(body, Body::Length(0));
        if let Some(expect) = request.field("Expect") {
            if !expect.eq_ignore_ascii_case("100-continue") {
                if !error(&mut stream, 417) {
                    return;
                }
                continue;
            }
            // RFC 9110 §10.1.1: an immediate 100 (Continue).
            if has_body && !request.http10 && flaw != Flaw::No100Continue && buf.is_empty() {
                let te = if flaw == Flaw::TeIn1xxAnd204 {
                    "Transfer-Encoding: chunked\r\n"
                } else {
                    ""
                };
                let interim = format!("HTTP/1.1 100 Continue\r\n{te}\r\n");
                if stream.write_all(interim.as_bytes()).is_err() {
                    return;
                }
            }
        }
        // The body, whole, before the answer.
        loop {
            let used = match body {
                Body::Length(n) => (buf.len() >= n).then_some(n),
                Body::Chunked => match chunked_len(&buf) {
                    Ok(used) => used,
                    Err(Reject(status)) => {
                        if !error(&mut stream, status) {
                            return;
                        }
                        recover(&mut buf);
                        break;
                    }
                },
            };
            if let Some(used) = used {
                buf.drain(..used);
                break;
            }
            if !fill(&mut stream, &mut buf) {
                return;
            }
        }
        let close = request.http10 || request.has_token("Connection", "close");
        let mut conn = if close { "Connection: close\r\n" } else { "" }.to_owned();
        let path = request
            .target
            .strip_prefix("http://localhost")
            .unwrap_or(&request.target);
        let path = if path.is_empty() { "/" } else { path };
        let head = request.method == "HEAD";
        let ok = match request.method.as_str() {
            "GET" | "HEAD" if path == "/" => {
                if request.field("If-None-Match").is_some() {
                    let body: &[u8] = if flaw == Flaw::BodyOnHeadAnd304 {
                        b"hello"
                    } else {
                        b""
                    };
                    respond(&mut stream, "304 Not Modified", &conn, body, flaw)
                } else {
                    let body: &[u8] = if head && flaw != Flaw::BodyOnHeadAnd304 {
                        b""
                    } else {
                        b"hello"
                    };
                    conn.push_str("Content-Length: 5\r\nContent-Type: text/plain\r\n");
                    respond(&mut stream, "200 OK", &conn, body, flaw)
                }
            }
            "GET" | "HEAD" => {
                let body: &[u8] = if head { b"" } else { b"nope" };
                conn.push_str("Content-Length: 4\r\n");
                respond(&mut stream, "404 Not Found", &conn, body, flaw)
            }
            "OPTIONS" => {
                conn.push_str("Allow: GET, HEAD, OPTIONS\r\nContent-Length: 0\r\n");
                respond(&mut stream, "200 OK", &conn, b"", flaw)
            }
            "POST" if flaw == Flaw::TeIn1xxAnd204 => {
                conn.push_str("Transfer-Encoding: chunked\r\n");
                respond(&mut stream, "204 No Content", &conn, b"", flaw)
            }
            "POST" | "PUT" | "DELETE" | "PATCH" | "TRACE" | "CONNECT" => {
                conn.push_str("Allow: GET, HEAD, OPTIONS\r\nContent-Length: 0\r\n");
                respond(&mut stream, "405 Method Not Allowed", &conn, b"", flaw)
            }
            _ => {
                conn.push_str("Content-Length: 0\r\n");
                respond(&mut stream, "501 Not Implemented", &conn, b"", flaw)
            }
        };
        if !ok || close {
            return;
        }
    }
}
