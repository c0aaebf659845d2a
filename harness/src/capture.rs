//! TODO: capture
use std::process::ExitCode;
/// Entry point of `harness capture`.
pub fn main(_args: &[String]) -> ExitCode {
    ExitCode::from(2)
}
