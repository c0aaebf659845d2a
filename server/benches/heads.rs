//! Request heads the benchmarks parse: captured browser and client heads
//! from `fixtures/captures/`, and a minimal request.
//!
//! Shared by `benches/parse.rs` and `examples/parse-ratio.rs` (`#[path]`).
use std::path::Path;

/// The smallest valid HTTP/1.1 request: a request-line and Host.
pub const MINIMAL: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/// The captured heads compared, by name: `client/session/file`.
pub const CAPTURED: [&str; 8] = [
    "chromium/page-and-form/00-00-get-index",
    "chromium/page-and-form/00-01-get-test-jpg",
    "chromium/page-and-form/00-03-post-index",
    "firefox/page-and-form/00-00-get-index",
    "firefox/page-and-form/00-01-get-test-jpg",
    "firefox/page-and-form/00-03-post-index",
    "curl/get/00-00-get-index",
    "python-requests/get-and-multipart/00-00-get-index",
];

/// `(name, head)` for each of [`CAPTURED`] (the bytes up to and including
/// the empty line), then `minimal`.
pub fn heads() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/captures");
    let mut out: Vec<(String, Vec<u8>)> = CAPTURED
        .iter()
        .map(|name| {
            let path = root.join(format!("{name}.http"));
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let end = bytes
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| i + 4)
                .unwrap_or_else(|| panic!("{} has no end of head", path.display()));
            (name.replace('/', "_"), bytes[..end].to_vec())
        })
        .collect();
    out.push(("minimal".into(), MINIMAL.to_vec()));
    out
}
