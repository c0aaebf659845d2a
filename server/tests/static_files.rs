//! `--root`: a temporary folder served under `/files/`, with a secret file
//! beside it that no request may reach. Requests go through the whole
//! connection state machine (`serve_bytes`), parser included.
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use server::app::App;
use server::clock::FixedClock;
use server::static_files::StaticFiles;

const SECRET: &str = "TOP-SECRET-BESIDE-THE-ROOT";

/// `tmp/secret.txt` (never to be served) and `tmp/root/` with a file, a
/// folder, a link inside and links pointing out.
struct Site {
    _tmp: tempfile::TempDir,
    config: server::Config,
}

fn site() -> Site {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path();
    std::fs::write(top.join("secret.txt"), SECRET).unwrap();
    let root = top.join("root");
    std::fs::create_dir_all(root.join("sub dir")).unwrap();
    std::fs::write(root.join("hello.txt"), "Hello, files!\n").unwrap();
    std::fs::write(root.join("sub dir/inner.html"), "<p>inner</p>\n").unwrap();
    std::fs::write(root.join("digits.bin"), "0123456789").unwrap();
    std::os::unix::fs::symlink("hello.txt", root.join("link-in.txt")).unwrap();
    std::os::unix::fs::symlink(top.join("secret.txt"), root.join("link-out.txt")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.join("link-up.txt")).unwrap();
    std::os::unix::fs::symlink(top, root.join("link-dir")).unwrap();
    let t = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    for f in ["hello.txt", "digits.bin"] {
        let file = std::fs::File::options()
            .write(true)
            .open(root.join(f))
            .unwrap();
        file.set_modified(t).unwrap();
    }
    let clock = Arc::new(FixedClock(t));
    let mut app = App::new(clock.clone());
    app.files = Some(StaticFiles::new(&root).unwrap());
    let config = server::Config {
        handler: app.into_handler(),
        clock,
        log: false,
        ..Default::default()
    };
    Site { _tmp: tmp, config }
}

