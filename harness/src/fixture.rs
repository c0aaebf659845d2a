//! TODO: fixture
