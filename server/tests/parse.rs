//! The request-head parser, rule by rule. Each case names the RFC 9112 or
//! RFC 9110 section it checks; removing a rule from the parser makes its
//! case fail.
use rstest::rstest;
use server::parse::{
    parse_request, Config, ErrorKind, Header, Request, Status, TargetForm, Version,
};

fn parse_with<'b>(
    input: &'b [u8],
    config: &Config,
    slots: &'b mut [Header<'b>],
) -> Result<Status<Request<'b, 'b>>, server::parse::Error> {
    parse_request(input, slots, config)
}

/// Parses with the default (strict) configuration and returns the error kind.
fn error_of(input: &[u8], config: &Config) -> ErrorKind {
    let mut slots = [Header::EMPTY; 128];
    match parse_request(input, &mut slots, config) {
        Err(e) => {
            assert!(
                e.offset() <= input.len(),
                "offset {} beyond input",
                e.offset()
            );
            e.kind()
        }
        Ok(s) => panic!(
            "expected an error for {:?}, got {:?}",
            String::from_utf8_lossy(input),
            s
        ),
    }
}

#[rstest]
// §3: request-line = method SP request-target SP HTTP-version
#[case::simple(
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET",
    "/",
    TargetForm::Origin,
    Version::HTTP_11
)]
#[case::http10(
    b"GET / HTTP/1.0\r\n\r\n",
    "GET",
    "/",
    TargetForm::Origin,
    Version::HTTP_10
)]
// §2.3: any DIGIT.DIGIT parses; what it means is decided later (505 for 2.x)
#[case::version_2_0(b"GET / HTTP/2.0\r\n\r\n", "GET", "/", TargetForm::Origin, Version { major: 2, minor: 0 })]
#[case::version_1_9(b"GET / HTTP/1.9\r\nHost: a\r\n\r\n", "GET", "/", TargetForm::Origin, Version { major: 1, minor: 9 })]
// §3.1: method = token; case-sensitive, extension methods allowed
#[case::extension_method(
    b"PURGE! /x HTTP/1.1\r\nHost: a\r\n\r\n",
    "PURGE!",
    "/x",
    TargetForm::Origin,
    Version::HTTP_11
)]
#[case::lower_case_method(
    b"get / HTTP/1.1\r\nHost: a\r\n\r\n",
    "get",
    "/",
    TargetForm::Origin,
    Version::HTTP_11
)]
// §3.2.1: origin-form with query and pct-encoding
#[case::query(
    b"GET /a/b?c=d&e=%2F;f HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET",
    "/a/b?c=d&e=%2F;f",
    TargetForm::Origin,
    Version::HTTP_11
)]
// §3.2.2: "A server MUST accept the absolute-form in requests"
#[case::absolute(
    b"GET http://example.com:8080/p?q HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
    "GET",
    "http://example.com:8080/p?q",
    TargetForm::Absolute,
    Version::HTTP_11
)]
#[case::absolute_no_path(
    b"GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "GET",
    "http://example.com",
    TargetForm::Absolute,
    Version::HTTP_11
)]
#[case::absolute_ipv6(
    b"GET http://[::1]:80/ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
    "GET",
    "http://[::1]:80/",
    TargetForm::Absolute,
    Version::HTTP_11
)]
// §3.2.3: authority-form, only for CONNECT
#[case::authority(
    b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "CONNECT",
    "example.com:443",
    TargetForm::Authority,
    Version::HTTP_11
)]
// §3.2.4: asterisk-form, only for OPTIONS
#[case::asterisk(
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "OPTIONS",
    "*",
    TargetForm::Asterisk,
    Version::HTTP_11
)]
// §2.2: "SHOULD ignore at least one empty line (CRLF) received prior to the request-line"
#[case::leading_crlf(
    b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET",
    "/",
    TargetForm::Origin,
    Version::HTTP_11
)]
#[case::leading_crlfs(
    b"\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET",
    "/",
    TargetForm::Origin,
    Version::HTTP_11
)]
fn valid_request_lines(
    #[case] input: &[u8],
    #[case] method: &str,
    #[case] target: &str,
    #[case] form: TargetForm,
    #[case] version: Version,
) {
    let mut slots = [Header::EMPTY; 16];
    let Ok(Status::Complete(req)) = parse_request(input, &mut slots, &Config::default()) else {
        panic!("{:?} did not parse", String::from_utf8_lossy(input));
    };
    assert_eq!(
        (req.method, req.target, req.form, req.version),
        (method, target, form, version)
    );
    assert_eq!(req.head_len, input.len());
}

