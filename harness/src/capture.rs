//! `harness capture`: records what real clients send into fixtures.
//!
//! Capture runs the reference server itself on a loopback address, so a
//! browser gets real answers and goes on to fetch the image and submit the
//! form. The server's [`Tap`](server::config::Tap) hands over each
//! request's exact wire bytes, framed by the server's own parser
//! (Content-Length, chunked, `Expect: 100-continue`), never by guessing.
//! Each request becomes `OUT/CLIENT/SESSION/CC-PP-METHOD-SLUG.http` (the bytes,
//! nothing else) and a sidecar `.toml` beside it (see [`Sidecar`]).
//!
//! # Brief overview
//!
//! - [`Options`]: what to capture, where, and when to stop.
//! - [`Capture`]: a running capture; [`Capture::start`] binds and serves,
//!   [`Capture::wait`] blocks until it should stop, [`Capture::finish`]
//!   stops it and returns a [`Summary`].
//! - [`run`]: start, wait and finish in one call.
//! - [`redact`]: blanks `Cookie`, `Authorization` and `Proxy-Authorization`
//!   values without touching the framing.
//! - [`main`]: the `harness capture` command line.
use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use server::config::{Config, Exchange};
use server::listener::{Handle, Server};

use crate::fixture::{self, Fixture, Sidecar};

/// Header fields whose values `--redact` replaces.
pub const REDACTED_FIELDS: [&str; 3] = ["Cookie", "Authorization", "Proxy-Authorization"];

/// How long [`Capture::finish`] lets the server finish writing responses
/// before giving up on a clean shutdown (keep-alive clients may hold their
/// connections open much longer).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Longest path slug in a file name.
const MAX_SLUG: usize = 40;

/// What to capture, where, and when to stop.
#[derive(Debug, Clone)]
pub struct Options {
    /// Short client name, used as a folder name: `chromium`, `curl`, ...
    pub client: String,
    /// The client's version string, written to each sidecar.
    pub client_version: Option<String>,
    /// Loopback address to listen on.
    pub addr: SocketAddr,
    /// Root folder of the captures (`fixtures/captures`).
    pub out: PathBuf,
    /// Session name (a folder below the client's).
    pub session: String,
    /// Whether to blank credentials (see [`redact`]).
    pub redact: bool,
    /// Stop after this many captured requests.
    pub max_requests: Option<usize>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// How the requests were made, for the sidecars.
    pub how: String,
    /// A note added to every sidecar.
    pub note: Option<String>,
    /// Whether to print each file as it is written.
    pub verbose: bool,
    /// Serve the guestbook at `/`, kept in this folder (so that a browser
    /// signing it can be captured); `None`: the plain tutorial page.
    pub data: Option<PathBuf>,
}

impl Options {
    /// Options with the defaults of the command line for `client`:
    /// `127.0.0.1:8000`, `fixtures/captures`, a session named after the
    /// current time, no limits.
    pub fn new(client: &str) -> Options {
        Options {
            client: client.to_owned(),
            client_version: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            out: PathBuf::from("fixtures/captures"),
            session: session_name(SystemTime::now()),
            redact: false,
            max_requests: None,
            duration: None,
            how: format!("harness capture --client {client}"),
            note: None,
            verbose: false,
            data: None,
        }
    }

    /// The folder the fixtures go to: `OUT/CLIENT/SESSION`.
    pub fn dir(&self) -> PathBuf {
        self.out.join(&self.client).join(&self.session)
    }
}

/// What a finished capture wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The folder written to.
    pub dir: PathBuf,
    /// The `.http` files written, in the order they were written.
    pub written: Vec<PathBuf>,
    /// Why the capture stopped.
    pub stopped_by: StopReason,
}

/// Why a capture stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `--max-requests` were captured.
    MaxRequests,
    /// `--duration` ran out.
    Duration,
    /// Someone asked it to stop (SIGINT, [`Stopper::stop`]).
    Asked,
}

