//! Request heads the benchmarks parse: captured browser and client heads
//! from `fixtures/captures/`, and a minimal request.
//!
//! Shared by `benches/parse.rs` and `examples/parse-ratio.rs` (`#[path]`).
//! A folder with `mod.rs`, not `benches/heads.rs`: Cargo would build that
//! as a bench target of its own, with nothing in it.
use std::path::Path;

use server::parse::{parse_request, Config, Header, Status};

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
            let end = match parse_request(&bytes, &mut [Header::EMPTY; 100], &Config::default()) {
                Ok(Status::Complete(request)) => request.head_len,
                other => panic!("{} is not a whole head: {other:?}", path.display()),
            };
            (name.replace('/', "_"), bytes[..end].to_vec())
        })
        .collect();
    out.push(("minimal".into(), MINIMAL.to_vec()));
    out
}
