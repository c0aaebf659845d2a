//! The tutorial's site, done right: a page at `/`, a picture at
//! `/test.jpg`, and a form that posts back to `/`.
//!
//! | target      | methods                        |
//! |-------------|--------------------------------|
//! | `/`         | GET, HEAD, POST, OPTIONS       |
//! | `/test.jpg` | GET, HEAD, OPTIONS             |
//! | `*`         | OPTIONS (the server as a whole)|
//!
//! Anything else is 404; a method of RFC 9110 §9 that a resource does not
//! allow is 405 with `Allow`; a method this server does not know is 501.
//! The page and the picture carry a strong `ETag` (a hash of their bytes)
//! and a fixed `Last-Modified`, and answer conditional GET/HEAD with 304.
use std::sync::OnceLock;
use std::time::SystemTime;

use crate::parse::table::percent_decode as percent_decode_bytes;
use crate::parse::{Request, TargetForm};
use crate::request::values;
use crate::response::{escape_html_into, Body, Response, HTML};

/// The page at `/`.
pub const INDEX_HTML: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<title>h1check</title>
</head>
<body>
<h1>h1check</h1>
<p>This page is served by h1check's reference HTTP/1.1 server.</p>
<img src=\"test.jpg\" alt=\"A test picture\" width=\"240\" height=\"160\">
<form method=\"post\" action=\"/\">
<label>Your name <input type=\"text\" name=\"name\"></label>
<button type=\"submit\">Send</button>
</form>
</body>
</html>
";

/// The picture at `/test.jpg`, a real JPEG.
pub const TEST_JPG: &[u8] = include_bytes!("../assets/test.jpg");

/// `Last-Modified` of both resources: a constant, not a file time, so that
/// responses are reproducible byte for byte (RFC 9110 §8.8.2).
pub const LAST_MODIFIED: &str = "Thu, 01 Jan 2026 00:00:00 GMT";

/// `Allow` for `/`.
pub const ALLOW_INDEX: &str = "GET, HEAD, POST, OPTIONS";
/// `Allow` for `/test.jpg`.
pub const ALLOW_IMAGE: &str = "GET, HEAD, OPTIONS";
/// `Allow` for `OPTIONS *`: every method some resource here allows.
pub const ALLOW_SERVER: &str = "GET, HEAD, POST, OPTIONS";

/// The methods RFC 9110 §9 defines. Any other is 501 (§15.6.2).
/// Method names are case-sensitive (§9.1): `get` is not `GET`.
pub const KNOWN_METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
];

/// Answers one request. `body` is the decoded content.
///
/// This is the default [`Handler`](crate::config::Handler).
pub fn respond(req: &Request<'_, '_>, body: &[u8]) -> Response {
    let method = req.method;
    // RFC 9110 §15.6.2: 501 when the server does not recognise the method.
    if !KNOWN_METHODS.contains(&method) {
        return Response::error(501, "This server does not implement that method.");
    }
    match resource(req) {
        // Only OPTIONS gets here: the parser lets `*` through for OPTIONS
        // alone (RFC 9112 §3.2.4), and `resource` maps an absolute-form
        // target without a path to the server only for OPTIONS.
        Resource::Server => options(ALLOW_SERVER),
        Resource::Tunnel => {
            // RFC 9110 §9.3.6: CONNECT asks for a tunnel; this is an origin
            // server, not a proxy.
            let mut r = Response::error(405, "This server does not open tunnels.");
            r.allow = Some(ALLOW_SERVER);
            r
        }
        Resource::Index => match method {
            "GET" | "HEAD" => representation(req, HTML, INDEX_HTML.as_bytes(), index_etag()),
            "POST" => post_form(req, body),
            "OPTIONS" => options(ALLOW_INDEX),
            _ => not_allowed(ALLOW_INDEX),
        },
        Resource::Image => match method {
            "GET" | "HEAD" => representation(req, "image/jpeg", TEST_JPG, image_etag()),
            "OPTIONS" => options(ALLOW_IMAGE),
            _ => not_allowed(ALLOW_IMAGE),
        },
        Resource::Missing => Response::error(404, "Nothing lives at this path."),
        // RFC 9110 §7.4: "Unless the connection is from a trusted gateway,
        // an origin server MUST reject a request if any scheme-specific
        // requirements for the target URI are not met. In particular, a
        // request for an "https" resource MUST be rejected unless it has
        // been received over a connection that has been secured". This
        // server speaks plain TCP and serves only "http" URIs; 421
        // (§15.5.20) says the request was misdirected.
        Resource::Misdirected => Response::error(
            421,
            "This server only serves http URIs over this connection.",
        ),
    }
}

