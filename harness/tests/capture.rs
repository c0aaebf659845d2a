//! `harness capture` end to end: a capture runs on 127.0.0.1:0, a test
//! client sends known bytes over TCP, and the fixtures written must hold
//! exactly those bytes with the right sidecars.
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use harness::capture::{self, Capture, Error, Options, StopReason};
use harness::fixture;

mod common;
use common::temp_dir;

fn options(out: &Path) -> Options {
    let mut o = Options::new("test-client");
    o.addr = "127.0.0.1:0".parse().unwrap();
    o.out = out.to_owned();
    o.session = "s1".into();
    o.client_version = Some("1.2.3".into());
    o.how = "harness/tests/capture.rs".into();
    // A safety net so that a broken capture fails instead of hanging.
    o.duration = Some(Duration::from_secs(30));
    o
}

/// Sends `bytes` on one connection and reads until the server closes it.
fn exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: capture-test\r\n\r\n";
const POST: &[u8] = b"POST /submit?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\
Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nname=h1test";
const CHUNKED: &[u8] = b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\
Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
const LAST: &[u8] = b"GET /test.jpg HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nConnection: close\r\n\r\n";

#[test]
fn pipelined_requests_are_saved_byte_for_byte_in_order() {
    let out = temp_dir("pipelined");
    let capture = Capture::start(options(&out)).unwrap();
    let sent = [GET, POST, CHUNKED, LAST].concat();
    let response = exchange(capture.addr(), &sent);
    assert!(
        response.starts_with(b"HTTP/1.1 "),
        "no response: {response:?}"
    );
    let summary = capture.finish().unwrap();

    let dir = out.join("test-client").join("s1");
    assert_eq!(summary.dir, dir);
    let names = [
        "00-00-get-index",
        "00-01-post-submit",
        "00-02-post-upload",
        "00-03-get-test-jpg",
    ];
    let expected: Vec<PathBuf> = names
        .iter()
        .map(|n| dir.join(format!("{n}.http")))
        .collect();
    assert_eq!(summary.written, expected);
    for (i, (name, bytes)) in names.iter().zip([GET, POST, CHUNKED, LAST]).enumerate() {
        let fixture = fixture::load(&out, &dir.join(format!("{name}.http"))).unwrap();
        assert_eq!(fixture.bytes, bytes, "{name}");
        let side = &fixture.sidecar;
        assert_eq!(side.client, "test-client");
        assert_eq!(side.client_version.as_deref(), Some("1.2.3"));
        assert_eq!(side.how, "harness/tests/capture.rs");
        assert_eq!(side.session.as_deref(), Some("s1"));
        assert_eq!(side.connection, Some(0));
        assert_eq!(side.position, Some(i as u32));
        assert!(side.redacted.is_empty());
        let at = side.captured_at.as_deref().unwrap();
        assert!(at.len() == 20 && at.ends_with('Z'), "{at}");
    }
    // load_all sees exactly these four.
    assert_eq!(fixture::load_all(&out).unwrap().len(), 4);
}

#[test]
fn connections_are_numbered_in_accept_order() {
    let out = temp_dir("connections");
    let capture = Capture::start(options(&out)).unwrap();
    let close = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nConnection: close\r\n\r\n";
    exchange(capture.addr(), close);
    exchange(capture.addr(), LAST);
    let summary = capture.finish().unwrap();
    let names: Vec<String> = summary
        .written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["00-00-get-index.http", "01-00-get-test-jpg.http"]);
    let second = fixture::load(&out, &summary.written[1]).unwrap();
    assert_eq!(second.sidecar.connection, Some(1));
    assert_eq!(second.sidecar.position, Some(0));
}

#[test]
fn redact_blanks_credentials_and_lists_them() {
    let out = temp_dir("redact");
    let mut o = options(&out);
    o.redact = true;
    let capture = Capture::start(o).unwrap();
    let sent = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\
Cookie: sid=s3cr3t\r\nConnection: close\r\n\r\n";
    exchange(capture.addr(), sent);
    let summary = capture.finish().unwrap();
    let fixture = fixture::load(&out, &summary.written[0]).unwrap();
    assert_eq!(
        fixture.bytes,
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAuthorization: Basic xxxxxxxxxxxx\r\n\
Cookie: sid=xxxxxx\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(fixture.sidecar.redacted, ["Authorization", "Cookie"]);
}

#[test]
fn an_existing_session_is_refused_before_anything_is_served() {
    let out = temp_dir("overwrite");
    let dir = out.join("test-client").join("s1");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("00-00-get-index.http"), b"old").unwrap();
    match Capture::start(options(&out)) {
        Err(e @ Error::SessionExists { .. }) => {
            let text = e.to_string();
            assert!(text.contains("--session"), "{text}");
            assert!(text.contains(&dir.display().to_string()), "{text}");
        }
        Err(e) => panic!("expected a refusal of the session, got {e}"),
        Ok(_) => panic!("expected a refusal of the session, got a running capture"),
    }
    assert_eq!(fs::read(dir.join("00-00-get-index.http")).unwrap(), b"old");
    assert!(!dir.join("00-00-get-index.toml").exists());
}

