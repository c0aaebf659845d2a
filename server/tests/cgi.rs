//! `--cgi`: shell scripts in a temporary folder run under `/cgi-bin/`
//! (RFC 3875), through the whole connection state machine.
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use server::app::App;
use server::cgi::Cgi;
use server::clock::FixedClock;

struct Site {
    tmp: tempfile::TempDir,
    config: server::Config,
}

fn script(dir: &Path, name: &str, body: &str, mode: u32) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn site() -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path();
    let dir = top.join("cgi");
    std::fs::create_dir(&dir).unwrap();
    // Beside the folder: a script that must never run.
    script(
        top,
        "secret.sh",
        "printf 'Content-Type: text/plain\\n\\nSECRET-RAN'",
        0o755,
    );
    std::os::unix::fs::symlink(top.join("secret.sh"), dir.join("link-out.sh")).unwrap();
    script(
        &dir,
        "env.sh",
        "printf 'Content-Type: text/plain\\r\\n\\r\\n'; /usr/bin/env | /usr/bin/sort",
        0o755,
    );
    script(
        &dir,
        "echo.sh",
        "printf 'Content-Type: application/octet-stream\\n\\n'; /bin/cat",
        0o755,
    );
    script(
        &dir,
        "created.sh",
        "printf 'Status: 201 Created\\nLocation: /things/1\\nContent-Type: text/plain\\nX-Extra: yes\\n\\nmade'",
        0o755,
    );
    script(
        &dir,
        "redirect.sh",
        "printf 'Location: http://example.org/\\n\\n'",
        0o755,
    );
    script(
        &dir,
        "slow.sh",
        &format!("echo $$ > {}/slow.pid; exec /bin/sleep 30", top.display()),
        0o755,
    );
    script(
        &dir,
        "fails.sh",
        "printf 'Content-Type: text/plain\\n\\nhalf'; exit 3",
        0o755,
    );
    script(&dir, "headerless.sh", "echo hello", 0o755);
    script(&dir, "silent.sh", "exit 0", 0o755);
    script(
        &dir,
        "plain.sh",
        "echo 'Content-Type: text/plain'; echo",
        0o644,
    );
    let clock = Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_767_225_600)));
    let mut app = App::new(clock.clone());
    app.cgi = Some(Cgi::new(&dir, Duration::from_millis(500)).unwrap());
    let config = server::Config {
        handler: app.into_handler(),
        clock,
        log: false,
        ..Default::default()
    };
    Site { tmp, config }
}

