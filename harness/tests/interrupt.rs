//! Ctrl-C on a real `harness run`: a real SIGINT to the process stops it
//! starting cases; it prints the summary of what ran, writes the reports
//! asked for marked incomplete, and exits 130. Against a server that
//! accepts and never answers, as the slow case this is for.
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use harness::progress::longest_wait;

mod common;

#[test]
fn a_sigint_stops_the_run_with_a_summary_and_incomplete_reports() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases");
    let selected = harness::case::load_all(&root)
        .unwrap()
        .iter()
        .filter(|c| c.category == "fields")
        .count();
    assert!(selected > 40, "enough cases to interrupt");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    // Accepts and holds every connection, never answering; the thread ends
    // with the test process. The first connection says the run is under
    // way (its Ctrl-C handler is in place before the first case starts).
    let (first, under_way) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
            let _ = first.send(());
        }
    });
    let dir = common::temp_dir("reports");
    let (json, junit, html, baseline) = (
        dir.join("r.json"),
        dir.join("r.xml"),
        dir.join("r.html"),
        dir.join("b.txt"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", "--target", &addr, "--timeout-ms", "200", "-j", "2"])
        .args(["--category", "fields"])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--html")
        .arg(&html)
        .arg("--write-baseline")
        .arg(&baseline)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    under_way
        .recv_timeout(Duration::from_secs(20))
        .expect("the run connects to the target");
    thread::sleep(Duration::from_millis(100));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("harness run did not stop after SIGINT");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    // It stopped well before the cases' 200 ms each, two at a time.
    assert!(start.elapsed() < Duration::from_secs(4));

    let summary = stdout
        .lines()
        .find(|l| l.contains(" cases in "))
        .unwrap_or_else(|| panic!("a summary line in {stdout}"));
    let ran: usize = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(ran > 0 && ran < 30, "{summary}");
    assert!(
        stdout.contains(&format!(
            "INCOMPLETE: interrupted after {ran} of {selected} selected cases; {} did not run",
            selected - ran
        )),
        "{stdout}"
    );
    assert!(stdout.contains("\nfailures:\n"), "what ran is listed");
    assert!(
        stderr.contains("interrupted: starting no more cases"),
        "{stderr}"
    );
    // Not a terminal: no progress line.
    assert!(
        !stderr.contains("cases waiting") && !stderr.contains('\r'),
        "{stderr}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["incomplete"]["ran"], ran);
    assert_eq!(report["incomplete"]["not_run"], selected - ran);
    assert_eq!(report["cases"].as_array().unwrap().len(), ran);
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuites name=\"h1check conformance (incomplete)\""),
        "{xml}"
    );
    assert!(xml.contains("<system-out>INCOMPLETE: interrupted after"));
    let page = fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("INCOMPLETE: interrupted after"),
        "the HTML says so"
    );
    // A baseline of a partial run would be wrong: it is not written.
    assert!(!baseline.exists());
    assert!(stderr.contains("the baseline was not written"), "{stderr}");
}

#[test]
fn the_progress_line_names_the_case_waited_on_longest() {
    let now = Instant::now();
    let mut running = BTreeMap::new();
    assert_eq!(longest_wait(&running), None);
    running.insert(3, ("fields/late".to_owned(), now));
    running.insert(
        7,
        (
            "fragments/early".to_owned(),
            now - Duration::from_millis(1500),
        ),
    );
    let text = longest_wait(&running).unwrap();
    assert!(
        text.starts_with("waiting longest on fragments/early (1.5 s"),
        "{text}"
    );
}
