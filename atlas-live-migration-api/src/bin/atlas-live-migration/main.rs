//! `atlas-live-migration`: read and watch a MongoDB Atlas push live
//! migration job. Built on the library's public surface only.
#![forbid(unsafe_code)]

mod args;
mod demo;
mod display;
mod output;

use std::process::ExitCode;
use std::time::Duration;

use atlas_live_migration_api::types::{GroupId, LiveMigrationId, LiveMigrationResponseStatus};
use atlas_live_migration_api::{
    Checked, Client, Credentials, CutoverOutcome, Error, Observation, WaitOptions,
};
use clap::Parser;

use crate::args::{Cli, Command, GetArgs, Output, Target, WatchArgs};
use crate::display::Display;

/// Exit codes, as `--help` and the README list them.
mod exit {
    pub const READY: u8 = 0;
    pub const API_ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const FAILED: u8 = 3;
    pub const EXPIRED: u8 = 4;
    pub const TIMED_OUT: u8 = 5;
    pub const INTERRUPTED: u8 = 130;
}

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit 2 here, before any request
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::API_ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Get(args) => get(args).await,
            Command::Watch(args) => watch(args).await,
        }
    });
    ExitCode::from(code.unwrap_or_else(|error| fail(&error)))
}

/// Prints the error and picks its exit code.
fn fail(error: &Error) -> u8 {
    eprintln!("error: {error}");
    match error {
        Error::Config(_) | Error::InvalidRequest { .. } => exit::USAGE,
        _ => exit::API_ERROR,
    }
}

struct Job {
    client: Client,
    group_id: GroupId,
    live_migration_id: LiveMigrationId,
}

/// The client and IDs for a command: from the environment and flags, or
/// from the embedded mock with `--demo`.
async fn connect(target: Target) -> Result<Job, Error> {
    let builder = if target.demo {
        let base_url = demo::start().await.map_err(|e| {
            Error::Config(format!("cannot start the --demo server on 127.0.0.1: {e}"))
        })?;
        Client::builder()
            .base_url(base_url)
            .credentials(Credentials::service_account(
                demo::CLIENT_ID,
                demo::CLIENT_SECRET,
            ))
    } else {
        let builder = Client::builder().env()?;
        match target.base_url {
            Some(base_url) => builder.base_url(base_url),
            None => builder,
        }
    };
    let builder = match target.api_version {
        Some(version) => builder.api_version(version),
        None => builder,
    };
    let (group_id, live_migration_id) = match (target.group_id, target.live_migration_id) {
        (Some(group), Some(migration)) => (group, migration),
        (group, migration) if target.demo => (
            group.unwrap_or_else(|| demo::GROUP_ID.parse().expect("a valid demo ID")),
            migration.unwrap_or_else(|| demo::LIVE_MIGRATION_ID.parse().expect("a valid demo ID")),
        ),
        // clap requires both unless --demo.
        _ => unreachable!("clap requires --group-id and --live-migration-id"),
    };
    Ok(Job {
        client: builder.build()?,
        group_id,
        live_migration_id,
    })
}

async fn get(args: GetArgs) -> Result<u8, Error> {
    let Job {
        client,
        group_id,
        live_migration_id,
    } = connect(args.target).await?;
    let mut request = client
        .get_push_migration()
        .group_id(group_id)
        .live_migration_id(live_migration_id);
    // Sent only when asked for, so the query stays as the user wrote it.
    if args.envelope {
        request = request.envelope(true);
    }
    if args.pretty {
        request = request.pretty(true);
    }
    let job = request.send().checked().await?.into_inner();
    match args.output {
        Output::Json => println!("{}", output::json(&job)),
        Output::Table => println!("{}", output::table(&job)),
    }
    Ok(
        match job.status.as_ref().and_then(|status| status.known()) {
            Some(LiveMigrationResponseStatus::Failed) => exit::FAILED,
            Some(LiveMigrationResponseStatus::Expired) => exit::EXPIRED,
            _ => exit::READY,
        },
    )
}

async fn watch(args: WatchArgs) -> Result<u8, Error> {
    let default_interval = Duration::from_secs(if args.target.demo { 1 } else { 30 });
    let options = WaitOptions {
        interval: args.interval.unwrap_or(default_interval),
        timeout: args.timeout,
        ..WaitOptions::default()
    };
    let Job {
        client,
        group_id,
        live_migration_id,
    } = connect(args.target).await?;
    let mut display = Display::for_stderr();
    let clear = display.clearer();
    let waiting = client.wait_for_cutover(&group_id, &live_migration_id, options, |event| {
        display.show(event)
    });
    let outcome = tokio::select! {
        outcome = waiting => outcome,
        _ = tokio::signal::ctrl_c() => {
            clear();
            eprintln!("interrupted; the migration itself is not affected");
            return Ok(exit::INTERRUPTED);
        }
    };
    clear();
    let outcome = outcome?;
    let (code, summary) = summarize(&outcome);
    println!("{summary}");
    Ok(code)
}

fn summarize(outcome: &CutoverOutcome) -> (u8, String) {
    let after = |seen: &Observation| waited(seen.elapsed);
    match outcome {
        CutoverOutcome::ReadyForCutover(seen) => (
            exit::READY,
            format!(
                "ready for cutover after {} ({}): start the cutover in Atlas",
                after(seen),
                output::state(&seen.job)
            ),
        ),
        CutoverOutcome::Complete(seen) => (
            exit::READY,
            format!("migration COMPLETE after {}", after(seen)),
        ),
        CutoverOutcome::Failed(seen) => (
            exit::FAILED,
            format!("migration FAILED after {}", after(seen)),
        ),
        CutoverOutcome::Expired(seen) => (
            exit::EXPIRED,
            format!(
                "migration EXPIRED after {}: the cutover timer ran out",
                after(seen)
            ),
        ),
        CutoverOutcome::TimedOut { last, waited: time } => (
            exit::TIMED_OUT,
            format!(
                "timed out after {}; last seen: {}",
                waited(*time),
                last.as_ref()
                    .map_or("no answer".to_owned(), |seen| output::state(&seen.job))
            ),
        ),
        _ => (exit::API_ERROR, format!("unexpected outcome: {outcome:?}")),
    }
}

/// Whole seconds, as `1m 5s`.
fn waited(elapsed: Duration) -> String {
    humantime::format_duration(Duration::from_secs(elapsed.as_secs())).to_string()
}
