//! Baselines: the known failures of a server, so that CI fails only on new
//! ones.
//!
//! A baseline lists cases as `category/id` (as `--write-baseline` writes
//! them and the failures list prints them) or as a bare `id`; ids are
//! unique across categories, so both name one case. [`load`] reads a file
//! strictly: a file that is not valid in its format, or that names a case
//! that does not exist, is an error naming each bad entry, never a
//! baseline silently wider or narrower than meant.
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::case::{closest, Case};
use crate::report::CaseResult;

/// Reads the baseline at `path` and resolves each entry to a case id of
/// `cases` (every case loaded, not only the selected ones, so that a run
/// of one category keeps a whole-suite baseline valid).
///
/// A `.json` file must be JSON (a list of names, or `{"failing": [...]}`);
/// any other file is JSON if it starts with `[` or `{`, else one name a
/// line with `#` comments.
pub fn load(path: &Path, cases: &[Case]) -> Result<BTreeSet<String>, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let trimmed = text.trim_start();
    if is_json && !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        let shown: String = trimmed
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        return Err(format!(
            "not valid JSON (starts {shown:?}): a .json baseline is a list of case ids, \
             [\"smuggling/clte-get\"], or {{\"failing\": [...]}}"
        ));
    }
    let entries = read_baseline(&text)?;
    resolve(&entries, cases)
}

/// Maps each `category/id` or `id` in `entries` to its case id; every
/// entry naming no case is reported, with the closest name when one is
/// near.
pub fn resolve(entries: &BTreeSet<String>, cases: &[Case]) -> Result<BTreeSet<String>, String> {
    let names: Vec<String> = cases
        .iter()
        .map(|c| format!("{}/{}", c.category, c.id))
        .collect();
    let mut ids = BTreeSet::new();
    let mut unknown = Vec::new();
    for entry in entries {
        let found = cases.iter().find(|c| match entry.rsplit_once('/') {
            Some((category, id)) => c.category == category && c.id == id,
            None => c.id == *entry,
        });
        match found {
            Some(case) => {
                ids.insert(case.id.clone());
            }
            None => {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let ids_only: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
                let hint = match entry.contains('/') {
                    true => closest(entry, &refs),
                    false => closest(entry, &ids_only),
                };
                unknown.push(match hint {
                    Some(h) => format!("  {entry:?}: no such case; did you mean {h:?}?"),
                    None => format!("  {entry:?}: no such case"),
                });
            }
        }
    }
    if unknown.is_empty() {
        return Ok(ids);
    }
    Err(format!(
        "{} entr{} name no case (fix or remove them: a typo would hide a failure):\n{}",
        unknown.len(),
        if unknown.len() == 1 { "y" } else { "ies" },
        unknown.join("\n")
    ))
}

/// The text `--write-baseline` writes: the failing cases as
/// `category/id`, one a line, under a comment header.
pub fn file_text(results: &[CaseResult]) -> String {
    let names: BTreeSet<String> = results
        .iter()
        .filter(|r| r.is_failure())
        .map(CaseResult::name)
        .collect();
    write_baseline_text(&names)
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
    let mut ids = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let name_char = |b: u8| b.is_ascii_alphanumeric() || b"-_./".contains(&b);
        if !line.bytes().all(name_char) {
            return Err(format!(
                "line {}: {line:?} is not a case id; write one category/id or id a line \
                 (# starts a comment), or a JSON list",
                n + 1
            ));
        }
        ids.insert(line.to_owned());
    }
    Ok(ids)
}

/// A baseline file listing `ids` (`category/id` or `id`), one a line,
/// with a comment header.
pub fn write_baseline_text(ids: &BTreeSet<String>) -> String {
    let mut out = String::from(
        "# Known failing conformance cases, one category/id a line (harness run --write-baseline).\n\
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
        .filter(|r| r.is_failure())
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
