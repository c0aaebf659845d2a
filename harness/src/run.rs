//! The `run` command: loads the cases, selects some, runs them in parallel
//! against a server and reports.
//!
//! With no `--target` the reference server is started in-process on
//! `127.0.0.1:0` with its clock stopped, so a bare `harness run` checks
//! h1check's own server. A `--target` off the loopback interface is refused
//! unless `--allow-remote` says it is meant.
//!
//! Exit status: 0 when nothing failed; 1 when a case FAILs or ERRORs (with
//! `--baseline`, only when one not listed there does); 2 for a usage error
//! or a bad case file.
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, IsTerminal};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::case::{load_all, Case, Level};
use crate::client::Options;
use crate::replay::start_reference_server;
use crate::report::{CaseResult, Report};
use crate::schedule::{run_cases, RunOutcome, NOT_RUN};
use crate::verdict::{judge, Outcome};

/// Judge an HTTP/1.1 server by the RFC 9110/9112 conformance cases.
#[derive(Debug, Parser)]
#[command(
    name = "harness run",
    after_help = "Exit status: 0 nothing failed; 1 a case FAILed or ERRORed (with --baseline: one \
                  not listed there); 2 usage error, bad case file or empty selection."
)]
struct Args {
    /// Server to judge, HOST:PORT (default: the reference server, started in-process).
    #[arg(long, value_name = "HOST:PORT")]
    target: Option<String>,
    /// Allow a --target that is not on the loopback interface.
    #[arg(long)]
    allow_remote: bool,
    /// Folder of case files (default: fixtures/cases of the workspace).
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// Only cases whose section starts with this (9112/6 matches 9112/6.1). Repeatable.
    #[arg(long, value_name = "RFC/SECTION")]
    section: Vec<String>,
    /// Only cases of this level: MUST, SHOULD or MAY. Repeatable.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    level: Vec<Level>,
    /// Only cases whose id contains this, or matches it as a glob (* and ?). Repeatable.
    #[arg(long, value_name = "ID")]
    id: Vec<String>,
    /// Only cases of this category (folder). Repeatable.
    #[arg(long, value_name = "NAME")]
    category: Vec<String>,
    /// Cases run at once, each on its own connection (default: 8 per CPU, at least 32).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,
    /// Time allowed for the server per case, in milliseconds (pauses and silent windows come on top).
    #[arg(long, value_name = "MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout_ms: u64,
    /// Write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the report as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Known failures (ids, one a line, or a JSON list): only other failures fail the run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the ids of the cases that FAIL or ERROR to FILE, as a baseline.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Print only failures and the summary.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn parse_level(text: &str) -> Result<Level, String> {
    Level::parse(text).ok_or_else(|| format!("{text:?} is not MUST, SHOULD or MAY"))
}

/// Which cases to run: every non-empty list must match (OR within a list).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Section prefixes (`9112/6` matches `9112/6` and `9112/6.1`, not `9112/60`).
    pub sections: Vec<String>,
    /// Levels.
    pub levels: Vec<Level>,
    /// Id substrings or globs.
    pub ids: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
}

impl Selection {
    /// Whether `case` is selected.
    pub fn selects(&self, case: &Case) -> bool {
        let any = |list: &[String], f: &dyn Fn(&str) -> bool| {
            list.is_empty() || list.iter().any(|p| f(p))
        };
        any(&self.sections, &|p| section_matches(p, &case.section))
            && (self.levels.is_empty() || self.levels.contains(&case.level))
            && any(&self.ids, &|p| id_matches(p, &case.id))
            && any(&self.categories, &|p| p == case.category)
    }
}

/// `9112/6` selects `9112/6`, `9112/6.1` and `9112/6.1.2`; `9112` and
/// `9112/` select all of RFC 9112.
pub fn section_matches(prefix: &str, section: &str) -> bool {
    let prefix = prefix.trim_end_matches(['.', '/']);
    match section.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('/'),
        None => false,
    }
}

/// A pattern with `*` or `?` is a glob over the whole id; otherwise a substring.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    if pattern.contains(['*', '?']) {
        glob(pattern.as_bytes(), id.as_bytes())
    } else {
        id.contains(pattern)
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && glob(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}

/// Runs `cases` against `addr`, at most `jobs` at a time, each on its own
/// connection, paced so as not to overrun the server's accept queue
/// ([`crate::schedule`]); results in the order of `cases`.
pub fn run_all(
    addr: SocketAddr,
    cases: &[Case],
    options: &Options,
    jobs: usize,
) -> Vec<CaseResult> {
    results_of(cases, run_cases(addr, cases, options, jobs, &|_, _| {}))
}

/// Judges each case's observation.
pub fn results_of(cases: &[Case], outcome: RunOutcome) -> Vec<CaseResult> {
    cases
        .iter()
        .zip(outcome.observations)
        .map(|(case, observation)| CaseResult {
            case: case.clone(),
            verdict: judge(case, &observation),
            observation,
        })
        .collect()
}

/// Whether a case was not run because the server had gone down.
fn is_not_run(result: &CaseResult) -> bool {
    result
        .observation
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with(NOT_RUN))
}

