//! `harness shrink`: cuts a request that a server answers differently from
//! the reference server down to the smallest bytes that still show the
//! same difference, and writes them as a new fixture.
//!
//! The difference is what both servers answer to the bytes sent in one
//! write on a fresh connection ([`Difference`]): the reference server's
//! statuses, and for an error the reason its page gives (digits masked, so
//! "at byte 20" and "at byte 7" are the same reason), against the other
//! server's statuses and whether it closed. Keeping the reference's reason
//! keeps the cause: a request cut down until it lacks `Host` would get a
//! 400 too, for another reason, and is not taken.
//!
//! [`shrink`] is delta debugging (Zeller and Hildebrandt's ddmin, removing
//! ever smaller chunks while the difference stays) over, in turn, the field
//! lines, the body's bytes, each field line's bytes and the method's and
//! target's bytes. The request-line keeps its shape: its spaces and version
//! stay, method and target keep at least one byte. The passes repeat until
//! one round removes nothing, within a budget of attempts and time
//! ([`Budget`]); each attempt is one exchange with each server.
//!
//! # Brief overview
//!
//! - [`Outcome`], [`outcome`]: what one server answered, as compared.
//! - [`Difference`]: the reference's outcome against the target's.
//! - [`shrink`]: the search, over any predicate (tests use plain ones).
//! - [`main`]: the command line.
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::cli::usage_error;
use crate::fixture::{self, Sidecar};
use crate::render::escape;
use crate::replay::{exchange, method_of, start_reference_server, Target};
use crate::snapshot::{split_responses, Part};

/// What one server answered to one write on a fresh connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// One entry per final response (1xx left out), in order: its status
    /// and, when the reason is kept, the text of its body with every run
    /// of digits as `N`. Bytes that are not a response are status 0.
    pub responses: Vec<(u16, Option<String>)>,
    /// Whether the server closed the connection (within the timeout).
    pub closed: bool,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.responses.is_empty() {
            write!(f, "no answer")?;
        }
        for (i, (status, reason)) in self.responses.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            match status {
                0 => write!(f, "bytes that are not a response")?,
                s => write!(f, "{s}")?,
            }
            if let Some(reason) = reason.as_deref().and_then(reason_line) {
                write!(f, " ({reason})")?;
            }
        }
        if self.closed {
            write!(f, ", then closed")
        } else {
            write!(f, ", and no close in time")
        }
    }
}

/// The `<p>` line of the reference server's error page, if there is one.
fn reason_line(body: &str) -> Option<&str> {
    let start = body.find("<p>")? + 3;
    let end = body[start..].find("</p>")? + start;
    Some(&body[start..end])
}

/// Sends `bytes` in one write and reads what comes back. With
/// `keep_reason`, the body of each 4xx/5xx response is kept with its
/// digits masked.
pub fn outcome(target: &Target, bytes: &[u8], keep_reason: bool) -> Outcome {
    let (stream, closed) = match exchange(target, &[bytes], Duration::ZERO) {
        Ok(stream) => (stream, true),
        Err(e) => (e.partial, false),
    };
    let mut responses = Vec::new();
    for part in split_responses(&stream, &[method_of(bytes)]) {
        match part {
            Part::Response(r) if (100..200).contains(&r.status) => {}
            Part::Response(r) => {
                let reason = (keep_reason && r.status >= 400)
                    .then(|| mask_digits(&String::from_utf8_lossy(r.body)));
                responses.push((r.status, reason));
            }
            Part::Unparsed(_) => responses.push((0, None)),
        }
    }
    Outcome { responses, closed }
}

fn mask_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The reference server's outcome against the target's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Difference {
    /// What the reference server answered (with its reasons).
    pub reference: Outcome,
    /// What the target answered.
    pub target: Outcome,
}

impl Difference {
    /// Whether the two differ in what is compared: the statuses, or
    /// whether the connection was closed.
    pub fn is_real(&self) -> bool {
        let statuses = |o: &Outcome| o.responses.iter().map(|r| r.0).collect::<Vec<_>>();
        statuses(&self.reference) != statuses(&self.target)
            || self.reference.closed != self.target.closed
    }
}

