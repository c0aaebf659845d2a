//! A response: status line, fields and body, written to any `Write`.
//!
//! The clock is passed in, so the same response written twice with a
//! [`FixedClock`](crate::clock::FixedClock) gives the same bytes. Fields come
//! out in one fixed order:
//!
//! ```text
//! HTTP/1.1 NNN Reason
//! Date / Content-Type / Content-Length / ETag / Last-Modified / Allow / Connection
//! ```
//!
//! each only when it applies, then the empty line and (unless the answer is
//! to a HEAD request) the body.
use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::clock::Clock;
use crate::status::reason_phrase;

/// `text/html; charset=utf-8`
pub const HTML: &str = "text/html; charset=utf-8";
/// `text/plain; charset=utf-8`
pub const TEXT: &str = "text/plain; charset=utf-8";

/// The content of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Bytes that live as long as the program (pages and assets).
    Static(&'static [u8]),
    /// Bytes made for this response (form echo, error pages).
    Owned(Vec<u8>),
    /// Bytes made once and kept for many responses (the guestbook's page).
    Shared(Arc<[u8]>),
}

impl Body {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Static(b) => b,
            Body::Owned(b) => b,
            Body::Shared(b) => b,
        }
    }
}

/// What the `Connection` field says, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No `Connection` field: the HTTP/1.1 default, persistent.
    Default,
    /// `Connection: keep-alive`, for an HTTP/1.0 client that asked for it
    /// (RFC 9112 §9.3, appendix C.2.2).
    KeepAlive,
    /// `Connection: close`: the server closes after this response (RFC 9112 §9.6).
    Close,
}

/// A response, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `Content-Type`, when there is content.
    pub content_type: Option<&'static str>,
    /// `ETag` (RFC 9110 §8.8.3), quotes included.
    pub etag: Option<&'static str>,
    /// `Last-Modified` (RFC 9110 §8.8.2), an IMF-fixdate.
    pub last_modified: Option<&'static str>,
    /// `Allow` (RFC 9110 §10.2.1), for 405 and OPTIONS.
    pub allow: Option<&'static str>,
    /// The `Connection` field.
    pub connection: Connection,
    /// The content. For a 304 it is empty and no `Content-Length` is sent.
    pub body: Body,
    /// Further fields, written in order after `Allow` (`Cache-Control`,
    /// `Vary`, `Location`, `Content-Range`, a CGI script's own fields).
    /// Names and values that are known in advance are not copied.
    pub fields: Vec<(Cow<'static, str>, Value)>,
}

/// A field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text that lives as long as the program.
    Static(&'static str),
    /// Bytes made for this response.
    Owned(Vec<u8>),
    /// Text made once and kept for many responses (the guestbook's
    /// validators).
    Shared(Arc<str>),
}

impl Value {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Value::Static(s) => s.as_bytes(),
            Value::Owned(b) => b,
            Value::Shared(s) => s.as_bytes(),
        }
    }
}

impl From<&'static str> for Value {
    fn from(s: &'static str) -> Value {
        Value::Static(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Owned(s.into_bytes())
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Owned(b)
    }
}

impl From<Arc<str>> for Value {
    fn from(s: Arc<str>) -> Value {
        Value::Shared(s)
    }
}

