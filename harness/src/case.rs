//! RFC conformance cases: one TOML file per case under `fixtures/cases/`.
//!
//! The format is specified in `fixtures/cases/README.md`. A case says what
//! to send ([`Case::writes`]: bytes in [`crate::render`]'s escaped notation,
//! with pauses) and which outcomes are acceptable ([`Case::expects`], tried
//! in order). [`load_all`] reads a whole folder and checks it strictly: an
//! unknown key, a bad section, a status pattern that does not parse, an id
//! that differs from the file stem or is used twice is an [`Error`] naming
//! the file and what is wrong, never a silently ignored case.
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::render::unescape;

/// How strongly the quoted requirement binds (RFC 2119 keywords).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// An absolute requirement: no listed outcome matching is a FAIL.
    Must,
    /// A recommendation: no listed outcome matching is a WARN.
    Should,
    /// A choice the server may make either way; outcomes are pinned, not failed.
    May,
}

impl Level {
    /// `MUST`, `SHOULD` or `MAY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }

    /// Parses `MUST`, `SHOULD` or `MAY`, ignoring ASCII case.
    pub fn parse(text: &str) -> Option<Level> {
        match text.to_ascii_uppercase().as_str() {
            "MUST" => Some(Level::Must),
            "SHOULD" => Some(Level::Should),
            "MAY" => Some(Level::May),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict an `[[expect]]` gives when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    /// The outcome conforms.
    Pass,
    /// The outcome is allowed but worth knowing (a behaviour profile entry).
    Warn,
    /// The outcome is known to be wrong.
    Fail,
}

/// What the connection must do after the case's responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRule {
    /// The server closes it (EOF or reset) within the case's time bound.
    Closed,
    /// The server answers a follow-up `GET /` on it.
    Open,
    /// Either.
    Any,
}

/// A pattern for a status code: alternatives such as `400`, `4xx`,
/// `400|501`, `2xx|4xx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPattern {
    text: String,
    /// Each alternative: three characters, digits or a trailing run of `x`.
    alternatives: Vec<[Option<u8>; 3]>,
}

impl StatusPattern {
    /// Parses a pattern; `None` if any alternative is not three characters
    /// of which the first is a digit 1-5 and the rest digits, with `x`
    /// allowed only after the last digit (`4xx`, `40x`, `404`).
    pub fn parse(text: &str) -> Option<StatusPattern> {
        let mut alternatives = Vec::new();
        for alt in text.split('|') {
            let alt = alt.trim().as_bytes();
            if alt.len() != 3 || !(b'1'..=b'5').contains(&alt[0]) {
                return None;
            }
            let mut out = [None; 3];
            let mut wild = false;
            for (i, &c) in alt.iter().enumerate() {
                match c {
                    b'0'..=b'9' if !wild => out[i] = Some(c - b'0'),
                    b'x' | b'X' if i > 0 => wild = true,
                    _ => return None,
                }
            }
            alternatives.push(out);
        }
        Some(StatusPattern {
            text: text.to_owned(),
            alternatives,
        })
    }

