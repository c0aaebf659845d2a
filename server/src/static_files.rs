//! A folder served under `/files/`, as Python's `http.server` serves one:
//! content types by extension, `ETag` and `Last-Modified` with conditional
//! GET (RFC 9110 §13), single-range requests (§14), HEAD, and an HTML
//! listing for a directory.
//!
//! No request can reach outside the folder. A target is refused (404)
//! before the file system is asked when any of its segments is empty (a
//! doubled slash, which would also make an absolute path), `.` or `..`,
//! in plain or percent-encoded form, or decodes to something holding `/`,
//! `\`, NUL or another control character. What remains is joined to the
//! root and resolved with every symbolic link followed; a result outside
//! the root (a link pointing out) is refused too.
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::parse::Request;
use crate::request::values;
use crate::response::{escape_html_into, Body, Response, HTML};
use crate::site::{not_allowed, options, precondition_failed, preconditions_at, Precondition};

/// Where the folder given to `--root` is served.
pub const FILES_PREFIX: &str = "/files";

/// `Allow` for everything under `/files/`.
pub const ALLOW_FILES: &str = "GET, HEAD, OPTIONS";

/// Largest file served; a larger one is 500 (files are read whole).
pub const MAX_FILE: u64 = 64 << 20;

/// A folder to serve.
#[derive(Debug, Clone)]
pub struct StaticFiles {
    root: PathBuf,
}

/// Why a path is refused before the file system is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Occurs when the path is not absolute or has an empty segment (`//`).
    EmptySegment,
    /// Occurs when a segment is `.` or `..`, plain or percent-encoded.
    DotSegment,
    /// Occurs when a segment has a bad `%` escape or does not decode to UTF-8.
    BadEscape,
    /// Occurs when a segment holds or decodes to `/`, `\`, NUL or a control character.
    BadCharacter,
}

impl StaticFiles {
    /// Serves `root`, which must be a directory.
    pub fn new(root: &Path) -> io::Result<StaticFiles> {
        let root = root.canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(StaticFiles { root })
    }

    /// The folder served, resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers a request whose target is `/files` followed by `rest`
    /// (path and query).
    pub fn respond(&self, req: &Request<'_, '_>, rest: &str) -> Response {
        match req.method {
            "GET" | "HEAD" => {}
            "OPTIONS" => return options(ALLOW_FILES),
            _ => return not_allowed(ALLOW_FILES),
        }
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        if path.is_empty() {
            return redirect(&format!("{FILES_PREFIX}/"), query);
        }
        let Some(file) = self.resolve(path) else {
            return not_found();
        };
        let meta = match fs::metadata(&file) {
            Ok(m) => m,
            Err(_) => return not_found(),
        };
        if meta.is_dir() {
            if !path.ends_with('/') {
                // As Python's server does: the listing's relative links
                // need the trailing slash.
                return redirect(&format!("{FILES_PREFIX}{path}/"), query);
            }
            return match listing(&file, path) {
                Ok(page) => Response::ok(HTML, Body::Owned(page)),
                Err(_) => Response::error(403, "This folder cannot be listed."),
            };
        }
        if !meta.is_file() {
            return not_found();
        }
        serve_file(req, &file, &meta)
    }

    /// The file a URL path (after `/files`) names, or `None` when it is
    /// refused or lies outside the root.
    pub fn resolve(&self, path: &str) -> Option<PathBuf> {
        let segments = check_path(path).ok()?;
        let mut joined = self.root.clone();
        for s in &segments {
            joined.push(s);
        }
        // Follow every symbolic link, then insist on staying inside.
        let real = joined.canonicalize().ok()?;
        real.starts_with(&self.root).then_some(real)
    }
}

