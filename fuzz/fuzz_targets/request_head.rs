//! The request-head parser on any bytes: the invariants of
//! `tests/properties/invariants.rs` (bounds, prefixes, bare-LF leniency),
//! httparse as a second opinion, and RFC 9112 §6.3 framing.
#![no_main]

#[path = "../../tests/properties/invariants.rs"]
mod invariants;
#[path = "../../tests/properties/oracle.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = invariants::check_head(data) {
        panic!("parser: {e}");
    }
    if let Err(e) = oracle::differential(data) {
        panic!("differential: {e}");
    }
    if let Err(e) = oracle::framing_differential(data) {
        panic!("framing: {e}");
    }
});