#[test]
fn an_existing_fixture_is_never_overwritten() {
    // The session is new when the capture starts; a file appears in it
    // while it runs (another process). The write is refused, not forced.
    let out = temp_dir("race");
    let capture = Capture::start(options(&out)).unwrap();
    let dir = out.join("test-client").join("s1");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("00-00-get-index.http"), b"old").unwrap();
    exchange(
        capture.addr(),
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nConnection: close\r\n\r\n",
    );
    capture.wait(); // a failed write stops the capture by itself
    match capture.finish() {
        Err(Error::Fixture { source, written }) => {
            assert!(written.is_empty());
            assert!(
                source.to_string().contains("refusing to overwrite"),
                "{source}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(fs::read(dir.join("00-00-get-index.http")).unwrap(), b"old");
    assert!(!dir.join("00-00-get-index.toml").exists());
}

#[test]
fn without_client_version_the_user_agent_gives_it() {
    let out = temp_dir("user-agent");
    let mut o = options(&out);
    o.client = "curl".into();
    o.client_version = None;
    let capture = Capture::start(o).unwrap();
    let with_ua = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/8.5.0\r\n\r\n";
    let without = b"GET /test.jpg HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nConnection: close\r\n\r\n";
    exchange(capture.addr(), &[&with_ua[..], without].concat());
    let summary = capture.finish().unwrap();
    let first = fixture::load(&out, &summary.written[0]).unwrap();
    assert_eq!(first.sidecar.client_version.as_deref(), Some("8.5.0"));
    assert!(capture::sidecar_problems(&first).is_empty());
    let second = fixture::load(&out, &summary.written[1]).unwrap();
    assert_eq!(second.sidecar.client_version, None);
}

#[test]
fn sidecar_problems_name_the_field_and_the_fix() {
    let root = temp_dir("problems");
    let good = fixture::Fixture {
        path: root.join("captures/curl/get/00-00-get-index.http"),
        name: "captures/curl/get/00-00-get-index.http".into(),
        bytes: b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        sidecar: fixture::Sidecar {
            client: "curl".into(),
            client_version: Some("7.88.1".into()),
            captured_at: Some("2026-11-23T19:54:28Z".into()),
            how: "test".into(),
            session: Some("get".into()),
            connection: Some(0),
            position: Some(0),
            ..Default::default()
        },
    };
    assert_eq!(capture::sidecar_problems(&good), Vec::<String>::new());
    let with = |change: fn(&mut fixture::Sidecar)| {
        let mut f = good.clone();
        change(&mut f.sidecar);
        capture::sidecar_problems(&f)
    };
    type Change = fn(&mut fixture::Sidecar);
    let cases: [(Change, &str, &str); 6] = [
        (
            |s| s.client_version = None,
            "`client_version`",
            "--client-version",
        ),
        (|s| s.captured_at = None, "`captured_at`", "captured_at = "),
        (
            |s| s.client = "wget".into(),
            "`client`",
            "client = \"curl\"",
        ),
        (|s| s.session = None, "`session`", "session = \"get\""),
        (|s| s.position = Some(3), "`connection`", "00-03-get-index"),
        (|s| s.connection = None, "`connection`", "connection = N"),
    ];
    for (change, field, fix) in cases {
        let problems = with(change);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(field), "{problems:?}");
        assert!(problems[0].contains(fix), "{problems:?}");
        assert!(problems[0].contains("00-00-get-index.toml"), "{problems:?}");
    }
    // Not a capture: hand-written fixtures need only client and how.
    let mut hand = good.clone();
    hand.name = "requests/get-root.http".into();
    hand.sidecar = fixture::Sidecar {
        client: "hand-written".into(),
        how: "written by hand".into(),
        ..Default::default()
    };
    assert!(capture::sidecar_problems(&hand).is_empty());
}

#[test]
fn max_requests_stops_the_capture_by_itself() {
    let out = temp_dir("max");
    let mut o = options(&out);
    o.max_requests = Some(2);
    let capture = Capture::start(o).unwrap();
    let addr = capture.addr();
    let client = std::thread::spawn(move || exchange(addr, &[GET, GET, LAST].concat()));
    capture.wait();
    let summary = capture.finish().unwrap();
    client.join().unwrap();
    assert_eq!(summary.stopped_by, StopReason::MaxRequests);
    assert_eq!(summary.written.len(), 2);
}

#[test]
fn duration_stops_a_capture_that_sees_nothing() {
    let out = temp_dir("duration");
    let mut o = options(&out);
    o.duration = Some(Duration::from_millis(200));
    let summary = capture::run(o).unwrap();
    assert_eq!(summary.stopped_by, StopReason::Duration);
    assert!(summary.written.is_empty());
}

fn harness_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

#[test]
fn cli_usage_errors_exit_2() {
    for args in [
        &["capture", "--bogus"][..],
        &["capture"],
        &["capture", "--client", "curl", "--addr", "10.0.0.1:8000"],
        &["capture", "--client", "../x"],
        &["capture", "--client", "curl", "--max-requests", "many"],
    ] {
        let out = harness_bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?} printed no error");
    }
}

