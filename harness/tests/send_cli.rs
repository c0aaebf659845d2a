//! `harness send` end to end, through the real binary.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

fn send(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("send")
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn escaped_bytes_go_to_the_in_process_server_and_every_byte_shows() {
    let out = send(&[
        "--bytes",
        "GET /time HTTP/1.1\\r\\nHost: x\\r\\nAccept: application/json\\r\\nConnection: close\\r\\n\\r\\n",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("── sent to the reference server"),
        "{stdout}"
    );
    assert!(stdout.contains("GET /time HTTP/1.1\\r\\n\n"), "{stdout}");
    assert!(stdout.contains("HTTP/1.1 200 OK\\r\\n\n"), "{stdout}");
    assert!(
        stdout.contains("Content-Type: application/json\\r\\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"utc\":\"2026-01-01T00:00:00Z\""),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("── the server closed the connection\n"),
        "{stdout}"
    );
}

#[test]
fn a_fixture_file_is_sent_as_it_is_and_an_open_connection_is_reported() {
    let out = send(&["fixtures/requests/get-time.http", "--idle-ms", "200"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("User-Agent: h1check-hand-written/1\\r\\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Content-Type: text/html; charset=utf-8\\r\\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "── the connection was still open (nothing more came within the idle window)\n"
        ),
        "{stdout}"
    );
}

/// Any server: what it writes is shown byte for byte, a bare LF and a
/// NUL included.
#[test]
fn a_foreign_servers_odd_bytes_are_visible() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 256];
        let _ = s.read(&mut buf).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n\x00")
            .unwrap();
    });
    let out = send(&[
        "--target",
        &addr,
        "--bytes",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
    ]);
    server.join().unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.contains("HTTP/1.1 200 OK\\n\n"), "{stdout}");
    assert!(stdout.contains("\\x00"), "{stdout}");
}

#[test]
fn bad_input_is_a_usage_error() {
    let out = send(&["--bytes", "GET \\q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--bytes"),
        "{}",
        text(&out.stderr)
    );
    let out = send(&["no/such/file.http"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read no/such/file.http"));
    let out = send(&[]);
    assert_eq!(out.status.code(), Some(2));
    let out = send(&["--target", "192.0.2.1:80", "--bytes", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a loopback address"));
}
