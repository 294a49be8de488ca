//! `create`: create a push live migration (the 2024-05-30 request). Never
//! sent twice: a create whose answer was lost says what to check instead.

use atlas_live_migration_api::{Checked, Error};
use clap::Args;

use super::migration_request::MigrationRequest;
use crate::failure::refused_before_acting;
use crate::output::{self, Output, print};
use crate::{Failure, exit};

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub request: MigrationRequest,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

pub async fn run(args: CreateArgs) -> Result<u8, Failure> {
    let group_id = args.request.project.clone().required()?;
    let body = args.request.body(&group_id)?;
    let client = args.request.connection.client()?;
    let job = client
        .create_group_live_migration()
        .group_id(group_id)
        .body(body)
        .send()
        .checked()
        .await
        .map_err(create_failure)?
        .into_inner();
    print(args.output, output::json(&job), || output::job_table(&job));
    Ok(exit::DONE)
}

/// A create that failed after Atlas may have acted on it says so: the client
/// never sends it twice, and neither should the user without looking.
fn create_failure(error: Error) -> Failure {
    let refused = refused_before_acting(&error);
    let mut failure = Failure::from(error);
    if !refused {
        failure.message.push_str(
            "\nAtlas may have created the migration although this call failed; it was not sent \
             again. Before you run create again, check the project's live migrations in the \
             Atlas UI (the project's Migration page), or run \
             `atlas-live-migration describe --liveMigrationId ID` if you know its ID.",
        );
    }
    failure
}
