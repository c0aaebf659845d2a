//! The guestbook: `GET /` lists the entries newest first, `POST /` signs
//! it and answers `303 See Other` to `/` (RFC 9110 §15.4.4), so that a
//! reload does not post twice.
//!
//! Entries live in SQLite (`guestbook.sqlite3` in the data folder), in WAL
//! mode with `synchronous=FULL`: an entry's transaction is committed before
//! its 303 is written, so an entry that got its 303 survives the server
//! being killed right after. One connection behind a mutex serialises the
//! writers of this process; `busy_timeout` waits for other processes.
//!
//! A bad form is a 400 page saying what was wrong; a database that cannot
//! be opened, read or written (read-only, full, locked past the timeout) is
//! a 503 page, and the next request tries again.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::clock::Clock;
use crate::parse::Request;
use crate::response::{escape_html_into, Body, Response, HTML};
use crate::site::{decode_form, is_form_media_type, precondition_failed, Precondition};

/// The database's file name in the data folder.
pub const DB_FILE: &str = "guestbook.sqlite3";
/// Longest name, in characters.
pub const MAX_NAME: usize = 80;
/// Longest message, in characters.
pub const MAX_MESSAGE: usize = 2000;
/// Most entries the page lists (the newest).
pub const MAX_LISTED: usize = 200;

/// A guestbook kept in `DIR/guestbook.sqlite3`.
pub struct Guestbook {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    busy_timeout: Duration,
    recheck: Duration,
    db: Mutex<Option<Connection>>,
    /// The last page rendered, with the database files' state it was
    /// rendered from: `GET /` is served from it until an entry is added,
    /// by this server (which drops it at once) or by any other process (a
    /// commit changes the files, looked at every `recheck`).
    page: Mutex<Option<Cached>>,
}

/// How long the page is served without looking at the database files
/// again. An entry added through this server shows at once; one added by
/// another process shows within this time. Looking at the files on every
/// request (two `stat` calls) cost a tenth of the server's time under load.
pub const RECHECK: Duration = Duration::from_millis(10);

/// The page kept, what it was rendered from, and when the files were last
/// looked at.
struct Cached {
    state: FilesState,
    checked: Instant,
    page: Page,
}

/// The guestbook's page and its validators (RFC 9110 §8.8).
/// Shared, so that serving it from the cache copies nothing.
#[derive(Clone)]
struct Page {
    html: Arc<[u8]>,
    etag: Arc<str>,
    modified: SystemTime,
    /// `modified` as `Last-Modified` writes it.
    last_modified: Arc<str>,
}

/// Length and modification time of the database and of its write-ahead
/// log: every commit changes them.
type FilesState = [(u64, SystemTime); 2];

/// One signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who signed.
    pub name: String,
    /// What they wrote.
    pub message: String,
    /// When, in seconds since the epoch (by the server's clock).
    pub at: i64,
}

impl Guestbook {
    /// A guestbook in the folder `dir` (created on first use), stamping
    /// entries with `clock`. Nothing is opened yet: see [`Guestbook::check`].
    pub fn new(dir: &Path, clock: Arc<dyn Clock>) -> Guestbook {
        Guestbook {
            path: dir.join(DB_FILE),
            clock,
            busy_timeout: Duration::from_secs(2),
            recheck: RECHECK,
            db: Mutex::new(None),
            page: Mutex::new(None),
        }
    }

    /// How long a write waits for another process's lock before the
    /// request gets 503 (default 2 s).
    pub fn with_busy_timeout(mut self, t: Duration) -> Guestbook {
        self.busy_timeout = t;
        self
    }

