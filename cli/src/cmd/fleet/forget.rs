//! `fleet forget`: a migration's entry in the state forgotten, so that the
//! next apply validates and creates it anew. Only when Atlas has no job for it.

use std::path::PathBuf;

use clap::Args;

use crate::fleet::names;
use crate::fleet::state::{self, Store};
use crate::{Failure, exit, prompt};

#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// The state file apply wrote
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,

    /// The migration's name in the plan
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: ForgetArgs) -> Result<u8, Failure> {
    let store = Store::open_exclusive(&args.state).map_err(Failure::usage)?;
    names::must_have(&store, &args.state, &args.name).map_err(Failure::usage)?;
    let question = format!(
        "Forget {}? The next apply validates and creates it anew: do this only when Atlas has \
         no migration for it",
        args.name
    );
    if !prompt::confirm(&question, args.force)? {
        eprintln!("not forgotten");
        return Ok(exit::USAGE);
    }
    store.forget(&args.name).map_err(Failure::usage)?;
    // Its approvals go with it: a job made anew waits for its own.
    state::append_approvals(
        &args.state,
        &[state::Approval {
            name: args.name.clone(),
            live_migration_id: None,
            by: state::who(),
            at: state::now(),
            revoked: true,
        }],
    )
    .map_err(Failure::usage)?;
    println!(
        "forgot {} and its approval; the next apply starts it anew",
        args.name
    );
    Ok(exit::DONE)
}
