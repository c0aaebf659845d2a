//! Sends a fixture to a server in many ways and checks that every way gets
//! the same response bytes.
//!
//! A server must not care how a request is cut into TCP segments
//! (RFC 9112 §2.1: a message is a sequence of octets; how they arrive is
//! not part of it), so each fixture goes over a real socket:
//!
//! - whole, in one write;
//! - split in two at sampled offsets of its head ([`split_offsets`]);
//! - in seeded random pieces ([`random_pieces`], a fixed-seed [`Prng`]);
//! - one byte at a time;
//! - pipelined behind another request on the same connection
//!   (RFC 9112 §9.3.2: a server answers pipelined requests in order).
//!
//! Each exchange writes the pieces with `TCP_NODELAY`, half-closes the
//! sending side and reads to EOF (the server answers every complete
//! request it received, then closes). Every read is bounded by a timeout,
//! so a hung server fails fast instead of hanging the suite.
//!
//! A recorded connection ([`Sequence`]: fixtures sharing a sidecar
//! `session` and `connection`, ordered by `position`) is replayed on one
//! connection and must get the concatenation of each request's response
//! alone, up to the first response after which the connection closes.
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime};

use crate::fixture::Fixture;
use crate::http::Part;
pub use crate::http::{closes_connection, expects_continue, head_len, method_of};
use crate::render::escape;

/// The instant the replay server's clock is stopped at:
/// 2026-01-01T00:00:00Z, so `Date` is the same in every snapshot.
pub const FIXED_TIME_SECS: u64 = 1_767_225_600;

/// Most split offsets tried per fixture; the first and last few offsets of
/// the head are always among them.
pub const MAX_SPLIT_OFFSETS: usize = 64;

/// How many random piece patterns are tried per fixture.
pub const RANDOM_PATTERNS: u64 = 4;

/// Above this size a request is sent one byte at a time only up to the end
/// of its head plus this many body bytes; the rest goes in one write.
pub const BYTEWISE_BODY_LIMIT: usize = 4096;

/// Starts the reference server on `127.0.0.1:0` with its clock stopped at
/// [`FIXED_TIME_SECS`] and logging off.
pub fn start_reference_server() -> io::Result<server::Handle> {
    let config = server::Config {
        clock: std::sync::Arc::new(server::clock::FixedClock(
            SystemTime::UNIX_EPOCH + Duration::from_secs(FIXED_TIME_SECS),
        )),
        log: false,
        ..Default::default()
    };
    Ok(server::Server::bind("127.0.0.1:0", config)?.spawn())
}

/// Where and how to send.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The server's address.
    pub addr: SocketAddr,
    /// Bound on each read and write, and on the whole exchange.
    pub timeout: Duration,
    /// Pause between pieces where a pause matters (two-piece splits and
    /// random pieces), so the server's first read likely ends at the cut.
    pub pause: Duration,
    /// Response fields blanked in what every exchange returns (none for
    /// the reference server, whose clock is stopped; `Date` at least for a
    /// server whose clock runs): see [`crate::redact`].
    pub redact: crate::redact::Redactions,
    /// Whether a connection reset after some bytes were read ends the
    /// stream like a close. Off for the reference server, which closes in
    /// stages (RFC 9112 §9.6) so that a reset never happens; on for a
    /// server that resets after an error answer (Node's `http`), where
    /// whether the reset or the close comes first is a matter of timing.
    pub reset_after_answer_is_close: bool,
}

impl Target {
    /// A target with a 5 s timeout, a 200 µs pause and nothing redacted.
    pub fn new(addr: SocketAddr) -> Target {
        Target {
            addr,
            timeout: Duration::from_secs(5),
            pause: Duration::from_micros(200),
            redact: crate::redact::Redactions::NONE,
            reset_after_answer_is_close: false,
        }
    }
}

/// An exchange that could not complete.
#[derive(Debug)]
pub struct ExchangeError {
    /// What went wrong (connect, write, read, timeout).
    pub message: String,
    /// The bytes read before it went wrong.
    pub partial: Vec<u8>,
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (after reading {} bytes: {})",
            self.message,
            self.partial.len(),
            preview(&self.partial, 400)
        )
    }
}

impl std::error::Error for ExchangeError {}