enum Resource {
    Server,
    Tunnel,
    Index,
    Image,
    Missing,
    Misdirected,
}

fn resource(req: &Request<'_, '_>) -> Resource {
    let path = match req.form {
        TargetForm::Asterisk => return Resource::Server,
        TargetForm::Authority => return Resource::Tunnel,
        TargetForm::Origin => req.target,
        TargetForm::Absolute if !is_http_scheme(req.target) => return Resource::Misdirected,
        TargetForm::Absolute => match absolute_path(req.target) {
            // RFC 9112 §3.2.4: `OPTIONS http://host` with no path is
            // `OPTIONS *` as it reaches the origin.
            "" if req.method == "OPTIONS" => return Resource::Server,
            "" => "/",
            p => p,
        },
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    match path {
        "/" => Resource::Index,
        "/test.jpg" => Resource::Image,
        _ => Resource::Missing,
    }
}

/// Whether an absolute-form target's scheme is `http` (case-insensitive,
/// RFC 3986 §3.1): the only scheme this plain-TCP server is authoritative for.
fn is_http_scheme(target: &str) -> bool {
    target
        .split_once(':')
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("http"))
}

/// The path and query of an absolute-form target (RFC 9112 §3.2.2): what
/// follows `scheme://authority`. Empty when there is none.
pub fn absolute_path(target: &str) -> &str {
    let after_scheme = match target.find("://") {
        Some(i) => &target[i + 3..],
        None => match target.find(':') {
            Some(i) => &target[i + 1..],
            None => target,
        },
    };
    match after_scheme.find(['/', '?']) {
        Some(i) => &after_scheme[i..],
        None => "",
    }
}

/// RFC 9110 §9.3.7: 200 with `Allow`.
pub fn options(allow: &'static str) -> Response {
    // RFC 9110 §9.3.7 and §8.6: a 200 with `Content-Length: 0`, which a
    // 204 could not carry.
    let mut r = Response::empty(200);
    r.allow = Some(allow);
    r
}

/// RFC 9110 §15.5.6: a 405 MUST carry `Allow`.
pub fn not_allowed(allow: &'static str) -> Response {
    let mut r = Response::error(405, "This resource does not allow that method.");
    r.allow = Some(allow);
    r
}

fn representation(
    req: &Request<'_, '_>,
    content_type: &'static str,
    bytes: &'static [u8],
    etag: &'static str,
) -> Response {
    let mut r = Response::ok(content_type, Body::Static(bytes));
    r.etag = Some(etag);
    r.last_modified = Some(LAST_MODIFIED);
    match preconditions(req, etag) {
        Precondition::Proceed => crate::static_files::apply_range(req, r, etag, last_modified()),
        // RFC 9110 §15.4.5: the 304 carries the Date, ETag (and here
        // Last-Modified) a 200 would, and no content.
        Precondition::NotModified => Response {
            etag: r.etag,
            last_modified: r.last_modified,
            ..Response::empty(304)
        },
        Precondition::Failed => {
            let mut e = precondition_failed();
            e.etag = Some(etag);
            e
        }
    }
}

