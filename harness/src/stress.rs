//! The `stress` command: bounded robustness scenarios against a server,
//! and what a normal client saw meanwhile.
//!
//! Each scenario opens a fixed number of connections for a fixed time and
//! then closes every one of them: nothing outlives the command. Meanwhile
//! a probe (one fresh connection per request, `GET /` with
//! `Connection: close`, one every [`PROBE_EVERY`]) measures how many
//! requests were answered and how fast; after the scenario the probe runs
//! for [`AFTER`] more to see that the server still answers. With `--pid`
//! of a local server, its resident memory and thread count are sampled
//! from `/proc` every 50 ms.
//!
//! These are measurements, not conformance verdicts: latency depends on
//! the machine and its load. The verdict of a scenario is a pure function
//! of the numbers it reports, against the thresholds printed with it:
//!
//! - **failed:** the server answered no probe after the scenario, or under
//!   half of the probes during it;
//! - **degraded:** some probe was not answered (timeout, reset, refused,
//!   5xx), or probe p99 went over [`P99_LIMIT`], or (with `--pid`) peak RSS
//!   over [`RSS_LIMIT`], or an oversize request was neither answered nor
//!   closed while it was being sent;
//! - **held:** none of that.
//!
//! Exit status: 0 every scenario held; 1 some scenario degraded or
//! failed; 2 usage error or unreachable target.
use std::fmt::Write as _;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::Serialize;

use crate::run::resolve_target;

/// Time between two probe requests.
pub const PROBE_EVERY: Duration = Duration::from_millis(20);
/// Longest a probe request may take before it counts as not answered.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the probe keeps going after the scenario stopped.
pub const AFTER: Duration = Duration::from_secs(1);
/// Probe p99 latency above this is "degraded".
pub const P99_LIMIT: Duration = Duration::from_millis(50);
/// Peak resident memory above this (with `--pid`) is "degraded".
pub const RSS_LIMIT: u64 = 64 << 20;
/// Under this share of probes answered during a scenario is "failed".
pub const FAILED_BELOW: f64 = 0.5;
/// Interval between two bytes of a slowloris head.
pub const DRIBBLE_EVERY: Duration = Duration::from_secs(2);
/// Bytes written to one slow-reader connection at most.
pub const SLOW_READER_CAP: usize = 16 << 20;

/// One scenario's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Connections each dribbling a request head, one byte every 2 s (re-opened when closed).
    Slowloris,
    /// Keep-alive connections, one request each, then silent.
    Idle,
    /// Slowloris and idle at once (500 + 1000 by default).
    Siege,
    /// Connections opened and closed as fast as possible.
    Flood,
    /// Connections pipelining requests and never reading an answer.
    SlowReader,
    /// A 1 MiB head, 10,000 fields, a 1 GiB Content-Length body sent slowly.
    Oversize,
}

impl Scenario {
    /// Every scenario, in the order they run by default.
    pub const ALL: [Scenario; 6] = [
        Scenario::Slowloris,
        Scenario::Idle,
        Scenario::Siege,
        Scenario::Flood,
        Scenario::SlowReader,
        Scenario::Oversize,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Slowloris => "slowloris",
            Scenario::Idle => "idle",
            Scenario::Siege => "siege",
            Scenario::Flood => "flood",
            Scenario::SlowReader => "slow-reader",
            Scenario::Oversize => "oversize",
        }
    }

    /// Default connections (for flood: connections opened in parallel).
    pub fn default_connections(self) -> usize {
        match self {
            Scenario::Slowloris => 500,
            Scenario::Idle => 1000,
            Scenario::Siege => 1500,
            Scenario::Flood => 8,
            Scenario::SlowReader => 8,
            Scenario::Oversize => 3,
        }
    }

    /// Default duration.
    pub fn default_duration(self) -> Duration {
        match self {
            Scenario::Flood => Duration::from_secs(5),
            Scenario::Oversize => Duration::from_secs(10),
            _ => Duration::from_secs(15),
        }
    }
}

