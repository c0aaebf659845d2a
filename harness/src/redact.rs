//! Blanks response fields whose values change on their own, so that the
//! same server gives the same bytes run after run.
//!
//! `Date` (RFC 9110 §6.6.1) is the clock's; a server's own `Server`
//! (§10.2.4), `ETag` (§8.8.3) and `Last-Modified` (§8.8.2) may change with
//! a rebuild or a file's time. [`Redactions::apply`] replaces the value of
//! each chosen field with [`PLACEHOLDER`] in every response head of a
//! stream, touching nothing else: bodies, other fields, line endings and
//! the framing (Content-Length counts body bytes only) stay as they were.
//!
//! The stream is cut into responses by their framing
//! ([`crate::snapshot::split_responses`], RFC 9112 §6.3), so a head that
//! follows a binary body is found. The requests' methods are not known
//! here: a response whose `Content-Length` body would start with `HTTP/1.`
//! is taken for an answer to HEAD, whose body is empty (§6.3 rule 1), and
//! the next response starts there. Bytes that are not a complete response
//! (a head cut short) are blanked line by line from their status-line on.

use crate::snapshot::{split_responses, Part};

/// What a blanked value becomes.
pub const PLACEHOLDER: &str = "[redacted]";

/// Which response fields to blank. `Copy`, so that it can ride along in a
/// [`crate::replay::Target`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Redactions {
    /// `Date`.
    pub date: bool,
    /// `Server`.
    pub server: bool,
    /// `ETag`.
    pub etag: bool,
    /// `Last-Modified`.
    pub last_modified: bool,
}

impl Redactions {
    /// Nothing blanked: the bytes as they came.
    pub const NONE: Redactions = Redactions {
        date: false,
        server: false,
        etag: false,
        last_modified: false,
    };

    /// `Date` only: what any server's snapshots need.
    pub const DATE: Redactions = Redactions {
        date: true,
        ..Redactions::NONE
    };

