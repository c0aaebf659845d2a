//! A hyper 1.x hello-world on loopback, for the conformance matrix.
//!
//! `hyper-hello PORT` listens on 127.0.0.1:PORT. GET, HEAD and POST of `/`
//! or `/test.jpg` get `200 OK` and `hello\n`; OPTIONS gets 200 and `Allow`;
//! any other method 405 with `Allow`; any other path 404. The request
//! content is read first, and content that cannot be read (bad framing)
//! gets 400, as an application would answer. hyper's own parser and
//! framing are what the harness judges; nothing here adds checks of its own.
use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const ALLOW: &str = "GET, HEAD, POST, OPTIONS";

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // origin-form, absolute-form (RFC 9112 §3.2.2) and * (OPTIONS)
    let known_path = matches!(req.uri().path(), "/" | "/test.jpg")
        || (req.uri() == "*" && req.method() == hyper::Method::OPTIONS);
    let method = req.method().clone();
    // Read the content so the connection can carry the next request.
    let read = req.into_body().collect().await;
    let (status, body): (u16, &'static [u8]) = if read.is_err() {
        (400, b"bad request\n")
    } else if !known_path {
        (404, b"not found\n")
    } else if method == hyper::Method::OPTIONS {
        (200, b"")
    } else if matches!(method.as_str(), "GET" | "HEAD" | "POST") {
        (200, b"hello\n")
    } else {
        (405, b"method not allowed\n")
    };
    let mut res = Response::new(Full::new(Bytes::from_static(body)));
    *res.status_mut() = hyper::StatusCode::from_u16(status).expect("valid status");
    let headers = res.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    if status == 405 || method == hyper::Method::OPTIONS {
        headers.insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static(ALLOW),
        );
    }
    Ok(res)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: hyper-hello PORT");
            std::process::exit(2);
        });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = TcpListener::bind(addr).await?;
    eprintln!("hyper-hello listening on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::task::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
