//! The harness's one reader of HTTP/1.1 messages: lines, heads, fields,
//! request framing and response framing, for every module that looks at
//! wire bytes (the case client, replay, snapshots, head checks, strategies).
//!
//! # Brief overview
//!
//! - [`Lines`], [`head_lines`], [`head_len`]: lines and heads, CRLF or a
//!   bare LF as line end (a faulty peer's bytes must still be read).
//! - [`field`], [`field_names`], [`has_token`], [`method_of`],
//!   [`expects_continue`], [`closes_connection`]: what a head says.
//! - [`frame_requests`]: how many requests a byte stream holds, framed as
//!   RFC 9112 §6.3 says a server frames them, so that a client knows how
//!   many answers to wait for ([`RequestStream`]).
//! - [`split_responses`]: a response stream cut into responses as a client
//!   frames them (RFC 9112 §6.3 again), [`FramedResponse`] each.
//!
//! Everything here is pure: bytes in, positions out, no I/O.

/// RFC 9110 §5.6.2: `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+"
/// / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `bytes` is a `token` (RFC 9110 §5.6.2: `1*tchar`).
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

/// Complete lines without their CRLF or bare LF; `None` once no complete
/// line is left. [`Lines::pos`] is where the unread bytes start.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lines<'a> {
    /// Lines of `bytes` from its start.
    pub fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines { bytes, pos: 0 }
    }

    /// Offset of the first byte not yet returned in a line.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Skips `n` bytes (a chunk's data); `false` if fewer are left.
    fn skip_bytes(&mut self, n: usize) -> bool {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.bytes.len() => {
                self.pos = end;
                true
            }
            _ => false,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = &self.bytes[self.pos..];
        let lf = rest.iter().position(|&b| b == b'\n')?;
        self.pos += lf + 1;
        let line = &rest[..lf];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// Lines of a head without their terminator (LF, or CRLF), up to the empty
/// line; a last line without its LF is included.
pub fn head_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .take_while(|l| !l.is_empty())
}

/// Length of the head at the start of `bytes`: up to and including the
/// first empty line (CRLF or bare LF), or all of `bytes` if there is none.
pub fn head_len(bytes: &[u8]) -> usize {
    let mut lines = Lines::new(bytes);
    while let Some(line) = lines.next() {
        if line.is_empty() {
            return lines.pos();
        }
    }
    bytes.len()
}

/// Length of the head when only CRLF ends a line: just past the first
/// CRLF CRLF, or `None`.
pub fn crlf_head_len(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// The request method: the bytes before the first space.
pub fn method_of(request: &[u8]) -> &[u8] {
    request.split(|&b| b == b' ').next().unwrap_or(b"")
}

/// The value of the first field called `name` (ASCII case-insensitive) in
/// a head, whitespace around it trimmed.
pub fn field<'h>(head: &'h [u8], name: &str) -> Option<&'h [u8]> {
    head_lines(head).skip(1).find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        line[..colon]
            .eq_ignore_ascii_case(name.as_bytes())
            .then(|| line[colon + 1..].trim_ascii())
    })
}

/// Field names of a head in the order they came (the text before each
/// colon, trimmed; lines without a colon are skipped).
pub fn field_names(head: &[u8]) -> Vec<String> {
    head_lines(head)
        .skip(1)
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some(String::from_utf8_lossy(&line[..colon]).trim().to_owned())
        })
        .collect()
}

