//! `harness replay`: every fixture replayed against a server you run, its
//! answers kept as snapshots in a folder of that server's own, so that a
//! change to its parser shows up as a diff to read.
//!
//! The loop: record once (`harness replay --target HOST:PORT --name NAME`
//! writes `snapshots/targets/NAME/`), change the server, replay again, and
//! read the diff of every answer that changed (each one is also written as
//! `NAME.snap.new` beside its snapshot; `--accept` adopts them).
//!
//! Fixtures are sent as `tests/replay.rs` sends them to the reference
//! server ([`replay_request`]: whole, split, in random pieces, byte by
//! byte, pipelined behind another; recorded connections in order,
//! [`replay_sequence`]) and rendered the same way
//! ([`render_stream`]), so a snapshot here reads like the reference
//! server's in `snapshots/`. Fields whose values change on their own are
//! blanked first (`Date` always; `Server`, `ETag`, `Last-Modified` on
//! request, [`crate::redact`]), so the same server gives the same
//! snapshots run after run.
//!
//! # Brief overview
//!
//! - [`render_fixture`], [`render_sequence`]: replay one fixture or
//!   recorded connection and render what every way of sending agreed on
//!   (shared with `tests/replay.rs`).
//! - [`render_disagreement`]: what a server that answers differently
//!   depending on how the bytes came gets as its snapshot instead.
//! - [`SnapshotFolder`]: snapshot files in insta's format, compared,
//!   written, and pending ones accepted.
//! - [`main`]: the command line.
use std::fs;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;

use crate::cli::usage_error;
use crate::fixture::{load_all, Fixture};
use crate::redact::Redactions;
use crate::replay::{
    closes_connection, exchange, method_of, replay_request, replay_sequence, sequences, Failure,
    Lead, Mismatch, Sequence, Target,
};
use crate::snapshot::{render_stream, split_responses, Part, MARK};

/// Ends the snapshot of a request that expects 100-continue.
pub const CONTINUE_NOTE: &str =
    "── 100 (Continue) responses left out: the server may omit one once \
     the body has arrived, so it depends on how the bytes came (RFC 9110 §10.1.1)\n";

/// How many earlier fixtures are tried as the request to pipeline behind.
pub const LEAD_CANDIDATES: usize = 8;

/// One replayed fixture or recorded connection, ready to snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The snapshot's name: the fixture's name (`requests/get-root.http`),
    /// or `sequences/CLIENT/SESSION/CONNECTION`.
    pub name: String,
    /// The fixture file (the first one, for a recorded connection).
    pub input: PathBuf,
    /// One line saying what was sent: the fixture and its sidecar.
    pub description: String,
    /// The rendered response stream.
    pub text: String,
}

/// The snapshot file name of `name`: `/` becomes `__` (as insta names
/// `snapshots/requests__get-root.http.snap`), so adding a fixture never
/// renames another's snapshot.
pub fn snapshot_file_name(name: &str) -> String {
    format!("{}.snap", name.replace('/', "__"))
}

/// What a fixture's snapshot header says about it: its name, client,
/// version, how it was made and its notes.
pub fn describe(f: &Fixture) -> String {
    let s = &f.sidecar;
    let mut out = format!("fixture {}: client {}", f.name, s.client);
    if let Some(v) = &s.client_version {
        out.push_str(&format!(" {v}"));
    }
    out.push_str(&format!("; how: {}", s.how));
    if let Some(notes) = &s.notes {
        out.push_str(&format!("; {notes}"));
    }
    out
}

/// A fixture to pipeline fixture `i` behind: the nearest earlier one
/// (wrapping round) that gets exactly one complete response alone and
/// leaves the connection open.
pub fn find_lead<'a>(
    target: &Target,
    fixtures: &'a [Fixture],
    i: usize,
) -> Option<(&'a Fixture, Vec<u8>)> {
    let n = fixtures.len();
    (1..n).take(LEAD_CANDIDATES).find_map(|back| {
        let f = &fixtures[(i + n - back) % n];
        let response = exchange(target, &[&f.bytes], Duration::ZERO).ok()?;
        let parts = split_responses(&response, &[method_of(&f.bytes)]);
        let complete = matches!(&parts[..], [Part::Response(r)] if !r.truncated && r.status >= 200);
        (complete && !closes_connection(&f.bytes, &response)).then_some((f, response))
    })
}

