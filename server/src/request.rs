//! What a parsed head means for the connection: Host (RFC 9112 §3.2),
//! version (RFC 9110 §6.2), body framing (RFC 9112 §6.3), persistence
//! (RFC 9112 §9.3) and `Expect` (RFC 9110 §10.1.1).
use crate::framing::BodyKind;
use crate::parse::Request;
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
pub fn plan(req: &Request<'_, '_>) -> Result<Plan, RequestError> {
    let _ = req;
    todo!("plan")
}