/// Sends `pieces` over one new connection, one write each (pausing
/// `pause` between them when `pause` is non-zero), half-closes, and reads
/// everything until the server closes. What was read comes back with
/// `target.redact` applied.
///
/// The reading runs on its own thread while the pieces are written, so a
/// large response cannot block the writer. A write that fails because the
/// server already closed (it may answer an error and close early) stops the
/// writing; what was read is still returned.
pub fn exchange(
    target: &Target,
    pieces: &[&[u8]],
    pause: Duration,
) -> Result<Vec<u8>, ExchangeError> {
    let fail = |message: String, partial: Vec<u8>| ExchangeError { message, partial };
    let stream = TcpStream::connect_timeout(&target.addr, target.timeout)
        .map_err(|e| fail(format!("connect to {}: {e}", target.addr), vec![]))?;
    let setup = |s: &TcpStream| -> io::Result<()> {
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(target.timeout))?;
        s.set_write_timeout(Some(target.timeout))
    };
    setup(&stream).map_err(|e| fail(format!("socket options: {e}"), vec![]))?;
    let mut reader = stream
        .try_clone()
        .map_err(|e| fail(format!("clone socket: {e}"), vec![]))?;
    let deadline = Instant::now() + target.timeout;

    std::thread::scope(|scope| {
        let reset_is_close = target.reset_after_answer_is_close;
        let read = scope.spawn(move || read_to_close(&mut reader, deadline, reset_is_close));
        let mut writer = &stream;
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 && !pause.is_zero() {
                std::thread::sleep(pause);
            }
            if writer
                .write_all(piece)
                .and_then(|()| writer.flush())
                .is_err()
            {
                // The server closed its side; whatever it answered is
                // already on its way to the reader.
                break;
            }
        }
        let _ = stream.shutdown(Shutdown::Write);
        let (bytes, outcome) = read.join().expect("reader thread panicked");
        match outcome {
            Ok(()) => Ok(target.redact.apply(bytes)),
            Err(message) => Err(fail(message, bytes)),
        }
    })
}

fn read_to_close(
    reader: &mut TcpStream,
    deadline: Instant,
    reset_is_close: bool,
) -> (Vec<u8>, Result<(), String>) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if Instant::now() > deadline {
            return (
                bytes,
                Err("the server did not close the connection in time".into()),
            );
        }
        match reader.read(&mut buf) {
            Ok(0) => return (bytes, Ok(())),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return (
                    bytes,
                    Err("timed out waiting for the server to answer or close".into()),
                )
            }
            Err(e)
                if reset_is_close
                    && !bytes.is_empty()
                    && e.kind() == io::ErrorKind::ConnectionReset =>
            {
                return (bytes, Ok(()))
            }
            Err(e) => return (bytes, Err(format!("read: {e}"))),
        }
    }
}

/// The offsets (1..=`head_len`) at which to cut a request in two: all of
/// them when there are at most `max`, otherwise the first and last eight
/// and an even spread in between. Deterministic.
pub fn split_offsets(head_len: usize, max: usize) -> Vec<usize> {
    let all: Vec<usize> = (1..=head_len).collect();
    if all.len() <= max.max(16) {
        return all;
    }
    let mut picked: Vec<usize> = all[..8].to_vec();
    picked.extend_from_slice(&all[all.len() - 8..]);
    let middle = &all[8..all.len() - 8];
    let room = max - 16;
    for k in 0..room {
        picked.push(middle[k * middle.len() / room]);
    }
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// A tiny deterministic generator (SplitMix64), so that random pieces are
/// the same on every run and a failure can be reproduced from its seed.
#[derive(Debug, Clone)]
pub struct Prng(u64);

impl Prng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Prng {
        Prng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `1..=max` (`max` ≥ 1).
    pub fn one_to(&mut self, max: usize) -> usize {
        1 + (self.next_u64() % max as u64) as usize
    }
}

/// Cuts `bytes` into pieces of 1 to 16 bytes (the seed decides), covering
/// all of them in order.
pub fn random_pieces(bytes: &[u8], seed: u64) -> Vec<&[u8]> {
    let mut rng = Prng::new(seed);
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = rng.one_to(16).min(rest.len());
        pieces.push(&rest[..n]);
        rest = &rest[n..];
    }
    pieces
}

/// One byte per piece for the head and up to [`BYTEWISE_BODY_LIMIT`] body
/// bytes, then the rest in one piece.
pub fn bytewise_pieces(bytes: &[u8]) -> Vec<&[u8]> {
    let cut = (head_len(bytes) + BYTEWISE_BODY_LIMIT).min(bytes.len());
    let mut pieces: Vec<&[u8]> = bytes[..cut].chunks(1).collect();
    if cut < bytes.len() {
        pieces.push(&bytes[cut..]);
    }
    pieces
}

