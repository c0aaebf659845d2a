//! What a CI reads from `harness run`: the README's recipe (write a
//! baseline once, then run with it and a JUnit report) exits 0 with no
//! `failure` in the JUnit; baseline entries are `category/id` or `id`, and
//! an entry naming no case or a file not valid in its format is an error;
//! failures are gathered at the end, and `-q` prints only them and the
//! summary.
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{stderr, stdout, temp_dir};

/// A MUST case checking `GET /` answers `status`.
fn get_root_case(id: &str, status: &str) -> String {
    format!(
        "id = \"{id}\"\nsection = \"9110/9.3.1\"\nlevel = \"MUST\"\n\
         requirement = \"r\"\ndescription = \"GET /\"\n\
         send = 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'\n\
         [[expect]]\nstatus = \"{status}\"\n"
    )
}

/// A folder of three cases against the reference server: `methods/ok`
/// passes, `methods/teapot` and `other/teapot-too` fail.
fn cases(dir: &Path) -> String {
    let cases = dir.join("cases");
    fs::create_dir_all(cases.join("methods")).unwrap();
    fs::create_dir_all(cases.join("other")).unwrap();
    fs::write(cases.join("methods/ok.toml"), get_root_case("ok", "200")).unwrap();
    fs::write(
        cases.join("methods/teapot.toml"),
        get_root_case("teapot", "418"),
    )
    .unwrap();
    fs::write(
        cases.join("other/teapot-too.toml"),
        get_root_case("teapot-too", "418"),
    )
    .unwrap();
    cases.to_str().unwrap().to_owned()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("run")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_readme_recipe_exits_0_and_its_junit_has_no_failure() {
    let dir = temp_dir("recipe");
    let cases = cases(&dir);
    let baseline = dir.join("conformance-baseline.txt");
    let baseline = baseline.to_str().unwrap();
    let junit = dir.join("junit.xml");
    let junit = junit.to_str().unwrap();

    let out = run(&[
        "--cases",
        &cases,
        "--write-baseline",
        baseline,
        "--junit",
        junit,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let xml = fs::read_to_string(junit).unwrap();
    assert!(!xml.contains("<failure"), "exit 0, so no failure: {xml}");
    assert_eq!(xml.matches("<skipped ").count(), 2, "{xml}");
    assert!(stdout(&out).contains(&format!(
        "Baseline: wrote 2 failing case(s) to {baseline} (one category/id a line)"
    )));
    let written = fs::read_to_string(baseline).unwrap();
    let names: Vec<&str> = written.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(names, ["methods/teapot", "other/teapot-too"]);

    let out = run(&["--cases", &cases, "--baseline", baseline, "--junit", junit]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let xml = fs::read_to_string(junit).unwrap();
    assert!(
        !xml.contains("<failure") && !xml.contains("<error"),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<skipped message=\"known FAIL (listed in the baseline ")
            .count(),
        2,
        "{xml}"
    );
    assert!(
        xml.contains("failures=\"0\" errors=\"0\" skipped=\"2\""),
        "{xml}"
    );
    // The known failures are still listed at the end, marked.
    assert!(
        stdout(&out)
            .contains("methods/teapot    FAIL   RFC 9110 §9.3.1 MUST  (known: in the baseline)"),
        "{}",
        stdout(&out)
    );

    // A new failure is a failure in the JUnit too, and fails the run.
    fs::write(baseline, "methods/teapot\n").unwrap();
    let out = run(&["--cases", &cases, "--baseline", baseline, "--junit", junit]);
    assert_eq!(out.status.code(), Some(1));
    let xml = fs::read_to_string(junit).unwrap();
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 1, "{xml}");
}

#[test]
fn baseline_entries_are_ids_or_category_ids_and_unknown_ones_are_errors() {
    let dir = temp_dir("names");
    let cases = cases(&dir);
    let baseline = dir.join("b.txt");
    let b = baseline.to_str().unwrap();

    fs::write(&baseline, "teapot\nother/teapot-too\n").unwrap();
    assert_eq!(
        run(&["--cases", &cases, "--baseline", b]).status.code(),
        Some(0)
    );

    // A typo, a wrong category and a bare unknown id: each named, exit 2.
    fs::write(
        &baseline,
        "teapot\nmethod/teapot\nother/teapot-to\nnothing-like-it\n",
    )
    .unwrap();
    let out = run(&["--cases", &cases, "--baseline", b]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for wanted in [
        "3 entries name no case (fix or remove them: a typo would hide a failure)",
        "\"method/teapot\": no such case; did you mean \"methods/teapot\"?",
        "\"other/teapot-to\": no such case; did you mean \"other/teapot-too\"?",
        "\"nothing-like-it\": no such case\n",
    ] {
        assert!(err.contains(wanted), "{wanted:?} in:\n{err}");
    }
    // A selection does not make the rest of the baseline unknown.
    fs::write(&baseline, "methods/teapot\nother/teapot-too\n").unwrap();
    let out = run(&["--cases", &cases, "--category", "methods", "--baseline", b]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_baseline_not_valid_in_its_format_is_an_error() {
    let dir = temp_dir("format");
    let cases = cases(&dir);
    let bad_json = dir.join("bad.json");
    fs::write(&bad_json, "not json [").unwrap();
    let out = run(&["--cases", &cases, "--baseline", bad_json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.json: not valid JSON (starts \"not json [\")"),
        "{}",
        stderr(&out)
    );
    let broken = dir.join("broken.json");
    fs::write(&broken, "[\"teapot\",").unwrap();
    let out = run(&["--cases", &cases, "--baseline", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));
    let text = dir.join("bad.txt");
    fs::write(&text, "teapot\nnot json [\n").unwrap();
    let out = run(&["--cases", &cases, "--baseline", text.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 2: \"not json [\" is not a case id"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn failures_are_gathered_at_the_end_and_quiet_prints_only_them_and_the_summary() {
    let dir = temp_dir("quiet");
    let cases = cases(&dir);
    let out = run(&["--cases", &cases]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let tail = &text[text.find("\nfailures:\n").expect("a failures list")..];
    assert!(
        tail.starts_with(
            "\nfailures:\n    methods/teapot    FAIL   RFC 9110 §9.3.1 MUST\n    \
             other/teapot-too  FAIL   RFC 9110 §9.3.1 MUST\n\n3 cases in "
        ),
        "{tail}"
    );
    assert!(
        text.contains("  ✓ ok  "),
        "the full output lists every case"
    );

    let out = run(&["--cases", &cases, "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let quiet = stdout(&out);
    assert!(
        quiet.starts_with("failures:\n    methods/teapot "),
        "{quiet}"
    );
    let lines: Vec<&str> = quiet.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{quiet}");
    assert!(lines[3].starts_with("3 cases in "), "{quiet}");

    // Nothing failing: the summary line alone.
    let out = run(&["--cases", &cases, "-q", "--id", "ok"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("1 cases in "), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
}

/// The values of `attr="..."` in `page`.
fn attribute_values<'p>(page: &'p str, attr: &str) -> Vec<&'p str> {
    let key = format!(" {attr}=\"");
    page.match_indices(&key)
        .map(|(at, _)| {
            let rest = &page[at + key.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn the_html_report_opens_with_the_failures_and_every_link_resolves() {
    let dir = temp_dir("html");
    let cases = cases(&dir);
    fs::create_dir_all(dir.join("out")).unwrap();
    let page_path = dir.join("out/report.html");
    let out = run(&["--cases", &cases, "--html", page_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let page = fs::read_to_string(&page_path).unwrap();

    // Summary, then failures, then every case.
    let summary = page.find("<p id=\"summary\">").expect("a summary");
    let failures = page
        .find("<h2 id=\"failures\">Failures (2)</h2>")
        .expect("failures");
    let all = page
        .find("<h2 id=\"cases\">All cases</h2>")
        .expect("all cases");
    assert!(summary < failures && failures < all);
    let failure_rows = &page[failures..all];
    assert!(failure_rows.contains("<a href=\"#methods/teapot\">methods/teapot</a>"));
    assert!(failure_rows.contains("<a href=\"#other/teapot-too\">other/teapot-too</a>"));
    assert!(
        !failure_rows.contains("#methods/ok"),
        "a PASS is not a failure"
    );

    // Every in-page link names an element of the page; each case has one.
    let ids = attribute_values(&page, "id");
    let hrefs = attribute_values(&page, "href");
    for name in ["methods/ok", "methods/teapot", "other/teapot-too"] {
        assert!(ids.contains(&name), "anchor {name}");
    }
    for href in hrefs.iter().filter_map(|h| h.strip_prefix('#')) {
        assert!(ids.contains(&href), "#{href} resolves to nothing");
    }
    // Case-file links are relative to the page and lead to the files.
    let files: Vec<&&str> = hrefs.iter().filter(|h| h.ends_with(".toml")).collect();
    assert_eq!(files.len(), 3, "{hrefs:?}");
    for file in files {
        assert!(file.starts_with("../cases/"), "{file}");
        assert!(dir.join("out").join(file).is_file(), "{file}");
    }
    // One checkbox per verdict, and the script that acts on them.
    assert_eq!(attribute_values(&page, "type"), ["checkbox"; 4]);
    for outcome in ["PASS", "WARN", "FAIL", "ERROR"] {
        assert!(page.contains(&format!("value=\"{outcome}\" checked> {outcome} (")));
        assert!(page.contains(&format!(".hide-{outcome} .{outcome}")));
    }
    assert!(page.contains("classList.toggle('hide-' + box.value, !box.checked)"));
}
