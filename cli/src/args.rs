//! Command-line arguments. Flags are kebab-case; the Atlas CLI's spellings
//! (`--projectId`, `--liveMigrationId`, `--clusterName`, …) are aliases.

use std::time::Duration;

use atlas_live_migration_api::types::{GroupId, LiveMigrationId, OrgId, ValidationId};
use atlas_live_migration_api::{ApiVersion, Secret};
use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit codes:
  0    done: validation SUCCESS, job created, cutover started, ready for cutover
       or COMPLETE (describe: the job was read)
  1    an API, network or authentication error
  2    a usage error or invalid input (nothing was sent)
  3    the migration or the validation FAILED (fleet apply: one of them)
  4    the migration EXPIRED (the cutover timer ran out)
  5    the --timeout passed first
fleet apply: 0 every migration reached its target, 1 one needs a person (or
  an error stopped it), 3 one FAILED, 5 one timed out, 2 a bad plan (nothing sent)
  130  interrupted (Ctrl-C)

Credentials come from MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (a
service account) or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY
(an API key); the base URL from MONGODB_ATLAS_BASE_URL. `demo` and --demo need none.";

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
    Validation(ValidationCommand),
    /// Create a push live migration (the 2024-05-30 request). Never sent twice.
    Create(CreateArgs),
    /// Print the migration job as JSON (or a table).
    #[command(visible_alias = "get")]
    Describe(DescribeArgs),
    /// Start the cutover of a job that is ready for it.
    Cutover(CutoverArgs),
    /// Poll the job until it is ready for cutover or complete; with --cutover,
    /// then cut over and follow it to COMPLETE.
    Watch(WatchArgs),
    /// Organization link tokens for push live migrations.
    #[command(subcommand)]
    Link(LinkCommand),
    /// The projects and deployments that can be migrated to an organization.
    Projects(ProjectsArgs),
    /// Many migrations from one plan file: plan, apply, and the state's repairs.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// The whole lifecycle against a mock Atlas on 127.0.0.1; needs no account.
    Demo(DemoArgs),
    /// Any kept operation, as `atlas api <tag> <operation>` calls it
    /// (`api --help` lists them).
    Api(ApiArgs),
}

#[derive(Subcommand, Debug)]
pub enum FleetCommand {
    /// Check the plan and print what `apply` would do next for each
    /// migration (from the state, when there is one). Sends nothing.
    Plan(FleetPlanArgs),
    /// For every migration of the plan: validate, create, wait until ready
    /// for cutover, and with --cutover cut over and follow it to COMPLETE;
    /// many at a time, all inside Atlas's rate limit. Resumes from the state.
    Apply(FleetApplyArgs),
    /// Record the job found in Atlas for a migration whose create answer was
    /// lost, so that the next apply goes on with it.
    Record(FleetRecordArgs),
    /// Forget a migration's entry in the state: the next apply validates and
    /// creates it anew. Only when Atlas has no job for it.
    Forget(FleetForgetArgs),
    /// Approve the cutover of migrations whose plan asks for it
    /// (cutoverApproval: true). A running apply takes it within one polling
    /// interval; else the next apply does.
    Approve(FleetApproveArgs),
    /// Each migration as the state has it: status, host, lag, cutover
    /// deadline, what it waits for. Reads the state alone: no plan, no
    /// credentials, no request; safe while apply runs.
    Status(FleetStatusArgs),
}

#[derive(Args, Debug)]
pub struct FleetApproveArgs {
    /// The state file apply writes
    #[arg(long, value_name = "PATH")]
    pub state: std::path::PathBuf,

    /// The migrations' names in the plan
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub names: Vec<String>,

    /// Every migration the state has
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct FleetStatusArgs {
    /// The state file apply writes
    #[arg(long, value_name = "PATH")]
    pub state: std::path::PathBuf,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,

    /// Print it again every two seconds until Ctrl-C
    #[arg(long)]
    pub watch: bool,
}

/// The plan file and the state.
#[derive(Args, Debug)]
pub struct FleetFiles {
    /// The plan: YAML whose keys are create's flags (cli/README.md: "The plan")
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,

