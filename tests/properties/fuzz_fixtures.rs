//! Inputs kept from fuzzing (`fixtures/fuzz/*.http`, written by
//! `scripts/fuzz-to-fixture.sh`) hold every invariant and oracle the fuzz
//! targets check, on stable Rust, for ever. (`tests/replay.rs` also
//! replays them over TCP against their snapshots.)
use std::path::Path;

use crate::invariants::{check_chunked, check_connection, check_head, cut_points, Parsed};
use crate::oracle::{chunked_differential, differential, framing_differential};

#[test]
fn fuzz_fixtures_hold_every_invariant() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let fixtures = harness::fixture::load_all(&root).expect("load the fixtures");
    let mut failures = Vec::new();
    for f in fixtures.iter().filter(|f| f.name.starts_with("fuzz/")) {
        let bytes = &f.bytes;
        let body = match check_head(bytes) {
            Ok(Parsed::Complete(h)) => &bytes[h.head_len..],
            Ok(_) => &bytes[..0],
            Err(e) => {
                failures.push(format!("{}: parser: {e}", f.name));
                continue;
            }
        };
        let cuts: Vec<usize> = cut_points(bytes.len(), 8).collect();
        let checks = [
            (
                "chunked decoder on the body",
                check_chunked(body).map(|_| ()),
            ),
            (
                "chunked decoder on every byte",
                check_chunked(bytes).map(|_| ()),
            ),
            ("chunked grammar on the body", chunked_differential(body)),
            ("connection", check_connection(bytes, &cuts).map(|_| ())),
            ("httparse", differential(bytes).map(|_| ())),
            ("framing", framing_differential(bytes)),
        ];
        for (what, outcome) in checks {
            if let Err(e) = outcome {
                failures.push(format!("{}: {what}: {e}", f.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
