//! Differential oracles: httparse for the request head, and a direct
//! transcription of RFC 9112 §6.3 for body framing.
//!
//! httparse is a dev-dependency used only here, as a second opinion. Where
//! the two parsers give different answers for the same bytes, the case
//! must match one of [`DIFFERENCES`]: a deliberate, written-down choice
//! with its RFC section. Any other disagreement is a bug in one of them.
//!
//! The cargo-fuzz targets include this file by path, so it depends on
//! `server` and `httparse` alone.
#![allow(dead_code)]

use server::framing::{self, BodyKind};
use server::parse::{self, parse_request, ErrorKind, Header, Status};

use super::invariants::SLOTS;

/// What one parser made of the bytes, reduced to what both can say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A complete head: method, target, version, fields, head length.
    Complete(Common),
    /// More bytes needed.
    Partial,
    /// Rejected; the text says why.
    Rejected(String),
}

/// The parts of a parsed head both parsers report.
#[derive(Clone, PartialEq, Eq)]
pub struct Common {
    /// The method.
    pub method: String,
    /// The request-target.
    pub target: String,
    /// `(major, minor)`.
    pub version: (u8, u8),
    /// `(name, value)` of every field line, in order.
    pub fields: Vec<(String, Vec<u8>)>,
    /// Where the body starts.
    pub head_len: usize,
}

impl std::fmt::Debug for Common {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = crate::invariants::fields_text(&self.fields);
        f.debug_struct("Common")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("version", &self.version)
            .field("fields", &fields)
            .field("head_len", &self.head_len)
            .finish()
    }
}

/// The reference parser's verdict, and its error when it rejected.
pub fn ours(input: &[u8]) -> (Verdict, Option<parse::Error>) {
    let mut headers = [Header::EMPTY; SLOTS];
    match parse_request(input, &mut headers, &parse::Config::default()) {
        Ok(Status::Complete(r)) => (
            Verdict::Complete(Common {
                method: r.method.to_owned(),
                target: r.target.to_owned(),
                version: (r.version.major, r.version.minor),
                fields: r
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), h.value.to_vec()))
                    .collect(),
                head_len: r.head_len,
            }),
            None,
        ),
        Ok(Status::Partial) => (Verdict::Partial, None),
        Err(e) => (Verdict::Rejected(format!("{:?}", e.kind())), Some(e)),
    }
}

/// httparse's verdict with its default (strict) configuration.
pub fn theirs(input: &[u8]) -> Verdict {
    let mut headers = [httparse::EMPTY_HEADER; SLOTS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(input) {
        Ok(httparse::Status::Complete(head_len)) => Verdict::Complete(Common {
            method: req.method.unwrap_or_default().to_owned(),
            target: req.path.unwrap_or_default().to_owned(),
            version: (1, req.version.unwrap_or_default()),
            fields: req
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
            head_len,
        }),
        Ok(httparse::Status::Partial) => Verdict::Partial,
        Err(e) => Verdict::Rejected(format!("{e:?}")),
    }
}

/// A deliberate difference from httparse: where this parser is stricter
/// or looser on purpose, and the RFC text that makes it so.
#[derive(Debug)]
pub struct Difference {
    /// A short name.
    pub name: &'static str,
    /// The RFC section that decides.
    pub section: &'static str,
    /// What this parser does, and why.
    pub rule: &'static str,
    /// Whether a disagreement on `input` is this difference.
    pub covers: fn(&Case<'_>) -> bool,
}

/// One disagreement, as the difference predicates see it.
pub struct Case<'a> {
    /// The bytes.
    pub input: &'a [u8],
    /// This parser's verdict.
    pub ours: &'a Verdict,
    /// Its error, when it rejected.
    pub error: Option<parse::Error>,
    /// httparse's verdict.
    pub theirs: &'a Verdict,
}

impl Case<'_> {
    fn our_error(&self, kinds: &[ErrorKind]) -> Option<parse::Error> {
        self.error.filter(|e| kinds.contains(&e.kind()))
    }
    fn their_error(&self, what: &str) -> bool {
        matches!(self.theirs, Verdict::Rejected(e) if e == what)
    }
    fn we_accept_or_wait(&self) -> bool {
        !matches!(self.ours, Verdict::Rejected(_))
    }
}

/// The start of the request-line: past the empty lines before it.
fn request_line_start(input: &[u8]) -> usize {
    input
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(input.len())
}

