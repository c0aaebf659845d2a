//! Body framing (RFC 9112 §6.3), the chunked decoder (§7.1), the request
//! plan (Host §3.2, persistence §9.3, Expect RFC 9110 §10.1.1) and the one
//! error-to-status mapping.
use rstest::rstest;
use server::framing::{body_kind, BodyKind, ChunkedDecoder, ErrorKind};
use server::parse::{parse_request, Config, Header, Status};
use server::request::plan;
use server::status::{status_for, RequestError};

/// Parses `head` (which must be a complete head) and plans it.
fn plan_of(head: &[u8]) -> Result<server::request::Plan, RequestError> {
    let mut slots = [Header::EMPTY; 32];
    let Ok(Status::Complete(req)) = parse_request(head, &mut slots, &Config::default()) else {
        panic!("{:?} did not parse", String::from_utf8_lossy(head));
    };
    plan(&req)
}

fn head(fields: &str) -> Vec<u8> {
    format!("POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n").into_bytes()
}

/// The status the server answers a head with.
fn status_of(head: &[u8]) -> u16 {
    match plan_of(head) {
        Ok(_) => 200,
        Err(e) => status_for(&e),
    }
}

#[rstest]
// §6.3 step 7: no CL, no TE: no body
#[case::none("", BodyKind::Empty)]
// §6.3 step 6
#[case::length("Content-Length: 42\r\n", BodyKind::Length(42))]
#[case::zero("Content-Length: 0\r\n", BodyKind::Length(0))]
// 1*DIGIT allows leading zeros
#[case::leading_zeros("Content-Length: 0042\r\n", BodyKind::Length(42))]
// §6.3 step 5: a list of identical values counts as one
#[case::same_twice("Content-Length: 7\r\nContent-Length: 7\r\n", BodyKind::Length(7))]
#[case::same_list("Content-Length: 7, 7\r\n", BodyKind::Length(7))]
#[case::max("Content-Length: 18446744073709551615\r\n", BodyKind::Length(u64::MAX))]
// §6.3 step 4, §7: chunked, case-insensitive, in a list, with empty elements
#[case::chunked("Transfer-Encoding: chunked\r\n", BodyKind::Chunked)]
#[case::chunked_upper("Transfer-Encoding: CHUNKED\r\n", BodyKind::Chunked)]
#[case::chunked_empty_elements("Transfer-Encoding: , chunked,\r\n", BodyKind::Chunked)]
fn body_kinds(#[case] fields: &str, #[case] kind: BodyKind) {
    let head = head(fields);
    let mut slots = [Header::EMPTY; 8];
    let Ok(Status::Complete(req)) = parse_request(&head, &mut slots, &Config::default()) else {
        panic!("did not parse");
    };
    assert_eq!(body_kind(&req), Ok(kind));
    assert_eq!(plan_of(&head).unwrap().body, kind);
}