    /// The state file: what was done, per migration (written as it happens)
    #[arg(long, value_name = "PATH")]
    pub state: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct FleetPlanArgs {
    #[command(flatten)]
    pub files: FleetFiles,

    /// Say what apply --cutover would do
    #[arg(long)]
    pub cutover: bool,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct FleetApplyArgs {
    #[command(flatten)]
    pub files: FleetFiles,

    /// Cut over each migration once it is ready, and follow it to COMPLETE
    #[arg(long)]
    pub cutover: bool,

    /// With --cutover: do not ask for confirmation (needed without a terminal)
    #[arg(long, requires = "cutover")]
    pub force: bool,

    /// Migrations worked on at a time
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,

    /// Time between one migration's polls, such as 30s or 1m [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<Duration>,

    /// Give up on a migration's wait after this long, such as 2h [default: never]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,

    /// Requests of each rate-limit bucket left to other tools
    #[arg(long = "rate-limit-reserve", value_name = "N", default_value_t = 0)]
    pub rate_limit_reserve: u64,

    #[command(flatten)]
    pub connection: Connection,

    /// Print the outcome of every migration at the end as JSON, or a table
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct FleetRecordArgs {
    /// The state file apply wrote
    #[arg(long, value_name = "PATH")]
    pub state: std::path::PathBuf,

    /// The migration's name in the plan
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// The job Atlas has for it (the project's Migration page shows it)
    #[arg(long = "live-migration-id", visible_alias = "liveMigrationId", value_name = "ID", value_parser = parse_id::<LiveMigrationId>)]
    pub live_migration_id: LiveMigrationId,
}

#[derive(Args, Debug)]
pub struct FleetForgetArgs {
    /// The state file apply wrote
    #[arg(long, value_name = "PATH")]
    pub state: std::path::PathBuf,

    /// The migration's name in the plan
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

/// `api`'s own arguments, read by the `api` module's generated commands.
#[derive(Args, Debug)]
#[command(disable_help_flag = true)]
pub struct ApiArgs {
    /// `<tag> <operation> [flags]`, or `--help`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<std::ffi::OsString>,
}

#[derive(Subcommand, Debug)]
pub enum ValidationCommand {
    /// Validate a migration request; prints the validation.
    Create(ValidationCreateArgs),
    /// Print a validation.
    Describe(ValidationDescribeArgs),
}

#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Create a link token; prints it.
    Create(LinkCreateArgs),
    /// Remove the organization's link and its API key.
    Delete(LinkDeleteArgs),
}

/// How to reach Atlas.
#[derive(Args, Debug, Clone)]
pub struct Connection {
    /// Atlas base URL [default: MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com]
    #[arg(long = "base-url", value_name = "URL")]
    pub base_url: Option<String>,

    /// API version date sent in Accept, YYYY-MM-DD [default: each operation's own]
    #[arg(long = "api-version", visible_alias = "version", value_name = "DATE", value_parser = parse_api_version)]
    pub api_version: Option<ApiVersion>,
}

/// The project.
#[derive(Args, Debug, Clone)]
pub struct Project {
    /// Project (group) ID, 24 hexadecimal digits [env: MONGODB_ATLAS_PROJECT_ID]
    #[arg(
        long = "group-id",
        visible_aliases = ["groupId", "projectId"],
        value_name = "ID",
        env = "MONGODB_ATLAS_PROJECT_ID",
        hide_env = true,
        value_parser = parse_id::<GroupId>,
    )]
    pub group_id: Option<GroupId>,
}

/// A migration job, and how to reach it.
#[derive(Args, Debug)]
pub struct Job {
    #[command(flatten)]
    pub project: Project,

    /// Live migration ID, 24 hexadecimal digits
    #[arg(
        long = "live-migration-id",
        visible_alias = "liveMigrationId",
        value_name = "ID",
        value_parser = parse_id::<LiveMigrationId>,
        required_unless_present = "demo"
    )]
    pub live_migration_id: Option<LiveMigrationId>,

    #[command(flatten)]
    pub connection: Connection,

    /// Run against a mock Atlas on loopback that plays a migration; needs no account
    #[arg(long, conflicts_with = "base_url")]
    pub demo: bool,
}

/// What a validation or a migration moves, as the Atlas CLI spells it.
#[derive(Args, Debug)]
pub struct MigrationRequest {
    #[command(flatten)]
    pub project: Project,

