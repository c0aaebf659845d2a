//! Invariants of the parser, the chunked decoder and the connection state
//! machine that must hold for any input bytes at all.
//!
//! This file depends on `server` alone: the property tests use it, and the
//! cargo-fuzz targets include it by path, so a fuzzer and `cargo test`
//! check the very same things. Each check returns `Err(reason)`; a caller
//! fails on it.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use server::conn::serve;
use server::framing::ChunkedDecoder;
use server::parse::{self, parse_request, Header, Request, Status};
use server::socket::Transport;

/// Header slots given to the parser: the server's own number.
pub const SLOTS: usize = server::conn::MAX_HEADERS;

/// Largest body the decoder under test accepts.
pub const MAX_BODY: u64 = 1 << 20;

/// A parse result that owns its data, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `Complete`: method, target, form, version, fields, head length.
    Complete(Head),
    /// More bytes are needed.
    Partial,
    /// Rejected: kind and offset.
    Error(parse::ErrorKind, usize),
}

/// An owned copy of a parsed head.
#[derive(Clone, PartialEq, Eq)]
pub struct Head {
    /// The method.
    pub method: String,
    /// The request-target.
    pub target: String,
    /// Its form.
    pub form: parse::TargetForm,
    /// `(major, minor)`.
    pub version: (u8, u8),
    /// `(name, value)` of every field line, in order.
    pub fields: Vec<(String, Vec<u8>)>,
    /// Where the body starts.
    pub head_len: usize,
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = fields_text(&self.fields);
        f.debug_struct("Head")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("form", &self.form)
            .field("version", &self.version)
            .field("fields", &fields)
            .field("head_len", &self.head_len)
            .finish()
    }
}

/// Field lines as `name: value`, the value escaped, for failure messages.
pub fn fields_text(fields: &[(String, Vec<u8>)]) -> Vec<String> {
    fields
        .iter()
        .map(|(n, v)| format!("{n}: {}", v.escape_ascii()))
        .collect()
}

impl Head {
    /// Copies a parsed request.
    pub fn of(req: &Request<'_, '_>) -> Head {
        Head {
            method: req.method.to_owned(),
            target: req.target.to_owned(),
            form: req.form,
            version: (req.version.major, req.version.minor),
            fields: req
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
            head_len: req.head_len,
        }
    }
}

/// Parses `input` with `config` and copies the outcome.
pub fn parse_with(input: &[u8], config: &parse::Config) -> Parsed {
    let mut headers = [Header::EMPTY; SLOTS];
    match parse_request(input, &mut headers, config) {
        Ok(Status::Complete(req)) => Parsed::Complete(Head::of(&req)),
        Ok(Status::Partial) => Parsed::Partial,
        Err(e) => Parsed::Error(e.kind(), e.offset()),
    }
}

/// Parses `input` with the strict default configuration.
pub fn parse(input: &[u8]) -> Parsed {
    parse_with(input, &parse::Config::default())
}

/// Offsets at which to cut `len` bytes: all of them for short inputs, an
/// even spread of about `most` for long ones.
pub fn cut_points(len: usize, most: usize) -> impl Iterator<Item = usize> {
    let step = len.div_ceil(most.max(1)).max(1);
    (0..len).step_by(step).chain(len.checked_sub(1))
}

/// RFC 9112 as the parser must keep it, for any bytes:
///
/// - a complete head ends within the input, after at least a request-line;
///   an error points at a byte of the input;
/// - the head alone (`input[..head_len]`) parses to the same request;
/// - every prefix is `Partial` or gives what the whole gives (a head does
///   not change meaning as more bytes arrive: split invariance);
/// - allowing bare LF only widens what is accepted: a head the strict
///   parser accepts means the same to the lenient one.
pub fn check_head(input: &[u8]) -> Result<Parsed, String> {
    let whole = parse(input);
    match &whole {
        Parsed::Complete(head) => {
            if head.head_len > input.len() || head.head_len < b"A * HTTP/0.0\r\n\r\n".len() {
                return Err(format!(
                    "head_len {} outside the input of {} bytes",
                    head.head_len,
                    input.len()
                ));
            }
            let alone = parse(&input[..head.head_len]);
            if alone != whole {
                return Err(format!(
                    "the head alone parses differently: {alone:?}, whole: {whole:?}"
                ));
            }
        }
        Parsed::Error(kind, offset) if *offset >= input.len() => {
            return Err(format!(
                "error {kind:?} at offset {offset}, beyond the input of {} bytes",
                input.len()
            ));
        }
        _ => {}
    }
    for cut in cut_points(input.len(), 256) {
        let part = parse(&input[..cut]);
        if part != Parsed::Partial && part != whole {
            return Err(format!(
                "the first {cut} bytes give {part:?}, the whole gives {whole:?}"
            ));
        }
    }
    if let Parsed::Complete(_) = whole {
        let lenient = parse::Config {
            allow_bare_lf_line_endings: true,
            ..Default::default()
        };
        let widened = parse_with(input, &lenient);
        if widened != whole {
            return Err(format!(
                "allowing bare LF changed an accepted head: {widened:?}, strict: {whole:?}"
            ));
        }
    }
    Ok(whole)
}

