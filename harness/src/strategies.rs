//! proptest generators of HTTP/1.1 requests: valid ones built from the RFC
//! 9112 grammar, and mutations of real fixtures.
//!
//! - [`valid_request`] builds a [`GeneratedRequest`]: a method, one of the
//!   four request-target forms (RFC 9112 §3.2), a version, field lines with
//!   optional whitespace around their values (§5), and a body framed by
//!   Content-Length (§6.2) or chunked (§7.1, with extensions and trailers).
//!   It keeps what it generated, so a test can check that a parser gives
//!   back exactly that.
//! - [`chunked_body`] builds a chunked body alone, with its decoded content.
//! - [`mutated`] takes the bytes of real fixtures and applies a short list
//!   of [`Mutation`]s: byte flips, inserted CR / LF / NUL / SP / HTAB / VT,
//!   duplicated or swapped field lines, case changes, odd Content-Length
//!   values, Transfer-Encoding coding lists and chunk sizes, truncations. Shrinking drops mutations, so a
//!   failure shrinks to the fewest edits of one fixture.
//! - [`pieces`] cuts bytes into pieces, for split-invariance tests.
use std::fmt;
use std::ops::Range;

use proptest::prelude::*;
use proptest::sample::{select, Index};

use crate::render::escape;

/// Bytes that print escaped (`\r`, `\n`, `\xNN`), so a failing case reads
/// like the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Wire(pub Vec<u8>);

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", escape(&self.0).replace('\n', ""))
    }
}

/// Which of the four request-target forms a generated target has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `absolute-path [ "?" query ]` (RFC 9112 §3.2.1).
    Origin,
    /// `absolute-URI` (§3.2.2).
    Absolute,
    /// `uri-host ":" port`, with CONNECT (§3.2.3).
    Authority,
    /// `*`, with OPTIONS (§3.2.4).
    Asterisk,
}

/// One field line: `field-name ":" OWS field-value OWS` (RFC 9112 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// A token (RFC 9110 §5.1).
    pub name: String,
    /// Whitespace between the colon and the value.
    pub before: String,
    /// The value: field-vchar and obs-text, single SP or HTAB inside,
    /// never at either end (RFC 9110 §5.5).
    pub value: Wire,
    /// Whitespace between the value and CRLF.
    pub after: String,
}

impl Field {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(self.before.as_bytes());
        out.extend_from_slice(&self.value.0);
        out.extend_from_slice(self.after.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// One chunk: `chunk-size [ chunk-ext ] CRLF chunk-data CRLF` (RFC 9112 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The chunk-size as sent: hexadecimal, either case, maybe zero-padded.
    pub size: String,
    /// The chunk-ext as sent, possibly empty.
    pub ext: String,
    /// The chunk-data.
    pub data: Wire,
}

/// A chunked body (RFC 9112 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkedBody {
    /// The chunks before the last one.
    pub chunks: Vec<Chunk>,
    /// `last-chunk = 1*("0") [ chunk-ext ] CRLF`: the zeros and extension.
    pub last: String,
    /// The trailer section (§7.1.2).
    pub trailers: Vec<Field>,
}

impl ChunkedBody {
    /// The body's bytes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for c in &self.chunks {
            out.extend_from_slice(c.size.as_bytes());
            out.extend_from_slice(c.ext.as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&c.data.0);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(self.last.as_bytes());
        out.extend_from_slice(b"\r\n");
        for t in &self.trailers {
            t.write(&mut out);
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The content the body carries: its chunks' data, in order.
    pub fn content(&self) -> Vec<u8> {
        self.chunks.iter().flat_map(|c| c.data.0.clone()).collect()
    }
}

/// How a generated request's body is framed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body and no framing field.
    None,
    /// `Content-Length` and that many bytes.
    Length(Wire),
    /// `Transfer-Encoding: chunked` and a chunked body.
    Chunked(ChunkedBody),
}

