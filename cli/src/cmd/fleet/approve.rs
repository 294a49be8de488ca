//! `fleet approve`: the cutover of migrations whose plan asks for it
//! (`cutoverApproval: true`), approved by a line appended to
//! `<state>.approvals`, which needs no lock: a running apply takes it within
//! one polling interval.

use std::path::PathBuf;

use clap::Args;

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

    /// Every migration the state has
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: ApproveArgs) -> Result<u8, Failure> {
    let store = Store::read(&args.state).map_err(Failure::usage)?;
    let known = store.names();
    let names = if args.all { known.clone() } else { args.names };
    if names.is_empty() {
        return Err(Failure::usage(format!(
            "the state {} has no migration to approve yet",
            args.state.display()
        )));
    }
    let unknown: Vec<&String> = names.iter().filter(|n| !known.contains(n)).collect();
    if !unknown.is_empty() {
        return Err(Failure::usage(format!(
            "the state {} has no migration {}; approve the names apply wrote there",
            args.state.display(),
            unknown
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let at = state::approve(&args.state, &names).map_err(Failure::usage)?;
    println!(
        "approved the cutover of {} at {at}; {}",
        names.join(", "),
        if state::held_by_apply(&args.state) {
            "the running apply takes it within one polling interval"
        } else {
            "the next apply takes it"
        }
    );
    Ok(exit::DONE)
}