#[rstest]
// §6.3 step 5: invalid Content-Length → 400
#[case::plus("Content-Length: +5\r\n", ErrorKind::ContentLength)]
#[case::minus("Content-Length: -5\r\n", ErrorKind::ContentLength)]
#[case::hex("Content-Length: 0x5\r\n", ErrorKind::ContentLength)]
#[case::underscore("Content-Length: 5_0\r\n", ErrorKind::ContentLength)]
#[case::inner_space("Content-Length: 5 0\r\n", ErrorKind::ContentLength)]
#[case::empty("Content-Length: \r\n", ErrorKind::ContentLength)]
#[case::decimal_point("Content-Length: 5.0\r\n", ErrorKind::ContentLength)]
#[case::differing(
    "Content-Length: 5\r\nContent-Length: 6\r\n",
    ErrorKind::ConflictingContentLength
)]
#[case::differing_list("Content-Length: 5, 6\r\n", ErrorKind::ConflictingContentLength)]
#[case::list_with_bad("Content-Length: 5, x\r\n", ErrorKind::ContentLength)]
#[case::empty_element("Content-Length: 5,\r\n", ErrorKind::ContentLength)]
#[case::overflow(
    "Content-Length: 18446744073709551616\r\n",
    ErrorKind::ContentLengthOverflow
)]
#[case::huge(
    "Content-Length: 99999999999999999999999999\r\n",
    ErrorKind::ContentLengthOverflow
)]
// §6.1: TE with CL → reject (and close)
#[case::te_and_cl(
    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    ErrorKind::TransferEncodingWithContentLength
)]
#[case::cl_and_te(
    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    ErrorKind::TransferEncodingWithContentLength
)]
// §6.3 step 4: chunked must be final
#[case::gzip_only("Transfer-Encoding: gzip\r\n", ErrorKind::ChunkedNotFinal)]
#[case::chunked_then_gzip("Transfer-Encoding: chunked, gzip\r\n", ErrorKind::ChunkedNotFinal)]
#[case::chunked_twice("Transfer-Encoding: chunked, chunked\r\n", ErrorKind::ChunkedNotFinal)]
#[case::chunked_two_lines(
    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    ErrorKind::ChunkedNotFinal
)]
#[case::te_empty("Transfer-Encoding: \r\n", ErrorKind::ChunkedNotFinal)]
#[case::te_quoted("Transfer-Encoding: \"chunked\"\r\n", ErrorKind::ChunkedNotFinal)]
#[case::te_misspelt("Transfer-Encoding: chunk\r\n", ErrorKind::ChunkedNotFinal)]
#[case::te_chunked_param("Transfer-Encoding: chunked;q=1\r\n", ErrorKind::ChunkedNotFinal)]
#[case::te_inner_space("Transfer-Encoding: chun ked\r\n", ErrorKind::ChunkedNotFinal)]
// RFC 9112 §7: a transfer-coding is a token; one that is not is malformed
// (400), not an unknown coding (501), even before a final chunked.
#[case::te_not_a_token_before_chunked(
    "Transfer-Encoding: gz ip, chunked\r\n",
    ErrorKind::ChunkedNotFinal
)]
#[case::te_parameters_without_coding(
    "Transfer-Encoding: ;a=b, chunked\r\n",
    ErrorKind::ChunkedNotFinal
)]
// §6.1: an unknown coding before chunked → 501
#[case::unknown_coding(
    "Transfer-Encoding: gzip, chunked\r\n",
    ErrorKind::UnknownTransferCoding
)]
fn bad_framing(#[case] fields: &str, #[case] kind: ErrorKind) {
    let head = head(fields);
    match plan_of(&head) {
        Err(RequestError::Framing(e)) => assert_eq!(e.kind(), kind),
        other => panic!("{fields:?}: {other:?}"),
    }
}

#[test]
fn transfer_encoding_in_http10_is_faulty_framing() {
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding: "treat the
    // message as if the framing is faulty".
    let e = plan_of(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap_err();
    assert_eq!(
        e,
        RequestError::Framing(server::framing::Error::new(
            ErrorKind::TransferEncodingInHttp10,
            0
        ))
    );
    assert_eq!(status_for(&e), 400);
}

#[rstest]
// RFC 9112 §3.2: "MUST respond with a 400 ... lacks a Host ... more than one Host ... invalid field value"
#[case::missing(b"GET / HTTP/1.1\r\n\r\n", 400)]
#[case::twice(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)]
#[case::twice_http10(b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400)]
#[case::list(b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400)]
#[case::space_inside(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400)]
#[case::userinfo(b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400)]
#[case::bad_port(b"GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n", 400)]
#[case::slash(b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400)]
#[case::bad_pct(b"GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", 400)]
#[case::unclosed_literal(b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400)]
#[case::ok(b"GET / HTTP/1.1\r\nHost: localhost:8000\r\n\r\n", 200)]
#[case::ok_ipv6(b"GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n", 200)]
#[case::ok_empty(b"GET / HTTP/1.1\r\nHost:\r\n\r\n", 200)]
#[case::ok_no_port_digits(b"GET / HTTP/1.1\r\nHost: a:\r\n\r\n", 200)]
#[case::ok_http10_without(b"GET / HTTP/1.0\r\n\r\n", 200)]
#[case::ok_absolute_form(b"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 200)]
// RFC 9110 §6.2 / §15.6.6: major version other than 1 → 505; 1.x → as 1.1
#[case::http2(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)]
#[case::http09(b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505)]
#[case::http12(b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", 200)]
#[case::http12_needs_host(b"GET / HTTP/1.2\r\n\r\n", 400)]
// RFC 9110 §10.1.1: unknown expectation → 417
#[case::expect_unknown(
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n",
    417
)]
#[case::expect_list(
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\nContent-Length: 1\r\n\r\n",
    417
)]
// limits and codings map through status_for
#[case::unknown_coding(
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br, chunked\r\n\r\n",
    501
)]
fn plan_status(#[case] head: &[u8], #[case] status: u16) {
    assert_eq!(
        status_of(head),
        status,
        "{:?}",
        String::from_utf8_lossy(head)
    );
}

