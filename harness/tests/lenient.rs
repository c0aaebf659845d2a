//! A deliberately naive HTTP/1.1 server turns named cases red.
//!
//! The server below is written the way a quick hand-rolled server often
//! is: it trims every field line and splits it at the first colon (so a
//! folded continuation line becomes a field of its own, and `Host :` is
//! accepted), frames every body by Content-Length alone (so a chunked body
//! can hide a second request), accepts a bare LF as a line end and sends
//! content in answer to HEAD. The harness must judge exactly those cases
//! FAIL and leave the cases it gets right alone. The ids used here are
//! listed in `fixtures/cases/README.md` ("Cases the harness's own tests
//! rely on").
use std::collections::BTreeMap;
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
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = Vec::new();
    loop {
        // Skip empty lines before a request line.
        while buf.first().is_some_and(|b| *b == b'\r' || *b == b'\n') {
            buf.remove(0);
        }
        let end = find(&buf, b"\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| find(&buf, b"\n\n").map(|i| i + 2));
        let Some(end) = end else {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let mut lines = head.lines();
        let request_line: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
        if request_line.len() != 3 {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        let (method, path) = (request_line[0], request_line[1]);
        let mut fields = BTreeMap::new();
        for line in lines {
            if let Some((name, value)) = line.trim().split_once(':') {
                fields.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = fields
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..end + length);
        let response: &[u8] = if path == "/" {
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        } else {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"
        };
        let _ = method; // HEAD is answered like GET, content and all.
        if stream.write_all(response).is_err() {
            return;
        }
        if fields.get("connection").is_some_and(|v| v == "close") {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn naive_server_fails_the_cases_it_gets_wrong_and_only_those() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases");
    let cases = load_all(&root).unwrap_or_else(|errors| panic!("{}", describe(&errors)));
    let expected = [
        ("space-before-colon-rejected", Outcome::Fail),
        ("obs-fold-connection-close", Outcome::Fail),
        ("te-cl-chunk-hides-request", Outcome::Fail),
        ("head-carries-no-content", Outcome::Fail),
        ("bare-lf-request", Outcome::Warn),
        ("two-gets-answered-in-order", Outcome::Pass),
        ("head-without-end-silent", Outcome::Pass),
    ];
    let chosen: Vec<_> = expected
        .iter()
        .map(|(id, _)| {
            cases
                .iter()
                .find(|c| c.id == *id)
                .unwrap_or_else(|| panic!("case {id} is missing from fixtures/cases"))
                .clone()
        })
        .collect();
    let addr = start_server(serve);
    let options = Options {
        timeout: Duration::from_millis(1000),
    };
    let results = run_all(addr, &chosen, &options, 8);
    let mut wrong = Vec::new();
    for (result, (id, want)) in results.iter().zip(expected) {
        if result.verdict.outcome != want {
            wrong.push(format!(
                "{id}: {} (want {want}): {}",
                result.verdict.outcome, result.verdict.reason
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // What the failures say: the statuses the naive server gave.
    let by_id = |id: &str| results.iter().find(|r| r.case.id == id).unwrap();
    assert_eq!(statuses(by_id("space-before-colon-rejected")), [200]);
    assert_eq!(
        statuses(by_id("te-cl-chunk-hides-request")),
        [200, 404, 400]
    );
    let warn = by_id("bare-lf-request");
    assert_eq!(
        warn.verdict.profile.as_deref(),
        Some("accepts bare LF as a line end")
    );
}

fn statuses(result: &harness::report::CaseResult) -> Vec<u16> {
    result
        .observation
        .responses
        .iter()
        .map(|r| r.status)
        .collect()
}
