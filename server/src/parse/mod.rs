//! The request-head parser: a pure function over a byte slice.
//!
//! [`parse_request`] answers [`Status::Complete`] with the parsed head and
//! where the body starts, [`Status::Partial`] when more bytes are needed (not
//! an error), or an [`Error`] naming what is wrong and at which offset.
//! Nothing is copied: every field is a slice of the caller's buffer, and the
//! header slots are the caller's too, so a request costs no allocation.

pub(crate) mod table;

pub use table::TOKEN;
use table::{FIELD_VALUE, REG_NAME, SCHEME, TARGET, TARGET_CLASS};

/// The outcome of a parse that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// The whole head is here.
    Complete(T),
    /// The bytes so far are a valid prefix; more are needed.
    Partial,
}

/// One header field line, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'b> {
    /// The field name, a token (RFC 9110 §5.1), case as sent.
    pub name: &'b str,
    /// The field value, without leading or trailing whitespace (RFC 9112 §5).
    pub value: &'b [u8],
}

impl Header<'_> {
    /// An empty slot, to fill an array of headers before parsing.
    pub const EMPTY: Header<'static> = Header {
        name: "",
        value: b"",
    };
}

/// `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` (RFC 9112 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// The major digit.
    pub major: u8,
    /// The minor digit.
    pub minor: u8,
}

impl Version {
    /// HTTP/1.0
    pub const HTTP_10: Version = Version { major: 1, minor: 0 };
    /// HTTP/1.1
    pub const HTTP_11: Version = Version { major: 1, minor: 1 };
}

/// The four forms of request-target (RFC 9112 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetForm {
    /// `absolute-path [ "?" query ]` (§3.2.1)
    Origin,
    /// `absolute-URI` (§3.2.2)
    Absolute,
    /// `uri-host ":" port`, only for CONNECT (§3.2.3)
    Authority,
    /// `*`, only for OPTIONS (§3.2.4)
    Asterisk,
}

/// A parsed request head. Every slice borrows the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'h, 'b> {
    /// The method token, case-sensitive (RFC 9110 §9.1).
    pub method: &'b str,
    /// The request-target as sent.
    pub target: &'b str,
    /// Which of the four forms the target has.
    pub form: TargetForm,
    /// The protocol version.
    pub version: Version,
    /// The header fields, in order.
    pub headers: &'h [Header<'b>],
    /// Length of the head, final empty line included: the body starts here.
    pub head_len: usize,
}

/// Parser limits and leniencies. Strict by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Longest request-line, CRLF excluded; longer is 414 (RFC 9112 §3).
    pub max_request_line_len: usize,
    /// Longest head (request-line, fields and final CRLF); longer is 431.
    pub max_head_len: usize,
    /// Most header fields; more is 431 (RFC 6585 §5).
    pub max_header_count: usize,
    /// RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line
    /// terminator and ignore any preceding CR". Off by default: a bare LF
    /// is a 400, because recipients that disagree about line ends can be
    /// made to disagree about where a request ends.
    pub allow_bare_lf_line_endings: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_request_line_len: 8 * 1024,
            max_head_len: 32 * 1024,
            max_header_count: 100,
            allow_bare_lf_line_endings: false,
        }
    }
}

/// Why a head was rejected, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
}

impl Error {
    /// Makes an error of `kind` at byte `offset`.
    pub fn new(kind: ErrorKind, offset: usize) -> Error {
        Error { kind, offset }
    }
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Offset of the offending byte in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.kind.describe(), self.offset)
    }
}

impl std::error::Error for Error {}

/// The kinds of malformed head.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Occurs when the method is empty or not a token (RFC 9112 §3.1).
    Method,
    /// Occurs when the request-line is not `method SP target SP version` (RFC 9112 §3).
    RequestLine,
    /// Occurs when the request-target has a forbidden byte or fits none of the four forms (RFC 9112 §3.2).
    Target,
    /// Occurs when the version is not `HTTP/` DIGIT `.` DIGIT (RFC 9112 §2.3).
    Version,
    /// Occurs when the request-line is longer than the limit (414, RFC 9112 §3).
    RequestLineTooLong,
    /// Occurs when a field name is empty or not a token (RFC 9112 §5).
    HeaderName,
    /// Occurs when whitespace stands between a field name and its colon (RFC 9112 §5.1).
    WhitespaceBeforeColon,
    /// Occurs when a field line starts with whitespace: obsolete line folding (RFC 9112 §5.2).
    ObsFold,
    /// Occurs when whitespace stands between the request-line and the first field (RFC 9112 §2.2).
    WhitespaceAfterStartLine,
    /// Occurs when a field value holds a forbidden byte such as NUL or a control (RFC 9110 §5.5).
    HeaderValue,
    /// Occurs when a CR is not followed by LF (RFC 9112 §2.2).
    BareCr,
    /// Occurs when a LF is not preceded by CR and bare LF is not allowed (RFC 9112 §2.2).
    BareLf,
    /// Occurs when there are more header fields than the limit (431).
    TooManyHeaders,
    /// Occurs when the head is longer than the limit (431).
    HeadTooLarge,
}