fn send(site: &Site, request: &str) -> String {
    let out = server::conn::serve_bytes(request.as_bytes(), &site.config);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(site: &Site, target: &str, extra: &str) -> String {
    send(
        site,
        &format!("GET {target} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"),
    )
}

fn status(response: &str) -> u16 {
    response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn field<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[test]
fn a_file_is_served_with_type_validators_and_accept_ranges() {
    let s = site();
    let r = get(&s, "/files/hello.txt", "");
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(field(&r, "Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(field(&r, "Accept-Ranges"), Some("bytes"));
    assert_eq!(
        field(&r, "Last-Modified"),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    assert!(r.ends_with("\r\n\r\nHello, files!\n"), "{r}");
    let etag = field(&r, "ETag").unwrap().to_owned();
    let r = get(
        &s,
        "/files/hello.txt",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(status(&r), 304, "{r}");
    assert_eq!(field(&r, "ETag"), Some(etag.as_str()));
    let r = get(
        &s,
        "/files/hello.txt",
        "If-Modified-Since: Thu, 01 Jan 2026 00:00:00 GMT\r\n",
    );
    assert_eq!(status(&r), 304, "{r}");
    let r = get(
        &s,
        "/files/hello.txt",
        "If-Modified-Since: Wed, 31 Dec 2025 23:59:59 GMT\r\n",
    );
    assert_eq!(status(&r), 200, "{r}");
    let r = get(&s, "/files/hello.txt", "If-Match: \"other\"\r\n");
    assert_eq!(status(&r), 412, "{r}");
    let r = send(&s, "HEAD /files/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(field(&r, "Content-Length"), Some("14"));
    assert!(r.ends_with("\r\n\r\n"), "{r}");
    let r = get(&s, "/files/link-in.txt", "");
    assert_eq!(status(&r), 200, "a link inside the root is followed: {r}");
}

#[test]
fn single_ranges_are_206_and_416() {
    let s = site();
    let r = get(&s, "/files/digits.bin", "Range: bytes=2-4\r\n");
    assert_eq!(status(&r), 206, "{r}");
    assert_eq!(field(&r, "Content-Range"), Some("bytes 2-4/10"));
    assert_eq!(field(&r, "Content-Length"), Some("3"));
    assert!(r.ends_with("\r\n\r\n234"), "{r}");
    let r = get(&s, "/files/digits.bin", "Range: bytes=-3\r\n");
    assert!(r.ends_with("\r\n\r\n789"), "{r}");
    let r = get(&s, "/files/digits.bin", "Range: bytes=10-\r\n");
    assert_eq!(status(&r), 416, "{r}");
    assert_eq!(field(&r, "Content-Range"), Some("bytes */10"));
    let r = get(&s, "/files/digits.bin", "Range: bytes=0-1,4-5\r\n");
    assert_eq!(status(&r), 200, "several ranges are ignored: {r}");
    let r = get(
        &s,
        "/files/digits.bin",
        "Range: bytes=2-4\r\nIf-Range: \"stale\"\r\n",
    );
    assert_eq!(status(&r), 200, "If-Range that does not match: {r}");
    let r = get(
        &s,
        "/files/digits.bin",
        "Range: bytes=2-4\r\nIf-Range: Thu, 01 Jan 2026 00:00:00 GMT\r\n",
    );
    assert_eq!(status(&r), 206, "If-Range with the Last-Modified date: {r}");
    let r = send(
        &s,
        "HEAD /files/digits.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n",
    );
    assert_eq!(status(&r), 200, "HEAD ignores Range: {r}");
}

#[test]
fn a_folder_redirects_to_its_slash_then_lists() {
    let s = site();
    let r = get(&s, "/files/sub%20dir?x=1", "");
    assert_eq!(status(&r), 301, "{r}");
    assert_eq!(field(&r, "Location"), Some("/files/sub%20dir/?x=1"));
    let r = get(&s, "/files", "");
    assert_eq!(field(&r, "Location"), Some("/files/"));
    let r = get(&s, "/files/", "");
    assert_eq!(status(&r), 200, "{r}");
    assert!(r.contains("<a href=\"hello.txt\">hello.txt</a>"), "{r}");
    assert!(r.contains("<a href=\"sub%20dir/\">sub dir/</a>"), "{r}");
    let r = get(&s, "/files/sub%20dir/", "");
    assert!(r.contains("<a href=\"inner.html\">inner.html</a>"), "{r}");
    let r = get(&s, "/files/sub%20dir/inner.html", "");
    assert_eq!(field(&r, "Content-Type"), Some("text/html; charset=utf-8"));
    let r = send(
        &s,
        "POST /files/hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(status(&r), 405, "{r}");
    assert_eq!(field(&r, "Allow"), Some("GET, HEAD, OPTIONS"));
}

/// Each way out, one by one: refused, and the secret never in the answer.
#[test]
fn no_traversal_reaches_the_secret_beside_the_root() {
    let s = site();
    for target in [
        "/files/../secret.txt",
        "/files/sub%20dir/../../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2E%2E/secret.txt",
        "/files/.%2e/secret.txt",
        "/files/%2e./secret.txt",
        "/files/..%2fsecret.txt",
        "/files/%2e%2e%2fsecret.txt",
        "/files/..%2Fsecret.txt",
        "/files/..%5csecret.txt",
        "/files/..%5Csecret.txt",
        "/files/..\\secret.txt",
        "/files/hello.txt%00.png",
        "/files/%00",
        "/files//secret.txt",
        "/files//etc/passwd",
        "/files/%2fetc%2fpasswd",
        "/files/link-out.txt",
        "/files/link-up.txt",
        "/files/link-dir/secret.txt",
        "/files/link-dir/",
        "/files/./hello.txt",
        "/files/%252e%252e/secret.txt",
        "http://x/files/../secret.txt",
        "http://x/files/%2e%2e/secret.txt",
    ] {
        let r = get(&s, target, "");
        assert!(
            matches!(status(&r), 400 | 403 | 404),
            "{target} answered {}:\n{r}",
            status(&r)
        );
        assert!(!r.contains(SECRET), "{target} leaked the secret");
    }
}

/// Path pieces that traversal attempts are made of.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "..",
        ".",
        "%2e%2e",
        "%2E%2e",
        ".%2e",
        "%2e.",
        "%2e",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "\\",
        "%00",
        "",
        "/",
        "secret.txt",
        "hello.txt",
        "sub%20dir",
        "link-out.txt",
        "link-up.txt",
        "link-dir",
        "..%2f",
        "..%5c",
        "%252e%252e",
        "%c0%ae%c0%ae",
        "..;",
        "~",
        "root",
    ])
}

/// Any path made of traversal pieces, 512 of them against one temporary
/// root: whatever the status, the secret file beside the root is never
/// served.
#[test]
fn traversal_attempts_never_serve_the_secret() {
    let s = site();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    });
    let strategy = (prop::collection::vec(piece(), 1..8), any::<bool>());
    let outcome = runner.run(&strategy, |(pieces, absolute)| {
        let path = format!("/files/{}", pieces.join("/"));
        let target = if absolute {
            format!("http://x{path}")
        } else {
            path
        };
        let r = get(&s, &target, "");
        prop_assert!(!r.contains(SECRET), "{} served the secret:\n{}", target, r);
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

#[test]
fn a_root_that_is_not_a_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("f");
    std::fs::write(&f, "x").unwrap();
    assert!(StaticFiles::new(&f).is_err());
    assert!(StaticFiles::new(Path::new("/nonexistent/h1check")).is_err());
}
