//! The chunked decoder on any bytes (a body, after the head): bounded
//! consumption and offsets, the same outcome whole, byte by byte, or cut
//! anywhere (`tests/properties/invariants.rs`), and the same outcome as a
//! reading of RFC 9112 §7.1's grammar (`tests/properties/oracle.rs`).
#![no_main]

#[path = "../../tests/properties/invariants.rs"]
mod invariants;
#[path = "../../tests/properties/oracle.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = invariants::check_chunked(data) {
        panic!("chunked decoder: {e}");
    }
    if let Err(e) = oracle::chunked_differential(data) {
        panic!("grammar: {e}");
    }
});
