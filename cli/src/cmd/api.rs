//! `api <tag> <operation> [flags]`: any kept operation, as the Atlas CLI's
//! `atlas api` calls it. The commands are built at run time from the table
//! `cargo xtask codegen` writes (`crate::api`).

use clap::Args;

use crate::Failure;

/// `api`'s own arguments, read by the `api` module's generated commands.
#[derive(Args, Debug)]
#[command(disable_help_flag = true)]
pub struct ApiArgs {
    /// `<tag> <operation> [flags]`, or `--help`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<std::ffi::OsString>,
}

pub async fn run(args: ApiArgs) -> Result<u8, Failure> {
    crate::api::run(args.args).await
}