/// How to run one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Which.
    pub scenario: Scenario,
    /// Connections (see [`Scenario::default_connections`]).
    pub connections: usize,
    /// How long the attack lasts.
    pub duration: Duration,
}

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Scenario name.
    pub scenario: &'static str,
    /// held / degraded / failed.
    pub verdict: &'static str,
    /// Why, in words (each threshold crossed), or "" when held.
    pub reasons: Vec<String>,
    /// Connections asked for.
    pub connections: usize,
    /// Connections the scenario could open at most at once.
    pub opened: usize,
    /// Scenario duration, seconds.
    pub duration_s: f64,
    /// Probe requests tried during the scenario.
    pub tried: u64,
    /// Probe requests answered (status below 500) during the scenario.
    pub answered: u64,
    /// Probe requests not answered during it (timeout, reset, refused, 5xx).
    pub errors: u64,
    /// Probe latencies, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Probes tried after the scenario, and how many were answered.
    pub after_tried: u64,
    /// Answered after.
    pub after_answered: u64,
    /// Peak resident memory of `--pid`, bytes.
    pub peak_rss: Option<u64>,
    /// Resident memory of `--pid` before the scenario, bytes.
    pub start_rss: Option<u64>,
    /// Most threads of `--pid` seen.
    pub peak_threads: Option<u64>,
    /// Attack connections the server closed (or answered and closed) during the scenario.
    pub server_closed: u64,
    /// Median seconds from opening an attack connection to its close by the server.
    pub close_after_s: Option<f64>,
    /// Status codes the server sent on attack connections, with counts.
    pub statuses: Vec<(u16, u64)>,
    /// Scenario-specific figures in words.
    pub notes: Vec<String>,
}

/// The thresholds, in words, as printed beside every table.
pub fn thresholds_text() -> String {
    format!(
        "failed: no probe answered in the {} s after, or under {:.0}% answered during; \
         degraded: a probe unanswered (timeout {} s, reset, refused or 5xx), probe p99 > {} ms, \
         peak RSS > {} MiB (with --pid), or an oversize request neither answered nor closed; \
         held: none of these.",
        AFTER.as_secs(),
        FAILED_BELOW * 100.0,
        PROBE_TIMEOUT.as_secs(),
        P99_LIMIT.as_millis(),
        RSS_LIMIT >> 20
    )
}

/// The verdict and its reasons, from the numbers alone.
pub fn judge(o: &Outcome, oversize_unanswered: u64) -> (&'static str, Vec<String>) {
    let mut failed = Vec::new();
    let mut degraded = Vec::new();
    if o.after_tried > 0 && o.after_answered == 0 {
        failed.push(format!(
            "no probe answered after the scenario ({} tried)",
            o.after_tried
        ));
    }
    if o.tried > 0 && (o.answered as f64) < FAILED_BELOW * o.tried as f64 {
        failed.push(format!(
            "{} of {} probes answered during",
            o.answered, o.tried
        ));
    }
    if o.errors > 0 {
        degraded.push(format!("{} of {} probes not answered", o.errors, o.tried));
    }
    if o.after_answered < o.after_tried && o.after_answered > 0 {
        degraded.push(format!(
            "{} of {} probes answered after",
            o.after_answered, o.after_tried
        ));
    }
    if o.p99_ms > P99_LIMIT.as_secs_f64() * 1000.0 {
        degraded.push(format!(
            "p99 {:.1} ms > {} ms",
            o.p99_ms,
            P99_LIMIT.as_millis()
        ));
    }
    if let Some(rss) = o.peak_rss.filter(|&r| r > RSS_LIMIT) {
        degraded.push(format!(
            "peak RSS {} MiB > {} MiB",
            rss >> 20,
            RSS_LIMIT >> 20
        ));
    }
    if oversize_unanswered > 0 {
        degraded.push(format!(
            "{oversize_unanswered} oversize request(s) neither answered nor closed"
        ));
    }
    if !failed.is_empty() {
        failed.extend(degraded);
        ("failed", failed)
    } else if !degraded.is_empty() {
        ("degraded", degraded)
    } else {
        ("held", Vec::new())
    }
}

/// Raises the soft open-files limit to the hard one; returns the soft
/// limit now in force (None when unknown).
pub fn raise_fd_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    if now.current != now.maximum {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: now.maximum,
                maximum: now.maximum,
            },
        );
    }
    getrlimit(Resource::Nofile).current
}

