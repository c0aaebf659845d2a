//! Adding and editing case files as a newcomer does: a case copied from a
//! neighbour with several mistakes gets every one named in one run, by the
//! loader and by `harness run`, each with its file, key and fix.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use harness::case::{load_all, Case, Error, ErrorKind, MAX_WAIT_MS};

mod common;
use common::temp_dir;

fn workspace_cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases")
}

/// A neighbour copied as `fields/my-new-case.toml`, with `edit` applied.
fn copied_case(root: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let neighbour =
        fs::read_to_string(workspace_cases().join("fields/space-before-colon-rejected.toml"))
            .unwrap();
    let path = root.join("fields/my-new-case.toml");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, edit(neighbour)).unwrap();
    path
}

/// `(key, message)` of each error.
fn keyed(errors: &[Error]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.key().unwrap_or("").to_owned(), e.message().to_owned()))
        .collect()
}

/// The three mistakes of a hasty copy: the id left as the neighbour's, a
/// level in lower case, a key that does not exist.
fn three_mistakes(text: String) -> String {
    let text = text.replacen("level = \"MUST\"", "level = \"must\"", 1);
    assert!(
        text.contains("level = \"must\""),
        "the neighbour is a MUST case"
    );
    text.replacen("[[expect]]\n", "[[expect]]\nstauts = \"400\"\n", 1)
}

#[test]
fn a_copied_case_with_three_mistakes_gets_all_three_named_at_once() {
    let root = temp_dir("three");
    let path = copied_case(&root, three_mistakes);
    let errors = load_all(&root).unwrap_err();
    let got = keyed(&errors);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(errors.iter().all(|e| e.path() == path), "{errors:?}");
    assert_eq!(got[0].0, "id");
    assert!(
        got[0].1.contains(
            "\"space-before-colon-rejected\" differs from the file stem \"my-new-case\"; \
             write id = \"my-new-case\""
        ),
        "{}",
        got[0].1
    );
    assert_eq!(got[1].0, "level");
    assert!(
        got[1].1.contains("write it in upper case: \"MUST\""),
        "{}",
        got[1].1
    );
    assert_eq!(got[2].0, "expect[1].stauts");
    assert_eq!(got[2].1, "unknown key; did you mean `status`?");
    // Displayed as file: key: message.
    assert_eq!(
        errors[1].to_string(),
        format!("{}: level: {}", path.display(), got[1].1)
    );
}

#[test]
fn harness_run_names_every_problem_of_every_file_and_exits_2() {
    let root = temp_dir("cli");
    copied_case(&root, three_mistakes);
    fs::create_dir_all(root.join("other")).unwrap();
    fs::write(
        root.join("other/second.toml"),
        "id = \"second\"\nsection = \"RFC 9112\"\nlevel = \"MAY\"\n\
         requirement = \"r\"\ndescription = \"d\"\nsend = 'GET / HTTP/1.1\\r\\n\\r\\n'\n\
         [[expect]]\nstatus = \"4x0\"\n[[expect]]\nverdict = \"WARN\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["run", "--cases"])
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for wanted in [
        "fields/my-new-case.toml: expect[1].stauts: unknown key",
        "fields/my-new-case.toml: id: ",
        "fields/my-new-case.toml: level: ",
        "other/second.toml: section: \"RFC 9112\" is not RFC/SECTION",
        "other/second.toml: expect[1].status: \"4x0\" is not a status pattern",
        "other/second.toml: expect[2].verdict: WARN needs a profile",
        "6 problem(s) in 2 case file(s) under",
    ] {
        assert!(stderr.contains(wanted), "{wanted:?} in:\n{stderr}");
    }
}

/// Parses `text` as `fields/ID.toml`; the problems as `key: message` lines.
fn problems(text: &str) -> Vec<String> {
    match Case::parse(Path::new("fields/ID.toml"), "fields", text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.key().unwrap_or("-"), e.message()))
            .collect(),
    }
}

const WRITES: &str = r#"
id = "ID"
section = "9112/2.2"
level = "MUST"
requirement = "r"
description = "d"
[[write]]
bytes = 'GET / HTTP/1.1\r\n'
[[write]]
pause_ms = PAUSE
bytes = 'Host: localhost\r\n\r\n'
[[expect]]
silent_ms = SILENT
"#;

fn writes(pause: &str, silent: &str) -> String {
    WRITES.replace("PAUSE", pause).replace("SILENT", silent)
}

