//! `harness send`: a `nc` that shows every byte. Sends a fixture file (or
//! bytes written in the fixtures' escaped notation, see
//! [`render`](crate::render)) to a server and prints the exchange the way
//! the reports do: `\r`, `\n` and `\xNN` visible, responses split and
//! labelled, and how the connection ended.
//!
//! With no `--target` the reference server is started in-process, its
//! clock stopped, as `harness run` does.
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use crate::render::{escape, unescape};
use crate::replay::{method_of, start_reference_server};
use crate::run::resolve_target;
use crate::snapshot::{split_responses, Part};

/// Send raw bytes to an HTTP/1.1 server and print the exchange, every byte visible.
#[derive(Debug, Parser)]
#[command(
    name = "harness send",
    after_help = "Examples:\n  harness send fixtures/requests/get-time-json.http\n  \
                  harness send --target 127.0.0.1:8000 --bytes 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'\n\n\
                  Exit status: 0 the exchange took place; 1 no connection; 2 usage error or unreadable input."
)]
struct Args {
    /// A file whose bytes are sent as they are (a fixture's `.http` file).
    #[arg(
        value_name = "FILE",
        conflicts_with = "bytes",
        required_unless_present = "bytes"
    )]
    file: Option<PathBuf>,
    /// Bytes to send, in the fixtures' escaped notation (\r \n \t \\ \xNN; real line breaks are layout).
    #[arg(long, value_name = "TEXT")]
    bytes: Option<String>,
    /// Server, HOST:PORT (default: the reference server, started in-process).
    #[arg(long, value_name = "HOST:PORT")]
    target: Option<String>,
    /// Allow a --target that is not on the loopback interface.
    #[arg(long)]
    allow_remote: bool,
    /// Stop reading after this long without a byte from the server, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    idle_ms: u64,
    /// Stop reading after this long in all, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout_ms: u64,
    /// Shut down the sending side after the bytes are sent (a half-close).
    #[arg(long)]
    half_close: bool,
}

/// How the reading ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The server closed the connection (end of stream).
    Closed,
    /// The server reset the connection.
    Reset,
    /// Nothing came for the idle window; the connection was still open.
    Idle,
    /// The overall time ran out.
    Timeout,
}

/// Sends `request` to `addr` and reads until the server closes, resets,
/// stays silent for `idle`, or `total` runs out.
pub fn send(
    addr: SocketAddr,
    request: &[u8],
    half_close: bool,
    idle: Duration,
    total: Duration,
) -> io::Result<(Vec<u8>, End)> {
    let mut stream = TcpStream::connect_timeout(&addr, total)?;
    let _ = stream.set_nodelay(true);
    stream.set_write_timeout(Some(total))?;
    let start = Instant::now();
    stream.write_all(request)?;
    if half_close {
        stream.shutdown(Shutdown::Write)?;
    }
    let mut received = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut last = Instant::now();
    loop {
        let left = total.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Ok((received, End::Timeout));
        }
        let quiet = idle.saturating_sub(last.elapsed());
        if quiet.is_zero() {
            return Ok((received, End::Idle));
        }
        stream.set_read_timeout(Some(left.min(quiet)))?;
        match stream.read(&mut buf) {
            Ok(0) => return Ok((received, End::Closed)),
            Ok(n) => {
                received.extend_from_slice(&buf[..n]);
                last = Instant::now();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                ) =>
            {
                return Ok((received, End::Reset))
            }
            Err(e) => return Err(e),
        }
    }
}

fn push_escaped(out: &mut String, bytes: &[u8]) {
    out.push_str(&escape(bytes));
    if !bytes.ends_with(b"\n") {
        out.push('\n');
    }
}

/// The printed account of one exchange.
pub fn render_exchange(target: &str, request: &[u8], response: &[u8], end: End) -> String {
    let mut out = format!("── sent to {target}: {} bytes\n", request.len());
    push_escaped(&mut out, request);
    // Every received byte, escaped, each response's head and body marked
    // where the snapshots' splitter puts them (the request's method tells
    // whether a body follows: HEAD).
    let method = method_of(request);
    let parts = split_responses(response, &[method; 64]);
    out.push_str(&format!("── received: {} bytes\n", response.len()));
    let mut n = 0;
    for part in &parts {
        match part {
            Part::Response(r) => {
                n += 1;
                out.push_str(&format!("── response {n}: status {}\n", r.status));
                push_escaped(&mut out, r.head);
                if !r.body.is_empty() {
                    let cut = if r.truncated {
                        ", cut short by the end of the stream"
                    } else {
                        ""
                    };
                    out.push_str(&format!("── body: {} bytes{cut}\n", r.body.len()));
                    push_escaped(&mut out, r.body);
                }
            }
            Part::Unparsed(b) => {
                out.push_str(&format!(
                    "── {} bytes that are not a response head\n",
                    b.len()
                ));
                push_escaped(&mut out, b);
            }
        }
    }
    out.push_str(match end {
        End::Closed => "── the server closed the connection\n",
        End::Reset => "── the server reset the connection\n",
        End::Idle => {
            "── the connection was still open (nothing more came within the idle window)\n"
        }
        End::Timeout => "── stopped: the overall time ran out, the connection still open\n",
    });
    out
}

/// Entry point of `harness send`.
pub fn main(args: &[String]) -> ExitCode {
    let args: Args = match crate::cli::parse_args("harness send", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let request = match (&args.file, &args.bytes) {
        (Some(path), _) => match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        (None, Some(text)) => match unescape(text) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: --bytes: {e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => unreachable!("clap requires one"),
    };
    let total = Duration::from_millis(args.timeout_ms);
    let idle = Duration::from_millis(args.idle_ms);
    let mut _server = None;
    let (addr, label) = match &args.target {
        Some(t) => match resolve_target(t, args.allow_remote, total) {
            Ok(a) => (a, t.clone()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => match start_reference_server() {
            Ok(h) => {
                let addr = h.addr();
                _server = Some(h);
                (addr, format!("the reference server ({addr})"))
            }
            Err(e) => {
                eprintln!("error: starting the reference server: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    match send(addr, &request, args.half_close, idle, total) {
        Ok((response, end)) => {
            print!("{}", render_exchange(&label, &request, &response, end));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {label}: {e}");
            ExitCode::FAILURE
        }
    }
}