impl ErrorKind {
    /// A short phrase saying what went wrong.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::Method => "invalid method",
            ErrorKind::RequestLine => "malformed request-line",
            ErrorKind::Target => "invalid request-target",
            ErrorKind::Version => "invalid HTTP-version",
            ErrorKind::RequestLineTooLong => "request-line too long",
            ErrorKind::HeaderName => "invalid field name",
            ErrorKind::WhitespaceBeforeColon => "whitespace between field name and colon",
            ErrorKind::ObsFold => "obsolete line folding",
            ErrorKind::WhitespaceAfterStartLine => "whitespace after the request-line",
            ErrorKind::HeaderValue => "invalid byte in field value",
            ErrorKind::BareCr => "CR not followed by LF",
            ErrorKind::BareLf => "LF without CR",
            ErrorKind::TooManyHeaders => "too many header fields",
            ErrorKind::HeadTooLarge => "request head too large",
        }
    }
}

/// Parses a request head from the start of `buf`, filling `headers`.
///
/// The number of fields accepted is the smaller of `headers.len()` and
/// `config.max_header_count`. Any prefix of a valid head is
/// [`Status::Partial`]; an error is reported as soon as the bytes seen prove
/// it, at the offset of the offending byte, so a prefix of an invalid head
/// is either `Partial` or the same error as the whole.
pub fn parse_request<'h, 'b>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    config: &Config,
) -> Result<Status<Request<'h, 'b>>, Error> {
    // The head may not be longer than `max_head_len`: parse only that much,
    // and if the head has not ended within it, the head is too large.
    let limit = buf.len().min(config.max_head_len);
    let too_large = buf.len() > config.max_head_len;
    let window = &buf[..limit];
    match parse_window(window, headers, config) {
        Ok(Status::Partial) if too_large => Err(Error::new(ErrorKind::HeadTooLarge, limit)),
        other => other,
    }
}

/// What ends a line at `pos`: `Some(len)` of the line terminator, `None`
/// when more bytes are needed; an error for a bare CR or a refused bare LF.
#[inline]
fn line_end(buf: &[u8], pos: usize, config: &Config) -> Result<Option<usize>, Error> {
    match buf[pos] {
        b'\r' => match buf.get(pos + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some(2)),
            // RFC 9112 §2.2: "a recipient of such a bare CR MUST consider
            // that element to be invalid".
            Some(_) => Err(Error::new(ErrorKind::BareCr, pos)),
        },
        // RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line
        // terminator" — only when configured to.
        b'\n' if config.allow_bare_lf_line_endings => Ok(Some(1)),
        b'\n' => Err(Error::new(ErrorKind::BareLf, pos)),
        _ => unreachable!("line_end called on a byte that is not CR or LF"),
    }
}

/// Unwraps a step's `Some`, or returns [`Status::Partial`] for `None`.
macro_rules! ready {
    ($step:expr) => {
        match $step? {
            Some(v) => v,
            None => return Ok(Status::Partial),
        }
    };
}

/// The steps httparse takes, in order: skip empty lines, method, target,
/// version, fields. Each step takes the position it starts at and returns
/// what it read and where the next starts, `None` when the bytes ran out.
fn parse_window<'h, 'b>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    config: &Config,
) -> Result<Status<Request<'h, 'b>>, Error> {
    let pos = ready!(skip_empty_lines(buf, config));
    let line = LineLimit(pos + config.max_request_line_len);
    let (method, pos) = ready!(parse_method(buf, pos, line));
    let (target, form, pos) = ready!(parse_target(buf, pos, method, line));
    let (version, pos) = ready!(parse_version(buf, pos, line, config));
    let (count, head_len) = ready!(parse_fields(buf, pos, headers, config));
    let headers: &'h [Header<'b>] = headers;
    Ok(Status::Complete(Request {
        method,
        target,
        form,
        version,
        headers: &headers[..count],
        head_len,
    }))
}

