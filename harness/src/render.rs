//! Lossless, reversible text for wire bytes.
//!
//! insta compares snapshots as text: it normalises line endings and trims
//! trailing whitespace, so raw HTTP bytes would hide a bare LF or a missing
//! CRLF. [`escape`] makes every byte visible instead:
//!
//! - printable ASCII (0x20..=0x7E) stands for itself, except `\`, written `\\`;
//! - CR is `\r`, HTAB is `\t`, and LF is `\n` followed by a real line break,
//!   so one wire line is one text line;
//! - every other byte is `\xNN` (two upper-case hex digits).
//!
//! [`unescape`] reverses it and ignores real line breaks, so the same
//! notation serves hand-written bytes in case files: a request can be laid
//! out one line per wire line and still say exactly where each CR and LF is.

/// Renders `bytes` as escaped text, one wire line per text line.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n\n"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push_str("\\x");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
    out
}

/// Why escaped text could not be turned back into bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnescapeError {
    /// Character offset in the text.
    pub offset: usize,
    /// What is wrong there.
    pub message: &'static str,
}

impl std::fmt::Display for UnescapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at character {}", self.message, self.offset)
    }
}

impl std::error::Error for UnescapeError {}

/// Turns escaped text back into bytes. Real line breaks (LF, or CRLF from
/// an editor) are layout and are skipped; so is any other character
/// outside printable ASCII, which is an error.
pub fn unescape(text: &str) -> Result<Vec<u8>, UnescapeError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => i += 1,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' => {
                let err = |message| UnescapeError { offset: i, message };
                match bytes.get(i + 1) {
                    Some(b'\\') => out.push(b'\\'),
                    Some(b'r') => out.push(b'\r'),
                    Some(b'n') => out.push(b'\n'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'x') => {
                        let hex = bytes.get(i + 2..i + 4).ok_or(err("truncated \\x escape"))?;
                        let digit = |c: u8| (c as char).to_digit(16);
                        match (digit(hex[0]), digit(hex[1])) {
                            (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                            _ => return Err(err("\\x needs two hex digits")),
                        }
                        i += 2;
                    }
                    _ => return Err(err("unknown escape")),
                }
                i += 2;
            }
            0x20..=0x7e => {
                out.push(b);
                i += 1;
            }
            _ => {
                return Err(UnescapeError {
                    offset: i,
                    message: "raw byte outside printable ASCII; write it as \\xNN",
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_bare_lf_are_distinct() {
        assert_eq!(escape(b"a\r\nb\nc"), "a\\r\\n\nb\\n\nc");
        assert_ne!(escape(b"a\r\n"), escape(b"a\n"));
    }

    #[test]
    fn controls_and_high_bytes_are_hex() {
        assert_eq!(escape(b"\x00\x0b\x7f\xff\\"), "\\x00\\x0B\\x7F\\xFF\\\\");
    }

    #[test]
    fn layout_newlines_are_ignored() {
        assert_eq!(
            unescape("GET / HTTP/1.1\\r\\n\nHost: a\\r\\n\n\\r\\n\n").unwrap(),
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        );
    }

    #[test]
    fn bad_escapes_are_errors() {
        assert_eq!(unescape("a\\q").unwrap_err().offset, 1);
        assert!(unescape("\\x4").is_err());
        assert!(unescape("\\xZZ").is_err());
        assert!(unescape("é").is_err());
    }
}