#[test]
fn cli_refuses_an_existing_session_once_and_serves_nothing() {
    let out = temp_dir("cli-exists");
    fs::create_dir_all(out.join("curl/get")).unwrap();
    fs::write(out.join("curl/get/00-00-get-index.http"), b"old").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let run = harness_bin()
        .args(["capture", "--client", "curl", "--session", "get"])
        .args(["--max-requests", "1", "--duration", "5"])
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(stderr.contains("--session"), "{stderr}");
    assert!(run.stdout.is_empty(), "it announced a capture: {run:?}");
    assert_eq!(
        fs::read(out.join("curl/get/00-00-get-index.http")).unwrap(),
        b"old"
    );
}

#[test]
fn cli_captures_and_prints_each_file() {
    let out = temp_dir("cli");
    let mut child = harness_bin()
        .args(["capture", "--client", "curl", "--addr", "127.0.0.1:0"])
        .args([
            "--session",
            "cli",
            "--max-requests",
            "1",
            "--duration",
            "30",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    // "capturing curl on http://127.0.0.1:PORT/ into ..."
    let addr: SocketAddr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .parse()
        .unwrap();
    exchange(addr, LAST);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let file = out.join("curl/cli/00-00-get-test-jpg.http");
    assert!(
        rest.iter().any(|l| l.contains(&file.display().to_string())),
        "{rest:?}"
    );
    assert_eq!(fs::read(file).unwrap(), LAST);
}

/// The committed corpus (`scripts/capture-fixtures.sh`): enough real
/// clients, names that agree with the sidecars, and requests the reference
/// server answers without a 400.
#[test]
fn committed_captures_are_named_after_their_sidecars_and_answered() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("fixtures");
    let fixtures = fixture::load_all(&root).unwrap();
    let captures: Vec<_> = fixtures
        .iter()
        .filter(|f| f.name.starts_with("captures/"))
        .collect();
    assert!(captures.len() >= 40, "only {} captures", captures.len());
    // A sidecar says how a capture was made without naming the folders of
    // the machine that made it: the checkout's parent, or the temp folder.
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let workspace_parent = format!("{}/", checkout.parent().unwrap().display());
    let temp = format!("{}/", std::env::temp_dir().display());
    let mut clients: Vec<&str> = captures.iter().map(|f| f.sidecar.client.as_str()).collect();
    clients.sort_unstable();
    clients.dedup();
    assert!(clients.len() >= 8, "only clients {clients:?}");
    let config = server::Config {
        log: false,
        ..Default::default()
    };
    let mut problems = Vec::new();
    for f in captures {
        problems.extend(capture::sidecar_problems(f));
        if f.sidecar.how.contains(workspace_parent.as_str())
            || f.sidecar.how.contains(temp.as_str())
        {
            problems.push(format!(
                "{}: field `how` names a folder of the machine that captured it; say the \
                 command relative to the checkout",
                f.path.with_extension("toml").display()
            ));
        }
        let response = server::conn::serve_bytes(&f.bytes, &config);
        assert!(
            response.starts_with(b"HTTP/1.1 ") && !response.starts_with(b"HTTP/1.1 400"),
            "{}: {}",
            f.name,
            String::from_utf8_lossy(&response[..response.len().min(200)])
        );
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The README's examples write new fixtures: its `capture` commands name a
/// session no committed capture uses, and its `printf … > fixtures/…`
/// lines name files that are not committed. (Checked against git's index,
/// so fixtures a reader made by following the README do not count.)
#[test]
fn readme_examples_write_new_fixtures_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let mut written = Vec::new();
    for line in readme.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let value = |flag: &str| {
            words
                .iter()
                .position(|w| *w == flag)
                .and_then(|i| words.get(i + 1))
                .copied()
        };
        if words.windows(2).any(|w| w == ["--", "capture"]) {
            let client = value("--client").unwrap_or_else(|| panic!("no --client in {line}"));
            let session = value("--session")
                .unwrap_or_else(|| panic!("{line}: name the session, so the next steps can"));
            written.push(format!("fixtures/captures/{client}/{session}"));
        }
        if let Some(path) = value(">").filter(|p| p.starts_with("fixtures/")) {
            written.push(path.to_owned());
        }
    }
    assert!(written.len() >= 3, "README examples not found: {written:?}");
    let tracked = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["ls-files", "--"])
        .args(&written)
        .output();
    match tracked {
        Ok(out) if out.status.success() => {
            let listed = String::from_utf8_lossy(&out.stdout);
            assert!(
                listed.trim().is_empty(),
                "README examples would collide with committed fixtures:\n{listed}\
                 give the examples names of their own"
            );
        }
        // Not a git checkout (an unpacked archive): nothing is committed.
        _ => eprintln!("no git index to check {written:?} against"),
    }
}