/// A step's result: `Ok(None)` when more bytes are needed.
type Step<T> = Result<Option<T>, Error>;

/// RFC 9112 §2.2: "a server that is expecting to receive and parse a
/// request-line SHOULD ignore at least one empty line (CRLF) received
/// prior to the request-line." Any number is ignored, within the head
/// limit. Returns where the request-line starts.
fn skip_empty_lines(buf: &[u8], config: &Config) -> Step<usize> {
    let mut pos = 0;
    while let Some(&b) = buf.get(pos) {
        if b != b'\r' && b != b'\n' {
            break;
        }
        match line_end(buf, pos, config)? {
            Some(n) => pos += n,
            None => return Ok(None),
        }
    }
    Ok(Some(pos))
}

/// The first offset past the longest request-line allowed.
#[derive(Clone, Copy)]
struct LineLimit(usize);

impl LineLimit {
    /// Where a scan of `buf` along the request-line stops: the limit or
    /// the end of the bytes, whichever comes first.
    fn end(self, buf: &[u8]) -> usize {
        self.0.min(buf.len())
    }

    /// RFC 9112 §3: "A server that receives a request-target longer than
    /// any URI it wishes to parse MUST respond with a 414".
    fn check(self, i: usize) -> Result<(), Error> {
        if i >= self.0 {
            Err(Error::new(ErrorKind::RequestLineTooLong, i))
        } else {
            Ok(())
        }
    }
}

/// `method = token` and the SP after it (RFC 9112 §3.1).
fn parse_method(buf: &[u8], start: usize, line: LineLimit) -> Step<(&str, usize)> {
    // The two methods browsers send, read at once.
    if start + 4 < line.0 {
        match buf.get(start..start + 5) {
            Some([b'G', b'E', b'T', b' ', _]) => return Ok(Some(("GET", start + 4))),
            Some(b"POST ") => return Ok(Some(("POST", start + 5))),
            _ => {}
        }
    }
    let pos = start + scan(&buf[start..line.end(buf)], &TOKEN);
    let Some(&b) = buf.get(pos) else {
        return Ok(None);
    };
    line.check(pos)?;
    if pos == start {
        return Err(Error::new(ErrorKind::Method, pos));
    }
    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version;
    // exactly one SP, no other whitespace.
    if b != b' ' {
        let kind = match b {
            b'\r' | b'\n' | b'\t' | 0x0b | 0x0c => ErrorKind::RequestLine,
            _ => ErrorKind::Method,
        };
        return Err(Error::new(kind, pos));
    }
    // SAFETY: `buf[start..pos]` was scanned with TOKEN, which admits only
    // ASCII (`tables_admit_only_ascii`).
    #[allow(unsafe_code)]
    let method = unsafe { ascii(&buf[start..pos]) };
    Ok(Some((method, pos + 1)))
}

/// request-target (RFC 9112 §3.2) and the SP after it: scan to the next
/// SP, then classify.
fn parse_target<'b>(
    buf: &'b [u8],
    start: usize,
    method: &str,
    line: LineLimit,
) -> Step<(&'b str, TargetForm, usize)> {
    let end = line.end(buf);
    let mut pos = start;
    let mut seen = 0;
    while pos < end {
        let class = TARGET_CLASS[buf[pos] as usize];
        if class == 0 {
            break;
        }
        seen |= class;
        pos += 1;
    }
    let Some(&b) = buf.get(pos) else {
        return Ok(None);
    };
    line.check(pos)?;
    if b != b' ' {
        let kind = match b {
            b'\r' | b'\n' | b'\t' | 0x0b | 0x0c => ErrorKind::RequestLine,
            _ => ErrorKind::Target,
        };
        return Err(Error::new(kind, pos));
    }
    if pos == start {
        return Err(Error::new(ErrorKind::RequestLine, pos));
    }
    let target = &buf[start..pos];
    // An origin-form target with no `%`, `[` or `]` is all TARGET bytes
    // already: nothing is left to check.
    let form = if seen & table::SPECIAL == 0 && target[0] == b'/' && method != "CONNECT" {
        TargetForm::Origin
    } else {
        classify_target(method, target, start)?
    };
    // SAFETY: `target` was scanned with TARGET_CLASS, which admits only
    // ASCII (`tables_admit_only_ascii`).
    #[allow(unsafe_code)]
    let target = unsafe { ascii(target) };
    Ok(Some((target, form, pos + 1)))
}