/// Splits a URL path into decoded segments, refusing any that could climb
/// out of a folder or name something else than it seems (see the module
/// documentation). A trailing slash gives no segment.
pub fn check_path(path: &str) -> Result<Vec<String>, Refusal> {
    let Some(inner) = path.strip_prefix('/') else {
        return Err(Refusal::EmptySegment);
    };
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let mut out = Vec::new();
    if inner.is_empty() {
        return Ok(out);
    }
    for raw in inner.split('/') {
        if raw.is_empty() {
            return Err(Refusal::EmptySegment);
        }
        let decoded = percent_decode(raw).ok_or(Refusal::BadEscape)?;
        if decoded == "." || decoded == ".." {
            return Err(Refusal::DotSegment);
        }
        if decoded
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
        {
            return Err(Refusal::BadCharacter);
        }
        out.push(decoded);
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    String::from_utf8(crate::parse::table::percent_decode(s.as_bytes())?).ok()
}

fn not_found() -> Response {
    Response::error(404, "Nothing lives at this path.")
}

/// RFC 9110 §15.4.2: 301 with `Location`.
fn redirect(location: &str, query: Option<&str>) -> Response {
    let mut target = location.to_owned();
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    let mut r = Response::error(301, "This folder's address ends with a slash.");
    r.add_field("Location", target);
    r
}

/// The content type for a file name, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => HTML,
        "txt" | "text" | "md" | "rs" | "toml" => "text/plain; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "csv" => "text/csv; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// What a file's validators are.
struct Validators {
    etag: String,
    modified: SystemTime,
}

fn validators(meta: &fs::Metadata) -> Validators {
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let since = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
    // Last-Modified has one-second resolution; the ETag keeps the nanoseconds.
    let modified = UNIX_EPOCH + std::time::Duration::from_secs(since.as_secs());
    Validators {
        etag: format!(
            "\"{:x}-{:x}.{:x}\"",
            meta.len(),
            since.as_secs(),
            since.subsec_nanos()
        ),
        modified,
    }
}

fn serve_file(req: &Request<'_, '_>, file: &Path, meta: &fs::Metadata) -> Response {
    let len = meta.len();
    if len > MAX_FILE {
        return Response::error(500, "This file is too large for this server to send.");
    }
    let v = validators(meta);
    let last_modified = httpdate::fmt_http_date(v.modified);
    let with_validators = |mut r: Response| {
        r.add_field("ETag", v.etag.clone());
        r.add_field("Last-Modified", last_modified.clone());
        r
    };
    // RFC 9110 §13.2.2, in the order the site uses, against the file's own
    // entity-tag and modification time.
    match preconditions_at(req, &v.etag, v.modified) {
        Precondition::Proceed => {}
        Precondition::NotModified => {
            // RFC 9110 §15.4.5: the validators a 200 would carry, no content.
            return with_validators(Response::empty(304));
        }
        Precondition::Failed => {
            return precondition_failed();
        }
    }
    let ctype = content_type(file);
    // RFC 9110 §14.2: range handling is defined for GET only.
    let range = requested_range(req, len, &v.etag, v.modified);
    let (status, start, count) = match range {
        RangeAsk::None => (200, 0, len),
        RangeAsk::Satisfiable(first, last) => (206, first, last - first + 1),
        RangeAsk::Unsatisfiable => {
            // RFC 9110 §15.5.17: 416 with `Content-Range: bytes */length`.
            let mut r = Response::error(416, "The requested range is not within the file.");
            r.add_field("Content-Range", format!("bytes */{len}"));
            r.add_field("Accept-Ranges", "bytes");
            return with_validators(r);
        }
    };
    let bytes = match read_part(file, start, count) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            return Response::error(403, "This file cannot be read.");
        }
        Err(_) => return not_found(),
    };
    let mut r = Response::ok(ctype, Body::Owned(bytes)).with_status(status);
    // RFC 9110 §14.3: say that byte ranges are supported.
    r.add_field("Accept-Ranges", "bytes");
    if status == 206 {
        // RFC 9110 §14.4: `Content-Range: bytes first-last/complete-length`.
        r.add_field(
            "Content-Range",
            format!("bytes {start}-{}/{len}", start + count - 1),
        );
    }
    with_validators(r)
}

fn read_part(file: &Path, start: u64, count: u64) -> io::Result<Vec<u8>> {
    let mut f = File::open(file)?;
    f.seek(SeekFrom::Start(start))?;
    let mut out = Vec::with_capacity(count as usize);
    f.take(count).read_to_end(&mut out)?;
    if (out.len() as u64) < count {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank"));
    }
    Ok(out)
}

/// What a `Range` field asks of a representation of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAsk {
    /// No usable single byte range: send the whole representation (a
    /// missing, invalid, non-`bytes` or multi-range field is ignored, which
    /// RFC 9110 §14.2 allows: "A server MAY ignore the Range header field").
    None,
    /// `first..=last`, within the representation.
    Satisfiable(u64, u64),
    /// A valid range that selects nothing: 416.
    Unsatisfiable,
}

/// The range a request asks of a representation of `len` bytes with
/// validators `etag` and `modified`: RFC 9110 §14.2 (GET only) and
/// §13.1.5 (`If-Range` must hold).
fn requested_range(req: &Request<'_, '_>, len: u64, etag: &str, modified: SystemTime) -> RangeAsk {
    if req.method == "GET" && if_range_holds(req, etag, modified) {
        single_range(req, len)
    } else {
        RangeAsk::None
    }
}

