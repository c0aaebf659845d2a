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
//! - [`redact`]: blanks response fields that change on their own (`Date`).
//! - [`replay_target`]: the `replay` command: fixtures against any server,
//!   its answers kept as snapshots of its own.
//! - [`shrink`]: the `shrink` command: a request answered differently from
//!   the reference server, cut down to what still shows the difference.
//! - [`capture`]: records real clients into fixtures.
//! - [`case`]: RFC conformance cases loaded from `fixtures/cases/`.
//! - [`client`]: runs one case over TCP and reads what comes back.
//! - [`schedule`]: spreads cases over connections without overrunning a
//!   server's accept queue; runs again what was turned away.
//! - [`wire`]: status-line, field-line and IMF-fixdate checks of response heads.
//! - [`verdict`]: PASS / WARN / FAIL / ERROR from what came back.
//! - [`report`]: terminal, JSON, JUnit and HTML reports.
//! - [`run`]: the `run` command.
//! - [`progress`]: Ctrl-C and the progress line of a run.
//! - [`scaffold`]: the `new-case` command, a new case file from a template.
//! - [`baseline`]: known failures, read strictly and written by `run`.
//! - [`send`]: the `send` command, a `nc` that shows every byte.
//! - [`strategies`]: proptest generators of valid and mutated requests.
//! - [`cli`]: flag parsing and usage errors shared by the commands.
//! - [`stress`]: the `stress` command: slowloris, idle, flood, slow-reader
//!   and oversize scenarios, with a probe client measuring meanwhile.
#![forbid(unsafe_code)]

pub mod baseline;
pub mod capture;
pub mod case;
pub mod cli;
pub mod client;
pub mod fixture;
pub mod http;
pub mod progress;
pub mod redact;
pub mod render;
pub mod replay;
pub mod replay_target;
pub mod report;
pub mod run;
pub mod scaffold;
pub mod schedule;
pub mod send;
pub mod shrink;
pub mod snapshot;
pub mod strategies;
pub mod stress;
pub mod verdict;
pub mod wire;
