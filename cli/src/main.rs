//! `atlas-live-migration`: validate, create, watch and cut over MongoDB Atlas
//! push live migrations. A thin layer over the library's public surface.
//!
//! - `cmd/`: one file per command, its arguments beside its code;
//! - `fleet/`: many migrations from one plan (the work `cmd/fleet/` drives);
//! - `api/`: every kept operation, from the generated table;
//! - `connection.rs`, `body.rs`, `output.rs`, `display.rs`, `prompt.rs`,
//!   `failure.rs`: what the commands share.
#![forbid(unsafe_code)]
// The doc comments of the arguments are clap's --help text, read in a terminal.
#![allow(rustdoc::bare_urls)]

mod api;
mod body;
mod cmd;
mod connection;
mod display;
mod failure;
mod fields;
mod fleet;
mod output;
mod prompt;

use std::process::ExitCode;

use clap::Parser;

pub use failure::{Failure, exit};

fn main() -> ExitCode {
    let cli = cmd::Cli::parse(); // usage errors exit 2 here, before any request
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::API_ERROR);
        }
    };
    let outcome = runtime.block_on(cmd::run(cli.command));
    ExitCode::from(outcome.unwrap_or_else(|failure| {
        eprintln!("error: {}", failure.message);
        failure.code
    }))
}

/// `-v`: the client's request spans and retries on stderr.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
}