/// What the conditional fields of a request decide (RFC 9110 §13.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Carry on with the method.
    Proceed,
    /// Answer 304 (GET and HEAD only).
    NotModified,
    /// Answer 412.
    Failed,
}

/// The 412 of [`Precondition::Failed`] (RFC 9110 §15.5.13); callers add
/// the fields their resource carries.
pub fn precondition_failed() -> Response {
    Response::error(412, "A precondition in the request was false.")
}

/// Evaluates `If-Match`, `If-None-Match` and `If-Modified-Since` against a
/// resource whose current entity-tag is `etag` and whose last modification
/// is [`LAST_MODIFIED`], in the order of RFC 9110 §13.2.2.
pub fn preconditions(req: &Request<'_, '_>, etag: &str) -> Precondition {
    preconditions_at(req, etag, last_modified())
}

/// [`preconditions`] for a resource last modified at `modified` (the
/// guestbook's page changes with its entries).
pub fn preconditions_at(req: &Request<'_, '_>, etag: &str, modified: SystemTime) -> Precondition {
    let get_or_head = matches!(req.method, "GET" | "HEAD");
    // Step 1: If-Match, strong comparison (§13.1.1).
    let if_match = list_matches(req, "if-match", etag, true);
    if let Some(false) = if_match {
        return Precondition::Failed;
    }
    // Step 2: If-Unmodified-Since, when there is no If-Match (§13.1.4: "the
    // origin server MUST evaluate the If-Unmodified-Since condition per
    // Section 13.2 prior to performing the method"). The condition is false
    // when the representation was modified after the date; an invalid date
    // (a list of dates included) is ignored.
    if if_match.is_none() {
        if let Some(since) = single_date(req, "if-unmodified-since") {
            if modified > since {
                return Precondition::Failed;
            }
        }
    }
    // Step 3: If-None-Match, weak comparison (§13.1.2); it takes precedence
    // over If-Modified-Since.
    match list_matches(req, "if-none-match", etag, false) {
        Some(true) if get_or_head => return Precondition::NotModified,
        Some(true) => return Precondition::Failed,
        Some(false) => return Precondition::Proceed,
        None => {}
    }
    // Step 4: If-Modified-Since, GET and HEAD only, when no If-None-Match
    // (§13.1.3). An invalid date, or more than one field, is ignored.
    if get_or_head {
        if let Some(since) = single_date(req, "if-modified-since") {
            if modified <= since {
                return Precondition::NotModified;
            }
        }
    }
    Precondition::Proceed
}

/// The HTTP-date of the field `name` when it appears once and parses;
/// `None` when it is absent, repeated or not a valid date.
fn single_date(req: &Request<'_, '_>, name: &str) -> Option<SystemTime> {
    let mut values = values(req.headers, name);
    match (values.next(), values.next()) {
        (Some(value), None) => std::str::from_utf8(value)
            .ok()
            .and_then(|s| httpdate::parse_http_date(s).ok()),
        _ => None,
    }
}

/// Whether any member of the entity-tag lists in the fields called `name`
/// matches `etag` (RFC 9110 §8.8.3.2). `None` when the field is absent.
fn list_matches(req: &Request<'_, '_>, name: &str, etag: &str, strong: bool) -> Option<bool> {
    let mut present = false;
    for value in values(req.headers, name) {
        present = true;
        for member in value.split(|&b| b == b',') {
            let member = member.trim_ascii();
            if member == b"*" {
                return Some(true);
            }
            let (weak, tag) = match member.strip_prefix(b"W/") {
                Some(t) => (true, t),
                None => (false, member),
            };
            // Strong comparison: both strong and equal; weak: opaque-tags equal.
            if tag == etag.as_bytes() && !(strong && weak) {
                return Some(true);
            }
        }
    }
    present.then_some(false)
}