impl Response {
    /// A response with `status`, no content and no fields beyond `Date`
    /// (and `Content-Length: 0` where a length is due).
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            content_type: None,
            etag: None,
            last_modified: None,
            allow: None,
            connection: Connection::Default,
            body: Body::Static(b""),
            fields: Vec::new(),
        }
    }

    /// Adds a field to [`fields`](Response::fields).
    pub fn add_field(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        self.fields.push((name.into(), value.into()));
    }

    /// A `200 OK` carrying `body` of type `content_type`.
    pub fn ok(content_type: &'static str, body: Body) -> Response {
        Response {
            content_type: Some(content_type),
            body,
            ..Response::empty(200)
        }
    }

    /// An error page: a short HTML document naming the status and saying
    /// what was wrong (`detail`, HTML-escaped here).
    pub fn error(status: u16, detail: &str) -> Response {
        let reason = reason_phrase(status);
        let mut page = Vec::with_capacity(160 + detail.len());
        page.extend_from_slice(b"<!DOCTYPE html>\n<html><head><title>");
        push_status(&mut page, status, reason);
        page.extend_from_slice(b"</title></head>\n<body><h1>");
        push_status(&mut page, status, reason);
        page.extend_from_slice(b"</h1>\n<p>");
        escape_html_into(&mut page, detail.as_bytes());
        page.extend_from_slice(b"</p></body></html>\n");
        Response::ok(HTML, Body::Owned(page)).with_status(status)
    }

    /// The same response with another status code.
    pub fn with_status(mut self, status: u16) -> Response {
        self.status = status;
        self
    }

    /// Whether this status carries no `Content-Length` and no content:
    /// 1xx, 204 (RFC 9110 §8.6: "A server MUST NOT send a Content-Length
    /// header field in any response with a status code of 1xx or 204") and
    /// 304 (§15.4.5: no content; the length a 200 would have is optional
    /// and left out here).
    pub fn is_bodiless(&self) -> bool {
        matches!(self.status, 100..=199 | 204 | 304)
    }

    /// Writes the response. `head_only` answers a HEAD request: the same
    /// fields, `Content-Length` included, and no content (RFC 9110 §9.3.2).
    pub fn write_to<W: Write + ?Sized>(
        &self,
        w: &mut W,
        clock: &dyn Clock,
        head_only: bool,
    ) -> io::Result<()> {
        w.write_all(b"HTTP/1.1 ")?;
        let mut code = [0u8; 3];
        let digits = self.status.min(999);
        code[0] = b'0' + (digits / 100) as u8;
        code[1] = b'0' + (digits / 10 % 10) as u8;
        code[2] = b'0' + (digits % 10) as u8;
        w.write_all(&code)?;
        w.write_all(b" ")?;
        w.write_all(reason_phrase(self.status).as_bytes())?;
        // RFC 9110 §6.6.1: an origin server with a clock MUST send Date.
        w.write_all(b"\r\nDate: ")?;
        w.write_all(&http_date(clock.now()))?;
        w.write_all(b"\r\n")?;
        let bodiless = self.is_bodiless();
        if let (Some(ct), false) = (self.content_type, bodiless) {
            field(w, "Content-Type", ct.as_bytes())?;
        }
        if !bodiless {
            let mut digits = [0u8; 20];
            field(
                w,
                "Content-Length",
                format_u64(self.body.as_bytes().len() as u64, &mut digits),
            )?;
        }
        if let Some(etag) = self.etag {
            field(w, "ETag", etag.as_bytes())?;
        }
        if let Some(lm) = self.last_modified {
            field(w, "Last-Modified", lm.as_bytes())?;
        }
        if let Some(allow) = self.allow {
            field(w, "Allow", allow.as_bytes())?;
        }
        for (name, value) in &self.fields {
            field(w, name, value.as_bytes())?;
        }
        match self.connection {
            Connection::Default => {}
            Connection::KeepAlive => field(w, "Connection", b"keep-alive")?,
            Connection::Close => field(w, "Connection", b"close")?,
        }
        w.write_all(b"\r\n")?;
        if !head_only && !bodiless {
            w.write_all(self.body.as_bytes())?;
        }
        Ok(())
    }
}

fn field<W: Write + ?Sized>(w: &mut W, name: &str, value: &[u8]) -> io::Result<()> {
    w.write_all(name.as_bytes())?;
    w.write_all(b": ")?;
    w.write_all(value)?;
    w.write_all(b"\r\n")
}

fn push_status(out: &mut Vec<u8>, status: u16, reason: &str) {
    let mut digits = [0u8; 20];
    out.extend_from_slice(format_u64(u64::from(status), &mut digits));
    out.push(b' ');
    out.extend_from_slice(reason.as_bytes());
}

/// Formats `n` in decimal into `buf`, returning the digits.
pub fn format_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// Appends `text` to `out` with `&`, `<`, `>`, `"` and `'` escaped, so that
/// it reads as text in HTML content and in quoted attribute values.
pub fn escape_html_into(out: &mut Vec<u8>, text: &[u8]) {
    for &b in text {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            _ => out.push(b),
        }
    }
}

/// The interim `100 Continue` response (RFC 9110 §15.2.1), exact bytes.
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// `Date`'s value for `now` (RFC 9110 §5.6.7, IMF-fixdate, whole seconds),
/// formatted once per second per thread: every response carries it, and
/// formatting it each time was a tenth of writing a response.
fn http_date(now: SystemTime) -> [u8; 29] {
    thread_local! {
        static LAST: Cell<Option<(u64, [u8; 29])>> = const { Cell::new(None) };
    }
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(u64::MAX, |d| d.as_secs());
    LAST.with(|last| {
        if let Some((at, text)) = last.get() {
            if at == secs {
                return text;
            }
        }
        let mut text = [0u8; 29];
        let formatted = httpdate::HttpDate::from(now).to_string();
        text.copy_from_slice(&formatted.as_bytes()[..29]);
        last.set(Some((secs, text)));
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The kept text is the one for the second asked, never the second
    /// before: a thread that wrote a response a second ago writes the new
    /// second now.
    #[test]
    fn date_is_formatted_for_the_second_asked() {
        let base = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(&http_date(base), b"Sun, 06 Nov 1994 08:49:37 GMT");
        let later = base + Duration::from_millis(999);
        assert_eq!(&http_date(later), b"Sun, 06 Nov 1994 08:49:37 GMT");
        let next = base + Duration::from_secs(1);
        assert_eq!(&http_date(next), b"Sun, 06 Nov 1994 08:49:38 GMT");
        let year_later = base + Duration::from_secs(365 * 86_400);
        assert_eq!(&http_date(year_later), b"Mon, 06 Nov 1995 08:49:37 GMT");
        assert_eq!(&http_date(base), b"Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