/// Checks once, before any case, that the target takes a connection: a
/// target that refuses or does not answer the connect is one message.
pub fn check_reachable(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    std::net::TcpStream::connect_timeout(&addr, timeout)
        .map(drop)
        .map_err(|e| format!("cannot connect to {addr}: {e}; is the server running?"))
}

/// The default number of parallel cases: 8 per CPU, at least 32. Cases
/// mostly wait (on the network, and on the pauses and silent windows they
/// ask for), so many more than the CPUs can run at once.
pub fn default_jobs() -> usize {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cpus * 8).max(32)
}

/// The default cases folder: `fixtures/cases` under the current directory
/// if there is one, else the workspace's, found from where this crate was
/// built.
pub fn default_cases_dir() -> PathBuf {
    let here = Path::new("fixtures/cases");
    if here.is_dir() {
        return here.to_owned();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases")
}

/// Resolves `--target`, refusing addresses off the loopback interface
/// unless `allow_remote`. When the name has several addresses (`localhost`:
/// `::1` and `127.0.0.1`), the first that accepts a connection within
/// `timeout` is used, so a server listening on one of them is found.
pub fn resolve_target(
    target: &str,
    allow_remote: bool,
    timeout: Duration,
) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = target
        .to_socket_addrs()
        .map_err(|e| format!("--target {target:?}: {e} (expected HOST:PORT)"))?
        .collect();
    let Some(&first) = addrs.first() else {
        return Err(format!("--target {target:?} resolves to no address"));
    };
    if !allow_remote {
        if let Some(remote) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            return Err(format!(
                "--target {target} ({}) is not a loopback address; \
                 pass --allow-remote to judge a server on another host",
                remote.ip()
            ));
        }
    }
    if addrs.len() > 1 {
        if let Some(&up) = addrs
            .iter()
            .find(|a| std::net::TcpStream::connect_timeout(a, timeout).is_ok())
        {
            return Ok(up);
        }
    }
    Ok(first)
}

/// Reads a baseline: a JSON list of ids, a JSON object with a `failing`
/// list, or plain text with one id a line (`#` starts a comment).
pub fn read_baseline(text: &str) -> Result<BTreeSet<String>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let list = match &value {
            serde_json::Value::Array(list) => list,
            serde_json::Value::Object(map) => match map.get("failing") {
                Some(serde_json::Value::Array(list)) => list,
                _ => return Err("a JSON object baseline needs a \"failing\" list".into()),
            },
            _ => unreachable!("starts with [ or {{"),
        };
        return list
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{v} is not a case id string"))
            })
            .collect();
    }
    Ok(text
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A baseline file listing `ids`, one a line, with a comment header.
pub fn write_baseline_text(ids: &BTreeSet<String>) -> String {
    let mut out = String::from(
        "# Known failing conformance cases, one id a line (harness run --write-baseline).\n\
         # With --baseline, only failures not listed here fail the run.\n",
    );
    for id in ids {
        out.push_str(id);
        out.push('\n');
    }
    out
}

/// What a run means against a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineCheck {
    /// Failing now, not listed: these fail the run.
    pub new_failures: Vec<String>,
    /// Listed, and passing (or warning) now: the baseline can shrink.
    pub now_passing: Vec<String>,
}

/// Ids of the cases that count as failures: FAIL or ERROR.
pub fn failing_ids(results: &[CaseResult]) -> BTreeSet<String> {
    results
        .iter()
        .filter(|r| matches!(r.verdict.outcome, Outcome::Fail | Outcome::Error))
        .map(|r| r.case.id.clone())
        .collect()
}

