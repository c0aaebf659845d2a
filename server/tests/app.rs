//! `App`'s own routes over real sockets: what `/time` allows.
mod common;

use std::sync::Arc;

use rstest::rstest;
use server::app::App;
use server::Config;

/// A server answering with `App` (no guestbook, files or scripts).
fn start_app() -> server::Handle {
    let config = common::config();
    common::start(Config {
        handler: App::new(Arc::clone(&config.clock)).into_handler(),
        ..config
    })
}

/// `/time` takes GET and HEAD. RFC 9110 §15.5.6: a 405 MUST carry `Allow`;
/// §9.3.7: OPTIONS answers 200, here with the same `Allow`.
#[rstest]
#[case::post("POST /time HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 405)]
#[case::delete("DELETE /time HTTP/1.1\r\nHost: a\r\n\r\n", 405)]
#[case::options("OPTIONS /time HTTP/1.1\r\nHost: a\r\n\r\n", 200)]
fn time_allows_get_head_and_options(#[case] request: &str, #[case] status: u16) {
    let server = start_app();
    let r = common::one(server.addr(), request.as_bytes());
    assert_eq!(r.status, status, "{}", r.head);
    assert_eq!(r.field("allow"), Some("GET, HEAD, OPTIONS"), "{}", r.head);
}