/// How much searching [`shrink`] may do.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Most inputs tried.
    pub attempts: usize,
    /// Most time spent.
    pub time: Duration,
}

/// What [`shrink`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shrunk {
    /// The smallest bytes found that still show the difference.
    pub bytes: Vec<u8>,
    /// Inputs tried (each once: repeats are remembered).
    pub attempts: usize,
    /// Whether the budget ran out before a round removed nothing.
    pub exhausted: bool,
}

/// A request cut into the parts the passes work on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    /// Method, up to the first space.
    method: Vec<u8>,
    /// Request-target, between the first two spaces.
    target: Vec<u8>,
    /// From the second space to the end of the request-line, line end
    /// included: the version stays as it is.
    rest_of_line: Vec<u8>,
    /// Field lines, each with its line end.
    fields: Vec<Vec<u8>>,
    /// The empty line ending the head (empty if there is none).
    blank: Vec<u8>,
    /// Everything after the head.
    body: Vec<u8>,
}

impl Request {
    fn parse(bytes: &[u8]) -> Request {
        let mut lines = bytes.split_inclusive(|&b| b == b'\n');
        let request_line = lines.next().unwrap_or_default();
        let mut words = request_line.splitn(3, |&b| b == b' ');
        let method = words.next().unwrap_or_default().to_vec();
        let (target, rest_of_line) = match (words.next(), words.next()) {
            (Some(t), Some(r)) => (t.to_vec(), [b" ".as_slice(), r].concat()),
            (Some(t), None) => (t.to_vec(), Vec::new()),
            _ => (Vec::new(), Vec::new()),
        };
        let (method, target, rest_of_line) = if target.is_empty() && rest_of_line.is_empty() {
            // No space at all: the line is kept whole, as the method.
            (request_line.to_vec(), Vec::new(), Vec::new())
        } else {
            (method, target, rest_of_line)
        };
        let mut fields = Vec::new();
        let mut used = request_line.len();
        let mut blank = Vec::new();
        for line in lines {
            used += line.len();
            if line == b"\r\n" || line == b"\n" {
                blank = line.to_vec();
                break;
            }
            fields.push(line.to_vec());
        }
        Request {
            method,
            target,
            rest_of_line,
            fields,
            blank,
            body: bytes[used.min(bytes.len())..].to_vec(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.method.clone();
        if !self.target.is_empty() || !self.rest_of_line.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(&self.target);
        out.extend_from_slice(&self.rest_of_line);
        for f in &self.fields {
            out.extend_from_slice(f);
        }
        out.extend_from_slice(&self.blank);
        out.extend_from_slice(&self.body);
        out
    }
}

/// Remembers answers and counts attempts against the budget.
struct Oracle<'a> {
    differs: &'a mut dyn FnMut(&[u8]) -> bool,
    seen: HashMap<Vec<u8>, bool>,
    budget: Budget,
    started: Instant,
    exhausted: bool,
}

impl Oracle<'_> {
    /// `Some(still differs)`, or `None` once the budget is spent.
    fn test(&mut self, bytes: Vec<u8>) -> Option<bool> {
        if let Some(&known) = self.seen.get(&bytes) {
            return Some(known);
        }
        if self.seen.len() >= self.budget.attempts || self.started.elapsed() >= self.budget.time {
            self.exhausted = true;
            return None;
        }
        let answer = (self.differs)(&bytes);
        self.seen.insert(bytes, answer);
        Some(answer)
    }
}

/// ddmin over `items`: removes chunks (halves, then quarters, ... single
/// items) while `test` of what is left says yes; `None` from `test` stops
/// the search where it is.
fn ddmin<T: Clone>(mut items: Vec<T>, test: &mut dyn FnMut(&[T]) -> Option<bool>) -> Vec<T> {
    let mut n = 2usize;
    while !items.is_empty() {
        let chunk = items.len().div_ceil(n.min(items.len()));
        let mut removed = false;
        let mut start = 0;
        while start < items.len() {
            let end = (start + chunk).min(items.len());
            let candidate: Vec<T> = items[..start]
                .iter()
                .chain(&items[end..])
                .cloned()
                .collect();
            match test(&candidate) {
                None => return items,
                Some(true) => {
                    items = candidate;
                    removed = true;
                    break;
                }
                Some(false) => start = end,
            }
        }
        if removed {
            n = n.saturating_sub(1).max(2);
        } else if chunk == 1 {
            break;
        } else {
            n = (n * 2).min(items.len());
        }
    }
    items
}

