//! The incremental chunked decoder (RFC 9112 §7.1).
//!
//! ```text
//! chunked-body   = *chunk last-chunk trailer-section CRLF
//! chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-size     = 1*HEXDIG
//! last-chunk     = 1*("0") [ chunk-ext ] CRLF
//! chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! chunk-ext-val  = token / quoted-string
//! trailer-section = *( field-line CRLF )
//! ```
//!
//! A flat state machine, one small function per state, fed pieces of any
//! size: a split anywhere gives the same result as the whole.
use super::{Error, ErrorKind};
use crate::parse::{table, TOKEN};

/// Most bytes of chunk extensions on one chunk line; more is an error.
/// Extensions carry nothing this server uses, so the bound only stops a
/// peer from making the server read an endless line.
pub const MAX_EXTENSION_LEN: usize = 4096;

/// Most hex digits in a chunk-size, leading zeros included.
pub const MAX_SIZE_DIGITS: usize = 32;

/// Most bytes in the trailer section.
pub const MAX_TRAILER_LEN: usize = 16 * 1024;

/// What one call to [`ChunkedDecoder::decode`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Bytes of the input consumed. Until the message ends this is the whole
    /// input; at the end, what follows belongs to the next message.
    pub consumed: usize,
    /// Whether the last chunk, the trailer section and its final CRLF are in.
    pub done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In `chunk-size`.
    Size,
    /// After `;`, before an extension name (BWS allowed).
    ExtBeforeName,
    /// In `chunk-ext-name`.
    ExtName,
    /// BWS after a name: `=` or `;` must follow.
    ExtAfterName,
    /// After `=`, before the value (BWS allowed).
    ExtBeforeValue,
    /// In a token value.
    ExtToken,
    /// In a quoted-string value.
    ExtQuoted,
    /// After `\` in a quoted-string.
    ExtQuotedPair,
    /// Right after a value: `;`, BWS or CR.
    ExtAfterValue,
    /// BWS that must be followed by `;`.
    ExtBws,
    /// After the CR of a chunk line.
    SizeLf,
    /// In `chunk-data`.
    Data,
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// At the start of a trailer line or the final CRLF.
    TrailerStart,
    /// In a trailer field name.
    TrailerName,
    /// In a trailer field value.
    TrailerValue,
    /// After the CR of a trailer line.
    TrailerLf,
    /// After the CR of the final empty line.
    EndLf,
    /// The body is complete.
    Done,
}

/// Decodes a chunked body fed in pieces of any size.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    max_body: u64,
    /// Size of the current chunk; while in `Data`, what is left of it.
    size: u64,
    size_digits: usize,
    ext_len: usize,
    trailer_len: usize,
    total: u64,
    /// Bytes consumed over all calls, for error offsets.
    offset: usize,
}

