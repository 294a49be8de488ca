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
            message: for_the_command_line(&error.to_string()),
        }
    }
}

/// What the library's messages name for a program (its builder's
/// settings), and what a person at the command line sets instead. A test
/// holds each left side to the library's text.
const SETTINGS: &[(&str, &str)] = &[
    (
        "ClientBuilder::api_version (CLI: --api-version)",
        "--api-version",
    ),
    (
        " (or the credentials given to ClientBuilder::credentials)",
        "",
    ),
    (
        "MONGODB_ATLAS_BASE_URL or ClientBuilder::base_url",
        "--base-url or MONGODB_ATLAS_BASE_URL",
    ),
    (
        "ClientBuilder::base_url or MONGODB_ATLAS_BASE_URL",
        "--base-url or MONGODB_ATLAS_BASE_URL",
    ),
    (
        "MCLI_OPS_MANAGER_URL or cloud_manager::ClientBuilder::base_url",
        "MCLI_OPS_MANAGER_URL",
    ),
    (
        "cloud_manager::ClientBuilder::base_url or MCLI_OPS_MANAGER_URL",
        "MCLI_OPS_MANAGER_URL",
    ),
    (
        "use ClientBuilder::credentials",
        "give the credentials in their variables",
    ),
    (
        ", or call allow_plain_http(true) on the client's builder if the network is trusted",
        "",
    ),
];

/// A library message in the command line's words: flags and variables,
/// not the builder's methods.
fn for_the_command_line(message: &str) -> String {
    SETTINGS
        .iter()
        .fold(message.to_owned(), |text, (library, cli)| {
            text.replace(library, cli)
        })
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

#[cfg(test)]
mod tests {
    use super::{SETTINGS, for_the_command_line};

    /// Each wording is the library's own (a rewording there fails here),
    /// and what a message says after the rewrite names no builder method.
    #[test]
    fn library_settings_become_flags_and_variables() {
        let library = [
            include_str!("../../atlas-live-migration-api/src/error.rs"),
            include_str!("../../atlas-live-migration-api/src/client/builder.rs"),
            include_str!("../../atlas-live-migration-api/src/cloud_manager/connect.rs"),
        ]
        .map(|text| {
            text.replace("\\\n", "")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .join(" ");
        for (said, _) in SETTINGS {
            let said = said.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                library.contains(&said),
                "the library no longer says {said:?}"
            );
        }
        let message = "the service-account token request to URL failed with HTTP 401: x; the \
            call (API version 1) was not sent. Check MONGODB_ATLAS_CLIENT_ID and \
            MONGODB_ATLAS_CLIENT_SECRET (or the credentials given to ClientBuilder::credentials) \
            and try again";
        let shown = for_the_command_line(message);
        assert!(!shown.contains("ClientBuilder"), "{shown}");
        assert!(
            shown.contains("MONGODB_ATLAS_CLIENT_SECRET and try again"),
            "{shown}"
        );
    }
}
