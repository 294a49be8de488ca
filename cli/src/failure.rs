//! How a command ends: its exit code, and the message for stderr.

use atlas_live_migration_api::Error;

/// Exit codes, as `--help` and `cli/README.md` list them.
pub mod exit {
    pub const DONE: u8 = 0;
    pub const API_ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const FAILED: u8 = 3;
    pub const EXPIRED: u8 = 4;
    pub const TIMED_OUT: u8 = 5;
    pub const INTERRUPTED: u8 = 130;
}

/// Why a command stopped: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// A usage error: nothing was sent.
    pub fn usage(message: String) -> Self {
        Self {
            code: exit::USAGE,
            message,
        }
    }

    /// An answer of Atlas's that could not be used as it came.
    pub fn answer(message: String) -> Self {
        Self {
            code: exit::API_ERROR,
            message,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match error {
            Error::Config(_) | Error::InvalidRequest { .. } => exit::USAGE,
            _ => exit::API_ERROR,
        };
        Self {
            code,
            message: error.to_string(),
        }
    }
}

/// Whether a POST that failed with `error` certainly did nothing in Atlas:
/// it was refused before it was sent, never reached Atlas, or Atlas
/// answered that it refused it (4xx).
pub fn refused_before_acting(error: &Error) -> bool {
    match error {
        Error::InvalidRequest { .. } | Error::Config(_) | Error::TokenRequest { .. } => true,
        // No connection was made: nothing reached Atlas.
        Error::Transport { source, .. } => source.is_connect(),
        other => other.status().is_some_and(|s| s.is_client_error()),
    }
}
