//! Byte classes as 256-entry tables, each quoting its ABNF.

const fn table(extra: &[u8], alnum: bool) -> [bool; 256] {
    let mut t = [false; 256];
    if alnum {
        let mut c = b'0';
        while c <= b'9' {
            t[c as usize] = true;
            c += 1;
        }
        c = b'a';
        while c <= b'z' {
            t[c as usize] = true;
            t[(c - 32) as usize] = true;
            c += 1;
        }
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
/// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA` (RFC 9110 §5.6.2).
pub static TOKEN: [bool; 256] = table(b"!#$%&'*+-.^_`|~", true);

/// Bytes of an origin-form target (RFC 9112 §3.2.1, RFC 3986 §3.3, §3.4):
/// `pchar = unreserved / pct-encoded / sub-delims / ":" / "@"`, plus `/`
/// and `?`. `unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"`,
/// `sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="`.
/// `%` is here; the two HEXDIG after it are checked separately.
pub static TARGET: [bool; 256] = table(b"-._~!$&'()*+,;=:@/?%", true);

/// [`TARGET`] plus `[` and `]` for an IP-literal host in absolute-form or
/// authority-form (RFC 3986 §3.2.2).
const ABSOLUTE_TARGET: [bool; 256] = table(b"-._~!$&'()*+,;=:@/?%[]", true);

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986 §3.1),
/// after the first byte.
pub static SCHEME: [bool; 256] = table(b"+-.", true);

/// `reg-name = *( unreserved / pct-encoded / sub-delims )` (RFC 3986 §3.2.2).
pub static REG_NAME: [bool; 256] = table(b"-._~!$&'()*+,;=%", true);

const fn field_vchar() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b <= 0xff {
        t[b] = b != 0x7f;
        b += 1;
    }
    t
}

/// What may stand in a field value (RFC 9110 §5.5): `field-vchar = VCHAR /
/// obs-text` (0x21-0x7E and 0x80-0xFF), and SP and HTAB between them.
pub static FIELD_VALUE: [bool; 256] = {
    let mut t = field_vchar();
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t
};

/// [`TARGET_CLASS`] of a byte that needs a second look: `%` (two HEXDIG
/// follow) and `[`, `]` (only in an IP-literal host).
pub const SPECIAL: u8 = 2;

/// The bytes of [`ABSOLUTE_TARGET`], as classes: 0 not allowed, 1 allowed,
/// `1 | SPECIAL` allowed with a second look.
pub static TARGET_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if ABSOLUTE_TARGET[b] {
            t[b] = 1;
        }
        b += 1;
    }
    t[b'%' as usize] |= SPECIAL;
    t[b'[' as usize] |= SPECIAL;
    t[b']' as usize] |= SPECIAL;
    t
};

/// The value of the `HEXDIG` `b` (RFC 5234 appendix B.1), either case.
pub fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `pct-encoded` triplets (RFC 3986 §2.1); `None` when a `%` is
/// not followed by two `HEXDIG`.
pub fn percent_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' {
            let hi = hex_value(*input.get(i + 1)?)?;
            let lo = hex_value(*input.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse::ascii` relies on this: the bytes the method, target and
    /// field-name tables admit are ASCII, so text made of them is UTF-8.
    #[test]
    fn tables_admit_only_ascii() {
        for b in 0x80..=0xffusize {
            assert!(!TOKEN[b], "TOKEN admits {b:#x}");
            assert_eq!(TARGET_CLASS[b], 0, "TARGET_CLASS admits {b:#x}");
        }
    }

    /// RFC 3986 §2.1: `%` and exactly two HEXDIG, nothing else (no sign,
    /// as `u8::from_str_radix` would take).
    #[test]
    fn percent_decode_takes_two_hexdig_only() {
        assert_eq!(percent_decode(b"a%20b%2F%2f"), Some(b"a b//".to_vec()));
        assert_eq!(percent_decode(b"%ff"), Some(vec![0xff]));
        for bad in [&b"%+a"[..], b"%-1", b"%zz", b"%2", b"%", b"% 1"] {
            assert_eq!(percent_decode(bad), None, "{bad:?}");
        }
    }
}
