//! The command line's habits: `--version`, a `--target` written as a URL,
//! and an empty selection that names the selector at fault.
use std::path::Path;
use std::process::{Command, Output};

use harness::run::target_host_port;

mod common;
use common::{stderr, stdout};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn version_is_printed_by_the_harness_and_its_run_command() {
    let want = format!("harness {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["--version", "-V"] {
        let out = harness(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert_eq!(stdout(&out), want, "{flag}");
    }
    let out = harness(&["run", "--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("harness run "), "{}", stdout(&out));
    assert!(stdout(&harness(&["--help"])).contains("-V, --version"));
}

#[test]
fn a_target_may_be_an_http_url_of_an_origin() {
    for (given, want) in [
        ("127.0.0.1:8080", "127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "127.0.0.1:8080"),
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("HTTP://localhost:18080/", "localhost:18080"),
        ("http://localhost/", "localhost:80"),
        ("http://[::1]:8080/", "[::1]:8080"),
        ("http://[::1]/", "[::1]:80"),
    ] {
        assert_eq!(target_host_port(given).as_deref(), Ok(want), "{given}");
    }
    for (given, wanted) in [
        (
            "https://127.0.0.1:8443/",
            "the https:// scheme is not judged",
        ),
        ("ftp://127.0.0.1/", "the ftp:// scheme is not judged"),
        (
            "http://127.0.0.1:8080/index.html",
            "the path \"/index.html\" would be ignored",
        ),
        ("http:///", "expected http://HOST:PORT/"),
        ("http://user@127.0.0.1:80/", "expected http://HOST:PORT/"),
    ] {
        let e = target_host_port(given).unwrap_err();
        assert!(e.contains(wanted), "{given}: {e}");
    }
}

#[test]
fn harness_run_judges_a_target_given_as_a_url_and_refuses_https() {
    let server = harness::replay::start_reference_server().unwrap();
    let url = format!("http://{}/", server.addr());
    let out = harness(&["run", "--target", &url, "--id", "head-carries-no-content"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("1 cases in"), "{}", stdout(&out));
    server.shutdown();
    let out = harness(&["run", "--target", "https://127.0.0.1:8443/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("https:// scheme is not judged"));
}

#[test]
fn an_empty_selection_names_the_selector_and_the_closest_value() {
    let out = harness(&["run", "--category", "smugling"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--category \"smugling\" matches no case (did you mean \"smuggling\"?)"),
        "{err}"
    );
    let listed = err
        .split("; categories: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("the categories are listed: {err}"));
    let listed: Vec<&str> = listed.split(", ").collect();
    for category in ["chunked", "fields", "smuggling"] {
        assert!(listed.contains(&category), "{listed:?}");
    }

    let out = harness(&["run", "--section", "9112/66", "--level", "MUST"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--section \"9112/66\" matches no case's section"));

    let out = harness(&["run", "--id", "head-carries-no-content", "--level", "MAY"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("each selector matches some case, but no case matches them all"),
        "{}",
        stderr(&out)
    );
}
