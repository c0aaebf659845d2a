//! The guestbook end to end: a real server on a temporary data folder,
//! real sockets; durability against a real process killed with SIGKILL.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use server::app::App;
use server::clock::{Clock, FixedClock};
use server::guestbook::Guestbook;

fn start(dir: &Path) -> server::Handle {
    start_with(dir, server::guestbook::RECHECK)
}

/// A server whose guestbook looks at its files every `recheck`.
fn start_with(dir: &Path, recheck: Duration) -> server::Handle {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(
        std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600),
    ));
    let mut app = App::new(Arc::clone(&clock));
    app.guestbook = Some(
        Guestbook::new(dir, Arc::clone(&clock))
            .with_busy_timeout(Duration::from_millis(100))
            .with_recheck(recheck),
    );
    let config = server::Config {
        handler: app.into_handler(),
        clock,
        log: false,
        ..Default::default()
    };
    server::Server::bind("127.0.0.1:0", config).unwrap().spawn()
}

/// Sends `request` on a new connection and reads until the server closes.
fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn post(addr: SocketAddr, form: &str) -> String {
    exchange(
        addr,
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        )
        .as_bytes(),
    )
}

fn get(addr: SocketAddr, target: &str) -> String {
    exchange(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

#[test]
fn post_redirects_and_the_entry_is_listed_escaped_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let r = post(server.addr(), "name=Ann&message=first");
    assert!(r.starts_with("HTTP/1.1 303 See Other\r\n"), "{r}");
    assert!(r.contains("\r\nLocation: /\r\n"), "{r}");
    let r = post(server.addr(), "name=%3Cb%3EBob&message=a+%26+b");
    assert!(r.starts_with("HTTP/1.1 303 "), "{r}");
    let page = get(server.addr(), "/");
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    let bob = page
        .find("<b>&lt;b&gt;Bob</b>")
        .expect("Bob's entry, escaped");
    let ann = page.find("<b>Ann</b>").expect("Ann's entry");
    assert!(bob < ann, "newest first:\n{page}");
    assert!(page.contains(">a &amp; b</p>"), "{page}");
}

#[test]
fn bad_forms_get_400_saying_what_was_wrong_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let r = post(server.addr(), "name=&message=hi");
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{r}");
    assert!(r.contains("The name is empty."), "{r}");
    let r = post(server.addr(), "name=a%FF&message=hi");
    assert!(r.contains("does not decode to UTF-8"), "{r}");
    let long = format!("name=a&message={}", "x".repeat(2001));
    let r = post(server.addr(), &long);
    assert!(r.contains("The message is 2001 characters long"), "{r}");
    assert!(get(server.addr(), "/").contains("No entries yet."));
}

#[test]
fn fifty_concurrent_posters_all_land_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let addr = server.addr();
    let posters: Vec<_> = (0..50)
        .map(|i| std::thread::spawn(move || post(addr, &format!("name=p{i}&message=m{i}"))))
        .collect();
    for p in posters {
        let r = p.join().unwrap();
        assert!(r.starts_with("HTTP/1.1 303 "), "{r}");
    }
    let conn = rusqlite::Connection::open(dir.path().join("guestbook.sqlite3")).unwrap();
    let (rows, distinct): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT message) FROM entries",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((rows, distinct), (50, 50));
    let page = get(addr, "/");
    for i in 0..50 {
        assert_eq!(page.matches(&format!("<b>p{i}</b>")).count(), 1, "p{i}");
    }
}

#[test]
fn a_locked_database_is_503_and_the_rest_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    assert!(post(server.addr(), "name=a&message=before").starts_with("HTTP/1.1 303 "));
    let locker = rusqlite::Connection::open(dir.path().join("guestbook.sqlite3")).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let r = post(server.addr(), "name=a&message=while+locked");
    assert!(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{r}");
    assert!(r.contains("cannot be read or written"), "{r}");
    assert!(get(server.addr(), "/time").starts_with("HTTP/1.1 200 "));
    assert!(get(server.addr(), "/test.jpg").starts_with("HTTP/1.1 200 "));
    locker.execute_batch("ROLLBACK").unwrap();
    assert!(post(server.addr(), "name=a&message=after").starts_with("HTTP/1.1 303 "));
    let page = get(server.addr(), "/");
    assert!(
        page.contains("after") && !page.contains("while locked"),
        "{page}"
    );
}