/// What a decoder made of its input, owned for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoding {
    /// The decoded content.
    pub content: Vec<u8>,
    /// Bytes consumed in all.
    pub consumed: usize,
    /// Whether the body ended.
    pub done: bool,
    /// The error, if any: kind and offset over all bytes fed.
    pub error: Option<(server::framing::ErrorKind, usize)>,
}

/// Feeds `pieces` in order to one decoder and records what it did,
/// checking on the way that no call consumes more than it was given and
/// that a call which does not finish the body consumes all of its piece
/// (so a caller that loops on it always makes progress).
pub fn decode_pieces(pieces: &[&[u8]]) -> Result<Decoding, String> {
    let mut decoder = ChunkedDecoder::new(MAX_BODY);
    let mut out = Decoding {
        content: Vec::new(),
        consumed: 0,
        done: false,
        error: None,
    };
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    for piece in pieces {
        if out.done {
            break;
        }
        match decoder.decode(piece, &mut out.content) {
            Ok(d) => {
                if d.consumed > piece.len() {
                    return Err(format!(
                        "consumed {} of a {}-byte piece",
                        d.consumed,
                        piece.len()
                    ));
                }
                if !d.done && d.consumed != piece.len() {
                    return Err(format!(
                        "stopped after {} of {} bytes without finishing the body",
                        d.consumed,
                        piece.len()
                    ));
                }
                if d.done != decoder.is_done() {
                    return Err("`done` and `is_done()` disagree".into());
                }
                out.consumed += d.consumed;
                out.done = d.done;
            }
            Err(e) => {
                if e.offset() >= total {
                    return Err(format!(
                        "error {:?} at offset {}, beyond the {total} bytes fed",
                        e.kind(),
                        e.offset()
                    ));
                }
                // Bytes before the offending one count as consumed,
                // however many calls they came in.
                out.consumed = e.offset();
                out.error = Some((e.kind(), e.offset()));
                break;
            }
        }
    }
    Ok(out)
}

/// RFC 9112 §7.1 as the decoder must keep it, for any bytes: bounded
/// consumption and offsets (see [`decode_pieces`]), content no longer than
/// what was consumed, and the same outcome whether the bytes come whole,
/// one at a time, or cut at any single offset.
pub fn check_chunked(input: &[u8]) -> Result<Decoding, String> {
    let whole = decode_pieces(&[input])?;
    if whole.content.len() > whole.consumed {
        return Err(format!(
            "{} bytes of content from {} bytes consumed",
            whole.content.len(),
            whole.consumed
        ));
    }
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    let each = decode_pieces(&bytewise)?;
    if each != whole {
        return Err(format!(
            "one byte at a time gives {each:?}, whole gives {whole:?}"
        ));
    }
    for cut in cut_points(input.len(), 64) {
        let two = decode_pieces(&[&input[..cut], &input[cut..]])?;
        if two != whole {
            return Err(format!("cut at {cut} gives {two:?}, whole gives {whole:?}"));
        }
    }
    Ok(whole)
}

/// A transport that hands the connection its input in the given pieces,
/// one read each (a read smaller than a piece takes what fits), then end
/// of stream; like [`server::socket::Memory`] otherwise.
pub struct Pieces<'a> {
    pieces: Vec<&'a [u8]>,
    next: usize,
    /// Everything the connection wrote.
    pub output: Vec<u8>,
}