/// Whether a field called `name` in `head` lists `token` (comma-separated,
/// ASCII case-insensitive), as `Connection: close` does.
pub fn has_token(head: &[u8], name: &str, token: &str) -> bool {
    head_lines(head).skip(1).any(|line| {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        line[..colon]
            .trim_ascii()
            .eq_ignore_ascii_case(name.as_bytes())
            && line[colon + 1..]
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// Whether a request head carries `Expect: 100-continue` (RFC 9110 §10.1.1).
pub fn expects_continue(request: &[u8]) -> bool {
    field_values(&request[..head_len(request)], "expect")
        .any(|v| v.eq_ignore_ascii_case(b"100-continue"))
}

/// Every value of the fields called `name` (names trimmed, values trimmed).
fn field_values<'h>(head: &'h [u8], name: &'h str) -> impl Iterator<Item = &'h [u8]> {
    head_lines(head).skip(1).filter_map(move |line| {
        let colon = line.iter().position(|&b| b == b':')?;
        line[..colon]
            .trim_ascii()
            .eq_ignore_ascii_case(name.as_bytes())
            .then(|| line[colon + 1..].trim_ascii())
    })
}

/// Whether the connection ends after `request` is answered by `response`
/// (RFC 9112 §9.3, §9.6): `close` from either side, HTTP/1.0 without
/// `keep-alive`, or no complete response head.
pub fn closes_connection(request: &[u8], response: &[u8]) -> bool {
    let is_1_0 = |head: &[u8], status_line: bool| {
        head_lines(head).next().is_some_and(|line| {
            if status_line {
                line.starts_with(b"HTTP/1.0")
            } else {
                line.ends_with(b"HTTP/1.0")
            }
        })
    };
    let req_head = &request[..head_len(request)];
    let resp_head = &response[..head_len(response)];
    if response.is_empty() || resp_head.len() == response.len() && !response.ends_with(b"\n") {
        return true;
    }
    has_token(req_head, "connection", "close")
        || has_token(resp_head, "connection", "close")
        || (is_1_0(req_head, false) && !has_token(req_head, "connection", "keep-alive"))
        || (is_1_0(resp_head, true) && !has_token(resp_head, "connection", "keep-alive"))
}

/// Length of a complete chunked body at the start of `bytes` (RFC 9112
/// §7.1: chunks, last chunk, trailer section, final CRLF), or `None` if
/// the bytes end first or a chunk is not framed (a size that is no hex
/// number, data not followed by a line end).
pub fn chunked_len(bytes: &[u8]) -> Option<usize> {
    match read_chunked(bytes) {
        Chunked::Complete(n) => Some(n),
        Chunked::Incomplete | Chunked::Invalid(_) => None,
    }
}

/// How a chunked body at the start of some bytes reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunked {
    /// Complete, this long.
    Complete(usize),
    /// The bytes end before the body does.
    Incomplete,
    /// Occurs when a chunk is not framed; what is wrong.
    Invalid(&'static str),
}

/// Reads a chunked body leniently as to line ends (CRLF or bare LF) and
/// chunk extensions (anything after the size up to the line end).
fn read_chunked(bytes: &[u8]) -> Chunked {
    let mut lines = Lines::new(bytes);
    loop {
        let Some(size_line) = lines.next() else {
            return Chunked::Incomplete;
        };
        let digits = size_line
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let after = &size_line[digits..];
        if digits == 0 || !(after.is_empty() || matches!(after[0], b';' | b' ' | b'\t')) {
            return Chunked::Invalid("a chunk-size that is not a hex number");
        }
        let Some(size) = std::str::from_utf8(&size_line[..digits])
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
        else {
            return Chunked::Invalid("a chunk-size too large to read");
        };
        if size == 0 {
            // Trailer fields, then the empty line.
            loop {
                match lines.next() {
                    None => return Chunked::Incomplete,
                    Some([]) => return Chunked::Complete(lines.pos()),
                    Some(_) => {}
                }
            }
        }
        if !lines.skip_bytes(size) {
            return Chunked::Incomplete;
        }
        // The line end after the chunk data.
        match lines.next() {
            None if bytes.len() - lines.pos() < 2 => return Chunked::Incomplete,
            Some([]) => {}
            _ => return Chunked::Invalid("chunk data not followed by CRLF"),
        }
    }
}

/// One request found in a byte stream by [`frame_requests`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedRequest<'a> {
    /// Offset of its request-line in the stream (empty lines before it skipped).
    pub start: usize,
    /// The head: request-line, field lines, empty line.
    pub head: &'a [u8],
    /// The body as on the wire (chunked framing included).
    pub body: &'a [u8],
    /// The method.
    pub method: &'a [u8],
    /// The server must or will close after answering it: `Connection:
    /// close` (RFC 9112 §9.6), HTTP/1.0 without `keep-alive` (§9.3), or both
    /// Content-Length and Transfer-Encoding (§6.1: "the server MUST close
    /// the connection after responding to such a request").
    pub closes: bool,
    /// It carries `Expect: 100-continue` (RFC 9110 §10.1.1).
    pub expects_continue: bool,
}

impl FramedRequest<'_> {
    /// Offset just past its body.
    pub fn end(&self) -> usize {
        self.start + self.head.len() + self.body.len()
    }
}

/// How a byte stream of requests ends, after its complete requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd<'a> {
    /// At a message boundary (possibly after empty lines a server ignores).
    Boundary,
    /// Inside a request that more bytes would complete: a server waits.
    Incomplete {
        /// Where that request starts.
        start: usize,
        /// Its method, when its request-line is complete.
        method: Option<&'a [u8]>,
    },
    /// At bytes no server can frame as a request: a server answers them with
    /// an error (RFC 9112 §3, §6.3) and is expected to read no further.
    Invalid {
        /// Where the unframeable request starts.
        start: usize,
        /// What is wrong, in words.
        problem: &'static str,
    },
}

