//! The `new-case` command: creates one new case file from a template, and
//! never touches an existing one.
//!
//! The template is deliberately incomplete: its `section`, `requirement`
//! and `description` are empty, so until they are written the loader
//! names each of them (with the fix), and the case cannot run by mistake.
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::case::valid_id;
use crate::run::default_cases_dir;

/// The new file's text for the case `id`.
pub fn template(id: &str) -> String {
    format!(
        r#"id = "{id}"                # equals the file name
section = ""                   # RFC/SECTION, e.g. "9112/6.1"
level = "MUST"                 # MUST | SHOULD | MAY: the keyword of the sentence quoted
requirement = """"""           # the sentence checked, quoted from the RFC
description = ""               # what is sent, in a few words

# The bytes, in escaped notation: \r \n \t \\ \xNN; real line breaks are layout.
send = '''
GET / HTTP/1.1\r\n
Host: localhost\r\n
\r\n
'''

# Acceptable outcomes, strictest first (keys: fixtures/cases/README.md).
[[expect]]
status = "2xx"
"#
    )
}

/// Creates `root/CATEGORY/ID.toml` from [`template`]. Refuses a name that
/// is not `CATEGORY/ID` of valid parts, and a file that exists.
pub fn create(root: &Path, name: &str) -> Result<PathBuf, String> {
    let Some((category, id)) = name.split_once('/') else {
        return Err(format!(
            "{name:?} is not CATEGORY/ID (e.g. fields/my-new-case); categories are the folders of {}",
            root.display()
        ));
    };
    for (what, part) in [("category", category), ("id", id)] {
        if !valid_id(part) || part.starts_with('.') {
            return Err(format!(
                "{what} {part:?} may hold only ASCII letters, digits, '-', '_' and '.' \
                 (not first)"
            ));
        }
    }
    let dir = root.join(category);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{id}.toml"));
    let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err(format!(
                "{} exists; new-case never overwrites a case: choose another id, or edit that file",
                path.display()
            ))
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    file.write_all(template(id).as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

const USAGE: &str = "\
Create a new case file from a template (never overwrites one)

Usage: harness new-case [--cases DIR] CATEGORY/ID

Writes DIR/CATEGORY/ID.toml (DIR: fixtures/cases). Fill in its section,
requirement, description, bytes and expects; `harness run --id ID` names
whatever is still missing.";

/// Entry point of `harness new-case`.
pub fn main(args: &[String]) -> ExitCode {
    let mut root = None;
    let mut name = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--cases" => match args.next() {
                Some(dir) => root = Some(PathBuf::from(dir)),
                None => return usage("--cases needs a folder"),
            },
            flag if flag.starts_with('-') => return usage(&format!("unknown flag {flag}")),
            _ if name.is_some() => return usage("one CATEGORY/ID at a time"),
            _ => name = Some(arg.clone()),
        }
    }
    let Some(name) = name else {
        return usage("which case? give CATEGORY/ID");
    };
    let root = root.unwrap_or_else(default_cases_dir);
    match create(&root, &name) {
        Ok(path) => {
            let id = name.split_once('/').map_or(name.as_str(), |(_, id)| id);
            println!(
                "created {}\nfill it in, then: cargo run --release -p harness -- run --id {id}",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
