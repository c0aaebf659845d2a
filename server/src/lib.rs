//! h1check's reference HTTP/1.1 origin server, written on `std::net` and threads.
//!
//! # Brief overview
//!
//! - [`parse`] turns the bytes of a request head into a [`parse::Request`]:
//!   a pure function over a byte slice, zero-copy, strict per RFC 9112.
//! - [`request`] reads what a parsed head means for the connection: Host
//!   (RFC 9112 §3.2), body framing (§6.3), persistence (§9.3), `Expect`.
//! - [`framing`] frames bodies: Content-Length and the incremental chunked
//!   decoder (RFC 9112 §6, §7).
//! - [`status`] is the one place a request error becomes a status code.
//! - [`response`] writes a status line, fields and body to any `Write`, with
//!   the clock passed in so that bytes are reproducible.
//! - [`site`] is the tutorial's site: `/`, `/test.jpg` and the form.
//! - [`conn`] drives one connection: read, parse, frame, dispatch, write,
//!   keep or close.
//! - [`listener`] accepts connections, caps them, shuts down.
//! - [`socket`] is the plumbing both share: the [`socket::Transport`] a
//!   connection runs on, stream set-up, the lingering close.
//! - [`log`] writes the access log.
//! - [`config`] holds the settings, the handler and the tap.
//! - [`clock`] is the injected source of `Date`.
//! - [`app`] is what the `server` command serves: the site, plus [`time`]
//!   (`/time`), and when configured [`guestbook`] (SQLite behind `/`) and
//!   [`static_files`] (a folder under `/files/`) and [`cgi`] (scripts
//!   under `/cgi-bin/`, RFC 3875).
// `unsafe` only where a comment proves it sound and a test covers it
// (`parse::ascii` and its callers, `socket::recv_now`).
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod cgi;
pub mod clock;
pub mod config;
pub mod conn;
pub mod framing;
pub mod guestbook;
pub mod listener;
pub mod log;
pub mod parse;
pub mod request;
pub mod response;
pub mod site;
pub mod socket;
pub mod static_files;
pub mod status;
pub mod time;

pub use config::Config;
pub use listener::{Handle, Server};
