//! The `run` command: loads the cases, selects some, runs them in parallel
//! against a server and reports.
//!
//! With no `--target` the reference server is started in-process on
//! `127.0.0.1:0` with its clock stopped, so a bare `harness run` checks
//! h1check's own server. A `--target` off the loopback interface is refused
//! unless `--allow-remote` says it is meant.
//!
//! Exit status: 0 when nothing failed; 1 when a case FAILs or ERRORs (with
//! `--baseline`, only when one not listed there does; with
//! `--write-baseline`, 0 once the failures are written); 2 for a usage
//! error, a bad case file or a bad baseline; 130 when Ctrl-C stopped it.
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, IsTerminal};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::baseline::{check_baseline, failing_ids};
use crate::case::{load_all, Case, Level};
use crate::cli::usage_error;
use crate::client::Options;
use crate::progress::{handle_ctrl_c, interrupted, Watch, INTERRUPTED_EXIT};
use crate::replay::start_reference_server;
use crate::report::{Annotations, CaseResult, Report};
use crate::schedule::{run_cases, RunOutcome, NOT_RUN};
use crate::verdict::judge;

/// Judge an HTTP/1.1 server by the RFC 9110/9112 conformance cases.
#[derive(Debug, Parser)]
#[command(
    name = "harness run",
    version,
    after_help = "Exit status: 0 nothing failed (with --baseline: nothing not listed there; with \
                  --write-baseline: the baseline was written); 1 a case FAILed or ERRORed; 2 usage \
                  error, bad case file, bad baseline or empty selection; 130 interrupted by Ctrl-C (the \
                  reports asked for are written, marked incomplete)."
)]
struct Args {
    /// Server to judge, HOST:PORT or http://HOST:PORT/ (default: the reference server, started in-process).
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
    /// Known failures (category/id or id, one a line, or a JSON list): only other failures fail the run; they are JUnit skipped. An entry naming no case is an error.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the cases that FAIL or ERROR to FILE as a baseline (category/id a line); the run then exits 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Print only the failures list and the summary.
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

/// Why `selection` selects none of `cases`: each selector value that
/// matches no case on its own, with the closest valid value (as cargo
/// does for a mistyped command) and the valid categories; or, when each
/// matches some case, that no case matches them all together.
pub fn explain_empty(selection: &Selection, cases: &[Case]) -> String {
    let mut categories: Vec<&str> = cases.iter().map(|c| c.category.as_str()).collect();
    categories.dedup();
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let mut sections: Vec<&str> = cases.iter().map(|c| c.section.as_str()).collect();
    sections.sort_unstable();
    sections.dedup();
    let hint = |word: &str, known: &[&str]| match crate::case::closest(word, known) {
        Some(k) => format!(" (did you mean {k:?}?)"),
        None => String::new(),
    };
    let mut lines = Vec::new();
    for c in &selection.categories {
        if !categories.contains(&c.as_str()) {
            lines.push(format!(
                "--category {c:?} matches no case{}; categories: {}",
                hint(c, &categories),
                categories.join(", ")
            ));
        }
    }
    for p in &selection.ids {
        if !cases.iter().any(|case| id_matches(p, &case.id)) {
            lines.push(format!(
                "--id {p:?} matches no case id (a substring, or a glob with * and ?){}",
                hint(p, &ids)
            ));
        }
    }
    for p in &selection.sections {
        if !cases.iter().any(|case| section_matches(p, &case.section)) {
            lines.push(format!(
                "--section {p:?} matches no case's section{}",
                hint(p, &sections)
            ));
        }
    }
    for level in &selection.levels {
        if !cases.iter().any(|case| case.level == *level) {
            lines.push(format!("--level {level} matches no case"));
        }
    }
    if lines.is_empty() {
        return "each selector matches some case, but no case matches them all \
                (selectors of different kinds combine with AND)"
            .to_owned();
    }
    lines.join("\n  ")
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
    run_watched(addr, cases, options, jobs, &Watch::quiet())
}

/// [`run_all`], telling `watch` as cases start and finish; once it says
/// stop (Ctrl-C), no case starts, and the results hold only those that ran.
pub fn run_watched(
    addr: SocketAddr,
    cases: &[Case],
    options: &Options,
    jobs: usize,
    watch: &Watch,
) -> Vec<CaseResult> {
    results_of(cases, run_cases(addr, cases, options, jobs, watch))
}

/// Judges each case's observation; cases not started (Ctrl-C) are left out.
pub fn results_of(cases: &[Case], outcome: RunOutcome) -> Vec<CaseResult> {
    cases
        .iter()
        .zip(outcome.observations)
        .filter_map(|(case, observation)| {
            let observation = observation?;
            Some(CaseResult {
                case: case.clone(),
                verdict: judge(case, &observation),
                observation,
            })
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
/// target that refuses or does not answer the connect is one message,
/// which each command words (and exits with) as it always has.
pub fn check_reachable(addr: SocketAddr, timeout: Duration) -> io::Result<()> {
    std::net::TcpStream::connect_timeout(&addr, timeout).map(drop)
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
    let target = &target_host_port(target)?;
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

/// `HOST:PORT` of a `--target`: as given, or taken from an
/// `http://HOST[:PORT][/]` URL (port 80 when absent). Another scheme, or a
/// path other than `/`, is refused: the cases send their own request
/// targets, so only the origin means something.
pub fn target_host_port(target: &str) -> Result<String, String> {
    let Some((scheme, rest)) = target.split_once("://") else {
        return Ok(target.to_owned());
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(format!(
            "--target {target:?}: the {scheme}:// scheme is not judged; the harness speaks \
             HTTP/1.1 over plain TCP: give http://HOST:PORT/ or HOST:PORT"
        ));
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if !(path.is_empty() || path == "/") {
        return Err(format!(
            "--target {target:?}: the path {path:?} would be ignored (each case sends its own \
             request-target); give only the origin, http://{authority}/"
        ));
    }
    if authority.is_empty() || authority.contains('@') {
        return Err(format!(
            "--target {target:?}: expected http://HOST:PORT/ (no user info)"
        ));
    }
    // A port is digits after the last colon, outside an IPv6 literal's brackets.
    let has_port = authority.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty() && !port.contains(']') && (host.starts_with('[') == host.ends_with(']'))
    });
    Ok(match has_port {
        true => authority.to_owned(),
        false => format!("{authority}:80"),
    })
}

/// What the reports mark: the failures the baseline lists; with
/// `--write-baseline` (the run exits 0), every failure of an uninterrupted
/// run, since the file written lists them all.
fn annotations(
    args: &Args,
    report: &Report,
    baseline: Option<&BTreeSet<String>>,
    not_run: Option<usize>,
) -> Annotations {
    let (known, file) = match (&args.write_baseline, not_run) {
        (Some(path), None) => (failing_ids(&report.results), Some(path)),
        _ => (
            baseline.cloned().unwrap_or_default(),
            args.baseline.as_ref(),
        ),
    };
    Annotations {
        known,
        baseline: file.map(|p| p.display().to_string()),
        not_run,
    }
}

/// Writes `--write-baseline`'s file and says what it wrote. The failures
/// are recorded, so the run succeeds (0) once the file is written, unless
/// writing a report failed (`status` 1 already) or this one does.
fn write_baseline_file(path: &Path, report: &Report, status: u8) -> ExitCode {
    let count = report.results.iter().filter(|r| r.is_failure()).count();
    match fs::write(path, crate::baseline::file_text(&report.results)) {
        Ok(()) => {
            println!(
                "\nBaseline: wrote {count} failing case(s) to {} (one category/id a line); \
                 use it with --baseline {}",
                path.display(),
                path.display()
            );
            ExitCode::from(status)
        }
        Err(e) => {
            eprintln!("error: writing the baseline to {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}

/// Entry point of `harness run`.
pub fn main(args: &[String]) -> ExitCode {
    let args: Args = match crate::cli::parse_args("harness run", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let cases = match load_all(&dir) {
        Ok(cases) => cases,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            let files: BTreeSet<&Path> = errors.iter().map(|e| e.path()).collect();
            eprintln!(
                "error: {} problem(s) in {} case file(s) under {}",
                errors.len(),
                files.len(),
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
    let all_cases = cases;
    let cases: Vec<Case> = all_cases
        .iter()
        .filter(|c| selection.selects(c))
        .cloned()
        .collect();
    if cases.is_empty() {
        return usage_error(format!(
            "no case under {} matches the selection: {}",
            dir.display(),
            explain_empty(&selection, &all_cases)
        ));
    }
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match crate::baseline::load(path, &all_cases) {
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
            return usage_error(format!(
                "cannot connect to {addr}: {e}; is the server running?"
            ));
        }
    }
    let start = Instant::now();
    handle_ctrl_c();
    let draw = io::stdout().is_terminal() && io::stderr().is_terminal();
    let watch = Watch::for_run(cases.len(), draw);
    let outcome = run_cases(addr, &cases, &options, jobs, &watch);
    drop(watch);
    let down_after = outcome.down_after.clone();
    if outcome.retries > 0 {
        eprintln!(
            "note: {} attempt(s) were turned away (refused, slow to connect, or reset before \
             any answer) and run again at a lower pace",
            outcome.retries
        );
    }
    let results = results_of(&cases, outcome);
    let not_run = interrupted().then(|| cases.len() - results.len());
    let report = Report {
        target,
        results,
        elapsed: start.elapsed(),
    };
    if let Some(handle) = server {
        handle.shutdown();
    }

    let notes = annotations(&args, &report, baseline.as_ref(), not_run);
    let stdout = io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match &down_after {
        None => {
            let _ = report.write_terminal_with(&mut stdout.lock(), color, args.quiet, &notes);
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
            let _ = ran_only.write_terminal_with(&mut stdout.lock(), color, args.quiet, &notes);
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
        serde_json::to_string_pretty(&report.to_json_with(&notes)).expect("JSON values serialize")
            + "\n"
    });
    write(&args.junit, "JUnit", &|| report.to_junit_with(&notes));
    let html_dir = args.html.as_ref().map(|p| match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    });
    write(&args.html, "HTML", &|| {
        report.to_html_with(&notes, html_dir.as_deref())
    });
    if notes.not_run.is_some() {
        if let Some(path) = &args.write_baseline {
            eprintln!(
                "error: the baseline was not written to {}: the run was interrupted",
                path.display()
            );
        }
        return ExitCode::from(INTERRUPTED_EXIT);
    }
    let failing = failing_ids(&report.results);
    if let Some(path) = &args.write_baseline {
        return write_baseline_file(path, &report, status);
    }
    match &baseline {
        None => {
            if !failing.is_empty() {
                status = 1;
            }
        }
        Some(baseline) => {
            let check = check_baseline(&report.results, baseline);
            let name = |id: &String| {
                report
                    .results
                    .iter()
                    .find(|r| &r.case.id == id)
                    .map_or_else(|| id.clone(), CaseResult::name)
            };
            if !check.now_passing.is_empty() {
                println!(
                    "\nBaseline: {} listed case(s) pass now; remove them from the baseline:",
                    check.now_passing.len()
                );
                for id in &check.now_passing {
                    println!("  {}", name(id));
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
                    println!("  {}", name(id));
                }
                status = 1;
            }
        }
    }
    ExitCode::from(status)
}
