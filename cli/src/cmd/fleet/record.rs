//! `fleet record`: the job found in Atlas for a migration whose create
//! answer was lost, recorded so that the next apply goes on with it.

use std::path::PathBuf;

use atlas_live_migration_api::types::LiveMigrationId;
use clap::Args;

use crate::cmd::target::parse_id;
use crate::fleet::names;
use crate::fleet::state::Store;
use crate::{Failure, exit};

#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The state file apply wrote
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,

    /// The migration's name in the plan
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// The job Atlas has for it (the project's Migration page shows it)
    #[arg(long = "live-migration-id", visible_alias = "liveMigrationId", value_name = "ID", value_parser = parse_id::<LiveMigrationId>)]
    pub live_migration_id: LiveMigrationId,
}

pub fn run(args: RecordArgs) -> Result<u8, Failure> {
    let store = Store::open_exclusive(&args.state).map_err(Failure::usage)?;
    names::must_have(&store, &args.state, &args.name).map_err(Failure::usage)?;
    let entry = store.get(&args.name);
    let id = args.live_migration_id.as_str();
    if let Some(known) = entry.live_migration_id.as_deref().filter(|k| *k != id) {
        return Err(Failure::usage(format!(
            "{} already has live migration {known} in the state; `fleet forget` it first if \
             that one is wrong",
            args.name
        )));
    }
    if entry.create_sent_at.is_none() && entry.live_migration_id.is_none() {
        return Err(Failure::usage(format!(
            "the state {} has no create sent for {}: nothing to record (apply creates it)",
            args.state.display(),
            args.name
        )));
    }
    store
        .update_blocking(&args.name, |e| {
            e.live_migration_id = Some(id.to_owned());
            e.needs_person = None;
            e.error = None;
        })
        .map_err(Failure::usage)?;
    println!(
        "recorded live migration {id} for {}; the next apply goes on with it",
        args.name
    );
    Ok(exit::DONE)
}