/// An error that ends a capture.
#[derive(Debug)]
pub enum Error {
    /// Occurs when the options are unusable (non-loopback address, a client
    /// or session name that is not a plain folder name).
    Usage(String),
    /// Occurs when the listening socket cannot be bound.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Occurs when the session folder already holds fixtures: a capture
    /// never adds to, or overwrites, a session. Checked before anything is
    /// served.
    SessionExists {
        /// The session folder, `OUT/CLIENT/SESSION`.
        dir: PathBuf,
        /// How many fixture files it holds.
        files: usize,
    },
    /// Occurs when a fixture cannot be written, including when it already
    /// exists: a fixture is never overwritten.
    Fixture {
        /// The fixture error, naming the file.
        source: fixture::Error,
        /// The files written before it.
        written: Vec<PathBuf>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}"),
            Error::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Error::SessionExists { dir, files } => write!(
                f,
                "{} already holds {files} fixture file(s); a capture never adds to or \
                 overwrites a session: choose another --session, or leave --session out \
                 to name the session after the current time",
                dir.display()
            ),
            Error::Fixture { source, written } => write!(
                f,
                "cannot write fixture {source} (capture stopped after {} file(s))",
                written.len()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Shared between the server's connection threads (through the tap) and
/// whoever waits for the capture to end.
struct State {
    inner: Mutex<Inner>,
    changed: Condvar,
}

struct Inner {
    /// Why the capture should stop, once it should; [`Capture::wait`]
    /// returns then.
    stopped: Option<StopReason>,
    /// Set once no fixture may be written any more.
    closed: bool,
    written: Vec<PathBuf>,
    error: Option<fixture::Error>,
}

impl State {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; go on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stop(&self, reason: StopReason) {
        let mut inner = self.lock();
        inner.stopped.get_or_insert(reason);
        self.changed.notify_all();
    }

    /// Forbids further writes. Taking the lock waits for a fixture being
    /// written: once this returns, no file is half written and none will
    /// be started.
    fn close(&self) -> std::sync::MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        inner.closed = true;
        inner
    }
}

/// Stops a running capture from another thread (a signal handler).
#[derive(Clone)]
pub struct Stopper {
    state: Arc<State>,
}

impl Stopper {
    /// Asks the capture to stop: [`Capture::wait`] returns.
    pub fn stop(&self) {
        self.state.stop(StopReason::Asked);
    }

    /// Forbids any further write, waiting for one in progress, so that the
    /// process can exit at once with complete files only.
    pub fn close(&self) {
        drop(self.state.close());
    }
}

/// A running capture.
pub struct Capture {
    options: Options,
    addr: SocketAddr,
    state: Arc<State>,
    handle: Option<Handle>,
}

impl Capture {
    /// Checks the options, binds the reference server to `options.addr`
    /// and starts serving and capturing.
    pub fn start(options: Options) -> Result<Capture, Error> {
        check(&options)?;
        check_session_is_new(&options.dir())?;
        // Bind first with std to report a busy port plainly, before the
        // server takes over the address.
        drop(
            TcpListener::bind(options.addr).map_err(|source| Error::Bind {
                addr: options.addr,
                source,
            })?,
        );
        let state = Arc::new(State {
            inner: Mutex::new(Inner {
                stopped: None,
                closed: false,
                written: Vec::new(),
                error: None,
            }),
            changed: Condvar::new(),
        });
        let tap_state = Arc::clone(&state);
        let tap_options = options.clone();
        // The site, `/time`, and with `data` the guestbook.
        let clock: Arc<dyn server::clock::Clock> = Arc::new(server::clock::SystemClock);
        let mut app = server::app::App::new(Arc::clone(&clock));
        if let Some(dir) = &options.data {
            app.guestbook = Some(server::guestbook::Guestbook::new(dir, Arc::clone(&clock)));
        }
        let config = Config {
            log: false,
            tap: Some(Arc::new(move |exchange: &Exchange<'_>| {
                record(&tap_state, &tap_options, exchange)
            })),
            handler: app.into_handler(),
            clock,
            ..Config::default()
        };
        let server = Server::bind(options.addr, config).map_err(|source| Error::Bind {
            addr: options.addr,
            source,
        })?;
        let addr = server.local_addr();
        let handle = server.spawn();
        Ok(Capture {
            options,
            addr,
            state,
            handle: Some(handle),
        })
    }

