//! TODO: strategies
