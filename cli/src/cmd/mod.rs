//! The commands: one file each, its arguments beside its code. The flags
//! several commands share are modules named for what they say: `target`
//! (which project, organization or job), `migration_request` (what a
//! migration moves), `polling`; `crate::connection` says how to reach Atlas.
//! Flags are kebab-case; the Atlas CLI's spellings (`--projectId`,
//! `--liveMigrationId`, `--clusterName`, …) are aliases.

mod api;
mod create;
mod cutover;
mod demo;
mod describe;
mod fleet;
pub mod link;
mod migration_request;
mod outcome;
mod polling;
mod projects;
pub mod target;
mod validation;
mod watch;

use clap::{Parser, Subcommand};

use crate::Failure;

const AFTER_HELP: &str = "\
Exit codes, every command:
  0    done: validation SUCCESS, job created, cutover started, ready for cutover
       or COMPLETE (describe: the job was read)
  1    an API, network or authentication error
  2    a usage error or invalid input (nothing was sent)
  3    the migration or the validation FAILED
  4    the migration EXPIRED (the cutover timer ran out)
  5    the --timeout passed first
  130  interrupted (Ctrl-C)
fleet apply:
  0    every migration reached its target
  1    one needs a person, or an error stopped it
  2    a bad plan, or one that does not fit the source (nothing was sent)
  3    one FAILED;  5  one timed out;  130  interrupted (Ctrl-C or SIGTERM)
fleet plan:
  2    the plan is not valid, its programs cannot run, or it does not fit the source
link create --sourceOrgId:
  5    the link did not read SYNCED within --timeout
fleet serve:
  0    ended by Ctrl-C or SIGTERM;  2  it cannot listen on --listen

Credentials come from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (a
service account) or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY
(an API key); the base URL from MONGODB_ATLAS_BASE_URL; Cloud Manager's key from
MCLI_PUBLIC_API_KEY and MCLI_PRIVATE_API_KEY. `demo` and --demo need none.";

/// Validate, create, watch and cut over MongoDB Atlas push live migrations.
#[derive(Parser, Debug)]
#[command(name = "atlas-live-migration", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Log what the client does to stderr: -v requests, -vv details, -vvv everything
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate a migration request before creating it.
    #[command(subcommand)]
    Validation(validation::ValidationCommand),
    /// Create a push live migration (the 2024-05-30 request). Never sent twice.
    Create(create::CreateArgs),
    /// Print the migration job as JSON (or a table).
    #[command(visible_alias = "get")]
    Describe(describe::DescribeArgs),
    /// Start the cutover of a job that is ready for it.
    Cutover(cutover::CutoverArgs),
    /// Poll the job until it is ready for cutover or complete; with --cutover,
    /// then cut over and follow it to COMPLETE.
    Watch(watch::WatchArgs),
    /// Organization link tokens for push live migrations.
    #[command(subcommand)]
    Link(link::LinkCommand),
    /// The projects and deployments that can be migrated to an organization.
    Projects(projects::ProjectsArgs),
    /// Many migrations from one plan file: plan, apply, and the state's repairs.
    #[command(subcommand)]
    Fleet(fleet::FleetCommand),
    /// The whole lifecycle against a mock Atlas on 127.0.0.1; needs no account.
    Demo(demo::DemoArgs),
    /// Any kept operation, as `atlas api <tag> <operation>` calls it
    /// (`api --help` lists them).
    Api(api::ApiArgs),
}

/// Runs `command` to its exit code.
pub async fn run(command: Command) -> Result<u8, Failure> {
    match command {
        Command::Validation(command) => validation::run(command).await,
        Command::Create(args) => create::run(args).await,
        Command::Describe(args) => describe::run(args).await,
        Command::Cutover(args) => cutover::run(args).await,
        Command::Watch(args) => watch::run(args).await,
        Command::Link(command) => link::run(command).await,
        Command::Projects(args) => projects::run(args).await,
        Command::Fleet(command) => fleet::run(command).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Api(args) => api::run(args).await,
    }
}