    /// The address actually listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The folder fixtures are written to.
    pub fn dir(&self) -> PathBuf {
        self.options.dir()
    }

    /// A handle that stops this capture from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            state: Arc::clone(&self.state),
        }
    }

    /// Blocks until the capture should stop: `max_requests` captured, a
    /// fixture could not be written, [`Stopper::stop`] was called, or
    /// `options.duration` ran out.
    pub fn wait(&self) {
        let deadline = self.options.duration.map(|d| Instant::now() + d);
        let mut inner = self.state.lock();
        while inner.stopped.is_none() {
            match deadline {
                None => {
                    inner = self
                        .state
                        .changed
                        .wait(inner)
                        .unwrap_or_else(|e| e.into_inner())
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        inner.stopped = Some(StopReason::Duration);
                        break;
                    }
                    inner = self
                        .state
                        .changed
                        .wait_timeout(inner, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }

    /// Shuts the server down, giving it a short grace to finish the
    /// responses (and fixtures) under way, then stops writing (waiting for a
    /// fixture being written) and says what was written.
    pub fn finish(mut self) -> Result<Summary, Error> {
        self.state.stop(StopReason::Asked);
        if let Some(handle) = self.handle.take() {
            let (done, finished) = mpsc::channel();
            std::thread::spawn(move || {
                handle.shutdown();
                let _ = done.send(());
            });
            // Past the grace, keep-alive connections are left to die with
            // the process; every fixture is already complete.
            let _ = finished.recv_timeout(SHUTDOWN_GRACE);
        }
        let mut inner = self.state.close();
        let written = std::mem::take(&mut inner.written);
        match inner.error.take() {
            Some(source) => Err(Error::Fixture { source, written }),
            None => Ok(Summary {
                dir: self.options.dir(),
                written,
                stopped_by: inner.stopped.unwrap_or(StopReason::Asked),
            }),
        }
    }
}

/// Starts a capture, waits until it should stop, and finishes it.
pub fn run(options: Options) -> Result<Summary, Error> {
    let capture = Capture::start(options)?;
    capture.wait();
    capture.finish()
}

fn check(options: &Options) -> Result<(), Error> {
    if !options.addr.ip().is_loopback() {
        return Err(Error::Usage(format!(
            "--addr {}: capture listens on loopback only (127.0.0.0/8 or ::1)",
            options.addr
        )));
    }
    for (flag, value) in [
        ("--client", &options.client),
        ("--session", &options.session),
    ] {
        let plain = !value.is_empty()
            && !value.starts_with('.')
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !plain {
            return Err(Error::Usage(format!(
                "{flag} '{value}': use letters, digits, '-', '_' or '.' (it names a folder)"
            )));
        }
    }
    if options.max_requests == Some(0) {
        return Err(Error::Usage("--max-requests must be at least 1".into()));
    }
    Ok(())
}

/// Refuses a session folder that already holds fixtures (`.http` or
/// `.toml` files), so that a collision is found before a client is served
/// rather than after it got its answer.
fn check_session_is_new(dir: &std::path::Path) -> Result<(), Error> {
    let files = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x == "http" || x == "toml")
            })
            .count(),
        Err(_) => 0,
    };
    if files > 0 {
        return Err(Error::SessionExists {
            dir: dir.to_owned(),
            files,
        });
    }
    Ok(())
}

