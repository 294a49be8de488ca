//! `fleet status [--watch]`: each migration as the state has it. Reads the
//! state alone: no plan, no credentials, no request; safe while apply runs.

use std::path::PathBuf;

use clap::Args;

use crate::fleet::status::print_status;
use crate::output::Output;
use crate::{Failure, exit};

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The state file apply writes
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,

    /// Print it again every two seconds until Ctrl-C
    #[arg(long)]
    pub watch: bool,
}

pub async fn run(args: StatusArgs) -> Result<u8, Failure> {
    if !args.watch {
        print_status(&args.state, args.output, None)?;
        return Ok(exit::DONE);
    }
    // Again every two seconds until Ctrl-C; on a terminal, in place.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        if terminal {
            print!("\x1b[2J\x1b[H");
        }
        // In place on a terminal: what fits its height, header kept.
        let height = terminal.then(|| usize::from(console::Term::stdout().size().0));
        if !print_status(&args.state, args.output, height)? {
            return Ok(exit::DONE);
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(exit::DONE),
        }
    }
}