#[rstest]
// §5: field-line = field-name ":" OWS field-value OWS; OWS is not part of the value
#[case::ows_trimmed(b"X: \t a b \t \r\n", b"a b")]
#[case::no_ows(b"X:v\r\n", b"v")]
#[case::empty_value(b"X:\r\n", b"")]
#[case::only_ows(b"X:  \t \r\n", b"")]
// RFC 9110 §5.5: field-vchar includes obs-text
#[case::obs_text(b"X: caf\xc3\xa9\r\n", b"caf\xc3\xa9")]
#[case::inner_htab(b"X: a\tb\r\n", b"a\tb")]
fn field_values(#[case] field: &[u8], #[case] value: &[u8]) {
    let input = [b"GET / HTTP/1.1\r\n".as_slice(), field, b"\r\n"].concat();
    let mut slots = [Header::EMPTY; 4];
    let Ok(Status::Complete(req)) = parse_request(&input, &mut slots, &Config::default()) else {
        panic!("did not parse");
    };
    assert_eq!(req.headers, &[Header { name: "X", value }]);
}

#[test]
fn fields_keep_order_case_and_duplicates() {
    let input = b"GET / HTTP/1.1\r\nHost: a\r\nx-A: 1\r\nX-a: 2\r\nAccept: */*\r\n\r\nbody";
    let mut slots = [Header::EMPTY; 8];
    let Ok(Status::Complete(req)) = parse_request(input, &mut slots, &Config::default()) else {
        panic!("did not parse");
    };
    let got: Vec<_> = req.headers.iter().map(|h| (h.name, h.value)).collect();
    assert_eq!(
        got,
        [
            ("Host", &b"a"[..]),
            ("x-A", b"1"),
            ("X-a", b"2"),
            ("Accept", b"*/*")
        ]
    );
    assert_eq!(&input[req.head_len..], b"body");
}

