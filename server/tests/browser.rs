//! A real browser, end to end: headless Chromium loads `/` in a frame of a
//! test page (`tests/browser/e2e.html`, served from a temporary `--root`
//! so that its script may reach into the frame), checks that the picture
//! decodes, signs the guestbook through the form, and checks that the new
//! entry is the newest one listed after the 303.
//!
//! Skipped, saying so, when no Chromium is installed, unless
//! `H1CHECK_REQUIRE_CHROMIUM` is set (CI installs it and sets it).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PAGE: &str = include_str!("browser/e2e.html");

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("H1CHECK_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn spawn_server(data: &Path, root: &Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--addr", "127.0.0.1:0", "--quiet", "--data"])
        .arg(data)
        .arg("--root")
        .arg(root)
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

/// Runs Chromium on `url` and returns the DOM it dumps, killing it after
/// `limit`.
fn dump_dom(browser: &Path, profile: &Path, url: &str, limit: Duration) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    reader.join().unwrap()
}

#[test]
fn chromium_loads_the_page_sees_the_picture_and_signs_the_guestbook() {
    let Some(browser) = chromium() else {
        if std::env::var_os("H1CHECK_REQUIRE_CHROMIUM").is_some() {
            panic!("H1CHECK_REQUIRE_CHROMIUM is set but no chromium is on PATH");
        }
        eprintln!(
            "SKIPPED chromium end-to-end test: no chromium, chromium-browser or google-chrome \
             on PATH (apt-get install -y chromium, or set H1CHECK_CHROMIUM)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("e2e.html"), PAGE).unwrap();
    let profile = tmp.path().join("profile");
    let (mut server, addr) = spawn_server(&tmp.path().join("data"), &root);
    let url = format!(
        "http://{addr}/files/e2e.html?name=Chromium%20e2e&message=Signed%20%3Cby%3E%20a%20browser"
    );
    let dom = dump_dom(&browser, &profile, &url, Duration::from_secs(60));
    // What the server stored, read back over our own connection.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut page = String::new();
    s.read_to_string(&mut page).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let result = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or("(no result element in the dumped DOM)");
    assert!(
        result.starts_with("PASS: naturalWidth 240;"),
        "{result}\n{dom}"
    );
    assert!(
        page.contains("<b>Chromium e2e</b>") && page.contains("Signed &lt;by&gt; a browser"),
        "{page}"
    );
}