#[test]
fn waits_are_capped_at_five_seconds_and_must_be_whole_numbers() {
    assert_eq!(MAX_WAIT_MS, 5000);
    assert!(problems(&writes("5000", "5000")).is_empty());
    let got = problems(&writes("5001", "0"));
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].starts_with("write[2].pause_ms: 5001 is more than 5000"));
    assert!(got[1].starts_with("expect[1].silent_ms: 0 is less than 1"));
    let got = problems(&writes("-1", "\"300\""));
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].starts_with("write[2].pause_ms: -1 is less than 0"));
    assert!(got[1].starts_with("expect[1].silent_ms: is a string; write a whole number"));
}

#[test]
fn values_of_the_wrong_type_and_missing_keys_are_named_with_their_fix() {
    let text = "id = 3\nlevel = \"MUST\"\nrequirement = \"\"\ndescription = \"d\"\n\
                send = 'x'\n[expect]\nstatus = \"400\"\n";
    let errors = Case::parse(Path::new("fields/ID.toml"), "fields", text).unwrap_err();
    let got: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.key().unwrap(), e.message()))
        .collect();
    assert_eq!(
        got,
        [
            "id: is an integer; write a string: id = \"...\"",
            "section: is missing; add section = \"9112/6.1\"",
            "requirement: is empty; write \"the sentence checked, quoted from the RFC\"",
            "expect: is a table; write [[expect]] (double brackets: one table per entry)",
        ]
    );
    assert!(errors[..2].iter().all(|e| e.kind() == ErrorKind::Syntax));
    assert_eq!(errors[2].kind(), ErrorKind::Invalid);
}

#[test]
fn every_expect_is_checked_not_only_the_first_bad_one() {
    let text = "id = \"ID\"\nsection = \"9112/C.2\"\nlevel = \"MAY\"\nrequirement = \"r\"\n\
                description = \"d\"\nsend = 'x'\n\
                [[expect]]\nconnection = \"kept\"\nheaders = [\"Date:\", 4]\n\
                [[expect]]\ninterim = \"200\"\nsequence = [\"200\"]\nresponses = 2\n\
                [[expect]]\nsilent_ms = 100\nstatus = \"400\"\nconnection = \"closed\"\n";
    let got = problems(text);
    assert_eq!(
        got.iter()
            .map(|p| p.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "expect[1].connection",
            "expect[1].headers",
            "expect[2].responses",
            "expect[2].interim",
            "expect[3].silent_ms",
        ],
        "{got:#?}"
    );
    assert!(got[4].contains("cannot be combined with status, connection = \"closed\""));
    // An appendix section is a section.
    let fixed = "id = \"ID\"\nsection = \"9112/C.2\"\nlevel = \"MAY\"\nrequirement = \"r\"\n\
                 description = \"d\"\nsend = 'x'\n[[expect]]\nstatus = \"400\"\n";
    assert!(problems(fixed).is_empty(), "{:?}", problems(fixed));
}

#[test]
fn new_case_creates_a_file_that_names_what_to_fill_in_and_never_overwrites() {
    let root = temp_dir("new-case");
    let new_case = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["new-case", "--cases"])
            .arg(&root)
            .arg(name)
            .output()
            .unwrap()
    };
    let out = new_case("fields/my-new-case");
    assert_eq!(out.status.code(), Some(0));
    let path = root.join("fields/my-new-case.toml");
    assert!(String::from_utf8_lossy(&out.stdout).contains("run --id my-new-case"));

    // Until filled in, the loader names each empty key.
    let errors = load_all(&root).unwrap_err();
    let keys: Vec<Option<&str>> = errors.iter().map(Error::key).collect();
    assert_eq!(
        keys,
        [Some("section"), Some("requirement"), Some("description")]
    );

    // An edit is kept: a second new-case with the same name refuses.
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replacen("section = \"\"", "section = \"9112/3\"", 1)
        .replacen("requirement = \"\"\"\"\"\"", "requirement = \"r\"", 1)
        .replacen("description = \"\"", "description = \"d\"", 1);
    fs::write(&path, &edited).unwrap();
    let out = new_case("fields/my-new-case");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    assert_eq!(fs::read_to_string(&path).unwrap(), edited);
    let cases = load_all(&root).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(cases[0].id, "my-new-case");

    for bad in [
        "my-new-case",
        "fields/my case",
        "../x/y",
        "../x",
        "fields/.x",
    ] {
        assert_eq!(new_case(bad).status.code(), Some(2), "{bad}");
    }
    assert!(!root.join("../x.toml").exists());
}
