//! `fleet approve`: the cutover of migrations whose plan asks for it
//! (`cutoverApproval: true`), approved by a line appended to
//! `<state>.approvals`, which needs no lock: a running apply takes it within
//! one polling interval.

use std::path::PathBuf;

use clap::Args;

use crate::fleet::names;
use crate::fleet::state::{self, Store};
use crate::{Failure, exit};

#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// The state file apply writes
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,

    /// The migrations' names in the plan
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub names: Vec<String>,

    /// Every migration the state has a job for
    #[arg(long)]
    pub all: bool,

    /// Take the approval of these migrations back (a running apply that
    /// has not started their cutover waits again)
    #[arg(long)]
    pub revoke: bool,
}

pub fn run(args: ApproveArgs) -> Result<u8, Failure> {
    let store = Store::read(&args.state).map_err(Failure::usage)?;
    let known = store.names();
    let names = if args.all {
        known
            .iter()
            .filter(|n| store.get(n).live_migration_id.is_some())
            .cloned()
            .collect()
    } else {
        args.names
    };
    if names.is_empty() {
        return Err(Failure::usage(format!(
            "the state {} has no job to approve yet: a cutover is approved once apply has \
             created its migration",
            args.state.display()
        )));
    }
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !known.contains(n))
        .map(|n| names::unknown_migration(&args.state, n, &known))
        .collect();
    if !unknown.is_empty() {
        return Err(Failure::usage(format!(
            "{}; nothing was approved",
            unknown.join("\n")
        )));
    }
    let (by, at) = (state::who(), state::now());
    let mut lines = Vec::new();
    for name in &names {
        let entry = store.get(name);
        let live_migration_id = if args.revoke {
            None
        } else {
            // An approval is of one job: a job made anew (after `fleet
            // forget`) waits for its own.
            let Some(id) = entry.live_migration_id.clone() else {
                return Err(Failure::usage(format!(
                    "{name} has no job in the state yet: its cutover is approved once apply \
                     has created it (nothing was approved)"
                )));
            };
            Some(id)
        };
        lines.push(state::Approval {
            name: name.clone(),
            live_migration_id,
            by: by.clone(),
            at: at.clone(),
            revoked: args.revoke,
        });
    }
    state::append_approvals(&args.state, &lines).map_err(Failure::usage)?;
    let running = state::held_by_apply(&args.state);
    if args.revoke {
        println!(
            "revoked the approval of {} at {at} ({by}); {}",
            names.join(", "),
            if running {
                "the running apply starts no cutover of theirs without a new one"
            } else {
                "the next apply waits for a new one"
            }
        );
        return Ok(exit::DONE);
    }
    let jobs: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "{} (job {})",
                l.name,
                l.live_migration_id.as_deref().unwrap_or("-")
            )
        })
        .collect();
    println!(
        "approved the cutover of {} at {at} ({by}); {}",
        jobs.join(", "),
        if running {
            "the running apply takes it within one polling interval"
        } else {
            "the next apply takes it"
        }
    );
    Ok(exit::DONE)
}
