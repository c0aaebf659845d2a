//! The case loader, the verdict rules, the reports and the baseline logic,
//! without a server: bad case files are rejected with a message naming the
//! file and the problem; verdicts follow `fixtures/cases/README.md`.
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::Duration;

use harness::baseline::{check_baseline, read_baseline, write_baseline_text};
use harness::case::{describe, load_all, Case, ErrorKind, Level, StatusPattern};
use harness::client::{request_methods, Closed, Observation, Probe, ReceivedResponse};
use harness::report::{CaseResult, Report};
use harness::run::{id_matches, section_matches, Selection};
use harness::verdict::{judge, Outcome};

mod common;
use common::temp_dir;

const GOOD: &str = r#"
id = "ID"
section = "9112/5.1"
level = "MUST"
requirement = "A server MUST reject ..."
description = "space before colon"
send = '''
GET / HTTP/1.1\r\n
Host : localhost\r\n
\r\n
'''
[[expect]]
status = "400"
"#;

fn parse(text: &str) -> Result<Case, Vec<harness::case::Error>> {
    Case::parse(Path::new("fixtures/cases/fields/ID.toml"), "fields", text)
}

/// The messages of the errors parsing `text` gives, one a line, each with
/// its key.
fn rejection(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                let shown = e.to_string();
                assert!(
                    shown.starts_with("fixtures/cases/fields/ID.toml: "),
                    "the message names the file: {shown}"
                );
            }
            errors
                .iter()
                .map(|e| format!("{}: {}\n", e.key().unwrap_or("-"), e.message()))
                .collect()
        }
    }
}

#[test]
fn a_good_case_parses_with_its_bytes_unescaped() {
    let case = parse(GOOD).unwrap();
    assert_eq!(case.id, "ID");
    assert_eq!(case.level, Level::Must);
    assert_eq!(case.section_title(), "RFC 9112 §5.1");
    assert_eq!(case.bytes(), b"GET / HTTP/1.1\r\nHost : localhost\r\n\r\n");
    assert_eq!(case.expects.len(), 1);
}

#[test]
fn bad_case_files_are_rejected_saying_what_is_wrong() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "id = \"ID\"",
            "id = \"other\"",
            "differs from the file stem",
        ),
        ("9112/5.1", "RFC9112 5.1", "is not RFC/SECTION"),
        ("9112/5.1", "9112/", "is not RFC/SECTION"),
        ("\"MUST\"", "\"MUST NOT\"", "is not MUST, SHOULD or MAY"),
        ("\"MUST\"", "\"must\"", "is not MUST, SHOULD or MAY"),
        (
            "status = \"400\"",
            "status = \"4x0\"",
            "is not a status pattern",
        ),
        (
            "status = \"400\"",
            "status = \"600\"",
            "is not a status pattern",
        ),
        (
            "status = \"400\"",
            "stauts = \"400\"",
            "expect[1].stauts: unknown key; did you mean `status`?",
        ),
        (
            "status = \"400\"",
            "connection = \"kept\"",
            "is not closed, open or any",
        ),
        ("status = \"400\"", "verdict = \"WARN\"", "needs a profile"),
        (
            "status = \"400\"",
            "verdict = \"OK\"",
            "is not PASS, WARN or FAIL",
        ),
        (
            "status = \"400\"",
            "silent_ms = 100\nstatus = \"400\"",
            "cannot be combined",
        ),
        ("status = \"400\"", "interim = \"200\"", "is not a 1xx"),
        (
            "status = \"400\"",
            "sequence = [\"200\"]\nresponses = 2",
            "contradicts a sequence",
        ),
        ("[[expect]]\nstatus = \"400\"", "", "has no [[expect]]"),
        ("Host : localhost", "Host: \\q", "unknown escape"),
        (
            "description = \"space before colon\"",
            "description = \"x\"\nnotes = \"?\"",
            "notes: unknown key; remove it",
        ),
        (
            "[[expect]]",
            "[[write]]\nbytes = 'x'\n[[expect]]",
            "both send and [[write]]",
        ),
    ];
    for (from, to, wanted) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        let message = rejection(&text);
        assert!(
            message.contains(wanted),
            "{from:?} -> {to:?}: {message:?} should say {wanted:?}"
        );
    }
}