#[rstest]
// §3: exactly one SP between elements
#[case::double_space_after_method(b"GET  / HTTP/1.1\r\n\r\n", ErrorKind::RequestLine)]
#[case::double_space_after_target(b"GET /  HTTP/1.1\r\n\r\n", ErrorKind::RequestLine)]
#[case::tab_separator(b"GET\t/ HTTP/1.1\r\n\r\n", ErrorKind::RequestLine)]
#[case::trailing_space(b"GET / HTTP/1.1 \r\n\r\n", ErrorKind::RequestLine)]
#[case::leading_space(b" GET / HTTP/1.1\r\n\r\n", ErrorKind::Method)]
#[case::missing_version(b"GET /\r\n\r\n", ErrorKind::RequestLine)]
#[case::http09(b"GET\r\n\r\n", ErrorKind::RequestLine)]
// §3.1: method = token
#[case::method_with_slash(b"GE/T / HTTP/1.1\r\n\r\n", ErrorKind::Method)]
#[case::method_nul(b"GE\x00T / HTTP/1.1\r\n\r\n", ErrorKind::Method)]
#[case::method_utf8(b"G\xc3\x89T / HTTP/1.1\r\n\r\n", ErrorKind::Method)]
// §3.2: request-target forms and bytes
#[case::target_nul(b"GET /\x00 HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_high_byte(b"GET /\xff HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_quote(b"GET /\"x HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_fragment(b"GET /a#b HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_backslash(b"GET /a\\b HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_bad_pct(b"GET /%zz HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_short_pct(b"GET /%2 HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_relative(b"GET a/b HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::target_brackets_in_path(b"GET /[x] HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::asterisk_not_options(b"GET * HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::authority_not_connect(b"GET [::1]:80 HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::authority_port_only(b"GET :80 HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::connect_origin_form(b"CONNECT / HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::connect_no_port(b"CONNECT example.com HTTP/1.1\r\n\r\n", ErrorKind::Target)]
// RFC 9110 §4.2.4: userinfo "SHOULD ... treat its presence as an error"
#[case::absolute_userinfo(b"GET http://u:p@example.com/ HTTP/1.1\r\n\r\n", ErrorKind::Target)]
// RFC 9110 §4.2.1: empty host "MUST reject it as invalid"
#[case::absolute_empty_host(b"GET http:///x HTTP/1.1\r\n\r\n", ErrorKind::Target)]
#[case::absolute_bad_port(b"GET http://a:8x/ HTTP/1.1\r\n\r\n", ErrorKind::Target)]
// §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive
#[case::version_lower(b"GET / http/1.1\r\n\r\n", ErrorKind::Version)]
#[case::version_two_digits(b"GET / HTTP/1.10\r\n\r\n", ErrorKind::Version)]
#[case::version_no_minor(b"GET / HTTP/1\r\n\r\n", ErrorKind::Version)]
#[case::version_letters(b"GET / HTTP/x.y\r\n\r\n", ErrorKind::Version)]
#[case::version_junk(b"GET / FOO/1.1\r\n\r\n", ErrorKind::Version)]
// §5.1: "MUST reject ... whitespace between a header field name and colon"
#[case::space_before_colon(
    b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    ErrorKind::WhitespaceBeforeColon
)]
#[case::tab_before_colon(
    b"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
    ErrorKind::WhitespaceBeforeColon
)]
// §5 and RFC 9110 §5.1: field-name = token
#[case::empty_name(b"GET / HTTP/1.1\r\n: a\r\n\r\n", ErrorKind::HeaderName)]
#[case::name_with_space(b"GET / HTTP/1.1\r\nX Y: a\r\n\r\n", ErrorKind::HeaderName)]
#[case::name_nul(b"GET / HTTP/1.1\r\nX\x00: a\r\n\r\n", ErrorKind::HeaderName)]
#[case::name_no_colon(b"GET / HTTP/1.1\r\nHost\r\n\r\n", ErrorKind::HeaderName)]
#[case::name_high_byte(b"GET / HTTP/1.1\r\nX\xff: a\r\n\r\n", ErrorKind::HeaderName)]
// §5.2: obs-fold is rejected
#[case::obs_fold_space(b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", ErrorKind::ObsFold)]
#[case::obs_fold_tab(b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", ErrorKind::ObsFold)]
// §2.2: whitespace between the start-line and the first field
#[case::space_after_start_line(
    b"GET / HTTP/1.1\r\n Host: a\r\n\r\n",
    ErrorKind::WhitespaceAfterStartLine
)]
// RFC 9110 §5.5: NUL and controls in values
#[case::value_nul(b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", ErrorKind::HeaderValue)]
#[case::value_vt(b"GET / HTTP/1.1\r\nX: a\x0bb\r\n\r\n", ErrorKind::HeaderValue)]
#[case::value_del(b"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", ErrorKind::HeaderValue)]
#[case::value_esc(b"GET / HTTP/1.1\r\nX: \x1b[0m\r\n\r\n", ErrorKind::HeaderValue)]
// §2.2: bare CR "MUST consider that element to be invalid"
#[case::bare_cr_in_value(b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", ErrorKind::BareCr)]
#[case::bare_cr_after_version(b"GET / HTTP/1.1\rX: a\r\n\r\n", ErrorKind::BareCr)]
#[case::bare_cr_end_of_head(b"GET / HTTP/1.1\r\nX: a\r\n\rx", ErrorKind::BareCr)]
#[case::bare_cr_leading(b"\rGET / HTTP/1.1\r\n\r\n", ErrorKind::BareCr)]
#[case::cr_in_target(b"GET /\r HTTP/1.1\r\n\r\n", ErrorKind::RequestLine)]
// §2.2: bare LF is a MAY; this server refuses it by default
#[case::bare_lf_request_line(b"GET / HTTP/1.1\nHost: a\r\n\r\n", ErrorKind::BareLf)]
#[case::bare_lf_field(b"GET / HTTP/1.1\r\nHost: a\n\r\n", ErrorKind::BareLf)]
#[case::bare_lf_end(b"GET / HTTP/1.1\r\nHost: a\r\n\n", ErrorKind::BareLf)]
#[case::bare_lf_leading(b"\nGET / HTTP/1.1\r\n\r\n", ErrorKind::BareLf)]
#[case::lf_in_target(b"GET /\n HTTP/1.1\r\n\r\n", ErrorKind::RequestLine)]
fn malformed_heads_are_rejected(#[case] input: &[u8], #[case] kind: ErrorKind) {
    assert_eq!(error_of(input, &Config::default()), kind);
}

