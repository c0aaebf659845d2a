//! Property 4: differential. Against httparse (a dev-dependency used only
//! as an oracle), requests both accept parse to the same method, target,
//! version and fields; where the two disagree, the case must be one of
//! `oracle::DIFFERENCES`, each with its RFC section. Against a direct
//! transcription of RFC 9112 §6.3 (`oracle::model_framing`), the server
//! frames every accepted head's body the same way; against a reading of
//! RFC 9112 §7.1's grammar (`oracle::model_chunked`), the chunked decoder
//! accepts, completes and decodes exactly the same bodies.
use harness::strategies::{chunked_body, http_noise, mutated, mutated_chunked_body, valid_request};
use proptest::prelude::*;

use crate::oracle::{chunked_differential, differential, framing_differential, DIFFERENCES};
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

    #[test]
    fn decoder_agrees_with_the_grammar_on_valid_bodies(body in chunked_body()) {
        chunked_differential(&body.to_bytes()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn decoder_agrees_with_the_grammar_on_mutated_bodies(body in mutated_chunked_body()) {
        chunked_differential(&body.0).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn decoder_agrees_with_the_grammar_on_noise(bytes in http_noise(0..60)) {
        chunked_differential(&bytes.0).map_err(TestCaseError::fail)?;
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

/// The chunked grammar reading is not a copy of the decoder: spot checks
/// from RFC 9112 §7.1.
#[test]
fn chunked_model_reads_the_rfc() {
    use crate::oracle::{model_chunked, ChunkedModel};
    let done = |content: &[u8], consumed| ChunkedModel::Done {
        content: content.to_vec(),
        consumed,
    };
    let m = |s: &str| model_chunked(s.as_bytes(), 1 << 20);
    assert_eq!(m("5\r\nhello\r\n0\r\n\r\n"), done(b"hello", 15));
    assert_eq!(
        m("5 ;a=b ; c=\"d\\\"\"\r\nhello\r\n000\r\nX: y \r\n\r\nnext"),
        done(b"hello", 39)
    );
    assert_eq!(m("5\r\nhel"), ChunkedModel::Incomplete);
    assert_eq!(m("5 \r\nhello\r\n0\r\n\r\n"), ChunkedModel::Invalid(2));
    assert_eq!(m("+5\r\nhello\r\n0\r\n\r\n"), ChunkedModel::Invalid(0));
    assert_eq!(m("0x5\r\nhello\r\n0\r\n\r\n"), ChunkedModel::Invalid(1));
    assert_eq!(m("5;a=\r\nhello\r\n0\r\n\r\n"), ChunkedModel::Invalid(4));
    assert_eq!(m("0\r\n X: y\r\n\r\n"), ChunkedModel::Invalid(3));
    assert_eq!(m("0\r\nX : y\r\n\r\n"), ChunkedModel::Invalid(4));
    assert_eq!(m("5\r\nhelloX\r\n0\r\n\r\n"), ChunkedModel::Invalid(8));
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

/// The decoder's bounds (extension length, trailer length, size digits,
/// body limit) fall on the same byte in the decoder and the model, on
/// either side of each bound, whole and cut short.
#[test]
fn decoder_and_grammar_agree_at_the_bounds() {
    use crate::oracle::chunked_differential;
    use server::framing::chunked::{MAX_EXTENSION_LEN, MAX_SIZE_DIGITS, MAX_TRAILER_LEN};
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for n in MAX_EXTENSION_LEN - 3..MAX_EXTENSION_LEN + 3 {
        inputs.push(format!("1;{}\r\nx\r\n0\r\n\r\n", "a".repeat(n)).into_bytes());
        inputs.push(format!("0;a={}\r\n\r\n", "b".repeat(n)).into_bytes());
    }
    for n in MAX_TRAILER_LEN - 8..MAX_TRAILER_LEN + 3 {
        inputs.push(format!("0\r\nX:{}\r\n\r\n", "v".repeat(n)).into_bytes());
    }
    for n in MAX_SIZE_DIGITS - 2..MAX_SIZE_DIGITS + 2 {
        inputs.push(format!("{}1\r\nx\r\n0\r\n\r\n", "0".repeat(n)).into_bytes());
    }
    inputs.push(b"10000000000000000\r\n".to_vec());
    inputs.push(b"100001\r\n".to_vec());
    inputs.push(b"100000\r\n".to_vec());
    for input in &inputs {
        for end in [input.len(), input.len() - 1, input.len() / 2] {
            let part = &input[..end];
            if let Err(e) = chunked_differential(part) {
                panic!(
                    "{e}\non {} bytes: {:?}",
                    part.len(),
                    String::from_utf8_lossy(&part[..part.len().min(40)])
                );
            }
        }
    }
}
