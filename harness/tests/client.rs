//! The case client against scripted servers: responses framed as a client
//! frames them (interim 1xx, chunked in pieces, read to close, HEAD),
//! answers written one by one, the follow-up probe, and a server that never
//! answers costing the time bound and no more.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use harness::case::Case;
use harness::client::{run_case, Closed, Options, Probe};
use harness::verdict::{judge, Outcome};

/// What the scripted server does after reading the `n`-th request head.
enum Act {
    /// Write these pieces, sleeping between them.
    Write(Vec<&'static [u8]>),
    /// Write these bytes and close.
    WriteClose(&'static [u8]),
    /// Write these bytes, wait this many milliseconds, and close.
    WriteCloseLate(&'static [u8], u64),
    /// Say nothing, read on.
    Nothing,
}

/// A server that answers each request head (up to an empty line) on each
/// connection by `script(n)`; it lives as long as the test process.
fn scripted(script: fn(usize) -> Act) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, script));
        }
    });
    addr
}

fn serve(mut stream: TcpStream, script: fn(usize) -> Act) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        match buf.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(end) => {
                let head: Vec<u8> = buf.drain(..end + 4).collect();
                // RFC 9112 §9.6: close after answering a request that asks.
                let close = String::from_utf8_lossy(&head).contains("Connection: close");
                match script(n) {
                    Act::Write(pieces) => {
                        for (i, piece) in pieces.iter().enumerate() {
                            if i > 0 {
                                std::thread::sleep(Duration::from_millis(30));
                            }
                            if stream.write_all(piece).is_err() {
                                return;
                            }
                        }
                        if close {
                            return;
                        }
                    }
                    Act::WriteClose(bytes) => {
                        let _ = stream.write_all(bytes);
                        return;
                    }
                    Act::WriteCloseLate(bytes, ms) => {
                        let _ = stream.write_all(bytes);
                        std::thread::sleep(Duration::from_millis(ms));
                        return;
                    }
                    Act::Nothing => {}
                }
                n += 1;
            }
            None => {
                let mut chunk = [0u8; 4096];
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                }
            }
        }
    }
}

const NO_CONTENT: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";

fn case(send: &str, expect: &str) -> Case {
    let text = format!(
        "id = \"t\"\nsection = \"9112/6.3\"\nlevel = \"MUST\"\nrequirement = \"r\"\n\
         description = \"d\"\nsend = '''{send}'''\n[[expect]]\n{expect}\n"
    );
    Case::parse(Path::new("cases/test/t.toml"), "test", &text).unwrap()
}

const GET: &str = "GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n";

fn options() -> Options {
    Options {
        timeout: Duration::from_millis(500),
    }
}

#[test]
fn interim_responses_are_kept_apart_and_the_probe_proves_the_connection_open() {
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ]),
        _ => Act::Write(vec![NO_CONTENT]),
    });
    let c = case(
        GET,
        "interim = \"100\"\nsequence = [\"200\"]\nconnection = \"open\"",
    );
    let obs = run_case(addr, &c, &options());
    assert_eq!(obs.interim, [100]);
    assert_eq!(obs.responses.len(), 1);
    assert_eq!(obs.probe, Some(Probe::Answered(204)));
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());
}

#[test]
fn a_chunked_body_in_pieces_is_one_response() {
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"lo\r\n",
            b"0\r\n\r\n",
        ]),
        _ => Act::Write(vec![NO_CONTENT]),
    });
    let c = case(GET, "responses = 1\nconnection = \"open\"");
    let obs = run_case(addr, &c, &options());
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());
    assert!(obs.responses[0].complete);
}

#[test]
fn a_body_without_length_runs_to_the_close() {
    let addr = scripted(|_| Act::WriteClose(b"HTTP/1.1 200 OK\r\n\r\nall of this"));
    let c = case(GET, "status = \"200\"\nconnection = \"closed\"");
    let obs = run_case(addr, &c, &options());
    assert_eq!(obs.closed, Some(Closed::Eof));
    assert_eq!(obs.responses[0].body_len, b"all of this".len());
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());
}