fn send(site: &Site, request: &str) -> String {
    let out = server::conn::serve_bytes(request.as_bytes(), &site.config);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(site: &Site, target: &str, extra: &str) -> String {
    send(
        site,
        &format!(
            "GET {target} HTTP/1.1\r\nHost: example.org:8080\r\n{extra}Connection: close\r\n\r\n"
        ),
    )
}

fn status(response: &str) -> u16 {
    response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn meta_variables_follow_rfc_3875_and_nothing_else_leaks() {
    let s = site();
    let r = get(
        &s,
        "/cgi-bin/env.sh/extra/p%20ath?a=1&b=%20",
        "X-Custom: one\r\nX-Custom: two\r\nProxy: http://evil.example:1/\r\nAuthorization: Basic eDp5\r\nX_Under: no\r\n",
    );
    assert_eq!(status(&r), 200, "{r}");
    let env = r.split("\r\n\r\n").nth(1).unwrap();
    for line in [
        "GATEWAY_INTERFACE=CGI/1.1",
        "REQUEST_METHOD=GET",
        "QUERY_STRING=a=1&b=%20",
        "PATH_INFO=/extra/p ath",
        "SCRIPT_NAME=/cgi-bin/env.sh",
        "SERVER_NAME=example.org",
        "SERVER_PORT=8080",
        "SERVER_PROTOCOL=HTTP/1.1",
        "REMOTE_ADDR=127.0.0.1",
        "HTTP_HOST=example.org:8080",
        "HTTP_X_CUSTOM=one, two",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing:\n{env}");
    }
    for absent in [
        "HTTP_PROXY=",
        "HTTP_AUTHORIZATION=",
        "HTTP_X_UNDER",
        "PATH=",
        "HOME=",
        "CONTENT_LENGTH=",
    ] {
        assert!(
            !env.lines().any(|l| l.starts_with(absent)),
            "{absent} must not be set:\n{env}"
        );
    }
}

#[test]
fn the_body_reaches_stdin_with_chunks_decoded() {
    let s = site();
    let r = send(
        &s,
        "POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n",
    );
    assert_eq!(status(&r), 200, "{r}");
    assert!(r.contains("\r\nContent-Length: 12\r\n"), "{r}");
    assert!(r.ends_with("\r\n\r\nhello, world"), "{r}");
    let r = send(
        &s,
        "POST /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
         Content-Length: 3\r\nConnection: close\r\n\r\nabc",
    );
    assert!(r.contains("\nCONTENT_LENGTH=3\n"), "{r}");
    assert!(r.contains("\nCONTENT_TYPE=text/plain\n"), "{r}");
    assert!(r.contains("\nREQUEST_METHOD=POST\n"), "{r}");
}

#[test]
fn status_location_and_extra_fields_become_the_response() {
    let s = site();
    let r = get(&s, "/cgi-bin/created.sh", "");
    assert!(r.starts_with("HTTP/1.1 201 Created\r\n"), "{r}");
    assert!(r.contains("\r\nLocation: /things/1\r\n"), "{r}");
    assert!(r.contains("\r\nX-Extra: yes\r\n"), "{r}");
    assert!(r.contains("\r\nContent-Length: 4\r\n"), "{r}");
    let r = get(&s, "/cgi-bin/redirect.sh", "");
    assert!(r.starts_with("HTTP/1.1 302 Found\r\n"), "{r}");
    assert!(r.contains("\r\nLocation: http://example.org/\r\n"), "{r}");
    let r = send(&s, "HEAD /cgi-bin/created.sh HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 201 Created\r\n"), "{r}");
    assert!(r.contains("\r\nContent-Length: 4\r\n"), "{r}");
    assert!(
        r.ends_with("\r\nX-Extra: yes\r\n\r\n"),
        "HEAD has no content: {r}"
    );
}

#[test]
fn a_slow_script_is_killed_and_the_client_gets_504() {
    let s = site();
    let started = Instant::now();
    let r = get(&s, "/cgi-bin/slow.sh", "");
    assert_eq!(status(&r), 504, "{r}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let pid = std::fs::read_to_string(s.tmp.path().join("slow.pid")).unwrap();
    let proc = format!("/proc/{}", pid.trim());
    assert!(
        !Path::new(&proc).exists(),
        "the script still runs as {proc}"
    );
}

#[test]
fn failing_or_headerless_scripts_are_502() {
    let s = site();
    for name in ["fails.sh", "headerless.sh", "silent.sh"] {
        let r = get(&s, &format!("/cgi-bin/{name}"), "");
        assert_eq!(status(&r), 502, "{name}: {r}");
    }
    let r = get(&s, "/cgi-bin/plain.sh", "");
    assert_eq!(status(&r), 403, "not executable: {r}");
    let r = get(&s, "/cgi-bin/missing.sh", "");
    assert_eq!(status(&r), 404, "{r}");
}

#[test]
fn no_path_trick_runs_a_script_outside_the_folder() {
    let s = site();
    for target in [
        "/cgi-bin/../secret.sh",
        "/cgi-bin/%2e%2e/secret.sh",
        "/cgi-bin/..%2fsecret.sh",
        "/cgi-bin/..%5csecret.sh",
        "/cgi-bin/.%2e/secret.sh",
        "/cgi-bin//secret.sh",
        "/cgi-bin/link-out.sh",
        "/cgi-bin/%2e%2e%2fsecret.sh",
        "/cgi-bin/env.sh%00",
        "/cgi-bin/",
    ] {
        let r = get(&s, target, "");
        assert!(matches!(status(&r), 400 | 403 | 404), "{target}: {r}");
        assert!(!r.contains("SECRET-RAN"), "{target} ran the secret script");
    }
}

/// RFC 3875 §4.1.8: REMOTE_ADDR is the address of the client that sent
/// this request, the one the connection was accepted from.
#[test]
fn remote_addr_is_the_connections_peer() {
    let s = site();
    let request = "GET /cgi-bin/env.sh HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n";
    let mut io = server::socket::Memory::new(request.as_bytes());
    let peer = std::net::SocketAddr::from(([192, 0, 2, 7], 4711));
    server::conn::serve(&mut io, &s.config, peer, 0);
    let r = String::from_utf8_lossy(&io.output).into_owned();
    assert_eq!(status(&r), 200, "{r}");
    assert!(r.contains("\nREMOTE_ADDR=192.0.2.7\n"), "{r}");
    assert!(r.contains("\nREMOTE_HOST=192.0.2.7\n"), "{r}");
}