/// `HTTP-version = HTTP-name "/" DIGIT "." DIGIT`, case-sensitive (RFC
/// 9112 §2.3), and the end of the request-line.
fn parse_version(
    buf: &[u8],
    start: usize,
    line: LineLimit,
    config: &Config,
) -> Step<(Version, usize)> {
    const PATTERN: &[u8; 8] = b"HTTP/0.0";
    let mut version = Version { major: 0, minor: 0 };
    let fast = start + PATTERN.len() <= line.0 && buf.get(start..start + 8) == Some(b"HTTP/1.1");
    if fast {
        version = Version::HTTP_11;
    }
    for (i, &want) in PATTERN.iter().enumerate().skip(if fast { 8 } else { 0 }) {
        let Some(&b) = buf.get(start + i) else {
            return Ok(None);
        };
        line.check(start + i)?;
        let ok = match i {
            5 => {
                b.is_ascii_digit() && {
                    version.major = b - b'0';
                    true
                }
            }
            7 => {
                b.is_ascii_digit() && {
                    version.minor = b - b'0';
                    true
                }
            }
            _ => b == want,
        };
        if !ok {
            let kind = if i == 0 && b == b' ' {
                ErrorKind::RequestLine
            } else {
                ErrorKind::Version
            };
            return Err(Error::new(kind, start + i));
        }
    }
    let pos = start + PATTERN.len();
    let Some(&b) = buf.get(pos) else {
        return Ok(None);
    };
    if b != b'\r' && b != b'\n' {
        let kind = if b == b' ' || b == b'\t' {
            ErrorKind::RequestLine
        } else {
            ErrorKind::Version
        };
        return Err(Error::new(kind, pos));
    }
    Ok(line_end(buf, pos, config)?.map(|n| (version, pos + n)))
}

/// The field lines and the empty line that ends the head (RFC 9112 §5):
/// how many fields, and the length of the head.
fn parse_fields<'b>(
    buf: &'b [u8],
    mut pos: usize,
    headers: &mut [Header<'b>],
    config: &Config,
) -> Step<(usize, usize)> {
    let max_fields = headers.len().min(config.max_header_count);
    let mut count = 0;
    loop {
        let Some(&b) = buf.get(pos) else {
            return Ok(None);
        };
        match b {
            b'\r' | b'\n' => return Ok(line_end(buf, pos, config)?.map(|n| (count, pos + n))),
            b' ' | b'\t' => {
                // RFC 9112 §2.2: whitespace between the start-line and the
                // first field: "reject the message as invalid". §5.2: a
                // server "MUST either reject the message by sending a 400"
                // or replace obs-fold; this server rejects.
                let kind = if count == 0 {
                    ErrorKind::WhitespaceAfterStartLine
                } else {
                    ErrorKind::ObsFold
                };
                return Err(Error::new(kind, pos));
            }
            _ => {}
        }
        let (header, next) = match parse_field(buf, pos, count == max_fields, config)? {
            Some(v) => v,
            None => return Ok(None),
        };
        headers[count] = header;
        count += 1;
        pos = next;
    }
}