#[test]
fn a_response_to_head_has_no_body_and_content_after_it_is_caught() {
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"]),
        _ => Act::Write(vec![NO_CONTENT]),
    });
    let head = "HEAD / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n";
    let c = case(
        head,
        "status = \"200\"\nno_body = true\nconnection = \"open\"",
    );
    let obs = run_case(addr, &c, &options());
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());

    let addr = scripted(|_| Act::Write(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"]));
    let obs = run_case(addr, &c, &options());
    let verdict = judge(&c, &obs);
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert!(
        verdict.reason.contains("carried 4 body bytes"),
        "{}",
        verdict.reason
    );
    // The body is told from the probe's answer after it, which proves the
    // connection open.
    assert_eq!(obs.responses[0].stray_after, 4);
    assert!(obs.stayed_open(), "{}", obs.summary());
}

#[test]
fn answers_written_one_by_one_are_all_counted_before_the_probe() {
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]),
        1 => {
            std::thread::sleep(Duration::from_millis(30));
            Act::Write(vec![b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"])
        }
        _ => Act::Write(vec![NO_CONTENT]),
    });
    let two = format!("{GET}{GET}");
    let c = case(&two, "sequence = [\"200\", \"404\"]\nconnection = \"open\"");
    let obs = run_case(addr, &c, &options());
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());
}

#[test]
fn an_answer_later_than_the_settling_time_is_not_taken_for_the_probes() {
    // The second answer comes after the probe was sent: the first final
    // response after the probe is the case's, and the probe's is the last.
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]),
        1 => {
            std::thread::sleep(Duration::from_millis(250));
            Act::Write(vec![b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"])
        }
        _ => {
            std::thread::sleep(Duration::from_millis(40));
            Act::Write(vec![NO_CONTENT])
        }
    });
    let two = format!("{GET}{GET}");
    let c = case(&two, "sequence = [\"200\", \"404\"]\nconnection = \"open\"");
    let obs = run_case(addr, &c, &options());
    let statuses: Vec<u16> = obs.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 404], "{}", obs.summary());
    assert_eq!(obs.probe, Some(Probe::Answered(204)));
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());
}

#[test]
fn an_answer_followed_by_a_close_is_not_taken_for_the_probes() {
    // The trailing bytes hold no request line, yet the server answers them
    // (400) and closes, after the probe went out: that 400 is the case's.
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]),
        _ => {
            std::thread::sleep(Duration::from_millis(150));
            Act::WriteClose(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        }
    });
    let send = format!("{GET}0\\r\\n\\r\\n");
    let c = case(
        &send,
        "sequence = [\"200\", \"400\"]\nconnection = \"closed\"",
    );
    let obs = run_case(addr, &c, &options());
    let statuses: Vec<u16> = obs.responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 400], "{}", obs.summary());
    // `0` is no request-line: the server is expected to answer it and
    // close, so the client reads to the close and sends no probe.
    assert_eq!(obs.probe, None);
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass, "{}", obs.summary());
}

/// A server that answers an unframeable chunk with 400, then goes on
/// answering what follows, each answer its own write, and closes after the
/// last (the smuggled request asked for it): every answer is read, every
/// time. A probe sent after the first answer would reach the server before
/// its close, unread, and its kernel's reset would drop the answers not
/// yet sent.
#[test]
fn a_desync_after_an_error_is_read_to_the_close_every_time() {
    let addr = scripted(|n| match n {
        0 => Act::Write(vec![
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        ]),
        1 => Act::Write(vec![
            b"HTTP/1.1 405 Method Not Allowed\r\n",
            b"Content-Length: 0\r\n\r\n",
        ]),
        _ => Act::WriteClose(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    });
    let send = "POST / HTTP/1.1\\r\\nHost: localhost\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n\
                0\\r\\r\\n\\r\\n\
                GET /smuggled HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n";
    let c = case(
        send,
        "status = \"400\"\nresponses = 1\nconnection = \"closed\"",
    );
    for _ in 0..5 {
        let obs = run_case(addr, &c, &options());
        let statuses: Vec<u16> = obs.responses.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [400, 405, 200], "{}", obs.summary());
        assert_eq!(obs.closed, Some(Closed::Eof), "{}", obs.summary());
        assert_eq!(obs.probe, None);
        assert_eq!(judge(&c, &obs).outcome, Outcome::Fail, "{}", obs.summary());
    }
}

