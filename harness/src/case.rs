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
    ///
    /// Every problem is reported, not only the first: each [`Error`] names
    /// the key (`level`, `expect[2].status`), what is wrong and how to fix
    /// it. Only a TOML syntax error stops the check early.
    pub fn parse(path: &Path, category: &str, text: &str) -> Result<Case, Vec<Error>> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            vec![Error::new(
                path,
                ErrorKind::Syntax,
                format!(
                    "{} (fix the TOML syntax; see fixtures/cases/README.md)",
                    e.to_string().trim_end()
                ),
            )]
        })?;
        let mut checker = Checker {
            path,
            errors: Vec::new(),
        };
        let case = checker.case(category, &table);
        match case {
            Some(case) if checker.errors.is_empty() => Ok(case),
            _ => Err(checker.errors),
        }
    }
}

/// The keys a case file may hold at the top.
const CASE_KEYS: &[&str] = &[
    "id",
    "section",
    "level",
    "requirement",
    "description",
    "send",
    "write",
    "expect",
];
/// The keys a `[[write]]` may hold.
const WRITE_KEYS: &[&str] = &["pause_ms", "bytes"];
/// The keys an `[[expect]]` may hold.
const EXPECT_KEYS: &[&str] = &[
    "verdict",
    "profile",
    "status",
    "connection",
    "responses",
    "sequence",
    "no_body",
    "headers",
    "absent",
    "silent_ms",
    "interim",
    "version",
    "date",
    "well_formed",
    "allowed_by",
    "answered_before_write",
    "absent_in",
];
/// The `[[expect]]` keys about responses, which `silent_ms` excludes.
const ABOUT_RESPONSES: &[&str] = &[
    "status",
    "sequence",
    "no_body",
    "headers",
    "absent",
    "interim",
    "version",
    "date",
    "well_formed",
    "answered_before_write",
    "absent_in",
];

/// Longest `pause_ms` or `silent_ms`, in milliseconds. Waits add straight
/// to the suite's time; a longer wait is a soak test, not a case.
pub const MAX_WAIT_MS: u64 = 5000;

/// The TOML type of a value, as a message says it.
fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// The entry of `known` closest to `word`, if it is close enough to be a
/// typo of it (as cargo suggests a command).
pub fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(word, k), *k))
        .filter(|&(d, k)| d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

/// Collects every problem of one file.
struct Checker<'a> {
    path: &'a Path,
    errors: Vec<Error>,
}

