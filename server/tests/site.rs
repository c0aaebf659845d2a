//! The site over real sockets: every route, method handling, the form,
//! and conditional requests.
mod common;

use common::{one, start};
use rstest::rstest;
use server::site;

#[rstest]
#[case::index("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "text/html; charset=utf-8")]
#[case::image("GET /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n", 200, "image/jpeg")]
#[case::query_ignored(
    "GET /?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
    200,
    "text/html; charset=utf-8"
)]
// RFC 9112 §3.2.2: a server MUST accept the absolute-form; its path is used.
#[case::absolute_form("GET http://a/test.jpg HTTP/1.1\r\nHost: a\r\n\r\n", 200, "image/jpeg")]
#[case::absolute_form_no_path(
    "GET http://a HTTP/1.1\r\nHost: a\r\n\r\n",
    200,
    "text/html; charset=utf-8"
)]
#[case::http10("GET / HTTP/1.0\r\n\r\n", 200, "text/html; charset=utf-8")]
#[case::missing(
    "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n",
    404,
    "text/html; charset=utf-8"
)]
fn get_routes(#[case] request: &str, #[case] status: u16, #[case] content_type: &str) {
    let server = start(common::config());
    let r = one(server.addr(), request.as_bytes());
    assert_eq!(r.status, status, "{}", r.head);
    assert_eq!(r.field("content-type"), Some(content_type));
    assert_eq!(
        r.field("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(!r.body.is_empty());
}

#[test]
fn index_has_title_picture_and_form() {
    let server = start(common::config());
    let r = one(server.addr(), b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let page = String::from_utf8(r.body).unwrap();
    assert!(page.contains("<title>"));
    assert!(page.contains("<p>"));
    assert!(page.contains("<img src=\"test.jpg\""));
    assert!(page.contains("<form method=\"post\" action=\"/\">"));
    assert!(page.contains("type=\"text\""));
    assert!(page.contains("type=\"submit\""));
}

#[test]
fn image_is_a_jpeg() {
    let server = start(common::config());
    let r = one(server.addr(), b"GET /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(r.field("content-type"), Some("image/jpeg"));
    // JPEG starts with SOI (FF D8 FF) and ends with EOI (FF D9).
    assert_eq!(&r.body[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(&r.body[r.body.len() - 2..], &[0xFF, 0xD9]);
    assert_eq!(r.body, site::TEST_JPG);
}

/// RFC 9110 §9.3.2: HEAD is GET without content; same status and fields.
#[rstest]
#[case("/")]
#[case("/test.jpg")]
#[case("/nope")]
fn head_equals_get_without_body(#[case] path: &str) {
    let server = start(common::config());
    let get = one(
        server.addr(),
        format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes(),
    );
    let head = one(
        server.addr(),
        format!("HEAD {path} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes(),
    );
    assert_eq!(head.head, get.head);
    assert!(head.body.is_empty());
    assert!(!get.body.is_empty());
}

#[test]
fn post_echoes_fields_escaped() {
    let server = start(common::config());
    let body = "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&greeting=hello+world&amp=a%26b";
    let req = format!(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = one(server.addr(), req.as_bytes());
    assert_eq!(r.status, 200, "{}", r.head);
    let page = String::from_utf8(r.body).unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>"));
    assert!(page.contains("hello world"));
    assert!(page.contains("a&amp;b"));
}

#[test]
fn post_with_chunked_body_is_decoded() {
    let server = start(common::config());
    let req = "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nname=\r\n3\r\nBob\r\n0\r\n\r\n";
    let r = one(server.addr(), req.as_bytes());
    assert_eq!(r.status, 200, "{}", r.head);
    assert!(String::from_utf8(r.body).unwrap().contains("Bob"));
}

#[rstest]
#[case::bad_percent("name=%zz", 400)]
#[case::truncated_percent("name=%4", 400)]
#[case::not_utf8("name=%FF", 400)]
#[case::empty("", 200)]
fn post_form_decoding(#[case] body: &str, #[case] status: u16) {
    let server = start(common::config());
    let req = format!(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = one(server.addr(), req.as_bytes());
    assert_eq!(r.status, status, "{}", r.head);
}

/// RFC 9110 §15.5.16: content in a format the resource does not take is 415.
#[rstest]
#[case::json(Some("application/json"))]
#[case::multipart(Some("multipart/form-data; boundary=x"))]
#[case::missing(None)]
fn post_with_wrong_media_type_is_415(#[case] content_type: Option<&str>) {
    let server = start(common::config());
    let ct = content_type.map_or(String::new(), |c| format!("Content-Type: {c}\r\n"));
    let req = format!("POST / HTTP/1.1\r\nHost: a\r\n{ct}Content-Length: 3\r\n\r\na=b");
    let r = one(server.addr(), req.as_bytes());
    assert_eq!(r.status, 415, "{}", r.head);
}

/// RFC 9110 §15.5.6: 405 MUST carry Allow; §15.6.2: unknown method is 501.
#[rstest]
#[case::put_index(
    "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    405,
    Some(site::ALLOW_INDEX)
)]
#[case::delete_image(
    "DELETE /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n",
    405,
    Some(site::ALLOW_IMAGE)
)]
#[case::post_image(
    "POST /test.jpg HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    405,
    Some(site::ALLOW_IMAGE)
)]
#[case::trace_index("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", 405, Some(site::ALLOW_INDEX))]
// RFC 9112 §3.2.3: CONNECT takes the authority-form only.
#[case::connect_origin_form("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400, None)]
#[case::connect_authority(
    "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
    405,
    Some(site::ALLOW_SERVER)
)]
#[case::unknown("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501, None)]
#[case::lower_case_get("get / HTTP/1.1\r\nHost: a\r\n\r\n", 501, None)]
fn methods(#[case] request: &str, #[case] status: u16, #[case] allow: Option<&str>) {
    let server = start(common::config());
    let r = one(server.addr(), request.as_bytes());
    assert_eq!(r.status, status, "{}", r.head);
    assert_eq!(r.field("allow"), allow);
}

/// RFC 9110 §9.3.7: OPTIONS describes what a resource (or `*`, the server)
/// allows; §8.6: a 200 here carries `Content-Length: 0`.
#[rstest]
#[case::asterisk("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", site::ALLOW_SERVER)]
#[case::index("OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n", site::ALLOW_INDEX)]
#[case::image("OPTIONS /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n", site::ALLOW_IMAGE)]
#[case::absolute_no_path("OPTIONS http://a HTTP/1.1\r\nHost: a\r\n\r\n", site::ALLOW_SERVER)]
fn options(#[case] request: &str, #[case] allow: &str) {
    let server = start(common::config());
    let r = one(server.addr(), request.as_bytes());
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(r.field("allow"), Some(allow));
    assert_eq!(r.field("content-length"), Some("0"));
}

/// RFC 9110 §13.1.2, §13.1.3, §15.4.5: conditional GET/HEAD.
#[rstest]
#[case::inm_exact("GET", "/", &format!("If-None-Match: {}", site::index_etag()), 304)]
#[case::inm_weak("GET", "/", &format!("If-None-Match: W/{}", site::index_etag()), 304)]
#[case::inm_list("GET", "/test.jpg", &format!("If-None-Match: \"x\", {}", site::image_etag()), 304)]
#[case::inm_star("HEAD", "/", "If-None-Match: *", 304)]
#[case::inm_other("GET", "/", "If-None-Match: \"nope\"", 200)]
#[case::inm_other_resource("GET", "/", &format!("If-None-Match: {}", site::image_etag()), 200)]
#[case::ims_later("GET", "/", "If-Modified-Since: Fri, 02 Jan 2026 00:00:00 GMT", 304)]
#[case::ims_equal("GET", "/test.jpg", &format!("If-Modified-Since: {}", site::LAST_MODIFIED), 304)]
#[case::ims_earlier("GET", "/", "If-Modified-Since: Wed, 31 Dec 2025 23:59:59 GMT", 200)]
#[case::ims_invalid("GET", "/", "If-Modified-Since: yesterday", 200)]
// §13.1.3: If-Modified-Since is ignored when If-None-Match is present.
#[case::inm_wins(
    "GET",
    "/",
    "If-None-Match: \"nope\"\r\nIf-Modified-Since: Fri, 02 Jan 2026 00:00:00 GMT",
    200
)]
// §13.1.2: for other methods a matching If-None-Match is 412.
#[case::inm_post(
    "POST",
    "/",
    "If-None-Match: *\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0",
    412
)]
#[case::if_match_fails("GET", "/", "If-Match: \"nope\"", 412)]
#[case::if_match_weak_fails("GET", "/", &format!("If-Match: W/{}", site::index_etag()), 412)]
// §13.1.4: If-Unmodified-Since is false when the resource changed after the
// date (412), true on or after it, ignored when invalid or under If-Match.
#[case::ius_earlier("GET", "/", "If-Unmodified-Since: Wed, 31 Dec 2025 23:59:59 GMT", 412)]
#[case::ius_equal("GET", "/test.jpg", &format!("If-Unmodified-Since: {}", site::LAST_MODIFIED), 200)]
#[case::ius_later("GET", "/", "If-Unmodified-Since: Fri, 02 Jan 2026 00:00:00 GMT", 200)]
#[case::ius_invalid("GET", "/", "If-Unmodified-Since: yesterday", 200)]
#[case::ius_under_if_match(
    "GET",
    "/",
    "If-Match: *\r\nIf-Unmodified-Since: Wed, 31 Dec 2025 23:59:59 GMT",
    200
)]
#[case::ius_post(
    "POST",
    "/",
    "If-Unmodified-Since: Wed, 31 Dec 2025 23:59:59 GMT\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0",
    412
)]
fn conditional(
    #[case] method: &str,
    #[case] path: &str,
    #[case] fields: &str,
    #[case] status: u16,
) {
    let server = start(common::config());
    let req = format!("{method} {path} HTTP/1.1\r\nHost: a\r\n{fields}\r\n\r\n");
    let r = one(server.addr(), req.as_bytes());
    assert_eq!(r.status, status, "{}", r.head);
    if status == 304 {
        assert!(r.field("date").is_some());
        assert!(r.field("etag").is_some());
        assert_eq!(r.field("content-length"), None);
        assert!(r.body.is_empty());
    }
}