#[test]
fn a_case_with_nothing_to_send_is_rejected() {
    let text = GOOD.replace("send = '''", "notsend = '''");
    let text = text.replace("notsend", "# ");
    // The send string's lines are now bare TOML lines: a syntax error.
    assert!(parse(&text).is_err());
    let no_send = "id = \"ID\"\nsection = \"9112/5.1\"\nlevel = \"MUST\"\n\
                   requirement = \"r\"\ndescription = \"d\"\n[[expect]]\nstatus = \"400\"\n";
    assert!(rejection(no_send).contains("sends nothing"));
}

#[test]
fn load_all_reports_every_bad_file_and_duplicate_ids() {
    let root = temp_dir("load");
    fs::create_dir_all(root.join("fields")).unwrap();
    fs::create_dir_all(root.join("other")).unwrap();
    fs::write(root.join("fields/ID.toml"), GOOD).unwrap();
    fs::write(root.join("other/ID.toml"), GOOD).unwrap();
    fs::write(root.join("other/bad.toml"), "id = \"bad\"\n").unwrap();
    fs::write(root.join("loose.toml"), GOOD).unwrap();
    fs::write(root.join("README.md"), "not a case").unwrap();
    let errors = load_all(&root).unwrap_err();
    let kinds: Vec<ErrorKind> = errors.iter().map(|e| e.kind()).collect();
    assert!(kinds.contains(&ErrorKind::NoCategory), "{errors:?}");
    assert!(kinds.contains(&ErrorKind::Syntax), "{errors:?}");
    let duplicate = errors
        .iter()
        .find(|e| e.kind() == ErrorKind::DuplicateId)
        .expect("a duplicate id is found");
    assert!(duplicate.to_string().contains("already used by"));
    assert!(errors.iter().any(|e| e.path().ends_with("other/bad.toml")
        && e.key() == Some("section")
        && e.message().contains("is missing")));

    fs::remove_file(root.join("other/ID.toml")).unwrap();
    fs::remove_file(root.join("other/bad.toml")).unwrap();
    fs::remove_file(root.join("loose.toml")).unwrap();
    let cases = load_all(&root).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].category, "fields");
}

#[test]
fn the_workspace_cases_all_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases");
    let cases = load_all(&root).unwrap_or_else(|errors| panic!("{}", describe(&errors)));
    assert!(!cases.is_empty());
}

#[test]
fn status_patterns_match_codes_and_classes() {
    let p = StatusPattern::parse("400|5xx").unwrap();
    assert!(p.matches(400) && p.matches(501) && !p.matches(404) && !p.matches(200));
    let p = StatusPattern::parse("40x").unwrap();
    assert!(p.matches(404) && !p.matches(410));
    for bad in ["", "4", "4000", "x00", "4x0", "600", "400|", "abc"] {
        assert!(StatusPattern::parse(bad).is_none(), "{bad:?}");
    }
}

fn response(status: u16) -> ReceivedResponse {
    ReceivedResponse {
        status,
        head: format!("HTTP/1.1 {status} X\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n").into_bytes(),
        fields: vec!["Date".into(), "Content-Length".into()],
        body_len: 0,
        complete: true,
        stray_after: 0,
    }
}

fn observed(statuses: &[u16], closed: bool) -> Observation {
    Observation {
        responses: statuses.iter().map(|&s| response(s)).collect(),
        closed: closed.then_some(Closed::Eof),
        probe: Some(if closed {
            Probe::NotSent
        } else {
            Probe::Answered(200)
        }),
        ..Observation::default()
    }
}

const MAY_CASE: &str = r#"
id = "ID"
section = "9112/2.2"
level = "MAY"
requirement = "a recipient MAY recognize a single LF"
description = "bare LF"
send = 'GET / HTTP/1.1\nHost: localhost\n\n'
[[expect]]
status = "400"
connection = "closed"
[[expect]]
verdict = "WARN"
profile = "accepts bare LF"
status = "2xx"
"#;