/// The version text of the request-line: after its second SP.
fn version_text(input: &[u8]) -> &[u8] {
    let line = &input[request_line_start(input)..];
    let mut spaces = line.iter().enumerate().filter(|&(_, &b)| b == b' ');
    match (spaces.next(), spaces.next()) {
        (Some(_), Some((i, _))) => &line[i + 1..],
        _ => b"",
    }
}

/// Every deliberate difference from httparse's defaults.
pub static DIFFERENCES: &[Difference] = &[
    Difference {
        name: "bare LF is not a line terminator",
        section: "RFC 9112 §2.2",
        rule: "a recipient MAY recognize a single LF as a line terminator; this parser \
               does not (unless configured to) and rejects it with 400, so that two \
               recipients cannot disagree on where a line ends; httparse accepts it",
        covers: |c| {
            c.our_error(&[ErrorKind::BareLf]).is_some_and(|e| {
                c.input[e.offset()] == b'\n'
                    && (e.offset() == 0 || c.input[e.offset() - 1] != b'\r')
            })
        },
    },
    Difference {
        name: "request-target must have one of the four forms",
        section: "RFC 9112 §3.2, RFC 3986 §3",
        rule: "the target must be origin-form, absolute-form (http and https need an \
               authority), authority-form for CONNECT only, or asterisk-form for OPTIONS \
               only, made of RFC 3986's characters with valid pct-encoding; httparse \
               accepts any visible ASCII and UTF-8",
        covers: |c| c.our_error(&[ErrorKind::Target]).is_some(),
    },
    Difference {
        name: "any HTTP/DIGIT.DIGIT is a version",
        section: "RFC 9112 §2.3, RFC 9110 §6.2",
        rule: "HTTP-version = HTTP-name \"/\" DIGIT \".\" DIGIT; this parser accepts any \
               digits and the server then answers a major version other than 1 with 505 \
               and treats 1.x as 1.1; httparse rejects all but 1.0 and 1.1",
        covers: |c| {
            let v = version_text(c.input);
            let is_other = |s: &[u8]| {
                s.len() >= 6
                    && s.starts_with(b"HTTP/")
                    && s[5].is_ascii_digit()
                    && (s[5] != b'1' || s.get(7).is_some_and(|&m| m != b'0' && m != b'1'))
            };
            c.their_error("Version") && c.we_accept_or_wait() && is_other(v)
        },
    },
    Difference {
        name: "size and count limits",
        section: "RFC 9112 §3, RFC 6585 §5",
        rule: "a request-line over 8 KiB is 414, a head over 32 KiB or with more than \
               100 fields is 431; httparse has no length limits",
        covers: |c| {
            c.our_error(&[
                ErrorKind::RequestLineTooLong,
                ErrorKind::HeadTooLarge,
                ErrorKind::TooManyHeaders,
            ])
            .is_some()
        },
    },
    Difference {
        name: "whitespace after a field name waits for the colon",
        section: "RFC 9112 §5.1",
        rule: "whitespace between a field name and the colon MUST be rejected with 400; \
               this parser reads on to the colon so that it rejects for the right reason, \
               and so says Partial where httparse already rejects the whitespace",
        covers: |c| {
            matches!(c.ours, Verdict::Partial)
                && c.their_error("HeaderName")
                && c.input.ends_with(b" ") | c.input.ends_with(b"\t")
        },
    },
];

/// Compares the two parsers on `input`. `Ok` when they agree or the
/// disagreement is a listed [`Difference`] (returned), `Err` otherwise.
pub fn differential(input: &[u8]) -> Result<Option<&'static Difference>, String> {
    let (ours, error) = ours(input);
    let theirs = theirs(input);
    let agree = match (&ours, &theirs) {
        (Verdict::Rejected(_), Verdict::Rejected(_)) => true,
        (a, b) => a == b,
    };
    if agree {
        return Ok(None);
    }
    let case = Case {
        input,
        ours: &ours,
        error,
        theirs: &theirs,
    };
    match DIFFERENCES.iter().find(|d| (d.covers)(&case)) {
        Some(d) => Ok(Some(d)),
        None => Err(format!(
            "the parsers disagree and no listed difference covers it:\n  ours:     {ours:?}\n  httparse: {theirs:?}"
        )),
    }
}

/// How a body is framed, as RFC 9112 §6.3 reads for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// This many bytes.
    Length(u64),
    /// Chunked.
    Chunked,
    /// 400: the framing is invalid.
    Invalid,
    /// 501: a transfer coding the server does not implement.
    NotImplemented,
}