/// A seed derived from a fixture's name (FNV-1a), so each fixture gets its
/// own random pieces, stable across runs and machines.
pub fn seed_for(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A way of sending, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// In one write.
    Whole,
    /// In two writes, cut at this offset.
    SplitAt(usize),
    /// In random pieces from this seed.
    Random(u64),
    /// One byte per write.
    ByteByByte,
    /// On one connection behind the named request.
    PipelinedBehind(String),
    /// The recorded sequence on one connection.
    Sequence,
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Way::Whole => write!(f, "whole"),
            Way::SplitAt(n) => write!(f, "split at byte {n}"),
            Way::Random(seed) => write!(f, "random pieces, seed {seed:#018x}"),
            Way::ByteByByte => write!(f, "one byte at a time"),
            Way::PipelinedBehind(name) => write!(f, "pipelined behind {name}"),
            Way::Sequence => write!(f, "the recorded sequence on one connection"),
        }
    }
}

/// Why a replay failed.
#[derive(Debug)]
pub enum Failure {
    /// An exchange could not complete.
    Exchange {
        /// How it was sent.
        way: Way,
        /// What went wrong.
        error: ExchangeError,
    },
    /// Two ways of sending got different bytes.
    Mismatch(Mismatch),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Exchange { way, error } => write!(f, "sent {way}: {error}"),
            Failure::Mismatch(m) => m.fmt(f),
        }
    }
}

impl std::error::Error for Failure {}

/// Two ways of sending the same bytes that got different answers.
#[derive(Debug)]
pub struct Mismatch {
    /// The reference way and what it got (e.g. whole, or the concatenation
    /// of each request alone).
    pub expected_way: String,
    /// The expected bytes.
    pub expected: Vec<u8>,
    /// The way that disagreed.
    pub way: Way,
    /// What it got.
    pub got: Vec<u8>,
}

impl Mismatch {
    /// Offset of the first differing byte (or the shorter length).
    pub fn first_difference(&self) -> usize {
        first_difference(&self.expected, &self.got).unwrap_or(0)
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.first_difference();
        writeln!(
            f,
            "sent {} the response differs from {}: first difference at byte {at}",
            self.way, self.expected_way
        )?;
        for (label, bytes) in [
            (self.expected_way.as_str(), &self.expected),
            (&self.way.to_string(), &self.got),
        ] {
            let near = at.saturating_sub(120);
            writeln!(
                f,
                "--- {label}: {} bytes; from byte {near}, difference marked ⟨here⟩:",
                bytes.len()
            )?;
            let (before, after) = bytes.split_at(at.min(bytes.len()));
            writeln!(
                f,
                "{}⟨here⟩{}",
                escape(&before[near.min(before.len())..]),
                preview(after, 400)
            )?;
        }
        Ok(())
    }
}

/// The first offset where `a` and `b` differ, `None` if equal.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    if a == b {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len())),
    )
}

fn preview(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        escape(bytes)
    } else {
        format!(
            "{}… ({} more bytes)",
            escape(&bytes[..max]),
            bytes.len() - max
        )
    }
}

/// What a successful replay established.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The response bytes every way agreed on.
    pub response: Vec<u8>,
    /// How many exchanges were made.
    pub exchanges: usize,
    /// Whether 100 (Continue) interim responses were left out (the request
    /// expects 100-continue; see [`replay_request`]).
    pub continues_left_out: bool,
}

/// A request to pipeline a fixture behind: its name, bytes and its
/// response alone. It must leave the connection open.
#[derive(Debug, Clone)]
pub struct Lead<'a> {
    /// Its name, for messages.
    pub name: &'a str,
    /// Its exact bytes.
    pub request: &'a [u8],
    /// What it gets alone.
    pub response: &'a [u8],
}

