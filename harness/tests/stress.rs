//! `harness stress` end to end: every scenario runs and reports against
//! the reference server on a short setting (not how fast it is), and a
//! server that serves one connection at a time is judged failed or
//! degraded, so the verdict can fail.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

fn stress(args: &[&str], json: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("stress")
        .args(args)
        .arg("--json")
        .arg(json)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("h1check-stress-{}-{name}.json", std::process::id()))
}

fn scenarios(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let _ = std::fs::remove_file(path);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["scenarios"].as_array().unwrap().clone()
}

#[test]
fn every_scenario_runs_and_reports_against_the_reference_server() {
    let names: [&'static str; 6] = [
        "slowloris",
        "idle",
        "siege",
        "flood",
        "slow-reader",
        "oversize",
    ];
    // One process per scenario, at once, so the whole test takes about
    // one scenario's time.
    let runs: Vec<_> = names
        .into_iter()
        .map(|name| {
            std::thread::spawn(move || {
                let path = json_path(name);
                let out = stress(
                    &[
                        "--scenario",
                        name,
                        "--duration",
                        "0.5",
                        "--connections",
                        "6",
                    ],
                    &path,
                );
                (name, out, path)
            })
        })
        .collect();
    for run in runs {
        let (name, out, path) = run.join().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let code = out.status.code().unwrap();
        assert!(code == 0 || code == 1, "{name}: exit {code}\n{stdout}");
        assert!(stdout.contains("Thresholds:"), "{name}: {stdout}");
        let list = scenarios(&path);
        assert_eq!(list.len(), 1, "{name}");
        let s = &list[0];
        assert_eq!(s["scenario"], *name);
        assert!(
            ["held", "degraded", "failed"].contains(&s["verdict"].as_str().unwrap()),
            "{s}"
        );
        assert!(
            s["tried"].as_u64().unwrap() > 0,
            "{name}: no probe tried: {s}"
        );
        assert!(
            s["opened"].as_u64().unwrap() > 0,
            "{name}: nothing opened: {s}"
        );
        // The reference server answers again once the scenario is over.
        assert!(s["after_answered"].as_u64().unwrap() > 0, "{name}: {s}");
        assert!(stdout.contains(name), "{stdout}");
    }
}

#[test]
fn oversize_requests_get_431_and_413_from_the_reference_server() {
    let path = json_path("oversize-statuses");
    let out = stress(&["--scenario", "oversize", "--duration", "2"], &path);
    let list = scenarios(&path);
    let statuses = list[0]["statuses"].to_string();
    assert!(statuses.contains("[431,2]"), "{statuses} {out:?}");
    assert!(statuses.contains("[413,1]"), "{statuses}");
}

/// A server that serves one connection at a time and waits for a head
/// with no time limit: one slow client starves everybody else.
fn fragile_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    addr
}

#[test]
fn a_server_starved_by_slowloris_is_not_judged_held() {
    let addr = fragile_server();
    let path = json_path("fragile");
    let out = stress(
        &[
            "--target",
            &addr,
            "--scenario",
            "slowloris",
            "--duration",
            "1",
            "--connections",
            "4",
        ],
        &path,
    );
    let list = scenarios(&path);
    let verdict = list[0]["verdict"].as_str().unwrap();
    assert!(verdict == "failed" || verdict == "degraded", "{}", list[0]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_remote_target_and_a_bad_scenario_are_refused() {
    let path = json_path("refused");
    let out = stress(&["--target", "192.0.2.1:80"], &path);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
    let out = stress(&["--scenario", "nope"], &path);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn process_figures_come_from_proc() {
    let (rss, threads) = harness::stress::proc_sample(std::process::id()).unwrap();
    assert!(rss > 0 && threads >= 1);
}