#[rstest]
// RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive"
#[case::http11(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true)]
#[case::http11_close(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false)]
#[case::http11_close_in_list(
    b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, Close\r\n\r\n",
    false
)]
#[case::http11_close_second_line(
    b"GET / HTTP/1.1\r\nHost: a\r\nConnection: x\r\nConnection: close\r\n\r\n",
    false
)]
#[case::http10(b"GET / HTTP/1.0\r\n\r\n", false)]
#[case::http10_keep_alive(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true)]
#[case::http10_keep_alive_and_close(
    b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
    false
)]
fn persistence(#[case] head: &[u8], #[case] persistent: bool) {
    assert_eq!(plan_of(head).unwrap().persistent, persistent);
}

#[rstest]
#[case::continue_(
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
    true
)]
#[case::continue_case(
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n",
    true
)]
// No body to wait for: answer at once.
#[case::no_body(b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", false)]
#[case::zero_body(
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
    false
)]
// RFC 9110 §10.1.1: "MUST ignore that expectation" in HTTP/1.0
#[case::http10(
    b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
    false
)]
#[case::absent(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", false)]
fn expect_continue(#[case] head: &[u8], #[case] expected: bool) {
    assert_eq!(plan_of(head).unwrap().expect_continue, expected);
}

#[test]
fn parse_errors_map_to_their_status() {
    let cases: &[(&[u8], Config, u16)] = &[
        (
            b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            Config::default(),
            400,
        ),
        (
            b"GET /aaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n",
            Config {
                max_request_line_len: 10,
                ..Config::default()
            },
            414,
        ),
        (
            b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n",
            Config {
                max_header_count: 1,
                ..Config::default()
            },
            431,
        ),
        (
            b"GET / HTTP/1.1\r\nA: 1111111111111111111111111\r\n\r\n",
            Config {
                max_head_len: 24,
                ..Config::default()
            },
            431,
        ),
    ];
    for (input, config, status) in cases {
        let mut slots = [Header::EMPTY; 8];
        let e = parse_request(input, &mut slots, config).unwrap_err();
        assert_eq!(status_for(&RequestError::Parse(e)), *status, "{e}");
    }
    let too_large = RequestError::Framing(server::framing::Error::new(ErrorKind::BodyTooLarge, 0));
    assert_eq!(status_for(&too_large), 413);
}

/// Decodes `input` in one call.
fn decode_all(input: &[u8], max: u64) -> Result<(Vec<u8>, usize), server::framing::Error> {
    let mut d = ChunkedDecoder::new(max);
    let mut body = Vec::new();
    let out = d.decode(input, &mut body)?;
    assert!(out.done, "not done: {:?}", String::from_utf8_lossy(input));
    assert!(d.is_done());
    Ok((body, out.consumed))
}

#[rstest]
#[case::one_chunk(b"5\r\nhello\r\n0\r\n\r\n", b"hello")]
#[case::two_chunks(b"5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", b"hello!")]
#[case::empty(b"0\r\n\r\n", b"")]
// 1*HEXDIG, case-insensitive, leading zeros allowed
#[case::hex_upper(b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789")]
#[case::hex_lower(b"a\r\n0123456789\r\n0\r\n\r\n", b"0123456789")]
#[case::leading_zeros(b"0005\r\nhello\r\n000\r\n\r\n", b"hello")]
// §7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
#[case::ext_name(b"5;x\r\nhello\r\n0\r\n\r\n", b"hello")]
#[case::ext_token(b"5;x=y\r\nhello\r\n0;z=1\r\n\r\n", b"hello")]
#[case::ext_quoted(b"5;x=\"a \\\"b\\\" ;c\"\r\nhello\r\n0\r\n\r\n", b"hello")]
#[case::ext_bws(b"5 ; x = y ;z\r\nhello\r\n0\r\n\r\n", b"hello")]
#[case::ext_several(b"5;a;b=c;d=\"e\"\r\nhello\r\n0\r\n\r\n", b"hello")]
// §7.1.2: trailer fields
#[case::trailer(b"5\r\nhello\r\n0\r\nExpires: never\r\nX:\r\n\r\n", b"hello")]
// chunk data is opaque: CR, LF and NUL inside it are data
#[case::crlf_in_data(b"4\r\n\r\n\x00\n\r\n0\r\n\r\n", b"\r\n\x00\n")]
fn chunked_bodies(#[case] input: &[u8], #[case] body: &[u8]) {
    let (got, consumed) = decode_all(input, 1 << 20).unwrap();
    assert_eq!(got, body);
    assert_eq!(consumed, input.len());
}

