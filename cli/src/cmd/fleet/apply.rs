//! `fleet apply`: every migration of the plan validated, created, waited
//! for, and with `--cutover` cut over, many at a time inside Atlas's rate
//! limit, resuming from the state.

use std::path::PathBuf;
use std::time::Duration;

use atlas_live_migration_api::WaitOptions;
use clap::Args;

use crate::Failure;
use crate::connection::Connection;
use crate::fleet::rehearsal::Rehearsal;
use crate::fleet::{self, ApplyOptions};
use crate::output::Output;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The plan: YAML whose keys are create's flags (cli/README.md: "The plan")
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The state file: what was done, per migration (written as it happens),
    /// so that a create is never sent twice
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,

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

    /// Rehearse the plan against a mock Atlas on 127.0.0.1, built from the
    /// plan: no account or credentials, hooks and notify run for real, the
    /// state written as usual [default --interval: 500ms]
    #[arg(long, conflicts_with_all = ["base_url", "api_version"])]
    pub demo: bool,

    /// Print the outcome of every migration at the end as JSON, or a table
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

pub async fn run(args: ApplyArgs) -> Result<u8, Failure> {
    // A rehearsal sends no password beyond 127.0.0.1, so needs none.
    let migrations = if args.demo {
        fleet::plan::read_without_passwords(&args.file)
            .map_err(Failure::usage)?
            .0
    } else {
        fleet::read_plan(&args.file)?
    };
    let programs = fleet::plan::programs::problems(&migrations);
    if !programs.is_empty() {
        return Err(Failure::usage(format!(
            "the plan's programs cannot all run, so nothing was sent:\n{}",
            programs.join("\n")
        )));
    }
    let state = args.state;
    let rehearsal = match args.demo {
        true => Some(Rehearsal::start(&migrations).await?),
        false => None,
    };
    let client = match &rehearsal {
        Some(rehearsal) => rehearsal.client(),
        None => args.connection.client_builder()?,
    };
    let default_interval = match args.demo {
        true => Duration::from_millis(500),
        false => WaitOptions::default().interval,
    };
    let options = ApplyOptions {
        state,
        cutover: args.cutover,
        force: args.force,
        concurrency: args.concurrency,
        interval: args.interval.unwrap_or(default_interval),
        timeout: args.timeout,
        rate_limit_reserve: args.rate_limit_reserve,
        output: args.output,
    };
    let source = match &rehearsal {
        Some(rehearsal) => rehearsal.link(&migrations).await?,
        None => {
            let mut notes = Vec::new();
            let source = fleet::sources::source_side(&migrations, &mut notes);
            for note in notes {
                eprintln!("{note}");
            }
            source
        }
    };
    // The mock serves until the apply has ended.
    let code = fleet::apply(options, migrations, client, source).await;
    drop(rehearsal);
    code
}
