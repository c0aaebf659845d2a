//! Property 5: server level. A mutated request never earns a 5xx other
//! than those the RFCs prescribe for a request's own faults
//! (`invariants::ALLOWED_5XX`: 501, 505), never panics or hangs the
//! connection, and never kills the server: a valid request on a fresh
//! connection right after still gets its answer.
use harness::replay::{exchange, Target};
use harness::strategies::mutated;
use proptest::prelude::*;

use crate::invariants::{check_connection, statuses, ALLOWED_5XX};
use crate::support::{bounded, config, config_fraction, corpus, server_addr};

/// A request the reference site answers 200.
const PROBE: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

fn serve(input: &[u8]) -> Result<Vec<u16>, String> {
    check_connection(input, &[])
}

proptest! {
    #![proptest_config(config("proptest-regressions/server.txt"))]

    #[test]
    fn mutated_request_never_earns_a_5xx_in_memory(m in mutated(corpus())) {
        bounded(&m.bytes, serve).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config_fraction("proptest-regressions/server_tcp.txt", 16, 8))]

    #[test]
    fn mutated_request_leaves_the_server_serving(m in mutated(corpus())) {
        let target = Target::new(server_addr());
        let answer = exchange(&target, &[&m.bytes], std::time::Duration::ZERO)
            .map_err(|e| TestCaseError::fail(format!("mutated request: {e}")))?;
        let codes = statuses(&answer).map_err(TestCaseError::fail)?;
        for code in codes {
            prop_assert!(code < 500 || ALLOWED_5XX.contains(&code), "answered {}", code);
        }
        let probe = exchange(&target, &[PROBE], std::time::Duration::ZERO)
            .map_err(|e| TestCaseError::fail(format!("probe after it: {e}")))?;
        prop_assert!(
            probe.starts_with(b"HTTP/1.1 200 "),
            "a fresh connection got {:?}",
            String::from_utf8_lossy(&probe[..probe.len().min(80)])
        );
    }
}