// ---------------------------------------------------------------------------
// The probe

/// Probe requests: when each started, whether it was answered, how long it took.
#[derive(Default)]
struct ProbeLog {
    entries: Vec<(Instant, bool, Duration)>,
}

/// Tried, answered and sorted latencies (an unanswered probe counts as
/// [`PROBE_TIMEOUT`]) of the probes that started in `range`.
fn tally(log: &ProbeLog, from: Instant, to: Instant) -> (u64, u64, Vec<Duration>) {
    let mut tried = 0;
    let mut answered = 0;
    let mut latencies = Vec::new();
    for &(start, ok, took) in &log.entries {
        if start < from || start >= to {
            continue;
        }
        tried += 1;
        if ok {
            answered += 1;
            latencies.push(took);
        } else {
            latencies.push(took.max(PROBE_TIMEOUT));
        }
    }
    latencies.sort_unstable();
    (tried, answered, latencies)
}

/// One probe request on a fresh connection: whether it was answered with
/// a status under 500, and how long it took.
fn probe_once(addr: SocketAddr) -> (bool, Duration) {
    let start = Instant::now();
    let ok = (|| -> io::Result<bool> {
        let mut s = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT)?;
        s.set_read_timeout(Some(PROBE_TIMEOUT))?;
        s.set_write_timeout(Some(PROBE_TIMEOUT))?;
        s.write_all(crate::client::PROBE)?;
        let mut got = Vec::new();
        let mut buf = [0u8; 16384];
        loop {
            if start.elapsed() > PROBE_TIMEOUT {
                return Ok(false);
            }
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if !got.is_empty() && e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => return Err(e),
            }
            if response_complete(&got) {
                break;
            }
        }
        Ok(status_of(&got).is_some_and(|s| s < 500))
    })()
    .unwrap_or(false);
    (ok, start.elapsed())
}

