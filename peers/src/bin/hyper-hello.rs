//! A hyper 1.x hello-world on loopback, for the conformance matrix.
//!
//! `hyper-hello PORT` listens on 127.0.0.1:PORT and answers every request
//! (GET, HEAD, POST, anything) with `200 OK` and `hello\n`, after reading
//! the request content. hyper's own parser and framing are what the
//! harness judges; nothing here adds checks of its own.
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

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the content so the connection can carry the next request.
    let _ = req.into_body().collect().await;
    let mut res = Response::new(Full::new(Bytes::from_static(b"hello\n")));
    res.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
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
