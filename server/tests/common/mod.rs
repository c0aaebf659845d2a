//! Helpers shared by the socket-level tests: start a server on a free
//! loopback port, send bytes, read and split responses.
#![allow(dead_code)]
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use server::clock::FixedClock;
use server::config::Config;
use server::listener::{Handle, Server};

/// `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's example date.
pub fn example_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
}

/// A quiet config with a fixed clock.
pub fn config() -> Config {
    Config {
        clock: Arc::new(FixedClock(example_time())),
        log: false,
        ..Config::default()
    }
}

/// Starts a server on `127.0.0.1:0`.
pub fn start(config: Config) -> Handle {
    Server::bind("127.0.0.1:0", config)
        .expect("bind 127.0.0.1:0")
        .spawn()
}

/// Connects with a read timeout, so a test fails rather than hangs.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends `request`, shuts down the write side, reads to end of stream.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    s.write_all(request).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    read_to_end(&mut s)
}

/// Reads until end of stream (or a reset, which ends the stream too).
pub fn read_to_end(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("read failed after {} bytes: {e}", out.len()),
        }
    }
}

/// One parsed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// The head, status line and fields, as text.
    pub head: String,
    /// Fields, names lower-cased.
    pub fields: Vec<(String, String)>,
    /// The content.
    pub body: Vec<u8>,
}

impl Resp {
    /// The value of field `name` (lower case), if present once or more.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response from the front of `bytes`; `head_only` when it
/// answers a HEAD (no content whatever Content-Length says). Returns it
/// and what follows.
pub fn parse_response(bytes: &[u8], head_only: bool) -> (Resp, &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
    let head = std::str::from_utf8(&bytes[..end]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status: u16 = status_line[9..12].parse().unwrap();
    let fields: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("field line");
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let len = if head_only || matches!(status, 100..=199 | 204 | 304) {
        0
    } else {
        fields
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap())
    };
    let rest = &bytes[end + 4..];
    assert!(rest.len() >= len, "short body: {} < {len}", rest.len());
    let resp = Resp {
        status,
        head: head.to_string(),
        fields,
        body: rest[..len].to_vec(),
    };
    (resp, &rest[len..])
}

/// Splits a stream of responses to requests none of which is HEAD.
pub fn parse_all(mut bytes: &[u8]) -> Vec<Resp> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (r, rest) = parse_response(bytes, false);
        out.push(r);
        bytes = rest;
    }
    out
}

/// Sends one request on its own connection and parses the one response.
pub fn one(addr: SocketAddr, request: &[u8]) -> Resp {
    let head_only = request.starts_with(b"HEAD ");
    let bytes = exchange(addr, request);
    let (r, rest) = parse_response(&bytes, head_only);
    assert!(rest.is_empty(), "extra bytes after the response: {rest:?}");
    r
}
