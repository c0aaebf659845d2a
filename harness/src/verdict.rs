//! PASS / WARN / FAIL / ERROR from what came back.
//!
//! A case's `[[expect]]` entries are tried in order against the
//! [`Observation`]; the first whose every condition holds gives the
//! verdict it names (PASS unless it says WARN or FAIL). When none matches,
//! a MUST case FAILs and a SHOULD or MAY case WARNs, its profile entry
//! saying what the server did instead. ERROR means the harness could not
//! judge: the server was unreachable.
use std::fmt;
use std::time::Duration;

use crate::case::{Case, ConnectionRule, Expect, Given, Level, StatusPattern};
use crate::client::{Observation, ReceivedResponse};

/// The result of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// The server did what the requirement asks.
    Pass,
    /// Allowed, but worth knowing; carries a profile entry.
    Warn,
    /// The requirement was broken.
    Fail,
    /// The harness could not judge (unreachable server).
    Error,
}

impl Outcome {
    /// `PASS`, `WARN`, `FAIL`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Warn => "WARN",
            Outcome::Fail => "FAIL",
            Outcome::Error => "ERROR",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A judged case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// PASS, WARN, FAIL or ERROR.
    pub outcome: Outcome,
    /// Index (from 0) of the expect that matched, if one did.
    pub matched: Option<usize>,
    /// The behaviour profile entry of a WARN.
    pub profile: Option<String>,
    /// Why: which expect matched, or why each did not.
    pub reason: String,
}

/// Judges `obs` by `case`'s expects.
pub fn judge(case: &Case, obs: &Observation) -> Verdict {
    if let Some(e) = &obs.error {
        return Verdict {
            outcome: Outcome::Error,
            matched: None,
            profile: None,
            reason: format!("could not run the case: {e}"),
        };
    }
    let got = obs.summary();
    let mut misses = Vec::new();
    for (i, expect) in case.expects.iter().enumerate() {
        match check(expect, obs) {
            Ok(()) => {
                let outcome = match expect.verdict {
                    Given::Pass => Outcome::Pass,
                    Given::Warn => Outcome::Warn,
                    Given::Fail => Outcome::Fail,
                };
                return Verdict {
                    outcome,
                    matched: Some(i),
                    profile: expect.profile.clone(),
                    reason: match &expect.allowed_by {
                        None => format!("expect {} ({}) matched: {got}", i + 1, expect.summary()),
                        Some(a) => format!(
                            "expect {} ({}) matched: {got}; allowed by {a}",
                            i + 1,
                            expect.summary()
                        ),
                    },
                };
            }
            Err(why) => misses.push(format!("expect {} ({}): {why}", i + 1, expect.summary())),
        }
    }
    let reason = format!("no expect matched; got {got}\n{}", misses.join("\n"));
    match case.level {
        Level::Must => Verdict {
            outcome: Outcome::Fail,
            matched: None,
            profile: None,
            reason,
        },
        Level::Should | Level::May => Verdict {
            outcome: Outcome::Warn,
            matched: None,
            profile: Some(format!("unlisted outcome: {got}")),
            reason,
        },
    }
}

/// Whether every condition of `expect` holds for `obs`; if not, the first
/// that does not, in words. The conditions are checked group by group, in
/// this order: the silent window (which, when set, decides alone), the
/// statuses, the interim responses, the grammar of what came, when the
/// answer began, the fields of responses of some statuses, the first
/// response's content and fields, the count of answers, the connection.
pub fn check(expect: &Expect, obs: &Observation) -> Result<(), String> {
    if let Some(window) = expect.silent {
        return check_silence(window, expect.connection, obs);
    }
    let complete: Vec<&ReceivedResponse> = obs.complete().collect();
    check_statuses(expect, &complete)?;
    check_interim(expect, obs)?;
    if expect.well_formed {
        check_well_formed(obs, &complete)?;
    }
    if let Some(n) = expect.answered_before_write {
        check_answered_before(n, obs)?;
    }
    if let Some(scope) = &expect.absent_in {
        check_absent_in(scope, &expect.absent, obs, &complete)?;
    }
    check_first_response(expect, complete.first().copied())?;
    if expect.responses.is_some() || expect.sequence.is_some() {
        check_nothing_else(obs, &complete)?;
    }
    check_connection(expect.connection, obs)
}

/// `silent_ms`: nothing arrived for `window` and the connection stayed
/// open (or, with `connection = "closed"`, that is a miss).
fn check_silence(window: Duration, rule: ConnectionRule, obs: &Observation) -> Result<(), String> {
    match obs.silent {
        Some(d) if d >= window => match rule {
            ConnectionRule::Closed => Err("the connection stayed open".into()),
            _ => Ok(()),
        },
        _ if obs.closed.is_some() && obs.received.is_empty() => Err(format!(
            "the connection closed within {} ms",
            window.as_millis()
        )),
        _ => Err(format!(
            "{} bytes arrived within {} ms",
            obs.received.len(),
            window.as_millis()
        )),
    }
}

/// `status` (of the first complete final response), `sequence` (every
/// complete final response's status, in order) and `responses` (their
/// number).
fn check_statuses(expect: &Expect, complete: &[&ReceivedResponse]) -> Result<(), String> {
    if let Some(pattern) = &expect.status {
        match complete.first() {
            None => return Err("no complete response".into()),
            Some(r) if !pattern.matches(r.status) => {
                return Err(format!("status {} is not {pattern}", r.status))
            }
            Some(_) => {}
        }
    }
    if let Some(seq) = &expect.sequence {
        let statuses: Vec<u16> = complete.iter().map(|r| r.status).collect();
        let fits =
            statuses.len() == seq.len() && statuses.iter().zip(seq).all(|(s, p)| p.matches(*s));
        if !fits {
            let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
            return Err(format!("statuses [{}]", statuses.join(", ")));
        }
    }
    if let Some(n) = expect.responses {
        if complete.len() != n {
            return Err(format!("{} complete responses, not {n}", complete.len()));
        }
    }
    Ok(())
}