/// Cuts `bytes` down while `differs` holds, within `budget`. `differs`
/// must hold for `bytes` itself; the result is never longer than it.
pub fn shrink(bytes: &[u8], differs: &mut dyn FnMut(&[u8]) -> bool, budget: Budget) -> Shrunk {
    let mut oracle = Oracle {
        differs,
        seen: HashMap::new(),
        budget,
        started: Instant::now(),
        exhausted: false,
    };
    oracle.seen.insert(bytes.to_vec(), true);
    let mut best = Request::parse(bytes);
    loop {
        let before = best.bytes();
        // 1. Whole field lines.
        let fields = {
            let base = best.clone();
            ddmin(best.fields.clone(), &mut |fields: &[Vec<u8>]| {
                let r = Request {
                    fields: fields.to_vec(),
                    ..base.clone()
                };
                oracle.test(r.bytes())
            })
        };
        best.fields = fields;
        // 2. The body's bytes.
        let body = {
            let base = best.clone();
            ddmin(best.body.clone(), &mut |body: &[u8]| {
                let r = Request {
                    body: body.to_vec(),
                    ..base.clone()
                };
                oracle.test(r.bytes())
            })
        };
        best.body = body;
        // 3. Each field line's bytes (its line end kept).
        for i in 0..best.fields.len() {
            let line = best.fields[i].clone();
            let content_len = line.len()
                - line
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\r' || b == b'\n')
                    .count();
            let (content, ending) = line.split_at(content_len);
            let base = best.clone();
            let kept = ddmin(content.to_vec(), &mut |content: &[u8]| {
                if content.is_empty() {
                    return Some(false);
                }
                let mut r = base.clone();
                r.fields[i] = [content, ending].concat();
                oracle.test(r.bytes())
            });
            best.fields[i] = [&kept[..], ending].concat();
        }
        // 4. The method's and the target's bytes, one at least each.
        let base = best.clone();
        best.target = ddmin(best.target.clone(), &mut |target: &[u8]| {
            if target.is_empty() && !base.target.is_empty() {
                return Some(false);
            }
            let r = Request {
                target: target.to_vec(),
                ..base.clone()
            };
            oracle.test(r.bytes())
        });
        let base = best.clone();
        best.method = ddmin(best.method.clone(), &mut |method: &[u8]| {
            if method.is_empty() {
                return Some(false);
            }
            let r = Request {
                method: method.to_vec(),
                ..base.clone()
            };
            oracle.test(r.bytes())
        });
        if oracle.exhausted || best.bytes() == before {
            break;
        }
    }
    Shrunk {
        bytes: best.bytes(),
        attempts: oracle.seen.len() - 1,
        exhausted: oracle.exhausted,
    }
}

/// `harness shrink`'s flags.
#[derive(Debug, Parser)]
#[command(
    name = "harness shrink",
    about = "Cut a request that a server answers differently from the reference server down to \
             the smallest bytes that still show the same difference (the reference's statuses \
             and error reasons against the server's statuses and close), and write them as a \
             new fixture with a sidecar saying where they came from.",
    after_help = "Exit status: 0 a smaller fixture was written, 1 no difference to shrink or the \
                  fixture could not be written (never over an existing one), 2 usage error."
)]
struct Args {
    /// The server that answers differently.
    #[arg(long, value_name = "HOST:PORT")]
    target: String,
    /// The request to shrink: a fixture file (.http).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "case",
        required_unless_present = "case"
    )]
    fixture: Option<PathBuf>,
    /// The request to shrink: the bytes of this conformance case (its writes joined).
    #[arg(long, value_name = "ID")]
    case: Option<String>,
    /// Where the cases are (for --case).
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// Folder of the new fixture.
    #[arg(long, value_name = "DIR", default_value = "fixtures/shrunk")]
    out: PathBuf,
    /// File stem of the new fixture (default: the input's stem and the target's name).
    #[arg(long, value_name = "STEM")]
    name: Option<String>,
    /// A note added to the sidecar (what the server is, say).
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Most inputs tried.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    max_attempts: usize,
    /// Most seconds spent searching.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    max_seconds: u64,
    /// Time allowed for each exchange, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    timeout_ms: u64,
    /// Allow a --target that is not a loopback address.
    #[arg(long)]
    allow_remote: bool,
}

