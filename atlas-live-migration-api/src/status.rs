//! What the states of a migration job and of a validation mean for someone
//! waiting on them.

use crate::open::Open;
use crate::types::{LiveImportValidationStatus, LiveMigrationResponseStatus};

/// A migration job's `status`: one of the spec's values, or a newer one.
///
/// ```
/// use atlas_live_migration_api::{MigrationStatus, Open, types::LiveMigrationResponseStatus};
///
/// let status: MigrationStatus = "COMPLETE".parse().unwrap();
/// assert_eq!(status, LiveMigrationResponseStatus::Complete);
/// assert!(status.is_terminal());
/// assert!(!"PAUSED".parse::<MigrationStatus>().unwrap().is_terminal());
/// ```
pub type MigrationStatus = Open<LiveMigrationResponseStatus>;

/// A validation's `status`: one of the spec's values, or a newer one.
pub type ValidationStatus = Open<LiveImportValidationStatus>;

impl Open<LiveMigrationResponseStatus> {
    /// Whether the job can no longer change: `COMPLETE`, `FAILED` or `EXPIRED`.
    pub fn is_terminal(&self) -> bool {
        use LiveMigrationResponseStatus::{Complete, Expired, Failed};
        matches!(self.known(), Some(Complete | Failed | Expired))
    }
}

impl Open<LiveImportValidationStatus> {
    /// Whether the validation has finished: `SUCCESS` or `FAILED`.
    pub fn is_terminal(&self) -> bool {
        use LiveImportValidationStatus::{Failed, Success};
        matches!(self.known(), Some(Success | Failed))
    }
}
