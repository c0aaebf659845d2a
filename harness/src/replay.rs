//! TODO: replay
