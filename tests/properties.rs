//! Property tests (see harness::strategies).
