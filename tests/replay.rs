//! Exact replay: every fixture under `fixtures/` (and every recorded
//! connection) sent to the reference server in many ways, its response
//! pinned byte for byte by an insta snapshot under `snapshots/`.
//!
//! Tests are discovered at run time: `harness::fixture::load_all` lists the
//! fixtures and libtest-mimic makes one named trial per fixture
//! (`replay::requests/get-root.http`) and per recorded connection
//! (`sequence::CLIENT/SESSION/CONNECTION`). Adding a fixture is adding its files;
//! no code changes and no rebuild.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use harness::fixture::{load_all, Fixture};
use harness::replay::{
    closes_connection, exchange, method_of, replay_request, replay_sequence, sequences,
    start_reference_server, Lead, Target,
};
use harness::snapshot::{render_stream, split_responses, Part};
use libtest_mimic::{Arguments, Failed, Trial};

/// Ends the snapshot of a request that expects 100-continue.
const CONTINUE_NOTE: &str = "── 100 (Continue) responses left out: the server may omit one once \
     the body has arrived, so it depends on how the bytes came (RFC 9110 §10.1.1)\n";

/// How many earlier fixtures are tried as the request to pipeline behind.
const LEAD_CANDIDATES: usize = 8;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trials = match load_all(&root.join("fixtures")) {
        Ok(fixtures) => trials(Arc::new(fixtures)),
        Err(e) => {
            let message = format!("loading fixtures: {e}");
            vec![Trial::test("fixtures::load", move || Err(message.into()))]
        }
    };
    libtest_mimic::run(&args, trials).exit_code()
}

fn trials(fixtures: Arc<Vec<Fixture>>) -> Vec<Trial> {
    let mut trials = Vec::new();
    for i in 0..fixtures.len() {
        let all = Arc::clone(&fixtures);
        let name = format!("replay::{}", fixtures[i].name);
        trials.push(Trial::test(name, move || replay_fixture(&all, i)));
    }
    for seq in sequences(&fixtures) {
        let members: Vec<usize> = seq
            .fixtures
            .iter()
            .map(|f| fixtures.iter().position(|g| g.name == f.name).unwrap())
            .collect();
        let all = Arc::clone(&fixtures);
        let name = seq.name.clone();
        trials.push(Trial::test(format!("sequence::{name}"), move || {
            replay_recorded_connection(&all, &name, &members)
        }));
    }
    trials
}

/// The one reference server all trials share, started on first use; or,
/// if `H1CHECK_REPLAY_ADDR` names one, a server already running there (its
/// answers are then compared with the reference server's snapshots).
fn server() -> Result<Target, Failed> {
    static ADDR: OnceLock<Result<SocketAddr, String>> = OnceLock::new();
    let addr = ADDR.get_or_init(|| {
        if let Ok(addr) = std::env::var("H1CHECK_REPLAY_ADDR") {
            return addr
                .parse()
                .map_err(|e| format!("H1CHECK_REPLAY_ADDR={addr:?}: {e}"));
        }
        let started = std::panic::catch_unwind(start_reference_server)
            .map_err(|_| "starting the reference server panicked".to_owned())?;
        let handle = started.map_err(|e| format!("starting the reference server: {e}"))?;
        let addr = handle.addr();
        // The server lives as long as the test process.
        Box::leak(Box::new(handle));
        Ok(addr)
    });
    addr.clone().map(Target::new).map_err(Failed::from)
}

fn rerun_hint(trial: &str) -> String {
    format!("rerun alone: cargo test --test replay -- --exact '{trial}'")
}

fn replay_fixture(fixtures: &[Fixture], i: usize) -> Result<(), Failed> {
    let target = server()?;
    let fixture = &fixtures[i];
    let trial = format!("replay::{}", fixture.name);
    let lead = find_lead(&target, fixtures, i);
    let lead_ref = lead.as_ref().map(|(f, response)| Lead {
        name: &f.name,
        request: &f.bytes,
        response,
    });
    let replay = replay_request(&target, &fixture.name, &fixture.bytes, lead_ref.as_ref())
        .map_err(|e| format!("fixture {}: {e}\n{}", fixture.name, rerun_hint(&trial)))?;
    let mut text = render_stream(&replay.response, &[method_of(&fixture.bytes)]);
    if replay.continues_left_out {
        text.push_str(CONTINUE_NOTE);
    }
    let description = describe(fixture);
    check_snapshot(&fixture.name, &fixture.path, &description, &text, &trial)
}

fn replay_recorded_connection(
    fixtures: &[Fixture],
    name: &str,
    members: &[usize],
) -> Result<(), Failed> {
    let target = server()?;
    let trial = format!("sequence::{name}");
    let requests: Vec<&[u8]> = members.iter().map(|&i| &fixtures[i].bytes[..]).collect();
    let replay = replay_sequence(&target, &requests)
        .map_err(|e| format!("recorded connection {name}: {e}\n{}", rerun_hint(&trial)))?;
    let methods: Vec<&[u8]> = requests.iter().map(|r| method_of(r)).collect();
    let mut text = render_stream(&replay.response, &methods);
    if replay.continues_left_out {
        text.push_str(CONTINUE_NOTE);
    }
    let listed: Vec<&str> = members.iter().map(|&i| fixtures[i].name.as_str()).collect();
    let description = format!(
        "recorded connection {name}: {}; {} of {} requests answered",
        listed.join(", "),
        replay.answered,
        requests.len()
    );
    let first = &fixtures[members[0]];
    check_snapshot(
        &format!("sequences/{name}"),
        &first.path,
        &description,
        &text,
        &trial,
    )
}

/// Compares `text` with the snapshot `snapshots/NAME.snap` (`/` in the
/// name becomes `__`), recording the fixture path and a description in the
/// snapshot's header.
fn check_snapshot(
    name: &str,
    input: &Path,
    description: &str,
    text: &str,
    trial: &str,
) -> Result<(), Failed> {
    let mut settings = insta::Settings::clone_current();
    // Relative to this file: the top-level `snapshots/`.
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(relative(input));
    settings.set_description(description);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.to_owned(), text));
    }));
    outcome.map_err(|panic| {
        let why = harness::snapshot::panic_message(&*panic);
        format!(
            "snapshot of {name} does not match: {why}\n\
             review: cargo insta review   ({})",
            rerun_hint(trial)
        )
        .into()
    })
}

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_owned()
}

fn describe(f: &Fixture) -> String {
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
fn find_lead<'a>(
    target: &Target,
    fixtures: &'a [Fixture],
    i: usize,
) -> Option<(&'a Fixture, Vec<u8>)> {
    let n = fixtures.len();
    (1..n).take(LEAD_CANDIDATES).find_map(|back| {
        let f = &fixtures[(i + n - back) % n];
        let response = exchange(target, &[&f.bytes], std::time::Duration::ZERO).ok()?;
        let parts = split_responses(&response, &[method_of(&f.bytes)]);
        let complete = matches!(&parts[..], [Part::Response(r)] if !r.truncated && r.status >= 200);
        (complete && !closes_connection(&f.bytes, &response)).then_some((f, response))
    })
}
