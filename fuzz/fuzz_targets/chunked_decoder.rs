//! The chunked decoder on any bytes (a body, after the head): bounded
//! consumption and offsets, the same outcome whole, byte by byte, or cut
//! anywhere (`tests/properties/invariants.rs`).
#![no_main]

#[path = "../../tests/properties/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = invariants::check_chunked(data) {
        panic!("chunked decoder: {e}");
    }
});
