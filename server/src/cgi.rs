//! CGI/1.1 (RFC 3875): executables in a folder run under `/cgi-bin/`.
//!
//! `/cgi-bin/NAME/extra/path?query` runs `DIR/NAME` with the request's
//! meta-variables (§4.1) as its whole environment, the request's content
//! (already de-chunked) on its standard input, and the folder as its
//! working directory (§7.2). Its output is a CGI response (§6): header
//! fields, an empty line, then the document. `Status`, `Content-Type` and
//! `Location` become the status line and fields of an HTTP/1.1 response
//! with a `Content-Length`; other fields pass through.
//!
//! A script that is not done within the time limit is killed and the
//! client gets 504; one that exits with a failure, or writes no valid CGI
//! header, gives 502. The name must be one plain segment (the same checks
//! as static files: no `..`, no encoded slash, no control character) and
//! resolve to a regular executable file inside the folder.
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::parse::table::{FIELD_VALUE, TOKEN};
use crate::parse::{Request, Version};
use crate::response::{Body, Response};
use crate::static_files::check_path;

/// Largest output a script may write; more is 502.
pub const MAX_OUTPUT: usize = 16 << 20;

/// A folder of CGI scripts.
#[derive(Debug, Clone)]
pub struct Cgi {
    dir: PathBuf,
    timeout: Duration,
}

impl Cgi {
    /// Runs the executables in `dir`, each allowed `timeout`.
    pub fn new(dir: &Path, timeout: Duration) -> std::io::Result<Cgi> {
        let dir = dir.canonicalize()?;
        if !dir.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Ok(Cgi { dir, timeout })
    }

    /// Answers a request whose target is `/cgi-bin/` followed by `rest`
    /// (path and query).
    pub fn respond(&self, req: &Request<'_, '_>, rest: &str, body: &[u8]) -> Response {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (name, extra) = match path.find('/') {
            Some(i) => (&path[..i], &path[i..]),
            None => (path, ""),
        };
        let script = match check_path(&format!("/{name}")).as_deref() {
            Ok([one]) => self.dir.join(one),
            _ => return Response::error(404, "No such script."),
        };
        let Ok(script) = script.canonicalize() else {
            return Response::error(404, "No such script.");
        };
        if !script.starts_with(&self.dir) || !script.is_file() {
            return Response::error(404, "No such script.");
        }
        let executable = script
            .metadata()
            .is_ok_and(|m| m.permissions().mode() & 0o111 != 0);
        if !executable {
            return Response::error(403, "This script is not executable.");
        }
        // RFC 3875 §4.1.5: PATH_INFO is the decoded remainder of the path.
        let Some(path_info) = decode(extra) else {
            return Response::error(400, "The path after the script's name is not valid.");
        };
        let env = meta_variables(req, name, &path_info, query, body);
        match run(&script, &self.dir, &env, body, self.timeout) {
            Ok(output) => translate(&output),
            Err(Failure::TimedOut) => {
                Response::error(504, "The script did not answer in time and was stopped.")
            }
            Err(Failure::Broken(why)) => {
                Response::error(502, &format!("The script failed: {why}."))
            }
        }
    }
}

fn decode(s: &str) -> Option<Vec<u8>> {
    crate::parse::table::percent_decode(s.as_bytes()).filter(|out| !out.contains(&0))
}