#[rstest]
#[case::no_size(b"\r\nhello\r\n0\r\n\r\n", ErrorKind::ChunkSize)]
#[case::not_hex(b"g\r\n", ErrorKind::ChunkSize)]
#[case::plus(b"+5\r\nhello\r\n0\r\n\r\n", ErrorKind::ChunkSize)]
#[case::minus(b"-5\r\n", ErrorKind::ChunkSize)]
#[case::prefix_0x(b"0x5\r\nhello\r\n0\r\n\r\n", ErrorKind::ChunkSize)]
#[case::underscore(b"5_0\r\n", ErrorKind::ChunkSize)]
#[case::leading_space(b" 5\r\nhello\r\n0\r\n\r\n", ErrorKind::ChunkSize)]
#[case::overflow(b"10000000000000000\r\n", ErrorKind::ChunkSizeOverflow)]
#[case::too_many_digits(b"000000000000000000000000000000001\r\n", ErrorKind::ChunkSizeOverflow)]
// BWS only before ';'
#[case::trailing_space(b"5 \r\nhello\r\n0\r\n\r\n", ErrorKind::ChunkExtension)]
#[case::ext_empty_name(b"5;\r\nhello\r\n", ErrorKind::ChunkExtension)]
#[case::ext_bad_byte(b"5;x\x00\r\n", ErrorKind::ChunkExtension)]
#[case::ext_unclosed_quote(b"5;x=\"a\r\n", ErrorKind::ChunkExtension)]
#[case::ext_bare_lf(b"5;x\nhello\r\n0\r\n\r\n", ErrorKind::ChunkExtension)]
// §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
#[case::size_bare_cr(b"5\rhello\r\n0\r\n\r\n", ErrorKind::ChunkDelimiter)]
#[case::size_bare_lf(b"5\nhello\r\n0\r\n\r\n", ErrorKind::ChunkSize)]
#[case::data_too_long(b"5\r\nhello!\r\n0\r\n\r\n", ErrorKind::ChunkDelimiter)]
#[case::data_bare_lf(b"5\r\nhello\n0\r\n\r\n", ErrorKind::ChunkDelimiter)]
#[case::data_no_crlf(b"5\r\nhello0\r\n\r\n", ErrorKind::ChunkDelimiter)]
#[case::end_bare_lf(b"0\r\n\n", ErrorKind::Trailer)]
#[case::end_cr_then_x(b"0\r\n\rx", ErrorKind::ChunkDelimiter)]
// §7.1.2 and §5: trailer field syntax
#[case::trailer_obs_fold(b"0\r\nX: a\r\n b\r\n\r\n", ErrorKind::Trailer)]
#[case::trailer_space_before_colon(b"0\r\nX : a\r\n\r\n", ErrorKind::Trailer)]
#[case::trailer_no_colon(b"0\r\nX\r\n\r\n", ErrorKind::Trailer)]
#[case::trailer_nul(b"0\r\nX: \x00\r\n\r\n", ErrorKind::Trailer)]
#[case::trailer_bare_cr(b"0\r\nX: a\rb\r\n\r\n", ErrorKind::Trailer)]
fn malformed_chunked_bodies(#[case] input: &[u8], #[case] kind: ErrorKind) {
    let mut d = ChunkedDecoder::new(1 << 20);
    let mut body = Vec::new();
    let err = d.decode(input, &mut body).unwrap_err();
    assert_eq!(err.kind(), kind, "{:?}", String::from_utf8_lossy(input));
    assert!(err.offset() < input.len());
}