/// Replays fixture `i` every way ([`replay_request`], pipelined behind
/// [`find_lead`]'s choice) and renders the response they all got.
pub fn render_fixture(
    target: &Target,
    fixtures: &[Fixture],
    i: usize,
) -> Result<Rendered, Failure> {
    let fixture = &fixtures[i];
    let lead = find_lead(target, fixtures, i);
    let lead_ref = lead.as_ref().map(|(f, response)| Lead {
        name: &f.name,
        request: &f.bytes,
        response,
    });
    let replay = replay_request(target, &fixture.name, &fixture.bytes, lead_ref.as_ref())?;
    let mut text = render_stream(&replay.response, &[method_of(&fixture.bytes)]);
    if replay.continues_left_out {
        text.push_str(CONTINUE_NOTE);
    }
    Ok(Rendered {
        name: fixture.name.clone(),
        input: fixture.path.clone(),
        description: describe(fixture),
        text,
    })
}

/// Replays a recorded connection ([`replay_sequence`]) and renders what
/// it got.
pub fn render_sequence(target: &Target, seq: &Sequence<'_>) -> Result<Rendered, Failure> {
    let requests: Vec<&[u8]> = seq.fixtures.iter().map(|f| &f.bytes[..]).collect();
    let replay = replay_sequence(target, &requests)?;
    let methods: Vec<&[u8]> = requests.iter().map(|r| method_of(r)).collect();
    let mut text = render_stream(&replay.response, &methods);
    if replay.continues_left_out {
        text.push_str(CONTINUE_NOTE);
    }
    let listed: Vec<&str> = seq.fixtures.iter().map(|f| f.name.as_str()).collect();
    Ok(Rendered {
        name: format!("sequences/{}", seq.name),
        input: seq.fixtures[0].path.clone(),
        description: format!(
            "recorded connection {}: {}; {} of {} requests answered",
            seq.name,
            listed.join(", "),
            replay.answered,
            requests.len()
        ),
        text,
    })
}

/// The snapshot of a request whose answer depended on how its bytes came
/// (a [`Mismatch`]): what the first way got, then the way that disagreed
/// and what it got. A server that does this every time gets the same
/// snapshot every time; one that does it now and then shows a diff.
pub fn render_disagreement(request: &[u8], mismatch: &Mismatch) -> String {
    let methods = [method_of(request)];
    let mut text = format!("{MARK} sent {}:\n", mismatch.expected_way);
    text.push_str(&render_stream(&mismatch.expected, &methods));
    text.push_str(&format!(
        "{MARK} sent {}, a different answer (first difference at byte {}):\n",
        mismatch.way,
        mismatch.first_difference()
    ));
    text.push_str(&render_stream(&mismatch.got, &methods));
    text
}

/// How a rendered answer compares with its snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// The snapshot holds exactly this.
    Same,
    /// There was no snapshot: this is the first recording, written as one.
    Recorded(PathBuf),
    /// The snapshot differs: the new text is pending beside it
    /// (`.snap.new`), and `diff` shows old against new.
    Changed {
        /// The `.snap.new` file written.
        pending: PathBuf,
        /// A unified diff of the snapshot's text against the new one.
        diff: String,
    },
}

/// A folder of one server's snapshots, in insta's file format (a header
/// between `---` lines, then the text), so `cargo insta` can read them too.
#[derive(Debug, Clone)]
pub struct SnapshotFolder {
    /// The folder.
    pub dir: PathBuf,
    /// What the header's `source` says made the snapshots.
    pub source: String,
    /// Paths in headers are written relative to this folder.
    pub root: PathBuf,
}

