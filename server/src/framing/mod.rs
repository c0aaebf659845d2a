//! Message body framing (RFC 9112 §6, §7).
pub mod chunked;

pub use chunked::ChunkedDecoder;

/// How the request body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: neither Content-Length nor Transfer-Encoding (§6.3 step 7).
    Empty,
    /// Exactly this many bytes (§6.3 step 6).
    Length(u64),
    /// Chunked transfer coding (§6.3 step 4, §7.1).
    Chunked,
}

/// Why a message's framing was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
}

impl Error {
    /// Makes an error of `kind` at byte `offset` (of the body, or 0).
    pub fn new(kind: ErrorKind, offset: usize) -> Error {
        Error { kind, offset }
    }
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// Offset of the offending byte in the body bytes fed so far.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

/// The kinds of framing error.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Occurs when Content-Length is not `1*DIGIT` (RFC 9112 §6.3 step 5).
    ContentLength,
    /// Occurs when Content-Length holds differing values (RFC 9112 §6.3 step 5).
    ConflictingContentLength,
    /// Occurs when Content-Length does not fit in 64 bits.
    ContentLengthOverflow,
    /// Occurs when both Transfer-Encoding and Content-Length are sent (RFC 9112 §6.1).
    TransferEncodingWithContentLength,
    /// Occurs when chunked is not the final transfer coding of a request (RFC 9112 §6.3 step 4).
    ChunkedNotFinal,
    /// Occurs when an HTTP/1.0 request has Transfer-Encoding: "the framing is faulty" (RFC 9112 §6.1).
    TransferEncodingInHttp10,
    /// Occurs when a transfer coding is not understood (501, RFC 9112 §6.1).
    UnknownTransferCoding,
    /// Occurs when a chunk-size is not hexadecimal (RFC 9112 §7.1).
    ChunkSize,
    /// Occurs when a chunk-size does not fit in 64 bits.
    ChunkSizeOverflow,
    /// Occurs when a chunk extension is malformed (RFC 9112 §7.1.1).
    ChunkExtension,
    /// Occurs when a chunk's data is not followed by CRLF, or a line ends badly (RFC 9112 §7.1).
    ChunkDelimiter,
    /// Occurs when a trailer field is malformed (RFC 9112 §7.1.2).
    Trailer,
    /// Occurs when the body is longer than the limit (413, RFC 9110 §15.5.14).
    BodyTooLarge,
}

impl ErrorKind {
    /// A short phrase saying what went wrong.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::ContentLength => "invalid Content-Length",
            ErrorKind::ConflictingContentLength => "conflicting Content-Length values",
            ErrorKind::ContentLengthOverflow => "Content-Length too large to count",
            ErrorKind::TransferEncodingWithContentLength => {
                "both Transfer-Encoding and Content-Length"
            }
            ErrorKind::ChunkedNotFinal => "chunked is not the final transfer coding",
            ErrorKind::TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 request",
            ErrorKind::UnknownTransferCoding => "unknown transfer coding",
            ErrorKind::ChunkSize => "invalid chunk-size",
            ErrorKind::ChunkSizeOverflow => "chunk-size too large to count",
            ErrorKind::ChunkExtension => "invalid chunk extension",
            ErrorKind::ChunkDelimiter => "chunk data not followed by CRLF",
            ErrorKind::Trailer => "invalid trailer field",
            ErrorKind::BodyTooLarge => "body too large",
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at body byte {}", self.kind.describe(), self.offset)
    }
}

impl std::error::Error for Error {}

use crate::parse::{Request, Version};

