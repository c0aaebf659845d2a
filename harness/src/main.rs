//! `harness`: the h1check command line.
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("run") => harness::run::main(&args[2..]),
        Some("capture") => harness::capture::main(&args[2..]),
        Some("new-case") => harness::scaffold::main(&args[2..]),
        Some("replay") => harness::replay_target::main(&args[2..]),
        Some("shrink") => harness::shrink::main(&args[2..]),
        Some("send") => harness::send::main(&args[2..]),
        Some("stress") => harness::stress::main(&args[2..]),
        Some("-V") | Some("--version") => {
            println!("harness {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("-h") | Some("--help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command '{other}'\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

const USAGE: &str = "\
h1check harness: HTTP/1.1 conformance, replay, capture and stress

Usage: harness <COMMAND> [OPTIONS]

Commands:
  run        run the RFC conformance cases (against the embedded reference server, or --target)
  capture    record real clients' requests into fixtures/
  new-case   create fixtures/cases/CATEGORY/ID.toml from a template (never overwrites)
  replay     replay every fixture against your server; its answers kept as snapshots of its own
  shrink     cut a request your server answers differently from the reference down to what shows it
  send       send a fixture (or escaped bytes) to a server and print the exchange, every byte visible
  stress     slowloris, idle, flood, slow-reader and oversize scenarios; what a normal client saw meanwhile

Options:
  -h, --help     print this help
  -V, --version  print the version

Run 'harness <COMMAND> --help' for a command's options.";