/// A valid request and the parts it was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedRequest {
    /// Empty lines (CRLF) before the request-line (RFC 9112 §2.2).
    pub leading_empty_lines: usize,
    /// The method token.
    pub method: String,
    /// The request-target.
    pub target: String,
    /// The target's form.
    pub form: Form,
    /// `(major, minor)` of `HTTP/major.minor`.
    pub version: (u8, u8),
    /// Every field line in order, the framing field included.
    pub fields: Vec<Field>,
    /// The body.
    pub body: Body,
}

impl GeneratedRequest {
    /// The head: empty lines, request-line, field lines, final CRLF.
    pub fn head(&self) -> Vec<u8> {
        let mut out = b"\r\n".repeat(self.leading_empty_lines);
        let (major, minor) = self.version;
        out.extend_from_slice(
            format!("{} {} HTTP/{major}.{minor}\r\n", self.method, self.target).as_bytes(),
        );
        for f in &self.fields {
            f.write(&mut out);
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The body's bytes on the wire.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Body::None => Vec::new(),
            Body::Length(b) => b.0.clone(),
            Body::Chunked(c) => c.to_bytes(),
        }
    }

    /// The content the body carries (chunked decoded).
    pub fn content(&self) -> Vec<u8> {
        match &self.body {
            Body::None => Vec::new(),
            Body::Length(b) => b.0.clone(),
            Body::Chunked(c) => c.content(),
        }
    }

    /// The whole request on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.head();
        out.extend_from_slice(&self.body_bytes());
        out
    }
}

const TCHAR: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// `unreserved / sub-delims / ":" / "@"` (RFC 3986 §3.3): pchar without pct-encoded.
const PCHAR: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";
/// `unreserved / sub-delims` (RFC 3986 §3.2.2): reg-name without pct-encoded.
const REG_NAME: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=";

fn from_class(class: &'static [u8], len: Range<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(select(class), len).prop_map(|v| String::from_utf8(v).unwrap())
}

/// `token = 1*tchar` (RFC 9110 §5.6.2).
pub fn token(len: Range<usize>) -> impl Strategy<Value = String> {
    from_class(TCHAR, len)
}

/// A method: a registered one or any token (RFC 9110 §9.1).
pub fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(&["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"][..])
            .prop_map(str::to_owned),
        1 => token(1..12),
    ]
}

fn pct_encoded() -> impl Strategy<Value = String> {
    (
        select(&b"0123456789abcdefABCDEF"[..]),
        select(&b"0123456789abcdefABCDEF"[..]),
    )
        .prop_map(|(a, b)| format!("%{}{}", a as char, b as char))
}

/// `*( pchar / "/" / "?" )` pieces: a path segment or query text.
fn pchars(len: Range<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![8 => from_class(PCHAR, 1..4), 1 => pct_encoded()],
        len,
    )
    .prop_map(|v| v.concat())
}

/// `absolute-path [ "?" query ]` (RFC 9112 §3.2.1).
pub fn origin_form() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(pchars(0..4), 1..5),
        proptest::option::of(proptest::collection::vec(
            prop_oneof![pchars(0..3), Just("/".into()), Just("?".into())],
            0..4,
        )),
    )
        .prop_map(|(segments, query)| {
            let mut t = String::new();
            for s in segments {
                t.push('/');
                t.push_str(&s);
            }
            if let Some(q) = query {
                t.push('?');
                t.push_str(&q.concat());
            }
            t
        })
}

