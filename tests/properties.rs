//! Property tests of the request parser, the chunked decoder and the
//! server, on requests generated from the RFC 9112 grammar, mutations of
//! the fixtures, and noise (`harness::strategies`).
//!
//! Each property is one module; the number of cases scales with
//! `PROPTEST_CASES` (256 by default; see the README for a long campaign),
//! and failing seeds are kept in `proptest-regressions/`.
//!
//! The checks themselves (`invariants`, `oracle`) are shared with the
//! cargo-fuzz targets in `fuzz/`, which include these files by path.

// Invariants any input must keep; shared with the fuzz targets.
#[path = "properties/invariants.rs"]
mod invariants;
// httparse and RFC 9112 §6.3 as second opinions; shared with the fuzz targets.
#[path = "properties/oracle.rs"]
mod oracle;
// Fixture corpus, case counts, watchdog, the shared TCP server.
#[path = "properties/support.rs"]
mod support;

// 1. The parser and the decoder never panic, never loop, never point past their input.
#[path = "properties/bounds.rs"]
mod bounds;
// 2. A generated valid request parses to exactly what generated it.
#[path = "properties/round_trip.rs"]
mod round_trip;
// 3. Any division of the bytes into pieces gives the result the whole gives.
#[path = "properties/split.rs"]
mod split;
// 4. Against httparse and the RFC's framing rules: agreement or a listed difference.
#[path = "properties/differential.rs"]
mod differential;
// 5. A mutated request never earns a 5xx or kills the server.
#[path = "properties/server.rs"]
mod server_level;
// Inputs kept from fuzzing (`fixtures/fuzz/`) hold every invariant.
#[path = "properties/fuzz_fixtures.rs"]
mod fuzz_fixtures;