/// Decides how a request's body is delimited, following RFC 9112 §6.3:
///
/// 1.–2. (responses only: HEAD, 1xx, 204, 304, CONNECT 2xx.)
/// 3. Transfer-Encoding and Content-Length together: the server rejects the
///    request (§6.1: "A server MAY reject a request that contains both
///    Content-Length and Transfer-Encoding"; it must close the connection
///    afterwards either way, which an error does).
/// 4. Transfer-Encoding present: chunked must be the final coding, else
///    "the server MUST respond with the 400 (Bad Request) status code and
///    then close the connection"; any other coding it does not understand
///    gets 501 (§6.1, "SHOULD respond with 501"). In HTTP/1.0 a
///    Transfer-Encoding means "the framing is faulty" (§6.1): 400.
/// 5. An invalid Content-Length: "the server MUST respond with a 400 (Bad
///    Request) status code and then close the connection", unless it is a
///    list of identical valid values, which counts as one.
/// 6. A valid Content-Length: that many bytes.
/// 7. Otherwise a request has no body.
pub fn body_kind(req: &Request<'_, '_>) -> Result<BodyKind, Error> {
    let mut te = false;
    let mut cl = false;
    for h in req.headers {
        te |= h.name.eq_ignore_ascii_case("transfer-encoding");
        cl |= h.name.eq_ignore_ascii_case("content-length");
    }
    let err = |kind| Err(Error::new(kind, 0));
    if te {
        // Step 3.
        if cl {
            return err(ErrorKind::TransferEncodingWithContentLength);
        }
        if req.version < Version::HTTP_11 {
            return err(ErrorKind::TransferEncodingInHttp10);
        }
        return transfer_codings(req).map(|()| BodyKind::Chunked);
    }
    if cl {
        return content_length(req).map(BodyKind::Length);
    }
    Ok(BodyKind::Empty)
}

/// Step 4: the codings of every Transfer-Encoding line, as one list
/// (RFC 9110 §5.3), must end in exactly one `chunked`.
fn transfer_codings(req: &Request<'_, '_>) -> Result<(), Error> {
    let mut codings = 0usize;
    let mut chunked_last = false;
    let mut unknown = false;
    for h in req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("transfer-encoding"))
    {
        // RFC 9110 §5.6.1: a recipient must accept empty list elements.
        for element in h.value.split(|&b| b == b',') {
            let element = trim_ows(element);
            if element.is_empty() {
                continue;
            }
            // transfer-coding = token *( OWS ";" OWS transfer-parameter )
            // (RFC 9112 §7): only the name decides.
            let name = trim_ows(element.split(|&b| b == b';').next().unwrap_or(element));
            if name.is_empty() || !name.iter().all(|&b| crate::parse::TOKEN[b as usize]) {
                return Err(Error::new(ErrorKind::ChunkedNotFinal, 0));
            }
            if chunked_last {
                // Something follows chunked: §6.3 step 4, or chunked applied
                // twice (§6.1: "MUST NOT apply the chunked transfer coding
                // more than once").
                return Err(Error::new(ErrorKind::ChunkedNotFinal, 0));
            }
            codings += 1;
            if name.eq_ignore_ascii_case(b"chunked") {
                // chunked takes no parameters (RFC 9112 §7.1).
                if name.len() != element.len() {
                    return Err(Error::new(ErrorKind::ChunkedNotFinal, 0));
                }
                chunked_last = true;
            } else {
                unknown = true;
            }
        }
    }
    if codings == 0 || !chunked_last {
        Err(Error::new(ErrorKind::ChunkedNotFinal, 0))
    } else if unknown {
        Err(Error::new(ErrorKind::UnknownTransferCoding, 0))
    } else {
        Ok(())
    }
}

/// Steps 5 and 6: `Content-Length = 1*DIGIT` (RFC 9110 §8.6); several lines
/// or a list are accepted only when every value is valid and the same.
fn content_length(req: &Request<'_, '_>) -> Result<u64, Error> {
    let mut found: Option<u64> = None;
    for h in req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
    {
        for element in h.value.split(|&b| b == b',') {
            let n = parse_decimal(trim_ows(element))?;
            match found {
                Some(m) if m != n => {
                    return Err(Error::new(ErrorKind::ConflictingContentLength, 0))
                }
                _ => found = Some(n),
            }
        }
    }
    found.ok_or(Error::new(ErrorKind::ContentLength, 0))
}

/// `1*DIGIT` as a u64: no sign, no space, no hex, no separators.
pub fn parse_decimal(digits: &[u8]) -> Result<u64, Error> {
    if digits.is_empty() {
        return Err(Error::new(ErrorKind::ContentLength, 0));
    }
    let mut n: u64 = 0;
    for (i, &b) in digits.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(Error::new(ErrorKind::ContentLength, i));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(Error::new(ErrorKind::ContentLengthOverflow, i))?;
    }
    Ok(n)
}

/// Strips `OWS = *( SP / HTAB )` from both ends (RFC 9110 §5.6.3).
pub fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}