/// Sends `request` whole, split at sampled head offsets, in random pieces,
/// byte by byte and (if `lead` is given) pipelined behind `lead`, and
/// checks that all get the same bytes (pipelined: `lead`'s response, then
/// this one's).
///
/// One difference is allowed: when a request says `Expect: 100-continue`,
/// "A server MAY omit sending a 100 (Continue) response if it has already
/// received some or all of the content for the corresponding request"
/// (RFC 9110 §10.1.1), so whether a `100 Continue` comes first depends on
/// how the bytes arrived. For such requests the interim 100 responses are
/// left out of every comparison and of [`Replay::response`].
pub fn replay_request(
    target: &Target,
    name: &str,
    request: &[u8],
    lead: Option<&Lead<'_>>,
) -> Result<Replay, Failure> {
    let strip = expects_continue(request);
    let whole =
        exchange(target, &[request], Duration::ZERO).map_err(|error| Failure::Exchange {
            way: Way::Whole,
            error,
        })?;
    let whole = comparable(&whole, &[method_of(request)], strip);
    let mut exchanges = 1;
    let mut check = |way: Way,
                     pieces: &[&[u8]],
                     pause: Duration,
                     methods: &[&[u8]],
                     strip: bool,
                     expected: &[u8],
                     expected_way: &str| {
        exchanges += 1;
        let got = exchange(target, pieces, pause).map_err(|error| Failure::Exchange {
            way: way.clone(),
            error,
        })?;
        let got = comparable(&got, methods, strip);
        if got == expected {
            Ok(())
        } else {
            Err(Failure::Mismatch(Mismatch {
                expected_way: expected_way.to_owned(),
                expected: expected.to_vec(),
                way,
                got,
            }))
        }
    };
    let alone = [method_of(request)];
    for at in split_offsets(head_len(request).min(request.len()), MAX_SPLIT_OFFSETS) {
        if at >= request.len() {
            continue;
        }
        let (a, b) = request.split_at(at);
        let way = Way::SplitAt(at);
        check(way, &[a, b], target.pause, &alone, strip, &whole, "whole")?;
    }
    let base = seed_for(name);
    for k in 0..RANDOM_PATTERNS {
        let seed = base.wrapping_add(k);
        let pieces = random_pieces(request, seed);
        let pause = target.pause / 4;
        check(
            Way::Random(seed),
            &pieces,
            pause,
            &alone,
            strip,
            &whole,
            "whole",
        )?;
    }
    let pieces = bytewise_pieces(request);
    check(
        Way::ByteByByte,
        &pieces,
        Duration::ZERO,
        &alone,
        strip,
        &whole,
        "whole",
    )?;
    if let Some(lead) = lead {
        let methods = [method_of(lead.request), method_of(request)];
        let strip = strip || expects_continue(lead.request);
        let lead_alone = comparable(lead.response, &methods[..1], strip);
        let expected = [&lead_alone[..], &whole].concat();
        let expected_way = format!("{} alone, then this alone", lead.name);
        let way = Way::PipelinedBehind(lead.name.to_owned());
        let pieces = [lead.request, request];
        check(
            way,
            &pieces,
            Duration::ZERO,
            &methods,
            strip,
            &expected,
            &expected_way,
        )?;
        // The same two requests in one write.
        let joined = [lead.request, request].concat();
        let way = Way::PipelinedBehind(format!("{} (one write)", lead.name));
        check(
            way,
            &[&joined],
            Duration::ZERO,
            &methods,
            strip,
            &expected,
            &expected_way,
        )?;
    }
    Ok(Replay {
        response: whole,
        exchanges,
        continues_left_out: strip,
    })
}

/// A response stream as ways of sending are compared: as it is, or with
/// `strip`, without its 100 (Continue) interim responses.
pub fn comparable(stream: &[u8], methods: &[&[u8]], strip: bool) -> Vec<u8> {
    if !strip {
        return stream.to_vec();
    }
    let mut out = Vec::with_capacity(stream.len());
    for part in crate::http::split_responses(stream, methods) {
        match part {
            Part::Response(r) if r.status == 100 => {}
            Part::Response(r) => {
                out.extend_from_slice(r.head);
                out.extend_from_slice(r.body);
            }
            Part::Unparsed(b) => out.extend_from_slice(b),
        }
    }
    out
}

/// Fixtures recorded on one connection: same sidecar `client`, `session`
/// and `connection`, ordered by `position`.
#[derive(Debug, Clone)]
pub struct Sequence<'a> {
    /// `CLIENT/SESSION/CONNECTION`, e.g. `chromium/reload/0`. The client
    /// is part of the key: two clients' captures may share a session name.
    pub name: String,
    /// The fixtures in `position` order.
    pub fixtures: Vec<&'a Fixture>,
}