#[rstest]
#[case::request_line(b"GET / HTTP/1.1\nHost: a\n\n".as_slice())]
#[case::leading(b"\nGET / HTTP/1.1\nHost: a\n\n".as_slice())]
#[case::mixed(b"GET / HTTP/1.1\r\nHost: a\n\r\n".as_slice())]
fn bare_lf_is_accepted_when_configured(#[case] input: &[u8]) {
    let config = Config {
        allow_bare_lf_line_endings: true,
        ..Config::default()
    };
    let mut slots = [Header::EMPTY; 4];
    let Ok(Status::Complete(req)) = parse_request(input, &mut slots, &config) else {
        panic!("did not parse");
    };
    assert_eq!(
        req.headers,
        &[Header {
            name: "Host",
            value: b"a"
        }]
    );
    assert_eq!(req.head_len, input.len());
    // Even so, a bare CR stays an error (RFC 9112 §2.2).
    assert_eq!(
        error_of(b"GET / HTTP/1.1\nX: a\rb\n\n", &config),
        ErrorKind::BareCr
    );
}

/// Limits: request-line → 414, head size and field count → 431 (via `status_for`).
#[test]
fn request_line_limit() {
    let config = Config {
        max_request_line_len: 32,
        ..Config::default()
    };
    let ok = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(32 - 15));
    assert!(
        matches!(
            parse_with(ok.as_bytes(), &config, &mut [Header::EMPTY; 1]),
            Ok(Status::Complete(_))
        ),
        "{ok}"
    );
    let at_limit = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(32 - 14));
    assert!(matches!(
        parse_with(at_limit.as_bytes(), &config, &mut [Header::EMPTY; 1]),
        Ok(Status::Complete(_))
    ));
    let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(32 - 13));
    // The limit counts the version too: here the line runs over inside it.
    let mut slots = [Header::EMPTY; 1];
    let err = parse_request(long.as_bytes(), &mut slots, &config).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (ErrorKind::RequestLineTooLong, 32)
    );
    // A long line is refused before it ends: no need to buffer it all.
    let prefix = format!("GET /{}", "a".repeat(100));
    assert_eq!(
        error_of(prefix.as_bytes(), &config),
        ErrorKind::RequestLineTooLong
    );
}

#[test]
fn head_size_limit() {
    let config = Config {
        max_head_len: 64,
        ..Config::default()
    };
    let fits = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(64 - 23));
    assert_eq!(fits.len(), 64);
    assert!(matches!(
        parse_with(fits.as_bytes(), &config, &mut [Header::EMPTY; 2]),
        Ok(Status::Complete(_))
    ));
    let over = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(64 - 22));
    assert_eq!(error_of(over.as_bytes(), &config), ErrorKind::HeadTooLarge);
    // A prefix at the limit is still partial; one byte more is the error.
    assert_eq!(
        parse_with(&over.as_bytes()[..64], &config, &mut [Header::EMPTY; 2]),
        Ok(Status::Partial)
    );
}

