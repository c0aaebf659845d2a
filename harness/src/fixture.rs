//! Captured requests under `fixtures/`: the exact bytes one client sent for
//! one request (`NAME.http`), and a sidecar saying where they came from
//! (`NAME.toml`, same stem).
//!
//! Conformance cases live under `fixtures/cases/` and are not fixtures in
//! this sense; [`load_all`] skips that folder.
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where a fixture came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Short client name: `chromium`, `firefox`, `curl`, `hand-written`, ...
    pub client: String,
    /// The client's own version string, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    /// When it was captured, RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    /// How it was made: the command or script, or "written by hand".
    pub how: String,
    /// One capture run; connections are numbered within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Connection number within the session, in accept order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<u64>,
    /// The request's position on its connection, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Header fields whose values were replaced before saving.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    /// Anything notable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// One fixture: its request bytes and its sidecar.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Path of the `.http` file.
    pub path: PathBuf,
    /// Path relative to the fixtures root, `/`-separated, e.g. `captures/curl/get/00-00-get.http`.
    pub name: String,
    /// The exact request bytes.
    pub bytes: Vec<u8>,
    /// Where they came from.
    pub sidecar: Sidecar,
}

/// An error loading or writing fixtures, naming the file.
#[derive(Debug)]
pub struct Error {
    /// The file concerned.
    pub path: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for Error {}

fn error(path: &Path, message: impl std::fmt::Display) -> Error {
    Error {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// Loads one fixture from its `.http` path; its sidecar must exist.
pub fn load(root: &Path, path: &Path) -> Result<Fixture, Error> {
    let bytes = fs::read(path).map_err(|e| error(path, e))?;
    let side_path = path.with_extension("toml");
    let text =
        fs::read_to_string(&side_path).map_err(|e| error(&side_path, format!("sidecar: {e}")))?;
    let sidecar: Sidecar = toml::from_str(&text).map_err(|e| error(&side_path, e))?;
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Fixture {
        path: path.to_owned(),
        name,
        bytes,
        sidecar,
    })
}

/// Every `.http` fixture below `root` (except `root/cases/` and
/// `root/features/`), sorted by name.
pub fn load_all(root: &Path) -> Result<Vec<Fixture>, Error> {
    let mut paths = Vec::new();
    collect(root, root, &mut paths)?;
    paths.sort();
    let mut fixtures = paths
        .iter()
        .map(|p| load(root, p))
        .collect::<Result<Vec<_>, _>>()?;
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(fixtures)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|e| error(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| error(dir, e))?.path();
        if path.is_dir() {
            // Cases are judged, not replayed; `features/` needs servers
            // with state and folders of their own (tests/features.rs).
            if path != root.join("cases") && path != root.join("features") {
                collect(root, &path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "http") {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes a new fixture `dir/stem.http` and its sidecar. Refuses to
/// overwrite either file: an existing fixture is never replaced silently.
pub fn write_new(
    dir: &Path,
    stem: &str,
    bytes: &[u8],
    sidecar: &Sidecar,
) -> Result<PathBuf, Error> {
    fs::create_dir_all(dir).map_err(|e| error(dir, e))?;
    let http = dir.join(format!("{stem}.http"));
    let side = dir.join(format!("{stem}.toml"));
    let text = toml::to_string(sidecar).map_err(|e| error(&side, e))?;
    for (path, content) in [(&http, bytes), (&side, text.as_bytes())] {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => {
                    error(path, "already exists; refusing to overwrite it")
                }
                _ => error(path, e),
            })?;
        io::Write::write_all(&mut file, content).map_err(|e| error(path, e))?;
    }
    Ok(http)
}
