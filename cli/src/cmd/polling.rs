//! How long and how often a waiting command polls.

use std::time::Duration;

use atlas_live_migration_api::WaitOptions;
use clap::Args;

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

impl Polling {
    /// The wait's options, with `default_interval` where none was given.
    pub fn options(self, default_interval: Duration) -> WaitOptions {
        WaitOptions {
            interval: self.interval.unwrap_or(default_interval),
            timeout: self.timeout,
            ..WaitOptions::default()
        }
    }
}
