//! Servers that are wrong on purpose must be judged wrong.
//!
//! Each server in `wrong/` breaks one thing (or everything: the dumb ones).
//! For each, the cases that check what it breaks must FAIL, and no case
//! whose requirement it breaks may PASS. The flawed servers share one small
//! implementation; started without a flaw it is the control, and it must
//! PASS every case the flawed ones are required to FAIL, so each FAIL is
//! the flaw's doing. For the dumb servers every MUST case they PASS must
//! be a right answer, by a rule checked here against the reference server:
//! a 400 and a close where the reference rejects too, silence where the
//! request is incomplete, a 200 where the reference answers the same.
//!
//! The servers' cases run in parallel with a short time bound; the tests
//! run at once, so the file takes a few seconds.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use harness::case::{describe, load_all, Case, Level};
use harness::client::{request_methods, run_case, Observation, Options};
use harness::verdict::{judge, Outcome};

mod common;
mod wrong;
use wrong::{start_flawed, Dumb, Flaw};

fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases");
        load_all(&root).unwrap_or_else(|errors| panic!("{}", describe(&errors)))
    })
}

/// One case's result, kept by `category/id`.
#[derive(Debug, Clone)]
struct Judged {
    level: Level,
    outcome: Outcome,
    /// The index of the expect that matched.
    matched: Option<usize>,
    reason: String,
    obs: Observation,
}

impl Judged {
    fn statuses(&self) -> Vec<u16> {
        self.obs.responses.iter().map(|r| r.status).collect()
    }
}

type Results = BTreeMap<String, Judged>;

fn key(case: &Case) -> String {
    format!("{}/{}", case.category, case.id)
}

/// Runs the cases `select` picks against `addr`, 128 at a time. These
/// servers accept everything at once (a thread per connection), so the
/// cases run unpaced: a server that never answers costs the time bound per
/// case, not the pacer's caution with a server that confirms nothing.
fn judge_all(addr: SocketAddr, timeout_ms: u64, select: impl Fn(&Case) -> bool) -> Results {
    let chosen: Vec<&Case> = cases().iter().filter(|c| select(c)).collect();
    assert!(!chosen.is_empty(), "no case selected");
    let options = Options {
        timeout: Duration::from_millis(timeout_ms),
    };
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Results::new());
    std::thread::scope(|scope| {
        for _ in 0..128 {
            scope.spawn(|| loop {
                let Some(case) = chosen.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return;
                };
                let obs = run_case(addr, case, &options);
                let verdict = judge(case, &obs);
                let judged = Judged {
                    level: case.level,
                    outcome: verdict.outcome,
                    matched: verdict.matched,
                    reason: verdict.reason,
                    obs,
                };
                results.lock().unwrap().insert(key(case), judged);
            });
        }
    });
    let results = results.into_inner().unwrap();
    survey(addr, &results);
    results
}

/// With H1CHECK_SURVEY set, prints every outcome (how the lists below were
/// written; run with `--nocapture`).
fn survey(addr: SocketAddr, results: &Results) {
    if std::env::var_os("H1CHECK_SURVEY").is_none() {
        return;
    }
    for (id, j) in results {
        let reason = j.reason.lines().next().unwrap_or_default();
        eprintln!("{} {id} {} {} :: {reason}", addr.port(), j.level, j.outcome);
    }
}

/// The reference server's results on every case (the yardstick for "right").
fn reference() -> &'static Results {
    static REFERENCE: OnceLock<Results> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let handle = harness::replay::start_reference_server().unwrap();
        let addr = handle.addr();
        let results = judge_all(addr, 1000, |_| true);
        std::mem::forget(handle);
        results
    })
}

/// Cases (`category/id`) that must FAIL, and the names of those that did not.
fn not_failed(results: &Results, ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            let j = results
                .get(*id)
                .unwrap_or_else(|| panic!("case {id} was not run (renamed?)"));
            (id, j)
        })
        .filter(|(_, j)| j.outcome != Outcome::Fail)
        .map(|(id, j)| {
            format!(
                "{id}: {} ({})",
                j.outcome,
                j.reason.lines().next().unwrap_or("")
            )
        })
        .collect()
}