/// A stream of requests as [`frame_requests`] read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStream<'a> {
    /// The complete requests, in order.
    pub requests: Vec<FramedRequest<'a>>,
    /// What follows them.
    pub end: StreamEnd<'a>,
}

impl<'a> RequestStream<'a> {
    /// How many final responses a server that reads these bytes as framed
    /// here sends before it stops: one per complete request up to and
    /// including the first after which it closes, plus one for an
    /// unframeable request if it gets that far.
    pub fn answers_expected(&self) -> usize {
        match self.requests.iter().position(|r| r.closes) {
            Some(i) => i + 1,
            None => {
                self.requests.len() + usize::from(matches!(self.end, StreamEnd::Invalid { .. }))
            }
        }
    }

    /// Whether a counted request asks the server to close after it.
    pub fn closes(&self) -> bool {
        self.requests.iter().any(|r| r.closes)
    }

    /// Whether a server is expected to close after its answers: a counted
    /// request asks for it, or the bytes end in an unframeable request
    /// (RFC 9112 §6.3: invalid framing is answered with 400 and a close;
    /// §3: a bad request-line SHOULD be too).
    pub fn expects_close(&self) -> bool {
        self.closes() || matches!(self.end, StreamEnd::Invalid { .. })
    }

    /// The methods of the requests, in order, an incomplete request's
    /// included when its request-line is complete: the n-th final response
    /// answers the n-th of them (RFC 9112 §9.3.2).
    pub fn methods(&self) -> Vec<&'a [u8]> {
        let mut out: Vec<&'a [u8]> = self.requests.iter().map(|r| r.method).collect();
        if let StreamEnd::Incomplete {
            method: Some(m), ..
        } = &self.end
        {
            out.push(m);
        }
        out
    }
}

/// Frames the requests in `bytes` as a server reads them (RFC 9112):
///
/// 1. empty lines before a request-line are skipped (§2.2);
/// 2. the request-line is `method SP request-target SP HTTP-version` with
///    a token for a method (§3); anything else is unframeable;
/// 3. the head runs to the first empty line; lines may end in a bare LF
///    (§2.2 lets a recipient accept it), so that a lenient server's reading
///    is not undercounted;
/// 4. the body (§6.3): `Transfer-Encoding` whose last coding is chunked
///    frames it chunked (it overrides `Content-Length`); any other
///    `Transfer-Encoding` is unframeable; else `Content-Length`, which must
///    be one decimal value (a list of the same value counts once); else
///    there is none.
///
/// Field names are compared after trimming whitespace, as a lenient server
/// does; a strict server rejects such a request and closes, which a client
/// sees as a close. The result says how many answers to wait for
/// ([`RequestStream::answers_expected`]).
pub fn frame_requests(bytes: &[u8]) -> RequestStream<'_> {
    let mut requests = Vec::new();
    let mut pos = 0;
    loop {
        // 1. Empty lines before a request-line.
        while bytes[pos..].starts_with(b"\r\n") || bytes[pos..].starts_with(b"\n") {
            pos += if bytes[pos] == b'\r' { 2 } else { 1 };
        }
        if pos >= bytes.len() || bytes[pos..] == *b"\r" {
            return RequestStream {
                requests,
                end: StreamEnd::Boundary,
            };
        }
        match frame_request(bytes, pos) {
            Framed::Complete(r) => {
                pos = r.end();
                requests.push(r);
            }
            Framed::Incomplete(method) => {
                return RequestStream {
                    requests,
                    end: StreamEnd::Incomplete { start: pos, method },
                }
            }
            Framed::Invalid(problem) => {
                return RequestStream {
                    requests,
                    end: StreamEnd::Invalid {
                        start: pos,
                        problem,
                    },
                }
            }
        }
    }
}