impl SnapshotFolder {
    /// Compares `r` with its snapshot: records it when there is none,
    /// writes `.snap.new` when it differs (and removes a stale one when
    /// it no longer does).
    pub fn compare(&self, r: &Rendered) -> io::Result<Comparison> {
        let snap = self.dir.join(snapshot_file_name(&r.name));
        let pending = pending_path(&snap);
        let file = self.file_text(r);
        let old = match fs::read_to_string(&snap) {
            Ok(old) => old,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&self.dir)?;
                fs::write(&snap, file)?;
                return Ok(Comparison::Recorded(snap));
            }
            Err(e) => return Err(e),
        };
        let old_text = contents(&old).unwrap_or(&old);
        if old_text == r.text {
            if pending.exists() {
                fs::remove_file(&pending)?;
            }
            return Ok(Comparison::Same);
        }
        fs::write(&pending, file)?;
        let diff = similar::TextDiff::from_lines(old_text, r.text.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&snap.display().to_string(), &pending.display().to_string())
            .to_string();
        Ok(Comparison::Changed { pending, diff })
    }

    /// Turns every `.snap.new` in the folder into its `.snap`; returns the
    /// snapshots replaced, sorted.
    pub fn accept_pending(&self) -> io::Result<Vec<PathBuf>> {
        let mut accepted = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(accepted),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if let Some(snap) = path.to_str().and_then(|p| p.strip_suffix(".new")) {
                if snap.ends_with(".snap") {
                    fs::rename(&path, snap)?;
                    accepted.push(PathBuf::from(snap));
                }
            }
        }
        accepted.sort();
        Ok(accepted)
    }

    fn file_text(&self, r: &Rendered) -> String {
        let input = r.input.strip_prefix(&self.root).unwrap_or(&r.input);
        // JSON strings are YAML double-quoted scalars.
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        format!(
            "---\nsource: {}\ndescription: {}\ninput_file: {}\n---\n{}",
            quote(&self.source),
            quote(&r.description),
            quote(&input.display().to_string()),
            r.text
        )
    }
}