/// `field-line = field-name ":" OWS field-value OWS` and its line end
/// (RFC 9112 §5). `full`: no slot is left, so a well-formed name is
/// [`ErrorKind::TooManyHeaders`].
fn parse_field<'b>(
    buf: &'b [u8],
    start: usize,
    full: bool,
    config: &Config,
) -> Step<(Header<'b>, usize)> {
    let mut pos = start + scan(&buf[start..], &TOKEN);
    let Some(&b) = buf.get(pos) else {
        return Ok(None);
    };
    if b != b':' || pos == start {
        if pos > start && (b == b' ' || b == b'\t') {
            // RFC 9112 §5.1: "A server MUST reject, with a response status
            // code of 400 (Bad Request), any received request message that
            // contains whitespace between a header field name and colon."
            let mut look = pos;
            while let Some(&w) = buf.get(look) {
                match w {
                    b' ' | b'\t' => look += 1,
                    b':' => return Err(Error::new(ErrorKind::WhitespaceBeforeColon, pos)),
                    _ => return Err(Error::new(ErrorKind::HeaderName, pos)),
                }
            }
            return Ok(None);
        }
        return Err(Error::new(ErrorKind::HeaderName, pos));
    }
    if full {
        return Err(Error::new(ErrorKind::TooManyHeaders, start));
    }
    // SAFETY: `buf[start..pos]` was scanned with TOKEN, which admits only
    // ASCII (`tables_admit_only_ascii`).
    #[allow(unsafe_code)]
    let name = unsafe { ascii(&buf[start..pos]) };
    pos += 1;

    // OWS before the value is not part of it (RFC 9112 §5).
    while let Some(&(b' ' | b'\t')) = buf.get(pos) {
        pos += 1;
    }
    let value_start = pos;
    pos += field_value_len(&buf[pos..]);
    let Some(&b) = buf.get(pos) else {
        return Ok(None);
    };
    if b == b'\r' || b == b'\n' {
        let Some(n) = line_end(buf, pos, config)? else {
            return Ok(None);
        };
        // OWS after the value is not part of it either (RFC 9112 §5).
        // These bytes are field-vchar, SP and HTAB only (`field_value_len`
        // stops at every other control), so the ASCII whitespace trimmed
        // here is OWS.
        let value = buf[value_start..pos].trim_ascii_end();
        return Ok(Some((Header { name, value }, pos + n)));
    }
    // RFC 9110 §5.5: NUL and other controls are not field-vchar; "a
    // recipient of CR, LF, or NUL within a field value MUST either reject
    // the message or replace each of those characters with SP". This
    // server rejects.
    Err(Error::new(ErrorKind::HeaderValue, pos))
}