#[test]
fn a_data_folder_that_cannot_be_made_is_503_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let server = start(&file);
    let r = post(server.addr(), "name=a&message=m");
    assert!(r.starts_with("HTTP/1.1 503 "), "{r}");
    assert!(get(server.addr(), "/").starts_with("HTTP/1.1 503 "));
    assert!(get(server.addr(), "/test.jpg").starts_with("HTTP/1.1 200 "));
}

/// Starts the `server` binary on a free port with `--data dir`.
fn spawn_binary(dir: &Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--addr", "127.0.0.1:0", "--quiet", "--data"])
        .arg(dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server says where it listens")
            .unwrap();
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.trim_end_matches('/').parse().unwrap();
        }
    };
    (child, addr)
}

#[test]
fn an_entry_that_got_its_303_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_binary(dir.path());
    let r = post(addr, "name=Durable&message=kill+me+now");
    assert!(r.starts_with("HTTP/1.1 303 "), "{r}");
    // SIGKILL at once: no destructor, no flush, no checkpoint runs.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, addr) = spawn_binary(dir.path());
    let page = get(addr, "/");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(page.contains("<b>Durable</b>"), "{page}");
    assert!(page.contains("kill me now"), "{page}");
}

fn field<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next().unwrap_or("");
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn the_page_has_validators_that_change_with_an_entry() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let addr = server.addr();
    let first = get(addr, "/");
    let etag = field(&first, "ETag").expect("an ETag").to_owned();
    assert!(field(&first, "Last-Modified").is_some(), "{first}");
    // RFC 9110 §13.1.2: a matching If-None-Match on GET is 304, with the
    // validators and no content.
    let conditional = |tag: &str| {
        exchange(
            addr,
            format!(
                "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: {tag}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
    };
    let r = conditional(&etag);
    assert!(r.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{r}");
    assert_eq!(field(&r, "ETag"), Some(etag.as_str()));
    assert!(r.ends_with("\r\n\r\n"), "{r}");
    // If-None-Match: * on POST is false (`/` exists): 412, nothing stored.
    let r = exchange(
        addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 16\r\n\
          Connection: close\r\n\r\nname=a&message=b",
    );
    assert!(r.starts_with("HTTP/1.1 412 "), "{r}");
    assert!(get(addr, "/").contains("No entries yet."));
    // A new entry changes the page, so the old tag no longer matches.
    assert!(post(addr, "name=Ada&message=hello").starts_with("HTTP/1.1 303 "));
    let r = conditional(&etag);
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert_ne!(field(&r, "ETag"), Some(etag.as_str()));
    // RFC 9110 §14: one byte range of the page.
    let r = exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 206 Partial Content\r\n"), "{r}");
    assert!(
        field(&r, "Content-Range").is_some_and(|v| v.starts_with("bytes 0-9/")),
        "{r}"
    );
}

#[test]
fn a_form_without_name_or_message_is_the_tutorials_and_is_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let r = post(server.addr(), "x=123");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains("Form received"), "{r}");
    assert!(get(server.addr(), "/").contains("No entries yet."));
}

#[test]
fn an_entry_written_by_another_process_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    // The page is rendered (and kept) before the other writer comes.
    assert!(post(server.addr(), "name=Ada&message=here+first").starts_with("HTTP/1.1 303 "));
    let before = get(server.addr(), "/");
    assert!(before.contains("here first") && get(server.addr(), "/") == before);
    let other = rusqlite::Connection::open(dir.path().join("guestbook.sqlite3")).unwrap();
    other
        .execute(
            "INSERT INTO entries (name, message, at) VALUES ('Grace', 'from elsewhere', 0)",
            (),
        )
        .unwrap();
    // Within `RECHECK` the kept page may still be served; after it, the
    // files are looked at and the new entry is listed.
    std::thread::sleep(server::guestbook::RECHECK * 3);
    let page = get(server.addr(), "/");
    assert!(page.contains("from elsewhere"), "{page}");
}

#[test]
fn an_entry_posted_here_is_listed_at_once_on_a_kept_page() {
    let dir = tempfile::tempdir().unwrap();
    // The files are not looked at again within the test: only the POST
    // itself can make the next page list the entry.
    let server = start_with(dir.path(), Duration::from_secs(3600));
    assert!(get(server.addr(), "/").contains("No entries yet."));
    assert!(post(server.addr(), "name=Ada&message=right+away").starts_with("HTTP/1.1 303 "));
    let page = get(server.addr(), "/");
    assert!(page.contains("right away"), "{page}");
}