/// The tap: writes one exchange as a fixture, unless the capture is
/// closed, has its `max_requests` or has failed. Requests answered while
/// it winds down are still captured.
fn record(state: &State, options: &Options, exchange: &Exchange<'_>) {
    let mut inner = state.lock();
    if inner.closed
        || inner.error.is_some()
        || options
            .max_requests
            .is_some_and(|max| inner.written.len() >= max)
    {
        return;
    }
    let (bytes, redacted) = if options.redact {
        redact(exchange.request)
    } else {
        (exchange.request.to_vec(), Vec::new())
    };
    let stem = file_stem(exchange.connection, exchange.index, exchange.request);
    let sidecar = Sidecar {
        client: options.client.clone(),
        client_version: options
            .client_version
            .clone()
            .or_else(|| version_from_user_agent(&options.client, exchange.request)),
        captured_at: Some(rfc3339(SystemTime::now())),
        how: options.how.clone(),
        session: Some(options.session.clone()),
        connection: Some(exchange.connection),
        position: Some(exchange.index),
        redacted,
        notes: notes(options, exchange),
    };
    match fixture::write_new(&options.dir(), &stem, &bytes, &sidecar) {
        Ok(path) => {
            if options.verbose {
                println!(
                    "captured {} ({} bytes, answered {})",
                    path.display(),
                    bytes.len(),
                    exchange.status
                );
            }
            inner.written.push(path);
            if options.max_requests == Some(inner.written.len()) {
                inner.stopped.get_or_insert(StopReason::MaxRequests);
            }
        }
        Err(e) => {
            // Reported once, by whoever finishes the capture.
            inner.error = Some(e);
            inner.stopped.get_or_insert(StopReason::Asked);
        }
    }
    state.changed.notify_all();
}