/// The environment of a script: the meta-variables of RFC 3875 §4.1 and
/// nothing else (no `PATH`, nothing of the server's own environment).
pub fn meta_variables(
    req: &Request<'_, '_>,
    script: &str,
    path_info: &[u8],
    query: &str,
    body: &[u8],
) -> Vec<(String, Vec<u8>)> {
    let mut env: Vec<(String, Vec<u8>)> = Vec::new();
    let mut set = |k: &str, v: &[u8]| env.push((k.to_owned(), v.to_vec()));
    let header = |name: &str| crate::request::values(req.headers, name).next();
    let framed = header("content-length").is_some() || header("transfer-encoding").is_some();
    // §4.1.2: the length of the content as the script will read it.
    if framed || !body.is_empty() {
        set("CONTENT_LENGTH", body.len().to_string().as_bytes());
    }
    if let Some(ct) = header("content-type") {
        set("CONTENT_TYPE", ct);
    }
    set("GATEWAY_INTERFACE", b"CGI/1.1");
    if !path_info.is_empty() {
        set("PATH_INFO", path_info);
    }
    set("QUERY_STRING", query.as_bytes());
    let peer = crate::conn::peer().unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    set("REMOTE_ADDR", peer.ip().to_string().as_bytes());
    // §4.1.9: REMOTE_HOST is the address when no name is looked up.
    set("REMOTE_HOST", peer.ip().to_string().as_bytes());
    set("REQUEST_METHOD", req.method.as_bytes());
    set("SCRIPT_NAME", format!("/cgi-bin/{script}").as_bytes());
    let host = header("host").unwrap_or(b"");
    let (name, port) = split_host(host);
    set("SERVER_NAME", name);
    set("SERVER_PORT", port);
    let protocol = if req.version == Version::HTTP_10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    set("SERVER_PROTOCOL", protocol.as_bytes());
    set(
        "SERVER_SOFTWARE",
        concat!("h1check/", env!("CARGO_PKG_VERSION")).as_bytes(),
    );
    // §4.1.18: protocol-specific variables from the header fields. Left
    // out: those already given (Content-Length, Content-Type), credentials
    // (Authorization, §4.1.18 "SHOULD NOT"), the hop-by-hop framing fields,
    // `Proxy` (as HTTP_PROXY it would pass for the proxy setting of many
    // HTTP libraries: the httpoxy hole), and any name with `_` or other
    // characters that would not map one to one.
    for h in req.headers {
        let lower = h.name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "content-length"
                | "content-type"
                | "authorization"
                | "proxy-authorization"
                | "proxy"
                | "connection"
                | "transfer-encoding"
                | "te"
                | "trailer"
                | "upgrade"
                | "keep-alive"
        ) || !lower
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            continue;
        }
        let var = format!("HTTP_{}", lower.to_ascii_uppercase().replace('-', "_"));
        // §4.1.18: repeated fields are joined with ", ".
        if let Some((_, value)) = env.iter_mut().find(|(k, _)| *k == var) {
            value.extend_from_slice(b", ");
            value.extend_from_slice(h.value);
            continue;
        }
        env.push((var, h.value.to_vec()));
    }
    env
}

fn split_host(host: &[u8]) -> (&[u8], &[u8]) {
    // An IP-literal keeps its brackets; the port follows the last colon
    // after it.
    let start = host.iter().rposition(|&b| b == b']').unwrap_or(0);
    match host[start..].iter().rposition(|&b| b == b':') {
        Some(i) => (&host[..start + i], &host[start + i + 1..]),
        None => (host, b"80"),
    }
}

/// Why a script gave no usable output.
#[derive(Debug)]
enum Failure {
    TimedOut,
    Broken(String),
}

/// Runs `script` and returns its whole standard output.
fn run(
    script: &Path,
    dir: &Path,
    env: &[(String, Vec<u8>)],
    body: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, Failure> {
    let mut cmd = Command::new(script);
    cmd.env_clear()
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, OsStr::from_bytes(v));
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::Broken(format!("it could not be started ({e})")))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = body.to_vec();
    // A script that does not read its input must not block us: write on a
    // thread of its own, and ignore a broken pipe.
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut out = Vec::new();
        let got = (&mut stdout)
            .take(MAX_OUTPUT as u64 + 1)
            .read_to_end(&mut out);
        let _ = tx.send(got.map(|_| out));
    });
    let output = match rx.recv_timeout(timeout) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::Broken(format!(
                "its output could not be read ({e})"
            )));
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::TimedOut);
        }
    };
    let _ = writer.join();
    if output.len() > MAX_OUTPUT {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Failure::Broken("it wrote more than 16 MiB".into()));
    }
    // Its output is closed; give it what is left of a short grace to exit.
    let deadline = std::time::Instant::now() + timeout.min(Duration::from_secs(2));
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(output),
            Ok(Some(status)) => return Err(Failure::Broken(format!("it exited with {status}"))),
            Ok(None) if std::time::Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(2));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::TimedOut);
            }
            Err(e) => return Err(Failure::Broken(format!("waiting for it failed ({e})"))),
        }
    }
}

