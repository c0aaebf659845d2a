//! Accept loop, connection cap, timeouts and shutdown.
//!
//! Every connection is served by a thread of its own, so every client is
//! served at once (a keep-alive client never waits for another's slot).
//! The threads are made before they are needed, as in Apache's worker
//! model: a pool of spare threads waits in `accept`; a thread that takes a
//! connection serves it to the end and then waits in `accept` again. When
//! fewer than [`MIN_SPARE`] are waiting, the thread that runs the server
//! starts more; a thread that finishes a connection while [`MAX_SPARE`]
//! others wait ends. A short connection never pays for a new thread.
//!
//! At `max_connections` open connections, a newcomer first takes the
//! place of the connection that has been idle between requests the
//! longest: that one is closed (RFC 9112 §9.5 lets a server close an idle
//! connection at any time, and a client must be ready to retry on a new
//! one), as nginx does with its keep-alive connections. Only when no
//! connection is idle is the newcomer answered `503` with
//! `Connection: close` and closed at once, never queued (RFC 9110
//! §15.6.4). Each connection has `TCP_NODELAY` set, since a response is
//! written in one piece.
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::conn;
use crate::log;
use crate::response::{Connection, Response};
use crate::socket;

/// Most threads at once writing a 503 to connections over the cap; past it
/// such connections are closed without a word.
const MAX_REJECTERS: usize = 64;

/// Fewest threads waiting in `accept`; below it, more are started.
pub const MIN_SPARE: usize = 8;

/// Most threads waiting in `accept`; past it, a thread that finishes a
/// connection ends.
pub const MAX_SPARE: usize = 64;

/// Stack size of a connection thread. A connection keeps its buffers on
/// the heap; on the stack are the parser's 100 field slots and the
/// handler's frames, a few KiB. 256 KiB (every test and stress scenario
/// runs on it) has 1,024 threads reserve 256 MiB of address space rather
/// than 2 GiB with the default 2 MiB; resident memory counts only the
/// pages touched either way.
pub const STACK_SIZE: usize = 256 * 1024;

/// How long a newcomer at the cap waits for the idle connection it
/// displaced to release its slot.
const DISPLACE_WAIT: Duration = Duration::from_millis(200);

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    prepared: bool,
    addr: SocketAddr,
    config: Arc<Config>,
    pool: Arc<Pool>,
}

/// What the pool's threads and the thread running the server share.
struct Pool {
    /// Threads waiting in `accept`, and all threads.
    count: Mutex<Count>,
    /// Signalled when spares run low, when a thread ends, and on stop.
    changed: Condvar,
    stop: AtomicBool,
}

#[derive(Default)]
struct Count {
    idle: usize,
    total: usize,
}

impl Pool {
    fn count(&self) -> MutexGuard<'_, Count> {
        self.count.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Everything a pool thread needs.
struct Shared {
    listener: TcpListener,
    config: Arc<Config>,
    pool: Arc<Pool>,
    /// Open connections, against `max_connections`.
    open: Arc<AtomicUsize>,
    /// Threads writing a 503.
    rejecting: Arc<AtomicUsize>,
    /// The next connection's number, in accept order.
    number: AtomicU64,
    /// Connections idle between requests.
    idle: Idle,
    /// Accepted streams come with `TCP_NODELAY` and the write timeout set
    /// (see [`socket::prepare_listener`]).
    prepared: bool,
}

/// Connections that have been idle between requests, by number (oldest
/// first), each with a handle that can close it and a flag saying whether
/// it is idle now. A connection is entered the first time it goes idle
/// and leaves when it ends, so going idle and busy again between two
/// requests costs one atomic store each (no lock, no new descriptor).
#[derive(Default)]
struct Idle(Mutex<BTreeMap<u64, Arc<IdleEntry>>>);

struct IdleEntry {
    /// A second handle on the connection's socket.
    stream: TcpStream,
    /// Waiting for the next request's first byte, every answer written.
    idle: AtomicBool,
}

impl Idle {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<IdleEntry>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes the oldest idle connection (RFC 9112 §9.5); false when none
    /// is idle. Its thread sees end of stream, ends the connection and
    /// gives up its slot.
    fn give_up_one(&self) -> bool {
        let mut map = self.lock();
        let oldest = map.iter().find_map(|(&number, entry)| {
            // Taken from idle to busy here, so that no other newcomer
            // picks the same one.
            let taken = entry
                .idle
                .compare_exchange(true, false, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok();
            taken.then_some(number)
        });
        let Some(entry) = oldest.and_then(|number| map.remove(&number)) else {
            return false;
        };
        drop(map);
        let _ = entry.stream.shutdown(std::net::Shutdown::Both);
        true
    }
}

/// A connection's socket, telling [`Idle`] when it waits between requests.
struct Tracked<'a> {
    stream: &'a mut TcpStream,
    number: u64,
    idle: &'a Idle,
    /// Its entry in `idle`, once it has been idle.
    entry: Option<Arc<IdleEntry>>,
}

impl Tracked<'_> {
    /// Takes the connection out of [`Idle`] for good (it is ending).
    fn leave(&mut self) {
        if self.entry.take().is_some() {
            self.idle.lock().remove(&self.number);
        }
    }
}