/// `host [ ":" port ]` with a reg-name, IPv4 or IPv6 host (RFC 3986 §3.2.2).
pub fn authority(need_port: bool) -> impl Strategy<Value = String> {
    let host = prop_oneof![
        4 => proptest::collection::vec(
            prop_oneof![6 => from_class(REG_NAME, 1..4), 1 => pct_encoded()],
            1..4,
        )
        .prop_map(|v| v.concat()),
        1 => (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        1 => select(&["[::1]", "[2001:db8::7]", "[fe80::1:2]", "[::ffff:127.0.0.1]"][..])
            .prop_map(str::to_owned),
    ];
    let port = if need_port {
        (0u32..70000).prop_map(|p| Some(p.to_string())).boxed()
    } else {
        proptest::option::of((0u32..70000).prop_map(|p| p.to_string())).boxed()
    };
    (host, port).prop_map(|(h, p)| match p {
        Some(p) => format!("{h}:{p}"),
        None => h,
    })
}

/// `absolute-URI` with an `http` or `https` authority (RFC 9112 §3.2.2).
pub fn absolute_form() -> impl Strategy<Value = String> {
    (
        select(&["http", "https", "HTTP", "Https"][..]),
        authority(false),
        proptest::option::of(origin_form()),
    )
        .prop_map(|(scheme, auth, path)| format!("{scheme}://{auth}{}", path.unwrap_or_default()))
}

/// A method and a target of a form that method may use (RFC 9112 §3.2).
pub fn method_and_target() -> impl Strategy<Value = (String, String, Form)> {
    let not_connect = || method().prop_filter("CONNECT needs authority-form", |m| m != "CONNECT");
    prop_oneof![
        6 => (not_connect(), origin_form()).prop_map(|(m, t)| (m, t, Form::Origin)),
        2 => (not_connect(), absolute_form()).prop_map(|(m, t)| (m, t, Form::Absolute)),
        1 => authority(true).prop_map(|t| ("CONNECT".into(), t, Form::Authority)),
        1 => Just(("OPTIONS".into(), "*".into(), Form::Asterisk)),
    ]
}

/// `OWS = *( SP / HTAB )`.
pub fn ows() -> impl Strategy<Value = String> {
    select(&["", "", " ", "\t", "  ", " \t "][..]).prop_map(str::to_owned)
}

/// A field value: words of field-vchar or obs-text (RFC 9110 §5.5) joined
/// by one SP or HTAB, never white space at either end; possibly empty.
pub fn field_value() -> impl Strategy<Value = Wire> {
    let vchar = prop_oneof![12 => 0x21u8..=0x7e, 1 => 0x80u8..=0xff];
    let word = proptest::collection::vec(vchar, 1..8);
    proptest::collection::vec((word, select(&[b' ', b'\t'][..])), 0..4).prop_map(|words| {
        let mut v = Vec::new();
        for (i, (w, sep)) in words.into_iter().enumerate() {
            if i > 0 {
                v.push(sep);
            }
            v.extend(w);
        }
        Wire(v)
    })
}

/// A field line whose name does not affect framing.
pub fn field() -> impl Strategy<Value = Field> {
    (token(1..16), ows(), field_value(), ows())
        .prop_filter("framing fields are added on purpose", |(n, ..)| {
            !n.eq_ignore_ascii_case("content-length")
                && !n.eq_ignore_ascii_case("transfer-encoding")
        })
        .prop_map(|(name, before, value, after)| Field {
            name,
            before,
            value,
            after,
        })
}

/// `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`
/// (RFC 9112 §7.1.1), values as token or quoted-string.
pub fn chunk_ext() -> impl Strategy<Value = String> {
    let bws = select(&["", "", " ", "\t"][..]);
    let quoted = proptest::collection::vec(
        prop_oneof![
            8 => select(&b" \t!#$%&'()*+,-./0123456789:;<=>?@AZaz[]^_`{|}~"[..])
                .prop_map(|b| (b as char).to_string()),
            1 => select(&["\\\"", "\\\\", "\\a"][..]).prop_map(str::to_owned),
        ],
        0..6,
    )
    .prop_map(|v| format!("\"{}\"", v.concat()));
    let value = proptest::option::of(prop_oneof![token(1..6), quoted]);
    let one = (
        bws.clone(),
        bws.clone(),
        token(1..8),
        bws.clone(),
        bws,
        value,
    )
        .prop_map(|(b1, b2, name, b3, b4, value)| match value {
            Some(v) => format!("{b1};{b2}{name}{b3}={b4}{v}"),
            None => format!("{b1};{b2}{name}"),
        });
    proptest::collection::vec(one, 0..3).prop_map(|v| v.concat())
}

/// A chunk-size for `len`: hexadecimal in either case, maybe zero-padded.
fn chunk_size(len: usize) -> impl Strategy<Value = String> {
    (0usize..3, any::<bool>()).prop_map(move |(zeros, upper)| {
        let hex = if upper {
            format!("{len:X}")
        } else {
            format!("{len:x}")
        };
        format!("{}{hex}", "0".repeat(zeros))
    })
}

/// A trailer field: `field-name ":" OWS field-value OWS` (RFC 9112 §7.1.2).
pub fn trailer() -> impl Strategy<Value = Field> {
    (token(1..10), ows(), field_value(), ows()).prop_map(|(name, before, value, after)| Field {
        name,
        before,
        value,
        after,
    })
}

/// A chunked body with extensions and trailers (RFC 9112 §7.1).
pub fn chunked_body() -> impl Strategy<Value = ChunkedBody> {
    let chunk = proptest::collection::vec(any::<u8>(), 1..40).prop_flat_map(|data| {
        (chunk_size(data.len()), chunk_ext(), Just(Wire(data)))
            .prop_map(|(size, ext, data)| Chunk { size, ext, data })
    });
    (
        proptest::collection::vec(chunk, 0..5),
        (1usize..4, chunk_ext()).prop_map(|(zeros, ext)| format!("{}{ext}", "0".repeat(zeros))),
        proptest::collection::vec(trailer(), 0..3),
    )
        .prop_map(|(chunks, last, trailers)| ChunkedBody {
            chunks,
            last,
            trailers,
        })
}

/// Ways to say that `chunked` is the one transfer coding: coding names
/// are case-insensitive (RFC 9112 §7), and a list may hold empty elements,
/// which a recipient must accept (RFC 9110 §5.6.1).
pub const CHUNKED_SPELLINGS: &[&str] = &[
    "chunked",
    "Chunked",
    "CHUNKED",
    "cHuNkEd",
    ", chunked",
    "chunked,",
    " ,\t, chunked , ",
    ",,chunked",
];

/// The framing field for `body`, with its name in one of three cases and
/// OWS around its value; `None` for no body. A chunked body's field says
/// `chunked` as `spelling` does.
fn framing_field(
    body: &Body,
    case: usize,
    spelling: &str,
    before: String,
    after: String,
) -> Option<Field> {
    let (name, value) = match body {
        Body::None => return None,
        Body::Length(b) => ("Content-Length", b.0.len().to_string()),
        Body::Chunked(_) => (
            "Transfer-Encoding",
            spelling.trim_matches([' ', '\t']).to_owned(),
        ),
    };
    Some(Field {
        name: match case {
            0 => name.to_owned(),
            1 => name.to_ascii_lowercase(),
            _ => name.to_ascii_uppercase(),
        },
        before,
        value: Wire(value.into_bytes()),
        after,
    })
}

/// A valid request: method, target, version, a Host field, other fields,
/// and a body framed by Content-Length or (HTTP/1.1 and later) chunked.
///
/// Built from one flat tuple with no `prop_flat_map`, so a failure shrinks
/// part by part: fewer fields, a shorter body, a simpler target.
pub fn valid_request() -> impl Strategy<Value = GeneratedRequest> {
    let version = prop_oneof![
        6 => Just((1u8, 1u8)),
        2 => Just((1, 0)),
        1 => (0u8..10, 0u8..10),
    ];
    let body = prop_oneof![
        2 => Just(Body::None),
        2 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| Body::Length(Wire(b))),
        2 => chunked_body().prop_map(Body::Chunked),
    ];
    (
        0usize..3,
        method_and_target(),
        version,
        (authority(false), ows()),
        proptest::collection::vec(field(), 0..8),
        body,
        (
            any::<Index>(),
            0usize..3,
            select(CHUNKED_SPELLINGS),
            ows(),
            ows(),
        ),
    )
        .prop_map(
            |(
                empty,
                (method, target, form),
                version,
                (host, host_ows),
                mut fields,
                body,
                framing,
            )| {
                // RFC 9112 §6.1: chunked needs HTTP/1.1; an HTTP/1.0 request
                // carries the same bytes by Content-Length instead.
                let body = match body {
                    Body::Chunked(c) if version < (1, 1) => Body::Length(Wire(c.to_bytes())),
                    other => other,
                };
                // The framing field anywhere among the others, the Host
                // field first (RFC 9110 §7.2: "SHOULD ... as the first field line").
                let (at, case, spelling, before, after) = framing;
                fields.retain(|f| !f.name.eq_ignore_ascii_case("host"));
                if let Some(f) = framing_field(&body, case, spelling, before, after) {
                    fields.insert(at.index(fields.len() + 1), f);
                }
                fields.insert(
                    0,
                    Field {
                        name: "Host".into(),
                        before: host_ows,
                        value: Wire(host.into_bytes()),
                        after: String::new(),
                    },
                );
                GeneratedRequest {
                    leading_empty_lines: empty,
                    method,
                    target,
                    form,
                    version,
                    fields,
                    body,
                }
            },
        )
}

