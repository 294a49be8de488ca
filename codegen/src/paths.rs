//! Where the spec and the generated files are, relative to the workspace
//! root.

/// The spec, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/atlas-live-migration.yaml";
/// The committed snapshot, relative to the workspace root (used by xtask).
pub const SNAPSHOT_PATH: &str = "atlas-live-migration-api/src/generated.rs";
/// The committed typed mock, relative to the workspace root (used by xtask).
pub const HTTPMOCK_PATH: &str = "httpmock/src/generated.rs";
/// The committed paginated operations' code beside the client, relative to
/// the workspace root (used by xtask).
pub const PAGES_PATH: &str = "atlas-live-migration-api/src/pages/generated.rs";
/// The committed `api` commands of the CLI, relative to the workspace root
/// (used by xtask).
pub const CLI_PATH: &str = "cli/src/api/generated.rs";
/// The transcription of Cloud Manager's link operations, relative to the
/// workspace root (no OpenAPI document of that API is published).
pub const CLOUD_MANAGER_SPEC_PATH: &str = "openapi/cloud-manager-live-export.yaml";
/// The committed client generated from it, relative to the workspace root.
pub const CLOUD_MANAGER_SNAPSHOT_PATH: &str =
    "atlas-live-migration-api/src/cloud_manager/generated.rs";
