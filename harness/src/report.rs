//! Terminal, JSON, JUnit and HTML reports of a run.
//!
//! The terminal report reads like h2spec's: cases grouped by category, one
//! line each (`✓`, `!` for WARN, `✗`, `E` for ERROR) with id, section,
//! level and description. A failed case then prints the requirement it
//! broke, quoted, why no expect matched, the bytes sent and received
//! (escaped by [`crate::render::escape`], so every CR and LF shows) and
//! what became of the connection. A summary and the behaviour profile (the
//! WARNs: what the server chose where the RFCs leave a choice) close it.
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::case::{Case, Level};
use crate::client::Observation;
use crate::render::escape;
use crate::verdict::{Outcome, Verdict};

/// Most escaped characters of received bytes shown per case in the
/// terminal and HTML reports; JSON and JUnit carry the same limit.
pub const SHOWN_BYTES: usize = 4096;

/// One judged case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// What came back.
    pub observation: Observation,
    /// The verdict.
    pub verdict: Verdict,
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was judged: `reference server (127.0.0.1:PORT)` or `HOST:PORT`.
    pub target: String,
    /// The results, in case order (category, then id).
    pub results: Vec<CaseResult>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// How many cases came out each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Cases run.
    pub total: usize,
    /// PASS.
    pub pass: usize,
    /// WARN.
    pub warn: usize,
    /// FAIL.
    pub fail: usize,
    /// ERROR.
    pub error: usize,
    /// FAILs of MUST cases.
    pub must_fail: usize,
}

/// What a run knows besides its results: the failures a baseline lists,
/// and whether it stopped before every selected case ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// Ids of the cases a baseline lists as known failures. Their FAIL or
    /// ERROR is a JUnit `skipped` (so a run that exits 0 is green in every
    /// reporter) and is marked "known" in the other reports.
    pub known: BTreeSet<String>,
    /// The baseline file, named in the reports.
    pub baseline: Option<String>,
    /// Set when the run was interrupted: the number of selected cases that
    /// did not run. The reports say the run is incomplete.
    pub not_run: Option<usize>,
}

impl Annotations {
    /// Whether `r` failed and the baseline lists it.
    pub fn is_known(&self, r: &CaseResult) -> bool {
        r.is_failure() && self.known.contains(&r.case.id)
    }

    /// The line that says a run was interrupted, if it was.
    pub fn incomplete_text(&self, ran: usize) -> Option<String> {
        self.not_run.map(|n| {
            format!(
                "INCOMPLETE: interrupted after {ran} of {} selected cases; {n} did not run",
                ran + n
            )
        })
    }
}

impl CaseResult {
    /// FAIL or ERROR: what fails a run.
    pub fn is_failure(&self) -> bool {
        matches!(self.verdict.outcome, Outcome::Fail | Outcome::Error)
    }

    /// `category/id`, as the failures list and baselines write it.
    pub fn name(&self) -> String {
        format!("{}/{}", self.case.category, self.case.id)
    }
}

