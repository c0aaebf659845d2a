//! The `server` binary's command line.
use std::process::Command;

use rstest::rstest;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

#[test]
fn help_exits_0_and_explains_each_flag() {
    let out = server().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--addr",
        "--max-connections",
        "--head-timeout",
        "--idle-timeout",
        "--max-request-line",
        "--max-head",
        "--max-headers",
        "--max-body",
        "--allow-bare-lf",
        "--quiet",
    ] {
        assert!(text.contains(flag), "--help does not mention {flag}");
    }
}

/// Usage errors say what is wrong and exit 2.
#[rstest]
#[case::unknown_flag(&["--no-such-flag"], "--no-such-flag")]
#[case::bad_addr(&["--addr", "not-an-address"], "not-an-address")]
#[case::zero_timeout(&["--head-timeout", "0"], "head-timeout")]
#[case::bad_timeout(&["--idle-timeout", "soon"], "soon")]
#[case::too_many_headers(&["--max-headers", "1000"], "max-headers")]
#[case::zero_connections(&["--max-connections", "0"], "max-connections")]
fn bad_flag_exits_2(#[case] args: &[&str], #[case] mentioned: &str) {
    let out = server().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(mentioned), "{err}");
}

#[test]
fn address_in_use_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = server().args(["--addr", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains(&addr));
}

#[test]
fn a_host_name_is_accepted_as_the_address() {
    let mut child = server()
        .args(["--addr", "localhost:0", "--quiet"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let stderr = child.stderr.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stderr), &mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
}

/// The access log is written in chunks, but a normal stop (SIGTERM) writes
/// out every pending line first: each answered request has its line.
#[test]
fn sigterm_loses_no_log_line() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    let dir = std::env::temp_dir().join(format!("h1check-cli-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log_path = dir.join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = server()
        .args(["--addr", "127.0.0.1:0"])
        .stderr(log)
        .spawn()
        .unwrap();
    // The first line names the address.
    let start = Instant::now();
    let addr = loop {
        let text = std::fs::read_to_string(&log_path).unwrap();
        if let Some(rest) = text.split("listening on http://").nth(1) {
            if let Some(addr) = rest.split('/').next().filter(|_| rest.contains('/')) {
                break addr.to_string();
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no address in {text:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let sent = 40;
    for _ in 0..4 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        for i in 0..sent / 4 {
            let last = i == sent / 4 - 1;
            let close = if last { "Connection: close\r\n" } else { "" };
            write!(s, "GET /test.jpg HTTP/1.1\r\nHost: a\r\n{close}\r\n").unwrap();
            // Read this answer whole before the next request.
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            while !got.ends_with(&server::site::TEST_JPG[server::site::TEST_JPG.len() - 16..]) {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "closed early");
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
        }
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the server did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines = text
        .lines()
        .filter(|l| l.contains(" GET /test.jpg 200 "))
        .count();
    assert_eq!(lines, sent, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