/// Entry point of `harness shrink`.
pub fn main(args: &[String]) -> ExitCode {
    let args: Args = match crate::cli::parse_args("harness shrink", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    // `given` is the flag as the sidecar's `how` repeats it.
    let (bytes, from, stem, given) = match (&args.fixture, &args.case) {
        (Some(path), _) => match std::fs::read(path) {
            Ok(bytes) => {
                let stem = path
                    .file_stem()
                    .map_or("request".into(), |s| s.to_string_lossy().into_owned());
                let given = format!("--fixture {}", path.display());
                (bytes, path.display().to_string(), stem, given)
            }
            Err(e) => return usage_error(format!("--fixture {}: {e}", path.display())),
        },
        (None, Some(id)) => {
            let dir = args
                .cases
                .clone()
                .unwrap_or_else(crate::run::default_cases_dir);
            let cases = match crate::case::load_all(&dir) {
                Ok(cases) => cases,
                Err(errors) => return usage_error(crate::case::describe(&errors)),
            };
            match cases.into_iter().find(|c| &c.id == id) {
                Some(case) => (
                    case.bytes(),
                    format!("case {}/{}", case.category, case.id),
                    case.id,
                    format!("--case {id}"),
                ),
                None => {
                    return usage_error(format!(
                        "--case {id}: no case has this id in {}",
                        dir.display()
                    ))
                }
            }
        }
        (None, None) => unreachable!("clap requires --fixture or --case"),
    };
    let target_name = crate::replay_target::default_name(&args.target);
    let stem = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{stem}-shrunk-{target_name}"));
    // Before any searching: a fixture is never written over.
    for ext in ["http", "toml"] {
        let path = args.out.join(format!("{stem}.{ext}"));
        if path.exists() {
            eprintln!(
                "error: {} already exists; refusing to overwrite it (choose another --name)",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    let addr = match crate::run::resolve_target(&args.target, args.allow_remote, timeout) {
        Ok(addr) => addr,
        Err(e) => return usage_error(e),
    };
    let reference = match start_reference_server() {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("error: starting the reference server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reference_target = Target {
        timeout,
        ..Target::new(reference.addr())
    };
    let target = Target {
        timeout,
        ..Target::new(addr)
    };
    let difference = |bytes: &[u8]| Difference {
        reference: outcome(&reference_target, bytes, true),
        target: outcome(&target, bytes, false),
    };
    let first = difference(&bytes);
    println!("{from}: {} bytes", bytes.len());
    println!("  reference server: {}", first.reference);
    println!("  {}: {}", args.target, first.target);
    if !first.is_real() {
        eprintln!("error: no difference to shrink: both answer with the same statuses and close");
        return ExitCode::FAILURE;
    }
    let budget = Budget {
        attempts: args.max_attempts.max(1),
        time: Duration::from_secs(args.max_seconds.max(1)),
    };
    let started = Instant::now();
    let shrunk = shrink(&bytes, &mut |b: &[u8]| difference(b) == first, budget);
    let shown: Vec<String> = escape(&shrunk.bytes)
        .lines()
        .map(|l| format!("  {l}"))
        .collect();
    println!(
        "shrunk to {} bytes in {} attempts, {:.1} s{}:\n{}",
        shrunk.bytes.len(),
        shrunk.attempts,
        started.elapsed().as_secs_f64(),
        if shrunk.exhausted {
            " (budget spent: a smaller one may exist)"
        } else {
            ""
        },
        shown.join("\n")
    );
    let sidecar = Sidecar {
        client: "harness-shrink".into(),
        how: format!("harness shrink --target {} {given}", args.target),
        notes: Some(
            format!(
                "Shrunk from {from} ({} bytes to {}, {} attempts{}). The reference server answers \
             {}; {} answers {}.",
                bytes.len(),
                shrunk.bytes.len(),
                shrunk.attempts,
                if shrunk.exhausted {
                    ", budget spent"
                } else {
                    ""
                },
                first.reference,
                args.target,
                first.target
            ) + &args
                .note
                .as_ref()
                .map(|n| format!(" {n}"))
                .unwrap_or_default(),
        ),
        ..Default::default()
    };
    match fixture::write_new(&args.out, &stem, &shrunk.bytes, &sidecar) {
        Ok(path) => {
            println!("wrote {} and its sidecar", path.display());
            if is_under_fixtures(&args.out) {
                println!(
                    "its snapshot: cargo test --test replay, then cargo insta review \
                     (see README, Adding a fixture)"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e} (choose another --name)");
            ExitCode::FAILURE
        }
    }
}

fn is_under_fixtures(dir: &Path) -> bool {
    dir.components().any(|c| c.as_os_str() == "fixtures")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            attempts: 10_000,
            time: Duration::from_secs(30),
        }
    }

    #[test]
    fn a_field_with_space_before_its_colon_shrinks_to_that_field() {
        let input = b"GET /index.html?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\
User-Agent: curl/8\r\nX-Test : value\r\nAccept: */*\r\n\r\n";
        // The difference: a field line with whitespace before its colon,
        // in a head that ends.
        let mut differs = |b: &[u8]| {
            let r = Request::parse(b);
            !r.blank.is_empty()
                && r.fields.iter().any(|f| {
                    f.iter()
                        .position(|&c| c == b':')
                        .is_some_and(|i| i > 0 && f[i - 1] == b' ')
                })
        };
        let shrunk = shrink(input, &mut differs, budget());
        // One field line, a space and a colon: nothing more is needed.
        assert_eq!(shrunk.bytes, b"T 1 HTTP/1.1\r\n :\r\n\r\n");
        assert!(!shrunk.exhausted);
    }

    #[test]
    fn the_request_line_keeps_its_shape() {
        let input = b"POST /a/b/c HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello";
        let shrunk = shrink(input, &mut |_| true, budget());
        // A byte of method, a byte of target, the version and the line ends.
        assert_eq!(shrunk.bytes, b"T c HTTP/1.0\r\n\r\n");
    }

    #[test]
    fn body_bytes_that_matter_stay() {
        let input = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let mut differs = |b: &[u8]| b.windows(3).any(|w| w == b"l\r\n");
        let shrunk = shrink(input, &mut differs, budget());
        assert!(shrunk.bytes.len() < input.len());
        assert!(
            shrunk.bytes.ends_with(b"\r\n\r\nl\r\n"),
            "{}",
            escape(&shrunk.bytes)
        );
    }

    #[test]
    fn the_budget_stops_the_search() {
        let input = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
        let mut calls = 0;
        let shrunk = shrink(
            input,
            &mut |_| {
                calls += 1;
                true
            },
            Budget {
                attempts: 3,
                time: Duration::from_secs(30),
            },
        );
        assert!(shrunk.exhausted);
        assert_eq!(calls, 2, "the input itself is not tried again");
        assert!(shrunk.bytes.len() < input.len());
    }

    #[test]
    fn parse_and_bytes_round_trip() {
        for input in [
            &b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"[..],
            b"GET / HTTP/1.1\r\nHost: a\r\n",
            b"GET\r\n\r\n",
            b"nonsense",
            b"",
            b"GET  /  HTTP/1.1\n\n",
        ] {
            assert_eq!(Request::parse(input).bytes(), input, "{}", escape(input));
        }
    }

    #[test]
    fn reasons_mask_digits_and_show_the_paragraph() {
        assert_eq!(mask_digits("at byte 20 of 300"), "at byte N of N");
        let o = Outcome {
            responses: vec![(400, Some("<p>bad at byte N</p>".into())), (200, None)],
            closed: true,
        };
        assert_eq!(o.to_string(), "400 (bad at byte N), 200, then closed");
        let none = Outcome {
            responses: vec![],
            closed: false,
        };
        assert_eq!(none.to_string(), "no answer, and no close in time");
    }
}