impl<'a> Pieces<'a> {
    /// A stream reading `pieces` in order.
    pub fn new(pieces: Vec<&'a [u8]>) -> Pieces<'a> {
        Pieces {
            pieces,
            next: 0,
            output: Vec::new(),
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.next < self.pieces.len() && self.pieces[self.next].is_empty() {
            self.next += 1;
        }
        let Some(piece) = self.pieces.get_mut(self.next) else {
            return Ok(0);
        };
        let n = piece.len().min(buf.len());
        buf[..n].copy_from_slice(&piece[..n]);
        *piece = &piece[n..];
        Ok(n)
    }
}

impl Write for Pieces<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for Pieces<'_> {
    fn set_read_timeout(&mut self, _: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The server's configuration for these checks: clock stopped, no log.
pub fn server_config() -> server::Config {
    server::Config {
        clock: Arc::new(server::clock::FixedClock(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600),
        )),
        log: false,
        ..Default::default()
    }
}

/// Runs one connection over `pieces` and returns what it wrote.
pub fn serve_pieces(pieces: Vec<&[u8]>, config: &server::Config) -> Vec<u8> {
    let mut stream = Pieces::new(pieces);
    serve(
        &mut stream,
        config,
        SocketAddr::from(([127, 0, 0, 1], 0)),
        0,
    );
    stream.output
}

/// The stream without interim `100 Continue` responses, which a server may
/// send or skip depending on whether the body had already arrived (RFC
/// 9110 §10.1.1), so they depend on how the input was cut.
pub fn without_continue(stream: &[u8]) -> Vec<u8> {
    let mark = server::response::CONTINUE;
    let mut out = Vec::with_capacity(stream.len());
    let mut rest = stream;
    while !rest.is_empty() {
        if rest.starts_with(mark) {
            rest = &rest[mark.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// The status code of every response in a stream written by this server.
///
/// Each response's head ends at the first CRLF CRLF after its status line;
/// its body is as long as its `Content-Length` (every response of this
/// server has one, except 1xx, 204 and 304, RFC 9110 §8.6), except that a
/// response to HEAD has none (RFC 9110 §9.3.2): a length with no room for
/// it, or followed at once by another status line, is taken as that.
pub fn statuses(stream: &[u8]) -> Result<Vec<u16>, String> {
    let mut codes = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        if !rest.starts_with(b"HTTP/1.1 ") || rest.len() < 12 {
            return Err(format!(
                "a response does not start with a status line: {:?}",
                String::from_utf8_lossy(&rest[..rest.len().min(60)])
            ));
        }
        let code: u16 = std::str::from_utf8(&rest[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("a status code is not three digits")?;
        codes.push(code);
        let end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("a response head does not end")?
            + 4;
        let head = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        // A response with a length but no room for it answered a HEAD.
        let body = if end + length <= rest.len() && !looks_like_status(&rest[end..]) {
            length
        } else {
            0
        };
        rest = &rest[end + body..];
    }
    Ok(codes)
}

fn looks_like_status(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HTTP/1.1 ")
        && bytes.len() >= 12
        && bytes[9..12].iter().all(u8::is_ascii_digit)
}

/// The only 5xx a request may earn from this server, each prescribed by
/// the RFCs for something wrong with the request: 501 for a method or
/// transfer coding it does not implement (RFC 9110 §15.6.2, RFC 9112
/// §6.1), 505 for a major version other than 1 (RFC 9110 §15.6.6).
pub const ALLOWED_5XX: &[u16] = &[501, 505];

/// The connection state machine, for any bytes: it returns (no panic, no
/// hang), every response it writes is well formed, none is a 5xx other
/// than [`ALLOWED_5XX`], and cutting the input into pieces changes nothing
/// but interim 100 responses.
pub fn check_connection(input: &[u8], cuts: &[usize]) -> Result<Vec<u16>, String> {
    let config = server_config();
    let whole = serve_pieces(vec![input], &config);
    let codes = statuses(&whole)?;
    if let Some(bad) = codes
        .iter()
        .find(|&&c| c >= 500 && !ALLOWED_5XX.contains(&c))
    {
        return Err(format!("the server answered {bad}"));
    }
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &c in cuts {
        let c = c.min(input.len());
        if c > start {
            pieces.push(&input[start..c]);
            start = c;
        }
    }
    pieces.push(&input[start..]);
    let split = serve_pieces(pieces, &config);
    if without_continue(&split) != without_continue(&whole) {
        return Err(format!(
            "cut at {cuts:?} the server wrote {:?}; whole, {:?}",
            String::from_utf8_lossy(&split),
            String::from_utf8_lossy(&whole)
        ));
    }
    Ok(codes)
}