/// RFC 9112 §6.3 for a request, written from the text without looking at
/// the server's code, as a second opinion on [`framing::body_kind`]:
///
/// - Transfer-Encoding with Content-Length: rejected (§6.1 allows it; the
///   server chooses to, against smuggling).
/// - Transfer-Encoding in HTTP/1.0: invalid (§6.1).
/// - Transfer-Encoding: the codings, every line's list joined (RFC 9110
///   §5.3), must end in `chunked`, once, without parameters; otherwise 400;
///   another coding before it is 501 (§6.1).
/// - Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values
///   counts as one, anything else is 400 (§6.3 step 5).
pub fn model_framing(version: (u8, u8), fields: &[(String, Vec<u8>)]) -> Framing {
    fn named<'f>(fields: &'f [(String, Vec<u8>)], n: &'f str) -> impl Iterator<Item = &'f [u8]> {
        fields
            .iter()
            .filter(move |(name, _)| name.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_slice())
    }
    let elements = |n: &str| -> Vec<Vec<u8>> {
        named(fields, n)
            .flat_map(|v| v.split(|&b| b == b','))
            .map(|e| {
                let s = String::from_utf8_lossy(e);
                s.trim_matches([' ', '\t']).as_bytes().to_vec()
            })
            .collect()
    };
    let has_te = named(fields, "transfer-encoding").next().is_some();
    let has_cl = named(fields, "content-length").next().is_some();
    if has_te {
        if has_cl || version < (1, 1) {
            return Framing::Invalid;
        }
        let codings: Vec<Vec<u8>> = elements("transfer-encoding")
            .into_iter()
            .filter(|e| !e.is_empty())
            .collect();
        let Some((last, before)) = codings.split_last() else {
            return Framing::Invalid;
        };
        let is_token = |s: &[u8]| !s.is_empty() && s.iter().all(|&b| parse::TOKEN[b as usize]);
        let name_of = |c: &[u8]| -> Vec<u8> {
            let n = c.split(|&b| b == b';').next().unwrap_or(c);
            String::from_utf8_lossy(n)
                .trim_matches([' ', '\t'])
                .as_bytes()
                .to_vec()
        };
        if !last.eq_ignore_ascii_case(b"chunked") {
            return Framing::Invalid;
        }
        for c in before {
            let n = name_of(c);
            if !is_token(&n) || n.eq_ignore_ascii_case(b"chunked") {
                return Framing::Invalid;
            }
        }
        return if before.is_empty() {
            Framing::Chunked
        } else {
            Framing::NotImplemented
        };
    }
    if has_cl {
        let values = elements("content-length");
        let mut found = None;
        for v in values {
            if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
                return Framing::Invalid;
            }
            let Some(n) = std::str::from_utf8(&v)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
            else {
                return Framing::Invalid;
            };
            if found.is_some_and(|f| f != n) {
                return Framing::Invalid;
            }
            found = Some(n);
        }
        return found.map_or(Framing::Invalid, Framing::Length);
    }
    Framing::Empty
}

/// `(name, value)` of every field line, in order.
pub type Fields = Vec<(String, Vec<u8>)>;

/// The server's framing decision for a complete head, in the model's
/// terms, with the version and fields it was made from.
pub fn server_framing(input: &[u8]) -> Option<((u8, u8), Fields, Framing)> {
    let mut headers = [Header::EMPTY; SLOTS];
    let Ok(Status::Complete(req)) = parse_request(input, &mut headers, &parse::Config::default())
    else {
        return None;
    };
    let framing = match framing::body_kind(&req) {
        Ok(BodyKind::Empty) => Framing::Empty,
        Ok(BodyKind::Length(n)) => Framing::Length(n),
        Ok(BodyKind::Chunked) => Framing::Chunked,
        Err(e) if e.kind() == framing::ErrorKind::UnknownTransferCoding => Framing::NotImplemented,
        Err(_) => Framing::Invalid,
    };
    let fields = req
        .headers
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_vec()))
        .collect();
    Some(((req.version.major, req.version.minor), fields, framing))
}

/// Compares the server's framing of a complete head with [`model_framing`].
pub fn framing_differential(input: &[u8]) -> Result<(), String> {
    let Some((version, fields, got)) = server_framing(input) else {
        return Ok(());
    };
    let want = model_framing(version, &fields);
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "body framing (RFC 9112 §6.3): the server says {got:?}, the RFC says {want:?}"
        ))
    }
}

