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
pub static ABSOLUTE_TARGET: [bool; 256] = table(b"-._~!$&'()*+,;=:@/?%[]", true);

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

/// `field-vchar = VCHAR / obs-text` (RFC 9110 §5.5): 0x21-0x7E and 0x80-0xFF.
pub static FIELD_VCHAR: [bool; 256] = field_vchar();

/// Whether `b` is `HEXDIG`.
pub fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}