    /// The field names that may be chosen, as `--redact` takes them.
    pub const CHOICES: [&'static str; 4] = ["date", "server", "etag", "last-modified"];

    /// Adds the field `name` (one of [`Redactions::CHOICES`], any case).
    pub fn add(&mut self, name: &str) -> Result<(), String> {
        match name.to_ascii_lowercase().as_str() {
            "date" => self.date = true,
            "server" => self.server = true,
            "etag" => self.etag = true,
            "last-modified" => self.last_modified = true,
            _ => {
                return Err(format!(
                    "cannot redact {name:?}: choose among {}",
                    Redactions::CHOICES.join(", ")
                ))
            }
        }
        Ok(())
    }

    /// The field names blanked, as they are usually spelled.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.date, "Date"),
            (self.server, "Server"),
            (self.etag, "ETag"),
            (self.last_modified, "Last-Modified"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// Whether nothing is blanked.
    pub fn is_empty(&self) -> bool {
        *self == Redactions::NONE
    }

    /// The stream with each chosen field's value in every response head
    /// replaced by [`PLACEHOLDER`]; the stream itself when nothing is
    /// chosen.
    pub fn apply(&self, stream: Vec<u8>) -> Vec<u8> {
        let names = self.names();
        if names.is_empty() {
            return stream;
        }
        let mut out = Vec::with_capacity(stream.len());
        let mut rest = &stream[..];
        while !rest.is_empty() {
            let first = |method: &[u8]| split_responses(rest, &[method]).into_iter().next();
            let part = match first(b"GET") {
                Some(Part::Response(r))
                    if !r.body.is_empty() && rest[r.head.len()..].starts_with(b"HTTP/1.") =>
                {
                    first(b"HEAD")
                }
                part => part,
            };
            match part {
                Some(Part::Response(r)) => {
                    blank_lines(&names, r.head, &mut out);
                    out.extend_from_slice(r.body);
                    rest = &rest[r.head.len() + r.body.len()..];
                }
                Some(Part::Unparsed(bytes)) => {
                    blank_lines(&names, bytes, &mut out);
                    rest = &[];
                }
                None => break,
            }
        }
        out
    }
}

/// Copies `bytes` to `out`, blanking the fields `names` in the lines that
/// follow a status-line (a line starting `HTTP/`) up to the empty line.
fn blank_lines(names: &[&str], bytes: &[u8], out: &mut Vec<u8>) {
    let mut in_head = false;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        let ending = &line[content.len()..];
        if !in_head {
            in_head = content.starts_with(b"HTTP/");
            out.extend_from_slice(line);
            continue;
        }
        if content.is_empty() && !ending.is_empty() {
            in_head = false;
            out.extend_from_slice(line);
            continue;
        }
        let blanked = content.iter().position(|&b| b == b':').filter(|&colon| {
            names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(&content[..colon]))
        });
        match blanked {
            Some(colon) => {
                out.extend_from_slice(&content[..=colon]);
                out.push(b' ');
                out.extend_from_slice(PLACEHOLDER.as_bytes());
                out.extend_from_slice(ending);
            }
            None => out.extend_from_slice(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\
Server: nginx/1.22.1\r\nETag: \"abc\"\r\nContent-Length: 23\r\n\r\nDate: in a body stays\r\n";

    #[test]
    fn date_is_blanked_in_every_head_and_nowhere_else() {
        let head: &[u8] =
            b"HTTP/1.1 200 OK\r\nDATE:Fri, 02 Jan 2026 10:00:00 GMT\r\nContent-Length: 5\r\n\r\n";
        let stream = [OK, head].concat();
        let out = String::from_utf8(Redactions::DATE.apply(stream)).unwrap();
        assert_eq!(
            out,
            "HTTP/1.1 200 OK\r\nDate: [redacted]\r\nServer: nginx/1.22.1\r\nETag: \"abc\"\r\n\
Content-Length: 23\r\n\r\nDate: in a body stays\r\n\
HTTP/1.1 200 OK\r\nDATE: [redacted]\r\nContent-Length: 5\r\n\r\n"
        );
    }

    #[test]
    fn two_dates_give_the_same_bytes() {
        let other = String::from_utf8(OK.to_vec())
            .unwrap()
            .replace("00:00:00", "23:59:59");
        assert_ne!(OK, other.as_bytes());
        assert_eq!(
            Redactions::DATE.apply(OK.to_vec()),
            Redactions::DATE.apply(other.into_bytes())
        );
    }

    #[test]
    fn chosen_fields_are_blanked_and_line_ends_kept() {
        let mut r = Redactions::DATE;
        r.add("server").unwrap();
        r.add("ETag").unwrap();
        let bare = b"HTTP/1.1 304 Not Modified\nServer: x\nEtag: \"1\"\nLast-Modified: y\n\n";
        let out = String::from_utf8(r.apply(bare.to_vec())).unwrap();
        assert_eq!(
            out,
            "HTTP/1.1 304 Not Modified\nServer: [redacted]\nEtag: [redacted]\nLast-Modified: y\n\n"
        );
        assert!(r.add("cookie").unwrap_err().contains("last-modified"));
    }

    #[test]
    fn nothing_chosen_is_nothing_changed() {
        assert_eq!(Redactions::NONE.apply(OK.to_vec()), OK);
        // Not a head: no status line before it.
        let text = b"Date: x\r\n\r\n".to_vec();
        assert_eq!(Redactions::DATE.apply(text.clone()), text);
    }

    #[test]
    fn a_head_after_a_binary_body_is_found_by_its_framing() {
        let jpeg: &[u8] = b"HTTP/1.1 200 OK\r\nDate: a\r\nContent-Length: 3\r\n\r\n\xFF\xD8\xFF";
        let html: &[u8] = b"HTTP/1.1 200 OK\r\nDate: b\r\nContent-Length: 2\r\n\r\nhi";
        let out = Redactions::DATE.apply([jpeg, html].concat());
        let expected = [
            &b"HTTP/1.1 200 OK\r\nDate: [redacted]\r\nContent-Length: 3\r\n\r\n\xFF\xD8\xFF"[..],
            b"HTTP/1.1 200 OK\r\nDate: [redacted]\r\nContent-Length: 2\r\n\r\nhi",
        ]
        .concat();
        assert_eq!(out, expected);
    }

    #[test]
    fn an_answer_to_head_is_followed_by_the_next_response() {
        let head: &[u8] = b"HTTP/1.1 200 OK\r\nDate: a\r\nContent-Length: 40\r\n\r\n";
        let next: &[u8] = b"HTTP/1.1 404 Not Found\r\nDate: b\r\nContent-Length: 2\r\n\r\nno";
        let out = String::from_utf8(Redactions::DATE.apply([head, next].concat())).unwrap();
        assert_eq!(out.matches("Date: [redacted]").count(), 2, "{out}");
        assert!(out.ends_with("\r\n\r\nno"), "{out}");
    }

    #[test]
    fn a_head_cut_short_is_still_blanked() {
        let cut = b"HTTP/1.1 200 OK\r\nDate: Thu".to_vec();
        assert_eq!(
            Redactions::DATE.apply(cut),
            b"HTTP/1.1 200 OK\r\nDate: [redacted]"
        );
    }
}
