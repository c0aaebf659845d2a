//! What the properties share: the fixture corpus, case counts, a watchdog
//! that turns a hang into a failure, and one reference server over TCP.
use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

use proptest::test_runner::{Config, FileFailurePersistence};

/// The proptest configuration of one property file: cases from
/// `PROPTEST_CASES` (256 unless set), failing seeds kept in
/// `proptest-regressions/NAME.txt`.
pub fn config(regressions: &'static str) -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    }
}

/// Most cases of a TCP property in one run. Each case opens two
/// connections, and each closed connection holds a loopback port in
/// TIME-WAIT for a minute; this keeps a long campaign well inside the
/// ephemeral port range.
pub const MAX_TCP_CASES: u32 = 4000;

/// The same, with `1/divisor` of the cases (at least `least`, at most
/// [`MAX_TCP_CASES`]), for properties that cost TCP exchanges per case.
pub fn config_fraction(regressions: &'static str, divisor: u32, least: u32) -> Config {
    let mut c = config(regressions);
    c.cases = (c.cases / divisor).clamp(least, MAX_TCP_CASES);
    c
}

/// Every fixture under `fixtures/` (except `cases/`): name and bytes,
/// shortest first, so that a failure shrinks towards the shortest fixture.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    static CORPUS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
            let mut all: Vec<(String, Vec<u8>)> = harness::fixture::load_all(&root)
                .expect("load the fixtures")
                .into_iter()
                .map(|f| (f.name, f.bytes))
                .collect();
            all.sort_by_key(|(name, bytes)| (bytes.len(), name.clone()));
            all
        })
        .clone()
}

/// How long one parse, decode or in-memory connection may take before it
/// counts as a hang: generous, so a slow debug build never trips it.
pub const HANG: Duration = Duration::from_secs(10);

/// Runs `f(input)` on its own thread and fails if it has not returned
/// within [`HANG`]: "never loops" made checkable. A panic in `f` is
/// passed on.
pub fn bounded<T: Send + 'static>(input: &[u8], f: fn(&[u8]) -> T) -> T {
    let (tx, rx) = mpsc::channel();
    let input = input.to_vec();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f(&input));
    });
    match rx.recv_timeout(HANG) {
        Ok(v) => {
            let _ = worker.join();
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not return within {HANG:?}: a loop?")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it returns"),
        },
    }
}

/// The reference server all TCP properties share, started on first use
/// and kept for the life of the test process.
pub fn server_addr() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let handle = harness::replay::start_reference_server().expect("start the server");
        let addr = handle.addr();
        Box::leak(Box::new(handle));
        addr
    })
}