#[test]
fn the_first_matching_expect_gives_the_verdict() {
    let case = parse(MAY_CASE).unwrap();
    let v = judge(&case, &observed(&[400], true));
    assert_eq!((v.outcome, v.matched), (Outcome::Pass, Some(0)));
    let v = judge(&case, &observed(&[200], false));
    assert_eq!((v.outcome, v.matched), (Outcome::Warn, Some(1)));
    assert_eq!(v.profile.as_deref(), Some("accepts bare LF"));
    // 400 but open: expect 1 wants a close, expect 2 a 2xx.
    let v = judge(&case, &observed(&[400], false));
    assert_eq!((v.outcome, v.matched), (Outcome::Warn, None));
    assert!(v
        .profile
        .unwrap()
        .starts_with("unlisted outcome: 400, open"));
    assert!(v
        .reason
        .contains("expect 1 (status=400 connection=closed): the connection stayed open"));
}

#[test]
fn no_match_fails_a_must_case_and_an_unreachable_server_is_an_error() {
    let case = parse(GOOD).unwrap();
    let v = judge(&case, &observed(&[200], false));
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(v.reason.contains("status 200 is not 400"), "{}", v.reason);
    let unreachable = Observation {
        error: Some("connect to 127.0.0.1:9: refused".into()),
        ..Observation::default()
    };
    assert_eq!(judge(&case, &unreachable).outcome, Outcome::Error);
    let nothing = Observation {
        timed_out: true,
        ..Observation::default()
    };
    assert_eq!(judge(&case, &nothing).outcome, Outcome::Fail);
}

#[test]
fn sequence_no_body_fields_interim_and_silence_are_checked() {
    let text = GOOD.replace(
        "status = \"400\"",
        "sequence = [\"200\", \"404\"]\nno_body = true\nheaders = [\"Date\"]\n\
         absent = [\"Transfer-Encoding\"]\ninterim = \"100\"\nconnection = \"open\"",
    );
    let case = parse(&text).unwrap();
    let mut obs = observed(&[200, 404], false);
    obs.interim = vec![100];
    assert_eq!(judge(&case, &obs).outcome, Outcome::Pass);
    let mut wrong_order = obs.clone();
    wrong_order.responses.reverse();
    assert_eq!(judge(&case, &wrong_order).outcome, Outcome::Fail);
    let mut with_body = obs.clone();
    with_body.responses[0].stray_after = 2;
    assert!(judge(&case, &with_body)
        .reason
        .contains("carried 2 body bytes"));
    let mut chunked = obs.clone();
    chunked.responses[0].fields.push("transfer-encoding".into());
    assert!(judge(&case, &chunked)
        .reason
        .contains("a Transfer-Encoding field"));
    let mut no_interim = obs.clone();
    no_interim.interim.clear();
    assert!(judge(&case, &no_interim).reason.contains("no interim 100"));
    let mut unanswered = obs;
    unanswered.probe = Some(Probe::Unanswered);
    assert!(judge(&case, &unanswered)
        .reason
        .contains("did not stay open"));

    let silent = parse(&GOOD.replace("status = \"400\"", "silent_ms = 300")).unwrap();
    let quiet = Observation {
        silent: Some(Duration::from_millis(300)),
        ..Observation::default()
    };
    assert_eq!(judge(&silent, &quiet).outcome, Outcome::Pass);
    let answered = observed(&[400], true);
    assert_eq!(judge(&silent, &answered).outcome, Outcome::Fail);
}

#[test]
fn request_methods_finds_each_request_line() {
    let bytes = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\n\r\nbody line\r\n";
    assert_eq!(request_methods(bytes), [&b"HEAD"[..], &b"GET"[..]]);
}

fn report() -> Report {
    let pass = parse(GOOD).unwrap();
    let mut fail = parse(&GOOD.replace("<", "")).unwrap();
    fail.id = "fails-<&>\"".into();
    fail.category = "smuggling".into();
    let warn = parse(MAY_CASE).unwrap();
    let result = |case: Case, obs: Observation| CaseResult {
        verdict: judge(&case, &obs),
        case,
        observation: obs,
    };
    let mut fail_obs = observed(&[200], false);
    fail_obs.sent = b"GET / HTTP/1.1\r\nHost : localhost\r\n\r\n".to_vec();
    fail_obs.received = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\x01".to_vec();
    Report {
        target: "test".into(),
        results: vec![
            result(pass, observed(&[400], true)),
            result(warn, observed(&[200], false)),
            result(fail, fail_obs),
        ],
        elapsed: Duration::from_millis(12),
    }
}

