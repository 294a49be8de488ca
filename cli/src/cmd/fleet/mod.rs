//! `fleet`: many migrations from one plan file. Each subcommand is a file
//! here; the work itself is `crate::fleet`.

mod apply;
mod approve;
mod forget;
mod plan;
mod record;
mod serve;
mod status;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::Failure;

#[derive(Subcommand, Debug)]
pub enum FleetCommand {
    /// Check the plan and print what `apply` would do next for each
    /// migration (from the state, when there is one). With Atlas credentials,
    /// checks each source project, cluster and migration host against what
    /// Atlas sees of the source (reads only).
    Plan(plan::PlanArgs),
    /// For every migration of the plan: validate, create, wait until ready
    /// for cutover, and with --cutover cut over and follow it to COMPLETE;
    /// many at a time, all inside Atlas's rate limit. Resumes from the state.
    Apply(apply::ApplyArgs),
    /// Record the job found in Atlas for a migration whose create answer was
    /// lost, so that the next apply goes on with it.
    Record(record::RecordArgs),
    /// Forget a migration's entry in the state: the next apply validates and
    /// creates it anew. Only when Atlas has no job for it.
    Forget(forget::ForgetArgs),
    /// Approve the cutover of migrations whose plan asks for it
    /// (cutoverApproval: true). A running apply takes it within one polling
    /// interval; else the next apply does.
    Approve(approve::ApproveArgs),
    /// Each migration as the state has it: status, host, lag, cutover
    /// deadline, what it waits for. Reads the state alone: no plan, no
    /// credentials, no request; safe while apply runs.
    Status(status::StatusArgs),
    /// Serve the state over HTTP for the team's monitoring: /metrics
    /// (Prometheus), /status.json (as status -o json) and / (a page with
    /// each migration's lag over time). Read-only, from the state alone;
    /// safe while apply runs. Ends with exit 0 on Ctrl-C or SIGTERM.
    Serve(serve::ServeArgs),
}

/// The plan file and the state.
#[derive(Args, Debug)]
pub struct FleetFiles {
    /// The plan: YAML whose keys are create's flags (cli/README.md: "The plan")
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The state file: what was done, per migration (written as it happens)
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

pub async fn run(command: FleetCommand) -> Result<u8, Failure> {
    match command {
        FleetCommand::Plan(args) => plan::run(args).await,
        FleetCommand::Apply(args) => apply::run(args).await,
        FleetCommand::Record(args) => record::run(args),
        FleetCommand::Forget(args) => forget::run(args),
        FleetCommand::Approve(args) => approve::run(args),
        FleetCommand::Status(args) => status::run(args).await,
        FleetCommand::Serve(args) => serve::run(args).await,
    }
}
