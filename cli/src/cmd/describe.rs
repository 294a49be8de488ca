//! `describe` (alias `get`): print the migration job as JSON or a table;
//! the exit code says whether it FAILED or EXPIRED.

use atlas_live_migration_api::Checked;
use clap::Args;

use super::outcome::job_code;
use super::target::Job;
use crate::Failure;
use crate::output::{self, Output, print};

#[derive(Args, Debug)]
pub struct DescribeArgs {
    #[command(flatten)]
    pub job: Job,

    /// Ask Atlas to wrap the answer in an envelope (the output is still the job)
    #[arg(long)]
    pub envelope: bool,

    /// Ask Atlas to pretty-print its answer
    #[arg(long)]
    pub pretty: bool,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

pub async fn run(args: DescribeArgs) -> Result<u8, Failure> {
    let target = args.job.target().await?;
    let mut request = target
        .client
        .get_push_migration()
        .group_id(target.group_id.clone())
        .live_migration_id(target.live_migration_id.clone());
    // Sent only when asked for, so the query stays as the user wrote it.
    if args.envelope {
        request = request.envelope(true);
    }
    if args.pretty {
        request = request.pretty(true);
    }
    let job = request.send().checked().await?.into_inner();
    print(args.output, output::json(&job), || output::job_table(&job));
    Ok(job_code(&job))
}