impl ChunkedDecoder {
    /// A decoder that refuses bodies longer than `max_body` bytes (413).
    pub fn new(max_body: u64) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size,
            max_body,
            size: 0,
            size_digits: 0,
            ext_len: 0,
            trailer_len: 0,
            total: 0,
            offset: 0,
        }
    }

    /// Whether the whole chunked body has been decoded.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input`, appending chunk data to `body`. An error's
    /// offset counts every byte fed to this decoder.
    pub fn decode(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<Decoded, Error> {
        let mut i = 0;
        while i < input.len() && self.state != State::Done {
            if self.state == State::Data {
                let take = (input.len() - i).min(usize::try_from(self.size).unwrap_or(usize::MAX));
                body.extend_from_slice(&input[i..i + take]);
                i += take;
                self.size -= take as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            let b = input[i];
            self.state = self
                .step(b)
                .map_err(|kind| Error::new(kind, self.offset + i))?;
            i += 1;
        }
        self.offset += i;
        Ok(Decoded {
            consumed: i,
            done: self.state == State::Done,
        })
    }

    fn step(&mut self, b: u8) -> Result<State, ErrorKind> {
        if matches!(
            self.state,
            State::ExtBeforeName
                | State::ExtName
                | State::ExtAfterName
                | State::ExtBeforeValue
                | State::ExtToken
                | State::ExtQuoted
                | State::ExtQuotedPair
                | State::ExtAfterValue
                | State::ExtBws
        ) {
            self.ext_len += 1;
            if self.ext_len > MAX_EXTENSION_LEN {
                return Err(ErrorKind::ChunkExtension);
            }
        }
        match self.state {
            State::Size => self.read_size(b),
            State::ExtBeforeName => read_ext_before_name(b),
            State::ExtName => read_ext_name(b),
            State::ExtAfterName => read_ext_after_name(b),
            State::ExtBeforeValue => read_ext_before_value(b),
            State::ExtToken => read_ext_token(b),
            State::ExtQuoted => read_ext_quoted(b),
            State::ExtQuotedPair => read_ext_quoted_pair(b),
            State::ExtAfterValue => read_ext_after_value(b),
            State::ExtBws => read_ext_bws(b),
            State::SizeLf => self.read_size_lf(b),
            State::DataCr => expect(b, b'\r', State::DataLf),
            State::DataLf => {
                self.size_digits = 0;
                self.ext_len = 0;
                expect(b, b'\n', State::Size)
            }
            State::TrailerStart => self.read_trailer_start(b),
            State::TrailerName => self.read_trailer_name(b),
            State::TrailerValue => self.read_trailer_value(b),
            State::TrailerLf => {
                self.count_trailer()
                    .and(expect_trailer(b, b'\n', State::TrailerStart))
            }
            State::EndLf => expect(b, b'\n', State::Done),
            State::Data | State::Done => unreachable!("handled by decode"),
        }
    }

    /// `chunk-size = 1*HEXDIG`, then `;`, BWS or CR.
    fn read_size(&mut self, b: u8) -> Result<State, ErrorKind> {
        if let Some(d) = table::hex_value(b) {
            self.size_digits += 1;
            if self.size_digits > MAX_SIZE_DIGITS {
                return Err(ErrorKind::ChunkSizeOverflow);
            }
            self.size = self
                .size
                .checked_mul(16)
                .map(|s| s + u64::from(d))
                .ok_or(ErrorKind::ChunkSizeOverflow)?;
            return Ok(State::Size);
        }
        if self.size_digits == 0 {
            return Err(ErrorKind::ChunkSize);
        }
        match b {
            b'\r' => Ok(State::SizeLf),
            b';' => Ok(State::ExtBeforeName),
            b' ' | b'\t' => Ok(State::ExtBws),
            _ => Err(ErrorKind::ChunkSize),
        }
    }

    /// The LF ending a chunk line; the size is now known.
    fn read_size_lf(&mut self, b: u8) -> Result<State, ErrorKind> {
        if b != b'\n' {
            return Err(ErrorKind::ChunkDelimiter);
        }
        if self.size == 0 {
            return Ok(State::TrailerStart);
        }
        // RFC 9110 §15.5.14: 413 when the content is larger than the server
        // is willing to process; known here before any of it is read.
        self.total = self.total.saturating_add(self.size);
        if self.total > self.max_body {
            return Err(ErrorKind::BodyTooLarge);
        }
        Ok(State::Data)
    }

    /// The start of a trailer field line, or the CR of the final CRLF.
    /// A line starting with whitespace (obs-fold) is rejected (RFC 9112 §5.2).
    fn read_trailer_start(&mut self, b: u8) -> Result<State, ErrorKind> {
        self.count_trailer()?;
        match b {
            b'\r' => Ok(State::EndLf),
            _ if TOKEN[b as usize] => Ok(State::TrailerName),
            _ => Err(ErrorKind::Trailer),
        }
    }

    /// `field-name ":"` of a trailer field (RFC 9112 §7.1.2, §5).
    fn read_trailer_name(&mut self, b: u8) -> Result<State, ErrorKind> {
        self.count_trailer()?;
        match b {
            b':' => Ok(State::TrailerValue),
            _ if TOKEN[b as usize] => Ok(State::TrailerName),
            _ => Err(ErrorKind::Trailer),
        }
    }

    /// `OWS field-value OWS CR`: field-vchar, SP and HTAB only (RFC 9110 §5.5).
    fn read_trailer_value(&mut self, b: u8) -> Result<State, ErrorKind> {
        self.count_trailer()?;
        match b {
            b'\r' => Ok(State::TrailerLf),
            b' ' | b'\t' | 0x21..=0x7e | 0x80..=0xff => Ok(State::TrailerValue),
            _ => Err(ErrorKind::Trailer),
        }
    }

    fn count_trailer(&mut self) -> Result<(), ErrorKind> {
        self.trailer_len += 1;
        if self.trailer_len > MAX_TRAILER_LEN {
            return Err(ErrorKind::Trailer);
        }
        Ok(())
    }
}

fn expect(b: u8, want: u8, next: State) -> Result<State, ErrorKind> {
    if b == want {
        Ok(next)
    } else {
        Err(ErrorKind::ChunkDelimiter)
    }
}

fn expect_trailer(b: u8, want: u8, next: State) -> Result<State, ErrorKind> {
    expect(b, want, next).map_err(|_| ErrorKind::Trailer)
}

fn read_ext_before_name(b: u8) -> Result<State, ErrorKind> {
    match b {
        b' ' | b'\t' => Ok(State::ExtBeforeName),
        _ if TOKEN[b as usize] => Ok(State::ExtName),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

fn read_ext_name(b: u8) -> Result<State, ErrorKind> {
    match b {
        _ if TOKEN[b as usize] => Ok(State::ExtName),
        b'=' => Ok(State::ExtBeforeValue),
        b';' => Ok(State::ExtBeforeName),
        b' ' | b'\t' => Ok(State::ExtAfterName),
        b'\r' => Ok(State::SizeLf),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

fn read_ext_after_name(b: u8) -> Result<State, ErrorKind> {
    match b {
        b' ' | b'\t' => Ok(State::ExtAfterName),
        b'=' => Ok(State::ExtBeforeValue),
        b';' => Ok(State::ExtBeforeName),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

fn read_ext_before_value(b: u8) -> Result<State, ErrorKind> {
    match b {
        b' ' | b'\t' => Ok(State::ExtBeforeValue),
        b'"' => Ok(State::ExtQuoted),
        _ if TOKEN[b as usize] => Ok(State::ExtToken),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

fn read_ext_token(b: u8) -> Result<State, ErrorKind> {
    match b {
        _ if TOKEN[b as usize] => Ok(State::ExtToken),
        _ => read_ext_after_value(b),
    }
}

/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text` (RFC 9110 §5.6.4).
fn read_ext_quoted(b: u8) -> Result<State, ErrorKind> {
    match b {
        b'"' => Ok(State::ExtAfterValue),
        b'\\' => Ok(State::ExtQuotedPair),
        b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff => Ok(State::ExtQuoted),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

/// `quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )`.
fn read_ext_quoted_pair(b: u8) -> Result<State, ErrorKind> {
    match b {
        b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff => Ok(State::ExtQuoted),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

fn read_ext_after_value(b: u8) -> Result<State, ErrorKind> {
    match b {
        b';' => Ok(State::ExtBeforeName),
        b' ' | b'\t' => Ok(State::ExtBws),
        b'\r' => Ok(State::SizeLf),
        _ => Err(ErrorKind::ChunkExtension),
    }
}

/// BWS is allowed only before a `;` (the grammar has no trailing BWS).
fn read_ext_bws(b: u8) -> Result<State, ErrorKind> {
    match b {
        b' ' | b'\t' => Ok(State::ExtBws),
        b';' => Ok(State::ExtBeforeName),
        _ => Err(ErrorKind::ChunkExtension),
    }
}
