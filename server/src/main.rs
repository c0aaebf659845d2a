//! `server`: runs h1check's reference HTTP/1.1 server.
#![forbid(unsafe_code)]
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use server::clock::SystemClock;

/// h1check's reference HTTP/1.1 server: serves `/` (a page with a picture
/// and a guestbook kept in SQLite), `/test.jpg` and `/time`.
#[derive(Debug, Parser)]
#[command(name = "server", version)]
struct Args {
    /// Address to listen on, IP:PORT or HOST:PORT (localhost:8000); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8000", value_parser = listen_addr)]
    addr: SocketAddr,

    /// Most connections open at once; at it, the oldest idle keep-alive connection is closed to make room (with none idle, a new connection gets 503 and is closed).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,

    /// Seconds allowed to receive a whole request head once its first byte came (then 408).
    #[arg(long, default_value = "10", value_parser = seconds)]
    head_timeout: Duration,

    /// Seconds a persistent connection may stay silent between requests before it is closed.
    #[arg(long, default_value = "30", value_parser = seconds)]
    idle_timeout: Duration,

    /// Longest request-line in bytes, CRLF excluded (longer gets 414).
    #[arg(long, default_value_t = 8 * 1024, value_parser = clap::value_parser!(u32).range(16..))]
    max_request_line: u32,

    /// Largest request head in bytes, request-line and fields included (larger gets 431).
    #[arg(long, default_value_t = 32 * 1024, value_parser = clap::value_parser!(u32).range(16..))]
    max_head: u32,

    /// Most header fields in a request, at most 100 (more gets 431).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=100))]
    max_headers: u16,

    /// Largest request body in bytes (larger gets 413).
    #[arg(long, default_value_t = 1 << 20)]
    max_body: u64,

    /// Accept a bare LF as a line end in request heads (RFC 9112 §2.2 MAY); off by default.
    #[arg(long)]
    allow_bare_lf: bool,

    /// Folder of the guestbook's database (created on demand).
    #[arg(long, value_name = "DIR", default_value = "h1check-data")]
    data: PathBuf,

    /// Serve `/` as the tutorial's page with the form's echo, without the guestbook.
    #[arg(long)]
    no_guestbook: bool,

    /// Serve this folder under /files/ (listings, ranges, conditional GET).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Run the executables in this folder as CGI scripts under /cgi-bin/ (RFC 3875).
    #[arg(long, value_name = "DIR")]
    cgi: Option<PathBuf>,

    /// Seconds a CGI script may run before it is killed and the client gets 504.
    #[arg(long, default_value = "10", value_parser = seconds)]
    cgi_timeout: Duration,

    /// Do not log one line per request on stderr (the log is written in chunks, at least every 0.1 s).
    #[arg(long, short)]
    quiet: bool,
}

/// `IP:PORT`, or `HOST:PORT` resolved to its first IPv4 address (else its
/// first address): `localhost:8000` listens on `127.0.0.1:8000`.
fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("`{s}` is not IP:PORT or HOST:PORT ({e})"))?
        .collect();
    preferred(&addrs).ok_or_else(|| format!("`{s}` resolves to no address"))
}

/// Of the addresses a name resolves to, the first IPv4 one, else the first.
fn preferred(addrs: &[SocketAddr]) -> Option<SocketAddr> {
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
}

/// Parses a positive number of seconds, fractions allowed.
fn seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(format!(
            "`{s}` must be more than 0 and at most 86400 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn main() -> ExitCode {
    // Usage errors print clap's message and exit 2.
    let args = Args::parse();
    let config = server::Config {
        max_connections: args.max_connections as usize,
        head_timeout: args.head_timeout,
        idle_timeout: args.idle_timeout,
        limits: server::parse::Config {
            max_request_line_len: args.max_request_line as usize,
            max_head_len: args.max_head as usize,
            max_header_count: usize::from(args.max_headers),
            allow_bare_lf_line_endings: args.allow_bare_lf,
        },
        max_body: args.max_body,
        log: !args.quiet,
        ..server::Config::default()
    };
    let mut app = server::app::App::new(Arc::clone(&config.clock));
    if !args.no_guestbook {
        // Opened on first use; checked below once the address is ours.
        app.guestbook = Some(server::guestbook::Guestbook::new(
            &args.data,
            Arc::clone(&config.clock),
        ));
    }
    if let Some(root) = &args.root {
        match server::static_files::StaticFiles::new(root) {
            Ok(files) => app.files = Some(files),
            Err(e) => {
                eprintln!("server: --root {}: {e}", root.display());
                return ExitCode::from(2);
            }
        }
    }
    if let Some(dir) = &args.cgi {
        match server::cgi::Cgi::new(dir, args.cgi_timeout) {
            Ok(cgi) => app.cgi = Some(cgi),
            Err(e) => {
                eprintln!("server: --cgi {}: {e}", dir.display());
                return ExitCode::from(2);
            }
        }
    }
    let config = server::Config {
        handler: app.into_handler(),
        ..config
    };
    let server = match server::Server::bind(args.addr, config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("server: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    if !args.no_guestbook {
        // A database that cannot be opened now is a 503 for the guestbook
        // only; every request tries again.
        let book = server::guestbook::Guestbook::new(&args.data, Arc::new(SystemClock));
        match book.check() {
            Ok(()) => eprintln!("guestbook: {}", book.path().display()),
            Err(e) => eprintln!("guestbook: cannot open {}: {e}", book.path().display()),
        }
    }
    eprintln!("listening on http://{}/", server.local_addr());
    // SIGINT and SIGTERM stop the server normally: stop accepting, and
    // write out the access log's pending lines before exiting.
    let (stop, stopped) = std::sync::mpsc::channel();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = stop.send(());
    }) {
        eprintln!("server: cannot catch SIGINT and SIGTERM ({e}); serving without");
        let result = server.run();
        server::log::flush();
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let handle = server.spawn();
    let _ = stopped.recv();
    handle.shutdown();
    server::log::flush();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_listens_on_its_first_ipv4_address_else_its_first() {
        let v6: SocketAddr = "[::1]:8000".parse().unwrap();
        let v4: SocketAddr = "127.0.0.1:8000".parse().unwrap();
        let other: SocketAddr = "127.0.0.2:8000".parse().unwrap();
        assert_eq!(preferred(&[v6, v4, other]), Some(v4));
        assert_eq!(preferred(&[v6]), Some(v6));
        assert_eq!(preferred(&[]), None);
    }
}
