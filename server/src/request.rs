//! What a parsed head means for the connection: version (RFC 9110 §6.2),
//! Host (RFC 9112 §3.2), body framing (RFC 9112 §6.3), persistence
//! (RFC 9112 §9.3) and `Expect` (RFC 9110 §10.1.1).
use crate::framing::{self, BodyKind};
use crate::parse::{Header, Request, Version};
use crate::status::RequestError;

/// The connection's plan for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// How the body is delimited.
    pub body: BodyKind,
    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    pub persistent: bool,
    /// Whether to send `100 Continue` before reading the body (RFC 9110 §10.1.1).
    pub expect_continue: bool,
}

/// Checks a parsed head and says how to read its body.
///
/// The checks run in this order, so the answer to a request with several
/// faults is predictable: version (505), Host (400), framing (400, 501),
/// expectation (417).
pub fn plan(req: &Request<'_, '_>) -> Result<Plan, RequestError> {
    // RFC 9110 §6.2: a minor version above 1 is handled as HTTP/1.1; a major
    // version other than 1 gets 505 (RFC 9110 §15.6.6).
    if req.version.major != 1 {
        return Err(RequestError::UnsupportedVersion);
    }
    let http11 = req.version >= Version::HTTP_11;
    check_host(req.headers, http11)?;
    let body = framing::body_kind(req).map_err(RequestError::Framing)?;
    let expect_continue = check_expect(req.headers, http11)?
        && body != BodyKind::Empty
        && body != BodyKind::Length(0);

    // RFC 9112 §9.3: "close" ends persistence; HTTP/1.1 persists by
    // default; HTTP/1.0 persists only with "keep-alive".
    let mut close = false;
    let mut keep_alive = false;
    for value in values(req.headers, "connection") {
        for option in list(value) {
            close |= option.eq_ignore_ascii_case(b"close");
            keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
        }
    }
    let persistent = !close && (http11 || keep_alive);
    Ok(Plan {
        body,
        persistent,
        expect_continue,
    })
}

/// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status
/// code to any HTTP/1.1 request message that lacks a Host header field and
/// to any request message that contains more than one Host header field
/// line or a Host header field with an invalid field value."
fn check_host(headers: &[Header<'_>], http11: bool) -> Result<(), RequestError> {
    let mut hosts = values(headers, "host");
    match (hosts.next(), hosts.next()) {
        (None, _) if http11 => Err(RequestError::Host),
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(RequestError::Host),
        (Some(value), None) => {
            if is_valid_host(value) {
                Ok(())
            } else {
                Err(RequestError::Host)
            }
        }
    }
}

/// `Host = uri-host [ ":" port ]` (RFC 9110 §7.2). An empty value is valid:
/// a client sends one when the target URI has no authority (RFC 9112 §3.2).
pub fn is_valid_host(value: &[u8]) -> bool {
    if value.is_empty() {
        return true;
    }
    let pct_ok = value
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'%')
        .all(|(i, _)| {
            value
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        });
    pct_ok && crate::parse::check_authority(value, false).is_ok()
}

/// RFC 9110 §10.1.1: `Expect = #expectation`; `100-continue` is the only
/// expectation defined. "A server that receives a 100-continue expectation
/// in an HTTP/1.0 request MUST ignore that expectation"; any other
/// expectation may be answered with 417, and is.
fn check_expect(headers: &[Header<'_>], http11: bool) -> Result<bool, RequestError> {
    let mut continue_ = false;
    for value in values(headers, "expect") {
        for expectation in list(value) {
            if expectation.eq_ignore_ascii_case(b"100-continue") {
                continue_ = http11;
            } else {
                return Err(RequestError::Expectation);
            }
        }
    }
    Ok(continue_)
}

/// The values of every field line named `name`, in order.
pub fn values<'a, 'b: 'a>(
    headers: &'a [Header<'b>],
    name: &'a str,
) -> impl Iterator<Item = &'b [u8]> + 'a {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// The non-empty elements of a comma-separated list (RFC 9110 §5.6.1).
pub fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(framing::trim_ows)
        .filter(|e| !e.is_empty())
}