    /// The destination Atlas cluster
    #[arg(
        long = "cluster-name",
        visible_alias = "clusterName",
        value_name = "NAME"
    )]
    pub cluster_name: String,

    /// The migration host (a host running a MongoDB Agent); repeatable
    #[arg(
        long = "migration-host",
        visible_alias = "migrationHost",
        value_name = "HOST",
        required = true
    )]
    pub migration_hosts: Vec<String>,

    /// The source cluster, as Cloud or Ops Manager names it
    #[arg(
        long = "source-cluster-name",
        visible_alias = "sourceClusterName",
        value_name = "NAME"
    )]
    pub source_cluster_name: String,

    /// The source project (group) ID in Cloud or Ops Manager
    #[arg(long = "source-project-id", visible_alias = "sourceProjectId", value_name = "ID", value_parser = parse_id::<GroupId>)]
    pub source_project_id: GroupId,

    /// The SCRAM-SHA user that connects to the source cluster
    #[arg(
        short = 'u',
        long = "source-username",
        visible_alias = "sourceUsername",
        value_name = "USER"
    )]
    pub source_username: Option<String>,

    /// Its password. Prefer MONGODB_ATLAS_SOURCE_PASSWORD, which keeps it out of
    /// the process list; with neither, it is asked for without echo on a terminal
    #[arg(
        short = 'p',
        long = "source-password",
        visible_alias = "sourcePassword",
        value_name = "PASSWORD",
        env = "MONGODB_ATLAS_SOURCE_PASSWORD",
        hide_env_values = true,
        value_parser = parse_secret,
    )]
    pub source_password: Option<Secret>,

    /// The source cluster uses TLS
    #[arg(long = "source-ssl", visible_alias = "sourceSsl")]
    pub source_ssl: bool,

    /// Path, on the migration host, to the CA certificate of the source cluster
    #[arg(
        long = "source-ca-certificate-path",
        visible_alias = "sourceCACertificatePath",
        value_name = "PATH"
    )]
    pub source_ca_certificate_path: Option<String>,

    /// MongoDB Automation manages authentication to the source (no user or password)
    #[arg(
        long = "source-managed-authentication",
        visible_alias = "sourceManagedAuthentication",
        conflicts_with_all = ["source_username", "source_password"]
    )]
    pub source_managed_authentication: bool,

    /// Drop the destination cluster's collections before migrating
    #[arg(long)]
    pub drop: bool,

    /// The network between the migration host and the destination
    #[arg(long = "hostname-schema-type", value_enum, default_value_t = HostnameSchema::Public)]
    pub hostname_schema_type: HostnameSchema,

    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HostnameSchema {
    Public,
    PrivateLink,
    VpcPeering,
}

/// How long and how often to poll.
#[derive(Args, Debug, Clone, Copy)]
pub struct Polling {
    /// Time between polls, such as 30s or 1m [default: 30s; 1s with --demo]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<Duration>,

    /// Give up after this long, such as 2h (exit code 5) [default: never]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Args, Debug)]
pub struct ValidationCreateArgs {
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
pub struct ValidationDescribeArgs {
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

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub request: MigrationRequest,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
}

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

#[derive(Args, Debug)]
pub struct CutoverArgs {
    #[command(flatten)]
    pub job: Job,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub job: Job,

    #[command(flatten)]
    pub polling: Polling,

    /// When the job is ready, start the cutover (once) and watch it to COMPLETE
    #[arg(long)]
    pub cutover: bool,

    /// With --cutover: do not ask for confirmation (needed without a terminal)
    #[arg(long, requires = "cutover")]
    pub force: bool,
}

/// The organization.
#[derive(Args, Debug)]
pub struct Organization {
    /// Organization ID, 24 hexadecimal digits [env: MONGODB_ATLAS_ORG_ID]
    #[arg(
        long = "org-id",
        visible_alias = "orgId",
        value_name = "ID",
        env = "MONGODB_ATLAS_ORG_ID",
        hide_env = true,
        value_parser = parse_id::<OrgId>,
    )]
    pub org_id: OrgId,

    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Args, Debug)]
pub struct LinkCreateArgs {
    #[command(flatten)]
    pub organization: Organization,

    /// An IP address or CIDR block allowed to use the link's API key; repeatable
    #[arg(
        long = "access-list-ip",
        visible_alias = "accessListIp",
        value_name = "IP"
    )]
    pub access_list_ips: Vec<String>,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct LinkDeleteArgs {
    #[command(flatten)]
    pub organization: Organization,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ProjectsArgs {
    #[command(flatten)]
    pub organization: Organization,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Time between polls [default: 500ms]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<Duration>,

    /// A fleet of N migrations (12 when no N is given) through `fleet apply
    /// --cutover`, against a mock Atlas whose rate limit is 60 requests per 10 s
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "12", value_parser = clap::value_parser!(u16).range(1..))]
    pub fleet: Option<u16>,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// JSON with the API's field names
    Json,
    /// Columns, as the Atlas CLI prints them
    Table,
}

fn parse_id<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value.parse().map_err(|_| {
        "expected 24 lower-case hexadecimal digits, such as 32b6e34b3d91647abb20e7b8".to_owned()
    })
}

fn parse_api_version(value: &str) -> Result<ApiVersion, String> {
    value
        .parse()
        .map_err(|e: atlas_live_migration_api::InvalidApiVersion| e.to_string())
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    Ok(Secret::from(value))
}
