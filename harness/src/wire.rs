//! Checks of a response head as a sender must write it: the status-line
//! and field-line grammar (RFC 9112 §4, §5), CRLF line ends (§2.1), and
//! the IMF-fixdate form of `Date` (RFC 9110 §5.6.7).
//!
//! These judge other servers, so they say what is wrong in words rather
//! than returning a bare `false`.

/// The HTTP-version of a response head (`HTTP/1.1`), or the bytes before
/// the first SP when they are something else.
pub fn version(head: &[u8]) -> String {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(b"");
    let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    String::from_utf8_lossy(&line[..end]).into_owned()
}

pub use crate::http::field;
use crate::http::is_tchar;

/// What is wrong with a response head (status-line, field lines and the
/// empty line, as received), or `None` when a sender could have written
/// it: RFC 9110 §2.2, "a sender MUST NOT generate protocol elements that do
/// not match the grammar defined by the corresponding ABNF rules".
pub fn head_problem(head: &[u8]) -> Option<String> {
    // RFC 9112 §2.1: start-line CRLF *( field-line CRLF ) CRLF.
    let mut rest = head;
    let mut n = 0;
    loop {
        let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
            return Some("the head does not end with an empty line".into());
        };
        if lf == 0 || rest[lf - 1] != b'\r' {
            return Some(format!("line {} ends in a bare LF, not CRLF", n + 1));
        }
        let line = &rest[..lf - 1];
        rest = &rest[lf + 1..];
        if line.is_empty() {
            return (n == 0).then(|| "the head has no status-line".into());
        }
        if let Some(i) = line.iter().position(|&b| b == b'\r') {
            return Some(format!("line {} has a bare CR at byte {i}", n + 1));
        }
        let problem = if n == 0 {
            status_line_problem(line)
        } else {
            field_line_problem(line)
        };
        if let Some(p) = problem {
            return Some(format!("line {}: {p}", n + 1));
        }
        n += 1;
    }
}

/// RFC 9112 §4: `status-line = HTTP-version SP status-code SP [ reason-phrase ]`,
/// `HTTP-version = "HTTP/" DIGIT "." DIGIT` (§2.3), `status-code = 3DIGIT`,
/// `reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )`.
fn status_line_problem(line: &[u8]) -> Option<String> {
    let version_ok = line.len() >= 8
        && line.starts_with(b"HTTP/")
        && line[5].is_ascii_digit()
        && line[6] == b'.'
        && line[7].is_ascii_digit();
    if !version_ok {
        return Some("the status-line does not start with HTTP/DIGIT.DIGIT".into());
    }
    let rest = &line[8..];
    let code_ok = rest.len() >= 4 && rest[0] == b' ' && rest[1..4].iter().all(u8::is_ascii_digit);
    if !code_ok {
        return Some("no SP and three-digit status-code after the version".into());
    }
    // The second SP is required even when the reason-phrase is empty.
    if rest.get(4) != Some(&b' ') {
        return Some("no SP after the status-code".into());
    }
    let reason = &rest[5..];
    reason
        .iter()
        .position(|&b| !(b == b'\t' || b == b' ' || b.is_ascii_graphic() || b >= 0x80))
        .map(|i| format!("byte 0x{:02x} in the reason-phrase", reason[i]))
}

/// RFC 9112 §5: `field-line = field-name ":" OWS field-value OWS`, with a
/// token for a name (RFC 9110 §5.1) and no whitespace before the colon
/// (RFC 9112 §5.1); values of VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5).
fn field_line_problem(line: &[u8]) -> Option<String> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Some("a field line starts with whitespace (obs-fold, RFC 9112 §5.2)".into());
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Some("a field line without a colon".into());
    };
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Some(format!(
            "field name {:?} is not a token",
            String::from_utf8_lossy(name)
        ));
    }
    let value = &line[colon + 1..];
    value
        .iter()
        .position(|&b| !(b == b'\t' || b == b' ' || b.is_ascii_graphic() || b >= 0x80))
        .map(|i| {
            format!(
                "byte 0x{:02x} in the value of {}",
                value[i],
                String::from_utf8_lossy(name)
            )
        })
}