/// MUST cases picked by `breaks` that nonetheless PASS.
fn passed(results: &Results, breaks: impl Fn(&str, &Judged) -> bool) -> Vec<String> {
    results
        .iter()
        .filter(|(id, j)| j.level == Level::Must && j.outcome == Outcome::Pass && breaks(id, j))
        .map(|(id, j)| format!("{id}: PASS ({})", j.reason.lines().next().unwrap_or("")))
        .collect()
}

fn must_passes(results: &Results) -> Vec<(&String, &Judged)> {
    if std::env::var_os("H1CHECK_SURVEY").is_some() {
        let n = results
            .values()
            .filter(|j| j.level == Level::Must && j.outcome == Outcome::Pass)
            .count();
        eprintln!("MUST PASS count: {n}");
    }
    results
        .iter()
        .filter(|(_, j)| j.level == Level::Must && j.outcome == Outcome::Pass)
        .collect()
}

/// The head of the first request a case sends, its field names lower-cased.
fn first_head_fields(case: &Case) -> Vec<String> {
    let bytes = case.bytes();
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.to_ascii_lowercase()))
        .collect()
}

fn case_by_key(id: &str) -> &'static Case {
    cases().iter().find(|c| key(c) == id).unwrap()
}

// ---------------------------------------------------------------- flaws

/// What each flawed server must FAIL.
const DESYNC_FAILS: &[&str] = &[
    "chunked/chunk-ext-bare-cr",
    "chunked/chunk-last-bare-cr",
    "chunked/chunk-size-bare-cr",
    "chunked/chunk-trailer-bare-cr",
    "smuggling/bare-cr-hides-te",
    "connection/close-after-conflicting-cl",
    "connection/close-after-invalid-cl",
    "connection/close-after-te-not-chunked",
];
const TE_1XX_FAILS: &[&str] = &["responses/no-te-in-204-or-1xx"];
const NO_100_FAILS: &[&str] = &[
    "expect/expect-100-continue",
    "expect/expect-100-continue-case",
    "expect/expect-100-chunked",
    "expect/expect-100-then-pipelined",
];
const WS_COLON_FAILS: &[&str] = &[
    "fields/space-before-colon-rejected",
    "fields/htab-before-colon",
    "fields/sp-htab-before-colon",
    "fields/two-sp-before-colon",
    "fields/ws-before-colon-connection",
    "fields/ws-before-colon-content-length",
    "fields/ws-before-colon-custom",
    "fields/ws-before-colon-host",
    "fields/ws-before-colon-last",
];
const CL_TE_FAILS: &[&str] = &[
    "smuggling/cl-te-both",
    "smuggling/clte-get",
    "smuggling/clte-head",
    "smuggling/clte-keep-alive",
    "smuggling/clte-smuggled-get",
    "smuggling/te-cl-chunk-hides-request",
    "smuggling/tecl-smuggled-get",
];
const BARE_CR_FAILS: &[&str] = &[
    "fields/bare-cr-as-field-end",
    "line-endings/bare-cr-request-line",
];
const OBS_FOLD_FAILS: &[&str] = &[
    "fields/obs-fold-connection-close",
    "fields/obs-fold-looks-like-field",
    "fields/ws-after-start-line-host",
];
const HEAD_BODY_FAILS: &[&str] = &[
    "methods/head-carries-no-content",
    "methods/head-root",
    "methods/head-then-get",
    "methods/head-http10",
    "conditional/inm-star-get",
    "conditional/304-then-get",
    "pipelining/pipeline-head-get",
    "responses/grammar-head",
    "responses/grammar-304",
];
const NO_DATE_FAILS: &[&str] = &[
    "responses/date-200",
    "responses/date-304",
    "responses/date-400",
    "responses/date-404",
    "responses/date-head",
    "responses/date-options",
    "methods/405-has-date",
    "http10/http10-date",
];

