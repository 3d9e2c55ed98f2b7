//! `dnslab`: the command-line front end. It parses arguments, starts
//! logging, runs one command from the library crates and maps the outcome
//! to an exit status:
//!
//! - 0: done (for `zone verify`: no findings),
//! - 1: the command ran and found problems (`zone verify` findings),
//! - 2: the command could not run (bad input, unreadable file, bad key).

mod cli;
mod commands;
mod exercise_commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Output piped into `head` ends quietly, as for any Unix tool.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Cli::parse();
    init_logging(args.verbose);
    match commands::run(args.command) {
        Ok(code) => code,
        // The message and each cause once (docs/architecture.md, "Errors").
        Err(error) => {
            eprintln!("dnslab: error: {}", dnslab_zone::ErrorChain(error.as_ref()));
            ExitCode::from(2)
        }
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("DNSLAB_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only for a terminal: a detached supervisor writes to its
    // log file through stderr, and escape codes there are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}