enum Framed<'a> {
    Complete(FramedRequest<'a>),
    Incomplete(Option<&'a [u8]>),
    Invalid(&'static str),
}

/// Frames the one request starting at `start` (steps 2 to 4 of
/// [`frame_requests`]).
fn frame_request(bytes: &[u8], start: usize) -> Framed<'_> {
    let rest = &bytes[start..];
    let mut lines = Lines::new(rest);
    let Some(request_line) = lines.next() else {
        // Not even a request-line yet; bytes that can start none are
        // unframeable already.
        let method_len = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        if !rest[..method_len].iter().all(|&b| is_tchar(b)) {
            return Framed::Invalid("a request-line that starts with no method token");
        }
        return Framed::Incomplete(None);
    };
    let Some(method) = parse_request_line(request_line) else {
        return Framed::Invalid("a request-line that is not method SP target SP HTTP-version");
    };
    // 3. The head.
    let head_end = loop {
        match lines.next() {
            None => return Framed::Incomplete(Some(method)),
            Some([]) => break lines.pos(),
            Some(_) => {}
        }
    };
    let head = &rest[..head_end];
    // 4. The body (RFC 9112 §6.3 steps 3 to 7, as a request reads them).
    let te: Vec<&[u8]> = field_values(head, "transfer-encoding").collect();
    let cl: Vec<&[u8]> = field_values(head, "content-length").collect();
    let after = &rest[head_end..];
    let body_len = if !te.is_empty() {
        let last = te
            .iter()
            .flat_map(|v| v.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .rfind(|c| !c.is_empty());
        if !last.is_some_and(|c| c.eq_ignore_ascii_case(b"chunked")) {
            return Framed::Invalid("a Transfer-Encoding whose last coding is not chunked");
        }
        match read_chunked(after) {
            Chunked::Complete(n) => n,
            Chunked::Incomplete => return Framed::Incomplete(Some(method)),
            Chunked::Invalid(problem) => return Framed::Invalid(problem),
        }
    } else if !cl.is_empty() {
        let mut values = cl
            .iter()
            .flat_map(|v| v.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii);
        let first = values.next().unwrap_or(b"");
        let n = (!first.is_empty() && first.iter().all(u8::is_ascii_digit))
            .then(|| std::str::from_utf8(first).ok()?.parse::<usize>().ok())
            .flatten();
        let Some(n) = n else {
            return Framed::Invalid("a Content-Length that is not one decimal number");
        };
        if values.any(|v| v != first) {
            return Framed::Invalid("Content-Length values that differ");
        }
        if after.len() < n {
            return Framed::Incomplete(Some(method));
        }
        n
    } else {
        0
    };
    let version_1_0 = request_line.ends_with(b"HTTP/1.0");
    let closes = has_token(head, "connection", "close")
        || (version_1_0 && !has_token(head, "connection", "keep-alive"))
        || (!te.is_empty() && !cl.is_empty());
    Framed::Complete(FramedRequest {
        start,
        head,
        body: &after[..body_len],
        method,
        closes,
        expects_continue: expects_continue(head),
    })
}

/// The method of a request-line `method SP request-target SP
/// HTTP-version` (RFC 9112 §3, §2.3), or `None` when it is not one.
fn parse_request_line(line: &[u8]) -> Option<&[u8]> {
    let mut parts = line.split(|&b| b == b' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    let version_ok = version.len() == 8
        && version.starts_with(b"HTTP/")
        && version[5].is_ascii_digit()
        && version[6] == b'.'
        && version[7].is_ascii_digit();
    (parts.next().is_none() && is_token(method) && !target.is_empty() && version_ok)
        .then_some(method)
}

/// The methods of the requests in `bytes`, in order, as
/// [`frame_requests`] frames them (see [`RequestStream::methods`]).
pub fn request_methods(bytes: &[u8]) -> Vec<&[u8]> {
    frame_requests(bytes).methods()
}

/// How a response's body is delimited, as a client reads it
/// (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all: a response to HEAD, 1xx, 204 or 304 (RFC 9112 §6.3
    /// rule 1).
    None(NoBodyReason),
    /// `Transfer-Encoding: chunked` (RFC 9112 §6.3 rule 4, §7.1).
    Chunked,
    /// `Content-Length` (RFC 9112 §6.3 rule 6).
    Length(u64),
    /// Neither: the body runs until the connection closes (RFC 9112 §6.3 rule 8).
    UntilClose,
}

/// Why a response has no body (RFC 9112 §6.3 rule 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoBodyReason {
    /// It answers a HEAD request.
    Head,
    /// Its status is 1xx, 204 or 304.
    Status(u16),
}

/// One response cut out of a stream by [`split_responses`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedResponse<'a> {
    /// Status line and fields, up to and including the empty line.
    pub head: &'a [u8],
    /// The body bytes as they were on the wire (chunked framing included).
    pub body: &'a [u8],
    /// The status code.
    pub status: u16,
    /// The `Content-Type` field value, if any.
    pub content_type: Option<String>,
    /// How the body was delimited.
    pub framing: BodyFraming,
    /// Whether the stream ended before the body did.
    pub truncated: bool,
}