const DAYS: [&[u8]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// What is wrong with an HTTP-date a sender generated, or `None` when it
/// is an IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`,
/// fixed length, case-sensitive names, GMT, a real calendar day whose
/// day-name is right, a time of day up to 23:59:60.
pub fn imf_fixdate_problem(value: &[u8]) -> Option<String> {
    let shown = || String::from_utf8_lossy(value).into_owned();
    if value.len() != 29 {
        return Some(format!("{:?} is not 29 characters long", shown()));
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &value[r];
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
    };
    let layout = value[3] == b','
        && [4, 7, 11, 16, 25].iter().all(|&i| value[i] == b' ')
        && value[19] == b':'
        && value[22] == b':'
        && &value[26..] == b"GMT";
    let (Some(day), Some(year), Some(hour), Some(minute), Some(second)) = (
        digits(5..7),
        digits(12..16),
        digits(17..19),
        digits(20..22),
        digits(23..25),
    ) else {
        return Some(format!("{:?} is not an IMF-fixdate", shown()));
    };
    let day_name = DAYS.iter().position(|d| *d == &value[..3]);
    let month = MONTHS.iter().position(|m| *m == &value[8..11]);
    let (true, Some(day_name), Some(month)) = (layout, day_name, month) else {
        return Some(format!("{:?} is not an IMF-fixdate", shown()));
    };
    let month = month as u32 + 1;
    if day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return Some(format!("{:?} is not a real date and time", shown()));
    }
    let actual = weekday(year, month, day);
    if actual != day_name {
        return Some(format!(
            "{:?}: that day is a {}",
            shown(),
            String::from_utf8_lossy(DAYS[actual])
        ));
    }
    None
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of the week, 0 = Sunday (Sakamoto's method, proleptic Gregorian).
fn weekday(year: u32, month: u32, day: u32) -> usize {
    const T: [u32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if month < 3 { year - 1 } else { year };
    ((y + y / 4 - y / 100 + y / 400 + T[month as usize - 1] + day) % 7) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_written_head_has_no_problem() {
        let head = b"HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nX-A:\r\n\r\n";
        assert_eq!(head_problem(head), None);
        // An empty reason-phrase still has its SP (RFC 9112 §4).
        assert_eq!(head_problem(b"HTTP/1.1 204 \r\n\r\n"), None);
    }

    #[test]
    fn each_grammar_rule_is_checked() {
        let bad: &[(&[u8], &str)] = &[
            (b"HTTP/1.1 200 OK\nDate: x\r\n\r\n", "bare LF"),
            (b"HTTP/1.1 200 OK\r\n\n", "bare LF"),
            (b"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", "bare CR"),
            (b"HTTP/1.1 200\r\n\r\n", "no SP after the status-code"),
            (b"HTTP/1.1 20 OK\r\n\r\n", "three-digit"),
            (b"HTTP/1.10 200 OK\r\n\r\n", "three-digit"),
            (b"http/1.1 200 OK\r\n\r\n", "HTTP/DIGIT.DIGIT"),
            (b"HTTP/1.1 200 O\x00K\r\n\r\n", "reason-phrase"),
            (b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n", "not a token"),
            (b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", "obs-fold"),
            (b"HTTP/1.1 200 OK\r\nA b\r\n\r\n", "without a colon"),
            (b"HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", "0x7f"),
            (b"HTTP/1.1 200 OK\r\n", "empty line"),
            (b"\r\n", "no status-line"),
        ];
        for (head, why) in bad {
            let problem = head_problem(head).unwrap_or_default();
            assert!(
                problem.contains(why),
                "{:?}: {problem:?}",
                head.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn imf_fixdate_is_checked_to_the_day_name() {
        assert_eq!(imf_fixdate_problem(b"Sun, 06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(imf_fixdate_problem(b"Thu, 01 Jan 2026 00:00:00 GMT"), None);
        assert_eq!(imf_fixdate_problem(b"Thu, 29 Feb 2024 23:59:60 GMT"), None);
        for bad in [
            &b"Sunday, 06-Nov-94 08:49:37 GMT"[..],
            b"Sun Nov  6 08:49:37 1994",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"sun, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 6 Nov 1994 08:49:37 GMT ",
            b"Sun, 06 NOV 1994 08:49:37 GMT",
            b"Mon, 06 Nov 1994 08:49:37 GMT",
            b"Fri, 29 Feb 2023 00:00:00 GMT",
            b"Sun, 06 Nov 1994 24:00:00 GMT",
        ] {
            assert!(imf_fixdate_problem(bad).is_some(), "{}", bad.escape_ascii());
        }
    }

    #[test]
    fn version_and_field_read_the_head() {
        let head = b"HTTP/1.0 200 OK\r\ndate: x y \r\n\r\n";
        assert_eq!(version(head), "HTTP/1.0");
        assert_eq!(field(head, "Date"), Some(&b"x y"[..]));
        assert_eq!(field(head, "Server"), None);
    }
}