/// One edit of a request's bytes.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// XOR the byte at a position with a non-zero mask.
    FlipByte(Index, u8),
    /// Insert one of CR, LF, NUL, SP, HTAB, VT.
    Insert(Index, u8),
    /// Remove a byte.
    Remove(Index),
    /// Repeat a field line right after itself.
    DuplicateField(Index),
    /// Swap two field lines.
    SwapFields(Index, Index),
    /// Toggle the ASCII case of a run of bytes.
    ToggleCase(Index, usize),
    /// Replace the Content-Length value (or add the field) with this text.
    ContentLength(String),
    /// Replace the Transfer-Encoding value (or add the field) with this text.
    TransferEncoding(String),
    /// Replace one chunk-size of a chunked body with this text.
    ChunkSize(Index, String),
    /// Cut the request at a position.
    Truncate(Index),
}

/// Bytes a mutation inserts: CR, LF, NUL, SP, HTAB, VT.
pub const INSERTED: &[u8] = b"\r\n\0 \t\x0b";

/// Digits and signs for Content-Length values and chunk sizes: valid
/// numbers, signs, hexadecimal, white space, lists, overflow.
pub fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "+5",
                "-1",
                "-0",
                "0x10",
                "1e3",
                "5 5",
                " 5",
                "5,5",
                "5, 6",
                "007",
                "0",
                "",
                "18446744073709551616",
                "99999999999999999999999",
                "5.0",
                "\t3",
                "1_0",
                "fffffffffffffffff",
                "+0",
                "0;",
                "5\x0b",
            ][..]
        )
        .prop_map(str::to_owned),
        (
            proptest::option::of(select(&["+", "-", " ", "0x", "0"][..])),
            0u64..2000
        )
            .prop_map(|(sign, n)| format!("{}{n}", sign.unwrap_or_default())),
    ]
}