/// Whether `got` holds a whole response with a Content-Length body.
fn response_complete(got: &[u8]) -> bool {
    let Some(end) = crate::http::crlf_head_len(got) else {
        return false;
    };
    // Not `http::field`: that stops at a bare-LF empty line, skips the
    // status line and trims only ASCII whitespace, where this reads every
    // line of the CRLF-ended head and trims any whitespace.
    let head = String::from_utf8_lossy(&got[..end - 4]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    length.is_some_and(|n| got.len() >= end + n)
}

/// The status code of a response that starts `got`.
pub fn status_of(got: &[u8]) -> Option<u16> {
    let line = got.strip_prefix(b"HTTP/1.")?;
    let code = line.get(2..5)?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

fn probe_until(addr: SocketAddr, stop: &AtomicBool, log: &Mutex<ProbeLog>) {
    while !stop.load(Ordering::Relaxed) {
        let start = Instant::now();
        let next = start + PROBE_EVERY;
        let (ok, took) = probe_once(addr);
        let mut l = log.lock().unwrap_or_else(|e| e.into_inner());
        l.entries.push((start, ok, took));
        drop(l);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------
// /proc sampling

/// Resident memory (bytes) and thread count of `pid`, from /proc.
pub fn proc_sample(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
    };
    Some((field("VmRSS:")? * 1024, field("Threads:")?))
}

#[derive(Default)]
struct Peaks {
    rss: AtomicU64,
    threads: AtomicU64,
}

fn sample_until(pid: u32, stop: &AtomicBool, peaks: &Peaks) {
    while !stop.load(Ordering::Relaxed) {
        if let Some((rss, threads)) = proc_sample(pid) {
            peaks.rss.fetch_max(rss, Ordering::Relaxed);
            peaks.threads.fetch_max(threads, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------
// Attack connections

/// An attack connection, non-blocking, watched for the server's answer and close.
struct Conn {
    stream: TcpStream,
    opened: Instant,
    sent: usize,
    got: Vec<u8>,
    closed: bool,
}

impl Conn {
    fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
        stream.set_nonblocking(true)?;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            opened: Instant::now(),
            sent: 0,
            got: Vec::new(),
            closed: false,
        })
    }

    /// Reads what is there; true when the server closed (or reset) it now.
    fn poll_closed(&mut self) -> bool {
        if self.closed {
            return false;
        }
        let mut buf = [0u8; 8192];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if self.got.len() < 64 {
                        self.got.extend_from_slice(&buf[..n.min(64)]);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        self.closed = true;
        true
    }

    /// Writes as much of `bytes` as goes without blocking; false when the
    /// connection is broken.
    fn send(&mut self, bytes: &[u8]) -> bool {
        let mut off = 0;
        while off < bytes.len() {
            match self.stream.write(&bytes[off..]) {
                Ok(0) => return false,
                Ok(n) => off += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        self.sent += off;
        true
    }
}

/// What the attack side saw.
#[derive(Default)]
struct Attack {
    opened_max: usize,
    open_failures: u64,
    server_closed: u64,
    close_after: Vec<Duration>,
    statuses: std::collections::BTreeMap<u16, u64>,
    notes: Vec<String>,
    oversize_unanswered: u64,
}

impl Attack {
    fn closed(&mut self, c: &Conn) {
        self.server_closed += 1;
        self.close_after.push(c.opened.elapsed());
        if let Some(s) = status_of(&c.got) {
            *self.statuses.entry(s).or_default() += 1;
        }
    }
}

const SLOW_HEAD: &[u8] =
    b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slowloris\r\nX-a: b\r\n";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Opens up to `n` connections (stopping at `deadline` or at the first
/// failure after which opening more would only fail again).
fn open_many(addr: SocketAddr, n: usize, deadline: Instant, attack: &mut Attack) -> Vec<Conn> {
    let mut conns = Vec::with_capacity(n);
    let mut failures_in_a_row = 0;
    while conns.len() < n && Instant::now() < deadline && failures_in_a_row < 20 {
        match Conn::open(addr) {
            Ok(c) => {
                failures_in_a_row = 0;
                conns.push(c);
            }
            Err(e) => {
                attack.open_failures += 1;
                failures_in_a_row += 1;
                if e.raw_os_error() == Some(24) {
                    attack.notes.push(format!(
                        "open-files limit reached after {} connections",
                        conns.len()
                    ));
                    break;
                }
            }
        }
    }
    attack.opened_max = attack.opened_max.max(conns.len());
    conns
}

fn slowloris(addr: SocketAddr, n: usize, deadline: Instant, attack: &mut Attack) {
    let mut conns = open_many(addr, n, deadline, attack);
    let mut next_byte = Instant::now();
    while Instant::now() < deadline {
        let dribble = Instant::now() >= next_byte;
        if dribble {
            next_byte += DRIBBLE_EVERY;
        }
        for c in conns.iter_mut() {
            if c.poll_closed() {
                attack.closed(c);
                continue;
            }
            if dribble && !c.closed {
                // Never the final CRLF: a head that never ends.
                let i = c.sent % SLOW_HEAD.len();
                if !c.send(&SLOW_HEAD[i..i + 1]) {
                    c.closed = true;
                    attack.closed(c);
                }
            }
        }
        // Re-open what the server closed, keeping n at once.
        conns.retain(|c| !c.closed);
        if conns.len() < n {
            let more = open_many(addr, n - conns.len(), deadline, attack);
            conns.extend(more);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn idle(addr: SocketAddr, n: usize, deadline: Instant, attack: &mut Attack) {
    // Each sends its request as soon as it is open, as a browser does.
    let mut conns = Vec::with_capacity(n);
    while conns.len() < n && Instant::now() < deadline {
        let more = open_many(addr, (n - conns.len()).min(16), deadline, attack);
        if more.is_empty() {
            break;
        }
        for mut c in more {
            c.send(GET);
            conns.push(c);
        }
    }
    attack.opened_max = attack.opened_max.max(conns.len());
    while Instant::now() < deadline {
        for c in conns.iter_mut() {
            if c.poll_closed() {
                attack.closed(c);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let still = conns.iter().filter(|c| !c.closed).count();
    attack.notes.push(format!(
        "{still} of {} idle connections still open at the end",
        conns.len()
    ));
}

fn flood(addr: SocketAddr, n: usize, deadline: Instant, attack: &mut Attack) {
    let opened = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for i in 0..n.max(1) {
            let (opened, failed) = (&opened, &failed);
            scope.spawn(move || {
                while Instant::now() < deadline {
                    match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
                        Ok(mut s) => {
                            opened.fetch_add(1, Ordering::Relaxed);
                            // Half send a request and leave at once.
                            if i % 2 == 0 {
                                let _ = s.write_all(GET);
                            }
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    attack.opened_max = n;
    attack.notes.push(format!(
        "{} connections opened and closed, {} refused or timed out",
        opened.into_inner(),
        failed.into_inner()
    ));
}

fn slow_reader(addr: SocketAddr, n: usize, deadline: Instant, attack: &mut Attack) {
    let mut conns = open_many(addr, n, deadline, attack);
    let batch = GET.repeat(64);
    while Instant::now() < deadline {
        for c in conns.iter_mut() {
            if c.closed || c.sent >= SLOW_READER_CAP {
                continue;
            }
            // Never read: only watch for an error on write.
            if !c.send(&batch) {
                c.closed = true;
                attack.closed(c);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent: usize = conns.iter().map(|c| c.sent).sum();
    attack.notes.push(format!(
        "{} KiB of pipelined requests written in all ({} requests), none read",
        sent >> 10,
        sent / GET.len()
    ));
}

fn oversize(addr: SocketAddr, deadline: Instant, attack: &mut Attack) {
    let mut big_head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    big_head.resize(big_head.len() + (1 << 20), b'a');
    big_head.extend_from_slice(b"\r\n\r\n");
    let mut many = b"GET / HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..10_000 {
        let _ = write!(many, "X-F{i}: v\r\n");
    }
    many.extend_from_slice(b"\r\n");
    let body_head: &[u8] =
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1073741824\r\n\r\n";
    let chunk = vec![b'x'; 64 << 10];
    let kinds: [(&str, &[u8]); 3] = [
        ("1 MiB head", &big_head),
        ("10,000 fields", &many),
        ("1 GiB body", body_head),
    ];
    let mut conns: Vec<(usize, Conn, usize)> = Vec::new();
    for (k, _) in kinds.iter().enumerate() {
        if let Ok(c) = Conn::open(addr) {
            conns.push((k, c, 0));
        } else {
            attack.open_failures += 1;
        }
    }
    attack.opened_max = conns.len();
    // The heads go as fast as the server takes them; the body at 64 KiB
    // every 100 ms (640 KiB/s), so 1 GiB would take half an hour.
    let mut last_body = Instant::now();
    while Instant::now() < deadline && conns.iter().any(|(_, c, _)| !c.closed) {
        let body_tick = last_body.elapsed() >= Duration::from_millis(100);
        if body_tick {
            last_body = Instant::now();
        }
        for (k, c, off) in conns.iter_mut() {
            if c.poll_closed() {
                attack.closed(c);
                continue;
            }
            if c.closed || !c.got.is_empty() {
                continue;
            }
            let bytes = kinds[*k].1;
            if *off < bytes.len() {
                let before = c.sent;
                if !c.send(&bytes[*off..]) {
                    c.closed = true;
                    attack.closed(c);
                }
                *off += c.sent - before;
            } else if *k == 2 && body_tick && !c.send(&chunk) {
                c.closed = true;
                attack.closed(c);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for (k, c, _) in &conns {
        let what = kinds[*k].0;
        let sent = c.sent;
        let answer = match status_of(&c.got) {
            Some(s) => format!("answered {s}"),
            None if c.closed => "closed without an answer".to_owned(),
            None => {
                attack.oversize_unanswered += 1;
                "neither answered nor closed".to_owned()
            }
        };
        attack
            .notes
            .push(format!("{what}: {answer} after {} KiB sent", sent >> 10));
    }
}

/// Runs one scenario against `addr`, with the probe alongside, and
/// `pid`'s memory and threads sampled when given.
pub fn run_plan(addr: SocketAddr, plan: Plan, pid: Option<u32>) -> Outcome {
    let stop_probe = AtomicBool::new(false);
    let stop_sampler = AtomicBool::new(false);
    let log = Mutex::new(ProbeLog::default());
    let peaks = Arc::new(Peaks::default());
    let start_rss = pid.and_then(proc_sample).map(|(rss, _)| rss);
    let mut attack = Attack::default();
    let started = Instant::now();
    let mut ended = started;
    std::thread::scope(|scope| {
        if let Some(pid) = pid {
            let (stop, peaks) = (&stop_sampler, &peaks);
            scope.spawn(move || sample_until(pid, stop, peaks));
        }
        let probe = scope.spawn(|| probe_until(addr, &stop_probe, &log));
        let deadline = started + plan.duration;
        let n = plan.connections;
        match plan.scenario {
            Scenario::Slowloris => slowloris(addr, n, deadline, &mut attack),
            Scenario::Idle => idle(addr, n, deadline, &mut attack),
            Scenario::Siege => {
                // One third dribbling, two thirds idle (500 + 1000 by default).
                let mut other = Attack::default();
                std::thread::scope(|inner| {
                    let other = &mut other;
                    inner.spawn(move || slowloris(addr, n / 3, deadline, other));
                    idle(addr, n - n / 3, deadline, &mut attack);
                });
                attack.opened_max += other.opened_max;
                attack.open_failures += other.open_failures;
                attack.server_closed += other.server_closed;
                attack.close_after.extend(other.close_after);
                for (s, k) in other.statuses {
                    *attack.statuses.entry(s).or_default() += k;
                }
                attack.notes.extend(other.notes);
                attack.notes.push(format!(
                    "{} slowloris and {} idle connections at once",
                    n / 3,
                    n - n / 3
                ));
            }
            Scenario::Flood => flood(addr, n, deadline, &mut attack),
            Scenario::SlowReader => slow_reader(addr, n, deadline, &mut attack),
            Scenario::Oversize => oversize(addr, deadline, &mut attack),
        }
        // A probe counts as during when it started before the attack
        // ended; the probe runs on for AFTER with the attack gone.
        ended = Instant::now();
        std::thread::sleep(AFTER);
        stop_probe.store(true, Ordering::Relaxed);
        let _ = probe.join();
        stop_sampler.store(true, Ordering::Relaxed);
    });
    let log = log.into_inner().unwrap_or_else(|e| e.into_inner());
    let far = ended + Duration::from_secs(3600);
    let (tried, answered, latencies) = tally(&log, started, ended);
    let (after_tried, after_answered, _) = tally(&log, ended, far);
    let mut close_after = attack.close_after.clone();
    close_after.sort_unstable();
    if attack.open_failures > 0 {
        attack.notes.push(format!(
            "{} connection attempts failed",
            attack.open_failures
        ));
    }
    let mut outcome = Outcome {
        scenario: plan.scenario.name(),
        verdict: "held",
        reasons: Vec::new(),
        connections: plan.connections,
        opened: attack.opened_max,
        duration_s: plan.duration.as_secs_f64(),
        tried,
        answered,
        errors: tried - answered,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: percentile(&latencies, 1.0),
        after_tried,
        after_answered,
        peak_rss: pid.map(|_| peaks.rss.load(Ordering::Relaxed)),
        start_rss,
        peak_threads: pid.map(|_| peaks.threads.load(Ordering::Relaxed)),
        server_closed: attack.server_closed,
        close_after_s: close_after
            .get(close_after.len() / 2)
            .map(|d| (d.as_secs_f64() * 10.0).round() / 10.0),
        statuses: attack.statuses.into_iter().collect(),
        notes: attack.notes,
    };
    let (verdict, reasons) = judge(&outcome, attack.oversize_unanswered);
    outcome.verdict = verdict;
    outcome.reasons = reasons;
    outcome
}

// ---------------------------------------------------------------------------
// Reports

/// The terminal table of `outcomes`.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<11} {:<8} {:>6} {:>7} {:>7} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8} {:>6}",
        "scenario",
        "verdict",
        "conns",
        "tried",
        "answer",
        "errors",
        "p50 ms",
        "p99 ms",
        "max ms",
        "after",
        "closed",
        "peak RSS",
        "thr"
    );
    for o in outcomes {
        let mib =
            |b: Option<u64>| b.map_or("-".to_owned(), |b| format!("{:.1}M", b as f64 / 1048576.0));
        let _ = writeln!(
            out,
            "{:<11} {:<8} {:>6} {:>7} {:>7} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8} {:>7} {:>8} {:>6}",
            o.scenario,
            o.verdict,
            o.opened,
            o.tried,
            o.answered,
            o.errors,
            o.p50_ms,
            o.p99_ms,
            o.max_ms,
            format!("{}/{}", o.after_answered, o.after_tried),
            o.server_closed,
            mib(o.peak_rss),
            o.peak_threads.map_or("-".to_owned(), |t| t.to_string()),
        );
    }
    for o in outcomes {
        let mut parts = Vec::new();
        if let Some(s) = o.close_after_s {
            parts.push(format!(
                "server closed attack connections after {s} s (median)"
            ));
        }
        if !o.statuses.is_empty() {
            let list: Vec<String> = o.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
            parts.push(format!("answers on them {}", list.join(" ")));
        }
        parts.extend(o.notes.iter().cloned());
        parts.extend(o.reasons.iter().map(|r| format!("{}: {r}", o.verdict)));
        if !parts.is_empty() {
            let _ = writeln!(out, "  {}: {}", o.scenario, parts.join("; "));
        }
    }
    let _ = writeln!(out, "Thresholds: {}", thresholds_text());
    out
}

/// Stress a server with bounded robustness scenarios; a probe client measures what a normal client sees meanwhile.
#[derive(Debug, Parser)]
#[command(
    name = "harness stress",
    version,
    after_help = "Scenarios (default connections, duration):
  slowloris    500 conns, 15 s: each dribbles a request head, one byte every 2 s, never ending it; re-opened when closed
  idle         1000 conns, 15 s: keep-alive, one GET each, then silent
  siege        1500 conns, 15 s: slowloris (one third) and idle (two thirds) at once
  flood        8 openers, 5 s: connect and close as fast as possible, half sending a GET first
  slow-reader  8 conns, 15 s: pipeline GETs (up to 16 MiB each) and never read
  oversize     3 conns, 10 s: a 1 MiB head; 10,000 fields; Content-Length 1 GiB, body at 640 KiB/s

Meanwhile a probe sends GET / (Connection: close) on a fresh connection every 20 ms (2 s timeout),
and for 1 s after each scenario.

Verdicts: held, degraded, failed.
  failed:   no probe answered in the 1 s after the scenario, or under 50% answered during it
  degraded: a probe unanswered (timeout, reset, refused, 5xx), probe p99 > 50 ms,
            peak RSS > 64 MiB (with --pid), or an oversize request neither answered nor closed
Latency depends on the machine and its load: these are measurements, not conformance verdicts.

The soft open-files limit is raised to the hard limit; when it still is too low, the table says
how many connections were opened.

Exit status: 0 every scenario held; 1 some scenario degraded or failed; 2 usage error or
unreachable target."
)]
struct Args {
    /// Server to stress, HOST:PORT or http://HOST:PORT/ (default: the reference server, started in-process).
    #[arg(long, value_name = "HOST:PORT")]
    target: Option<String>,
    /// Allow a --target that is not on the loopback interface.
    #[arg(long)]
    allow_remote: bool,
    /// Scenario to run (repeatable; default: all, in the order listed below).
    #[arg(long, value_name = "NAME", value_enum)]
    scenario: Vec<Scenario>,
    /// Seconds each scenario lasts (default: its own, listed below).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    duration: Option<Duration>,
    /// Connections of each scenario (default: its own, listed below).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20_000))]
    connections: Option<u32>,
    /// Process id of the server (local), to sample its peak RSS and threads from /proc.
    #[arg(long, value_name = "PID")]
    pid: Option<u32>,
    /// Write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(0.1..=600.0).contains(&secs) {
        return Err(format!("{text} s: give 0.1 to 600 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The JSON report.
#[derive(Serialize)]
struct Report<'a> {
    target: String,
    pid: Option<u32>,
    open_files_limit: Option<u64>,
    thresholds: String,
    scenarios: &'a [Outcome],
}

/// `harness stress ARGS...`.
pub fn main(args: &[String]) -> ExitCode {
    let args: Args = match crate::cli::parse_args("harness stress", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    if let Some(pid) = args.pid {
        if proc_sample(pid).is_none() {
            eprintln!("error: --pid {pid}: no such local process (/proc/{pid}/status unreadable)");
            return ExitCode::from(2);
        }
    }
    let limit = raise_fd_limit();
    let _embedded;
    let addr = match &args.target {
        Some(t) => match resolve_target(t, args.allow_remote, Duration::from_secs(2)) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => match crate::replay::start_reference_server() {
            Ok(h) => {
                let a = h.addr();
                _embedded = h;
                a
            }
            Err(e) => {
                eprintln!("error: cannot start the reference server: {e}");
                return ExitCode::from(2);
            }
        },
    };
    if let Err(e) = crate::run::check_reachable(addr, Duration::from_secs(2)) {
        eprintln!("error: {addr}: {e} (is the server running?)");
        return ExitCode::from(2);
    }
    let scenarios = if args.scenario.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenario.clone()
    };
    let plans: Vec<Plan> = scenarios
        .iter()
        .map(|&s| Plan {
            scenario: s,
            connections: args
                .connections
                .map_or(s.default_connections(), |n| n as usize),
            duration: args.duration.unwrap_or(s.default_duration()),
        })
        .collect();
    let most = plans.iter().map(|p| p.connections).max().unwrap_or(0) as u64;
    if let Some(limit) = limit.filter(|&l| l < most + 64) {
        eprintln!(
            "warning: open-files limit {limit}: at most about {} connections can be opened \
             (asked for {most}); the table says how many were",
            limit.saturating_sub(64)
        );
    }
    eprintln!("stressing {addr}");
    let mut outcomes = Vec::new();
    for plan in plans {
        eprintln!(
            "  {}: {} connections, {:.1} s ...",
            plan.scenario.name(),
            plan.connections,
            plan.duration.as_secs_f64()
        );
        outcomes.push(run_plan(addr, plan, args.pid));
    }
    print!("{}", table(&outcomes));
    if let Some(path) = &args.json {
        let report = Report {
            target: addr.to_string(),
            pid: args.pid,
            open_files_limit: limit,
            thresholds: thresholds_text(),
            scenarios: &outcomes,
        };
        let text = serde_json::to_string_pretty(&report).expect("serializable");
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("error: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if outcomes.iter().all(|o| o.verdict == "held") {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> Outcome {
        Outcome {
            scenario: "idle",
            verdict: "held",
            reasons: vec![],
            connections: 1,
            opened: 1,
            duration_s: 1.0,
            tried: 100,
            answered: 100,
            errors: 0,
            p50_ms: 1.0,
            p99_ms: 2.0,
            max_ms: 3.0,
            after_tried: 50,
            after_answered: 50,
            peak_rss: None,
            start_rss: None,
            peak_threads: None,
            server_closed: 0,
            close_after_s: None,
            statuses: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn verdicts_follow_the_thresholds() {
        assert_eq!(judge(&outcome(), 0).0, "held");
        let o = Outcome {
            p99_ms: 51.0,
            ..outcome()
        };
        assert_eq!(judge(&o, 0).0, "degraded");
        let o = Outcome {
            answered: 99,
            errors: 1,
            ..outcome()
        };
        assert_eq!(judge(&o, 0).0, "degraded");
        assert_eq!(judge(&outcome(), 1).0, "degraded");
        let o = Outcome {
            peak_rss: Some(RSS_LIMIT + 1),
            ..outcome()
        };
        assert_eq!(judge(&o, 0).0, "degraded");
        let o = Outcome {
            after_answered: 0,
            ..outcome()
        };
        assert_eq!(judge(&o, 0).0, "failed");
        let o = Outcome {
            answered: 49,
            errors: 51,
            ..outcome()
        };
        assert_eq!(judge(&o, 0).0, "failed");
    }

    #[test]
    fn status_and_completeness_of_a_response() {
        assert_eq!(status_of(b"HTTP/1.1 408 Request Timeout\r\n"), Some(408));
        assert_eq!(status_of(b"HTTP/1.0 200 OK"), Some(200));
        assert_eq!(status_of(b"HTTP/1.1 2"), None);
        assert!(response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
        ));
        assert!(!response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi"
        ));
    }
}
