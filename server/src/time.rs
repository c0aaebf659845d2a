//! The time service at `/time`: the server's current date and time, as an
//! HTML page or as JSON, chosen by the request's `Accept` field (RFC 9110
//! §12.5.1). The time comes from the injected [`Clock`], so a stopped clock
//! gives exact bytes.
use std::time::{SystemTime, UNIX_EPOCH};

use crate::clock::Clock;
use crate::parse::Request;
use crate::response::{Body, Response, HTML};

/// `Allow` for `/time`.
pub const ALLOW_TIME: &str = "GET, HEAD, OPTIONS";

/// `application/json`
pub const JSON: &str = "application/json";

/// The two representations of `/time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/html; charset=utf-8`, the default.
    Html,
    /// `application/json`.
    Json,
}

/// Answers `GET`/`HEAD /time` with the time `clock` tells.
pub fn respond(req: &Request<'_, '_>, clock: &dyn Clock) -> Response {
    let now = clock.now();
    let mut r = match negotiate(req) {
        Format::Html => Response::ok(HTML, Body::Owned(html(now).into_bytes())),
        Format::Json => Response::ok(JSON, Body::Owned(json(now).into_bytes())),
    };
    // RFC 9111 §5.2.2.5: the answer is stale the moment it is written.
    r.add_field("Cache-Control", "no-store");
    // RFC 9110 §12.5.5: the representation depends on Accept.
    r.add_field("Vary", "Accept");
    r
}

/// Chooses the representation the `Accept` fields prefer (RFC 9110
/// §12.5.1). JSON only when its quality is higher than HTML's; on a tie,
/// with no `Accept`, or when neither is acceptable, HTML: this resource
/// disregards the header rather than answer 406 ("the origin server can
/// either disregard the header field by treating the response as if it is
/// not subject to content negotiation for that request header field or
/// honor the header field by sending a 406").
pub fn negotiate(req: &Request<'_, '_>) -> Format {
    let ranges: Vec<MediaRange<'_>> = crate::request::values(req.headers, "accept")
        // RFC 9110 §12.5.1: `Accept` is a comma-separated list (§5.6.1).
        .flat_map(crate::request::list)
        .filter_map(parse_range)
        .collect();
    if ranges.is_empty() {
        return Format::Html;
    }
    let html = quality(&ranges, "text", "html", true);
    // JSON text is UTF-8 (RFC 8259 §8.1): `charset=utf-8` fits it too.
    let json = quality(&ranges, "application", "json", true);
    if json > html {
        Format::Json
    } else {
        Format::Html
    }
}

/// One member of `Accept`: `type/subtype *( OWS ";" OWS parameter ) [ weight ]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MediaRange<'a> {
    kind: &'a [u8],
    subtype: &'a [u8],
    /// Whether a `charset=utf-8` parameter came with it.
    utf8: bool,
    /// Whether any other parameter (but the weight) came with it.
    other_params: bool,
    /// The weight in thousandths, 0..=1000.
    q: u16,
}

fn parse_range(member: &[u8]) -> Option<MediaRange<'_>> {
    let mut parts = member.split(|&b| b == b';');
    let media = parts.next()?.trim_ascii();
    let slash = media.iter().position(|&b| b == b'/')?;
    let (kind, subtype) = (&media[..slash], &media[slash + 1..]);
    if kind.is_empty() || subtype.is_empty() || (kind == b"*" && subtype != b"*") {
        return None;
    }
    let (mut utf8, mut other_params) = (false, false);
    let mut q = 1000;
    for p in parts {
        let p = p.trim_ascii();
        match p.strip_prefix(b"q=").or_else(|| p.strip_prefix(b"Q=")) {
            Some(v) => q = qvalue(v)?,
            None if is_charset_utf8(p) => utf8 = true,
            None => other_params = true,
        }
    }
    Some(MediaRange {
        kind,
        subtype,
        utf8,
        other_params,
        q,
    })
}