impl Report {
    /// Counts by outcome.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            total: self.results.len(),
            ..Counts::default()
        };
        for r in &self.results {
            match r.verdict.outcome {
                Outcome::Pass => c.pass += 1,
                Outcome::Warn => c.warn += 1,
                Outcome::Fail => {
                    c.fail += 1;
                    if r.case.level == Level::Must {
                        c.must_fail += 1;
                    }
                }
                Outcome::Error => c.error += 1,
            }
        }
        c
    }

    /// The WARNs: `(result, profile entry)`.
    pub fn profile(&self) -> Vec<(&CaseResult, &str)> {
        self.results
            .iter()
            .filter(|r| r.verdict.outcome == Outcome::Warn)
            .map(|r| (r, r.verdict.profile.as_deref().unwrap_or("")))
            .collect()
    }

    /// Writes the terminal report; `color` adds ANSI colours and
    /// `failures_only` prints only the failures list and the summary.
    pub fn write_terminal(
        &self,
        out: &mut dyn Write,
        color: bool,
        failures_only: bool,
    ) -> io::Result<()> {
        self.write_terminal_with(out, color, failures_only, &Annotations::default())
    }

    /// [`Report::write_terminal`], with what a baseline or an interruption
    /// adds. Every case's line (a failure's with its account), then the
    /// behaviour profile, then the failures gathered by id (as cargo test's
    /// `failures:`), then the summary; `failures_only` keeps the last two.
    pub fn write_terminal_with(
        &self,
        out: &mut dyn Write,
        color: bool,
        failures_only: bool,
        notes: &Annotations,
    ) -> io::Result<()> {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_owned()
            }
        };
        if !failures_only {
            writeln!(out, "h1check conformance: {}", self.target)?;
            let mut category = None;
            for r in &self.results {
                if category != Some(&r.case.category) {
                    category = Some(&r.case.category);
                    writeln!(out, "\n{}", paint("1", &r.case.category))?;
                }
                let (mark, code) = match r.verdict.outcome {
                    Outcome::Pass => ("✓", "32"),
                    Outcome::Warn => ("!", "33"),
                    Outcome::Fail => ("✗", "31"),
                    Outcome::Error => ("E", "35"),
                };
                writeln!(
                    out,
                    "  {} {}  {} [{}]  {}",
                    paint(code, mark),
                    r.case.id,
                    r.case.section_title(),
                    r.case.level,
                    r.case.description
                )?;
                match r.verdict.outcome {
                    Outcome::Pass => {}
                    Outcome::Warn => writeln!(
                        out,
                        "      {} {}",
                        paint("33", "WARN:"),
                        r.verdict.profile.as_deref().unwrap_or("")
                    )?,
                    Outcome::Fail | Outcome::Error => write_details(out, r)?,
                }
            }
            let profile = self.profile();
            if !profile.is_empty() {
                writeln!(out, "\nBehaviour profile (WARN):")?;
                for (r, text) in profile {
                    writeln!(
                        out,
                        "  {}/{} ({}, {}): {text}",
                        r.case.category,
                        r.case.id,
                        r.case.section_title(),
                        r.case.level
                    )?;
                }
            }
        }
        // Sections are separated by a blank line; quiet output starts with
        // its first line.
        let gap = if failures_only { "" } else { "\n" };
        let failures: Vec<&CaseResult> = self.results.iter().filter(|r| r.is_failure()).collect();
        if !failures.is_empty() {
            writeln!(out, "{gap}failures:")?;
            let width = failures.iter().map(|r| r.name().len()).max().unwrap_or(0);
            for r in &failures {
                let known = if notes.is_known(r) {
                    "  (known: in the baseline)"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "    {:width$}  {:5}  {} {}{known}",
                    r.name(),
                    r.verdict.outcome.as_str(),
                    r.case.section_title(),
                    r.case.level,
                )?;
            }
        }
        let gap = if failures_only && failures.is_empty() {
            ""
        } else {
            "\n"
        };
        let c = self.counts();
        writeln!(
            out,
            "{gap}{} cases in {:.2} s: {} passed, {} warned, {} failed ({} MUST), {} errors",
            c.total,
            self.elapsed.as_secs_f64(),
            paint("32", &c.pass.to_string()),
            paint("33", &c.warn.to_string()),
            paint("31", &c.fail.to_string()),
            c.must_fail,
            c.error
        )?;
        if let Some(text) = notes.incomplete_text(c.total) {
            writeln!(out, "{}", paint("1;31", &text))?;
        }
        Ok(())
    }

    /// The terminal report as a string, without colours.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        self.write_terminal(&mut out, false, false)
            .expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("the report is UTF-8")
    }

    /// The report as JSON: `target`, `elapsed_ms`, `summary`, `profile`
    /// and one object per case.
    pub fn to_json(&self) -> Value {
        self.to_json_with(&Annotations::default())
    }

    /// [`Report::to_json`], with `incomplete` (`null`, or the cases that
    /// ran and did not) and, per case, `known` (a failure the baseline
    /// lists).
    pub fn to_json_with(&self, notes: &Annotations) -> Value {
        let mut value = self.json_body();
        value["incomplete"] = match notes.not_run {
            None => Value::Null,
            Some(n) => json!({ "ran": self.results.len(), "not_run": n }),
        };
        if let Some(cases) = value["cases"].as_array_mut() {
            for (case, r) in cases.iter_mut().zip(&self.results) {
                case["known"] = Value::Bool(notes.is_known(r));
            }
        }
        value
    }

    fn json_body(&self) -> Value {
        let c = self.counts();
        json!({
            "target": self.target,
            "elapsed_ms": self.elapsed.as_millis() as u64,
            "summary": {
                "total": c.total,
                "pass": c.pass,
                "warn": c.warn,
                "fail": c.fail,
                "error": c.error,
                "must_fail": c.must_fail,
            },
            "profile": self.profile().iter().map(|(r, text)| json!({
                "id": r.case.id,
                "category": r.case.category,
                "section": r.case.section,
                "level": r.case.level.as_str(),
                "profile": text,
            })).collect::<Vec<_>>(),
            "cases": self.results.iter().map(case_json).collect::<Vec<_>>(),
        })
    }

    /// The report as JUnit XML: one `testsuite` per category, one
    /// `testcase` per case; FAIL is a `failure`, ERROR an `error`, and a
    /// WARN's profile entry goes to `system-out`.
    pub fn to_junit(&self) -> String {
        self.to_junit_with(&Annotations::default())
    }

    /// [`Report::to_junit`], where a FAIL or ERROR the baseline lists is
    /// `skipped` with its reason (so a run that exits 0 has no `failure`
    /// or `error`), and an interrupted run says so in the top element's
    /// `system-out` and its name.
    pub fn to_junit_with(&self, notes: &Annotations) -> String {
        let c = self.counts();
        let known = self.results.iter().filter(|r| notes.is_known(r)).count();
        let known_of = |o: Outcome| {
            self.results
                .iter()
                .filter(|r| r.verdict.outcome == o && notes.is_known(r))
                .count()
        };
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"h1check conformance{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{known}\" time=\"{:.3}\">",
            if notes.not_run.is_some() { " (incomplete)" } else { "" },
            c.total,
            c.fail - known_of(Outcome::Fail),
            c.error - known_of(Outcome::Error),
            self.elapsed.as_secs_f64()
        );
        if let Some(text) = notes.incomplete_text(c.total) {
            let _ = writeln!(x, "  <system-out>{}</system-out>", xml(&text));
        }
        let mut start = 0;
        while start < self.results.len() {
            let category = &self.results[start].case.category;
            let end = self.results[start..]
                .iter()
                .position(|r| &r.case.category != category)
                .map_or(self.results.len(), |n| start + n);
            let group = &self.results[start..end];
            let count = |o: Outcome| {
                group
                    .iter()
                    .filter(|r| r.verdict.outcome == o && !notes.is_known(r))
                    .count()
            };
            let skipped = group.iter().filter(|r| notes.is_known(r)).count();
            let time: f64 = group
                .iter()
                .map(|r| r.observation.elapsed.as_secs_f64())
                .sum();
            let _ = writeln!(
                x,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{skipped}\" time=\"{time:.3}\">",
                xml(category),
                group.len(),
                count(Outcome::Fail),
                count(Outcome::Error)
            );
            for r in group {
                let _ = writeln!(
                    x,
                    "    <testcase name=\"{}\" classname=\"conformance.{}\" time=\"{:.3}\">",
                    xml(&r.case.id),
                    xml(category),
                    r.observation.elapsed.as_secs_f64()
                );
                let detail = details_text(r);
                if notes.is_known(r) {
                    let _ = writeln!(
                        x,
                        "      <skipped message=\"known {} (listed in the baseline{}): {}\"/>",
                        r.verdict.outcome.as_str(),
                        notes
                            .baseline
                            .as_deref()
                            .map(|b| format!(" {}", xml(b)))
                            .unwrap_or_default(),
                        xml(&r.observation.summary())
                    );
                    let _ = writeln!(x, "      <system-out>{}</system-out>", xml(&detail));
                    x.push_str("    </testcase>\n");
                    continue;
                }
                match r.verdict.outcome {
                    Outcome::Fail => {
                        let _ = writeln!(
                            x,
                            "      <failure message=\"{} {} {}: {}\" type=\"{}\">{}</failure>",
                            r.case.section_title(),
                            r.case.level,
                            xml(&r.case.id),
                            xml(&r.observation.summary()),
                            r.case.level,
                            xml(&detail)
                        );
                    }
                    Outcome::Error => {
                        let _ = writeln!(
                            x,
                            "      <error message=\"{}\" type=\"ERROR\">{}</error>",
                            xml(&r.verdict.reason),
                            xml(&detail)
                        );
                    }
                    Outcome::Warn => {
                        let _ = writeln!(
                            x,
                            "      <system-out>WARN: {}</system-out>",
                            xml(r.verdict.profile.as_deref().unwrap_or(""))
                        );
                    }
                    Outcome::Pass => {}
                }
                x.push_str("    </testcase>\n");
            }
            x.push_str("  </testsuite>\n");
            start = end;
        }
        x.push_str("</testsuites>\n");
        x
    }

    /// The report as one self-contained HTML page (inline style, no
    /// external resources); links to case files are absolute.
    pub fn to_html(&self) -> String {
        self.to_html_with(&Annotations::default(), None)
    }

    /// The report as one self-contained HTML page: the summary and the
    /// failures first, then every case by category. Each case's row has
    /// the anchor `#CATEGORY/ID` and links to its case file (relative to
    /// `html_dir`, the folder the page is written to, when given); a few
    /// lines of inline script filter the rows by verdict.
    pub fn to_html_with(&self, notes: &Annotations, html_dir: Option<&Path>) -> String {
        let c = self.counts();
        let mut h = String::from(HTML_HEAD);
        let _ = writeln!(
            h,
            "<h1>h1check conformance</h1>\n<p id=\"summary\">Target: {}. {} cases in {:.2} s: \
             <span class=\"PASS\">{} passed</span>, <span class=\"WARN\">{} warned</span>, \
             <span class=\"FAIL\">{} failed ({} MUST)</span>, <span class=\"ERROR\">{} errors</span>.</p>",
            html(&self.target),
            c.total,
            self.elapsed.as_secs_f64(),
            c.pass,
            c.warn,
            c.fail,
            c.must_fail,
            c.error
        );
        if let Some(text) = notes.incomplete_text(c.total) {
            let _ = writeln!(
                h,
                "<p class=\"incomplete\"><strong>{}</strong></p>",
                html(&text)
            );
        }
        h.push_str("<p id=\"filter\">Show:");
        for (outcome, n) in [
            ("PASS", c.pass),
            ("WARN", c.warn),
            ("FAIL", c.fail),
            ("ERROR", c.error),
        ] {
            let _ = write!(
                h,
                " <label class=\"{outcome}\"><input type=\"checkbox\" value=\"{outcome}\" checked> {outcome} ({n})</label>"
            );
        }
        h.push_str("</p>\n");

        let failures: Vec<&CaseResult> = self.results.iter().filter(|r| r.is_failure()).collect();
        let _ = writeln!(h, "<h2 id=\"failures\">Failures ({})</h2>", failures.len());
        if failures.is_empty() {
            h.push_str("<p>None.</p>\n");
        } else {
            h.push_str("<table>\n<tr><th>outcome</th><th>case</th><th>section</th><th>level</th><th>why</th></tr>\n");
            for r in &failures {
                let outcome = r.verdict.outcome.as_str();
                let known = if notes.is_known(r) {
                    " <small title=\"listed in the baseline\">known</small>"
                } else {
                    ""
                };
                let _ = writeln!(
                    h,
                    "<tr class=\"{outcome}\"><td class=\"{outcome}\">{outcome}{known}</td><td><a href=\"#{}\">{}</a></td>\
                     <td>{}</td><td>{}</td><td>{}</td></tr>",
                    html(&r.name()),
                    html(&r.name()),
                    html(&r.case.section_title()),
                    r.case.level,
                    html(r.verdict.reason.lines().next().unwrap_or(""))
                );
            }
            h.push_str("</table>\n");
        }
        let profile = self.profile();
        if !profile.is_empty() {
            h.push_str("<h2 id=\"profile\">Behaviour profile</h2>\n<ul>\n");
            for (r, text) in profile {
                let _ = writeln!(
                    h,
                    "<li class=\"WARN\"><a href=\"#{}\"><code>{}</code></a> ({}, {}): {}</li>",
                    html(&r.name()),
                    html(&r.name()),
                    html(&r.case.section_title()),
                    r.case.level,
                    html(text)
                );
            }
            h.push_str("</ul>\n");
        }
        h.push_str("<h2 id=\"cases\">All cases</h2>\n");
        let mut category = None;
        for r in &self.results {
            if category != Some(&r.case.category) {
                if category.is_some() {
                    h.push_str("</table>\n");
                }
                category = Some(&r.case.category);
                let _ = writeln!(
                    h,
                    "<h3 id=\"{0}\">{0}</h3>\n<table>\n<tr><th>outcome</th><th>case</th><th>section</th><th>level</th><th>description</th></tr>",
                    html(&r.case.category)
                );
            }
            let outcome = r.verdict.outcome.as_str();
            let name = html(&r.name());
            let open = if r.is_failure() { " open" } else { "" };
            let _ = writeln!(
                h,
                "<tr id=\"{name}\" class=\"{outcome}\"><td class=\"{outcome}\">{outcome}</td><td><details{open}><summary><code>{}</code> \
                 <a class=\"anchor\" href=\"#{name}\" title=\"link to this case\">#</a> <a href=\"{}\">case file</a></summary>\n\
                 <blockquote>{}</blockquote>\n<p>{}</p>\n<p>Sent:</p><pre>{}</pre>\n<p>Received ({}):</p><pre>{}</pre>\n\
                 </details></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html(&r.case.id),
                html(&file_link(&r.case.path, html_dir)),
                html(&r.case.requirement),
                html(&r.verdict.reason).replace('\n', "<br>\n"),
                html(&shown(&r.observation.sent)),
                html(&r.observation.connection_text()),
                html(&shown(&r.observation.received)),
                html(&r.case.section_title()),
                r.case.level,
                html(&r.case.description)
            );
        }
        if category.is_some() {
            h.push_str("</table>\n");
        }
        h.push_str(HTML_SCRIPT);
        h.push_str("</body>\n</html>\n");
        h
    }
}

