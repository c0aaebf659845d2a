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
use crate::run::read_baseline;

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
    crate::run::write_baseline_text(&names)
}
