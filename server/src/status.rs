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

/// The status code answering `err`.
pub fn status_for(err: &RequestError) -> u16 {
    let _ = err;
    todo!()
}

/// The reason phrase for a status code (RFC 9110 §15).
pub fn reason_phrase(code: u16) -> &'static str {
    let _ = code;
    todo!()
}
