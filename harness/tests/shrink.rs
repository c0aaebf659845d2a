//! `harness shrink` end to end against a deliberately lenient server of
//! this file's own: it accepts whitespace between a field name and its
//! colon (RFC 9112 §5.1 says such a request MUST be rejected with 400),
//! and, like a careful server, rejects a request without Host.
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};

use harness::replay::{start_reference_server, Target};
use harness::shrink::{outcome, Difference};

mod common;
use common::temp_dir;

/// How the test server answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// 200 when the head has a field named Host (whitespace around the
    /// name ignored), else 400.
    Lenient,
    /// 400 for everything.
    Strict,
    /// 200 for everything, Host or not.
    Careless,
}

/// Answers one request per connection as `mode` says, then closes.
fn start_server(mode: Mode) -> SocketAddr {
    common::start_server(move |stream| serve(stream, mode))
}

fn serve(mut stream: TcpStream, mode: Mode) {
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(buf.len());
    let has_host = buf[..head_end].split(|&b| b == b'\n').skip(1).any(|line| {
        line.iter().position(|&b| b == b':').is_some_and(|colon| {
            String::from_utf8_lossy(&line[..colon])
                .trim()
                .eq_ignore_ascii_case("host")
        })
    });
    let status = if mode == Mode::Careless || (has_host && mode == Mode::Lenient) {
        "200 OK"
    } else {
        "400 Bad Request"
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

const INPUT: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\
User-Agent: h1check-test/1\r\nX-Test : value\r\nAccept: */*\r\n\r\n";

fn shrink(addr: SocketAddr, fixture: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("shrink")
        .arg("--target")
        .arg(addr.to_string())
        .arg("--fixture")
        .arg(fixture)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_lenient_server_s_difference_is_shrunk_to_a_new_fixture() {
    let dir = temp_dir("lenient");
    let input = dir.join("space-before-colon.http");
    fs::write(&input, INPUT).unwrap();
    let out = dir.join("shrunk");
    let lenient = start_server(Mode::Lenient);

    let run = shrink(
        lenient,
        &input,
        &out,
        &["--name", "small", "--note", "The lenient test server."],
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert!(
        stdout.contains("reference server: 400 (whitespace between field name and colon"),
        "{stdout}"
    );
    assert!(stdout.contains(": 200, then closed"), "{stdout}");

    let shrunk = fs::read(out.join("small.http")).unwrap();
    // The request-line keeps its shape (a byte of method, a byte of
    // target, the version); Host stays (without it the lenient server says
    // 400 too); the offending field stays, cut to a name byte, the space
    // and the colon; everything else goes.
    assert_eq!(
        String::from_utf8_lossy(&shrunk),
        "T / HTTP/1.1\r\nHost:\r\nt :\r\n\r\n"
    );

    // It still shows the same difference.
    let reference = start_reference_server().unwrap();
    let both = |bytes: &[u8]| Difference {
        reference: outcome(&Target::new(reference.addr()), bytes, true),
        target: outcome(&Target::new(lenient), bytes, false),
    };
    assert_eq!(both(&shrunk), both(INPUT));

    let sidecar = fs::read_to_string(out.join("small.toml")).unwrap();
    assert!(sidecar.contains("client = \"harness-shrink\""), "{sidecar}");
    assert!(sidecar.contains("space-before-colon.http"), "{sidecar}");
    assert!(
        sidecar.contains("answers 200, then closed. The lenient test server."),
        "{sidecar}"
    );

    // Never over an existing fixture, and said before any searching.
    let again = shrink(lenient, &input, &out, &["--name", "small"]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));
    assert!(again.stdout.is_empty(), "it searched first: {again:?}");
    assert_eq!(fs::read(out.join("small.http")).unwrap(), shrunk);
}

/// A server that needs no Host at all would still answer 200 without the
/// offending field if Host went too; the reference would then answer 400
/// for the missing Host, another reason, so that cut is not taken.
#[test]
fn the_reference_s_reason_is_kept() {
    let dir = temp_dir("reason");
    let input = dir.join("space-before-colon.http");
    fs::write(&input, INPUT).unwrap();
    let out = dir.join("shrunk");
    let careless = start_server(Mode::Careless);
    let run = shrink(careless, &input, &out, &["--name", "small"]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let shrunk = fs::read(out.join("small.http")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&shrunk),
        "T / HTTP/1.1\r\nt :\r\n\r\n"
    );
}

#[test]
fn no_difference_is_nothing_to_shrink() {
    let dir = temp_dir("same");
    let input = dir.join("space-before-colon.http");
    fs::write(&input, INPUT).unwrap();
    let strict = start_server(Mode::Strict);
    let run = shrink(strict, &input, &dir.join("out"), &[]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("no difference"));
    assert!(!dir.join("out").exists());
}

#[test]
fn a_spent_budget_is_said() {
    let dir = temp_dir("budget");
    let input = dir.join("space-before-colon.http");
    fs::write(&input, INPUT).unwrap();
    let lenient = start_server(Mode::Lenient);
    let run = shrink(lenient, &input, &dir.join("out"), &["--max-attempts", "2"]);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("in 1 attempts"), "{stdout}");
    assert!(stdout.contains("budget spent"), "{stdout}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["shrink", "--target", "127.0.0.1:1"][..],
        &[
            "shrink",
            "--target",
            "127.0.0.1:1",
            "--case",
            "no-such-case-id",
        ],
        &[
            "shrink",
            "--target",
            "127.0.0.1:1",
            "--fixture",
            "/nonexistent.http",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(args)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
