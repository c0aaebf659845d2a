//! Sessions against the server's configured parts: the guestbook, static
//! files and CGI. Each folder of fixtures under `fixtures/features/` is one
//! session: its requests are sent in name order, each on a connection of
//! its own, to a fresh reference server (clock stopped) with
//!
//! - an empty guestbook in a temporary folder (`guestbook/…`),
//! - `fixtures/features/site/files/` copied to a temporary root, every
//!   file's time set to the stopped clock (`files/…`),
//! - `fixtures/features/site/cgi-bin/` copied and made executable (`cgi/…`),
//!
//! and the answers, in order, are pinned byte for byte in
//! `snapshots/features__<session>.snap`. State carries from one request to
//! the next (a POST then a GET shows the entry), which is why these are
//! not in the stateless replay.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use harness::fixture::{load_all, Fixture};
use harness::replay::{exchange, method_of, Target, FIXED_TIME_SECS};
use harness::snapshot::render_stream;
use libtest_mimic::{Arguments, Failed, Trial};
use server::app::App;
use server::cgi::Cgi;
use server::clock::{Clock, FixedClock};
use server::guestbook::Guestbook;
use server::static_files::StaticFiles;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let dir = root().join("fixtures/features");
    let trials = match load_all(&dir) {
        Ok(fixtures) => sessions(fixtures)
            .into_iter()
            .map(|(name, fixtures)| {
                Trial::test(format!("features::{name}"), move || run(&name, &fixtures))
            })
            .collect(),
        Err(e) => {
            let message = format!("loading fixtures/features: {e}");
            vec![Trial::test("features::load", move || Err(message.into()))]
        }
    };
    libtest_mimic::run(&args, trials).exit_code()
}

/// Fixtures grouped by folder, in name order.
fn sessions(fixtures: Vec<Fixture>) -> Vec<(String, Vec<Fixture>)> {
    let mut out: Vec<(String, Vec<Fixture>)> = Vec::new();
    for f in fixtures {
        let session = f.name.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        match out.last_mut() {
            Some((name, list)) if *name == session => list.push(f),
            _ => out.push((session, vec![f])),
        }
    }
    out
}

fn fixed_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(FIXED_TIME_SECS)
}

/// Copies `from` into `to`, recursively, every file's time set to the
/// stopped clock and its mode to `mode`.
fn copy_tree(from: &Path, to: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target, mode)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode))?;
            std::fs::File::options()
                .write(true)
                .open(&target)?
                .set_modified(fixed_time())?;
        }
    }
    Ok(())
}

fn start(feature: &str, tmp: &Path) -> Result<server::Handle, String> {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(fixed_time()));
    let mut app = App::new(Arc::clone(&clock));
    let site = root().join("fixtures/features/site");
    match feature {
        "guestbook" => {
            app.guestbook = Some(Guestbook::new(&tmp.join("data"), Arc::clone(&clock)));
        }
        "files" => {
            let files = tmp.join("files");
            copy_tree(&site.join("files"), &files, 0o644).map_err(|e| e.to_string())?;
            app.files = Some(StaticFiles::new(&files).map_err(|e| e.to_string())?);
        }
        "cgi" => {
            let scripts = tmp.join("cgi-bin");
            copy_tree(&site.join("cgi-bin"), &scripts, 0o755).map_err(|e| e.to_string())?;
            app.cgi = Some(Cgi::new(&scripts, Duration::from_secs(5)).map_err(|e| e.to_string())?);
        }
        other => return Err(format!("fixtures/features/{other}: no such feature")),
    }
    let config = server::Config {
        handler: app.into_handler(),
        clock,
        log: false,
        ..Default::default()
    };
    Ok(server::Server::bind("127.0.0.1:0", config)
        .map_err(|e| e.to_string())?
        .spawn())
}

fn run(session: &str, fixtures: &[Fixture]) -> Result<(), Failed> {
    let feature = session.split('/').next().unwrap_or("");
    let tmp = tempfile::tempdir()?;
    let handle = start(feature, tmp.path())?;
    let target = Target::new(handle.addr());
    let mut text = String::new();
    for f in fixtures {
        let response = exchange(&target, &[&f.bytes], Duration::ZERO)
            .map_err(|e| format!("{}: {e}", f.name))?;
        text.push_str(&format!("══ request {}\n", f.name));
        text.push_str(&render_stream(&response, &[method_of(&f.bytes)]));
    }
    handle.shutdown();
    let names: Vec<&str> = fixtures.iter().map(|f| f.name.as_str()).collect();
    let first = &fixtures[0].sidecar;
    let mut description = format!(
        "session {session}: {} request(s), each on its own connection, to a fresh server; client {}",
        names.len(),
        first.client
    );
    if let Some(notes) = &first.notes {
        description.push_str(&format!("; {notes}"));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(relative(&fixtures[0].path));
    settings.set_description(description);
    let name = format!("features/{session}");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.clone(), text));
    }));
    outcome.map_err(|panic| {
        format!(
            "snapshot of {name} does not match: {}\nreview: cargo insta review   \
             (rerun alone: cargo test --test features -- --exact 'features::{session}')",
            harness::snapshot::panic_message(&*panic)
        )
        .into()
    })
}

fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(root()).unwrap_or(path).to_owned()
}
