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

use harness::capture::sidecar_problems;
use harness::fixture::{load_all, Fixture};
use harness::replay::{sequences, start_reference_server, Target};
use harness::replay_target::{render_fixture, render_sequence, Rendered};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    if let Ok(addr) = std::env::var("H1CHECK_REPLAY_ADDR") {
        // Whatever the filter: nothing here may write another server's
        // answers among the reference server's snapshots.
        eprintln!("error: {}", other_server_refused(&addr));
        return ExitCode::from(2);
    }
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
        let all = Arc::clone(&fixtures);
        let name = seq.name.clone();
        trials.push(Trial::test(format!("sequence::{name}"), move || {
            replay_recorded_connection(&all, &name)
        }));
    }
    trials
}

/// The one reference server all trials share, started on first use.
fn server() -> Result<Target, Failed> {
    static ADDR: OnceLock<Result<SocketAddr, String>> = OnceLock::new();
    let addr = ADDR.get_or_init(|| {
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

/// These snapshots are the reference server's. Another server's answers
/// belong in a folder of their own: `H1CHECK_REPLAY_ADDR`, which once sent
/// these trials elsewhere, is refused with a pointer to `harness replay`.
fn other_server_refused(addr: &str) -> String {
    format!(
        "H1CHECK_REPLAY_ADDR={addr}: snapshots/ holds the reference server's answers only, \
         so this suite replays against the reference server alone. To replay every fixture \
         against your server and keep its answers as snapshots of its own \
         (snapshots/targets/NAME/), run:\n  \
         cargo run --release -p harness -- replay --target {addr} --name NAME"
    )
}

fn rerun_hint(trial: &str) -> String {
    format!("rerun alone: cargo test --test replay -- --exact '{trial}'")
}

fn replay_fixture(fixtures: &[Fixture], i: usize) -> Result<(), Failed> {
    let fixture = &fixtures[i];
    let trial = format!("replay::{}", fixture.name);
    let problems = sidecar_problems(fixture);
    if !problems.is_empty() {
        return Err(format!(
            "sidecar of {}:\n{}\n{}",
            fixture.name,
            problems.join("\n"),
            rerun_hint(&trial)
        )
        .into());
    }
    let target = server()?;
    let rendered = render_fixture(&target, fixtures, i)
        .map_err(|e| format!("fixture {}: {e}\n{}", fixture.name, rerun_hint(&trial)))?;
    check_snapshot(&rendered, &trial)
}

fn replay_recorded_connection(fixtures: &[Fixture], name: &str) -> Result<(), Failed> {
    let target = server()?;
    let trial = format!("sequence::{name}");
    let seq = sequences(fixtures)
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("recorded connection {name} is gone"))?;
    let rendered = render_sequence(&target, &seq)
        .map_err(|e| format!("recorded connection {name}: {e}\n{}", rerun_hint(&trial)))?;
    check_snapshot(&rendered, &trial)
}

/// Compares the rendered text with the snapshot `snapshots/NAME.snap`
/// (`/` in the name becomes `__`), recording the fixture path and a
/// description in the snapshot's header.
fn check_snapshot(r: &Rendered, trial: &str) -> Result<(), Failed> {
    let mut settings = insta::Settings::clone_current();
    // Relative to this file: the top-level `snapshots/`.
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(relative(&r.input));
    settings.set_description(&r.description);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(r.name.clone(), &r.text));
    }));
    outcome.map_err(|panic| {
        let why = harness::snapshot::panic_message(&*panic);
        format!(
            "snapshot of {} does not match: {why}\n\
             review: cargo insta review   ({})",
            r.name,
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
