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

pub use crate::http::{split_responses, BodyFraming, FramedResponse, NoBodyReason, Part};

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

fn render_body(out: &mut String, r: &FramedResponse<'_>) {
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