    /// How long the page is served before the database files are looked
    /// at again (default [`RECHECK`]).
    pub fn with_recheck(mut self, t: Duration) -> Guestbook {
        self.recheck = t;
        self
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the database now (creating folder, file and table), so that a
    /// problem shows at start-up; requests would try again anyway.
    pub fn check(&self) -> Result<(), String> {
        let mut db = self.lock();
        self.connection(&mut db).map(|_| ())
    }

    fn lock(&self) -> MutexGuard<'_, Option<Connection>> {
        // A panic while holding the lock leaves nothing half-written in
        // SQLite (a transaction not committed is rolled back), so a
        // poisoned lock is still good to use.
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn connection<'a>(&self, db: &'a mut Option<Connection>) -> Result<&'a mut Connection, String> {
        if db.is_none() {
            *db = Some(self.open().map_err(|e| e.to_string())?);
        }
        Ok(db.as_mut().expect("just opened"))
    }

    fn open(&self) -> Result<Connection, Box<dyn std::error::Error>> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(self.busy_timeout)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS entries (
                 id      INTEGER PRIMARY KEY AUTOINCREMENT,
                 name    TEXT NOT NULL,
                 message TEXT NOT NULL,
                 at      INTEGER NOT NULL
             );",
        )?;
        Ok(conn)
    }

    /// Stores one entry; returns once it is committed.
    pub fn add(&self, name: &str, message: &str) -> Result<(), String> {
        let at = match self.clock.now().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(_) => 0,
        };
        let mut db = self.lock();
        let result = self.connection(&mut db).and_then(|conn| {
            let tx = conn.transaction().map_err(|e| e.to_string())?;
            tx.execute(
                "INSERT INTO entries (name, message, at) VALUES (?1, ?2, ?3)",
                (name, message, at),
            )
            .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())
        });
        if result.is_err() {
            // Start afresh next time (the file may have been replaced or fixed).
            *db = None;
        }
        // The files changed with the commit, but they are looked at only
        // every `recheck`: drop the page, so that the next `GET /` (the one
        // the 303 sends the browser to) lists the entry at once. (The
        // database lock is let go first: `page` takes the two locks the
        // other way round.)
        drop(db);
        *self.cache() = None;
        result
    }

    /// The newest `limit` entries, newest first.
    pub fn entries(&self, limit: usize) -> Result<Vec<Entry>, String> {
        let mut db = self.lock();
        let result = self.connection(&mut db).and_then(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT name, message, at FROM entries ORDER BY id DESC LIMIT ?1")
                .map_err(|e| e.to_string())?;
            let rows = stmt
                .query_map([limit as i64], |row| {
                    Ok(Entry {
                        name: row.get(0)?,
                        message: row.get(1)?,
                        at: row.get(2)?,
                    })
                })
                .map_err(|e| e.to_string())?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())
        });
        if result.is_err() {
            *db = None;
        }
        result
    }

    /// Answers `GET`, `HEAD` or `POST /`.
    pub fn respond(&self, req: &Request<'_, '_>, body: &[u8]) -> Response {
        let Page {
            html: page,
            etag,
            modified,
            last_modified,
        } = match self.page() {
            Ok(page) => page,
            Err(e) => return unavailable(&e),
        };
        // RFC 9110 §13.2.2: preconditions are evaluated before the method,
        // for POST as well (`If-None-Match: *` is false: `/` exists).
        let precondition = crate::site::preconditions_at(req, &etag, modified);
        if req.method == "POST" {
            if precondition != Precondition::Proceed {
                return precondition_failed();
            }
            return self.post(req, body);
        }
        let mut r = match precondition {
            // RFC 9110 §14: a single byte range of the page, as the site's.
            Precondition::Proceed => crate::static_files::apply_range(
                req,
                Response::ok(HTML, Body::Shared(page)),
                &etag,
                modified,
            ),
            // RFC 9110 §15.4.5: a 304 carries the validators a 200 would.
            Precondition::NotModified => Response::empty(304),
            Precondition::Failed => precondition_failed(),
        };
        r.add_field("ETag", etag);
        r.add_field("Last-Modified", last_modified);
        // The page changes with every entry.
        r.add_field("Cache-Control", "no-cache");
        r
    }

    /// The current page: the cached one while the database files are as
    /// they were when it was rendered, else rendered afresh.
    fn page(&self) -> Result<Page, String> {
        let mut cache = self.cache();
        if let Some(cached) = cache.as_mut() {
            if cached.checked.elapsed() < self.recheck {
                return Ok(cached.page.clone());
            }
        }
        // The files' state is read before the entries, so that an entry
        // committed meanwhile makes the next look render again.
        let checked = Instant::now();
        let state = self.files_state();
        if let (Some(now), Some(cached)) = (state, cache.as_mut()) {
            if now == cached.state {
                cached.checked = checked;
                return Ok(cached.page.clone());
            }
        }
        let entries = self.entries(MAX_LISTED)?;
        let html = page(&entries);
        // RFC 9110 §8.8: the page's validators. The entity-tag hashes the
        // page; it was last modified when the newest entry was written, or
        // with the site itself while the book is empty.
        let etag = crate::site::etag_of(&html);
        let modified = entries
            .iter()
            .map(|e| UNIX_EPOCH + Duration::from_secs(e.at.max(0).unsigned_abs()))
            .max()
            .map_or(crate::site::last_modified(), |t| {
                t.max(crate::site::last_modified())
            });
        let page = Page {
            html: html.into(),
            etag: etag.into(),
            modified,
            last_modified: httpdate::fmt_http_date(modified).into(),
        };
        *cache = state.map(|state| Cached {
            state,
            checked,
            page: page.clone(),
        });
        Ok(page)
    }

    fn cache(&self) -> MutexGuard<'_, Option<Cached>> {
        // The page is whole or absent: a panic cannot leave half of one.
        self.page.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn files_state(&self) -> Option<FilesState> {
        let stat = |path: &Path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        };
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        Some([
            stat(&self.path)?,
            stat(Path::new(&wal)).unwrap_or((0, UNIX_EPOCH)),
        ])
    }

    /// Whether `POST /` is meant for the guestbook: a form with a `name` or
    /// `message` field. Any other form is the tutorial's, echoed by the site.
    pub fn is_entry(body: &[u8]) -> bool {
        decode_form(body)
            .is_ok_and(|fields| fields.iter().any(|(k, _)| k == "name" || k == "message"))
    }

    fn post(&self, req: &Request<'_, '_>, body: &[u8]) -> Response {
        let form_type = crate::request::values(req.headers, "content-type")
            .next()
            .is_some_and(is_form_media_type);
        if !form_type {
            // RFC 9110 §15.5.16
            return Response::error(
                415,
                "The guestbook takes application/x-www-form-urlencoded content only.",
            );
        }
        let (name, message) = match validate(body) {
            Ok(pair) => pair,
            Err(why) => return Response::error(400, &why),
        };
        if let Err(e) = self.add(&name, &message) {
            return unavailable(&e);
        }
        // RFC 9110 §15.4.4: 303 sends the browser to GET the listing.
        let mut r = Response::ok(
            HTML,
            Body::Static(
                b"<!DOCTYPE html>\n<p>Thank you. <a href=\"/\">Back to the guestbook</a>.</p>\n",
            ),
        )
        .with_status(303);
        r.add_field("Location", "/");
        r
    }
}

