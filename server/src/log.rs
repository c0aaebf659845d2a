//! The access log: one line per answer, `peer method target status bytes`,
//! on stderr.
use std::net::SocketAddr;

/// Writes the line of one answer. A request rejected before its method
/// and target were known logs `-` for both.
pub fn request(peer: SocketAddr, method: &str, target: &str, status: u16, bytes: usize) {
    eprintln!("{peer} {method} {target} {status} {bytes}");
}