fn notes(options: &Options, exchange: &Exchange<'_>) -> Option<String> {
    let mut notes: Vec<String> = options.note.iter().cloned().collect();
    if exchange.status >= 400 {
        notes.push(format!(
            "the reference server answered {} when this was captured",
            exchange.status
        ));
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// What is wrong with a captured fixture's name or sidecar, one complete
/// sentence per problem naming the sidecar field and how to put it right;
/// empty when nothing is. Only fixtures named `captures/CLIENT/SESSION/FILE.http`
/// (relative to the fixtures root) are captures; others get no problems.
///
/// A capture's sidecar must say who sent it (`client`, the folder name;
/// `client_version`), when (`captured_at`) and where it stood (`session`,
/// the folder name; `connection`, `position`, which the file name
/// repeats), so that a recorded connection can be replayed in order.
pub fn sidecar_problems(f: &Fixture) -> Vec<String> {
    let parts: Vec<&str> = f.name.split('/').collect();
    if parts.first() != Some(&"captures") {
        return Vec::new();
    }
    let toml = f.path.with_extension("toml");
    let toml = toml.display();
    let mut problems = Vec::new();
    let mut problem = |field: &str, fix: String| {
        problems.push(format!("{toml}: field `{field}`: {fix}"));
    };
    if parts.len() != 4 {
        problem(
            "session",
            format!(
                "{} is not at captures/CLIENT/SESSION/FILE.http; move it there (harness capture \
                 writes that layout)",
                f.name
            ),
        );
        return problems;
    }
    let side = &f.sidecar;
    if side.client != parts[1] {
        problem(
            "client",
            format!(
                "says {:?} but the folder is {:?}; set client = {:?} or move the files to \
                 captures/{}/",
                side.client, parts[1], parts[1], side.client
            ),
        );
    }
    if side.session.as_deref() != Some(parts[2]) {
        let now = side
            .session
            .as_ref()
            .map_or("is missing".to_owned(), |s| format!("says {s:?}"));
        problem(
            "session",
            format!(
                "{now} but the folder is {:?}; set session = {:?}",
                parts[2], parts[2]
            ),
        );
    }
    if side.client_version.is_none() {
        problem(
            "client_version",
            format!(
                "is missing; add client_version = \"...\" (the client's own version, e.g. what \
                 `{} --version` prints), or capture again with --client-version VERSION",
                side.client
            ),
        );
    }
    if side.captured_at.is_none() {
        problem(
            "captured_at",
            "is missing; add captured_at = \"YYYY-MM-DDTHH:MM:SSZ\" (when it was captured, UTC)"
                .to_owned(),
        );
    }
    let stem = parts[3].trim_end_matches(".http");
    match (side.connection, side.position) {
        (Some(connection), Some(position)) => {
            let expected = file_stem(connection, position, &f.bytes);
            if stem != expected {
                problem(
                    "connection",
                    format!(
                        "connection = {connection} and position = {position} with this request \
                         name the file {expected}.http, not {stem}.http; rename the .http and \
                         .toml files, or correct connection and position"
                    ),
                );
            }
        }
        (connection, position) => {
            for (field, value) in [
                ("connection", connection.is_some()),
                ("position", position.is_some()),
            ] {
                if !value {
                    problem(
                        field,
                        format!(
                            "is missing; add {field} = N (the file name {stem} starts \
                             CONNECTION-POSITION)"
                        ),
                    );
                }
            }
        }
    }
    problems
}

/// The client's version as its `User-Agent` states it (RFC 9110 §10.1.5:
/// `User-Agent = product *( RWS ( product / comment ) )`, `product = token
/// [ "/" product-version ]`): the version of the product named like the
/// client (`curl/7.88.1` for client `curl` gives `7.88.1`), else the whole
/// field value (a browser's product list says more than any one token).
/// `None` without a `User-Agent` field.
pub fn version_from_user_agent(client: &str, request: &[u8]) -> Option<String> {
    // `field` trims ASCII whitespace; `trim` keeps trimming any other
    // Unicode whitespace, as this always did.
    let value = String::from_utf8_lossy(crate::http::field(request, "user-agent")?)
        .trim()
        .to_owned();
    let value = Some(value).filter(|v| !v.is_empty())?;
    let named = value.split_ascii_whitespace().find_map(|product| {
        let (name, version) = product.split_once('/')?;
        (name.eq_ignore_ascii_case(client) && !version.is_empty()).then(|| version.to_owned())
    });
    Some(named.unwrap_or(value))
}

/// The fixture name: `CC-PP-METHOD-SLUG`, connection and position on two
/// digits, the method in lower case and a slug of the path (`index` for
/// `/`), e.g. `00-00-get-index`, `01-00-get-test-jpg`.
pub fn file_stem(connection: u64, position: u32, request: &[u8]) -> String {
    let line_end = request
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(request.len());
    let mut parts = request[..line_end].split(|&b| b == b' ');
    let method = slug(parts.next().unwrap_or_default());
    let target = parts.next().unwrap_or_default();
    // Drop the query and, for an absolute-form target (RFC 9112 §3.2.2),
    // the scheme and authority: the name is about the path.
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    let path = match path.windows(3).position(|w| w == b"://") {
        Some(i) => {
            let rest = &path[i + 3..];
            &rest[rest.iter().position(|&b| b == b'/').unwrap_or(rest.len())..]
        }
        None => path,
    };
    let path = match slug(path) {
        s if s.is_empty() && path.starts_with(b"/") => "index".to_owned(),
        s if s.is_empty() => "other".to_owned(),
        s => s,
    };
    let method = if method.is_empty() {
        "invalid".into()
    } else {
        method
    };
    format!("{connection:02}-{position:02}-{method}-{path}")
}

/// Lower-case ASCII letters and digits, every other run of bytes as one
/// `-`, trimmed, at most [`MAX_SLUG`] bytes.
fn slug(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() {
            out.push(b.to_ascii_lowercase() as char);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(MAX_SLUG);
    out.trim_end_matches('-').to_owned()
}

/// Blanks the values of `Cookie`, `Authorization` and
/// `Proxy-Authorization` in the request head, keeping their shape: a
/// credential's scheme (`Basic`, `Bearer`) and each cookie's name stay,
/// every other byte of the value becomes `x`. Lengths do not change, and
/// nothing outside those field values is touched, so the framing (RFC 9112
/// §6.3) is the same. Returns the new bytes and the names of the fields
/// redacted, as spelled in the request.
pub fn redact(request: &[u8]) -> (Vec<u8>, Vec<String>) {
    let mut out = request.to_vec();
    let mut names: Vec<String> = Vec::new();
    // The head ends at the first empty line (RFC 9112 §2.1).
    let head_end = find(request, b"\r\n\r\n")
        .or_else(|| find(request, b"\n\n"))
        .unwrap_or(request.len());
    let mut start = match request[..head_end].iter().position(|&b| b == b'\n') {
        Some(i) => i + 1, // skip the request line
        None => return (out, names),
    };
    while start < head_end {
        let end = request[start..head_end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(head_end, |i| start + i);
        let line = &request[start..end];
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name = &line[..colon];
            if let Some(field) = REDACTED_FIELDS
                .iter()
                .find(|f| f.as_bytes().eq_ignore_ascii_case(name))
            {
                let value_start = start + colon + 1;
                let value_end = if line.ends_with(b"\r") { end - 1 } else { end };
                blank_value(field, &mut out[value_start..value_end]);
                let spelled = String::from_utf8_lossy(name).into_owned();
                if !names.contains(&spelled) {
                    names.push(spelled);
                }
            }
        }
        start = end + 1;
    }
    (out, names)
}

fn blank_value(field: &str, value: &mut [u8]) {
    let is_ows = |b: u8| b == b' ' || b == b'\t';
    if field == "Cookie" {
        // cookie-string = cookie-pair *( ";" SP cookie-pair ) (RFC 6265 §4.2.1)
        let mut in_value = false;
        for b in value.iter_mut() {
            match *b {
                b';' => in_value = false,
                b'=' if !in_value => in_value = true,
                _ if in_value && !is_ows(*b) => *b = b'x',
                _ => {}
            }
        }
    } else {
        // credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
        // (RFC 9110 §11.4): keep the scheme, blank the rest.
        let mut seen_scheme = false;
        let mut in_scheme = false;
        for b in value.iter_mut() {
            if is_ows(*b) {
                if in_scheme {
                    in_scheme = false;
                }
            } else if !seen_scheme {
                seen_scheme = true;
                in_scheme = true;
            } else if !in_scheme {
                *b = b'x';
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `2026-11-23T19:36:12Z` (RFC 3339, UTC, whole seconds).
pub fn rfc3339(time: SystemTime) -> String {
    server::time::rfc3339(time)
}

/// The default session name: `20261123T193612Z`.
fn session_name(time: SystemTime) -> String {
    let (_, [y, mo, d, h, mi, s]) = server::time::civil(time);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// `harness capture`'s flags.
#[derive(Debug, Parser)]
#[command(
    name = "harness capture",
    about = "Record real clients' requests into fixtures: serves the reference site on a \
             loopback address and writes each request's exact bytes to \
             OUT/CLIENT/SESSION/CC-PP-METHOD-SLUG.http with a .toml sidecar."
)]
struct Args {
    /// Short name of the client being captured (a folder name): chromium, curl, ...
    #[arg(long)]
    client: String,
    /// The client's version, recorded in each sidecar.
    #[arg(long, value_name = "VERSION")]
    client_version: Option<String>,
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    /// Root folder of the captures.
    #[arg(long, default_value = "fixtures/captures")]
    out: PathBuf,
    /// Session name (default: the current UTC time, e.g. 20261123T193612Z).
    #[arg(long)]
    session: Option<String>,
    /// Replace Cookie, Authorization and Proxy-Authorization values with a placeholder of the same shape.
    #[arg(long)]
    redact: bool,
    /// Stop after capturing N requests.
    #[arg(long, value_name = "N")]
    max_requests: Option<usize>,
    /// Stop after SECS seconds.
    #[arg(long, value_name = "SECS")]
    duration: Option<u64>,
    /// How the requests are made (recorded in each sidecar; default: the capture command).
    #[arg(long, value_name = "TEXT")]
    how: Option<String>,
    /// A note recorded in each sidecar.
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Serve the guestbook at / with its database in DIR (to capture a browser signing it).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

/// Entry point of `harness capture`: 0 when it stopped as asked, 1 when a
/// fixture could not be written or the address could not be bound, 2 for
/// a usage error.
pub fn main(args: &[String]) -> ExitCode {
    let args: Args = match crate::cli::parse_args("harness capture", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let mut options = Options::new(&args.client);
    options.client_version = args.client_version;
    options.addr = args.addr;
    options.out = args.out;
    if let Some(session) = args.session {
        options.session = session;
    }
    options.redact = args.redact;
    options.max_requests = args.max_requests;
    options.duration = args.duration.map(Duration::from_secs);
    if let Some(how) = args.how {
        options.how = how;
    }
    options.note = args.note;
    options.data = args.data;
    options.verbose = true;

    let capture = match Capture::start(options) {
        Ok(capture) => capture,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(if matches!(e, Error::Usage(_)) { 2 } else { 1 });
        }
    };
    let stopper = capture.stopper();
    let mut interrupts = 0;
    if let Err(e) = ctrlc::set_handler(move || {
        interrupts += 1;
        if interrupts == 1 {
            // Stop cleanly: the responses under way are finished and captured.
            stopper.stop();
        } else {
            // Stop now, but never in the middle of writing a fixture.
            stopper.close();
            std::process::exit(130);
        }
    }) {
        eprintln!("warning: cannot handle Ctrl-C ({e}); stop with --max-requests or --duration");
    }
    println!(
        "capturing {} on http://{}/ into {}",
        capture.options.client,
        capture.addr(),
        capture.dir().display()
    );
    capture.wait();
    match capture.finish() {
        Ok(summary) => {
            let why = match summary.stopped_by {
                StopReason::MaxRequests => "--max-requests reached",
                StopReason::Duration => "--duration ran out",
                StopReason::Asked => "interrupted",
            };
            println!(
                "captured {} request(s) into {} ({why})",
                summary.written.len(),
                summary.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn file_stem_names_connection_position_method_and_path() {
        assert_eq!(
            file_stem(0, 0, b"GET / HTTP/1.1\r\n\r\n"),
            "00-00-get-index"
        );
        assert_eq!(
            file_stem(1, 0, b"GET /test.jpg HTTP/1.1\r\n\r\n"),
            "01-00-get-test-jpg"
        );
        assert_eq!(
            file_stem(3, 12, b"POST /form?x=1 HTTP/1.1\r\n\r\n"),
            "03-12-post-form"
        );
        assert_eq!(
            file_stem(0, 1, b"GET http://127.0.0.1:8000/a/b HTTP/1.1\r\n\r\n"),
            "00-01-get-a-b"
        );
        assert_eq!(
            file_stem(0, 0, b"OPTIONS * HTTP/1.1\r\n\r\n"),
            "00-00-options-other"
        );
        assert_eq!(file_stem(7, 0, b"\r\n"), "07-00-invalid-other");
    }

    #[test]
    fn redact_keeps_names_schemes_and_length() {
        let request = b"GET / HTTP/1.1\r\nHost: a\r\ncookie: sid=abc123; theme=dark\r\n\
Authorization: Basic dXNlcjpwYXNz\r\nX-Cookie: keep\r\n\r\nbody Cookie: no";
        let (out, names) = redact(request);
        assert_eq!(out.len(), request.len());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET / HTTP/1.1\r\nHost: a\r\ncookie: sid=xxxxxx; theme=xxxx\r\n\
Authorization: Basic xxxxxxxxxxxx\r\nX-Cookie: keep\r\n\r\nbody Cookie: no"
        );
        assert_eq!(names, ["cookie", "Authorization"]);
    }

    #[test]
    fn redact_leaves_requests_without_credentials_alone() {
        let request = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(redact(request), (request.to_vec(), vec![]));
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_462_572);
        assert_eq!(rfc3339(t), "2026-11-23T19:36:12Z");
        assert_eq!(session_name(t), "20261123T193612Z");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn check_refuses_non_loopback_and_odd_names() {
        let mut o = Options::new("curl");
        o.addr = "0.0.0.0:8000".parse().unwrap();
        assert!(matches!(check(&o), Err(Error::Usage(_))));
        let mut o = Options::new("../etc");
        assert!(matches!(check(&o), Err(Error::Usage(_))));
        o.client = "curl".into();
        o.session = "a/b".into();
        assert!(matches!(check(&o), Err(Error::Usage(_))));
        o.session = "s1".into();
        assert!(check(&o).is_ok());
    }
}
