//! `cutover`: start the cutover of a job that is ready for it, after a
//! confirmation (`--force` without a terminal).

use atlas_live_migration_api::Checked;
use atlas_live_migration_api::types::LiveMigrationId;
use clap::Args;

use super::target::Job;
use crate::{Failure, exit, prompt};

#[derive(Args, Debug)]
pub struct CutoverArgs {
    #[command(flatten)]
    pub job: Job,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

/// The confirmation a cutover asks for (`cutover`, `watch --cutover`).
pub fn question(live_migration_id: &LiveMigrationId) -> String {
    let id = live_migration_id.as_str();
    format!(
        "Cut over live migration {id}? Atlas stops replicating from the source; \
         point your applications at the Atlas cluster"
    )
}

pub async fn run(args: CutoverArgs) -> Result<u8, Failure> {
    let target = args.job.target().await?;
    let live_migration_id = target.live_migration_id.clone();
    if !prompt::confirm(&question(&live_migration_id), args.force)? {
        eprintln!("not cut over");
        return Ok(exit::USAGE);
    }
    target
        .client
        .cutover_group_live_migration()
        .group_id(target.group_id.clone())
        .live_migration_id(live_migration_id.clone())
        .send()
        .checked()
        .await
        .map_err(|error| {
            let id = live_migration_id.as_str();
            let not_ready = error.status().is_some_and(|s| s.as_u16() == 400);
            let mut failure = Failure::from(error);
            if not_ready {
                failure.message.push_str(&format!(
                    "\nAtlas cuts over only a job that is ready for cutover. \
                     `atlas-live-migration watch --liveMigrationId {id}` waits \
                     until it is; add --cutover to cut over then."
                ));
            }
            failure
        })?;
    let id = live_migration_id.as_str();
    println!(
        "cutover started for live migration {id}; follow it to COMPLETE with \
         `atlas-live-migration watch --liveMigrationId {id}`"
    );
    Ok(exit::DONE)
}
