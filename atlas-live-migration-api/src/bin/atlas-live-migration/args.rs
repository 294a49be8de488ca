//! Command-line arguments. The Atlas CLI's spellings (`--groupId`,
//! `--projectId`, `--liveMigrationId`) are accepted as aliases.

use std::time::Duration;

use atlas_live_migration_api::ApiVersion;
use atlas_live_migration_api::types::{GroupId, LiveMigrationId};
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0    the job is ready for cutover or COMPLETE (get: the job was read)
  1    an API, network or authentication error
  2    a usage error or an invalid ID (nothing was sent)
  3    the migration FAILED
  4    the migration EXPIRED (the cutover timer ran out)
  5    watch: the --timeout passed first
  130  interrupted (Ctrl-C)

Credentials come from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (a
service account) or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY
(an API key); the base URL from MONGODB_ATLAS_BASE_URL. --demo needs none of them.";

/// Read and watch a MongoDB Atlas push live migration job.
#[derive(Parser, Debug)]
#[command(name = "atlas-live-migration", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the migration job as JSON (or a table).
    Get(GetArgs),
    /// Poll the migration job until it is ready for cutover or complete.
    Watch(WatchArgs),
}

/// Which job, and how to reach Atlas.
#[derive(Args, Debug)]
pub struct Target {
    /// Project (group) ID, 24 hexadecimal digits [env: MONGODB_ATLAS_PROJECT_ID]
    #[arg(
        long = "group-id",
        visible_aliases = ["groupId", "projectId"],
        value_name = "ID",
        env = "MONGODB_ATLAS_PROJECT_ID",
        hide_env = true,
        value_parser = parse_group_id,
        required_unless_present = "demo"
    )]
    pub group_id: Option<GroupId>,

    /// Live migration ID, 24 hexadecimal digits
    #[arg(
        long = "live-migration-id",
        visible_alias = "liveMigrationId",
        value_name = "ID",
        value_parser = parse_live_migration_id,
        required_unless_present = "demo"
    )]
    pub live_migration_id: Option<LiveMigrationId>,

    /// Atlas base URL [default: MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com]
    #[arg(long = "base-url", value_name = "URL")]
    pub base_url: Option<String>,

    /// API version date sent in Accept, YYYY-MM-DD [default: 2023-01-01]
    #[arg(long = "api-version", visible_alias = "version", value_name = "DATE", value_parser = parse_api_version)]
    pub api_version: Option<ApiVersion>,

    /// Run against a mock Atlas on loopback that plays a scripted migration; needs no account
    #[arg(long, conflicts_with = "base_url")]
    pub demo: bool,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    #[command(flatten)]
    pub target: Target,

    /// Ask Atlas to wrap the answer in an envelope (the output is still the job)
    #[arg(long)]
    pub envelope: bool,

    /// Ask Atlas to pretty-print its answer
    #[arg(long)]
    pub pretty: bool,

    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub target: Target,

    /// Time between polls, such as 30s or 1m [default: 30s; 1s with --demo]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<Duration>,

    /// Give up after this long, such as 2h (exit code 5) [default: never]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// The job as JSON, with the API's field names
    Json,
    /// ID  LAGTIME  READY FOR CUTOVER  STATUS, as `atlas liveMigrations describe`
    Table,
}

const ID_FORM: &str = "expected 24 lower-case hexadecimal digits, such as 32b6e34b3d91647abb20e7b8";

fn parse_group_id(value: &str) -> Result<GroupId, String> {
    value.parse().map_err(|_| ID_FORM.to_owned())
}

fn parse_live_migration_id(value: &str) -> Result<LiveMigrationId, String> {
    value.parse().map_err(|_| ID_FORM.to_owned())
}

fn parse_api_version(value: &str) -> Result<ApiVersion, String> {
    value
        .parse()
        .map_err(|e: atlas_live_migration_api::InvalidApiVersion| e.to_string())
}