/// Transfer-Encoding values: lists of known and unknown codings in any
/// case, with parameters, empty elements and whitespace (RFC 9112 §6.1,
/// §7; RFC 9110 §5.6.1), so that "chunked is the final coding" is tested
/// against more than one spelling.
pub fn coding_list() -> impl Strategy<Value = String> {
    let name = || {
        select(
            &[
                "chunked", "Chunked", "CHUNKED", "identity", "gzip", "x-gzip", "deflate",
                "compress", "br", "chunk", "chunked2", "",
            ][..],
        )
    };
    let param = || select(&["", "", "", ";q=1", " ;a=b", ";", "; x=\"y\""][..]);
    let coding = move || (name(), param()).prop_map(|(name, param)| format!("{name}{param}"));
    let separator = || select(&[",", ", ", " ,", ",\t", " , ", ",,"][..]);
    let chunked = || select(&["chunked", "Chunked", "CHUNKED"][..]);
    let list = (
        proptest::collection::vec((coding(), separator()), 1..5),
        select(&["", " ", "\t"][..]),
    )
        .prop_map(|(items, pad)| {
            let mut out = pad.to_owned();
            for (i, (coding, sep)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                out.push_str(coding);
            }
            out
        });
    prop_oneof![
        2 => list,
        // Something after chunked: §6.3 step 4, 400.
        1 => (chunked(), separator(), coding()).prop_map(|(c, s, o)| format!("{c}{s}{o}")),
        // Something before chunked: a coding this server does not know (501) or
        // a malformed one (400).
        1 => (coding(), separator(), chunked()).prop_map(|(o, s, c)| format!("{o}{s}{c}")),
    ]
}