/// `interim`: some 1xx response matched the pattern.
fn check_interim(expect: &Expect, obs: &Observation) -> Result<(), String> {
    match &expect.interim {
        Some(pattern) if !obs.interim.iter().any(|s| pattern.matches(*s)) => {
            Err(format!("no interim {pattern}"))
        }
        _ => Ok(()),
    }
}

/// `well_formed`: whatever came must be responses a sender could have
/// written; no answer at all is left to the cases about answering.
fn check_well_formed(obs: &Observation, complete: &[&ReceivedResponse]) -> Result<(), String> {
    if obs.stray_before > 0 {
        return Err(format!("{} bytes that start no response", obs.stray_before));
    }
    for (i, r) in complete.iter().enumerate() {
        if let Some(problem) = crate::wire::head_problem(&r.head) {
            return Err(format!("response {}: {problem}", i + 1));
        }
        if r.stray_after > 0 {
            return Err(format!(
                "response {}: followed by {} bytes that are no response",
                i + 1,
                r.stray_after
            ));
        }
    }
    Ok(())
}

/// `answered_before_write`: the first response (interim or final) had begun
/// to arrive before write `n` (1-based) was made, i.e. within the pause the
/// case states before it (RFC 9110 §10.1.1: an "immediate" answer). A write
/// the client never made (the server had closed) came after everything.
fn check_answered_before(n: usize, obs: &Observation) -> Result<(), String> {
    let before = obs
        .before_write
        .get(n - 1)
        .copied()
        .unwrap_or(obs.received.len());
    if before == 0 {
        return Err(format!("nothing had arrived before write {n}"));
    }
    Ok(())
}

/// `absent_in`: the `absent` fields are in no response, interim ones
/// included, whose status matches `scope` (RFC 9112 §6.1: no
/// Transfer-Encoding in a 1xx or 204).
fn check_absent_in(
    scope: &StatusPattern,
    absent: &[String],
    obs: &Observation,
    complete: &[&ReceivedResponse],
) -> Result<(), String> {
    let interim = obs
        .interim
        .iter()
        .zip(&obs.interim_heads)
        .map(|(s, h)| (*s, h.as_slice()));
    let finals = complete.iter().map(|r| (r.status, r.head.as_slice()));
    for (status, head) in interim.chain(finals) {
        if !scope.matches(status) {
            continue;
        }
        if let Some(h) = absent
            .iter()
            .find(|h| crate::wire::field(head, h).is_some())
        {
            return Err(format!("a {h} field in a {status} response"));
        }
    }
    Ok(())
}

/// `responses` and `sequence` count everything that came: bytes that start
/// no response (an answer without a status-line, a desync's garbage) are
/// one answer too many.
fn check_nothing_else(obs: &Observation, complete: &[&ReceivedResponse]) -> Result<(), String> {
    let stray: usize = obs.stray_before + complete.iter().map(|r| r.stray_after).sum::<usize>();
    if stray > 0 {
        return Err(format!(
            "{stray} bytes that are no response came with the answers"
        ));
    }
    Ok(())
}

/// `no_body`, `headers`, `absent`, `version` and `date`: conditions on the
/// first complete final response, which must then exist.
fn check_first_response(expect: &Expect, first: Option<&ReceivedResponse>) -> Result<(), String> {
    let needs_first = expect.no_body
        || !expect.headers.is_empty()
        || (!expect.absent.is_empty() && expect.absent_in.is_none())
        || expect.version.is_some()
        || expect.date;
    if !needs_first {
        return Ok(());
    }
    let Some(r) = first else {
        return Err("no complete response".into());
    };
    if expect.no_body && (r.body_len > 0 || r.stray_after > 0) {
        return Err(format!(
            "the response carried {} body bytes",
            r.body_len + r.stray_after
        ));
    }
    if let Some(h) = expect.headers.iter().find(|h| !r.has_field(h)) {
        return Err(format!("no {h} field"));
    }
    if expect.absent_in.is_none() {
        if let Some(h) = expect.absent.iter().find(|h| r.has_field(h)) {
            return Err(format!("a {h} field"));
        }
    }
    if let Some(v) = &expect.version {
        let got = crate::wire::version(&r.head);
        if &got != v {
            return Err(format!("version {got}, not {v}"));
        }
    }
    if expect.date {
        match crate::wire::field(&r.head, "Date") {
            None => return Err("no Date field".into()),
            Some(value) => {
                if let Some(problem) = crate::wire::imf_fixdate_problem(value) {
                    return Err(format!("Date {problem}"));
                }
            }
        }
    }
    Ok(())
}

/// `connection`: closed (EOF or reset, before the probe was answered), or
/// open (the probe was answered).
fn check_connection(rule: ConnectionRule, obs: &Observation) -> Result<(), String> {
    match rule {
        ConnectionRule::Closed if obs.closed.is_none() => Err("the connection stayed open".into()),
        ConnectionRule::Open if !obs.stayed_open() => Err(format!(
            "the connection did not stay open ({})",
            obs.connection_text()
        )),
        _ => Ok(()),
    }
}