#[test]
fn the_terminal_report_quotes_the_broken_requirement_and_escapes_bytes() {
    let text = report().to_text();
    assert!(text.contains("  ✓ ID  RFC 9112 §5.1 [MUST]"), "{text}");
    assert!(text.contains("  ✗ fails-<&>\""), "{text}");
    assert!(text.contains("\"A server MUST reject ...\""), "{text}");
    assert!(text.contains("Host : localhost\\r\\n"), "{text}");
    assert!(text.contains("        \\x01\n"), "{text}");
    assert!(text.contains("connection open"), "{text}");
    assert!(text.contains("3 cases in 0.01 s: 1 passed, 1 warned, 1 failed (1 MUST), 0 errors"));
    assert!(text
        .contains("Behaviour profile (WARN):\n  fields/ID (RFC 9112 §2.2, MAY): accepts bare LF"));
}

#[test]
fn the_json_report_has_a_summary_a_profile_and_every_case() {
    let json = report().to_json();
    assert_eq!(json["summary"]["total"], 3);
    assert_eq!(json["summary"]["must_fail"], 1);
    assert_eq!(json["profile"][0]["profile"], "accepts bare LF");
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[2]["outcome"], "FAIL");
    assert_eq!(cases[2]["statuses"], serde_json::json!([200]));
    assert_eq!(cases[0]["matched_expect"], 1);
    assert_eq!(cases[0]["matched_summary"], "status=400");
    assert_eq!(cases[2]["matched_summary"], serde_json::Value::Null);
    assert!(cases[2]["received"].as_str().unwrap().contains("\\x01"));
}

#[test]
fn the_junit_report_is_escaped_xml_with_one_suite_per_category() {
    let xml = report().to_junit();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(xml.matches("<testsuite ").count(), 2);
    assert_eq!(xml.matches("<testcase ").count(), 3);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(xml.contains("name=\"fails-&lt;&amp;&gt;&quot;\""), "{xml}");
    assert!(xml.contains("<system-out>WARN: accepts bare LF</system-out>"));
    // Tags balance and no raw control character is left.
    for tag in ["testsuites", "testsuite", "testcase", "failure"] {
        assert_eq!(
            xml.matches(&format!("<{tag} ")).count(),
            xml.matches(&format!("</{tag}>")).count(),
            "{tag}"
        );
    }
    assert!(!xml.chars().any(|c| (c as u32) < 0x20 && c != '\n'));
    let html = report().to_html();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    // Self-contained: an inline script and style, nothing fetched.
    assert!(!html.contains(" src=") && !html.contains("http://") && !html.contains("https://"));
}

