//! Property 4: differential. Against httparse (a dev-dependency used only
//! as an oracle), requests both accept parse to the same method, target,
//! version and fields; where the two disagree, the case must be one of
//! `oracle::DIFFERENCES`, each with its RFC section. Against a direct
//! transcription of RFC 9112 §6.3 (`oracle::model_framing`), the server
//! frames every accepted head's body the same way.
use harness::strategies::{http_noise, mutated, valid_request};
use proptest::prelude::*;

use crate::oracle::{differential, framing_differential, DIFFERENCES};
use crate::support::{config, corpus};

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    differential(bytes).map_err(TestCaseError::fail)?;
    framing_differential(bytes).map_err(TestCaseError::fail)?;
    Ok(())
}

proptest! {
    #![proptest_config(config("proptest-regressions/differential.txt"))]

    #[test]
    fn parsers_agree_on_valid_requests(req in valid_request()) {
        check(&req.to_bytes())?;
    }

    #[test]
    fn parsers_agree_on_mutated_fixtures(m in mutated(corpus())) {
        check(&m.bytes)?;
    }

    #[test]
    fn parsers_agree_on_noise(bytes in http_noise(0..60)) {
        check(&bytes.0)?;
    }
}

/// Each listed difference is real: an example on which the parsers
/// disagree, covered by that difference and no earlier one.
#[test]
fn every_listed_difference_has_an_example() {
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(9000));
    let examples: [(&str, &[u8]); 5] = [
        (
            "bare LF is not a line terminator",
            b"GET / HTTP/1.1\nHost: a\n\n",
        ),
        (
            "request-target must have one of the four forms",
            b"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n",
        ),
        (
            "any HTTP/DIGIT.DIGIT is a version",
            b"GET / HTTP/1.2\r\nHost: a\r\n\r\n",
        ),
        ("size and count limits", long_target.as_bytes()),
        (
            "whitespace after a field name waits for the colon",
            b"GET / HTTP/1.1\r\nHost ",
        ),
    ];
    assert_eq!(
        examples.len(),
        DIFFERENCES.len(),
        "an example per difference"
    );
    for (name, input) in examples {
        match differential(input) {
            Ok(Some(d)) => assert_eq!(d.name, name, "{}", String::from_utf8_lossy(input)),
            other => panic!("{name}: expected that difference, got {other:?}"),
        }
    }
}

/// The framing model is not a copy of the server's code: spot checks from
/// RFC 9112 §6.3 and RFC 9110 §8.6.
#[test]
fn framing_model_reads_the_rfc() {
    use crate::oracle::{model_framing, Framing};
    let f = |pairs: &[(&str, &str)]| -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect()
    };
    let v11 = (1, 1);
    assert_eq!(model_framing(v11, &f(&[])), Framing::Empty);
    assert_eq!(
        model_framing(v11, &f(&[("Content-Length", "5")])),
        Framing::Length(5)
    );
    assert_eq!(
        model_framing(v11, &f(&[("content-length", "5, 5")])),
        Framing::Length(5)
    );
    assert_eq!(
        model_framing(v11, &f(&[("Content-Length", "+5")])),
        Framing::Invalid
    );
    assert_eq!(
        model_framing(v11, &f(&[("Content-Length", "5"), ("Content-Length", "6")])),
        Framing::Invalid
    );
    assert_eq!(
        model_framing(v11, &f(&[("Transfer-Encoding", "chunked")])),
        Framing::Chunked
    );
    assert_eq!(
        model_framing(v11, &f(&[("Transfer-Encoding", "gzip, chunked")])),
        Framing::NotImplemented
    );
    assert_eq!(
        model_framing(v11, &f(&[("Transfer-Encoding", "chunked, gzip")])),
        Framing::Invalid
    );
    assert_eq!(
        model_framing((1, 0), &f(&[("Transfer-Encoding", "chunked")])),
        Framing::Invalid
    );
    assert_eq!(
        model_framing(
            v11,
            &f(&[("Transfer-Encoding", "chunked"), ("Content-Length", "3")])
        ),
        Framing::Invalid
    );
}