/// Compares a run with a baseline; listed ids not run this time are ignored.
pub fn check_baseline(results: &[CaseResult], baseline: &BTreeSet<String>) -> BaselineCheck {
    let failing = failing_ids(results);
    BaselineCheck {
        new_failures: failing.difference(baseline).cloned().collect(),
        now_passing: results
            .iter()
            .filter(|r| baseline.contains(&r.case.id) && !failing.contains(&r.case.id))
            .map(|r| r.case.id.clone())
            .collect(),
    }
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Entry point of `harness run`.
pub fn main(args: &[String]) -> ExitCode {
    let args = match Args::try_parse_from(
        std::iter::once("harness run".to_owned()).chain(args.iter().cloned()),
    ) {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let cases = match load_all(&dir) {
        Ok(cases) => cases,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!(
                "error: {} bad case file(s) under {}",
                errors.len(),
                dir.display()
            );
            return ExitCode::from(2);
        }
    };
    let selection = Selection {
        sections: args.section.clone(),
        levels: args.level.clone(),
        ids: args.id.clone(),
        categories: args.category.clone(),
    };
    let cases: Vec<Case> = cases.into_iter().filter(|c| selection.selects(c)).collect();
    if cases.is_empty() {
        return usage_error(format!(
            "no case under {} matches the selection",
            dir.display()
        ));
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| read_baseline(&text))
        {
            Ok(set) => Some(set),
            Err(e) => return usage_error(format!("--baseline {}: {e}", path.display())),
        },
    };
    let options = Options {
        timeout: Duration::from_millis(args.timeout_ms),
    };
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);

    let mut server = None;
    let (addr, target) = match &args.target {
        Some(t) => match resolve_target(t, args.allow_remote, options.timeout) {
            Ok(addr) => (addr, t.clone()),
            Err(e) => return usage_error(e),
        },
        None => match start_reference_server() {
            Ok(handle) => {
                let addr = handle.addr();
                server = Some(handle);
                (addr, format!("reference server ({addr})"))
            }
            Err(e) => {
                eprintln!("error: starting the reference server: {e}");
                return ExitCode::from(1);
            }
        },
    };

    if args.target.is_some() {
        if let Err(e) = check_reachable(addr, options.timeout) {
            return usage_error(e);
        }
    }
    let start = Instant::now();
    let outcome = run_cases(addr, &cases, &options, jobs, &|_, _| {});
    let down_after = outcome.down_after.clone();
    if outcome.retries > 0 {
        eprintln!(
            "note: {} attempt(s) were turned away (refused, slow to connect, or reset before \
             any answer) and run again at a lower pace",
            outcome.retries
        );
    }
    let results = results_of(&cases, outcome);
    let report = Report {
        target,
        results,
        elapsed: start.elapsed(),
    };
    if let Some(handle) = server {
        handle.shutdown();
    }

    let stdout = io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match &down_after {
        None => {
            let _ = report.write_terminal(&mut stdout.lock(), color, args.quiet);
        }
        Some((ran, why)) => {
            // The cases after the server went down were not run: one line
            // for them all, not an account each.
            let ran_only = Report {
                target: report.target.clone(),
                results: report
                    .results
                    .iter()
                    .filter(|r| !is_not_run(r))
                    .cloned()
                    .collect(),
                elapsed: report.elapsed,
            };
            let _ = ran_only.write_terminal(&mut stdout.lock(), color, args.quiet);
            let not_run = report.results.len() - ran_only.results.len();
            eprintln!(
                "error: the server went down after {ran} case(s) ({why}); \
                 {not_run} case(s) not run, counted as ERROR"
            );
        }
    }

    let mut status = 0u8;
    let mut write = |path: &Option<PathBuf>, what: &str, text: &dyn Fn() -> String| {
        if let Some(path) = path {
            if let Err(e) = fs::write(path, text()) {
                eprintln!(
                    "error: writing the {what} report to {}: {e}",
                    path.display()
                );
                status = 1;
            }
        }
    };
    write(&args.json, "JSON", &|| {
        serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize") + "\n"
    });
    write(&args.junit, "JUnit", &|| report.to_junit());
    write(&args.html, "HTML", &|| report.to_html());
    write(&args.write_baseline, "baseline", &|| {
        write_baseline_text(&failing_ids(&report.results))
    });

    let failing = failing_ids(&report.results);
    match &baseline {
        None => {
            if !failing.is_empty() {
                status = 1;
            }
        }
        Some(baseline) => {
            let check = check_baseline(&report.results, baseline);
            if !check.now_passing.is_empty() {
                println!(
                    "\nBaseline: {} listed case(s) pass now; remove them from the baseline:",
                    check.now_passing.len()
                );
                for id in &check.now_passing {
                    println!("  {id}");
                }
            }
            if check.new_failures.is_empty() {
                println!(
                    "\nBaseline: no new failures ({} known failure(s) still failing).",
                    failing.len()
                );
            } else {
                println!(
                    "\nBaseline: {} new failure(s), not in the baseline:",
                    check.new_failures.len()
                );
                for id in &check.new_failures {
                    println!("  {id}");
                }
                status = 1;
            }
        }
    }
    ExitCode::from(status)
}