#[test]
fn a_server_that_never_answers_costs_the_time_bound_only() {
    let addr = scripted(|_| Act::Nothing);
    let c = case(GET, "status = \"200\"");
    let start = Instant::now();
    let obs = run_case(addr, &c, &options());
    let took = start.elapsed();
    assert!(obs.timed_out);
    assert!(obs.responses.is_empty());
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    let verdict = judge(&c, &obs);
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert!(
        verdict.reason.contains("no complete response"),
        "{}",
        verdict.reason
    );
}

#[test]
fn a_silent_window_that_stays_silent_ends_the_case() {
    let addr = scripted(|_| Act::Nothing);
    let c = case("GET / HTTP/1.1\\r\\n", "silent_ms = 100");
    let start = Instant::now();
    let obs = run_case(addr, &c, &options());
    assert_eq!(obs.silent, Some(Duration::from_millis(100)));
    assert!(start.elapsed() < Duration::from_millis(400));
    assert_eq!(judge(&c, &obs).outcome, Outcome::Pass);

    let addr = scripted(|_| Act::WriteClose(b"HTTP/1.1 400 Bad Request\r\n\r\n"));
    let eager = case(GET, "silent_ms = 100");
    let obs = run_case(addr, &eager, &options());
    assert_eq!(judge(&eager, &obs).outcome, Outcome::Fail);
}

/// A proxy in front of `upstream` that hands the server's bytes on in
/// pieces cut at random points, with random pauses between them, and
/// delays passing on the close: how a real network and a loaded machine
/// split and delay what a server writes. Connection `k` uses seed
/// `seed + k`, so a failure can be replayed.
fn jittery_proxy(upstream: SocketAddr, seed: u64) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (k, client) in listener.incoming().flatten().enumerate() {
            let Ok(server) = TcpStream::connect(upstream) else {
                continue;
            };
            let mut rng = seed
                .wrapping_add(k as u64)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                | 1;
            let (mut client_in, mut server_out) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut client_in, &mut server_out);
                let _ = server_out.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let (mut server, mut client) = (server, client);
                let _ = client.set_nodelay(true);
                let mut next = move |n: u64| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    rng % n
                };
                let mut buf = [0u8; 4096];
                loop {
                    match server.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let mut rest = &buf[..n];
                            while !rest.is_empty() {
                                let cut = 1 + next(rest.len() as u64) as usize;
                                std::thread::sleep(Duration::from_micros(next(3000)));
                                if client.write_all(&rest[..cut]).is_err() {
                                    return;
                                }
                                rest = &rest[cut..];
                            }
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(next(40)));
                // The other thread holds a clone: close for both.
                let _ = client.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    addr
}

