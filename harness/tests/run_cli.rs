//! `harness run` end to end: exit statuses, refused targets, reports
//! written, and baselines, each through the real binary.
use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::temp_dir;

fn run(args: &[&str]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."), args)
}

fn run_in(dir: impl AsRef<Path>, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("run")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited")
}

/// A case checking `GET /` answers `status`.
fn get_root_case(id: &str, status: &str) -> String {
    format!(
        "id = \"{id}\"\nsection = \"9110/9.3.1\"\nlevel = \"MUST\"\n\
         requirement = \"r\"\ndescription = \"GET /\"\n\
         send = 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'\n\
         [[expect]]\nstatus = \"{status}\"\n"
    )
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let out = run(&["--no-such-flag"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--no-such-flag"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["--level", "OFTEN"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("is not MUST, SHOULD or MAY"));
    let out = run(&["--jobs", "0"]);
    assert_eq!(code(&out), 2);
    let out = run(&["--help"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out.stdout).contains("--allow-remote"));
}

#[test]
fn a_target_off_loopback_is_refused_unless_allowed() {
    let out = run(&[
        "--target",
        "192.0.2.1:80",
        "--id",
        "head-carries-no-content",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("is not a loopback address; pass --allow-remote"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["--target", "not an address"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn an_unreachable_target_is_one_line_and_exit_2() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{port}");
    let out = run(&["--target", &target]);
    assert_eq!(code(&out), 2, "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot connect to {target}")),
        "{err}"
    );
}

#[test]
fn a_server_that_dies_midway_leaves_the_rest_as_errors_in_one_line() {
    // Answers 20 connections with 400 and a close, then stops listening.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(21).flatten() {
            let mut stream = stream;
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let out = run(&["--target", &target, "-q"]);
    assert_eq!(code(&out), 1);
    let err = text(&out.stderr);
    assert!(err.contains("the server went down after"), "{err}");
    assert!(err.contains("not run, counted as ERROR"), "{err}");
    let terminal = text(&out.stdout);
    let accounts = terminal.matches("  E ").count();
    assert!(accounts < 10, "{accounts} ERROR accounts:\n{terminal}");
}

#[test]
fn bad_case_files_and_empty_selections_are_usage_errors() {
    let dir = temp_dir("bad");
    fs::create_dir_all(dir.join("fields")).unwrap();
    fs::write(dir.join("fields/x.toml"), get_root_case("y", "200")).unwrap();
    let out = run(&["--cases", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("fields/x.toml: id: \"y\" differs from the file stem \"x\""),
        "{stderr}"
    );

    let out = run(&["--id", "no-case-has-this-id"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("no case under"));
}

#[test]
fn the_reference_server_passes_and_reports_are_written() {
    let dir = temp_dir("reports");
    let (json, junit, html) = (dir.join("r.json"), dir.join("r.xml"), dir.join("r.html"));
    let out = run(&[
        "--category",
        "methods",
        "--category",
        "pipelining",
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("✓ head-carries-no-content"));
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(json["summary"]["fail"], 0);
    assert!(json["cases"].as_array().unwrap().len() >= 2);
    assert!(fs::read_to_string(junit)
        .unwrap()
        .contains("<testsuite name=\"methods\""));
    assert!(fs::read_to_string(html)
        .unwrap()
        .contains("head-carries-no-content"));
}

#[test]
fn it_finds_the_cases_from_another_directory() {
    let out = run_in(std::env::temp_dir(), &["--id", "head-carries-no-content"]);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("1 cases in"));
}

#[test]
fn a_baseline_fails_only_new_failures_and_names_fixed_ones() {
    let dir = temp_dir("baseline");
    let cases = dir.join("cases");
    fs::create_dir_all(cases.join("methods")).unwrap();
    fs::write(
        cases.join("methods/teapot.toml"),
        get_root_case("teapot", "418"),
    )
    .unwrap();
    fs::write(cases.join("methods/ok.toml"), get_root_case("ok", "200")).unwrap();
    let cases = cases.to_str().unwrap();
    let baseline = dir.join("baseline.txt");
    let baseline = baseline.to_str().unwrap();

    let out = run(&["--cases", cases]);
    assert_eq!(code(&out), 1, "a MUST failure fails the run");
    let out = run(&["--cases", cases, "--write-baseline", baseline]);
    assert_eq!(code(&out), 0, "the failures are recorded: the run succeeds");
    assert!(text(&out.stdout).contains("status 200 is not 418"));
    assert!(
        text(&out.stdout).contains(&format!("Baseline: wrote 1 failing case(s) to {baseline}")),
        "{}",
        text(&out.stdout)
    );
    let written = fs::read_to_string(baseline).unwrap();
    assert!(written.lines().any(|l| l == "methods/teapot"), "{written}");
    assert!(!written.lines().any(|l| l.contains("ok")), "{written}");

    let out = run(&["--cases", cases, "--baseline", baseline]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("no new failures (1 known failure(s) still failing)"));

    fs::write(
        dir.join("cases/methods/teapot2.toml"),
        get_root_case("teapot2", "418"),
    )
    .unwrap();
    fs::write(baseline, "[\"teapot\", \"ok\"]").unwrap();
    let out = run(&["--cases", cases, "--baseline", baseline]);
    assert_eq!(code(&out), 1);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 new failure(s), not in the baseline:\n  methods/teapot2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pass now; remove them from the baseline:\n  methods/ok"),
        "{stdout}"
    );

    let out = run(&["--cases", cases, "--baseline", "/nonexistent/baseline"]);
    assert_eq!(code(&out), 2);
}
