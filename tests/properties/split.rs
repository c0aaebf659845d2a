//! Property 3: split invariance. A message is a sequence of octets; how
//! they are cut into reads is not part of it (RFC 9112 §2.1). Any division
//! of the bytes into pieces gives the result the whole gives:
//!
//! - the parser, re-run on the bytes so far after each piece, says
//!   `Partial` until it says exactly what it says for the whole;
//! - the chunked decoder, fed the pieces in turn, decodes the same
//!   content, consumes the same bytes, and fails at the same offset;
//! - the connection state machine, reading the pieces one by one in
//!   memory, writes the same bytes (interim 100 responses aside);
//! - the server over TCP, on a small sample, answers the same bytes.
use harness::replay::{exchange, Target};
use harness::strategies::{
    chunked_body, cut, http_noise, mutated, mutated_chunked_body, pieces, valid_request, Wire,
};
use proptest::prelude::*;

use crate::invariants::{check_connection, decode_pieces, parse, without_continue, Parsed};
use crate::support::{config, config_fraction, corpus, server_addr};

/// A request: generated valid, a mutated fixture, or noise.
fn request() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => valid_request().prop_map(|r| r.to_bytes()),
        3 => mutated(corpus()).prop_map(|m| m.bytes),
        1 => http_noise(0..40).prop_map(|w| w.0),
    ]
}

/// Some bytes and where to cut them.
fn with_cuts(bytes: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = (Wire, Vec<usize>)> {
    bytes.prop_flat_map(|b| {
        let len = b.len();
        (Just(Wire(b)), pieces(len, 8))
    })
}

/// A chunked body: generated valid, or mutated.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        chunked_body().prop_map(|b| b.to_bytes()),
        mutated_chunked_body().prop_map(|b| b.0),
    ]
}

proptest! {
    #![proptest_config(config("proptest-regressions/split.txt"))]

    #[test]
    fn parser_gives_the_same_head_however_the_bytes_are_cut((bytes, cuts) in with_cuts(request())) {
        let bytes = bytes.0;
        let whole = parse(&bytes);
        let mut end = 0;
        for piece in cut(&bytes, &cuts) {
            end += piece.len();
            let so_far = parse(&bytes[..end]);
            prop_assert!(
                so_far == Parsed::Partial || so_far == whole,
                "after {} bytes: {:?}; whole: {:?}", end, so_far, whole
            );
        }
    }

    #[test]
    fn decoder_gives_the_same_body_however_the_bytes_are_cut((bytes, cuts) in with_cuts(body())) {
        let bytes = bytes.0;
        let whole = decode_pieces(&[&bytes]).map_err(TestCaseError::fail)?;
        let split = decode_pieces(&cut(&bytes, &cuts)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(split, whole);
    }

    #[test]
    fn connection_answers_the_same_however_the_bytes_are_cut((bytes, cuts) in with_cuts(request())) {
        check_connection(&bytes.0, &cuts).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config_fraction("proptest-regressions/split_tcp.txt", 16, 8))]

    #[test]
    fn server_answers_the_same_over_tcp_however_the_bytes_are_cut(
        (bytes, cuts) in with_cuts(prop_oneof![
            valid_request().prop_map(|r| r.to_bytes()),
            mutated(corpus()).prop_map(|m| m.bytes),
        ])
    ) {
        let bytes = bytes.0;
        let target = Target::new(server_addr());
        let whole = exchange(&target, &[&bytes], target.pause)
            .map_err(|e| TestCaseError::fail(format!("whole: {e}")))?;
        let split = exchange(&target, &cut(&bytes, &cuts), target.pause)
            .map_err(|e| TestCaseError::fail(format!("cut at {cuts:?}: {e}")))?;
        let (split, whole) = (without_continue(&split), without_continue(&whole));
        prop_assert_eq!(String::from_utf8_lossy(&split), String::from_utf8_lossy(&whole));
    }
}
