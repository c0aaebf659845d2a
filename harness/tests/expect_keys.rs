//! The expect keys that keep MUST cases able to fail: `allowed_by` (a WARN
//! under a MUST names the sentence that permits it), `answered_before_write`
//! (an answer "at once" is judged against the pause the case states) and
//! `absent_in` (fields absent from every response of some statuses, interim
//! ones included). Each is checked by the loader and by the verdict.
use std::path::Path;

use harness::case::Case;
use harness::client::{Closed, Observation, Probe, ReceivedResponse};
use harness::verdict::{judge, Outcome};

fn parse(text: &str) -> Result<Case, String> {
    Case::parse(Path::new("fixtures/cases/fields/ID.toml"), "fields", text).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        messages.join("\n")
    })
}

/// A case of `level` with two writes and the given expects.
fn case_text(level: &str, expects: &str) -> String {
    format!(
        r#"
id = "ID"
section = "9110/10.1.1"
level = "{level}"
requirement = "An origin server MUST ... send an immediate 100 (Continue) response"
description = "POST with Expect: 100-continue"
[[write]]
bytes = '''POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n'''
[[write]]
pause_ms = 300
bytes = 'x'
{expects}
"#
    )
}

const ALLOWED: &str = "allowed_by = \"RFC 9112 §6.3: A server MAY reject a request that \
                       contains a message body but not a Content-Length by responding \
                       with 411 (Length Required).\"";

#[test]
fn a_warn_under_a_must_names_the_sentence_that_permits_it() {
    let warn = "[[expect]]\nverdict = \"WARN\"\nprofile = \"refuses with 411\"\nstatus = \"411\"";
    let e = parse(&case_text("MUST", warn)).unwrap_err();
    assert!(e.contains("needs allowed_by"), "{e}");
    // SHOULD and MAY cases warn on choices by their nature.
    parse(&case_text("MAY", warn)).unwrap();
    parse(&case_text("SHOULD", warn)).unwrap();
    let with = format!("{warn}\n{ALLOWED}");
    let case = parse(&case_text("MUST", &with)).unwrap();
    assert!(case.expects[0]
        .allowed_by
        .as_deref()
        .unwrap()
        .starts_with("RFC 9112 §6.3: A server MAY"));
    // Only a WARN carries it, and it cites a section and quotes a sentence.
    let e = parse(&case_text(
        "MUST",
        &format!("[[expect]]\nstatus = \"411\"\n{ALLOWED}"),
    ))
    .unwrap_err();
    assert!(e.contains("belongs to an expect with verdict"), "{e}");
    for bad in [
        "allowed_by = \"the RFC allows it\"",
        "allowed_by = \"RFC 9112: A server MAY reject it\"",
        "allowed_by = \"RFC 9112 §6.3:\"",
        "allowed_by = \"RFC 91 §6.3: A server MAY reject it\"",
    ] {
        let e = parse(&case_text("MUST", &format!("{warn}\n{bad}"))).unwrap_err();
        assert!(e.contains("does not start"), "{bad}: {e}");
    }
}

#[test]
fn answered_before_write_names_a_later_write_and_no_silence() {
    for n in [0, 1, 3] {
        let e = parse(&case_text(
            "MUST",
            &format!("[[expect]]\nstatus = \"417\"\nanswered_before_write = {n}"),
        ))
        .unwrap_err();
        assert!(e.contains("names no later write"), "{n}: {e}");
    }
    let e = parse(&case_text(
        "MUST",
        "[[expect]]\nsilent_ms = 100\nanswered_before_write = 2",
    ))
    .unwrap_err();
    assert!(e.contains("silent_ms means nothing arrives"), "{e}");
    let case = parse(&case_text(
        "MUST",
        "[[expect]]\nstatus = \"417\"\nanswered_before_write = 2",
    ))
    .unwrap();
    assert_eq!(case.expects[0].answered_before_write, Some(2));
}

#[test]
fn absent_in_needs_absent_and_a_status_pattern() {
    let e = parse(&case_text(
        "MUST",
        "[[expect]]\nstatus = \"2xx\"\nabsent_in = \"1xx|204\"",
    ))
    .unwrap_err();
    assert!(e.contains("it needs absent"), "{e}");
    let e = parse(&case_text(
        "MUST",
        "[[expect]]\nabsent = [\"Transfer-Encoding\"]\nabsent_in = \"1x4\"",
    ))
    .unwrap_err();
    assert!(e.contains("\"1x4\" is not a status pattern"), "{e}");
}

