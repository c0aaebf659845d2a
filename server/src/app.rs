//! The whole site the `server` command serves: the tutorial's site
//! ([`site`](crate::site)) plus the time service at `/time`, and, when
//! configured, the guestbook at `/`, a folder of files under `/files/` and
//! CGI scripts under `/cgi-bin/`.
//!
//! | target            | what answers                                   | when            |
//! |-------------------|------------------------------------------------|-----------------|
//! | `/time`           | [`time`](crate::time)                          | always          |
//! | `/` (GET, HEAD, POST) | [`guestbook`](crate::guestbook)            | with a guestbook|
//! | `/files/…`        | [`static_files`](crate::static_files)          | with `--root`   |
//! | `/cgi-bin/…`      | [`cgi`](crate::cgi)                            | with `--cgi`    |
//! | anything else     | [`site::respond`](crate::site::respond)        | always          |
use std::sync::Arc;

use crate::cgi::Cgi;
use crate::clock::Clock;
use crate::config::Handler;
use crate::guestbook::Guestbook;
use crate::parse::{Request, TargetForm};
use crate::response::Response;
use crate::site::{self, not_allowed, options, KNOWN_METHODS};
use crate::static_files::{StaticFiles, FILES_PREFIX};
use crate::time::{self, ALLOW_TIME};

/// Where the scripts of the folder given to `--cgi` run.
pub const CGI_PREFIX: &str = "/cgi-bin/";

/// The site and its optional parts.
pub struct App {
    clock: Arc<dyn Clock>,
    /// The guestbook that `/` shows and `POST /` signs.
    pub guestbook: Option<Guestbook>,
    /// The folder under `/files/`.
    pub files: Option<StaticFiles>,
    /// The scripts under `/cgi-bin/`.
    pub cgi: Option<Cgi>,
}

impl App {
    /// The tutorial's site and the time service, telling time by `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> App {
        App {
            clock,
            guestbook: None,
            files: None,
            cgi: None,
        }
    }

    /// This site as a [`Handler`] for [`Config`](crate::Config).
    pub fn into_handler(self) -> Handler {
        let app = Arc::new(self);
        Arc::new(move |req: &Request<'_, '_>, body: &[u8]| app.respond(req, body))
    }

    /// Answers one request. `body` is the decoded content.
    pub fn respond(&self, req: &Request<'_, '_>, body: &[u8]) -> Response {
        // Unknown methods (501), `*` and CONNECT are the site's to answer.
        if !KNOWN_METHODS.contains(&req.method) {
            return site::respond(req, body);
        }
        let Some(target) = path_and_query(req) else {
            return site::respond(req, body);
        };
        let path = target.split_once('?').map_or(target, |(p, _)| p);
        if path == "/time" {
            return match req.method {
                "GET" | "HEAD" => time::respond(req, &*self.clock),
                "OPTIONS" => options(ALLOW_TIME),
                _ => not_allowed(ALLOW_TIME),
            };
        }
        if let Some(files) = &self.files {
            if path == FILES_PREFIX || path.starts_with("/files/") {
                return files.respond(req, &target[FILES_PREFIX.len()..]);
            }
        }
        if let Some(cgi) = &self.cgi {
            if let Some(rest) = target.strip_prefix(CGI_PREFIX) {
                return cgi.respond(req, rest, body);
            }
        }
        if let Some(book) = &self.guestbook {
            // The path first: only a POST to `/` has its form read here.
            let mine = path == "/"
                && match req.method {
                    "GET" | "HEAD" => true,
                    "POST" => Guestbook::is_entry(body),
                    _ => false,
                };
            if mine {
                return book.respond(req, body);
            }
        }
        site::respond(req, body)
    }
}

/// The path and query of an origin-form target, or of an absolute-form
/// `http` one (RFC 9112 §3.2.2); `None` for anything the site routes itself.
fn path_and_query<'b>(req: &Request<'_, 'b>) -> Option<&'b str> {
    match req.form {
        TargetForm::Origin => Some(req.target),
        TargetForm::Absolute
            if req
                .target
                .get(..5)
                .is_some_and(|s| s.eq_ignore_ascii_case("http:")) =>
        {
            match site::absolute_path(req.target) {
                "" => None,
                p => Some(p),
            }
        }
        _ => None,
    }
}
