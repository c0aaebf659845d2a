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
    /// Each thread's line being formatted, reused.
    static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
        line.clear();
        let _ = writeln!(line, "{peer} {method} {target} {status} {bytes}");
        let mut pending = lock(&PENDING);
        pending.extend_from_slice(&line);
        pending.len() > FLUSH_ABOVE
    });
    if full {
        flush();
    }
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