/// A mutation, weighted towards the edits that find parser bugs.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::FlipByte(i, m)),
        4 => (any::<Index>(), select(INSERTED)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<Index>().prop_map(Mutation::Remove),
        2 => any::<Index>().prop_map(Mutation::DuplicateField),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapFields(a, b)),
        2 => (any::<Index>(), 1usize..12).prop_map(|(i, n)| Mutation::ToggleCase(i, n)),
        3 => number_text().prop_map(Mutation::ContentLength),
        3 => coding_list().prop_map(Mutation::TransferEncoding),
        2 => (any::<Index>(), number_text()).prop_map(|(i, s)| Mutation::ChunkSize(i, s)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// A fixture with mutations applied.
#[derive(Clone)]
pub struct Mutated {
    /// The fixture's name.
    pub source: String,
    /// The edits, in the order applied.
    pub mutations: Vec<Mutation>,
    /// The resulting bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Mutated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutated")
            .field("source", &self.source)
            .field("mutations", &self.mutations)
            .field("bytes", &Wire(self.bytes.clone()))
            .finish()
    }
}

/// Fixtures (name, bytes) with 1 to 4 mutations each.
pub fn mutated(corpus: Vec<(String, Vec<u8>)>) -> impl Strategy<Value = Mutated> {
    assert!(!corpus.is_empty(), "no fixtures to mutate");
    (select(corpus), proptest::collection::vec(mutation(), 1..5)).prop_map(
        |((source, bytes), mutations)| {
            let mut bytes = bytes;
            for m in &mutations {
                apply(&mut bytes, m);
            }
            Mutated {
                source,
                mutations,
                bytes,
            }
        },
    )
}

/// A chunked body (its bytes) with 1 to 4 mutations.
pub fn mutated_chunked_body() -> impl Strategy<Value = Wire> {
    (chunked_body(), proptest::collection::vec(mutation(), 1..5)).prop_map(|(body, mutations)| {
        let mut bytes = body.to_bytes();
        for m in &mutations {
            apply_at(&mut bytes, m, 0);
        }
        Wire(bytes)
    })
}

/// The end of the head: just past the first CRLF CRLF, or the whole length.
fn head_end(bytes: &[u8]) -> usize {
    crate::http::crlf_head_len(bytes).unwrap_or(bytes.len())
}

/// The field lines of the head, CRLF included: `(start, end)` pairs.
fn field_lines(bytes: &[u8]) -> Vec<Range<usize>> {
    let end = head_end(bytes);
    let mut lines = Vec::new();
    let mut start = match bytes[..end].windows(2).position(|w| w == b"\r\n") {
        Some(i) => i + 2,
        None => return lines,
    };
    while start < end {
        let Some(i) = bytes[start..end].windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        if i == 0 {
            break;
        }
        lines.push(start..start + i + 2);
        start += i + 2;
    }
    lines
}

