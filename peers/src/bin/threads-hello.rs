//! The least a thread-per-connection server can do: the ceiling of the
//! reference server's model, for the benchmarks.
//!
//! `threads-hello PORT` listens on 127.0.0.1:PORT and starts a thread per
//! connection, which answers every request head (up to a blank line) with
//! `200 OK` and `hello\n`, and closes after a request that says
//! `Connection: close`. It parses nothing, checks nothing, logs nothing
//! and keeps no data: what is left is the cost of the model itself, a
//! blocking read and a write per request on a thread of its own.
//!
//! With `--yield`, a thread that has answered yields to the others and
//! looks for bytes already here twice before it sleeps in `read`, as the
//! reference server does (`server/src/conn.rs`, `read_more`); without it,
//! it sleeps at once, as a naive server would.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
const HELLO_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n";

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next().map(|p| p.parse()) {
        Some(Ok(port)) => port,
        _ => {
            eprintln!("usage: threads-hello PORT [--yield]");
            std::process::exit(2);
        }
    };
    let tries = if args.next().as_deref() == Some("--yield") {
        2
    } else {
        0
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    eprintln!("threads-hello listening on 127.0.0.1:{port}");
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        std::thread::spawn(move || serve(stream, tries));
    }
}

fn serve(mut s: TcpStream, tries: usize) {
    let mut buf = vec![0u8; 8192];
    let mut filled = 0;
    loop {
        let n = match read(&mut s, &mut buf[filled..], tries) {
            Some(n) if n > 0 => n,
            _ => return,
        };
        filled += n;
        let mut out = Vec::new();
        let mut start = 0;
        let mut close = false;
        while let Some(end) = buf[start..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = &buf[start..start + end];
            close = head
                .windows(17)
                .any(|w| w.eq_ignore_ascii_case(b"connection: close"));
            out.extend_from_slice(if close { HELLO_CLOSE } else { HELLO });
            start += end + 4;
            if close {
                break;
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() || (!out.is_empty() && s.write_all(&out).is_err()) || close {
            return;
        }
    }
}

/// A read, after `tries` looks (each after a yield) for bytes already here.
fn read(s: &mut TcpStream, buf: &mut [u8], tries: usize) -> Option<usize> {
    for _ in 0..tries {
        std::thread::yield_now();
        // SAFETY: `buf` is a live, writable slice of `buf.len()` bytes for
        // the whole call; the descriptor belongs to `s`, borrowed for it.
        let n = unsafe {
            libc::recv(
                s.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            return Some(n as usize);
        }
    }
    s.read(buf).ok()
}
