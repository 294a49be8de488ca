//! From an answer to the next call: the `_id` of a created job or a started
//! validation as the path ID type of the calls that follow it.
//!
//! typify gives each `_id` a newtype of its own (`LiveMigrationResponseId`),
//! checked against the same pattern as the path parameters' types.

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