/// Runs `flaw`'s server on the cases `select` picks.
fn flawed(flaw: Flaw, select: impl Fn(&Case) -> bool) -> Results {
    judge_all(start_flawed(flaw), 1000, select)
}

#[test]
fn the_control_passes_every_case_the_flawed_servers_must_fail() {
    let all: Vec<&str> = [
        DESYNC_FAILS,
        TE_1XX_FAILS,
        NO_100_FAILS,
        WS_COLON_FAILS,
        CL_TE_FAILS,
        BARE_CR_FAILS,
        OBS_FOLD_FAILS,
        HEAD_BODY_FAILS,
        NO_DATE_FAILS,
    ]
    .concat();
    let results = flawed(Flaw::None, |c| all.contains(&key(c).as_str()));
    assert_eq!(results.len(), all.len(), "a listed case is missing");
    let wrong: Vec<_> = results
        .iter()
        .filter(|(_, j)| j.outcome != Outcome::Pass)
        .map(|(id, j)| format!("{id}: {} {}", j.outcome, j.reason))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn desync_after_an_error_fails() {
    let results = flawed(Flaw::DesyncAfterError, |c| {
        [
            "chunked",
            "smuggling",
            "connection",
            "fields",
            "line-endings",
        ]
        .contains(&c.category.as_str())
    });
    let missed = not_failed(&results, DESYNC_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // Whenever it answered 400 and then answered bytes that were no
    // request (more answers than the case has request lines), the MUST
    // cases that say how many answers may come do not pass.
    let passed = passed(&results, |id, j| {
        let case = case_by_key(id);
        let statuses = j.statuses();
        let requests = request_methods(&case.bytes()).len();
        let counts = case.expects.iter().any(|e| e.responses == Some(1));
        counts && statuses.first() == Some(&400) && statuses.len() > requests
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn transfer_encoding_in_1xx_or_204_fails() {
    let results = flawed(Flaw::TeIn1xxAnd204, |c| {
        ["responses", "expect"].contains(&c.category.as_str())
    });
    let missed = not_failed(&results, TE_1XX_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // Its 100 is the first response to carry the field: the FAIL names it.
    let reason = &results["responses/no-te-in-204-or-1xx"].reason;
    assert!(
        reason.contains("a Transfer-Encoding field in a 100 response"),
        "{reason}"
    );
    // Every case where a 1xx or a 204 carried Transfer-Encoding and the
    // case checks for it.
    let passed = passed(&results, |id, j| {
        let te_in_1xx = j
            .obs
            .interim_heads
            .iter()
            .any(|h| String::from_utf8_lossy(h).contains("Transfer-Encoding"));
        let checks = case_by_key(id)
            .expects
            .iter()
            .any(|e| e.absent_in.is_some());
        te_in_1xx && checks
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn no_100_continue_fails() {
    let results = flawed(Flaw::No100Continue, |c| c.category == "expect");
    let missed = not_failed(&results, NO_100_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // No MUST case with an HTTP/1.1 100-continue expectation and a pause
    // before the content passes.
    let passed = passed(&results, |id, _| {
        let case = case_by_key(id);
        let text = String::from_utf8_lossy(&case.bytes()).to_ascii_lowercase();
        case.writes.len() > 1 && text.contains("expect: 100-continue") && text.contains("http/1.1")
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn whitespace_before_the_colon_accepted_fails() {
    let results = flawed(Flaw::WhitespaceBeforeColon, |c| c.category == "fields");
    let missed = not_failed(&results, WS_COLON_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    let passed = passed(&results, |id, _| id.contains("before-colon"));
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn content_length_with_transfer_encoding_kept_open_fails() {
    let results = flawed(Flaw::ClTeKeptOpen, |c| c.category == "smuggling");
    let missed = not_failed(&results, CL_TE_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // Both fields, plainly named, in the first request, and the
    // connection kept: RFC 9112 §6.1 wants it closed, whatever the framing.
    let passed = passed(&results, |id, j| {
        let names = first_head_fields(case_by_key(id));
        let both = names.iter().any(|n| n == "content-length")
            && names.iter().any(|n| n == "transfer-encoding");
        both && j.obs.stayed_open()
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn a_bare_cr_taken_as_a_line_end_fails() {
    let results = flawed(Flaw::BareCrAsLineEnd, |c| {
        c.id.contains("bare-cr") || c.category == "line-endings"
    });
    let missed = not_failed(&results, BARE_CR_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // Wherever the split made a request it answered 2xx, no case passes.
    let passed = passed(&results, |id, j| {
        id.contains("bare-cr") && j.statuses().first().is_some_and(|s| (200..300).contains(s))
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn obs_fold_taken_as_a_field_fails() {
    let results = flawed(Flaw::ObsFoldAsField, |c| c.category == "fields");
    let missed = not_failed(&results, OBS_FOLD_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // A folded line it took for a field, and answered 2xx: never a PASS
    // unless the unfolded reading gives the same answer (ws-after-start-line
    // cases, whose folded line is not a field either way).
    let passed = passed(&results, |id, j| {
        (id.contains("obs-fold") || id.contains("ws-after-start-line-host"))
            && j.statuses().first().is_some_and(|s| (200..300).contains(s))
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn content_on_head_and_304_fails() {
    let results = flawed(Flaw::BodyOnHeadAnd304, |c| {
        ["methods", "conditional", "pipelining", "responses"].contains(&c.category.as_str())
    });
    let missed = not_failed(&results, HEAD_BODY_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // A HEAD or 304 answered with content (bytes after it), in a case
    // about content on HEAD or 304 (its requirement names them, or it
    // checks no_body); the Date and If-None-Match cases look elsewhere.
    let passed = passed(&results, |id, j| {
        let case = case_by_key(id);
        let about = case.requirement.contains("HEAD")
            || case.requirement.contains("304")
            || case.expects.iter().any(|e| e.no_body);
        let r = j.obs.responses.first();
        about && r.is_some_and(|r| r.stray_after > 0 || (r.status == 304 && r.body_len > 0))
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

#[test]
fn a_missing_date_fails() {
    let results = flawed(Flaw::NoDate, |c| c.id.contains("date"));
    let missed = not_failed(&results, NO_DATE_FAILS);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    // Every MUST case that requires a Date, with a 2xx-4xx answer (the
    // date-imf-fixdate cases judge its form and leave absence to these).
    let passed = passed(&results, |id, j| {
        let requires = case_by_key(id)
            .expects
            .iter()
            .any(|e| e.headers.iter().any(|h| h.eq_ignore_ascii_case("Date")));
        requires && j.statuses().first().is_some_and(|s| (200..500).contains(s))
    });
    assert!(passed.is_empty(), "{}", passed.join("\n"));
}

// ---------------------------------------------------------------- dumb

/// The MUST cases, against a dumb server (their passes are what is judged).
fn dumb(server: Dumb, timeout_ms: u64) -> Results {
    judge_all(server.start(), timeout_ms, |c| c.level == Level::Must)
}

/// The MUST cases a dumb server passes without the rule saying why it is
/// right.
fn unexplained(results: &Results, right: impl Fn(&str, &Judged, &Judged) -> bool) -> Vec<String> {
    let reference = reference();
    must_passes(results)
        .into_iter()
        .filter(|(id, j)| !right(id, j, &reference[*id]))
        .map(|(id, j)| format!("{id}: {}", j.reason.lines().next().unwrap_or("")))
        .collect()
}

/// Whether the case is about the form of a response (its grammar, its
/// Date), not about which status it has.
fn about_the_response_form(id: &str) -> bool {
    id.starts_with("responses/grammar-")
        || id.starts_with("responses/date-")
        || id.ends_with("-date")
}

#[test]
fn bad_request_and_close_passes_only_where_rejecting_is_right() {
    let results = dumb(Dumb::BadRequestAndClose, 1000);
    let passes = must_passes(&results).len();
    // A 400 and a close is right where the reference rejects the request
    // too, where the case judges only the response's form, and where the
    // quoted requirement leaves the status open (a body on GET, HEAD,
    // OPTIONS, DELETE: "read it or close"; CONNECT to an origin; an
    // HTTP/1.0 request with Expect, which must get no 1xx; a Range on POST,
    // which must only not be honoured).
    let open_status = [
        "methods/get-with-body",
        "methods/head-with-body",
        "methods/options-with-body",
        "methods/delete-with-body",
        "methods/connect-authority",
        "smuggling/get-cl-prefix-desync",
        "http10/http10-expect-ignored",
        "ranges/range-on-post-ignored",
    ];
    let wrong = unexplained(&results, |id, _, reference| {
        let rejected = reference
            .statuses()
            .first()
            .is_some_and(|s| (400..500).contains(s));
        rejected || about_the_response_form(id) || open_status.contains(&id)
    });
    assert!(
        wrong.is_empty(),
        "{passes} MUST PASS, unexplained:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        passes, 208,
        "MUST cases passed by 400-and-close (update the notes)"
    );
}

#[test]
fn close_on_accept_passes_no_must_case() {
    let results = dumb(Dumb::CloseOnAccept, 500);
    assert_eq!(must_passes(&results).len(), 0);
    let wrong = unexplained(&results, |_, _, _| false);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn never_answer_passes_only_where_waiting_is_right() {
    let results = dumb(Dumb::NeverAnswer, 300);
    let passes = must_passes(&results).len();
    // Silence is right only where the request is incomplete: a silent_ms
    // expect matched, and the reference server stays silent too.
    let wrong = unexplained(&results, |id, j, reference| {
        let case = case_by_key(id);
        let silent_expect = j.matched.is_some_and(|i| case.expects[i].silent.is_some());
        // 100 octets of a 1.1 MB body: a server that accepts that size
        // waits for the rest (the reference refuses it with 413).
        let accepts_size = id == "connection/after-413-content-not-a-request";
        silent_expect && (reference.obs.silent.is_some() || accepts_size)
    });
    assert!(
        wrong.is_empty(),
        "{passes} MUST PASS, unexplained:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        passes, 16,
        "MUST cases passed by never-answer (update the notes)"
    );
}

#[test]
fn ok_to_everything_passes_only_where_the_reference_answers_the_same() {
    let results = dumb(Dumb::OkToEverything, 500);
    let passes = must_passes(&results).len();
    // A 200 is right where the reference answers 200 to the same bytes
    // (same statuses), where the case judges the response's form, where
    // the request is incomplete and both stay silent, and where the case
    // lets a server accept: an obs-fold replaced by SP (RFC 9112 §5.2), a
    // whitespace-preceded line consumed (RFC 9112 §2.2), an invalid
    // If-None-Match ignored, an HTTP/1.0 Expect answered at once with any
    // final status, a percent-encoded path that names the root, a DELETE with
    // content answered with any status (the case judges only the framing).
    let accepting = [
        "conditional/inm-list-with-star",
        "fields/obs-fold-connection-close",
        "fields/obs-fold-custom",
        "fields/obs-fold-empty-line",
        "fields/obs-fold-htab",
        "fields/obs-fold-multiple",
        "fields/ws-after-start-line",
        "fields/ws-after-start-line-htab",
        "http10/http10-expect-ignored",
        "request-line/rl-pct-encoded-path",
        "methods/delete-with-body",
    ];
    let wrong = unexplained(&results, |id, j, reference| {
        let same = j.statuses() == reference.statuses()
            && j.obs.silent.is_some() == reference.obs.silent.is_some();
        same || about_the_response_form(id) || accepting.contains(&id)
    });
    assert!(
        wrong.is_empty(),
        "{passes} MUST PASS, unexplained:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        passes, 143,
        "MUST cases passed by 200-to-everything (update the notes)"
    );
}