/// The verdict does not depend on how the server's bytes were cut or how
/// late its close came: the reference server passes these cases directly,
/// and gets the same verdicts behind a proxy that splits and delays its
/// answers at random, whatever the seed.
#[test]
fn split_and_delayed_answers_give_the_same_verdicts() {
    use harness::case::load_all;
    use harness::run::run_all;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cases");
    let cases: Vec<Case> = load_all(&root)
        .unwrap()
        .into_iter()
        .filter(|c| {
            matches!(
                c.category.as_str(),
                "pipelining" | "smuggling" | "connection" | "expect" | "framing" | "fields"
            )
        })
        .collect();
    assert!(cases.len() > 100, "{} cases", cases.len());
    let server = harness::replay::start_reference_server().unwrap();
    let options = Options {
        timeout: Duration::from_secs(2),
    };
    let direct = run_all(server.addr(), &cases, &options, 32);
    // The reference server passes every case.
    let failing: Vec<String> = direct
        .iter()
        .filter(|r| r.verdict.outcome != Outcome::Pass)
        .map(|r| format!("{}: {}", r.case.id, r.verdict.reason))
        .collect();
    assert!(failing.is_empty(), "{}", failing.join("\n"));
    for seed in [1, 2] {
        let proxied = run_all(jittery_proxy(server.addr(), seed), &cases, &options, 32);
        let differ: Vec<String> = direct
            .iter()
            .zip(&proxied)
            .filter(|(d, p)| d.verdict.outcome != p.verdict.outcome)
            .map(|(d, p)| {
                format!(
                    "{}: {} direct ({}), {} proxied ({})",
                    d.case.id,
                    d.verdict.outcome,
                    d.observation.summary(),
                    p.verdict.outcome,
                    p.observation.summary()
                )
            })
            .collect();
        assert!(differ.is_empty(), "seed {seed}:\n{}", differ.join("\n"));
    }
}

/// A server that answers, then sends bytes that are no response (in a
/// second write, or after a pause), then closes, perhaps late: the account
/// is the same every time, whether the stray bytes came before or after the
/// probe went out, and whether the close had been read yet.
#[test]
fn stray_bytes_then_a_late_close_give_the_same_account_every_time() {
    let c = case(GET, "status = \"200\"\nconnection = \"closed\"");
    let second_write = scripted(|_| {
        Act::Write(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            b"<html>stray",
        ])
    });
    let late_close = scripted(|_| {
        Act::WriteCloseLate(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok<html>stray",
            150,
        )
    });
    for (addr, closed) in [(second_write, true), (late_close, true)] {
        let first = run_case(addr, &c, &options());
        assert_eq!(first.closed.is_some(), closed, "{}", first.summary());
        for _ in 0..3 {
            let again = run_case(addr, &c, &options());
            assert_eq!(again.summary(), first.summary());
            assert_eq!(judge(&c, &again), judge(&c, &first));
        }
    }
}

/// A server that resets a connection (closes it with the request unread)
/// when `reset(k)` holds for the `k`-th connection, and otherwise answers
/// every request `204` (closing after `Connection: close`).
fn resetting(reset: fn(usize) -> bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (k, stream) in listener.incoming().flatten().enumerate() {
            if reset(k) {
                // Wait for the request, then close without reading it:
                // the kernel answers with a reset.
                let mut byte = [0u8; 1];
                let _ = stream.peek(&mut byte);
                drop(stream);
            } else {
                std::thread::spawn(move || serve(stream, |_| Act::Write(vec![NO_CONTENT])));
            }
        }
    });
    addr
}

/// A connection reset before any answer is run again, and the case is
/// judged on the attempt that was served; a server that resets every
/// connection, even alone, is judged for it (FAIL), not excused as ERROR.
#[test]
fn a_reset_before_any_answer_is_run_again() {
    use harness::progress::Watch;
    use harness::schedule::{run_cases, ATTEMPTS};
    let c = case(GET, "status = \"204\"\nconnection = \"open\"");
    let cases = [c.clone()];
    let first_reset = resetting(|k| k == 0);
    let run = run_cases(first_reset, &cases, &options(), 4, &Watch::quiet());
    let obs = run.observations[0].as_ref().unwrap();
    assert_eq!(run.retries, 1);
    assert_eq!(obs.turned_away, None);
    assert_eq!(judge(&c, obs).outcome, Outcome::Pass, "{}", obs.summary());

    let always = resetting(|_| true);
    let run = run_cases(always, &cases, &options(), 4, &Watch::quiet());
    let obs = run.observations[0].as_ref().unwrap();
    assert_eq!(run.retries, ATTEMPTS - 1);
    assert_eq!(obs.closed, Some(Closed::Reset), "{}", obs.summary());
    assert_eq!(judge(&c, obs).outcome, Outcome::Fail, "{}", obs.summary());
}