/// Groups fixtures into their recorded connections. Only connections with
/// at least two requests are returned (one request alone is already
/// replayed as itself); fixtures without `session` or `connection` are not
/// part of any.
pub fn sequences(fixtures: &[Fixture]) -> Vec<Sequence<'_>> {
    type Key = (String, String, u64);
    let mut groups: std::collections::BTreeMap<Key, Vec<&Fixture>> = Default::default();
    for f in fixtures {
        if let (Some(session), Some(conn)) = (&f.sidecar.session, f.sidecar.connection) {
            let key = (f.sidecar.client.clone(), session.clone(), conn);
            groups.entry(key).or_default().push(f);
        }
    }
    groups
        .into_iter()
        .filter(|(_, fs)| fs.len() >= 2)
        .map(|((client, session, conn), mut fs)| {
            fs.sort_by_key(|f| (f.sidecar.position.unwrap_or(u32::MAX), f.name.clone()));
            Sequence {
                name: format!("{client}/{session}/{conn}"),
                fixtures: fs,
            }
        })
        .collect()
}

/// What a recorded connection got when replayed.
#[derive(Debug, Clone)]
pub struct SequenceReplay {
    /// The response bytes of the whole connection.
    pub response: Vec<u8>,
    /// How many of the requests were answered before the connection
    /// closed (all of them unless one asked to close).
    pub answered: usize,
    /// Whether 100 (Continue) interim responses were left out.
    pub continues_left_out: bool,
}