impl FramedResponse<'_> {
    /// Whether it is an interim (1xx) response other than 101, after which
    /// the final response to the same request still comes.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }
}

/// A piece of a response stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// A response with a parseable head.
    Response(FramedResponse<'a>),
    /// Bytes that do not start with a complete response head (garbage, or a
    /// head cut short by the end of the stream): kept as they are.
    Unparsed(&'a [u8]),
}

impl Part<'_> {
    /// The wire bytes this part covers.
    pub fn len(&self) -> usize {
        match self {
            Part::Response(r) => r.head.len() + r.body.len(),
            Part::Unparsed(b) => b.len(),
        }
    }

    /// Whether the part covers no bytes (never true for parts returned by
    /// [`split_responses`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Splits a response stream into responses.
///
/// `methods` are the request methods in the order they were sent; the n-th
/// final (non-1xx) response answers the n-th request, and a response to
/// `HEAD` has no body. Missing methods count as `GET`. The parts always
/// cover the whole stream, in order.
pub fn split_responses<'a>(stream: &'a [u8], methods: &[&[u8]]) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let mut rest = stream;
    let mut request = 0;
    while !rest.is_empty() {
        let Some(head) = parse_response_head(rest) else {
            parts.push(Part::Unparsed(rest));
            break;
        };
        let is_head = methods.get(request).is_some_and(|m| *m == b"HEAD");
        // RFC 9112 §6.3 rule 1: responses to HEAD, and 1xx, 204 and 304
        // responses, end at the empty line after the header section.
        let framing = if is_head {
            BodyFraming::None(NoBodyReason::Head)
        } else if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
            BodyFraming::None(NoBodyReason::Status(head.status))
        } else if head.chunked {
            BodyFraming::Chunked
        } else if let Some(n) = head.content_length {
            BodyFraming::Length(n)
        } else {
            BodyFraming::UntilClose
        };
        let after = &rest[head.len..];
        let (body_len, truncated) = match framing {
            BodyFraming::None(_) => (0, false),
            BodyFraming::Length(n) => match usize::try_from(n) {
                Ok(n) if n <= after.len() => (n, false),
                _ => (after.len(), true),
            },
            BodyFraming::Chunked => match chunked_len(after) {
                Some(n) => (n, false),
                None => (after.len(), true),
            },
            BodyFraming::UntilClose => (after.len(), false),
        };
        if !(100..200).contains(&head.status) {
            request += 1;
        }
        parts.push(Part::Response(FramedResponse {
            head: &rest[..head.len],
            body: &after[..body_len],
            status: head.status,
            content_type: head.content_type,
            framing,
            truncated,
        }));
        rest = &after[body_len..];
    }
    parts
}