/// `charset=utf-8`, the name and value case-insensitive, the value maybe quoted.
fn is_charset_utf8(param: &[u8]) -> bool {
    let Some(eq) = param.iter().position(|&b| b == b'=') else {
        return false;
    };
    let (name, value) = (param[..eq].trim_ascii(), param[eq + 1..].trim_ascii());
    let value = value
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(value);
    name.eq_ignore_ascii_case(b"charset") && value.eq_ignore_ascii_case(b"utf-8")
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`
/// (RFC 9110 §12.4.2), in thousandths. `None` for anything else: the
/// member is then ignored.
fn qvalue(v: &[u8]) -> Option<u16> {
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut thousandths = 0u16;
    for i in 0..3 {
        thousandths = thousandths * 10 + frac.get(i).map_or(0, |d| u16::from(d - b'0'));
    }
    match int {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The quality of `kind/subtype` (with `charset=utf-8` when `utf8`): the
/// weight of the most specific range that matches it (RFC 9110 §12.5.1:
/// "media ranges can be overridden by more specific media ranges or
/// specific media types"), 0 when none does. A range with parameters
/// matches only a representation that has them, and is then more
/// specific than the bare type.
fn quality(ranges: &[MediaRange<'_>], kind: &str, subtype: &str, utf8: bool) -> u16 {
    let mut best: Option<(usize, u16)> = None;
    for r in ranges {
        let specificity = if r.kind == b"*" {
            0
        } else if !r.kind.eq_ignore_ascii_case(kind.as_bytes()) {
            continue;
        } else if r.subtype == b"*" {
            1
        } else if !r.subtype.eq_ignore_ascii_case(subtype.as_bytes())
            || r.other_params
            || (r.utf8 && !utf8)
        {
            continue;
        } else if r.utf8 {
            3
        } else {
            2
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, r.q));
        }
    }
    best.map_or(0, |(_, q)| q)
}

/// Seconds since the epoch and the civil UTC date and time of `t`:
/// `[year, month, day, hour, minute, second]`.
pub fn civil(t: SystemTime) -> (i64, [i64; 6]) {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to civil date (the proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        secs,
        [year, month, day, rem / 3600, rem / 60 % 60, rem % 60],
    )
}

/// `2026-12-06T18:46:56Z` (RFC 3339).
pub fn rfc3339(t: SystemTime) -> String {
    let (_, [y, mo, d, h, mi, s]) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn html(now: SystemTime) -> String {
    let iso = rfc3339(now);
    let http = httpdate::fmt_http_date(now);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Time</title>\n</head>\n<body>\n<h1>The server's time</h1>\n\
         <p><time datetime=\"{iso}\">{http}</time></p>\n\
         <p>As JSON: send <code>Accept: application/json</code>.</p>\n\
         <p><a href=\"/\">Back</a></p>\n</body>\n</html>\n"
    )
}

fn json(now: SystemTime) -> String {
    let (secs, _) = civil(now);
    format!(
        "{{\"unix\":{secs},\"utc\":\"{}\",\"http_date\":\"{}\"}}\n",
        rfc3339(now),
        httpdate::fmt_http_date(now)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Header;
    use std::time::Duration;

    fn format_for(accept: &[&str]) -> Format {
        let headers: Vec<Header<'_>> = accept
            .iter()
            .map(|v| Header {
                name: "Accept",
                value: v.as_bytes(),
            })
            .collect();
        let req = Request {
            method: "GET",
            target: "/time",
            form: crate::parse::TargetForm::Origin,
            version: crate::parse::Version::HTTP_11,
            headers: &headers,
            head_len: 0,
        };
        negotiate(&req)
    }

    #[test]
    fn accept_chooses_by_quality_and_specificity() {
        use Format::*;
        let cases: &[(&[&str], Format)] = &[
            (&[], Html),
            (&["application/json"], Json),
            (&["text/html"], Html),
            (&["*/*"], Html),
            (&["application/json, text/html"], Html),
            (&["application/json, text/html;q=0.9"], Json),
            (&["text/html;q=0.5, application/json;q=0.501"], Json),
            (&["text/html;q=0.5, application/json;q=0.5"], Html),
            (&["application/*"], Json),
            (&["application/*;q=0.2, */*;q=0.1"], Json),
            (&["*/*;q=0.5, text/html;q=0.1"], Json),
            (&["application/json;q=0"], Html),
            (&["text/plain"], Html),
            (&["APPLICATION/JSON"], Json),
            (&["application/json ; Q=1.000"], Json),
            // An invalid weight drops the member.
            (&["application/json;q=1.5"], Html),
            (&["application/json;q=0.1234"], Html),
            (&["text/html;q=0.1", "application/json"], Json),
            (&["text/html, application/json;q=1.0, text/*;q=0"], Html),
            (&["text/*;q=0, application/json;q=0.1"], Json),
            (&["garbage, application/json"], Json),
            (&["browser/ish, text/html;q=0.9, */*;q=0.8"], Html),
            // `*/subtype` is not a media range: ignored.
            (&["*/json;q=1, text/html;q=0.5"], Html),
            // The same range twice: the first counts.
            (
                &["application/json;q=0.9, application/json;q=0.1, text/html;q=0.5"],
                Json,
            ),
            (
                &["text/*;q=0.9, text/*;q=0.1, application/json;q=0.5"],
                Html,
            ),
        ];
        for (accept, want) in cases {
            assert_eq!(format_for(accept), *want, "Accept: {accept:?}");
        }
    }

    #[test]
    fn qvalue_follows_the_grammar() {
        assert_eq!(qvalue(b"0"), Some(0));
        assert_eq!(qvalue(b"0.5"), Some(500));
        assert_eq!(qvalue(b"0.05"), Some(50));
        assert_eq!(qvalue(b"1"), Some(1000));
        assert_eq!(qvalue(b"1.000"), Some(1000));
        assert_eq!(qvalue(b"1.001"), None);
        assert_eq!(qvalue(b"2"), None);
        assert_eq!(qvalue(b".5"), None);
        assert_eq!(qvalue(b"0.5x"), None);
    }

    #[test]
    fn civil_dates_are_right() {
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(at(1_796_582_816)), "2026-12-06T18:46:56Z");
        assert_eq!(rfc3339(at(4_107_542_399)), "2100-02-28T23:59:59Z");
        // Century and 400-year boundaries, and times before the epoch.
        let signed = |s: i64| {
            if s >= 0 {
                at(s as u64)
            } else {
                UNIX_EPOCH - Duration::from_secs(s.unsigned_abs())
            }
        };
        for (secs, want) in [
            (-86_400, "1969-12-31T00:00:00Z"),
            (-2_203_891_200, "1900-03-01T00:00:00Z"),
            (-2_203_891_201, "1900-02-28T23:59:59Z"),
            (-11_670_998_400, "1600-02-29T00:00:00Z"),
            (946_684_799, "1999-12-31T23:59:59Z"),
            (951_868_800, "2000-03-01T00:00:00Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (13_569_465_599, "2399-12-31T23:59:59Z"),
            (13_574_606_400, "2400-02-29T12:00:00Z"),
            (13_574_649_600, "2400-03-01T00:00:00Z"),
        ] {
            assert_eq!(rfc3339(signed(secs)), want, "{secs}");
        }
    }
}