/// Turns a CGI response (RFC 3875 §6) into an HTTP response.
fn translate(output: &[u8]) -> Response {
    let broken = |why: &str| {
        Response::error(
            502,
            &format!("The script's answer is not valid CGI: {why}."),
        )
    };
    // §6.3: header lines end with NL; accept CRLF or LF.
    let mut pos = 0;
    let mut fields: Vec<(&str, &[u8])> = Vec::new();
    loop {
        let Some(nl) = output[pos..].iter().position(|&b| b == b'\n') else {
            return broken("its header does not end with an empty line");
        };
        let line = &output[pos..pos + nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += nl + 1;
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return broken("a header line has no colon");
        };
        let name = &line[..colon];
        let value = line[colon + 1..].trim_ascii();
        // RFC 9110 §5.1: field-name = token; §5.5: the field-value bytes.
        let token = !name.is_empty() && name.iter().all(|&b| TOKEN[usize::from(b)]);
        if !token || !value.iter().all(|&b| FIELD_VALUE[usize::from(b)]) {
            return broken("a header line is not a valid field");
        }
        fields.push((std::str::from_utf8(name).expect("token is ASCII"), value));
    }
    let document = &output[pos..];
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| *v)
    };
    let (content_type, location, status_field) =
        (get("content-type"), get("location"), get("status"));
    if content_type.is_none() && location.is_none() && status_field.is_none() {
        return broken("it has none of Content-Type, Location and Status");
    }
    // §6.3.3: `Status: 3DIGIT SP reason-phrase`.
    let status = match status_field {
        Some(v) => match v.get(..3).and_then(|d| std::str::from_utf8(d).ok()) {
            Some(d) if d.bytes().all(|b| b.is_ascii_digit()) && (v.len() == 3 || v[3] == b' ') => {
                match d.parse::<u16>() {
                    Ok(s @ 200..=599) => s,
                    _ => return broken("its Status is not a final status code"),
                }
            }
            _ => return broken("its Status is not three digits"),
        },
        // §6.2.3, §6.2.4: a redirect. A local path is sent to the client as
        // a redirect too, rather than fetched on the server's side.
        None if location.is_some() => 302,
        None => 200,
    };
    if content_type.is_none() && !document.is_empty() {
        // §6.3.1: "If an entity body is returned, the script MUST supply a
        // Content-Type field in the response."
        return broken("it sent a document without Content-Type");
    }
    let mut r = Response::empty(status);
    r.body = Body::Owned(document.to_vec());
    if let Some(ct) = content_type {
        r.add_field("Content-Type", ct.to_vec());
    }
    for (name, value) in &fields {
        let lower = name.to_ascii_lowercase();
        // The server frames the message and says the date itself.
        if matches!(
            lower.as_str(),
            "status"
                | "content-type"
                | "content-length"
                | "transfer-encoding"
                | "connection"
                | "date"
                | "keep-alive"
                | "trailer"
                | "upgrade"
        ) {
            continue;
        }
        r.add_field(name.to_string(), value.to_vec());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &Response) -> Vec<(String, String)> {
        r.fields
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn cgi_output_becomes_a_response() {
        let r = translate(b"Content-Type: text/plain\r\nX-Thing: 1\r\n\r\nhello");
        assert_eq!(r.status, 200);
        assert_eq!(r.body.as_bytes(), b"hello");
        assert_eq!(
            fields(&r),
            [
                ("Content-Type".into(), "text/plain".into()),
                ("X-Thing".into(), "1".into())
            ]
        );
        let r = translate(b"Status: 404 Not Here\nContent-Type: text/plain\n\nno");
        assert_eq!(r.status, 404);
        let r = translate(b"Location: https://example.org/\n\n");
        assert_eq!(r.status, 302);
        assert_eq!(
            fields(&r),
            [("Location".into(), "https://example.org/".into())]
        );
        let r = translate(b"Status: 301\nLocation: /x\n\n");
        assert_eq!(r.status, 301);
        let r = translate(b"Content-Type: text/plain\nContent-Length: 99\nConnection: close\n\nab");
        assert_eq!(fields(&r), [("Content-Type".into(), "text/plain".into())]);
    }

    #[test]
    fn invalid_cgi_output_is_502() {
        for bad in [
            &b""[..],
            b"hello world",
            b"Content-Type: text/plain",
            b"no colon here\n\nbody",
            b"X-Only: 1\n\n",
            b"Status: abc\n\n",
            b"Status: 100 Continue\n\n",
            b"Status: 2000\n\n",
            b"Status: 200\n\nbody without a type",
            b"Bad Name: 1\nContent-Type: text/plain\n\n",
            b"Content-Type: text/plain\x01\n\n",
        ] {
            assert_eq!(
                translate(bad).status,
                502,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn host_splits_into_name_and_port() {
        assert_eq!(
            split_host(b"example.org:8080"),
            (&b"example.org"[..], &b"8080"[..])
        );
        assert_eq!(
            split_host(b"example.org"),
            (&b"example.org"[..], &b"80"[..])
        );
        assert_eq!(split_host(b"[::1]:9"), (&b"[::1]"[..], &b"9"[..]));
        assert_eq!(split_host(b"[::1]"), (&b"[::1]"[..], &b"80"[..]));
    }
}
