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