fn single_range(req: &Request<'_, '_>, len: u64) -> RangeAsk {
    let mut fields = values(req.headers, "range");
    match (fields.next(), fields.next()) {
        (Some(value), None) => parse_range(value, len),
        _ => RangeAsk::None,
    }
}

/// Parses `Range: bytes=first-last`, `bytes=first-` or `bytes=-suffix`
/// (RFC 9110 §14.1.2) against a representation of `len` bytes.
pub fn parse_range(value: &[u8], len: u64) -> RangeAsk {
    let Ok(value) = std::str::from_utf8(value) else {
        return RangeAsk::None;
    };
    let Some((unit, set)) = value.trim().split_once('=') else {
        return RangeAsk::None;
    };
    // Range units are case-insensitive (§14.1).
    if !unit.eq_ignore_ascii_case("bytes") || set.contains(',') {
        return RangeAsk::None;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return RangeAsk::None;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let number = |s: &str| s.parse::<u64>().ok();
    match (first, last) {
        ("", suffix) if digits(suffix) => match number(suffix) {
            // §14.1.2: a suffix-length of 0, or any suffix of an empty
            // representation, selects nothing.
            Some(0) => RangeAsk::Unsatisfiable,
            _ if len == 0 => RangeAsk::Unsatisfiable,
            Some(n) => RangeAsk::Satisfiable(len.saturating_sub(n), len - 1),
            None => RangeAsk::Satisfiable(0, len - 1),
        },
        (first, "") if digits(first) => match number(first) {
            Some(f) if f < len => RangeAsk::Satisfiable(f, len - 1),
            _ => RangeAsk::Unsatisfiable,
        },
        (first, last) if digits(first) && digits(last) => {
            let f = number(first);
            let l = number(last);
            match (f, l) {
                // §14.1.1: last-pos < first-pos makes the range invalid.
                (Some(f), Some(l)) if l < f => RangeAsk::None,
                (Some(f), Some(l)) if f < len => RangeAsk::Satisfiable(f, l.min(len - 1)),
                (Some(_), _) | (None, _) => RangeAsk::Unsatisfiable,
            }
        }
        _ => RangeAsk::None,
    }
}

/// RFC 9110 §13.1.5: a Range applies only when `If-Range` (if any) holds:
/// a strong entity-tag equal to the current one, or an HTTP-date equal to
/// `Last-Modified` (a weak tag never matches).
fn if_range_holds(req: &Request<'_, '_>, etag: &str, modified: SystemTime) -> bool {
    let Some(value) = values(req.headers, "if-range").next() else {
        return true;
    };
    let value = value.trim_ascii();
    if value.starts_with(b"\"") {
        return value == etag.as_bytes();
    }
    if value.starts_with(b"W/") {
        return false;
    }
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| httpdate::parse_http_date(s).ok())
        .is_some_and(|d| d == modified)
}

/// Answers a single byte range of an in-memory representation (the site's
/// page and picture): `full` is the 200 a GET would get, with entity-tag
/// `etag` and modification time `modified`. A GET with one satisfiable
/// range (and an `If-Range` that holds) gets 206 with `Content-Range`, an
/// unsatisfiable one 416; anything else gets `full` unchanged. The site
/// does not send `Accept-Ranges` (RFC 9110 §14.3: a MAY).
pub fn apply_range(
    req: &Request<'_, '_>,
    full: Response,
    etag: &str,
    modified: SystemTime,
) -> Response {
    if full.status != 200 {
        return full;
    }
    let len = full.body.as_bytes().len() as u64;
    match requested_range(req, len, etag, modified) {
        RangeAsk::None => full,
        RangeAsk::Unsatisfiable => {
            let mut r =
                Response::error(416, "The requested range is not within the representation.");
            r.add_field("Content-Range", format!("bytes */{len}"));
            r
        }
        RangeAsk::Satisfiable(first, last) => {
            let part = &full.body.as_bytes()[first as usize..=last as usize];
            let body = match full.body {
                Body::Static(b) => Body::Static(&b[first as usize..=last as usize]),
                Body::Owned(_) | Body::Shared(_) => Body::Owned(part.to_vec()),
            };
            let mut r = Response { body, ..full }.with_status(206);
            // RFC 9110 §15.3.7: a single-part 206 MUST carry Content-Range.
            r.add_field("Content-Range", format!("bytes {first}-{last}/{len}"));
            r
        }
    }
}

