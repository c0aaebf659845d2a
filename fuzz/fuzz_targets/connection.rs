//! The whole connection state machine fed from a byte stream (one client's
//! bytes, then end of stream): no panic, no hang, well-formed responses,
//! no 5xx beyond 501 and 505, and the same answer when the stream is cut
//! into pieces (`tests/properties/invariants.rs`).
#![no_main]

#[path = "../../tests/properties/invariants.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let cuts: Vec<usize> = invariants::cut_points(data.len(), 4).collect();
    if let Err(e) = invariants::check_connection(data, &cuts) {
        panic!("connection: {e}");
    }
});