#[test]
fn baselines_read_both_ways_and_tell_new_failures_from_fixed_ones() {
    let plain = read_baseline("# known\nsmuggling/fails\n\nold-one  # fixed since\n").unwrap();
    let json = read_baseline("[\"smuggling/fails\", \"old-one\"]").unwrap();
    let object = read_baseline("{\"failing\": [\"smuggling/fails\", \"old-one\"]}").unwrap();
    assert_eq!(plain, json);
    assert_eq!(plain, object);
    let line = read_baseline("ok-one\nnot json [\n").unwrap_err();
    assert!(
        line.starts_with("line 2: \"not json [\" is not a case id"),
        "{line}"
    );
    assert!(read_baseline("[1]").is_err());
    assert!(read_baseline("{\"ids\": []}").is_err());

    let mut r = report();
    // The MAY case is listed but WARNs now; ID passes and is listed too.
    let baseline: BTreeSet<String> = ["fails-<&>\"", "ID"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let check = check_baseline(&r.results, &baseline);
    assert!(check.new_failures.is_empty());
    assert_eq!(check.now_passing.len(), 2);
    let check = check_baseline(&r.results, &BTreeSet::new());
    assert_eq!(check.new_failures, ["fails-<&>\""]);
    r.results.truncate(1);
    assert_eq!(read_baseline(&write_baseline_text(&plain)).unwrap(), plain);
}

#[test]
fn selectors_match_sections_by_prefix_and_ids_by_glob_or_substring() {
    assert!(section_matches("9112/6", "9112/6.1"));
    assert!(section_matches("9112/6", "9112/6"));
    assert!(section_matches("9112", "9112/6.1"));
    assert!(section_matches("9112/", "9112/6.1"));
    assert!(!section_matches("9112/6", "9112/60"));
    assert!(!section_matches("9110", "9112/6"));
    assert!(id_matches("fold", "obs-fold-x"));
    assert!(id_matches("obs-*", "obs-fold-x"));
    assert!(!id_matches("fold*", "obs-fold-x"));
    assert!(id_matches("?bs-fold-?", "obs-fold-x"));
    let case = parse(GOOD).unwrap();
    let select = |s: Selection| s.selects(&case);
    assert!(select(Selection::default()));
    assert!(select(Selection {
        levels: vec![Level::Should, Level::Must],
        categories: vec!["fields".into()],
        ..Selection::default()
    }));
    assert!(!select(Selection {
        levels: vec![Level::May],
        ..Selection::default()
    }));
}

#[test]
fn version_date_and_grammar_of_responses_are_checked() {
    let text = GOOD.replace(
        "status = \"400\"",
        "status = \"2xx\"\nversion = \"HTTP/1.1\"\ndate = \"imf-fixdate\"\nwell_formed = true",
    );
    let case = parse(&text).unwrap();
    assert_eq!(
        case.expects[0].summary(),
        "status=2xx version=HTTP/1.1 date=imf-fixdate well_formed"
    );
    let good = observed(&[200], false);
    assert_eq!(judge(&case, &good).outcome, Outcome::Pass);
    let with_head = |head: &str| {
        let mut obs = observed(&[200], false);
        obs.responses[0].head = head.as_bytes().to_vec();
        judge(&case, &obs)
    };
    let v = with_head("HTTP/1.0 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n");
    assert!(
        v.reason.contains("version HTTP/1.0, not HTTP/1.1"),
        "{}",
        v.reason
    );
    let v = with_head("HTTP/1.1 200 OK\r\nDate: Thursday, 01-Jan-26 00:00:00 GMT\r\n\r\n");
    assert!(v.reason.contains("Date \"Thursday"), "{}", v.reason);
    let v = with_head("HTTP/1.1 200 OK\r\n\r\n");
    assert!(v.reason.contains("no Date field"), "{}", v.reason);
    let v = with_head("HTTP/1.1 200 OK\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n");
    assert!(
        v.reason.contains("response 1: line 1 ends in a bare LF"),
        "{}",
        v.reason
    );
    assert_eq!(v.outcome, Outcome::Fail);
}

#[test]
fn version_and_date_values_are_checked_when_loading() {
    let bad_version = GOOD.replace("status = \"400\"", "version = \"HTTP/1.10\"");
    assert!(rejection(&bad_version).contains("is not HTTP/DIGIT.DIGIT"));
    let bad_date = GOOD.replace("status = \"400\"", "date = \"rfc850\"");
    assert!(rejection(&bad_date).contains("is not \"imf-fixdate\""));
    let silent = GOOD.replace("status = \"400\"", "silent_ms = 100\nwell_formed = true");
    assert!(rejection(&silent).contains("cannot be combined"));
}

#[test]
fn well_formed_refuses_bytes_that_are_no_response() {
    let text = GOOD.replace("status = \"400\"", "well_formed = true");
    let case = parse(&text).unwrap();
    let mut obs = observed(&[], true);
    assert_eq!(
        judge(&case, &obs).outcome,
        Outcome::Pass,
        "no answer is judged elsewhere"
    );
    obs.stray_before = 3;
    let v = judge(&case, &obs);
    assert!(
        v.reason.contains("3 bytes that start no response"),
        "{}",
        v.reason
    );
    let mut obs = observed(&[200], false);
    obs.responses[0].stray_after = 5;
    let v = judge(&case, &obs);
    assert!(v.reason.contains("followed by 5 bytes"), "{}", v.reason);
}