#[test]
fn chunked_body_limit_is_413_before_the_data_arrives() {
    // RFC 9110 §15.5.14: the size line alone proves the body too large.
    let mut d = ChunkedDecoder::new(10);
    let mut body = Vec::new();
    assert!(d.decode(b"5\r\nhello\r\n", &mut body).is_ok());
    let err = d.decode(b"6\r\n", &mut body).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::BodyTooLarge, 12));
    assert_eq!(body, b"hello");
    assert_eq!(
        decode_all(b"a\r\n0123456789\r\n0\r\n\r\n", 10)
            .unwrap()
            .0
            .len(),
        10
    );
}

#[test]
fn extension_and_trailer_lengths_are_bounded() {
    let long_ext = format!(
        "1;{}\r\n",
        "x".repeat(server::framing::chunked::MAX_EXTENSION_LEN + 1)
    );
    let err = ChunkedDecoder::new(100)
        .decode(long_ext.as_bytes(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ChunkExtension);
    let long_trailer = format!(
        "0\r\nX: {}\r\n\r\n",
        "v".repeat(server::framing::chunked::MAX_TRAILER_LEN)
    );
    let err = ChunkedDecoder::new(100)
        .decode(long_trailer.as_bytes(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Trailer);
}

#[test]
fn bytes_after_the_body_are_not_consumed() {
    let input = b"3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
    let (body, consumed) = decode_all(input, 100).unwrap();
    assert_eq!(body, b"abc");
    assert_eq!(&input[consumed..], b"GET / HTTP/1.1\r\n");
}

const CHUNKED: &[&[u8]] = &[
    b"5\r\nhello\r\n0\r\n\r\n",
    b"3;a=\"q;\\\"\" ;b\r\nabc\r\n10\r\n0123456789abcdef\r\n0;z\r\nT: v\r\nU:w \r\n\r\n",
    b"000\r\n\r\n",
];

/// The shotgun approach for the decoder: the input cut at every offset, and
/// fed one byte at a time, gives the same body and the same total consumed.
#[test]
fn chunked_split_anywhere_gives_the_same_body() {
    for input in CHUNKED {
        let (whole, consumed) = decode_all(input, 1 << 20).unwrap();
        for cut in 0..=input.len() {
            let mut d = ChunkedDecoder::new(1 << 20);
            let mut body = Vec::new();
            let a = d.decode(&input[..cut], &mut body).unwrap();
            assert_eq!(a.consumed, cut);
            assert_eq!(a.done, cut == input.len());
            let b = d.decode(&input[cut..], &mut body).unwrap();
            assert!(b.done);
            assert_eq!(
                (body.as_slice(), a.consumed + b.consumed),
                (whole.as_slice(), consumed)
            );
        }
        let mut d = ChunkedDecoder::new(1 << 20);
        let mut body = Vec::new();
        for byte in input.chunks(1) {
            d.decode(byte, &mut body).unwrap();
        }
        assert!(d.is_done());
        assert_eq!(body, whole);
    }
}

#[test]
fn chunked_errors_are_the_same_when_split() {
    let input = b"5\r\nhello\r\n5 x\r\n";
    let whole = ChunkedDecoder::new(100)
        .decode(input, &mut Vec::new())
        .unwrap_err();
    for cut in 0..=input.len() {
        let mut d = ChunkedDecoder::new(100);
        let mut body = Vec::new();
        let err = match d.decode(&input[..cut], &mut body) {
            Ok(_) => d.decode(&input[cut..], &mut body).unwrap_err(),
            Err(e) => e,
        };
        assert_eq!(err, whole, "cut at {cut}");
    }
}

/// An error page says what was wrong with the framing in words, and where.
#[test]
fn framing_errors_read_as_words() {
    let e = server::framing::Error::new(ErrorKind::ChunkSize, 7);
    assert_eq!(e.to_string(), "invalid chunk-size at body byte 7");
    assert_eq!(
        RequestError::Framing(e).describe(),
        "invalid chunk-size at body byte 7"
    );
    let out = server::conn::serve_bytes(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        &server::Config {
            log: false,
            ..server::Config::default()
        },
    );
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    assert!(out.contains("invalid chunk-size at body byte 0"), "{out}");
}