fn pending_path(snap: &Path) -> PathBuf {
    let mut name = snap.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The text of a snapshot file: what follows its header (the second
/// `---` line).
pub fn contents(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(&rest[end + 5..])
}

/// One fixture or recorded connection to replay.
enum Item<'a> {
    Fixture(usize),
    Sequence(Sequence<'a>),
}

/// What replaying one item came to.
#[derive(Debug)]
pub enum Outcome {
    /// Compared with its snapshot.
    Compared(Comparison),
    /// Could not be replayed (the server did not answer or close in time,
    /// refused the connection, ...): nothing written.
    Failed(String),
}

/// Replays every fixture and recorded connection against `target` and
/// compares each with its snapshot in `folder`, `jobs` at a time. The
/// outcomes come back in fixture order, each with its name.
pub fn replay_all(
    target: &Target,
    fixtures: &[Fixture],
    folder: &SnapshotFolder,
    jobs: usize,
) -> Vec<(String, Outcome)> {
    let mut items: Vec<(String, Item<'_>)> = (0..fixtures.len())
        .map(|i| (fixtures[i].name.clone(), Item::Fixture(i)))
        .collect();
    items.extend(
        sequences(fixtures)
            .into_iter()
            .map(|s| (format!("sequences/{}", s.name), Item::Sequence(s))),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some((_, item)) = items.get(k) else {
                    return;
                };
                let outcome = replay_item(target, fixtures, item, folder);
                results.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(outcome);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    items
        .into_iter()
        .zip(results)
        .map(|((name, _), outcome)| {
            (
                name,
                outcome.unwrap_or(Outcome::Failed("not replayed".into())),
            )
        })
        .collect()
}

fn replay_item(
    target: &Target,
    fixtures: &[Fixture],
    item: &Item<'_>,
    folder: &SnapshotFolder,
) -> Outcome {
    let rendered = match item {
        Item::Fixture(i) => {
            let f = &fixtures[*i];
            match render_fixture(target, fixtures, *i) {
                Ok(r) => Ok(r),
                Err(Failure::Mismatch(m)) => Ok(Rendered {
                    name: f.name.clone(),
                    input: f.path.clone(),
                    description: describe(f),
                    text: render_disagreement(&f.bytes, &m),
                }),
                Err(e) => Err(e),
            }
        }
        Item::Sequence(seq) => match render_sequence(target, seq) {
            Err(Failure::Mismatch(m)) => {
                let first = seq.fixtures[0];
                Ok(Rendered {
                    name: format!("sequences/{}", seq.name),
                    input: first.path.clone(),
                    description: format!("recorded connection {}", seq.name),
                    text: render_disagreement(&first.bytes, &m),
                })
            }
            other => other,
        },
    };
    match rendered {
        Ok(r) => match folder.compare(&r) {
            Ok(c) => Outcome::Compared(c),
            Err(e) => Outcome::Failed(format!(
                "writing its snapshot in {}: {e}",
                folder.dir.display()
            )),
        },
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// `harness replay`'s flags.
#[derive(Debug, Parser)]
#[command(
    name = "harness replay",
    about = "Replay every fixture against a server you run (whole, split, byte by byte, \
             pipelined, recorded connections in order) and compare its answers with its own \
             snapshots: the first run records them, later runs show what changed as a diff.",
    after_help = "Snapshots go to snapshots/targets/NAME/ (never the reference server's \
                  snapshots/). A changed answer is printed as a diff and written beside its \
                  snapshot as .snap.new; read them, then adopt them with --accept.\n\n\
                  Exit status: 0 nothing changed (or only new snapshots recorded), \
                  1 an answer changed or a fixture could not be replayed, 2 usage error."
)]
struct Args {
    /// The server to replay against.
    #[arg(long, value_name = "HOST:PORT")]
    target: String,
    /// A name for the server: its snapshots go to snapshots/targets/NAME/ (default: HOST-PORT).
    #[arg(long)]
    name: Option<String>,
    /// The folder of this server's snapshots (instead of snapshots/targets/NAME/).
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
    /// The fixtures folder (default: fixtures/ here, else the workspace's).
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Also blank this response field's value (Date always is): server, etag, last-modified. Repeat or comma-separate.
    #[arg(long, value_name = "FIELD", value_delimiter = ',')]
    redact: Vec<String>,
    /// Only fixtures whose name contains this text (e.g. requests/, keep-alive).
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Adopt the pending .snap.new files of this server (left by the last run) and exit.
    #[arg(long)]
    accept: bool,
    /// Fixtures replayed at once.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4)]
    jobs: usize,
    /// Time allowed for each exchange, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    timeout_ms: u64,
    /// Allow a --target that is not a loopback address.
    #[arg(long)]
    allow_remote: bool,
}

/// The workspace root: the parent of `fixtures/` here, else the one this
/// crate was built in.
fn default_root() -> PathBuf {
    if Path::new("fixtures").is_dir() && Path::new("snapshots").is_dir() {
        return PathBuf::from(".");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A folder name for a server from its `--target`: `127.0.0.1:8080`
/// gives `127.0.0.1-8080`, `[::1]:80` gives `1-80`.
pub fn default_name(target: &str) -> String {
    let mut name = String::new();
    for c in target.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.trim_matches('-').to_owned()
}

/// Entry point of `harness replay`.
pub fn main(args: &[String]) -> ExitCode {
    let args: Args = match crate::cli::parse_args("harness replay", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let root = default_root();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&args.target));
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !plain {
        return usage_error(format!(
            "--name {name:?}: use letters, digits, '-', '_' or '.' (it names a folder)"
        ));
    }
    let dir = args
        .snapshots
        .clone()
        .unwrap_or_else(|| root.join("snapshots").join("targets").join(&name));
    let reference = root.join("snapshots");
    if same_folder(&dir, &reference) || same_folder(&dir, &reference.join("cases")) {
        return usage_error(format!(
            "--snapshots {}: that folder holds the reference server's snapshots; \
             give this server a folder of its own",
            dir.display()
        ));
    }
    let mut redact = Redactions::DATE;
    for field in &args.redact {
        if let Err(e) = redact.add(field.trim()) {
            return usage_error(format!("--redact: {e}"));
        }
    }
    let folder = SnapshotFolder {
        dir: dir.clone(),
        source: format!("harness replay --target {}", args.target),
        root: root.clone(),
    };
    if args.accept {
        return match folder.accept_pending() {
            Ok(accepted) => {
                for path in &accepted {
                    println!("accepted {}", path.display());
                }
                println!(
                    "{} snapshot(s) accepted in {}",
                    accepted.len(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: accepting in {}: {e}", dir.display());
                ExitCode::FAILURE
            }
        };
    }
    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    let addr: SocketAddr =
        match crate::run::resolve_target(&args.target, args.allow_remote, timeout) {
            Ok(addr) => addr,
            Err(e) => return usage_error(e),
        };
    if let Err(e) = crate::run::check_reachable(addr, timeout) {
        eprintln!("error: cannot connect to {addr}: {e} (is the server running?)");
        return ExitCode::FAILURE;
    }
    let fixtures_dir = args
        .fixtures
        .clone()
        .unwrap_or_else(|| root.join("fixtures"));
    let mut fixtures = match load_all(&fixtures_dir) {
        Ok(f) => f,
        Err(e) => return usage_error(format!("loading fixtures: {e}")),
    };
    if let Some(filter) = &args.filter {
        fixtures.retain(|f| f.name.contains(filter.as_str()));
    }
    if fixtures.is_empty() {
        return usage_error(format!(
            "no fixture under {} matches{}",
            fixtures_dir.display(),
            args.filter
                .as_ref()
                .map(|f| format!(" --filter {f:?}"))
                .unwrap_or_default()
        ));
    }
    let target = Target {
        timeout,
        redact,
        reset_after_answer_is_close: true,
        ..Target::new(addr)
    };
    println!(
        "replaying {} fixture(s) against {addr} ({} blanked); snapshots in {}",
        fixtures.len(),
        redact.names().join(", "),
        dir.display()
    );
    let outcomes = replay_all(&target, &fixtures, &folder, args.jobs);
    let (mut same, mut recorded, mut changed, mut failed) = (0, 0, 0, 0);
    for (name, outcome) in &outcomes {
        match outcome {
            Outcome::Compared(Comparison::Same) => same += 1,
            Outcome::Compared(Comparison::Recorded(_)) => recorded += 1,
            Outcome::Compared(Comparison::Changed { diff, .. }) => {
                changed += 1;
                println!("\nchanged: {name}\n{diff}");
            }
            Outcome::Failed(why) => {
                failed += 1;
                println!("\nfailed: {name}: {why}");
            }
        }
    }
    println!(
        "\n{} replayed: {same} same, {recorded} recorded (new), {changed} changed, {failed} failed",
        outcomes.len()
    );
    if changed > 0 {
        let again = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
        println!(
            "read the diffs above; the new answers are in {}/*.snap.new; adopt them with:\n  \
             harness {again} --accept",
            dir.display()
        );
    }
    if changed > 0 || failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str) -> Rendered {
        Rendered {
            name: "requests/get-root.http".into(),
            input: PathBuf::from("/w/fixtures/requests/get-root.http"),
            description: "fixture requests/get-root.http: \"quoted\"".into(),
            text: text.into(),
        }
    }

    fn folder(name: &str) -> SnapshotFolder {
        let dir = std::env::temp_dir().join(format!(
            "h1check-replay-target-{}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        SnapshotFolder {
            dir,
            source: "harness replay --target 127.0.0.1:1".into(),
            root: PathBuf::from("/w"),
        }
    }

    #[test]
    fn first_run_records_then_same_then_changed_then_accepted() {
        let folder = folder("cycle");
        let snap = folder.dir.join("requests__get-root.http.snap");
        let one = "── response 1: status 200\nHTTP/1.1 200 OK\\r\\n\n";
        assert_eq!(
            folder.compare(&rendered(one)).unwrap(),
            Comparison::Recorded(snap.clone())
        );
        let file = fs::read_to_string(&snap).unwrap();
        assert!(file.starts_with("---\nsource: \"harness replay"), "{file}");
        assert!(file.contains("input_file: \"fixtures/requests/get-root.http\""));
        assert_eq!(contents(&file), Some(one));
        assert_eq!(folder.compare(&rendered(one)).unwrap(), Comparison::Same);

        let two = "── response 1: status 404\nHTTP/1.1 404 Not Found\\r\\n\n";
        let Comparison::Changed { pending, diff } = folder.compare(&rendered(two)).unwrap() else {
            panic!("no change seen")
        };
        assert!(diff.contains("-HTTP/1.1 200 OK"), "{diff}");
        assert!(diff.contains("+HTTP/1.1 404 Not Found"), "{diff}");
        assert_eq!(
            fs::read_to_string(&snap).unwrap(),
            file,
            "the snapshot changed"
        );
        assert!(pending.exists());
        assert_eq!(folder.accept_pending().unwrap(), vec![snap.clone()]);
        assert!(!pending.exists());
        assert_eq!(folder.compare(&rendered(two)).unwrap(), Comparison::Same);
        let _ = fs::remove_dir_all(&folder.dir);
    }

    #[test]
    fn a_pending_change_that_went_away_is_removed() {
        let folder = folder("stale");
        let one = "a\n";
        folder.compare(&rendered(one)).unwrap();
        let Comparison::Changed { pending, .. } = folder.compare(&rendered("b\n")).unwrap() else {
            panic!("no change seen")
        };
        assert_eq!(folder.compare(&rendered(one)).unwrap(), Comparison::Same);
        assert!(!pending.exists());
        let _ = fs::remove_dir_all(&folder.dir);
    }

    #[test]
    fn snapshot_names_and_default_names() {
        assert_eq!(
            snapshot_file_name("captures/curl/get/00-00-get-index.http"),
            "captures__curl__get__00-00-get-index.http.snap"
        );
        assert_eq!(default_name("127.0.0.1:8080"), "127.0.0.1-8080");
        assert_eq!(default_name("[::1]:80"), "1-80");
    }

    /// A server that answers after one byte and closes with the rest
    /// unread: the kernel resets the connection instead of closing it.
    #[test]
    fn a_reset_after_an_answer_ends_the_stream_only_when_asked() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(2) {
                let Ok(mut s) = stream else { return };
                let mut one = [0u8; 1];
                let _ = s.read_exact(&mut one);
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
                std::thread::sleep(Duration::from_millis(50));
                // Dropped with unread bytes: a reset.
            }
        });
        let request = [b'G'; 64 * 1024];
        let strict = Target::new(addr);
        let lenient = Target {
            reset_after_answer_is_close: true,
            ..Target::new(addr)
        };
        let pieces: [&[u8]; 1] = [&request];
        let err = exchange(&strict, &pieces, Duration::ZERO).unwrap_err();
        assert!(err.message.contains("reset"), "{err}");
        assert!(err.partial.starts_with(b"HTTP/1.1 400"), "{err}");
        let got = exchange(&lenient, &pieces, Duration::ZERO).unwrap();
        assert!(got.starts_with(b"HTTP/1.1 400"), "{got:?}");
    }

    #[test]
    fn a_disagreement_shows_both_answers() {
        let m = Mismatch {
            expected_way: "whole".into(),
            expected: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
            way: crate::replay::Way::SplitAt(3),
            got: b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec(),
        };
        let text = render_disagreement(b"GET / HTTP/1.1\r\n\r\n", &m);
        assert!(
            text.starts_with("── sent whole:\n── response 1: status 200\n"),
            "{text}"
        );
        assert!(text.contains("── sent split at byte 3, a different answer (first difference at byte 9):\n── response 1: status 400\n"), "{text}");
    }
}