/// Replays a recorded connection's requests on one connection (in one
/// write, and one write per request) and checks that it gets each
/// request's response alone, concatenated, stopping after the first
/// response after which the server closes ([`closes_connection`]).
///
/// As in [`replay_request`], 100 (Continue) interim responses are left out
/// when any of the requests expects 100-continue.
pub fn replay_sequence(target: &Target, requests: &[&[u8]]) -> Result<SequenceReplay, Failure> {
    let strip = requests.iter().any(|r| expects_continue(r));
    let methods: Vec<&[u8]> = requests.iter().map(|r| method_of(r)).collect();
    let mut expected = Vec::new();
    let mut answered = 0;
    for request in requests {
        let alone =
            exchange(target, &[request], Duration::ZERO).map_err(|error| Failure::Exchange {
                way: Way::Whole,
                error,
            })?;
        expected.extend_from_slice(&comparable(&alone, &[method_of(request)], strip));
        answered += 1;
        if closes_connection(request, &alone) {
            break;
        }
    }
    let expected_way = if answered == requests.len() {
        "each request alone, concatenated".to_owned()
    } else {
        format!("each request alone, concatenated, up to request {answered} which closes")
    };
    // One write per request (with a pause, so the server likely reads them
    // apart), then all requests in one write.
    let joined = requests.concat();
    for (pieces, pause) in [
        (requests, target.pause),
        (&[&joined[..]][..], Duration::ZERO),
    ] {
        let got = exchange(target, pieces, pause).map_err(|error| Failure::Exchange {
            way: Way::Sequence,
            error,
        })?;
        let got = comparable(&got, &methods, strip);
        if got != expected {
            return Err(Failure::Mismatch(Mismatch {
                expected_way,
                expected,
                way: Way::Sequence,
                got,
            }));
        }
    }
    Ok(SequenceReplay {
        response: expected,
        answered,
        continues_left_out: strip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_heads_are_split_everywhere() {
        assert_eq!(split_offsets(5, 64), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn large_heads_are_sampled_with_both_ends() {
        let offs = split_offsets(1000, 64);
        assert!(offs.len() <= 64 && offs.len() > 40, "{}", offs.len());
        for k in (1..=8).chain(993..=1000) {
            assert!(offs.contains(&k), "missing {k}");
        }
        assert!(offs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(offs, split_offsets(1000, 64));
    }

    #[test]
    fn random_pieces_cover_the_input_and_depend_on_the_seed() {
        let input: Vec<u8> = (0..=255).collect();
        let a = random_pieces(&input, 1);
        assert_eq!(a.concat(), input);
        assert!(a.iter().all(|p| (1..=16).contains(&p.len())));
        assert_eq!(a, random_pieces(&input, 1));
        assert_ne!(a, random_pieces(&input, 2));
    }

    #[test]
    fn bytewise_pieces_cap_long_bodies() {
        let mut req = b"POST / HTTP/1.1\r\n\r\n".to_vec();
        req.resize(req.len() + BYTEWISE_BODY_LIMIT + 10, b'x');
        let pieces = bytewise_pieces(&req);
        assert_eq!(pieces.concat(), req);
        assert_eq!(pieces.last().unwrap().len(), 10);
    }

    #[test]
    fn continue_is_left_out_only_when_asked() {
        let post = b"POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx";
        assert!(expects_continue(post));
        assert!(!expects_continue(
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"
        ));
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        let with = [b"HTTP/1.1 100 Continue\r\n\r\n".as_slice(), ok].concat();
        assert_eq!(comparable(&with, &[b"POST"], true), ok);
        assert_eq!(comparable(&with, &[b"POST"], false), with);
        // A 1xx other than 100 stays.
        let early = [b"HTTP/1.1 103 Early Hints\r\n\r\n".as_slice(), ok].concat();
        assert_eq!(comparable(&early, &[b"POST"], true), early);
    }

    #[test]
    fn mismatch_names_the_offset_and_shows_both() {
        let m = Mismatch {
            expected_way: "whole".into(),
            expected: b"HTTP/1.1 200 OK\r\n".to_vec(),
            way: Way::SplitAt(3),
            got: b"HTTP/1.1 200 OK\n".to_vec(),
        };
        assert_eq!(m.first_difference(), 15);
        let text = m.to_string();
        assert!(text.contains("split at byte 3"), "{text}");
        assert!(text.contains("first difference at byte 15"), "{text}");
        assert!(text.contains("OK⟨here⟩\\r\\n"), "{text}");
        assert!(text.contains("OK⟨here⟩\\n"), "{text}");
    }

    #[test]
    fn exchange_against_a_server_that_never_closes_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"partial").unwrap();
            std::thread::sleep(Duration::from_millis(800));
        });
        let target = Target {
            timeout: Duration::from_millis(200),
            ..Target::new(addr)
        };
        let err = exchange(&target, &[b"GET / HTTP/1.1\r\n\r\n"], Duration::ZERO).unwrap_err();
        assert_eq!(err.partial, b"partial");
        hold.join().unwrap();
    }

    /// A server whose answer depends on how the request was cut (it
    /// reports how many reads it took) must fail the replay.
    #[test]
    fn a_server_that_depends_on_the_cut_fails_the_replay() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(200) {
                let Ok(mut s) = stream else { return };
                let (mut reads, mut buf) = (0, [0u8; 64]);
                while s.read(&mut buf).is_ok_and(|n| n > 0) {
                    reads += 1;
                }
                let body = if reads == 1 { "one read" } else { "many reads" };
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        match replay_request(&Target::new(addr), "cut", request, None) {
            Err(Failure::Mismatch(m)) => {
                assert_ne!(m.way, Way::Whole);
                assert!(m.to_string().contains("first difference at byte"));
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }

    #[test]
    fn exchange_reads_until_close() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let echo = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).unwrap();
            s.write_all(&got).unwrap();
        });
        let got = exchange(&Target::new(addr), &[b"ab", b"c"], Duration::ZERO).unwrap();
        assert_eq!(got, b"abc");
        echo.join().unwrap();
    }

    fn recorded(client: &str, session: &str, connection: u64, position: u32) -> Fixture {
        Fixture {
            path: std::path::PathBuf::new(),
            name: format!("{client}/{session}/{connection}-{position}.http"),
            bytes: b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
            sidecar: crate::fixture::Sidecar {
                client: client.into(),
                how: "test".into(),
                session: Some(session.into()),
                connection: Some(connection),
                position: Some(position),
                ..Default::default()
            },
        }
    }

    #[test]
    fn sequences_keep_clients_apart_and_order_by_position() {
        // Two clients' captures both name their session "reload": they are
        // two recorded connections, not one of four requests.
        let fixtures = vec![
            recorded("chromium", "reload", 0, 1),
            recorded("firefox", "reload", 0, 0),
            recorded("chromium", "reload", 0, 0),
            recorded("firefox", "reload", 0, 1),
            recorded("curl", "get", 0, 0),
        ];
        let seqs = sequences(&fixtures);
        let names: Vec<&str> = seqs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["chromium/reload/0", "firefox/reload/0"]);
        let order: Vec<&str> = seqs[0].fixtures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            order,
            ["chromium/reload/0-0.http", "chromium/reload/0-1.http"]
        );
    }
}
