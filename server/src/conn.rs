//! TODO: conn