/// Where the chunk-size digits of a chunked body start and end, if the
/// bytes after the head read as one.
fn chunk_sizes(bytes: &[u8], body_start: usize) -> Vec<Range<usize>> {
    let mut pos = body_start;
    let mut sizes = Vec::new();
    while pos < bytes.len() {
        let digits = bytes[pos..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if digits == 0 {
            break;
        }
        let Ok(size) =
            usize::from_str_radix(std::str::from_utf8(&bytes[pos..pos + digits]).unwrap(), 16)
        else {
            break;
        };
        sizes.push(pos..pos + digits);
        let Some(eol) = bytes[pos..].windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        if size == 0 {
            break;
        }
        pos += eol + 2 + size + 2;
    }
    sizes
}

/// Applies one mutation to a request in place; one that finds nothing to
/// edit (no field lines, no chunks) leaves the bytes alone.
pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let body_start = head_end(bytes);
    apply_at(bytes, m, body_start)
}

/// Sets the value of the first field line called `name` (ASCII
/// case-insensitive, no whitespace before the colon) to ` {text}`, or else
/// adds `name: text` before the first field line. A head with no field
/// line is left as it is.
fn set_field(bytes: &mut Vec<u8>, name: &str, text: &str) {
    let prefix = format!("{}:", name.to_ascii_lowercase()).into_bytes();
    let lines = field_lines(bytes);
    let found = lines.iter().find(|l| {
        bytes[l.start..l.end]
            .to_ascii_lowercase()
            .starts_with(&prefix)
    });
    match found {
        Some(l) => {
            let value = l.start + prefix.len();
            bytes.splice(value..l.end - 2, format!(" {text}").into_bytes());
        }
        None => {
            if let Some(first) = lines.first() {
                let at = first.start;
                bytes.splice(at..at, format!("{name}: {text}\r\n").into_bytes());
            }
        }
    }
}

/// Applies one mutation in place, reading a chunked body from `body_start`.
pub fn apply_at(bytes: &mut Vec<u8>, m: &Mutation, body_start: usize) {
    match m {
        Mutation::FlipByte(i, mask) => {
            if !bytes.is_empty() {
                let i = i.index(bytes.len());
                bytes[i] ^= mask;
            }
        }
        Mutation::Insert(i, b) => {
            let i = i.index(bytes.len() + 1);
            bytes.insert(i, *b);
        }
        Mutation::Remove(i) => {
            if !bytes.is_empty() {
                bytes.remove(i.index(bytes.len()));
            }
        }
        Mutation::DuplicateField(i) => {
            let lines = field_lines(bytes);
            if !lines.is_empty() {
                let line = lines[i.index(lines.len())].clone();
                let copy = bytes[line.clone()].to_vec();
                bytes.splice(line.end..line.end, copy);
            }
        }
        Mutation::SwapFields(a, b) => {
            let lines = field_lines(bytes);
            if lines.len() >= 2 {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                let (a, b) = (a.min(b), a.max(b));
                if a != b {
                    let (ra, rb) = (lines[a].clone(), lines[b].clone());
                    let mut out = bytes[..ra.start].to_vec();
                    out.extend_from_slice(&bytes[rb.clone()]);
                    out.extend_from_slice(&bytes[ra.end..rb.start]);
                    out.extend_from_slice(&bytes[ra.clone()]);
                    out.extend_from_slice(&bytes[rb.end..]);
                    *bytes = out;
                }
            }
        }
        Mutation::ToggleCase(i, n) => {
            if !bytes.is_empty() {
                let start = i.index(bytes.len());
                let end = (start + n).min(bytes.len());
                for b in &mut bytes[start..end] {
                    if b.is_ascii_alphabetic() {
                        *b ^= 0x20;
                    }
                }
            }
        }
        Mutation::ContentLength(text) => set_field(bytes, "Content-Length", text),
        Mutation::TransferEncoding(text) => set_field(bytes, "Transfer-Encoding", text),
        Mutation::ChunkSize(i, text) => {
            let sizes = chunk_sizes(bytes, body_start);
            if !sizes.is_empty() {
                let r = sizes[i.index(sizes.len())].clone();
                bytes.splice(r, text.bytes());
            }
        }
        Mutation::Truncate(i) => {
            if !bytes.is_empty() {
                bytes.truncate(i.index(bytes.len()));
            }
        }
    }
}

