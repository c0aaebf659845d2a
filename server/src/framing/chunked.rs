//! The incremental chunked decoder (RFC 9112 §7.1).
use super::Error;

/// What one call to [`ChunkedDecoder::decode`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Bytes of the input consumed. Until the message ends this is the whole
    /// input; at the end, what follows belongs to the next message.
    pub consumed: usize,
    /// Whether the last chunk, the trailer section and its final CRLF are in.
    pub done: bool,
}

/// Decodes a chunked body fed in pieces of any size.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    max_body: u64,
}

impl ChunkedDecoder {
    /// A decoder that refuses bodies longer than `max_body` bytes (413).
    pub fn new(max_body: u64) -> ChunkedDecoder {
        ChunkedDecoder { max_body }
    }

    /// Decodes from `input`, appending chunk data to `body`.
    pub fn decode(&mut self, input: &[u8], body: &mut Vec<u8>) -> Result<Decoded, Error> {
        let _ = (input, body, self.max_body);
        todo!("chunked decoder")
    }
}