impl Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Write for Tracked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl socket::Transport for Tracked<'_> {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.stream.set_read_timeout(timeout)
    }
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.stream.shutdown(std::net::Shutdown::Write)
    }
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        socket::Transport::try_read(self.stream, buf)
    }
    fn set_idle(&mut self, idle: bool) {
        if let Some(entry) = &self.entry {
            // Only the flag itself is shared: no other memory is published
            // with it.
            entry.idle.store(idle, Ordering::Relaxed);
            return;
        }
        if !idle {
            return;
        }
        let Ok(stream) = self.stream.try_clone() else {
            return;
        };
        let entry = Arc::new(IdleEntry {
            stream,
            idle: AtomicBool::new(true),
        });
        self.idle.lock().insert(self.number, Arc::clone(&entry));
        self.entry = Some(entry);
    }
}

impl Server {
    /// Binds to `addr` (use `127.0.0.1:0` for a free port).
    pub fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let prepared = socket::prepare_listener(&listener, write_timeout(&config));
        Ok(Server {
            listener,
            prepared,
            addr,
            config: Arc::new(config),
            pool: Arc::new(Pool {
                count: Mutex::new(Count::default()),
                changed: Condvar::new(),
                stop: AtomicBool::new(false),
            }),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until shut down: the calling thread keeps the pool of spare
    /// threads filled.
    pub fn run(self) -> io::Result<()> {
        let addr = self.addr;
        let shared = Arc::new(Shared {
            listener: self.listener,
            config: self.config,
            pool: Arc::clone(&self.pool),
            open: Arc::new(AtomicUsize::new(0)),
            rejecting: Arc::new(AtomicUsize::new(0)),
            number: AtomicU64::new(0),
            idle: Idle::default(),
            prepared: self.prepared,
        });
        let pool = &self.pool;
        loop {
            let mut count = pool.count();
            while !pool.stopping() && count.idle >= MIN_SPARE {
                count = pool.changed.wait(count).unwrap_or_else(|e| e.into_inner());
            }
            if pool.stopping() {
                break;
            }
            let missing = MIN_SPARE - count.idle;
            count.idle += missing;
            count.total += missing;
            drop(count);
            for _ in 0..missing {
                let mine = Arc::clone(&shared);
                let started = thread::Builder::new()
                    .name("conn".into())
                    .stack_size(STACK_SIZE)
                    .spawn(move || pool_thread(&mine));
                if let Err(e) = started {
                    let mut count = pool.count();
                    count.idle -= 1;
                    count.total -= 1;
                    drop(count);
                    if shared.config.log {
                        eprintln!("could not start a connection thread: {e}");
                    }
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
        wake_idle(pool, addr);
        log::flush();
        Ok(())
    }

    /// Serves on a new thread.
    pub fn spawn(self) -> Handle {
        let addr = self.addr;
        let pool = Arc::clone(&self.pool);
        let thread = thread::Builder::new()
            .name("accept".into())
            .spawn(move || self.run())
            .expect("start the server thread");
        Handle {
            addr,
            pool,
            thread: Some(thread),
        }
    }
}

/// One thread of the pool: accept, serve the connection to its end, and
/// again, until the server stops or enough others are waiting.
fn pool_thread(shared: &Shared) {
    let pool = &shared.pool;
    loop {
        let accepted = shared.listener.accept();
        {
            let mut count = pool.count();
            count.idle -= 1;
            if pool.stopping() {
                count.total -= 1;
                pool.changed.notify_all();
                return;
            }
            if count.idle < MIN_SPARE {
                pool.changed.notify_all();
            }
        }
        match accepted {
            Ok((stream, peer)) => serve(shared, stream, peer),
            Err(e) => {
                // Out of descriptors and the like: wait a little rather
                // than spin; the listener itself is still good.
                if shared.config.log {
                    eprintln!("accept failed: {e}");
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        let mut count = pool.count();
        if pool.stopping() || count.idle >= MAX_SPARE {
            count.total -= 1;
            pool.changed.notify_all();
            return;
        }
        count.idle += 1;
    }
}

/// Serves one accepted connection. At the cap, the oldest idle
/// connection is given up to make room (RFC 9112 §9.5); with none idle,
/// the newcomer is answered 503.
fn serve(shared: &Shared, stream: TcpStream, peer: SocketAddr) {
    let connection = shared.number.fetch_add(1, Ordering::SeqCst);
    let max = shared.config.max_connections;
    let slot = Slot::take(&shared.open, max).or_else(|| {
        if !shared.idle.give_up_one() {
            return None;
        }
        // The slot freed may go to another newcomer first: then give up
        // another idle connection, every 5 ms, until one is ours.
        let deadline = Instant::now() + DISPLACE_WAIT;
        let mut tries = 0u32;
        loop {
            if let Some(slot) = Slot::take(&shared.open, max) {
                return Some(slot);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tries += 1;
            if tries.is_multiple_of(5) {
                shared.idle.give_up_one();
            }
            thread::sleep(Duration::from_millis(1));
        }
    });
    let Some(_slot) = slot else {
        return reject_busy(stream, peer, &shared.config, &shared.rejecting);
    };
    if !shared.prepared {
        socket::prepare(&stream, write_timeout(&shared.config));
    }
    handle(stream, peer, connection, shared);
}

/// On stop: one connection of our own to each thread waiting in `accept`,
/// which sees the stop and ends; at most a second in all.
fn wake_idle(pool: &Pool, addr: SocketAddr) {
    let mut wake = addr;
    if wake.ip().is_unspecified() {
        wake.set_ip(match wake {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let idle = pool.count().idle;
        let left = deadline.saturating_duration_since(Instant::now());
        if idle == 0 || left.is_zero() {
            return;
        }
        for _ in 0..idle {
            let _ = TcpStream::connect_timeout(&wake, left);
        }
        let count = pool.count();
        if count.idle > 0 {
            let _ = pool
                .changed
                .wait_timeout(count, Duration::from_millis(20).min(left));
        }
    }
}

/// One open connection counted against a cap, for as long as it lives.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A slot, unless `max` are taken.
    fn take(counter: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        if counter.fetch_add(1, Ordering::SeqCst) >= max {
            counter.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(Arc::clone(counter)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long a write to a client may block: a client that stops reading
/// must not hold a thread for ever.
fn write_timeout(config: &Config) -> Duration {
    config.idle_timeout.max(Duration::from_secs(1))
}

fn handle(mut stream: TcpStream, peer: SocketAddr, connection: u64, shared: &Shared) {
    let config = &*shared.config;
    let mut tracked = Tracked {
        stream: &mut stream,
        number: connection,
        idle: &shared.idle,
        entry: None,
    };
    // The handler's panics are caught per request in `conn`; this is the
    // last guard, so that nothing reaches the accept loop.
    let served = catch_unwind(AssertUnwindSafe(|| {
        conn::serve(&mut tracked, config, peer, connection)
    }));
    tracked.leave();
    if served.is_err() && config.log {
        eprintln!("{peer} connection {connection} ended by a panic");
    }
}

/// Answers a connection over the cap with 503 and closes it, on a short
/// thread of its own so the accept loop never waits on a client.
fn reject_busy(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Arc<Config>,
    rejecting: &Arc<AtomicUsize>,
) {
    let Some(guard) = Slot::take(rejecting, MAX_REJECTERS) else {
        return;
    };
    let config = Arc::clone(config);
    let _ = thread::Builder::new().name("busy".into()).spawn(move || {
        let _guard = guard;
        let mut stream = stream;
        socket::prepare(&stream, Duration::from_secs(1));
        // RFC 9110 §15.6.4: 503, the server is overloaded for now.
        let mut r = Response::error(503, "Too many open connections; try again later.");
        r.connection = Connection::Close;
        let mut out = Vec::with_capacity(256);
        let _ = r.write_to(&mut out, &*config.clock, false);
        if stream.write_all(&out).is_err() {
            return;
        }
        if config.log {
            log::request(peer, "-", "-", 503, out.len());
        }
        socket::close_lingering(&mut stream, &mut [0u8; 4096]);
    });
}

/// A running server.
pub struct Handle {
    addr: SocketAddr,
    pool: Arc<Pool>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Handle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open connections finish, and joins the thread.
    ///
    /// Connections already open finish on their own threads (each closes
    /// at the latest after its idle timeout); the threads waiting in
    /// `accept` end, and the thread that ran the server is joined.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        {
            let _count = self.pool.count();
            self.pool.stop.store(true, Ordering::SeqCst);
            self.pool.changed.notify_all();
        }
        let _ = thread.join();
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads waiting in `accept` wait for as long as it takes: the pool
    /// stays at its spare count through several idle timeouts, with no
    /// `accept` giving up and no thread started to replace it.
    #[test]
    fn the_pool_stays_at_its_spares_while_nothing_comes() {
        let config = Config {
            idle_timeout: Duration::from_millis(50),
            log: false,
            ..Config::default()
        };
        let server = Server::bind("127.0.0.1:0", config).unwrap().spawn();
        let started = Instant::now();
        while server.pool.count().idle < MIN_SPARE && started.elapsed() < Duration::from_secs(5) {
            thread::sleep(Duration::from_millis(5));
        }
        thread::sleep(Duration::from_millis(400));
        let count = server.pool.count();
        assert_eq!((count.idle, count.total), (MIN_SPARE, MIN_SPARE));
    }
}