/// Cut points for `len` bytes: a sorted set of offsets strictly inside.
pub fn pieces(len: usize, most: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(any::<Index>(), 0..most).prop_map(move |cuts| {
        let mut cuts: Vec<usize> = cuts
            .iter()
            .filter(|_| len > 1)
            .map(|i| 1 + i.index(len - 1))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    })
}

/// `bytes` cut at `cuts` (as [`pieces`] makes them).
pub fn cut<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &c in cuts {
        let c = c.min(bytes.len());
        if c > start {
            out.push(&bytes[start..c]);
            start = c;
        }
    }
    out.push(&bytes[start..]);
    out
}

/// Pieces of real requests that [`http_noise`] strings together.
const FRAGMENTS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\n",
    b"Host: a\r\n",
    b"\r\n",
    b"Content-Length: 3\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"5;a=b\r\nhello\r\n",
    b"0\r\n\r\n",
];

/// Bytes heavy in HTTP's delimiters and fragments of real requests, for
/// inputs built neither from a fixture nor from the grammar.
pub fn http_noise(fragments: Range<usize>) -> impl Strategy<Value = Wire> {
    let fragment = prop_oneof![
        4 => select(&b"GET /HTTP1.0:\r\n \t;=,\"\\%0aAzZ-"[..]).prop_map(|b| vec![b]),
        1 => any::<u8>().prop_map(|b| vec![b]),
        2 => select(FRAGMENTS)
        .prop_map(<[u8]>::to_vec),
    ];
    proptest::collection::vec(fragment, fragments).prop_map(|v| Wire(v.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(request: &[u8], m: Mutation) -> Vec<u8> {
        let mut bytes = request.to_vec();
        apply(&mut bytes, &m);
        bytes
    }

    const WITHOUT: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\n\r\nabc";
    const BOTH: &[u8] = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: x\r\n\r\n";

    #[test]
    fn content_length_mutation_replaces_the_value_or_adds_the_field() {
        let with = b"POST / HTTP/1.1\r\nHost: a\r\ncontent-LENGTH:3\r\n\r\nabc";
        assert_eq!(
            applied(with, Mutation::ContentLength("+4".into())),
            b"POST / HTTP/1.1\r\nHost: a\r\ncontent-LENGTH: +4\r\n\r\nabc"
        );
        assert_eq!(
            applied(WITHOUT, Mutation::ContentLength("1, 1".into())),
            b"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\nHost: a\r\n\r\nabc"
        );
        assert_eq!(
            applied(BOTH, Mutation::ContentLength("7".into())),
            b"POST / HTTP/1.1\r\nContent-Length: 7\r\nTransfer-Encoding: x\r\n\r\n"
        );
    }

    #[test]
    fn transfer_encoding_mutation_replaces_the_value_or_adds_the_field() {
        let with = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc";
        assert_eq!(
            applied(with, Mutation::TransferEncoding("chunked,".into())),
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\nabc"
        );
        assert_eq!(
            applied(WITHOUT, Mutation::TransferEncoding("chunked".into())),
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: a\r\n\r\nabc"
        );
        assert_eq!(
            applied(BOTH, Mutation::TransferEncoding("y".into())),
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: y\r\n\r\n"
        );
    }
}
