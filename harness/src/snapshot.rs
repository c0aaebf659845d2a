//! Renders a stream of response bytes as snapshot text.
//!
//! insta compares snapshot files as text, so raw response bytes would hide
//! a bare LF or a missing CRLF. [`render_stream`] therefore splits the
//! stream into responses ([`split_responses`]) and writes each through
//! [`crate::render::escape`]: one wire line per text line, every CR and LF
//! visible, nothing lost. Binary bodies are summarised instead (length,
//! content type, SHA-256 and the first bytes in hex), so an image does not
//! fill a snapshot with `\xNN`.
//!
//! Lines that the renderer adds around the escaped bytes start with `──`
//! (U+2500), which [`crate::render::escape`] never produces: the escaped
//! wire bytes and the annotations cannot be confused.
use sha2::{Digest, Sha256};

use crate::render::escape;

/// Prefix of every line the renderer adds; never produced by `escape`.
pub const MARK: &str = "──";

/// How many body bytes a binary summary shows in hex.
pub const PREVIEW_BYTES: usize = 16;

/// How a response's body is delimited, as a client reads it
/// (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all: a response to HEAD, 1xx, 204 or 304 (RFC 9112 §6.3
    /// rule 1).
    None(NoBodyReason),
    /// `Transfer-Encoding: chunked` (RFC 9112 §6.3 rule 4, §7.1).
    Chunked,
    /// `Content-Length` (RFC 9112 §6.3 rule 6).
    Length(u64),
    /// Neither: the body runs until the connection closes (RFC 9112 §6.3 rule 8).
    UntilClose,
}

/// Why a response has no body (RFC 9112 §6.3 rule 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoBodyReason {
    /// It answers a HEAD request.
    Head,
    /// Its status is 1xx, 204 or 304.
    Status(u16),
}

/// One response cut out of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    /// Status line and fields, up to and including the empty line.
    pub head: &'a [u8],
    /// The body bytes as they were on the wire (chunked framing included).
    pub body: &'a [u8],
    /// The status code.
    pub status: u16,
    /// The `Content-Type` field value, if any.
    pub content_type: Option<String>,
    /// How the body was delimited.
    pub framing: BodyFraming,
    /// Whether the stream ended before the body did.
    pub truncated: bool,
}

/// A piece of a response stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// A response with a parseable head.
    Response(Response<'a>),
    /// Bytes that do not start with a complete response head (garbage, or a
    /// head cut short by the end of the stream): kept as they are.
    Unparsed(&'a [u8]),
}

impl Part<'_> {
    /// The wire bytes this part covers.
    pub fn len(&self) -> usize {
        match self {
            Part::Response(r) => r.head.len() + r.body.len(),
            Part::Unparsed(b) => b.len(),
        }
    }

    /// Whether the part covers no bytes (never true for parts returned by
    /// [`split_responses`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Splits a response stream into responses.
///
/// `methods` are the request methods in the order they were sent; the n-th
/// final (non-1xx) response answers the n-th request, and a response to
/// `HEAD` has no body. Missing methods count as `GET`. The parts always
/// cover the whole stream, in order.
pub fn split_responses<'a>(stream: &'a [u8], methods: &[&[u8]]) -> Vec<Part<'a>> {
    let mut parts = Vec::new();
    let mut rest = stream;
    let mut request = 0;
    while !rest.is_empty() {
        let Some(head) = parse_head(rest) else {
            parts.push(Part::Unparsed(rest));
            break;
        };
        let is_head = methods.get(request).is_some_and(|m| *m == b"HEAD");
        // RFC 9112 §6.3 rule 1: responses to HEAD, and 1xx, 204 and 304
        // responses, end at the empty line after the header section.
        let framing = if is_head {
            BodyFraming::None(NoBodyReason::Head)
        } else if (100..200).contains(&head.status) || head.status == 204 || head.status == 304 {
            BodyFraming::None(NoBodyReason::Status(head.status))
        } else if head.chunked {
            BodyFraming::Chunked
        } else if let Some(n) = head.content_length {
            BodyFraming::Length(n)
        } else {
            BodyFraming::UntilClose
        };
        let after = &rest[head.len..];
        let (body_len, truncated) = match framing {
            BodyFraming::None(_) => (0, false),
            BodyFraming::Length(n) => match usize::try_from(n) {
                Ok(n) if n <= after.len() => (n, false),
                _ => (after.len(), true),
            },
            BodyFraming::Chunked => match chunked_len(after) {
                Some(n) => (n, false),
                None => (after.len(), true),
            },
            BodyFraming::UntilClose => (after.len(), false),
        };
        if !(100..200).contains(&head.status) {
            request += 1;
        }
        parts.push(Part::Response(Response {
            head: &rest[..head.len],
            body: &after[..body_len],
            status: head.status,
            content_type: head.content_type,
            framing,
            truncated,
        }));
        rest = &after[body_len..];
    }
    parts
}