#[test]
fn header_count_limit() {
    let config = Config {
        max_header_count: 3,
        ..Config::default()
    };
    let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    assert!(matches!(
        parse_with(three, &config, &mut [Header::EMPTY; 8]),
        Ok(Status::Complete(_))
    ));
    let four = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    assert_eq!(error_of(four, &config), ErrorKind::TooManyHeaders);
    // Fewer slots than the limit: the slots are the limit.
    assert!(
        matches!(parse_with(three, &Config::default(), &mut [Header::EMPTY; 2]), Err(e) if e.kind() == ErrorKind::TooManyHeaders)
    );
}

#[test]
fn error_offsets_point_at_the_bad_byte() {
    let mut slots = [Header::EMPTY; 4];
    let input = b"GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n";
    let err = parse_request(input, &mut slots, &Config::default()).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::HeaderValue, 23));
    assert_eq!(err.to_string(), "invalid byte in field value at byte 23");
}

const VALID: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"\r\n\r\nPOST /form?x=1 HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b",
    b"OPTIONS * HTTP/1.0\r\nX:\r\nY: \t v \t\r\n\r\n",
    b"GET http://[::1]:8000/a%20b HTTP/1.1\r\nHost: [::1]:8000\r\nAccept: text/html,*/*;q=0.8\r\n\r\n",
];

const INVALID: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
    b"GET / HTTP/1.1\nHost: a\n\n",
    b"GET /%zz HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1 \r\n\r\n",
    b"GET / http/1.1\r\n\r\n",
];

/// The shotgun approach: every prefix of a valid head is Partial, and the
/// whole is Complete; every prefix of an invalid head is Partial or the
/// very error the whole gives.
#[test]
fn every_prefix_of_a_valid_head_is_partial() {
    let config = Config::default();
    for input in VALID {
        let mut slots = [Header::EMPTY; 16];
        let Ok(Status::Complete(whole)) = parse_request(input, &mut slots, &config) else {
            panic!("{:?} did not parse", String::from_utf8_lossy(input));
        };
        let whole = (
            whole.method,
            whole.target,
            whole.version,
            whole.head_len,
            whole.headers.to_vec(),
        );
        for cut in 0..whole.3 {
            let mut slots = [Header::EMPTY; 16];
            assert_eq!(
                parse_request(&input[..cut], &mut slots, &config),
                Ok(Status::Partial),
                "cut at {cut} of {:?}",
                String::from_utf8_lossy(input)
            );
        }
        for end in whole.3..=input.len() {
            let mut slots = [Header::EMPTY; 16];
            let Ok(Status::Complete(r)) = parse_request(&input[..end], &mut slots, &config) else {
                panic!("not complete at {end}");
            };
            assert_eq!(
                (
                    r.method,
                    r.target,
                    r.version,
                    r.head_len,
                    r.headers.to_vec()
                ),
                whole
            );
        }
    }
}

#[test]
fn every_prefix_of_an_invalid_head_is_partial_or_the_same_error() {
    let config = Config::default();
    for input in INVALID {
        let mut slots = [Header::EMPTY; 16];
        let whole = parse_request(input, &mut slots, &config).unwrap_err();
        let mut seen_error = false;
        for cut in 0..=input.len() {
            let mut slots = [Header::EMPTY; 16];
            match parse_request(&input[..cut], &mut slots, &config) {
                Ok(Status::Partial) => assert!(!seen_error, "partial after an error at {cut}"),
                Err(e) => {
                    assert_eq!(
                        e,
                        whole,
                        "cut at {cut} of {:?}",
                        String::from_utf8_lossy(input)
                    );
                    seen_error = true;
                }
                Ok(Status::Complete(_)) => panic!("prefix {cut} complete"),
            }
        }
    }
}

