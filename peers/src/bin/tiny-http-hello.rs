//! A tiny_http hello-world on loopback, for the conformance matrix.
//!
//! `tiny-http-hello PORT` listens on 127.0.0.1:PORT. GET, HEAD and POST of
//! `/` or `/test.jpg` get `200 OK` and `hello\n`; OPTIONS gets 200 and
//! `Allow`; any other method 405 with `Allow`; any other path 404. The
//! request content is read first, and content that cannot be read gets
//! 400. tiny_http's parser and framing are what the harness judges.
fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: tiny-http-hello PORT");
            std::process::exit(2);
        });
    let server = tiny_http::Server::http(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("tiny-http-hello: cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1);
    });
    eprintln!("tiny-http-hello listening on 127.0.0.1:{port}");
    const ALLOW: &str = "GET, HEAD, POST, OPTIONS";
    for mut request in server.incoming_requests() {
        // Read the content so the connection can carry the next request.
        let read = std::io::copy(&mut request.as_reader(), &mut std::io::sink());
        // origin-form, absolute-form (RFC 9112 §3.2.2) and * (OPTIONS)
        let url = request.url();
        let url = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => url,
        };
        let path = url.split('?').next().unwrap_or("");
        let method = request.method().as_str().to_string();
        let known_path = matches!(path, "/" | "/test.jpg") || (path == "*" && method == "OPTIONS");
        let (status, body) = if read.is_err() {
            (400, "bad request\n")
        } else if !known_path {
            (404, "not found\n")
        } else if method == "OPTIONS" {
            (200, "")
        } else if matches!(method.as_str(), "GET" | "HEAD" | "POST") {
            (200, "hello\n")
        } else {
            (405, "method not allowed\n")
        };
        let header = |name: &str, value: &str| {
            tiny_http::Header::from_bytes(name, value).expect("valid header")
        };
        let mut response = tiny_http::Response::from_string(body)
            .with_status_code(status)
            .with_header(header("Content-Type", "text/plain"));
        if status == 405 || method == "OPTIONS" {
            response = response.with_header(header("Allow", ALLOW));
        }
        let _ = request.respond(response);
    }
}
