//! The one place a request error becomes a status code.
use crate::{framing, parse};

/// Everything that can be wrong with a request before it reaches the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// The head did not parse.
    Parse(parse::Error),
    /// The body's framing is invalid.
    Framing(framing::Error),
    /// An HTTP/1.1 request without Host, with more than one, or with an invalid one (RFC 9112 §3.2).
    Host,
    /// A major version other than 1 (RFC 9110 §15.6.6).
    UnsupportedVersion,
    /// An `Expect` other than `100-continue` (RFC 9110 §10.1.1).
    Expectation,
}

impl RequestError {
    /// A short phrase saying what was wrong, for error pages and logs.
    pub fn describe(&self) -> String {
        match self {
            RequestError::Parse(e) => e.to_string(),
            RequestError::Framing(e) => e.to_string(),
            RequestError::Host => "missing, repeated or invalid Host".to_string(),
            RequestError::UnsupportedVersion => "unsupported HTTP major version".to_string(),
            RequestError::Expectation => "unsupported expectation".to_string(),
        }
    }
}

/// The status code answering `err`.
pub fn status_for(err: &RequestError) -> u16 {
    use framing::ErrorKind as F;
    use parse::ErrorKind as P;
    match err {
        RequestError::Parse(e) => match e.kind() {
            // RFC 9112 §3: "A server that receives a request-target longer
            // than any URI it wishes to parse MUST respond with a 414".
            P::RequestLineTooLong => 414,
            // RFC 6585 §5: 431 Request Header Fields Too Large.
            P::TooManyHeaders | P::HeadTooLarge => 431,
            // RFC 9112 §3, §5: malformed syntax is 400 (RFC 9110 §15.5.1).
            _ => 400,
        },
        RequestError::Framing(e) => match e.kind() {
            // RFC 9112 §6.1: "A server that receives a request message with a
            // transfer coding it does not understand SHOULD respond with 501".
            F::UnknownTransferCoding => 501,
            // RFC 9110 §15.5.14: 413 Content Too Large.
            F::BodyTooLarge => 413,
            // RFC 9112 §6.3: invalid framing "MUST respond with a 400".
            _ => 400,
        },
        RequestError::Host => 400,
        RequestError::UnsupportedVersion => 505,
        RequestError::Expectation => 417,
    }
}

/// The reason phrase for a status code (RFC 9110 §15).
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}