/// The method, the target and field names come back as `&str` without a
/// UTF-8 check (`parse::ascii`): a byte above 0x7F in any of them must be
/// refused, wherever it stands.
#[test]
fn non_ascii_never_reaches_a_str() {
    let base: &[u8] = b"GETX /a/b?c HTTP/1.1\r\nHost: h\r\nAccept-X: v\r\n\r\n";
    let text_at = [0, 2, 3, 5, 6, 8, 10, 22, 25, 31, 36, 38];
    for b in 0x80..=0xffu8 {
        for &i in &text_at {
            let mut input = base.to_vec();
            input[i] = b;
            let mut slots = [Header::EMPTY; 8];
            let got = parse_request(&input, &mut slots, &Config::default());
            assert!(got.is_err(), "byte {b:#x} at {i} accepted: {got:?}");
        }
    }
    // Where the bytes are ASCII, every str is the bytes sent.
    let mut slots = [Header::EMPTY; 8];
    let Ok(Status::Complete(req)) = parse_request(base, &mut slots, &Config::default()) else {
        panic!("base request rejected");
    };
    assert_eq!(
        (req.method, req.target, req.headers[1].name),
        ("GETX", "/a/b?c", "Accept-X")
    );
}

/// RFC 9110 §5.5: a field value is field-vchar, SP and HTAB. Every control
/// byte but HTAB, and DEL, is refused at its own offset wherever it stands
/// in a long value (the scan reads values eight and sixteen bytes at a
/// time, so each position in a word is tried); HTAB, SP and obs-text are
/// kept, and whitespace at the ends is not part of the value.
#[test]
fn every_control_in_a_long_value_is_refused_where_it_stands() {
    let value = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let head = |v: &[u8]| {
        let mut h = b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: ".to_vec();
        h.extend_from_slice(v);
        h.extend_from_slice(b"\r\n\r\n");
        h
    };
    let start = head(b"").len() - 4;
    let bad = (0u8..0x20).filter(|&b| b != b'\t' && b != b'\r' && b != b'\n');
    // Every length up to the whole value, so that each byte is tried in the
    // sixteen-byte loop, the eight-byte loop and the byte-by-byte tail.
    let lengths = 1..=value.len();
    for (b, len) in bad
        .chain([0x7f])
        .flat_map(|b| lengths.clone().map(move |n| (b, n)))
    {
        let value = &value[..len];
        for i in 0..value.len() {
            let mut v = value.to_vec();
            v[i] = b;
            let input = head(&v);
            let mut slots = [Header::EMPTY; 8];
            match parse_request(&input, &mut slots, &Config::default()) {
                Err(e) => assert_eq!(
                    (e.kind(), e.offset()),
                    (ErrorKind::HeaderValue, start + i),
                    "byte {b:#x} at {i}"
                ),
                other => panic!("byte {b:#x} at {i} accepted: {other:?}"),
            }
        }
    }
    for (b, len) in [b'\t', b' ', 0x80, 0xff]
        .into_iter()
        .flat_map(|b| (3..=value.len()).map(move |n| (b, n)))
    {
        let value = &value[..len];
        for i in 1..value.len() - 1 {
            let mut v = value.to_vec();
            v[i] = b;
            let input = head(&v);
            let mut slots = [Header::EMPTY; 8];
            let Ok(Status::Complete(req)) = parse_request(&input, &mut slots, &Config::default())
            else {
                panic!("byte {b:#x} at {i} refused");
            };
            assert_eq!(req.headers[1].value, &v[..]);
        }
    }
    let mut slots = [Header::EMPTY; 8];
    let input = head(b" \tpadded value\t \t");
    let Ok(Status::Complete(req)) = parse_request(&input, &mut slots, &Config::default()) else {
        panic!("padded value refused");
    };
    assert_eq!(req.headers[1].value, b"padded value");
}