impl Checker<'_> {
    /// A value of the right type that is wrong.
    fn problem(&mut self, key: &str, message: String) {
        self.push(ErrorKind::Invalid, key, message);
    }

    /// A key missing, unknown or holding a value of the wrong type.
    fn shape(&mut self, key: &str, message: String) {
        self.push(ErrorKind::Syntax, key, message);
    }

    fn push(&mut self, kind: ErrorKind, key: &str, message: String) {
        self.errors.push(Error {
            path: self.path.to_owned(),
            kind,
            key: Some(key.to_owned()),
            message,
        });
    }

    /// Names each key of `table` not in `known`, with the closest known one.
    fn unknown_keys(&mut self, at: &str, table: &toml::Table, known: &[&str]) {
        for key in table.keys().filter(|k| !known.contains(&k.as_str())) {
            let fix = match closest(key, known) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("remove it; the keys here are {}", known.join(", ")),
            };
            self.shape(&format!("{at}{key}"), format!("unknown key; {fix}"));
        }
    }

    /// `table[key]` as a string; a value of another type is a problem.
    fn string<'t>(&mut self, at: &str, table: &'t toml::Table, key: &str) -> Option<&'t str> {
        match table.get(key)? {
            toml::Value::String(s) => Some(s),
            other => {
                self.shape(
                    &format!("{at}{key}"),
                    format!("is {}; write a string: {key} = \"...\"", type_name(other)),
                );
                None
            }
        }
    }

    /// A string every case must have.
    fn required<'t>(
        &mut self,
        table: &'t toml::Table,
        key: &str,
        example: &str,
    ) -> Option<&'t str> {
        if !table.contains_key(key) {
            self.shape(key, format!("is missing; add {key} = {example}"));
            return None;
        }
        self.string("", table, key)
    }

    /// A required text: present, a string, not blank.
    fn text(&mut self, table: &toml::Table, key: &str, example: &str) -> Option<String> {
        let value = self.required(table, key, example)?;
        if value.trim().is_empty() {
            self.problem(key, format!("is empty; write {example}"));
            return None;
        }
        Some(value.trim().to_owned())
    }

    fn integer(&mut self, at: &str, table: &toml::Table, key: &str, min: u64) -> Option<u64> {
        match table.get(key)? {
            toml::Value::Integer(n) if *n >= min as i64 => Some(*n as u64),
            toml::Value::Integer(n) => {
                self.problem(
                    &format!("{at}{key}"),
                    format!("{n} is less than {min}; write a whole number from {min} up"),
                );
                None
            }
            other => {
                self.shape(
                    &format!("{at}{key}"),
                    format!(
                        "is {}; write a whole number: {key} = {}",
                        type_name(other),
                        min.max(1)
                    ),
                );
                None
            }
        }
    }

    /// A wait in milliseconds, at least `min`, at most [`MAX_WAIT_MS`].
    fn wait(&mut self, at: &str, table: &toml::Table, key: &str, min: u64) -> Option<u64> {
        let ms = self.integer(at, table, key, min)?;
        if ms > MAX_WAIT_MS {
            self.problem(
                &format!("{at}{key}"),
                format!("{ms} is more than {MAX_WAIT_MS}; a case waits at most {MAX_WAIT_MS} ms at a time"),
            );
            return None;
        }
        Some(ms)
    }

    fn boolean(&mut self, at: &str, table: &toml::Table, key: &str) -> Option<bool> {
        match table.get(key)? {
            toml::Value::Boolean(b) => Some(*b),
            other => {
                self.shape(
                    &format!("{at}{key}"),
                    format!("is {}; write {key} = true", type_name(other)),
                );
                None
            }
        }
    }

    fn strings(&mut self, at: &str, table: &toml::Table, key: &str) -> Option<Vec<String>> {
        let value = table.get(key)?;
        let items = match value {
            toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => items,
            _ => {
                self.shape(
                    &format!("{at}{key}"),
                    format!(
                        "is {}; write a list of strings: {key} = [\"...\"]",
                        match value {
                            toml::Value::Array(_) => "an array holding other values than strings",
                            other => type_name(other),
                        }
                    ),
                );
                return None;
            }
        };
        Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )
    }

    /// `[[key]]`: an array of tables. A plain `[key]` table is named.
    fn tables<'t>(&mut self, table: &'t toml::Table, key: &str) -> Vec<&'t toml::Table> {
        match table.get(key) {
            None => Vec::new(),
            Some(toml::Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        toml::Value::Table(t) => out.push(t),
                        other => self.shape(
                            &format!("{key}[{}]", i + 1),
                            format!("is {}; write each as a [[{key}]] table", type_name(other)),
                        ),
                    }
                }
                out
            }
            Some(other) => {
                self.shape(
                    key,
                    format!(
                        "is {}; write [[{key}]] (double brackets: one table per entry)",
                        type_name(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn bytes(&mut self, key: &str, text: &str) -> Option<Vec<u8>> {
        match unescape(text) {
            Ok(bytes) if bytes.is_empty() => {
                self.problem(key, "sends no bytes; write the bytes to send".into());
                None
            }
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.problem(
                    key,
                    format!(
                        "{e}; write \\r, \\n, \\t, \\\\ or \\xNN (harness/src/render.rs) in a \
                         literal string ('''...''')"
                    ),
                );
                None
            }
        }
    }

    fn pattern(&mut self, key: &str, text: &str) -> Option<StatusPattern> {
        let pattern = StatusPattern::parse(text);
        if pattern.is_none() {
            self.problem(
                key,
                format!(
                    "{text:?} is not a status pattern; write three characters, the first a \
                     digit 1-5, x only after the digits: \"400\", \"4xx\", \"400|501\""
                ),
            );
        }
        pattern
    }

    fn case(&mut self, category: &str, t: &toml::Table) -> Option<Case> {
        self.unknown_keys("", t, CASE_KEYS);
        let stem = self
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let id = self.required(t, "id", &format!("{stem:?}"));
        if let Some(id) = id {
            if id != stem {
                self.problem(
                    "id",
                    format!(
                        "{id:?} differs from the file stem {stem:?}; write id = {stem:?} \
                         or rename the file to {id}.toml"
                    ),
                );
            } else if !valid_id(id) {
                self.problem(
                    "id",
                    format!(
                        "{id:?} may hold only ASCII letters, digits, '-', '_' and '.'; \
                         rename the file and the id"
                    ),
                );
            }
        }
        let section = self.required(t, "section", "\"9112/6.1\"");
        if let Some(s) = section.filter(|s| !valid_section(s)) {
            self.problem(
                "section",
                format!(
                    "{s:?} is not RFC/SECTION; write the RFC number, a slash and the \
                     section, like \"9112/6.1\", \"9110/15.5.1\" or \"9112/C.2\""
                ),
            );
        }
        let level = self.required(t, "level", "\"MUST\"").and_then(|l| {
            let level = Level::parse(l).filter(|_| l == l.to_uppercase());
            if level.is_none() {
                let fix = match Level::parse(l) {
                    Some(level) => format!("write it in upper case: \"{level}\""),
                    None => "write the RFC 2119 keyword of the sentence quoted".into(),
                };
                self.problem("level", format!("{l:?} is not MUST, SHOULD or MAY; {fix}"));
            }
            level
        });
        let requirement = self.text(
            t,
            "requirement",
            "\"the sentence checked, quoted from the RFC\"",
        );
        let description = self.text(t, "description", "\"what is sent, in a few words\"");
        let writes = self.writes(t);

        let expect_tables = self.tables(t, "expect");
        let no_expect = match t.get("expect") {
            None => true,
            Some(toml::Value::Array(items)) => items.is_empty(),
            Some(_) => false,
        };
        if no_expect {
            self.problem(
                "expect",
                "has no [[expect]]; add at least one acceptable outcome".into(),
            );
        }
        let expects: Vec<Option<Expect>> = expect_tables
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let writes = writes.as_ref().map_or(0, Vec::len);
                self.expect(&format!("expect[{}].", i + 1), e, level, writes)
            })
            .collect();
        Some(Case {
            id: id?.to_owned(),
            category: category.to_owned(),
            section: section?.to_owned(),
            level: level?,
            requirement: requirement?,
            description: description?,
            writes: writes?,
            expects: expects.into_iter().collect::<Option<_>>()?,
            path: self.path.to_owned(),
        })
    }

    /// `send`, or the `[[write]]` tables.
    fn writes(&mut self, t: &toml::Table) -> Option<Vec<Write>> {
        let send = self.string("", t, "send");
        let tables = self.tables(t, "write");
        match (t.contains_key("send"), t.contains_key("write")) {
            (true, true) => {
                self.problem(
                    "send",
                    "has both send and [[write]]; use send for one write, [[write]] for several"
                        .into(),
                );
                None
            }
            (false, false) => {
                self.problem(
                    "send",
                    "is missing: the case sends nothing; add send = '''...''' or [[write]] tables"
                        .into(),
                );
                None
            }
            (true, false) => Some(vec![Write {
                pause: Duration::ZERO,
                bytes: self.bytes("send", send?)?,
            }]),
            (false, true) => {
                let writes: Vec<Option<Write>> = tables
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let at = format!("write[{}].", i + 1);
                        self.unknown_keys(&at, w, WRITE_KEYS);
                        let pause = match w.contains_key("pause_ms") {
                            true => self.wait(&at, w, "pause_ms", 0),
                            false => Some(0),
                        };
                        let bytes = match w.contains_key("bytes") {
                            true => self
                                .string(&at, w, "bytes")
                                .and_then(|b| self.bytes(&format!("{at}bytes"), b)),
                            false => {
                                self.shape(
                                    &format!("{at}bytes"),
                                    "is missing; add bytes = '''...'''".into(),
                                );
                                None
                            }
                        };
                        Some(Write {
                            pause: Duration::from_millis(pause?),
                            bytes: bytes?,
                        })
                    })
                    .collect();
                if writes.is_empty() {
                    self.problem("write", "is empty; add a [[write]] table".into());
                }
                writes.into_iter().collect()
            }
        }
    }

    /// One `[[expect]]` of a case of `level` (when it parsed) that makes
    /// `writes` writes.
    fn expect(
        &mut self,
        at: &str,
        e: &toml::Table,
        level: Option<Level>,
        writes: usize,
    ) -> Option<Expect> {
        let before = self.errors.len();
        let key = |k: &str| format!("{at}{k}");
        self.unknown_keys(at, e, EXPECT_KEYS);
        let verdict = match self.string(at, e, "verdict") {
            None | Some("PASS") => Given::Pass,
            Some("WARN") => Given::Warn,
            Some("FAIL") => Given::Fail,
            Some(other) => {
                self.problem(
                    &key("verdict"),
                    format!("{other:?} is not PASS, WARN or FAIL; write one of them"),
                );
                Given::Pass
            }
        };
        let profile = self.string(at, e, "profile").map(|p| p.trim().to_owned());
        if verdict == Given::Warn && profile.as_deref().is_none_or(str::is_empty) {
            self.problem(
                &key("verdict"),
                "WARN needs a profile: add profile = \"what the server does\" \
                 (e.g. \"accepts bare LF\")"
                    .into(),
            );
        }
        // A MUST case warns only where the RFC leaves a choice: the expect
        // names the sentence that allows it.
        let allowed_by = self
            .string(at, e, "allowed_by")
            .map(|a| a.trim().to_owned());
        match (&allowed_by, verdict) {
            (None, Given::Warn) if level == Some(Level::Must) => self.problem(
                &key("allowed_by"),
                "is missing: a WARN in a MUST case needs allowed_by, the RFC sentence that permits \
                 the outcome; add allowed_by = \"RFC 9112 §6.3: A server MAY ...\""
                    .into(),
            ),
            (Some(_), Given::Pass | Given::Fail) => self.problem(
                &key("allowed_by"),
                "belongs to an expect with verdict = \"WARN\"; remove it".into(),
            ),
            (Some(a), _) if !valid_citation(a) => self.problem(
                &key("allowed_by"),
                format!(
                    "{a:?} does not start \"RFC NNNN §N.N: \" and quote a sentence; \
                     write \"RFC 9110 §9.1: All other methods are OPTIONAL.\""
                ),
            ),
            _ => {}
        }
        let answered_before_write = self
            .integer(at, e, "answered_before_write", 0)
            .map(|n| n as usize);
        if let Some(n) = answered_before_write.filter(|n| *n < 2 || *n > writes) {
            self.problem(
                &key("answered_before_write"),
                format!(
                    "{n} names no later write: the case makes {writes} write(s), and the \
                     first has nothing before it; write a number from 2 to {writes}"
                ),
            );
        }
        let connection = match self.string(at, e, "connection") {
            None | Some("any") => ConnectionRule::Any,
            Some("closed") => ConnectionRule::Closed,
            Some("open") => ConnectionRule::Open,
            Some(other) => {
                self.problem(
                    &key("connection"),
                    format!("{other:?} is not closed, open or any; write one of them"),
                );
                ConnectionRule::Any
            }
        };
        let status = self
            .string(at, e, "status")
            .and_then(|s| self.pattern(&key("status"), s));
        let sequence = self.strings(at, e, "sequence").map(|seq| {
            seq.iter()
                .filter_map(|s| self.pattern(&key("sequence"), s))
                .collect::<Vec<_>>()
        });
        let responses = self.integer(at, e, "responses", 0).map(|n| n as usize);
        let sequence_len = e
            .get("sequence")
            .and_then(toml::Value::as_array)
            .map(Vec::len);
        if let (Some(len), Some(n)) = (sequence_len, responses) {
            if len != n {
                self.problem(
                    &key("responses"),
                    format!(
                        "responses = {n} contradicts a sequence of {len}; drop responses \
                         (a sequence implies it)"
                    ),
                );
            }
        }
        let interim = self
            .string(at, e, "interim")
            .and_then(|s| self.pattern(&key("interim"), s));
        if let Some(i) = interim
            .as_ref()
            .filter(|i| !i.alternatives.iter().all(|a| a[0] == Some(1)))
        {
            self.problem(
                &key("interim"),
                format!(
                    "{:?} is not a 1xx status; interim names a 1xx such as \"100\" \
                     (a final status goes in status)",
                    i.as_str()
                ),
            );
        }
        let headers = self.strings(at, e, "headers").unwrap_or_default();
        let absent = self.strings(at, e, "absent").unwrap_or_default();
        for (list, names) in [("headers", &headers), ("absent", &absent)] {
            for name in names.iter().filter(|n| !is_field_name(n)) {
                self.problem(
                    &key(list),
                    format!("{name:?} is not a field name; write the name alone, like \"Date\""),
                );
            }
        }
        let version = self.string(at, e, "version").map(str::to_owned);
        if let Some(v) = version.as_ref().filter(|v| !is_http_version(v)) {
            self.problem(
                &key("version"),
                format!("{v:?} is not HTTP/DIGIT.DIGIT; write \"HTTP/1.1\""),
            );
        }
        let date = match self.string(at, e, "date") {
            None => false,
            Some("imf-fixdate") => true,
            Some(other) => {
                self.problem(
                    &key("date"),
                    format!("{other:?} is not \"imf-fixdate\"; write date = \"imf-fixdate\""),
                );
                false
            }
        };
        let absent_in = self
            .string(at, e, "absent_in")
            .and_then(|s| self.pattern(&key("absent_in"), s));
        if e.contains_key("absent_in") && absent.is_empty() {
            self.problem(
                &key("absent_in"),
                "says where absent is checked: it needs absent = [\"Field-Name\"]".into(),
            );
        }
        let no_body = self.boolean(at, e, "no_body").unwrap_or(false);
        let well_formed = self.boolean(at, e, "well_formed").unwrap_or(false);
        let silent = self.wait(at, e, "silent_ms", 1).map(Duration::from_millis);
        if e.contains_key("silent_ms") {
            let mut clash: Vec<&str> = ABOUT_RESPONSES
                .iter()
                .filter(|k| e.contains_key(**k))
                .copied()
                .collect();
            if responses.is_some_and(|n| n > 0) {
                clash.push("responses");
            }
            if connection == ConnectionRule::Closed {
                clash.push("connection = \"closed\"");
            }
            if !clash.is_empty() {
                self.problem(
                    &key("silent_ms"),
                    format!(
                        "silent_ms means nothing arrives: it cannot be combined with {}; \
                         put those in an [[expect]] of their own",
                        clash.join(", ")
                    ),
                );
            }
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Expect {
            verdict,
            profile,
            status,
            connection,
            responses,
            sequence,
            no_body,
            headers,
            absent,
            silent,
            interim,
            version,
            date,
            well_formed,
            allowed_by,
            answered_before_write,
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

fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

fn is_http_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 8
        && v.starts_with("HTTP/")
        && b[5].is_ascii_digit()
        && b[6] == b'.'
        && b[7].is_ascii_digit()
}

/// Whether `id` is a valid case id (or category name): ASCII letters,
/// digits, `-`, `_` and `.`, not empty.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// `RFC/SECTION`: a number of four digits or more, then dot-separated
/// numbers (`9112/6.1`, `9110/15.5.1`); an appendix starts with its
/// capital letter (`9112/C.2`).
fn valid_section(section: &str) -> bool {
    let Some((rfc, sec)) = section.split_once('/') else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = sec.split('.');
    let first = parts.next().unwrap_or_default();
    let appendix = first.len() == 1 && first.as_bytes()[0].is_ascii_uppercase();
    rfc.len() >= 4 && number(rfc) && (number(first) || appendix) && parts.all(number)
}

/// An error loading a case, naming the file.
#[derive(Debug)]
pub struct Error {
    path: PathBuf,
    kind: ErrorKind,
    key: Option<String>,
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
            key: None,
            message,
        }
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

    /// The key concerned, as `level` or `expect[2].status`, when the
    /// problem is one key's.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// What is wrong and how to fix it, without the path and key.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: {key}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
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
            Err(e) => errors.extend(e),
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
