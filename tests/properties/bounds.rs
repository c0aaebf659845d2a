//! Property 1: the parser and the chunked decoder never panic, never loop
//! (a watchdog fails a call that takes more than `support::HANG`), and
//! never report a position beyond their input: a complete head ends within
//! it, an error's offset is one of its bytes, a decoder consumes at most
//! what it was given (see `invariants::check_head`, `check_chunked`).
use harness::strategies::{chunked_body, http_noise, mutated, mutated_chunked_body, valid_request};
use proptest::prelude::*;

use crate::invariants::{check_chunked, check_head};
use crate::support::{bounded, config, corpus};

fn head(input: &[u8]) -> Result<(), String> {
    check_head(input).map(|_| ())
}

fn chunked(input: &[u8]) -> Result<(), String> {
    check_chunked(input).map(|_| ())
}

proptest! {
    #![proptest_config(config("proptest-regressions/bounds.txt"))]

    #[test]
    fn parser_stays_within_mutated_fixtures(m in mutated(corpus())) {
        bounded(&m.bytes, head).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn parser_stays_within_noise(bytes in http_noise(0..60)) {
        bounded(&bytes.0, head).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn parser_stays_within_valid_requests(req in valid_request()) {
        bounded(&req.to_bytes(), head).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn decoder_stays_within_mutated_bodies(body in mutated_chunked_body()) {
        bounded(&body.0, chunked).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn decoder_stays_within_noise(bytes in http_noise(0..60)) {
        bounded(&bytes.0, chunked).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn decoder_stays_within_valid_bodies(body in chunked_body()) {
        bounded(&body.to_bytes(), chunked).map_err(TestCaseError::fail)?;
    }
}