struct Head {
    len: usize,
    status: u16,
    content_length: Option<u64>,
    chunked: bool,
    content_type: Option<String>,
}

/// Reads a response head leniently: lines may end in CRLF or a bare LF, so
/// that a faulty server's bytes can still be split and shown.
fn parse_head(bytes: &[u8]) -> Option<Head> {
    let mut lines = Lines { bytes, pos: 0 };
    let status_line = lines.next()?;
    let rest = status_line.strip_prefix(b"HTTP/")?;
    let code = rest.splitn(3, |&b| b == b' ').nth(1)?;
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = std::str::from_utf8(code).ok()?.parse().ok()?;
    let mut head = Head {
        len: 0,
        status,
        content_length: None,
        chunked: false,
        content_type: None,
    };
    loop {
        let line = lines.next()?;
        if line.is_empty() {
            head.len = lines.pos;
            return Some(head);
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = &line[..colon];
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_owned();
        if name.eq_ignore_ascii_case(b"content-length") {
            head.content_length = value.parse().ok();
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            head.chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case(b"content-type") {
            head.content_type = Some(value);
        }
    }
}

/// Lines without their CRLF or LF; `None` once no complete line is left.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = &self.bytes[self.pos..];
        let lf = rest.iter().position(|&b| b == b'\n')?;
        self.pos += lf + 1;
        let line = &rest[..lf];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// Length of a complete chunked body (RFC 9112 §7.1: chunks, last chunk,
/// trailer section, final CRLF), or `None` if the stream ends first.
fn chunked_len(bytes: &[u8]) -> Option<usize> {
    let mut lines = Lines { bytes, pos: 0 };
    loop {
        let size_line = lines.next()?;
        let digits = size_line
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let size =
            usize::from_str_radix(std::str::from_utf8(&size_line[..digits]).ok()?, 16).ok()?;
        if size == 0 {
            // Trailer fields, then the empty line.
            while !lines.next()?.is_empty() {}
            return Some(lines.pos);
        }
        lines.pos = lines.pos.checked_add(size)?;
        if lines.pos > bytes.len() {
            return None;
        }
        // The CRLF after the chunk data.
        if !lines.next()?.is_empty() {
            return None;
        }
    }
}

/// Whether a body is shown as escaped text rather than summarised: its
/// content type is textual (or absent) and its bytes are UTF-8 without
/// control characters other than CR, LF and HTAB.
pub fn is_text(content_type: Option<&str>, body: &[u8]) -> bool {
    let textual_type = match content_type {
        None => true,
        Some(ct) => {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime.starts_with("text/")
                || mime.ends_with("+xml")
                || mime.ends_with("+json")
                || matches!(
                    mime.as_str(),
                    "application/json"
                        | "application/xml"
                        | "application/javascript"
                        | "application/x-www-form-urlencoded"
                )
        }
    };
    textual_type
        && std::str::from_utf8(body).is_ok_and(|s| {
            s.chars()
                .all(|c| !c.is_control() || matches!(c, '\r' | '\n' | '\t'))
        })
}

/// Escapes bytes for a snapshot, and makes spaces at the very end visible
/// (`\x20`): a text line's trailing spaces are easy to miss in review and
/// easy for an editor to drop. The result still unescapes to `bytes`.
pub fn escape_visible(bytes: &[u8]) -> String {
    let text = escape(bytes);
    let kept = text.trim_end_matches(' ');
    let spaces = text.len() - kept.len();
    let mut out = kept.to_owned();
    out.push_str(&"\\x20".repeat(spaces));
    out
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Renders a whole response stream: each response's head escaped line by
/// line, its body escaped or summarised, with `──` lines in between.
pub fn render_stream(stream: &[u8], methods: &[&[u8]]) -> String {
    let parts = split_responses(stream, methods);
    let mut out = String::new();
    let mut responses = 0;
    for part in &parts {
        match part {
            Part::Response(r) => {
                responses += 1;
                out.push_str(&format!(
                    "{MARK} response {responses}: status {}\n",
                    r.status
                ));
                push_block(&mut out, r.head);
                render_body(&mut out, r);
            }
            Part::Unparsed(bytes) => {
                out.push_str(&format!(
                    "{MARK} {} bytes that are not a complete response head\n",
                    bytes.len()
                ));
                push_block(&mut out, bytes);
            }
        }
    }
    out.push_str(&format!(
        "{MARK} end of stream: {} bytes, {responses} response{}\n",
        stream.len(),
        if responses == 1 { "" } else { "s" }
    ));
    out
}

fn push_block(out: &mut String, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.push_str(&escape_visible(bytes));
    if !out.ends_with('\n') {
        // The wire bytes end without LF; the line break is layout only.
        out.push('\n');
    }
}

fn render_body(out: &mut String, r: &Response<'_>) {
    let how = match r.framing {
        BodyFraming::None(NoBodyReason::Head) => {
            out.push_str(&format!("{MARK} no body: response to HEAD\n"));
            return;
        }
        BodyFraming::None(NoBodyReason::Status(s)) => {
            out.push_str(&format!("{MARK} no body: status {s}\n"));
            return;
        }
        BodyFraming::Chunked => "chunked".to_owned(),
        BodyFraming::Length(n) => format!("Content-Length {n}"),
        BodyFraming::UntilClose => "until close".to_owned(),
    };
    let truncated = if r.truncated {
        ", cut short by the end of the stream"
    } else {
        ""
    };
    let ct = r.content_type.as_deref();
    if r.body.is_empty() {
        out.push_str(&format!("{MARK} body: 0 bytes ({how}{truncated})\n"));
    } else if is_text(ct, r.body) {
        out.push_str(&format!(
            "{MARK} body: {} bytes ({how}{truncated})\n",
            r.body.len()
        ));
        push_block(out, r.body);
    } else {
        let preview: Vec<String> = r
            .body
            .iter()
            .take(PREVIEW_BYTES)
            .map(|b| format!("{b:02X}"))
            .collect();
        out.push_str(&format!(
            "{MARK} body: {} bytes ({how}{truncated}), binary, content type {}\n\
             {MARK} sha256 {}\n\
             {MARK} starts {}\n",
            r.body.len(),
            ct.unwrap_or("(none)"),
            sha256_hex(r.body),
            preview.join(" "),
        ));
    }
}

/// The message a panic carried (an insta assertion's diff, say), or an
/// empty string when it carried something else; for test runners that
/// catch a failed snapshot assertion and report it as a failed trial.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::unescape;

    const OK: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
    const NOT_MODIFIED: &[u8] = b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";

    fn lens(parts: &[Part<'_>]) -> Vec<usize> {
        parts.iter().map(Part::len).collect()
    }

    #[test]
    fn content_length_delimits_pipelined_responses() {
        let stream = [OK, OK].concat();
        let parts = split_responses(&stream, &[b"GET", b"GET"]);
        assert_eq!(lens(&parts), vec![OK.len(), OK.len()]);
        let Part::Response(r) = &parts[1] else {
            panic!("not a response: {parts:?}")
        };
        assert_eq!(r.body, b"hello");
        assert!(!r.truncated);
    }

    #[test]
    fn head_and_304_have_no_body_despite_content_length() {
        let head_resp: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        let stream = [head_resp, NOT_MODIFIED, OK].concat();
        let parts = split_responses(&stream, &[b"HEAD", b"GET", b"GET"]);
        assert_eq!(
            lens(&parts),
            vec![head_resp.len(), NOT_MODIFIED.len(), OK.len()]
        );
    }

    #[test]
    fn interim_responses_do_not_use_up_a_method() {
        let cont: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
        let head_resp: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        let stream = [cont, OK, head_resp].concat();
        let parts = split_responses(&stream, &[b"POST", b"HEAD"]);
        assert_eq!(lens(&parts), vec![cont.len(), OK.len(), head_resp.len()]);
    }

    #[test]
    fn chunked_body_ends_after_last_chunk_and_trailers() {
        let chunked: &[u8] =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: y\r\n\r\n";
        let stream = [chunked, OK].concat();
        let parts = split_responses(&stream, &[]);
        assert_eq!(lens(&parts), vec![chunked.len(), OK.len()]);
    }

    #[test]
    fn short_body_is_marked_truncated() {
        let short = &OK[..OK.len() - 1];
        let parts = split_responses(short, &[]);
        let Part::Response(r) = &parts[0] else {
            panic!()
        };
        assert!(r.truncated);
        assert!(render_stream(short, &[]).contains("cut short"));
    }

    #[test]
    fn garbage_is_kept_unparsed() {
        let stream = [OK, b"oops\r\n".as_slice()].concat();
        let parts = split_responses(&stream, &[]);
        assert_eq!(parts[1], Part::Unparsed(b"oops\r\n"));
        assert_eq!(split_responses(b"HTTP/1.1 200 OK\r\n", &[]).len(), 1);
    }

    #[test]
    fn bare_lf_and_crlf_render_differently() {
        let bare = b"HTTP/1.1 200 OK\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
        assert_ne!(render_stream(OK, &[]), render_stream(bare, &[]));
        assert!(render_stream(bare, &[]).contains("HTTP/1.1 200 OK\\n\n"));
    }

    #[test]
    fn header_case_and_length_changes_show() {
        let lower =
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
        let off = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello";
        let base = render_stream(OK, &[]);
        assert_ne!(base, render_stream(lower, &[]));
        assert_ne!(base, render_stream(off, &[]));
    }

    #[test]
    fn text_blocks_unescape_to_the_stream() {
        let stream = [
            OK,
            NOT_MODIFIED,
            b"HTTP/1.1 200 OK\r\n\r\ntail  ".as_slice(),
        ]
        .concat();
        let text = render_stream(&stream, &[]);
        let wire: String = text
            .lines()
            .filter(|l| !l.starts_with(MARK))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(unescape(&wire).unwrap(), stream);
        assert!(text.contains("tail\\x20\\x20\n"));
    }

    #[test]
    fn binary_body_is_summarised() {
        let mut stream =
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n".to_vec();
        stream.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
        let text = render_stream(&stream, &[]);
        assert!(text.contains("4 bytes (Content-Length 4), binary, content type image/jpeg"));
        assert!(text.contains(&format!("sha256 {}", sha256_hex(&[0xFF, 0xD8, 0xFF, 0xE0]))));
        assert!(text.contains("starts FF D8 FF E0\n"));
        assert!(!text.contains("\\xFF"));
    }

    #[test]
    fn text_type_with_control_bytes_is_binary() {
        assert!(is_text(Some("text/html; charset=utf-8"), b"<p>\r\n"));
        assert!(!is_text(Some("text/plain"), b"a\x00b"));
        assert!(!is_text(Some("image/png"), b"abc"));
        assert!(is_text(None, b"abc"));
    }

    #[test]
    fn sha256_of_empty_input_is_the_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Response-like byte soup: fragments that exercise heads,
        /// lengths, chunked bodies and bare line endings, plus raw bytes.
        fn stream() -> impl Strategy<Value = Vec<u8>> {
            let fragment = prop_oneof![
                Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
                Just(b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()),
                Just(b"Content-Length: 3\r\n".to_vec()),
                Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
                Just(b"Content-Type: image/png\r\n".to_vec()),
                Just(b"3\r\nabc\r\n0\r\n\r\n".to_vec()),
                Just(b"\r\n".to_vec()),
                Just(b"\n".to_vec()),
                proptest::collection::vec(any::<u8>(), 0..8),
            ];
            proptest::collection::vec(fragment, 0..12).prop_map(|v| v.concat())
        }

        proptest! {
            /// `unescape` undoes `escape` for any bytes.
            #[test]
            fn escape_is_reversible(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                prop_assert_eq!(unescape(&escape(&bytes)).unwrap(), bytes.clone());
                prop_assert_eq!(unescape(&escape_visible(&bytes)).unwrap(), bytes);
            }

            /// One wire line (up to and including its LF) is one text line,
            /// and each text line unescapes to its wire line.
            #[test]
            fn one_wire_line_per_text_line(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let text = escape(&bytes);
                let wire: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                prop_assert_eq!(wire.len(), lines.len());
                for (w, l) in wire.iter().zip(&lines) {
                    prop_assert_eq!(&unescape(l).unwrap()[..], *w);
                }
                // Only printable ASCII and line breaks: nothing for insta
                // or an editor to normalise.
                prop_assert!(text.bytes().all(|b| b == b'\n' || (0x20..0x7f).contains(&b)));
            }

            /// Changing, dropping or adding one byte anywhere changes the
            /// snapshot text, even after insta's own normalisation (trailing
            /// white space trimmed, CRLF read as LF).
            #[test]
            fn any_one_byte_change_changes_the_snapshot(
                bytes in stream(),
                at in any::<prop::sample::Index>(),
                byte in any::<u8>(),
                kind in 0..3u8,
            ) {
                let mut changed = bytes.clone();
                let i = if bytes.is_empty() { 0 } else { at.index(bytes.len()) };
                match kind {
                    0 if !bytes.is_empty() => changed[i] = byte,
                    1 if !bytes.is_empty() => { changed.remove(i); }
                    _ => changed.insert(i, byte),
                }
                prop_assume!(changed != bytes);
                let normalise = |t: String| t.trim_end().replace("\r\n", "\n");
                prop_assert_ne!(
                    normalise(render_stream(&bytes, &[])),
                    normalise(render_stream(&changed, &[]))
                );
            }

            /// The parts of a split cover the stream exactly, in order.
            #[test]
            fn split_covers_the_stream(bytes in stream(), head in any::<bool>()) {
                let methods: &[&[u8]] = if head { &[b"HEAD", b"GET"] } else { &[] };
                let parts = split_responses(&bytes, methods);
                let mut joined = Vec::new();
                for p in &parts {
                    prop_assert!(!p.is_empty());
                    match p {
                        Part::Response(r) => {
                            joined.extend_from_slice(r.head);
                            joined.extend_from_slice(r.body);
                        }
                        Part::Unparsed(b) => joined.extend_from_slice(b),
                    }
                }
                prop_assert_eq!(joined, bytes);
            }
        }
    }
}
