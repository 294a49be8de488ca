//! `validation create` and `validation describe`: validate a migration
//! request before creating it, and read a validation.

use std::time::Duration;

use atlas_live_migration_api::types::{LiveImportValidationStatus, ValidationId};
use atlas_live_migration_api::{Checked, ValidationOutcome, WaitEvent};
use clap::{Args, Subcommand};

use super::migration_request::MigrationRequest;
use super::outcome::until_interrupted;
use super::polling::Polling;
use super::target::{Project, parse_id};
use crate::connection::Connection;
use crate::output::{self, Output, print};
use crate::{Failure, exit};

#[derive(Subcommand, Debug)]
pub enum ValidationCommand {
    /// Validate a migration request; prints the validation.
    Create(CreateArgs),
    /// Print a validation.
    Describe(DescribeArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub request: MigrationRequest,

    /// Poll the validation until it is SUCCESS (exit 0) or FAILED (exit 3)
    #[arg(long)]
    pub watch: bool,

    #[command(flatten)]
    pub polling: Polling,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct DescribeArgs {
    #[command(flatten)]
    pub project: Project,

    /// Validation ID, 24 hexadecimal digits
    #[arg(long = "validation-id", visible_alias = "validationId", value_name = "ID", value_parser = parse_id::<ValidationId>)]
    pub validation_id: ValidationId,

    #[command(flatten)]
    pub connection: Connection,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

pub async fn run(command: ValidationCommand) -> Result<u8, Failure> {
    match command {
        ValidationCommand::Create(args) => create(args).await,
        ValidationCommand::Describe(args) => describe(args).await,
    }
}

fn validation_code(status: Option<&LiveImportValidationStatus>) -> u8 {
    match status {
        Some(LiveImportValidationStatus::Failed) => exit::FAILED,
        _ => exit::DONE,
    }
}

async fn create(args: CreateArgs) -> Result<u8, Failure> {
    let group_id = args.request.project.clone().required()?;
    let body = args.request.body(&group_id)?;
    let client = args.request.connection.client()?;
    let validation = client
        .validate_group_live_migrations()
        .group_id(group_id.clone())
        .body(body)
        .send()
        .checked()
        .await?
        .into_inner();
    if !args.watch {
        print(args.output, output::json(&validation), || {
            output::validation_table(&validation)
        });
        return Ok(validation_code(
            validation.status.as_ref().and_then(|s| s.known()),
        ));
    }
    let validation_id = validation.validation_id().ok_or_else(|| {
        Failure::answer("Atlas answered the validation without an _id to watch".to_owned())
    })?;
    let waiting = client.wait_for_validation(
        &group_id,
        &validation_id,
        args.polling.options(Duration::from_secs(10)),
        |event| match event {
            WaitEvent::Observed(seen) => eprintln!(
                "validation {}: {}",
                validation_id.as_str(),
                seen.job
                    .status
                    .as_ref()
                    .map_or("-".to_owned(), |s| s.to_string())
            ),
            WaitEvent::PollFailed { error, .. } => {
                eprintln!("poll failed, still waiting: {error}")
            }
            _ => {}
        },
    );
    let Some(outcome) = until_interrupted(waiting, || {
        "interrupted; the validation itself goes on in Atlas".to_owned()
    })
    .await
    else {
        return Ok(exit::INTERRUPTED);
    };
    let (code, last) = match outcome? {
        ValidationOutcome::Success(last) => (exit::DONE, Some(last)),
        ValidationOutcome::Failed(last) => (exit::FAILED, Some(last)),
        ValidationOutcome::TimedOut { last, .. } => (exit::TIMED_OUT, last),
        _ => (exit::API_ERROR, None),
    };
    if let Some(last) = last {
        print(args.output, output::json(&last), || {
            output::validation_table(&last)
        });
    }
    Ok(code)
}

async fn describe(args: DescribeArgs) -> Result<u8, Failure> {
    let group_id = args.project.required()?;
    let client = args.connection.client()?;
    let validation = client
        .get_group_live_migration_validate_status()
        .group_id(group_id)
        .validation_id(args.validation_id)
        .send()
        .checked()
        .await?
        .into_inner();
    print(args.output, output::json(&validation), || {
        output::validation_table(&validation)
    });
    Ok(validation_code(
        validation.status.as_ref().and_then(|s| s.known()),
    ))
}
