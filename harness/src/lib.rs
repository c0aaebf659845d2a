//! h1check's harness: proves an HTTP/1.1 server right byte for byte.
//!
//! # Brief overview
//!
//! - [`http`]: the one reader of HTTP/1.1 bytes: heads, fields, request
//!   framing (how many requests a stream holds), response framing.
//! - [`render`]: wire bytes to lossless text and back (snapshots, case files).
//! - [`fixture`]: captured requests and their sidecars under `fixtures/`.
//! - [`replay`]: sends a fixture whole, split, byte by byte and pipelined.
//! - [`snapshot`]: renders exchanges for insta snapshots.
//! - [`capture`]: records real clients into fixtures.
//! - [`case`]: RFC conformance cases loaded from `fixtures/cases/`.
//! - [`client`]: runs one case over TCP and reads what comes back.
//! - [`schedule`]: spreads cases over connections without overrunning a
//!   server's accept queue; runs again what was turned away.
//! - [`wire`]: status-line, field-line and IMF-fixdate checks of response heads.
//! - [`verdict`]: PASS / WARN / FAIL / ERROR from what came back.
//! - [`report`]: terminal, JSON, JUnit and HTML reports.
//! - [`run`]: the `run` command.
//! - [`strategies`]: proptest generators of valid and mutated requests.
#![forbid(unsafe_code)]

pub mod capture;
pub mod case;
pub mod client;
pub mod fixture;
pub mod http;
pub mod render;
pub mod replay;
pub mod report;
pub mod run;
pub mod schedule;
pub mod snapshot;
pub mod strategies;
pub mod verdict;
pub mod wire;
