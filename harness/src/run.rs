//! TODO: run
use std::process::ExitCode;
/// Entry point of `harness run`.
pub fn main(_args: &[String]) -> ExitCode {
    ExitCode::from(2)
}
