//! Values that are no HTTP: `Open` (enums that keep unknown values),
//! `Secret`, the API version and the rate limit an answer reports, and helpers on the generated types (the job's statuses, the ID
//! an answer gives for the next call).

mod open;
pub(crate) mod rate_limit;
mod secret;
pub(crate) mod versioning;

pub use open::Open;
pub use secret::Secret;

/// Which API answered: Atlas, or the source side's Cloud Manager (or Ops
/// Manager), whose link operations are [`crate::cloud_manager`]. Errors name
/// it, and what to check on its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// The Atlas Admin API.
    Atlas,
    /// Cloud Manager's or Ops Manager's Public API v1.0.
    CloudManager,
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Service::Atlas => "Atlas",
            Service::CloudManager => "Cloud Manager",
        })
    }
}

use crate::types::{LiveImportValidation, LiveMigrationId, LiveMigrationResponse, ValidationId};

impl LiveMigrationResponse {
    /// The job's `_id`, to describe, watch or cut it over.
    ///
    /// ```
    /// use atlas_live_migration_api::types::LiveMigrationResponse;
    ///
    /// let job: LiveMigrationResponse =
    ///     serde_json::from_str(r#"{"_id": "6296fb4c7c7aa997cf94e9a8"}"#).unwrap();
    /// assert_eq!(job.live_migration_id().unwrap().as_str(), "6296fb4c7c7aa997cf94e9a8");
    /// ```
    pub fn live_migration_id(&self) -> Option<LiveMigrationId> {
        self.id.as_ref()?.as_str().parse().ok()
    }
}

impl LiveImportValidation {
    /// The validation's `_id`, to poll it.
    pub fn validation_id(&self) -> Option<ValidationId> {
        self.id.as_ref()?.as_str().parse().ok()
    }
}

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
