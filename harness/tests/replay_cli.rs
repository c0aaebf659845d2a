//! `harness replay` end to end against a small server of this file's own:
//! its `Date` changes with every answer, so two runs in a row must still
//! give no diff; then a changed server (a different status for one path)
//! must give exactly that diff, and `--accept` must adopt it.
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

mod common;
use common::{stdout, temp_dir};

fn write_fixture(root: &Path, name: &str, bytes: &[u8], sidecar: &str) {
    let path = root.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    fs::write(path.with_extension("toml"), sidecar).unwrap();
}

/// Five fixtures, two of them a recorded connection.
fn fixtures() -> common::TempDir {
    let root = temp_dir("fixtures");
    let hand = "client = \"hand-written\"\nhow = \"test\"\n";
    write_fixture(
        &root,
        "requests/get-root.http",
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        hand,
    );
    write_fixture(
        &root,
        "requests/get-test-jpg.http",
        b"GET /test.jpg HTTP/1.1\r\nHost: a\r\n\r\n",
        hand,
    );
    write_fixture(
        &root,
        "requests/head-root.http",
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
        hand,
    );
    for (position, path) in ["/", "/test.jpg"].iter().enumerate() {
        let side = format!(
            "client = \"t\"\nhow = \"test\"\nsession = \"s\"\nconnection = 0\nposition = {position}\n"
        );
        let request = format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n");
        write_fixture(
            &root,
            &format!("captures/t/s/00-0{position}.http"),
            request.as_bytes(),
            &side,
        );
    }
    fs::create_dir_all(root.join("cases")).unwrap();
    root
}

/// A tiny HTTP/1.1 server: answers each complete head (no request bodies)
/// with 200 and the request-line as text, `Date` from a counter so it
/// differs every time; with `moved`, `/test.jpg` is 404. Persistent
/// connections, pipelining in order, closes at end of stream.
fn start_server(moved: bool) -> SocketAddr {
    let clock = Arc::new(AtomicU64::new(0));
    common::start_server(move |stream| serve(stream, moved, &clock))
}

fn serve(mut stream: TcpStream, moved: bool, clock: &AtomicU64) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            let line =
                String::from_utf8_lossy(&head[..head.iter().position(|&b| b == b'\r').unwrap()])
                    .into_owned();
            let mut words = line.split(' ');
            let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let status = if moved && target == "/test.jpg" {
                "404 Not Found"
            } else {
                "200 OK"
            };
            let tick = clock.fetch_add(1, Ordering::SeqCst);
            let body = format!("{line}\n");
            let mut response = format!(
                "HTTP/1.1 {status}\r\nDate: Thu, 01 Jan 2026 {:02}:{:02}:{:02} GMT\r\n\
                 Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
                tick / 3600 % 24,
                tick / 60 % 60,
                tick % 60,
                body.len()
            );
            if method != "HEAD" {
                response.push_str(&body);
            }
            if stream.write_all(response.as_bytes()).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn replay(addr: SocketAddr, fixtures: &Path, snapshots: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("replay")
        .arg("--target")
        .arg(addr.to_string())
        .arg("--fixtures")
        .arg(fixtures)
        .arg("--snapshots")
        .arg(snapshots)
        .args(extra)
        .output()
        .unwrap()
}

/// Every file in `dir`, name and content, sorted.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    all.sort();
    all
}

#[test]
fn same_server_twice_gives_no_diff_and_a_changed_one_gives_exactly_its_change() {
    let fixtures = fixtures();
    let tmp = temp_dir("snapshots");
    let snapshots = tmp.join("tiny");
    let server = start_server(false);

    let first = replay(server, &fixtures, &snapshots, &[]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert!(
        stdout(&first).contains("6 replayed: 0 same, 6 recorded (new), 0 changed, 0 failed"),
        "{}",
        stdout(&first)
    );
    let recorded = files(&snapshots);
    assert_eq!(recorded.len(), 6, "{recorded:?}");
    let root = &recorded
        .iter()
        .find(|(n, _)| n == "requests__get-root.http.snap")
        .unwrap()
        .1;
    assert!(root.contains("Date: [redacted]\\r\\n"), "{root}");
    assert!(root.contains("GET / HTTP/1.1\\n"), "{root}");

    let second = replay(server, &fixtures, &snapshots, &[]);
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    assert!(
        stdout(&second).contains("6 replayed: 6 same, 0 recorded (new), 0 changed, 0 failed"),
        "{}",
        stdout(&second)
    );
    assert_eq!(
        files(&snapshots),
        recorded,
        "a second run changed a snapshot"
    );

    let changed_server = start_server(true);
    let third = replay(changed_server, &fixtures, &snapshots, &[]);
    let text = stdout(&third);
    assert_eq!(third.status.code(), Some(1), "{third:?}");
    assert!(
        text.contains("6 replayed: 3 same, 0 recorded (new), 3 changed, 0 failed"),
        "{text}"
    );
    assert!(
        text.contains("changed: requests/get-test-jpg.http"),
        "{text}"
    );
    assert!(text.contains("changed: sequences/t/s/0"), "{text}");
    assert!(text.contains("-HTTP/1.1 200 OK\\r\\n"), "{text}");
    assert!(text.contains("+HTTP/1.1 404 Not Found\\r\\n"), "{text}");
    assert!(!text.contains("changed: requests/get-root.http"), "{text}");
    let pending: Vec<String> = files(&snapshots)
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.ends_with(".new"))
        .collect();
    assert_eq!(
        pending,
        [
            "captures__t__s__00-01.http.snap.new",
            "requests__get-test-jpg.http.snap.new",
            "sequences__t__s__0.snap.new"
        ]
    );
    // The recorded snapshots are untouched until accepted.
    let kept: Vec<_> = files(&snapshots)
        .into_iter()
        .filter(|(n, _)| !n.ends_with(".new"))
        .collect();
    assert_eq!(kept, recorded);

    let accept = replay(changed_server, &fixtures, &snapshots, &["--accept"]);
    assert_eq!(accept.status.code(), Some(0), "{accept:?}");
    assert!(stdout(&accept).contains("3 snapshot(s) accepted"));
    let fourth = replay(changed_server, &fixtures, &snapshots, &[]);
    assert_eq!(fourth.status.code(), Some(0), "{fourth:?}");
    assert!(stdout(&fourth).contains("6 same"), "{}", stdout(&fourth));
}

#[test]
fn the_reference_snapshots_folder_is_refused() {
    let fixtures = fixtures();
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("../snapshots");
    let server = start_server(false);
    let out = replay(server, &fixtures, &reference, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reference server's snapshots"), "{stderr}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let fixtures = fixtures();
    let server = start_server(false);
    let snapshots = temp_dir("bad");
    for extra in [
        &["--redact", "cookie"][..],
        &["--name", "../x"],
        &["--filter", "nothing-matches"],
    ] {
        let out = replay(server, &fixtures, &snapshots, extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{extra:?}");
    }
}
