//! `projects`: the projects and deployments that can be migrated to an
//! organization.

use atlas_live_migration_api::Checked;
use clap::Args;

use super::target::Organization;
use crate::output::{self, Output, print};
use crate::{Failure, exit};

#[derive(Args, Debug)]
pub struct ProjectsArgs {
    #[command(flatten)]
    pub organization: Organization,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

pub async fn run(args: ProjectsArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let client = org.connection.client()?;
    let projects = client
        .list_org_live_migration_available_projects()
        .org_id(org.org_id)
        .send()
        .checked()
        .await?
        .into_inner();
    print(args.output, output::json(&projects), || {
        output::projects_table(&projects)
    });
    Ok(exit::DONE)
}
