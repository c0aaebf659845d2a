//! The `ranges` cases against a server that gets ranges wrong on purpose:
//! it answers any request carrying `Range` with a 206 of one byte and no
//! `Content-Range`, whatever the method (HEAD included, content and all),
//! the unit, `If-Range` or `If-None-Match` say. Every case of the category must catch it.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use harness::case::{describe, load_all};
use harness::client::Options;
use harness::run::run_all;
use harness::verdict::Outcome;

mod common;
use common::start_server;

fn serve(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) else {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..end + length);
        let head_only = head.starts_with("head ");
        let response: &[u8] = match (head.contains("\r\nrange:"), head_only) {
            (true, false) => b"HTTP/1.1 206 Partial Content\r\nContent-Length: 1\r\n\r\no",
            // Content in answer to HEAD, too.
            (true, true) => b"HTTP/1.1 206 Partial Content\r\nContent-Length: 1\r\n\r\no",
            (false, false) => b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            (false, true) => b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
        };
        if stream.write_all(response).is_err() {
            return;
        }
    }
}

#[test]
fn a_server_that_answers_every_range_with_206_fails_the_range_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases");
    let cases = load_all(&root).unwrap_or_else(|errors| panic!("{}", describe(&errors)));
    let chosen: Vec<_> = cases
        .iter()
        .filter(|c| c.category == "ranges")
        .cloned()
        .collect();
    assert_eq!(chosen.len(), 8, "the ranges category");
    let results = run_all(
        start_server(serve),
        &chosen,
        &Options {
            timeout: Duration::from_millis(1000),
        },
        8,
    );
    let mut wrong = Vec::new();
    for r in &results {
        // A SHOULD case that matches no expect is a WARN.
        let want = if r.case.id == "unsatisfiable-range-416" {
            Outcome::Warn
        } else {
            Outcome::Fail
        };
        if r.verdict.outcome != want {
            wrong.push(format!(
                "{}: {} (want {want}): {}",
                r.case.id, r.verdict.outcome, r.verdict.reason
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
