//! TODO: site