/// What a chunked body amounts to, as RFC 9112 §7.1 reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkedModel {
    /// The body ends after `consumed` bytes and carries `content`.
    Done {
        /// The chunks' data.
        content: Vec<u8>,
        /// Bytes up to and including the final CRLF.
        consumed: usize,
    },
    /// Every byte so far fits the grammar; more are needed.
    Incomplete,
    /// The byte at this offset does not fit the grammar, or passes a bound.
    Invalid(usize),
}

/// Bounds the decoder sets that the grammar does not: they reject bodies
/// the grammar allows, so the model applies them too, at the byte where
/// the decoder's count passes them.
const MODEL_MAX_SIZE_DIGITS: usize = server::framing::chunked::MAX_SIZE_DIGITS;
const MODEL_MAX_EXTENSION_LEN: usize = server::framing::chunked::MAX_EXTENSION_LEN;
const MODEL_MAX_TRAILER_LEN: usize = server::framing::chunked::MAX_TRAILER_LEN;

/// RFC 9112 §7.1 as a recursive-descent reading of the whole input, written
/// from the ABNF rather than from the decoder, as a second opinion on
/// [`server::framing::ChunkedDecoder`]:
///
/// ```text
/// chunked-body   = *chunk last-chunk trailer-section CRLF
/// chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// chunk-size     = 1*HEXDIG
/// last-chunk     = 1*("0") [ chunk-ext ] CRLF
/// chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
/// chunk-ext-val  = token / quoted-string
/// trailer-section = *( field-line CRLF )
/// field-line     = field-name ":" OWS field-value OWS
/// ```
///
/// The grammar is LL(1), so the first byte with no valid continuation is
/// where any reader must reject: the model reports that offset.
pub fn model_chunked(input: &[u8], max_body: u64) -> ChunkedModel {
    match read_chunked(input, max_body) {
        Ok(Some((content, consumed))) => ChunkedModel::Done { content, consumed },
        Ok(None) => ChunkedModel::Incomplete,
        Err(at) => ChunkedModel::Invalid(at),
    }
}

/// `Ok(None)`: ran out of input; `Err(offset)`: that byte does not fit.
type Read<T> = Result<Option<T>, usize>;

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }
}

