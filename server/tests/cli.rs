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