/// How many bytes at the start of `bytes` are in `class`: four at a time
/// (one branch for four lookups), then one by one.
#[inline]
fn scan(bytes: &[u8], class: &[bool; 256]) -> usize {
    let mut i = 0;
    while let Some(&[a, b, c, d]) = bytes.get(i..i + 4) {
        if !(class[a as usize] & class[b as usize] & class[c as usize] & class[d as usize]) {
            break;
        }
        i += 4;
    }
    while i < bytes.len() && class[bytes[i] as usize] {
        i += 1;
    }
    i
}

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGH: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `w` below 0x20 (Bit Twiddling Hacks'
/// "hasless"; bytes from 0x80 up have their high bit set, so `!w` clears
/// theirs), and of each byte equal to 0x7F (a zero byte of `w ^ 0x7F…`).
/// A borrow can only set bits above a byte that is really found, so the
/// lowest bit set is exact.
#[inline]
fn controls(w: u64) -> u64 {
    let del = w ^ (ONES * 0x7f);
    (w.wrapping_sub(ONES * 0x20) & !w | del.wrapping_sub(ONES) & !del) & HIGH
}

/// How many bytes at the start of `bytes` may stand in a field value:
/// field-vchar, SP and HTAB (RFC 9110 §5.5). Sixteen bytes at a time while
/// there is no control and no DEL; otherwise the first such byte is found
/// from its word's mask, and the scan goes on past an HTAB.
#[inline]
fn field_value_len(bytes: &[u8]) -> usize {
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
    let mut i = 0;
    while i + 16 <= bytes.len() {
        let (a, b) = (controls(word(i)), controls(word(i + 8)));
        if a | b == 0 {
            i += 16;
            continue;
        }
        let at = if a != 0 {
            i + a.trailing_zeros() as usize / 8
        } else {
            i + 8 + b.trailing_zeros() as usize / 8
        };
        if bytes[at] != b'\t' {
            return at;
        }
        i = at + 1;
    }
    while i + 8 <= bytes.len() {
        let a = controls(word(i));
        if a == 0 {
            i += 8;
            continue;
        }
        let at = i + a.trailing_zeros() as usize / 8;
        if bytes[at] != b'\t' {
            return at;
        }
        i = at + 1;
    }
    i + scan(&bytes[i..], &FIELD_VALUE)
}

/// Which of the four forms `target` has, given the method (RFC 9112 §3.2).
fn classify_target(method: &str, target: &[u8], offset: usize) -> Result<TargetForm, Error> {
    let bad = |i: usize| Err(Error::new(ErrorKind::Target, offset + i));
    check_percent(target, offset)?;
    if method == "CONNECT" {
        // RFC 9112 §3.2.3: "the authority-form ... is only used for CONNECT
        // requests"; authority-form = uri-host ":" port.
        return match check_authority(target, true) {
            Ok(()) => Ok(TargetForm::Authority),
            Err(i) => bad(i),
        };
    }
    match target[0] {
        // RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ]
        b'/' => match target.iter().position(|&b| !TARGET[b as usize]) {
            None => Ok(TargetForm::Origin),
            Some(i) => bad(i),
        },
        // RFC 9112 §3.2.4: asterisk-form = "*", only for OPTIONS.
        b'*' if target.len() == 1 => {
            if method == "OPTIONS" {
                Ok(TargetForm::Asterisk)
            } else {
                bad(0)
            }
        }
        b if b.is_ascii_alphabetic() => {
            check_absolute(target).map_or_else(bad, |()| Ok(TargetForm::Absolute))
        }
        _ => bad(0),
    }
}

/// `pct-encoded = "%" HEXDIG HEXDIG` (RFC 3986 §2.1).
fn check_percent(target: &[u8], offset: usize) -> Result<(), Error> {
    let mut i = 0;
    while i < target.len() {
        if target[i] == b'%' {
            let ok = target
                .get(i + 1..i + 3)
                .is_some_and(|h| h[0].is_ascii_hexdigit() && h[1].is_ascii_hexdigit());
            if !ok {
                return Err(Error::new(ErrorKind::Target, offset + i));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// absolute-form = absolute-URI (RFC 9112 §3.2.2), with the authority that
/// an `http` or `https` URI needs (RFC 9110 §4.2.1, §4.2.4). Returns the
/// offset of the first bad byte.
fn check_absolute(target: &[u8]) -> Result<(), usize> {
    let colon = target
        .iter()
        .position(|&b| !SCHEME[b as usize])
        .ok_or(target.len())?;
    if target[colon] != b':' {
        return Err(colon);
    }
    let scheme = &target[..colon];
    let rest = &target[colon + 1..];
    let is_http = scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"https");
    if let Some(after) = rest.strip_prefix(b"//") {
        let start = colon + 3;
        let end = after
            .iter()
            .position(|&b| b == b'/' || b == b'?')
            .unwrap_or(after.len());
        let authority = &after[..end];
        // RFC 9110 §4.2.4: a recipient "SHOULD parse for userinfo and treat
        // its presence as an error"; §4.2.1: an empty host "MUST" be rejected.
        if is_http && authority.is_empty() {
            return Err(start);
        }
        check_authority(authority, false).map_err(|i| start + i)?;
        let path = &after[end..];
        if let Some(i) = path.iter().position(|&b| !TARGET[b as usize]) {
            return Err(start + end + i);
        }
        Ok(())
    } else if is_http {
        Err(colon + 1)
    } else {
        match rest.iter().position(|&b| !TARGET[b as usize]) {
            None => Ok(()),
            Some(i) => Err(colon + 1 + i),
        }
    }
}

/// `authority = host [ ":" port ]` without userinfo; with `need_port`,
/// `uri-host ":" port` as in authority-form (RFC 9112 §3.2.3). Returns the
/// offset of the first bad byte.
pub(crate) fn check_authority(authority: &[u8], need_port: bool) -> Result<(), usize> {
    let host_end = if authority.first() == Some(&b'[') {
        // IP-literal = "[" ( IPv6address / IPvFuture ) "]"
        let close = authority.iter().position(|&b| b == b']').ok_or(0usize)?;
        let inner = &authority[1..close];
        if inner.is_empty()
            || !inner
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.' || b == b'v' || b == b'V')
        {
            return Err(1);
        }
        close + 1
    } else {
        match authority.iter().position(|&b| !REG_NAME[b as usize]) {
            Some(i) if authority[i] != b':' => return Err(i),
            Some(i) => i,
            None => authority.len(),
        }
    };
    let port = &authority[host_end..];
    match port.split_first() {
        None if need_port => Err(host_end),
        None => Ok(()),
        Some((b':', digits)) => match digits.iter().position(|b| !b.is_ascii_digit()) {
            None if need_port && digits.is_empty() => Err(host_end + 1),
            None => Ok(()),
            Some(i) => Err(host_end + 1 + i),
        },
        Some(_) => Err(host_end),
    }
}

/// The method, the target or a field name as text, without checking the
/// bytes again: the caller has just scanned them with a table of this
/// module ([`TOKEN`], `TARGET_CLASS`), and checking again here cost a
/// quarter of the parse.
///
/// # Safety
///
/// `bytes` must be ASCII. No table of this module admits a byte above 0x7F
/// (`tables_admit_only_ascii` checks each), so bytes that one admitted
/// one by one are.
#[inline]
#[allow(unsafe_code)]
unsafe fn ascii(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: ASCII is UTF-8, which is all `from_utf8_unchecked` asks; the
    // caller promises ASCII.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}
