//! `watch`: poll the job until it is ready for cutover or complete; with
//! `--cutover`, then cut over (once) and follow it to COMPLETE.

use std::cell::Cell;
use std::time::Duration;

use atlas_live_migration_api::{LifecycleEvent, Observation, WaitOptions};
use clap::Args;

use super::outcome::conclude;
use super::polling::Polling;
use super::target::Job;
use crate::display::Display;
use crate::{Failure, output, prompt};

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

pub async fn run(args: WatchArgs) -> Result<u8, Failure> {
    if args.cutover && !args.force {
        // Checked before anything is sent: a watch of hours must not end
        // at the cutover with nobody to confirm it.
        prompt::require_force_without_terminal()?;
    }
    // The demo's mock moves in seconds; Atlas in minutes (the SDK's default).
    let default_interval = if args.job.demo {
        Duration::from_secs(1)
    } else {
        WaitOptions::default().interval
    };
    let options = args.polling.options(default_interval);
    let target = args.job.target().await?;
    let (client, group_id, live_migration_id) =
        (&target.client, &target.group_id, &target.live_migration_id);
    let mut display = Display::for_stderr();
    let clear = display.clearer();
    if !args.cutover {
        let waiting = client.wait_for_cutover(group_id, live_migration_id, options, |event| {
            display.show(event)
        });
        return conclude(waiting, clear, || {
            "interrupted; the migration itself is not affected".to_owned()
        })
        .await;
    }
    let started = Cell::new(false);
    let force = args.force;
    let question = super::cutover::question(live_migration_id);
    let waiting = client.cutover_when_ready(
        group_id,
        live_migration_id,
        options,
        async |ready: &Observation| {
            clear();
            eprintln!("ready for cutover: {}", output::state(&ready.job));
            prompt::confirm(&question, force).unwrap_or(false)
        },
        |event| match event {
            LifecycleEvent::Waiting(event) => display.show(event),
            LifecycleEvent::CutoverStarted => {
                started.set(true);
                display.note("cutover started; waiting for COMPLETE");
            }
            _ => {}
        },
    );
    conclude(waiting, &clear, || {
        let id = live_migration_id.as_str();
        if started.get() {
            format!(
                "interrupted after the cutover was started: Atlas goes on with it; follow it \
                 with `atlas-live-migration watch --liveMigrationId {id}`"
            )
        } else {
            "interrupted before the cutover; the migration itself is not affected".to_owned()
        }
    })
    .await
}
