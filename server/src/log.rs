//! The access log: one line per answer, `peer method target status bytes`,
//! on stderr.
//!
//! Lines are gathered in one buffer and written in chunks: by a writer
//! thread every [`FLUSH_EVERY`], by the connection that fills the buffer
//! past [`FLUSH_ABOVE`], and by [`flush`], which the server calls when it
//! stops (the binary does on SIGINT and SIGTERM too), so no line is lost
//! on a normal stop. One `write` per chunk instead of one per line is what
//! makes logging cheap; a line waits at most [`FLUSH_EVERY`].
use std::cell::RefCell;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, Once};
use std::thread;
use std::time::Duration;

/// Past this many pending bytes, the connection that adds a line writes the chunk.
pub const FLUSH_ABOVE: usize = 32 * 1024;

/// Longest a line waits before the writer thread writes it.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Lines not yet written.
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Held while a chunk is written, so chunks reach stderr in the order they
/// were taken; holds the buffer that is being written.
static WRITING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

static WRITER: Once = Once::new();

thread_local! {
    /// Each thread's line being formatted, reused, and the peer it last
    /// formatted: a thread serves one connection at a time, so the
    /// address's text is made once per connection, not once per line.
    static LINE: RefCell<Line> = const {
        RefCell::new(Line { text: Vec::new(), peer: None, peer_len: 0 })
    };
}

struct Line {
    text: Vec<u8>,
    peer: Option<SocketAddr>,
    /// `text[..peer_len]` is `peer` followed by a space.
    peer_len: usize,
}

/// A poisoned lock only means a thread panicked while holding it; the
/// bytes are still good.
fn lock(m: &Mutex<Vec<u8>>) -> MutexGuard<'_, Vec<u8>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds the line of one answer. A request rejected before its method and
/// target were known logs `-` for both.
pub fn request(peer: SocketAddr, method: &str, target: &str, status: u16, bytes: usize) {
    WRITER.call_once(|| {
        let _ = thread::Builder::new().name("log".into()).spawn(|| loop {
            thread::sleep(FLUSH_EVERY);
            flush();
        });
    });
    // The line is formatted before the lock is taken, so the lock is held
    // only to copy it: a thread preempted while formatting holds no one up.
    let full = LINE.with(|line| {
        let mut line = line.borrow_mut();
        let text = line.format(peer, method, target, status, bytes);
        let mut pending = lock(&PENDING);
        pending.extend_from_slice(text);
        pending.len() > FLUSH_ABOVE
    });
    if full {
        flush();
    }
}

impl Line {
    /// The line `peer method target status bytes`, newline included.
    fn format(
        &mut self,
        peer: SocketAddr,
        method: &str,
        target: &str,
        status: u16,
        bytes: usize,
    ) -> &[u8] {
        if self.peer != Some(peer) {
            self.text.clear();
            let _ = write!(self.text, "{peer} ");
            self.peer = Some(peer);
            self.peer_len = self.text.len();
        }
        let text = &mut self.text;
        text.truncate(self.peer_len);
        text.extend_from_slice(method.as_bytes());
        text.push(b' ');
        text.extend_from_slice(target.as_bytes());
        text.push(b' ');
        push_number(text, u64::from(status));
        text.push(b' ');
        push_number(text, bytes as u64);
        text.push(b'\n');
        text
    }
}

/// Appends `n` in decimal.
fn push_number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(crate::response::format_u64(n, &mut [0u8; 20]));
}

/// Writes every pending line to stderr now.
pub fn flush() {
    let mut chunk = lock(&WRITING);
    std::mem::swap(&mut *chunk, &mut *lock(&PENDING));
    if !chunk.is_empty() {
        let _ = std::io::stderr().lock().write_all(&chunk);
        chunk.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_peer_method_target_status_and_bytes() {
        let mut line = Line {
            text: Vec::new(),
            peer: None,
            peer_len: 0,
        };
        let a: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let b: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(
            line.format(a, "GET", "/", 200, 666),
            b"127.0.0.1:4000 GET / 200 666\n"
        );
        assert_eq!(
            line.format(a, "POST", "/x?y", 303, 0),
            b"127.0.0.1:4000 POST /x?y 303 0\n"
        );
        // Another connection on the same thread: its own address.
        assert_eq!(line.format(b, "-", "-", 400, 12), b"[::1]:80 - - 400 12\n");
        assert_eq!(
            line.format(a, "HEAD", "*", 501, 1),
            b"127.0.0.1:4000 HEAD * 501 1\n"
        );
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0u64, 7, 10, 404, 65_535, 1 << 40, u64::MAX] {
            let mut out = b"x".to_vec();
            push_number(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
    }
}