/// The page's head and style: hidden verdicts (`hide-PASS` on the body)
/// and the row an anchor points at (`:target`).
const HTML_HEAD: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>h1check conformance</title>\n<style>\n\
body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n\
table{border-collapse:collapse;width:100%;margin-bottom:1.5em}\n\
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}\n\
td:first-child,td:nth-child(3),td:nth-child(4){white-space:nowrap}\n\
.PASS{color:#1a7f37}.WARN{color:#9a6700}.FAIL{color:#cf222e}.ERROR{color:#8250df}\n\
tr.PASS,tr.WARN,tr.FAIL,tr.ERROR,li.WARN{color:inherit}\n\
.hide-PASS .PASS,.hide-WARN .WARN,.hide-FAIL .FAIL,.hide-ERROR .ERROR{display:none}\n\
#filter label{display:inline}\n\
tr:target{background:#fff8c5}\n\
.incomplete{background:#ffebe9;padding:.5em}\n\
a.anchor{color:#999;text-decoration:none}\n\
pre{background:#f6f8fa;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\n\
blockquote{margin:.3em 0;padding-left:.8em;border-left:3px solid #ccc;color:#555}\n\
</style>\n</head>\n<body>\n";

/// The filter: each verdict's checkbox hides or shows its rows; opening
/// a case's anchor shows and opens it.
const HTML_SCRIPT: &str = "<script>\n\
for (const box of document.querySelectorAll('#filter input')) {\n\
  box.addEventListener('change', () => document.body.classList.toggle('hide-' + box.value, !box.checked));\n\
}\n\
function openTarget() {\n\
  const row = document.getElementById(decodeURIComponent(location.hash.slice(1)));\n\
  if (row && row.tagName === 'TR') { document.body.classList.remove('hide-' + row.className); row.querySelector('details').open = true; }\n\
}\n\
window.addEventListener('hashchange', openTarget);\n\
openTarget();\n\
</script>\n";

/// A link to a case file: relative to `from_dir` when both resolve on
/// disk, else a `file://` URL of its absolute path.
fn file_link(path: &Path, from_dir: Option<&Path>) -> String {
    let Ok(target) = path.canonicalize() else {
        return path.display().to_string();
    };
    if let Some(base) = from_dir.and_then(|d| d.canonicalize().ok()) {
        let common = base
            .components()
            .zip(target.components())
            .take_while(|(a, b)| a == b)
            .count();
        if common > 1 {
            let ups = base.components().count() - common;
            let mut rel: Vec<String> = vec!["..".to_owned(); ups];
            rel.extend(
                target
                    .components()
                    .skip(common)
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            );
            return rel.join("/");
        }
    }
    format!("file://{}", target.display())
}

fn case_json(r: &CaseResult) -> Value {
    let o = &r.observation;
    json!({
        "id": r.case.id,
        "category": r.case.category,
        "section": r.case.section,
        "level": r.case.level.as_str(),
        "description": r.case.description,
        "requirement": r.case.requirement,
        "file": r.case.path.display().to_string(),
        "outcome": r.verdict.outcome.as_str(),
        "matched_expect": r.verdict.matched.map(|i| i + 1),
        "matched_summary": r.verdict.matched.map(|i| r.case.expects[i].summary()),
        "profile": r.verdict.profile,
        "reason": r.verdict.reason,
        "statuses": o.responses.iter().map(|r| r.status).collect::<Vec<_>>(),
        "interim": o.interim,
        "connection": o.connection_text(),
        "closed": o.closed.is_some(),
        "timed_out": o.timed_out,
        "sent": escape(&o.sent),
        "received": shown(&o.received),
        "received_len": o.received.len(),
        "elapsed_ms": o.elapsed.as_secs_f64() * 1000.0,
    })
}

/// Escaped bytes, cut at [`SHOWN_BYTES`] characters.
fn shown(bytes: &[u8]) -> String {
    let text = escape(bytes);
    if text.len() <= SHOWN_BYTES {
        return text;
    }
    let mut cut = SHOWN_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n… ({} bytes in all)", &text[..cut], bytes.len())
}

/// The detail lines of a failed case, as plain text (terminal and JUnit).
fn details_text(r: &CaseResult) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "requirement ({}, {}):",
        r.case.section_title(),
        r.case.level
    );
    let _ = writeln!(t, "  \"{}\"", r.case.requirement.replace('\n', " "));
    let _ = writeln!(t, "why:");
    for line in r.verdict.reason.lines() {
        let _ = writeln!(t, "  {line}");
    }
    let _ = writeln!(t, "sent:");
    for line in escape(&r.observation.sent).lines() {
        let _ = writeln!(t, "  {line}");
    }
    if let Some(e) = &r.observation.write_error {
        let _ = writeln!(t, "  (a write failed: {e})");
    }
    let _ = writeln!(
        t,
        "received ({} bytes; connection {}):",
        r.observation.received.len(),
        r.observation.connection_text()
    );
    for line in shown(&r.observation.received).lines() {
        let _ = writeln!(t, "  {line}");
    }
    let _ = writeln!(t, "file: {}", r.case.path.display());
    t
}

fn write_details(out: &mut dyn Write, r: &CaseResult) -> io::Result<()> {
    for line in details_text(r).lines() {
        writeln!(out, "      {line}")?;
    }
    Ok(())
}

/// Escapes text for XML attributes and content; characters XML 1.0 does
/// not allow (most C0 controls) become U+FFFD.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML.
pub fn html(text: &str) -> String {
    xml(text)
}