    /// Whether `status` matches one of the alternatives.
    pub fn matches(&self, status: u16) -> bool {
        if !(100..=999).contains(&status) {
            return false;
        }
        let digits = [
            (status / 100) as u8,
            (status / 10 % 10) as u8,
            (status % 10) as u8,
        ];
        self.alternatives.iter().any(|alt| {
            alt.iter()
                .zip(digits)
                .all(|(want, got)| want.is_none_or(|w| w == got))
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One write of a case: wait `pause`, then send `bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// How long to wait before this write.
    pub pause: Duration,
    /// The bytes, unescaped.
    pub bytes: Vec<u8>,
}

/// One acceptable (or known-wrong) outcome. Every condition that is set
/// must hold for it to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// The verdict when it matches.
    pub verdict: Given,
    /// The behaviour profile entry a WARN carries ("accepts bare LF").
    pub profile: Option<String>,
    /// Status of the first final response.
    pub status: Option<StatusPattern>,
    /// What the connection does after the responses.
    pub connection: ConnectionRule,
    /// Exact number of complete final responses.
    pub responses: Option<usize>,
    /// Statuses of the final responses, in order (implies their number).
    pub sequence: Option<Vec<StatusPattern>>,
    /// The first final response carries no body bytes.
    pub no_body: bool,
    /// Fields present in the first final response.
    pub headers: Vec<String>,
    /// Fields absent from the first final response.
    pub absent: Vec<String>,
    /// Nothing may arrive, and the connection must stay open, for this long
    /// after the last write.
    pub silent: Option<Duration>,
    /// A 1xx the server sends before the final response.
    pub interim: Option<StatusPattern>,
    /// The HTTP-version of the first final response (`HTTP/1.1`).
    pub version: Option<String>,
    /// The first final response carries a `Date` in IMF-fixdate form
    /// (RFC 9110 §5.6.7).
    pub date: bool,
    /// Every complete final response's head keeps the grammar (RFC 9112
    /// §2.1, §4, §5; see [`crate::wire::head_problem`]) and no bytes came
    /// that are not part of a response. No answer at all passes: other
    /// conditions judge whether there must be one.
    pub well_formed: bool,
    /// For a WARN under a MUST case: the RFC sentence that permits the
    /// outcome (`RFC 9112 §6.3: "A server MAY reject ..."`).
    pub allowed_by: Option<String>,
    /// The server's first response (interim or final) had begun to arrive
    /// before this write (1-based) was made: an answer "at once", judged
    /// against the pause the case states before that write.
    pub answered_before_write: Option<usize>,
    /// Where `absent` is checked: every response, interim ones included,
    /// whose status matches this pattern (`1xx|204`), instead of the first
    /// final response.
    pub absent_in: Option<StatusPattern>,
}

impl Expect {
    /// A short text of the conditions, as written in the case file:
    /// `status=400 connection=closed`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.status {
            parts.push(format!("status={s}"));
        }
        if let Some(seq) = &self.sequence {
            let seq: Vec<&str> = seq.iter().map(StatusPattern::as_str).collect();
            parts.push(format!("sequence=[{}]", seq.join(", ")));
        }
        if let Some(n) = self.responses {
            parts.push(format!("responses={n}"));
        }
        if let Some(i) = &self.interim {
            parts.push(format!("interim={i}"));
        }
        if self.no_body {
            parts.push("no_body".to_owned());
        }
        if !self.headers.is_empty() {
            parts.push(format!("headers=[{}]", self.headers.join(", ")));
        }
        if !self.absent.is_empty() {
            parts.push(format!("absent=[{}]", self.absent.join(", ")));
        }
        if let Some(d) = self.silent {
            parts.push(format!("silent_ms={}", d.as_millis()));
        }
        if let Some(v) = &self.version {
            parts.push(format!("version={v}"));
        }
        if self.date {
            parts.push("date=imf-fixdate".to_owned());
        }
        if self.well_formed {
            parts.push("well_formed".to_owned());
        }
        if let Some(n) = self.answered_before_write {
            parts.push(format!("answered_before_write={n}"));
        }
        if let Some(p) = &self.absent_in {
            parts.push(format!("absent_in={p}"));
        }
        match self.connection {
            ConnectionRule::Closed => parts.push("connection=closed".to_owned()),
            ConnectionRule::Open => parts.push("connection=open".to_owned()),
            ConnectionRule::Any => {}
        }
        if parts.is_empty() {
            parts.push("anything".to_owned());
        }
        parts.join(" ")
    }
}

/// One conformance case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Unique id, equal to the file stem.
    pub id: String,
    /// The folder it is in, relative to the cases root (`smuggling`).
    pub category: String,
    /// RFC number and section, `9112/6.1`.
    pub section: String,
    /// How strongly the requirement binds.
    pub level: Level,
    /// The sentence checked, quoted from the RFC.
    pub requirement: String,
    /// What is sent, in a few words.
    pub description: String,
    /// The writes, in order.
    pub writes: Vec<Write>,
    /// The outcomes, tried in order.
    pub expects: Vec<Expect>,
    /// The case file.
    pub path: PathBuf,
}

impl Case {
    /// `RFC 9112 §6.1`.
    pub fn section_title(&self) -> String {
        match self.section.split_once('/') {
            Some((rfc, sec)) => format!("RFC {rfc} §{sec}"),
            None => self.section.clone(),
        }
    }

    /// All bytes the case sends, concatenated.
    pub fn bytes(&self) -> Vec<u8> {
        self.writes.iter().flat_map(|w| w.bytes.clone()).collect()
    }

    /// The time the case itself spends waiting: its pauses and its
    /// longest silent window.
    pub fn planned_wait(&self) -> Duration {
        self.writes.iter().map(|w| w.pause).sum::<Duration>()
            + self.silent_window().unwrap_or_default()
    }

    /// The longest `silent_ms` of its expects, if any has one.
    pub fn silent_window(&self) -> Option<Duration> {
        self.expects.iter().filter_map(|e| e.silent).max()
    }

    /// Parses and checks one case file's text. `path` is used for the id
    /// check (its stem) and for messages; `category` is stored as is.
    pub fn parse(path: &Path, category: &str, text: &str) -> Result<Case, Error> {
        let err = |message: String| Error::invalid(path, message);
        let file: CaseFile = toml::from_str(text).map_err(|e| {
            Error::new(path, ErrorKind::Syntax, e.to_string().trim_end().to_owned())
        })?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if file.id != stem {
            return Err(err(format!(
                "id {:?} differs from the file stem {stem:?}",
                file.id
            )));
        }
        if !valid_id(&file.id) {
            return Err(err(format!(
                "id {:?} may hold only ASCII letters, digits, '-', '_' and '.'",
                file.id
            )));
        }
        if !valid_section(&file.section) {
            return Err(err(format!(
                "section {:?} is not RFC/SECTION like \"9112/6.1\"",
                file.section
            )));
        }
        let level = Level::parse(&file.level).filter(|_| file.level == file.level.to_uppercase());
        let level = level
            .ok_or_else(|| err(format!("level {:?} is not MUST, SHOULD or MAY", file.level)))?;
        for (key, value) in [
            ("requirement", &file.requirement),
            ("description", &file.description),
        ] {
            if value.trim().is_empty() {
                return Err(err(format!("{key} is empty")));
            }
        }
        let unescape_in = |what: &str, text: &str| {
            let bytes = unescape(text).map_err(|e| err(format!("{what}: {e}")))?;
            if bytes.is_empty() {
                return Err(err(format!("{what} sends no bytes")));
            }
            Ok(bytes)
        };
        let writes = match (&file.send, file.write.is_empty()) {
            (Some(_), false) => return Err(err("has both send and [[write]]; use one".into())),
            (None, true) => return Err(err("sends nothing: needs send or [[write]]".into())),
            (Some(send), true) => vec![Write {
                pause: Duration::ZERO,
                bytes: unescape_in("send", send)?,
            }],
            (None, false) => file
                .write
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    Ok(Write {
                        pause: Duration::from_millis(w.pause_ms),
                        bytes: unescape_in(&format!("write {}", i + 1), &w.bytes)?,
                    })
                })
                .collect::<Result<_, Error>>()?,
        };
        if file.expect.is_empty() {
            return Err(err("has no [[expect]]".into()));
        }
        let expects = file
            .expect
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                e.check(level, writes.len())
                    .map_err(|m| err(format!("expect {}: {m}", i + 1)))
            })
            .collect::<Result<_, Error>>()?;
        Ok(Case {
            id: file.id,
            category: category.to_owned(),
            section: file.section,
            level,
            requirement: file.requirement.trim().to_owned(),
            description: file.description.trim().to_owned(),
            writes,
            expects,
            path: path.to_owned(),
        })
    }
}

/// The file as written; every key known, nothing else accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    id: String,
    section: String,
    level: String,
    requirement: String,
    description: String,
    send: Option<String>,
    #[serde(default)]
    write: Vec<WriteFile>,
    #[serde(default)]
    expect: Vec<ExpectFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteFile {
    #[serde(default)]
    pause_ms: u64,
    bytes: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFile {
    verdict: Option<String>,
    profile: Option<String>,
    status: Option<String>,
    connection: Option<String>,
    responses: Option<usize>,
    sequence: Option<Vec<String>>,
    no_body: Option<bool>,
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    silent_ms: Option<u64>,
    interim: Option<String>,
    version: Option<String>,
    date: Option<String>,
    well_formed: Option<bool>,
    allowed_by: Option<String>,
    answered_before_write: Option<usize>,
    absent_in: Option<String>,
}

impl ExpectFile {
    /// Checks one expect of a case of `level` that makes `writes` writes.
    fn check(self, level: Level, writes: usize) -> Result<Expect, String> {
        let pattern = |key: &str, text: &str| {
            StatusPattern::parse(text).ok_or_else(|| {
                format!("{key} {text:?} is not a status pattern like \"400\", \"4xx\", \"400|501\"")
            })
        };
        let verdict = match self.verdict.as_deref() {
            None | Some("PASS") => Given::Pass,
            Some("WARN") => Given::Warn,
            Some("FAIL") => Given::Fail,
            Some(other) => return Err(format!("verdict {other:?} is not PASS, WARN or FAIL")),
        };
        if verdict == Given::Warn && self.profile.as_deref().is_none_or(|p| p.trim().is_empty()) {
            return Err(
                "verdict WARN needs a profile (what the server does, e.g. \"accepts bare LF\")"
                    .into(),
            );
        }
        // A MUST case warns only where the RFC leaves a choice: the expect
        // names the sentence that allows it.
        let allowed_by = self.allowed_by.map(|a| a.trim().to_owned());
        match (&allowed_by, verdict, level) {
            (None, Given::Warn, Level::Must) => {
                return Err(
                    "verdict WARN in a MUST case needs allowed_by: the RFC sentence \
                     that permits the outcome (\"RFC 9112 §6.3: A server MAY ...\")"
                        .into(),
                )
            }
            (Some(_), Given::Pass | Given::Fail, _) => {
                return Err("allowed_by belongs to an expect with verdict = \"WARN\"".into())
            }
            (Some(a), _, _) if !valid_citation(a) => {
                return Err(format!(
                    "allowed_by {a:?} does not start \"RFC NNNN §N.N: \" and quote a sentence"
                ))
            }
            _ => {}
        }
        if let Some(n) = self.answered_before_write {
            if n < 2 || n > writes {
                return Err(format!(
                    "answered_before_write = {n} names no later write: the case makes \
                     {writes} write(s), and the first has nothing before it"
                ));
            }
        }
        let connection = match self.connection.as_deref() {
            None | Some("any") => ConnectionRule::Any,
            Some("closed") => ConnectionRule::Closed,
            Some("open") => ConnectionRule::Open,
            Some(other) => return Err(format!("connection {other:?} is not closed, open or any")),
        };
        let status = self
            .status
            .as_deref()
            .map(|s| pattern("status", s))
            .transpose()?;
        let sequence = self
            .sequence
            .map(|seq| seq.iter().map(|s| pattern("sequence entry", s)).collect())
            .transpose()?;
        if let (Some(seq), Some(n)) = (&sequence, self.responses) {
            let seq: &Vec<StatusPattern> = seq;
            if seq.len() != n {
                return Err(format!(
                    "responses = {n} contradicts a sequence of {}",
                    seq.len()
                ));
            }
        }
        let interim = self
            .interim
            .as_deref()
            .map(|s| pattern("interim", s))
            .transpose()?;
        if let Some(i) = &interim {
            if !i.alternatives.iter().all(|a| a[0] == Some(1)) {
                return Err(format!("interim {:?} is not a 1xx status", i.as_str()));
            }
        }
        for name in self.headers.iter().chain(&self.absent) {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                return Err(format!("{name:?} is not a field name"));
            }
        }
        if let Some(v) = &self.version {
            let b = v.as_bytes();
            let ok = b.len() == 8
                && v.starts_with("HTTP/")
                && b[5].is_ascii_digit()
                && b[6] == b'.'
                && b[7].is_ascii_digit();
            if !ok {
                return Err(format!("version {v:?} is not HTTP/DIGIT.DIGIT"));
            }
        }
        let date = match self.date.as_deref() {
            None => false,
            Some("imf-fixdate") => true,
            Some(other) => return Err(format!("date {other:?} is not \"imf-fixdate\"")),
        };
        let well_formed = self.well_formed.unwrap_or(false);
        let absent_in = self
            .absent_in
            .as_deref()
            .map(|s| pattern("absent_in", s))
            .transpose()?;
        if absent_in.is_some() && self.absent.is_empty() {
            return Err("absent_in says where absent is checked: it needs absent".into());
        }
        let silent = self.silent_ms.map(Duration::from_millis);
        if silent.is_some() {
            let about_responses = status.is_some()
                || sequence.is_some()
                || self.responses.is_some_and(|n| n > 0)
                || self.no_body.is_some()
                || !self.headers.is_empty()
                || !self.absent.is_empty()
                || interim.is_some()
                || self.version.is_some()
                || date
                || well_formed
                || self.answered_before_write.is_some();
            if about_responses || connection == ConnectionRule::Closed {
                return Err(
                    "silent_ms means nothing arrives: it cannot be combined with \
                     status, sequence, responses, no_body, headers, absent, interim, \
                     version, date, well_formed, answered_before_write or \
                     connection = \"closed\""
                        .into(),
                );
            }
            if self.silent_ms == Some(0) {
                return Err("silent_ms must be more than 0".into());
            }
        }
        Ok(Expect {
            verdict,
            profile: self.profile.map(|p| p.trim().to_owned()),
            status,
            connection,
            responses: self.responses,
            sequence,
            no_body: self.no_body.unwrap_or(false),
            headers: self.headers,
            absent: self.absent,
            silent,
            interim,
            version: self.version,
            date,
            well_formed,
            allowed_by,
            answered_before_write: self.answered_before_write,
            absent_in,
        })
    }
}

/// `RFC 9110 §5.5: ...`: an RFC number, a section, a colon and some text.
fn valid_citation(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("RFC ") else {
        return false;
    };
    let Some((rfc, rest)) = rest.split_once(" §") else {
        return false;
    };
    let Some((sec, quote)) = rest.split_once(':') else {
        return false;
    };
    rfc.len() >= 4
        && rfc.bytes().all(|b| b.is_ascii_digit())
        && !sec.is_empty()
        && sec
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && quote.trim().len() > 10
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// `RFC/SECTION`: a number of four digits or more, then dot-separated
/// numbers (`9112/6.1`, `9110/15.5.1`).
fn valid_section(section: &str) -> bool {
    let Some((rfc, sec)) = section.split_once('/') else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    rfc.len() >= 4 && number(rfc) && sec.split('.').all(number)
}

/// An error loading a case, naming the file.
#[derive(Debug)]
pub struct Error {
    path: PathBuf,
    kind: ErrorKind,
    message: String,
}

/// What kind of problem a case file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Occurs when the folder or a file cannot be read.
    Io,
    /// Occurs when a file is not valid TOML, has an unknown key or a value of the wrong type.
    Syntax,
    /// Occurs when a value is well-formed TOML but wrong (id, section, level, pattern, ...).
    Invalid,
    /// Occurs when two files declare the same id.
    DuplicateId,
    /// Occurs when a case file is not inside a category folder.
    NoCategory,
}

impl Error {
    fn new(path: &Path, kind: ErrorKind, message: String) -> Error {
        Error {
            path: path.to_owned(),
            kind,
            message,
        }
    }

    fn invalid(path: &Path, message: String) -> Error {
        Error::new(path, ErrorKind::Invalid, message)
    }

    fn io(path: &Path, e: io::Error) -> Error {
        Error::new(path, ErrorKind::Io, e.to_string())
    }

    /// The file (or folder) concerned.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What kind of problem it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What is wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for Error {}

/// Every error of a failed [`load_all`], one per line, each naming its file.
pub fn describe(errors: &[Error]) -> String {
    errors.iter().map(|e| format!("{e}\n")).collect()
}

/// Loads every `*.toml` under `root` (recursively) as a case, sorted by
/// category then id. All problems are returned, not just the first.
pub fn load_all(root: &Path) -> Result<Vec<Case>, Vec<Error>> {
    let mut files = Vec::new();
    if let Err(e) = list_toml(root, &mut files) {
        return Err(vec![e]);
    }
    files.sort();
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let category = rel
            .parent()
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        if category.is_empty() {
            errors.push(Error::new(
                &path,
                ErrorKind::NoCategory,
                "a case belongs in a category folder: fixtures/cases/<category>/<id>.toml".into(),
            ));
            continue;
        }
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                errors.push(Error::io(&path, e));
                continue;
            }
        };
        match Case::parse(&path, &category, &text) {
            Ok(case) => cases.push(case),
            Err(e) => errors.push(e),
        }
    }
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for case in &cases {
        if let Some(first) = seen.insert(&case.id, &case.path) {
            errors.push(Error::new(
                &case.path,
                ErrorKind::DuplicateId,
                format!("id {:?} is already used by {}", case.id, first.display()),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    cases.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));
    Ok(cases)
}

fn list_toml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            list_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}