/// What framing needs from a response head.
struct ResponseHead {
    len: usize,
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    content_type: Option<String>,
}

/// Reads a response head leniently: lines may end in CRLF or a bare LF, so
/// that a faulty server's bytes can still be split and shown.
fn parse_response_head(bytes: &[u8]) -> Option<ResponseHead> {
    let mut lines = Lines::new(bytes);
    let status_line = lines.next()?;
    let rest = status_line.strip_prefix(b"HTTP/")?;
    let code = rest.splitn(3, |&b| b == b' ').nth(1)?;
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = std::str::from_utf8(code).ok()?.parse().ok()?;
    let mut head = ResponseHead {
        len: 0,
        status,
        content_length: None,
        chunked: false,
        content_type: None,
    };
    loop {
        let line = lines.next()?;
        if line.is_empty() {
            head.len = lines.pos();
            return Some(head);
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = &line[..colon];
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_owned();
        if name.eq_ignore_ascii_case(b"content-length") {
            head.content_length = value.parse().ok();
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            head.chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case(b"content-type") {
            head.content_type = Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    fn count(bytes: &[u8]) -> (usize, StreamEnd<'_>) {
        let s = frame_requests(bytes);
        (s.requests.len(), s.end)
    }

    #[test]
    fn lines_end_in_crlf_or_bare_lf_and_stop_at_an_unfinished_line() {
        let mut lines = Lines::new(b"a\r\nb\nc");
        assert_eq!(lines.next(), Some(&b"a"[..]));
        assert_eq!(lines.next(), Some(&b"b"[..]));
        assert_eq!(lines.next(), None);
        assert_eq!(lines.pos(), 5);
        let head: Vec<&[u8]> = head_lines(b"A\r\nB\n\r\nC").collect();
        assert_eq!(head, [&b"A"[..], b"B"]);
    }

    #[test]
    fn head_len_finds_the_empty_line() {
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 27);
        assert_eq!(head_len(b"GET / HTTP/1.1\nHost: a\n\nbody"), 24);
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost"), 20);
        assert_eq!(crlf_head_len(b"GET / HTTP/1.1\nHost: a\n\nbody"), None);
        assert_eq!(crlf_head_len(GET), Some(GET.len()));
    }

    #[test]
    fn fields_are_read_by_name_in_any_case() {
        let head = b"HTTP/1.0 200 OK\r\ndate: x y \r\nConnection: keep-alive, Close\r\n\r\n";
        assert_eq!(field(head, "Date"), Some(&b"x y"[..]));
        assert_eq!(field(head, "Server"), None);
        assert_eq!(field_names(head), ["date", "Connection"]);
        assert!(has_token(head, "connection", "close"));
        assert!(!has_token(head, "connection", "upgrade"));
        assert!(is_token(b"GET") && !is_token(b"G T") && !is_token(b""));
    }

    #[test]
    fn close_is_read_from_either_side() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        let ok_close =
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        assert!(!closes_connection(GET, ok));
        assert!(closes_connection(GET, ok_close));
        assert!(closes_connection(
            b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n",
            ok
        ));
        assert!(closes_connection(b"GET / HTTP/1.0\r\n\r\n", ok));
        assert!(!closes_connection(
            b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            ok
        ));
        assert!(closes_connection(GET, b""));
    }

    #[test]
    fn expect_continue_is_found_in_the_head_only() {
        assert!(expects_continue(
            b"POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx"
        ));
        assert!(!expects_continue(
            b"POST / HTTP/1.1\r\nContent-Length: 26\r\n\r\nExpect: 100-continue\r\n\r\n"
        ));
    }

    #[test]
    fn chunked_bodies_end_after_the_trailer_section() {
        assert_eq!(chunked_len(b"3\r\nabc\r\n0\r\nX: y\r\n\r\nrest"), Some(19));
        assert_eq!(chunked_len(b"3;ext=1\nabc\n0\n\n"), Some(15));
        assert_eq!(chunked_len(b"3\r\nabc\r\n0\r\n"), None);
        assert_eq!(read_chunked(b"3\r\nab"), Chunked::Incomplete);
        assert_eq!(read_chunked(b"3\r\nabc\r"), Chunked::Incomplete);
        assert!(matches!(read_chunked(b"z\r\n"), Chunked::Invalid(_)));
        assert!(matches!(
            read_chunked(b"3\r\nabcd\r\n"),
            Chunked::Invalid(_)
        ));
    }

    #[test]
    fn pipelined_requests_are_counted_by_their_framing() {
        // A body holding a request line is a body, not a request.
        let post = b"POST / HTTP/1.1\r\nContent-Length: 18\r\n\r\nGET /x HTTP/1.1\r\n\r\n";
        assert_eq!(count(post), (1, StreamEnd::Boundary));
        // A body glued to the next request does not hide it.
        let glued = [
            &b"POST / HTTP/1.1\r\ncOnTeNt-LeNgTh: 5\r\n\r\nx=123"[..],
            GET,
        ]
        .concat();
        let s = frame_requests(&glued);
        assert_eq!(s.methods(), [&b"POST"[..], b"GET"]);
        assert_eq!(s.answers_expected(), 2);
        // Empty lines between requests are skipped (RFC 9112 §2.2).
        assert_eq!(count(&[GET, b"\r\n", GET, b"\r\n"].concat()).0, 2);
    }

    #[test]
    fn chunked_overrides_content_length_and_the_server_must_close() {
        let clte = b"POST / HTTP/1.1\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n";
        let s = frame_requests(clte);
        assert_eq!(s.requests.len(), 2);
        assert!(s.requests[0].closes && s.closes());
        assert_eq!(s.answers_expected(), 1);
    }

    #[test]
    fn unframeable_bytes_get_one_answer() {
        let te = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxx";
        assert!(matches!(
            count(te),
            (0, StreamEnd::Invalid { start: 0, .. })
        ));
        assert_eq!(frame_requests(te).answers_expected(), 1);
        assert!(frame_requests(te).expects_close() && !frame_requests(te).closes());
        assert!(!frame_requests(GET).expects_close());
        let two_lengths = b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx";
        assert!(matches!(count(two_lengths).1, StreamEnd::Invalid { .. }));
        let same = b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nxx";
        assert_eq!(count(same), (1, StreamEnd::Boundary));
        let bad_line = [GET, b"0\r\n\r\n"].concat();
        let s = frame_requests(&bad_line);
        assert_eq!(
            s.end,
            StreamEnd::Invalid {
                start: GET.len(),
                problem: "a request-line that is not method SP target SP HTTP-version"
            }
        );
        assert_eq!(s.answers_expected(), 2);
    }

    /// RFC 9112 §3: a request-line starts with a method token, so bytes
    /// that cannot start one (a TLS ClientHello) are unframeable before
    /// any line ends.
    #[test]
    fn bytes_that_start_no_method_are_invalid_before_a_line_ends() {
        assert!(matches!(
            count(b"\x16\x03\x01"),
            (0, StreamEnd::Invalid { start: 0, .. })
        ));
    }

    /// RFC 9112 §2.2: empty lines before a request-line are ignored, so a
    /// lone CR after a request may be the start of one: still a boundary.
    #[test]
    fn a_lone_cr_after_a_request_is_a_boundary() {
        assert_eq!(count(&[GET, b"\r"].concat()), (1, StreamEnd::Boundary));
    }

    #[test]
    fn an_unfinished_request_gets_no_answer_yet() {
        let s = frame_requests(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
        assert_eq!(s.answers_expected(), 0);
        assert_eq!(s.methods(), [&b"POST"[..]]);
        assert!(matches!(
            count(b"GET / HTTP/1.1\r\nHost: a\r\n").1,
            StreamEnd::Incomplete { .. }
        ));
        assert!(matches!(
            count(b"GET / HT").1,
            StreamEnd::Incomplete { method: None, .. }
        ));
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
        assert_eq!(frame_requests(chunked).answers_expected(), 0);
    }

    #[test]
    fn a_close_ends_the_count() {
        let close = b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        let stream = [GET, close, GET].concat();
        let s = frame_requests(&stream);
        assert_eq!(s.requests.len(), 3);
        assert_eq!(s.answers_expected(), 2);
        let old = frame_requests(b"GET / HTTP/1.0\r\n\r\n");
        assert!(old.closes());
        let kept = frame_requests(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assert!(!kept.closes());
    }

    /// Cut anywhere, a complete stream of requests never frames as more
    /// requests than it holds, and the complete ones before the cut stay.
    #[test]
    fn a_stream_cut_at_every_offset_frames_its_prefix() {
        let stream = [
            &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
            GET,
        ]
        .concat();
        let whole = frame_requests(&stream);
        assert_eq!(whole.requests.len(), 3);
        assert_eq!(whole.end, StreamEnd::Boundary);
        for cut in 0..stream.len() {
            let part = frame_requests(&stream[..cut]);
            let done = whole.requests.iter().filter(|r| r.end() <= cut).count();
            assert_eq!(part.requests.len(), done, "cut at {cut}");
            assert!(
                !matches!(part.end, StreamEnd::Invalid { .. }),
                "cut at {cut}: {:?}",
                part.end
            );
        }
    }

    const OK: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";

    fn lens(parts: &[Part<'_>]) -> Vec<usize> {
        parts.iter().map(Part::len).collect()
    }

    #[test]
    fn content_length_delimits_pipelined_responses() {
        let stream = [OK, OK].concat();
        let parts = split_responses(&stream, &[b"GET", b"GET"]);
        assert_eq!(lens(&parts), vec![OK.len(), OK.len()]);
        let Part::Response(r) = &parts[1] else {
            panic!("not a response: {parts:?}")
        };
        assert_eq!(r.body, b"hello");
        assert!(!r.truncated);
    }

    #[test]
    fn head_and_304_have_no_body_despite_content_length() {
        let not_modified: &[u8] = b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
        let head_resp: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        let stream = [head_resp, not_modified, OK].concat();
        let parts = split_responses(&stream, &[b"HEAD", b"GET", b"GET"]);
        assert_eq!(
            lens(&parts),
            vec![head_resp.len(), not_modified.len(), OK.len()]
        );
    }

    #[test]
    fn interim_responses_do_not_use_up_a_method() {
        let cont: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
        let head_resp: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        let stream = [cont, OK, head_resp].concat();
        let parts = split_responses(&stream, &[b"POST", b"HEAD"]);
        assert_eq!(lens(&parts), vec![cont.len(), OK.len(), head_resp.len()]);
    }

    /// RFC 9110 §15.2.2: after 101 the connection speaks another protocol;
    /// no final HTTP/1.1 response follows, so 101 is not interim.
    #[test]
    fn switching_protocols_is_not_interim() {
        let stream: &[u8] =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n";
        let interim: Vec<bool> = split_responses(stream, &[b"GET"])
            .iter()
            .map(|p| matches!(p, Part::Response(r) if r.is_interim()))
            .collect();
        assert_eq!(interim, [true, false]);
    }

    #[test]
    fn chunked_response_ends_after_last_chunk_and_trailers() {
        let chunked: &[u8] =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\n";
        let stream = [chunked, OK].concat();
        let parts = split_responses(&stream, &[]);
        assert_eq!(lens(&parts), vec![chunked.len(), OK.len()]);
    }

    #[test]
    fn short_body_is_marked_truncated_and_garbage_kept() {
        let parts = split_responses(&OK[..OK.len() - 1], &[]);
        let Part::Response(r) = &parts[0] else {
            panic!()
        };
        assert!(r.truncated);
        let stream = [OK, b"oops\r\n".as_slice()].concat();
        let parts = split_responses(&stream, &[]);
        assert_eq!(parts[1], Part::Unparsed(b"oops\r\n"));
        assert_eq!(split_responses(b"HTTP/1.1 200 OK\r\n", &[]).len(), 1);
    }
}