fn response(status: u16, fields: &str) -> ReceivedResponse {
    let head = format!("HTTP/1.1 {status} X\r\n{fields}Content-Length: 0\r\n\r\n").into_bytes();
    ReceivedResponse {
        status,
        fields: fields
            .split("\r\n")
            .filter_map(|l| l.split_once(':').map(|(n, _)| n.to_owned()))
            .chain(["Content-Length".to_owned()])
            .collect(),
        head,
        body_len: 0,
        complete: true,
        stray_after: 0,
    }
}

/// What came: `interim` (status, extra field lines) before the finals.
fn observed(
    before_write: &[usize],
    interim: &[(u16, &str)],
    finals: &[(u16, &str)],
) -> Observation {
    let received = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n".to_vec();
    Observation {
        before_write: before_write.to_vec(),
        interim: interim.iter().map(|(s, _)| *s).collect(),
        interim_heads: interim
            .iter()
            .map(|(s, f)| format!("HTTP/1.1 {s} X\r\n{f}\r\n").into_bytes())
            .collect(),
        responses: finals.iter().map(|(s, f)| response(*s, f)).collect(),
        received,
        closed: Some(Closed::Eof),
        probe: Some(Probe::NotSent),
        ..Observation::default()
    }
}

#[test]
fn an_answer_at_once_is_one_that_began_before_the_paused_write() {
    let case = parse(&case_text(
        "MUST",
        "[[expect]]\nanswered_before_write = 2\nstatus = \"2xx\"\ninterim = \"100\"\n\
         [[expect]]\nanswered_before_write = 2\nstatus = \"417\"",
    ))
    .unwrap();
    let at_once = observed(&[0, 25], &[(100, "")], &[(200, "")]);
    assert_eq!(judge(&case, &at_once).outcome, Outcome::Pass);
    // The same bytes, all after the pause: the 100 was not immediate.
    let late = observed(&[0, 0], &[(100, "")], &[(200, "")]);
    let v = judge(&case, &late);
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.reason.contains("nothing had arrived before write 2"),
        "{}",
        v.reason
    );
    // A 417 and a close before the second write could be made.
    let refused = observed(&[0], &[], &[(417, "")]);
    assert_eq!(judge(&case, &refused).matched, Some(1));
}

#[test]
fn absent_in_looks_at_every_interim_and_final_response_of_those_statuses() {
    let case = parse(&case_text(
        "MUST",
        "[[expect]]\nstatus = \"2xx\"\nabsent = [\"Transfer-Encoding\"]\nabsent_in = \"1xx|204\"",
    ))
    .unwrap();
    let te = "Transfer-Encoding: chunked\r\n";
    let clean = observed(&[0, 10], &[(100, "")], &[(204, ""), (200, te)]);
    assert_eq!(
        judge(&case, &clean).outcome,
        Outcome::Pass,
        "a chunked 200 is fine"
    );
    let in_1xx = observed(&[0, 10], &[(100, te)], &[(200, "")]);
    let v = judge(&case, &in_1xx);
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.reason
            .contains("a Transfer-Encoding field in a 100 response"),
        "{}",
        v.reason
    );
    let in_204 = observed(&[0, 10], &[(100, "")], &[(200, ""), (204, te)]);
    let v = judge(&case, &in_204);
    assert!(v.reason.contains("in a 204 response"), "{}", v.reason);
    assert_eq!(v.outcome, Outcome::Fail);
}

#[test]
fn a_matched_warn_says_which_sentence_allows_it() {
    let case = parse(&case_text(
        "MUST",
        &format!("[[expect]]\nverdict = \"WARN\"\nprofile = \"refuses with 411\"\nstatus = \"411\"\n{ALLOWED}"),
    ))
    .unwrap();
    let v = judge(&case, &observed(&[0, 0], &[], &[(411, "")]));
    assert_eq!(v.outcome, Outcome::Warn);
    assert!(
        v.reason.contains("allowed by RFC 9112 §6.3: A server MAY"),
        "{}",
        v.reason
    );
}

#[test]
fn a_count_of_answers_counts_bytes_that_are_no_response() {
    let case = parse(&case_text(
        "MUST",
        "[[expect]]\nstatus = \"2xx\"\nresponses = 1\n[[expect]]\nsequence = [\"2xx\"]",
    ))
    .unwrap();
    let clean = observed(&[0, 0], &[], &[(200, "")]);
    assert_eq!(judge(&case, &clean).outcome, Outcome::Pass);
    // An answer to the body as a request, sent without a status-line.
    let mut garbage = clean.clone();
    garbage.responses[0].stray_after = 356;
    let v = judge(&case, &garbage);
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.reason.contains("356 bytes that are no response"),
        "{}",
        v.reason
    );
}
