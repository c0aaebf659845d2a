//! Exact bytes of responses written through the writer with a fixed clock.
mod common;

use rstest::rstest;
use server::clock::FixedClock;
use server::response::{Body, Connection, Response, HTML};

fn written(r: &Response, head_only: bool) -> String {
    let mut out = Vec::new();
    r.write_to(&mut out, &FixedClock(common::example_time()), head_only)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn ok_with_body_exact_bytes() {
    let mut r = Response::ok(HTML, Body::Static(b"<p>hi</p>\n"));
    r.etag = Some("\"abc\"");
    r.last_modified = Some("Thu, 01 Jan 2026 00:00:00 GMT");
    assert_eq!(
        written(&r, false),
        "HTTP/1.1 200 OK\r\n\
         Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: 10\r\n\
         ETag: \"abc\"\r\n\
         Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n\
         \r\n\
         <p>hi</p>\n"
    );
}

/// RFC 9110 §9.3.2: HEAD gets the same fields, Content-Length included.
#[test]
fn head_only_keeps_content_length_and_drops_body() {
    let r = Response::ok("text/plain", Body::Owned(b"12345".to_vec()));
    assert_eq!(
        written(&r, true),
        "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
    );
}

/// RFC 9110 §8.6: no Content-Length in 1xx or 204; §15.4.5: 304 has no content.
#[rstest]
#[case(
    204,
    "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"
)]
#[case(
    304,
    "HTTP/1.1 304 Not Modified\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"
)]
#[case(
    200,
    "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n"
)]
fn bodiless_statuses(#[case] status: u16, #[case] want: &str) {
    let mut r = Response::empty(status);
    if status != 200 {
        // Even with content and a type set, none is written.
        r.body = Body::Static(b"ignored");
        r.content_type = Some("text/plain");
    }
    assert_eq!(written(&r, false), want);
}

#[rstest]
#[case(Connection::Close, "Connection: close\r\n")]
#[case(Connection::KeepAlive, "Connection: keep-alive\r\n")]
fn connection_field_comes_last(#[case] c: Connection, #[case] line: &str) {
    let mut r = Response::empty(200);
    r.allow = Some("GET");
    r.connection = c;
    assert_eq!(
        written(&r, false),
        format!("HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\nAllow: GET\r\n{line}\r\n")
    );
}

#[rstest]
#[case(400, "Bad Request")]
#[case(404, "Not Found")]
#[case(405, "Method Not Allowed")]
#[case(413, "Content Too Large")]
#[case(414, "URI Too Long")]
#[case(415, "Unsupported Media Type")]
#[case(417, "Expectation Failed")]
#[case(431, "Request Header Fields Too Large")]
#[case(500, "Internal Server Error")]
#[case(501, "Not Implemented")]
#[case(503, "Service Unavailable")]
#[case(505, "HTTP Version Not Supported")]
fn error_pages_name_the_status_and_escape_the_detail(#[case] status: u16, #[case] reason: &str) {
    let r = Response::error(status, "a <b> & \"c\"");
    let text = written(&r, false);
    assert!(
        text.starts_with(&format!("HTTP/1.1 {status} {reason}\r\n")),
        "{text}"
    );
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    assert!(text.contains(&format!("Content-Length: {}\r\n", body.len())));
    assert!(body.contains(&format!("{status} {reason}")));
    assert!(body.contains("a &lt;b&gt; &amp; &quot;c&quot;"), "{body}");
}

/// The same response and clock give the same bytes, every time.
#[test]
fn writing_is_reproducible() {
    let r = Response::error(404, "x");
    assert_eq!(written(&r, false), written(&r, false));
}

#[test]
fn continue_is_exact() {
    assert_eq!(server::response::CONTINUE, b"HTTP/1.1 100 Continue\r\n\r\n");
}
