//! RFC conformance: every case under `fixtures/cases/` run against the
//! reference server, one named trial each (`conformance::<category>/<id>`).
//!
//! A MUST or SHOULD case must PASS. A MAY case may come out either way, so
//! its outcome (which expect matched, the verdict, the profile entry, the
//! statuses and the connection) is pinned by an insta snapshot,
//! `snapshots/cases/<category>__<id>.snap`: a change of behaviour is then a
//! reviewable diff, and adding a case never renames another's snapshot.
//!
//! Cases are discovered at run time, like the replay fixtures: adding a
//! case is adding its file. All trials share one reference server.
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use harness::case::{load_all, Case, Level};
use harness::client::{run_case, Options};
use harness::replay::start_reference_server;
use harness::report::{CaseResult, Report};
use harness::verdict::{judge, Outcome};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // Cases mostly wait (pauses, silent windows, the network): run many at
    // once unless told otherwise.
    if args.test_threads.is_none() {
        args.test_threads = Some(harness::run::default_jobs());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let trials = match load_all(&root) {
        Ok(cases) => cases
            .into_iter()
            .map(|case| {
                let name = format!("conformance::{}/{}", case.category, case.id);
                Trial::test(name, move || check_case(&case))
            })
            .collect(),
        Err(errors) => {
            let message = format!("loading cases:\n{}", harness::case::describe(&errors));
            vec![Trial::test(
                "conformance::load",
                move || Err(message.into()),
            )]
        }
    };
    libtest_mimic::run(&args, trials).exit_code()
}

/// The one reference server all trials share, started on first use.
fn server() -> Result<SocketAddr, Failed> {
    static ADDR: OnceLock<Result<SocketAddr, String>> = OnceLock::new();
    ADDR.get_or_init(|| {
        let handle =
            start_reference_server().map_err(|e| format!("starting the reference server: {e}"))?;
        let addr = handle.addr();
        // The server lives as long as the test process.
        Box::leak(Box::new(handle));
        Ok(addr)
    })
    .clone()
    .map_err(Failed::from)
}

fn check_case(case: &Case) -> Result<(), Failed> {
    let addr = server()?;
    let observation = run_case(addr, case, &Options::default());
    let verdict = judge(case, &observation);
    let result = CaseResult {
        case: case.clone(),
        observation,
        verdict,
    };
    match case.level {
        Level::Must | Level::Should => {
            if result.verdict.outcome == Outcome::Pass {
                return Ok(());
            }
            Err(explain(result).into())
        }
        Level::May => check_snapshot(&result),
    }
}

/// The terminal report of one case, with how to rerun it.
fn explain(result: CaseResult) -> String {
    let name = format!("conformance::{}/{}", result.case.category, result.case.id);
    let id = result.case.id.clone();
    let report = Report {
        target: "reference server".into(),
        results: vec![result],
        elapsed: Default::default(),
    };
    format!(
        "{}\nrerun alone: cargo test --test conformance -- --exact '{name}'\n\
         or: cargo run -p harness -- run --id '{id}'",
        report.to_text()
    )
}

/// What a MAY case's snapshot pins: no timings, no bytes that depend on
/// the site's content.
fn outcome_text(result: &CaseResult) -> String {
    let case = &result.case;
    let obs = &result.observation;
    let matched = match result.verdict.matched {
        Some(i) => format!("expect {} ({})", i + 1, case.expects[i].summary()),
        None => "none".into(),
    };
    let statuses: Vec<String> = obs.responses.iter().map(|r| r.status.to_string()).collect();
    let interim: Vec<String> = obs.interim.iter().map(u16::to_string).collect();
    format!(
        "case: {}/{} ({}, {})\nverdict: {}\nmatched: {matched}\nprofile: {}\nstatuses: [{}]\n\
         interim: [{}]\nconnection: {}\n",
        case.category,
        case.id,
        case.section_title(),
        case.level,
        result.verdict.outcome,
        result.verdict.profile.as_deref().unwrap_or("-"),
        statuses.join(", "),
        interim.join(", "),
        // EOF or reset is the kernel's timing, not the server's choice.
        if obs.closed.is_some() {
            "closed".to_owned()
        } else {
            obs.connection_text()
        }
    )
}

fn check_snapshot(result: &CaseResult) -> Result<(), Failed> {
    if result.verdict.outcome == Outcome::Error {
        return Err(explain(result.clone()).into());
    }
    let case = &result.case;
    let text = outcome_text(result);
    let mut settings = insta::Settings::clone_current();
    // Relative to this file: the top-level `snapshots/cases/`.
    settings.set_snapshot_path("../snapshots/cases");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let input = case
        .path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(&case.path)
        .to_owned();
    settings.set_input_file(input);
    settings.set_description(format!("MAY case {}: {}", case.id, case.description));
    let name = format!("{}__{}", case.category.replace('/', "__"), case.id);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.clone(), text));
    }));
    outcome.map_err(|panic| {
        let why = harness::snapshot::panic_message(&*panic);
        format!(
            "the MAY case {}/{} changed its outcome: {why}\n{}\n\
             review and accept: cargo insta test --test conformance --review",
            case.category,
            case.id,
            explain(result.clone())
        )
        .into()
    })
}
