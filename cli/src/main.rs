//! `atlas-live-migration`: validate, create, watch and cut over MongoDB Atlas
//! push live migrations. A thin layer over the library's public surface.
#![forbid(unsafe_code)]
// The doc comments of args.rs are clap's --help text, read in a terminal.
#![allow(rustdoc::bare_urls)]

mod api;
mod args;
mod commands;
mod demo;
mod display;
mod fleet;
mod output;
mod prompt;

use std::process::ExitCode;

use atlas_live_migration_api::{Client, Error};
use clap::Parser;

use crate::args::{Cli, Command, Connection, LinkCommand, ValidationCommand};

/// Exit codes, as `--help` and `cli/README.md` list them.
mod exit {
    pub const DONE: u8 = 0;
    pub const API_ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const FAILED: u8 = 3;
    pub const EXPIRED: u8 = 4;
    pub const TIMED_OUT: u8 = 5;
    pub const INTERRUPTED: u8 = 130;
}

/// Why a command stopped: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// A usage error: nothing was sent.
    pub fn usage(message: String) -> Self {
        Self {
            code: exit::USAGE,
            message,
        }
    }

    /// An answer of Atlas's that could not be used as it came.
    pub fn answer(message: String) -> Self {
        Self {
            code: exit::API_ERROR,
            message,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match error {
            Error::Config(_) | Error::InvalidRequest { .. } => exit::USAGE,
            _ => exit::API_ERROR,
        };
        Self {
            code,
            message: error.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit 2 here, before any request
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::API_ERROR);
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Validation(ValidationCommand::Create(args)) => {
                commands::validation_create(args).await
            }
            Command::Validation(ValidationCommand::Describe(args)) => {
                commands::validation_describe(args).await
            }
            Command::Create(args) => commands::create(args).await,
            Command::Describe(args) => commands::describe(args).await,
            Command::Cutover(args) => commands::cutover(args).await,
            Command::Watch(args) => commands::watch(args).await,
            Command::Link(LinkCommand::Create(args)) => commands::link_create(args).await,
            Command::Link(LinkCommand::Delete(args)) => commands::link_delete(args).await,
            Command::Projects(args) => commands::projects(args).await,
            Command::Fleet(command) => fleet::run(command).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Api(args) => api::run(args.args).await,
        }
    });
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

/// A client from the environment and the connection flags.
pub fn client(connection: Connection) -> Result<Client, Failure> {
    Ok(client_builder(connection)?.build()?)
}

/// [`client`]'s settings, for a command that adds its own.
pub fn client_builder(
    connection: Connection,
) -> Result<atlas_live_migration_api::ClientBuilder, Failure> {
    let mut builder = Client::builder().env()?;
    if let Some(base_url) = connection.base_url {
        builder = builder.base_url(base_url);
    }
    if let Some(version) = connection.api_version {
        builder = builder.api_version(version);
    }
    Ok(builder)
}