#[test]
fn validators_are_present_and_stable() {
    let server = start(common::config());
    let a = one(server.addr(), b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let b = one(server.addr(), b"GET /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(a.field("etag"), Some(site::index_etag()));
    assert_eq!(b.field("etag"), Some(site::image_etag()));
    assert_ne!(site::index_etag(), site::image_etag());
    assert_eq!(a.field("last-modified"), Some(site::LAST_MODIFIED));
    // The constant is a valid IMF-fixdate (RFC 9110 §5.6.7).
    let t = httpdate::parse_http_date(site::LAST_MODIFIED).unwrap();
    assert_eq!(httpdate::fmt_http_date(t), site::LAST_MODIFIED);
}

#[rstest]
#[case::plain(b"a=1&b=2", &[("a", "1"), ("b", "2")])]
#[case::plus_and_percent(b"q=a+b%20c%2B", &[("q", "a b c+")])]
#[case::no_equals(b"flag&x=", &[("flag", ""), ("x", "")])]
#[case::empty_pairs(b"&&a=1&", &[("a", "1")])]
#[case::utf8(b"n=%C3%A9", &[("n", "\u{e9}")])]
fn decode_form_ok(#[case] body: &[u8], #[case] want: &[(&str, &str)]) {
    let got = site::decode_form(body).unwrap();
    let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(got, want);
}

#[rstest]
#[case(b"a=%", site::FormError::PercentEncoding)]
#[case(b"a=%G1", site::FormError::PercentEncoding)]
#[case(b"%C3=1", site::FormError::Utf8)]
fn decode_form_err(#[case] body: &[u8], #[case] want: site::FormError) {
    assert_eq!(site::decode_form(body), Err(want));
}

#[rstest]
#[case(b"application/x-www-form-urlencoded", true)]
#[case(b"Application/X-WWW-Form-Urlencoded ; charset=UTF-8", true)]
#[case(b"application/x-www-form-urlencodedx", false)]
#[case(b"text/plain", false)]
fn form_media_type(#[case] value: &[u8], #[case] want: bool) {
    assert_eq!(site::is_form_media_type(value), want);
}

#[rstest]
#[case("http://a/b?c", "/b?c")]
#[case("http://a:80", "")]
#[case("https://a?x", "?x")]
fn absolute_path(#[case] target: &str, #[case] path: &str) {
    assert_eq!(site::absolute_path(target), path);
}

// RFC 9110 §7.4: an origin server MUST reject a request whose target URI's
// scheme-specific requirements are not met; an "https" resource MUST be
// rejected unless the connection is secured. This one is plain TCP: 421.
#[rstest]
#[case::https("GET https://a/ HTTP/1.1\r\nHost: a\r\n\r\n")]
#[case::https_upper_case("GET HTTPS://a/test.jpg HTTP/1.1\r\nHost: a\r\n\r\n")]
#[case::https_options("OPTIONS https://a HTTP/1.1\r\nHost: a\r\n\r\n")]
#[case::other_scheme("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n")]
#[case::scheme_looking_like_authority("GET localhost:80 HTTP/1.1\r\nHost: a\r\n\r\n")]
fn absolute_form_other_than_http_is_misdirected(#[case] request: &str) {
    let server = start(common::config());
    let r = one(server.addr(), request.as_bytes());
    assert_eq!(r.status, 421, "{}", r.head);
    assert!(
        r.head.starts_with("HTTP/1.1 421 Misdirected Request\r\n"),
        "{}",
        r.head
    );
}

#[test]
fn absolute_form_http_upper_case_scheme_is_served() {
    let server = start(common::config());
    let r = one(
        server.addr(),
        b"GET HTTP://a/test.jpg HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert_eq!(r.status, 200, "{}", r.head);
}
