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
//! A response head, for this purpose, is a block of lines that starts with
//! a line beginning `HTTP/` (at the start of the stream or of a line) and
//! ends at the first empty line. The stream is not split by framing (a
//! response to HEAD would need the request's method to be read right), so
//! a body line that begins `HTTP/` would start a head too; that only ever
//! blanks more, never less.

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
        let mut in_head = false;
        for line in stream.split_inclusive(|&b| b == b'\n') {
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
        out
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
    fn a_head_cut_short_is_still_blanked() {
        let cut = b"HTTP/1.1 200 OK\r\nDate: Thu".to_vec();
        assert_eq!(
            Redactions::DATE.apply(cut),
            b"HTTP/1.1 200 OK\r\nDate: [redacted]"
        );
    }
}
