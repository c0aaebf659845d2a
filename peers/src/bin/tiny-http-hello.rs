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
    for mut request in server.incoming_requests() {
        // Read the content so the connection can carry the next request.
        let _ = std::io::copy(&mut request.as_reader(), &mut std::io::sink());
        let header =
            tiny_http::Header::from_bytes("Content-Type", "text/plain").expect("valid header");
        let response = tiny_http::Response::from_string("hello\n").with_header(header);
        let _ = request.respond(response);
    }
}