/// RFC 9110 §15.6.4: the database is not available now.
fn unavailable(why: &str) -> Response {
    let mut r = Response::error(
        503,
        &format!(
            "The guestbook cannot be read or written just now: {why}. Please try again later."
        ),
    );
    r.add_field("Retry-After", "5");
    r
}

/// Checks a form body: `name` and `message`, each present once, not blank,
/// within its length, no control characters but line ends and tabs in the
/// message. The error is a sentence for the 400 page.
pub fn validate(body: &[u8]) -> Result<(String, String), String> {
    let fields = decode_form(body).map_err(|e| e.describe().to_owned())?;
    let one = |key: &str| -> Result<String, String> {
        let mut values = fields.iter().filter(|(k, _)| k == key);
        match (values.next(), values.next()) {
            (Some((_, v)), None) => Ok(v.trim().to_owned()),
            (None, _) => Err(format!("The form has no {key} field.")),
            (Some(_), Some(_)) => Err(format!("The form has more than one {key} field.")),
        }
    };
    let name = one("name")?;
    let message = one("message")?;
    for (key, value, max) in [
        ("name", &name, MAX_NAME),
        ("message", &message, MAX_MESSAGE),
    ] {
        if value.is_empty() {
            return Err(format!("The {key} is empty."));
        }
        let len = value.chars().count();
        if len > max {
            return Err(format!(
                "The {key} is {len} characters long; at most {max} are allowed."
            ));
        }
        let allowed =
            |c: char| !c.is_control() || (key == "message" && matches!(c, '\n' | '\r' | '\t'));
        if !value.chars().all(allowed) {
            return Err(format!("The {key} contains a control character."));
        }
    }
    Ok((name, message))
}