/// An HTML listing of `dir`, whose URL path (after `/files`) is `path`.
fn listing(dir: &Path, path: &str) -> io::Result<Vec<u8>> {
    let mut names: Vec<(String, bool)> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let is_dir = e.file_type().ok()?.is_dir();
            Some((name, is_dir))
        })
        .collect();
    names.sort();
    let title = format!("{FILES_PREFIX}{path}");
    let mut page = Vec::with_capacity(256 + names.len() * 96);
    page.extend_from_slice(
        b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Index of ",
    );
    escape_html_into(&mut page, title.as_bytes());
    page.extend_from_slice(b"</title>\n</head>\n<body>\n<h1>Index of ");
    escape_html_into(&mut page, title.as_bytes());
    page.extend_from_slice(b"</h1>\n<ul>\n");
    if path != "/" {
        page.extend_from_slice(b"<li><a href=\"../\">../</a></li>\n");
    }
    for (name, is_dir) in names {
        let slash = if is_dir { "/" } else { "" };
        page.extend_from_slice(b"<li><a href=\"");
        escape_html_into(&mut page, percent_encode(&name).as_bytes());
        page.extend_from_slice(slash.as_bytes());
        page.extend_from_slice(b"\">");
        escape_html_into(&mut page, name.as_bytes());
        page.extend_from_slice(slash.as_bytes());
        page.extend_from_slice(b"</a></li>\n");
    }
    page.extend_from_slice(b"</ul>\n</body>\n</html>\n");
    Ok(page)
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_path_refuses_every_way_out() {
        use Refusal::*;
        assert_eq!(check_path("/"), Ok(vec![]));
        assert_eq!(check_path("/a/b.txt"), Ok(vec!["a".into(), "b.txt".into()]));
        assert_eq!(check_path("/a%20b/"), Ok(vec!["a b".into()]));
        assert_eq!(check_path("/..."), Ok(vec!["...".into()]));
        for (path, why) in [
            ("", EmptySegment),
            ("a", EmptySegment),
            ("//etc/passwd", EmptySegment),
            ("/a//b", EmptySegment),
            ("/..", DotSegment),
            ("/.", DotSegment),
            ("/a/../b", DotSegment),
            ("/%2e%2e/x", DotSegment),
            ("/%2E%2e/x", DotSegment),
            ("/.%2e/x", DotSegment),
            ("/%2e/x", DotSegment),
            ("/..%2fx", BadCharacter),
            ("/%2fetc%2fpasswd", BadCharacter),
            ("/..%5cx", BadCharacter),
            ("/..\\x", BadCharacter),
            ("/a%00.txt", BadCharacter),
            ("/a%0a", BadCharacter),
            ("/%zz", BadEscape),
            ("/%2", BadEscape),
            ("/%ff", BadEscape),
        ] {
            assert_eq!(check_path(path), Err(why), "{path:?}");
        }
    }

    #[test]
    fn ranges_follow_rfc_9110_section_14() {
        use RangeAsk::*;
        let r = |v: &str, len| parse_range(v.as_bytes(), len);
        assert_eq!(r("bytes=0-499", 1000), Satisfiable(0, 499));
        assert_eq!(r("bytes=500-", 1000), Satisfiable(500, 999));
        assert_eq!(r("bytes=-200", 1000), Satisfiable(800, 999));
        assert_eq!(r("bytes=-2000", 1000), Satisfiable(0, 999));
        // A suffix too long for u64 is still the whole representation.
        assert_eq!(
            r("bytes=-99999999999999999999999", 1000),
            Satisfiable(0, 999)
        );
        assert_eq!(r("bytes=900-5000", 1000), Satisfiable(900, 999));
        assert_eq!(r("BYTES=0-0", 1000), Satisfiable(0, 0));
        assert_eq!(r("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(r("bytes=1000-1001", 1000), Unsatisfiable);
        assert_eq!(r("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(r("bytes=-1", 0), Unsatisfiable);
        assert_eq!(r("bytes=0-", 0), Unsatisfiable);
        assert_eq!(r("bytes=5-4", 1000), None);
        assert_eq!(r("bytes=0-1,3-4", 1000), None);
        assert_eq!(r("items=0-1", 1000), None);
        assert_eq!(r("bytes=a-b", 1000), None);
        assert_eq!(r("bytes=-", 1000), None);
        assert_eq!(r("bytes=+1-2", 1000), None);
        assert_eq!(r("bytes 0-1", 1000), None);
    }
}
