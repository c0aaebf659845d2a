//! The request-head parser: a pure function over a byte slice.
//!
//! [`parse_request`] answers [`Status::Complete`] with the parsed head and
//! where the body starts, [`Status::Partial`] when more bytes are needed (not
//! an error), or an [`Error`] naming what is wrong and at which offset.
//! Nothing is copied: every field is a slice of the caller's buffer, and the
//! header slots are the caller's too, so a request costs no allocation.

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
/// `config.max_header_count`.
pub fn parse_request<'h, 'b>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
    config: &Config,
) -> Result<Status<Request<'h, 'b>>, Error> {
    let _ = (buf, headers, config);
    todo!("parser")
}
