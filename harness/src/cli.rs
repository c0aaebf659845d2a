//! What every command's `main` does first: parse its flags with clap, and
//! report a usage error.

use std::fmt::Display;
use std::process::ExitCode;

/// Parses `args` (the words after the command name) as `A`, with `name`
/// (`harness run`) in usage and help text. On `--help` or `--version` clap
/// prints to stdout and this gives exit 0; on a bad flag it prints to
/// stderr and gives exit 2.
pub fn parse_args<A: clap::Parser>(name: &str, args: &[String]) -> Result<A, ExitCode> {
    A::try_parse_from(std::iter::once(name.to_owned()).chain(args.iter().cloned())).map_err(|e| {
        let _ = e.print();
        ExitCode::from(if e.use_stderr() { 2 } else { 0 })
    })
}

/// Prints `error: MESSAGE` to stderr and gives exit 2, a usage error.
pub fn usage_error(message: impl Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