/// The page at `/` with the guestbook: the tutorial's page, a form with
/// name and message, and the entries, HTML-escaped.
pub fn page(entries: &[Entry]) -> Vec<u8> {
    let mut page = Vec::with_capacity(1024 + entries.len() * 128);
    page.extend_from_slice(
        b"<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<title>h1check guestbook</title>
</head>
<body>
<h1>h1check</h1>
<p>This page is served by h1check's reference HTTP/1.1 server. <a href=\"/time\">What time is it?</a></p>
<img src=\"test.jpg\" alt=\"A test picture\" width=\"240\" height=\"160\">
<h2>Sign the guestbook</h2>
<form method=\"post\" action=\"/\">
<p><label>Your name <input type=\"text\" name=\"name\" maxlength=\"80\" required></label></p>
<p><label>Message <textarea name=\"message\" rows=\"3\" cols=\"40\" maxlength=\"2000\" required></textarea></label></p>
<p><button type=\"submit\">Sign</button></p>
</form>
<h2>Entries</h2>
",
    );
    if entries.is_empty() {
        page.extend_from_slice(b"<p>No entries yet.</p>\n");
    } else {
        page.extend_from_slice(b"<ol class=\"entries\">\n");
        for e in entries {
            let at = crate::time::rfc3339(UNIX_EPOCH + Duration::from_secs(e.at.max(0) as u64));
            page.extend_from_slice(b"<li><b>");
            escape_html_into(&mut page, e.name.as_bytes());
            page.extend_from_slice(b"</b> <time>");
            page.extend_from_slice(at.as_bytes());
            page.extend_from_slice(b"</time><p style=\"white-space: pre-line\">");
            escape_html_into(&mut page, e.message.as_bytes());
            page.extend_from_slice(b"</p></li>\n");
        }
        page.extend_from_slice(b"</ol>\n");
    }
    page.extend_from_slice(b"</body>\n</html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_says_what_is_wrong() {
        assert_eq!(
            validate(b"name=Ann&message=Hello+there"),
            Ok(("Ann".into(), "Hello there".into()))
        );
        let err = |b: &[u8]| validate(b).unwrap_err();
        assert_eq!(err(b"message=hi"), "The form has no name field.");
        assert_eq!(err(b"name=a"), "The form has no message field.");
        assert_eq!(
            err(b"name=a&name=b&message=m"),
            "The form has more than one name field."
        );
        assert_eq!(err(b"name=+&message=m"), "The name is empty.");
        assert_eq!(err(b"name=a&message="), "The message is empty.");
        let long = format!("name={}&message=m", "%C3%A9".repeat(81));
        assert_eq!(
            err(long.as_bytes()),
            "The name is 81 characters long; at most 80 are allowed."
        );
        let ok = format!("name={}&message=m", "%C3%A9".repeat(80));
        assert!(validate(ok.as_bytes()).is_ok());
        assert_eq!(
            err(b"name=a%FF&message=m"),
            "The form data does not decode to UTF-8 text."
        );
        assert_eq!(
            err(b"name=a%0Ab&message=m"),
            "The name contains a control character."
        );
        assert!(validate(b"name=a&message=line%0D%0Aline").is_ok());
        assert_eq!(
            err(b"name=a&message=%00"),
            "The message contains a control character."
        );
        assert_eq!(
            err(b"name=a%2&message=m"),
            "The form data has a % that is not followed by two hexadecimal digits."
        );
    }

    #[test]
    fn page_escapes_entries() {
        let page = page(&[Entry {
            name: "<script>".into(),
            message: "a & \"b\"".into(),
            at: 0,
        }]);
        let text = String::from_utf8(page).unwrap();
        assert!(text.contains(
            "<b>&lt;script&gt;</b> <time>1970-01-01T00:00:00Z</time><p style=\"white-space: pre-line\">a &amp; &quot;b&quot;</p>"
        ));
        assert!(!text.contains("<script>"));
    }
}
