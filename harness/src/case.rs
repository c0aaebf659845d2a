//! TODO: case