/// When the site's own resources last changed: [`LAST_MODIFIED`].
pub fn last_modified() -> SystemTime {
    static TIME: OnceLock<SystemTime> = OnceLock::new();
    *TIME.get_or_init(|| httpdate::parse_http_date(LAST_MODIFIED).expect("valid constant date"))
}

/// The strong entity-tag of the page at `/`.
pub fn index_etag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| etag_of(INDEX_HTML.as_bytes()))
}

/// The strong entity-tag of `/test.jpg`.
pub fn image_etag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| etag_of(TEST_JPG))
}

/// A strong entity-tag for `bytes`: the 64-bit FNV-1a hash in hex, quoted.
pub fn etag_of(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

fn post_form(req: &Request<'_, '_>, body: &[u8]) -> Response {
    // RFC 9110 §13.2.2: preconditions hold for POST too (`If-None-Match: *`
    // is false here, since `/` has a representation: 412).
    if preconditions(req, index_etag()) != Precondition::Proceed {
        return precondition_failed();
    }
    let form_type = values(req.headers, "content-type")
        .next()
        .is_some_and(is_form_media_type);
    if !form_type {
        // RFC 9110 §15.5.16: 415 for content in a format the resource does not take.
        return Response::error(
            415,
            "The form takes application/x-www-form-urlencoded content only.",
        );
    }
    let fields = match decode_form(body) {
        Ok(f) => f,
        Err(e) => return Response::error(400, e.describe()),
    };
    let mut page = Vec::with_capacity(256 + body.len() * 2);
    page.extend_from_slice(
        b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
          <title>Form received</title>\n</head>\n<body>\n<h1>Form received</h1>\n",
    );
    if fields.is_empty() {
        page.extend_from_slice(b"<p>The form had no fields.</p>\n");
    } else {
        page.extend_from_slice(b"<dl>\n");
        for (name, value) in &fields {
            page.extend_from_slice(b"<dt>");
            escape_html_into(&mut page, name.as_bytes());
            page.extend_from_slice(b"</dt><dd>");
            escape_html_into(&mut page, value.as_bytes());
            page.extend_from_slice(b"</dd>\n");
        }
        page.extend_from_slice(b"</dl>\n");
    }
    page.extend_from_slice(b"<p><a href=\"/\">Back</a></p>\n</body>\n</html>\n");
    Response::ok(HTML, Body::Owned(page))
}

/// Whether a `Content-Type` value names `application/x-www-form-urlencoded`,
/// with any parameters (RFC 9110 §8.3.1: type and subtype are
/// case-insensitive; whitespace may surround `;`).
pub fn is_form_media_type(value: &[u8]) -> bool {
    let essence = value.split(|&b| b == b';').next().unwrap_or(b"");
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
}

/// Why a form body could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormError {
    /// Occurs when `%` is not followed by two hexadecimal digits.
    PercentEncoding,
    /// Occurs when the decoded bytes are not UTF-8.
    Utf8,
}

impl FormError {
    /// A sentence saying what was wrong.
    pub fn describe(self) -> &'static str {
        match self {
            FormError::PercentEncoding => {
                "The form data has a % that is not followed by two hexadecimal digits."
            }
            FormError::Utf8 => "The form data does not decode to UTF-8 text.",
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` bytes (WHATWG URL §5.1):
/// `&`-separated `name=value` pairs, `+` for space, `%XX` for a byte.
/// Empty pairs are skipped; a pair without `=` has an empty value.
pub fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut fields = Vec::new();
    for pair in body.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        fields.push((percent_decode(name)?, percent_decode(value)?));
    }
    Ok(fields)
}

fn percent_decode(input: &[u8]) -> Result<String, FormError> {
    // `+` is a space; swapped before the `%XX` are decoded, so that `%2B`
    // stays a `+`.
    let spaced: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let out = percent_decode_bytes(&spaced).ok_or(FormError::PercentEncoding)?;
    String::from_utf8(out).map_err(|_| FormError::Utf8)
}