/// Takes one byte that must satisfy the predicate; at the end of the input
/// returns `Ok(None)`, on any other byte `Err(its offset)`.
macro_rules! need {
    ($c:expr, $pred:expr) => {
        match $c.peek() {
            None => return Ok(None),
            Some(b) if $pred(b) => {
                $c.pos += 1;
                b
            }
            Some(_) => return Err($c.pos),
        }
    };
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_token(b: u8) -> bool {
    parse::TOKEN[b as usize]
}

fn skip_ws(c: &mut Cursor<'_>) {
    while c.peek().is_some_and(is_ws) {
        c.pos += 1;
    }
}

/// Applies a byte-count bound to a part read from `start`: the decoder
/// counts the part's bytes and fails at offset `limit_at`, whatever the
/// byte. `last` is the offset of the last byte it counts, when the part
/// was read to its end.
fn bounded<T>(read: Read<T>, c: &Cursor<'_>, last: usize, limit_at: usize) -> Read<T> {
    match read {
        Err(at) if at >= limit_at => Err(limit_at),
        Ok(Some(_)) if last >= limit_at => Err(limit_at),
        Ok(None) if c.pos > limit_at => Err(limit_at),
        other => other,
    }
}

fn read_chunked(input: &[u8], max_body: u64) -> Read<(Vec<u8>, usize)> {
    let mut c = Cursor { input, pos: 0 };
    let mut content = Vec::new();
    loop {
        // chunk-size = 1*HEXDIG
        let start = c.pos;
        let mut size: u64 = 0;
        need!(c, |b: u8| b.is_ascii_hexdigit());
        c.pos = start;
        while let Some(b) = c.peek().filter(u8::is_ascii_hexdigit) {
            if c.pos - start == MODEL_MAX_SIZE_DIGITS {
                return Err(c.pos);
            }
            let digit = u64::from((b as char).to_digit(16).unwrap());
            size = size
                .checked_mul(16)
                .and_then(|s| s.checked_add(digit))
                .ok_or(c.pos)?;
            c.pos += 1;
        }
        // [ chunk-ext ] CRLF. The decoder counts extension bytes from the
        // one after the first up to the CR, and fails at the count's
        // MAX_EXTENSION_LEN + 1st byte.
        let ext_start = c.pos;
        let read = read_extensions(&mut c);
        let cr = c.pos.saturating_sub(2);
        let ext_limit = ext_start + MODEL_MAX_EXTENSION_LEN + 1;
        if bounded(read, &c, cr, ext_limit)?.is_none() {
            return Ok(None);
        }
        if size == 0 {
            break;
        }
        // RFC 9110 §15.5.14: the decoder refuses, at the LF, a chunk that
        // would make the content longer than its limit.
        if (content.len() as u64).saturating_add(size) > max_body {
            return Err(c.pos - 1);
        }
        // chunk-data CRLF
        let size = size as usize;
        let Some(data) = input.get(c.pos..c.pos + size) else {
            return Ok(None);
        };
        content.extend_from_slice(data);
        c.pos += size;
        need!(c, |b| b == b'\r');
        need!(c, |b| b == b'\n');
    }
    // trailer-section CRLF. The decoder counts every byte of it up to the
    // final CR, and fails at the MAX_TRAILER_LEN + 1st.
    let trailer_start = c.pos;
    let read = read_trailers(&mut c);
    let cr = c.pos.saturating_sub(2);
    let limit = trailer_start + MODEL_MAX_TRAILER_LEN;
    Ok(bounded(read, &c, cr, limit)?.map(|()| (content, c.pos)))
}

/// `trailer-section CRLF`; `field-line = field-name ":" OWS field-value OWS`.
fn read_trailers(c: &mut Cursor<'_>) -> Read<()> {
    loop {
        if c.peek() == Some(b'\r') {
            c.pos += 1;
            need!(c, |b| b == b'\n');
            return Ok(Some(()));
        }
        need!(c, is_token);
        while c.peek().is_some_and(is_token) {
            c.pos += 1;
        }
        need!(c, |b| b == b':');
        while c
            .peek()
            .is_some_and(|b| is_ws(b) || (0x21..=0x7e).contains(&b) || b >= 0x80)
        {
            c.pos += 1;
        }
        need!(c, |b| b == b'\r');
        need!(c, |b| b == b'\n');
    }
}

/// `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) CRLF`.
fn read_extensions(c: &mut Cursor<'_>) -> Read<()> {
    loop {
        skip_ws(c);
        match c.peek() {
            None => return Ok(None),
            Some(b'\r') => {
                // No BWS may stand right before the CRLF.
                if is_ws(c.input[c.pos - 1]) {
                    return Err(c.pos);
                }
                c.pos += 1;
                need!(c, |b| b == b'\n');
                return Ok(Some(()));
            }
            Some(b';') => c.pos += 1,
            Some(_) => return Err(c.pos),
        }
        skip_ws(c);
        need!(c, is_token);
        while c.peek().is_some_and(is_token) {
            c.pos += 1;
        }
        let after_name = c.pos;
        skip_ws(c);
        match c.peek() {
            // No value: what follows is the next ";" or the CRLF, read by
            // the loop, which also refuses BWS before the CRLF.
            Some(b'=') => c.pos += 1,
            Some(b'\r') if c.pos != after_name => return Err(c.pos),
            Some(b';' | b'\r') => continue,
            Some(_) => return Err(c.pos),
            None => return Ok(None),
        }
        skip_ws(c);
        match c.peek() {
            None => return Ok(None),
            Some(b'"') => {
                c.pos += 1;
                let qdtext = |b: u8| b == b'\t' || b == b' ' || (b >= 0x21 && b != 0x7f);
                loop {
                    match need!(c, qdtext) {
                        b'"' => break,
                        b'\\' => {
                            need!(c, qdtext);
                        }
                        _ => {}
                    }
                }
            }
            Some(b) if is_token(b) => {
                while c.peek().is_some_and(is_token) {
                    c.pos += 1;
                }
            }
            Some(_) => return Err(c.pos),
        }
    }
}

/// Compares the decoder, fed `input` whole, with [`model_chunked`]:
/// the same content and end, or the same offending byte.
pub fn chunked_differential(input: &[u8]) -> Result<(), String> {
    let max_body = super::invariants::MAX_BODY;
    let mut decoder = server::framing::ChunkedDecoder::new(max_body);
    let mut content = Vec::new();
    let got = match decoder.decode(input, &mut content) {
        Ok(d) if d.done => ChunkedModel::Done {
            content,
            consumed: d.consumed,
        },
        Ok(_) => ChunkedModel::Incomplete,
        Err(e) => ChunkedModel::Invalid(e.offset()),
    };
    let want = model_chunked(input, max_body);
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "chunked body (RFC 9112 §7.1): the decoder says {got:?}, the grammar says {want:?}"
        ))
    }
}
