//! Integration tests for `atlas-live-migration-api` (in `tests/`), run
//! against an httpmock server on 127.0.0.1, and the workspace README's
//! examples compiled as doctests.
//!
//! This library holds what the tests share: the seed documents' example
//! bodies, verbatim, and the IDs they use.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

/// A valid project (group) id from the seeds.
pub const GROUP_ID: &str = "32b6e34b3d91647abb20e7b8";
/// A valid live migration id.
pub const LIVE_MIGRATION_ID: &str = "6296fb4c7c7aa997cf94e9a8";
/// The request path for [`GROUP_ID`] and [`LIVE_MIGRATION_ID`].
pub const PATH: &str =
    "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/6296fb4c7c7aa997cf94e9a8";
/// The media type Atlas answers with, and the `Accept` the client must send.
pub const MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";

/// Seed 001, "Response examples (200)".
pub const SEED_200: &str = r#"{
  "_id": "32b6e34b3d91647abb20e7b8",
  "lagTimeSeconds": 42,
  "migrationHosts": [
    "vm001.example.com"
  ],
  "readyForCutover": true,
  "status": "NEW"
}"#;

/// Seed 001, the error examples: (status, body, errorCode).
pub const SEED_ERRORS: [(u16, &str, &str); 4] = [
    (
        401,
        r#"{
  "error": 401,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Unauthorized",
  "errorCode": "NOT_ORG_GROUP_CREATOR"
}"#,
        "NOT_ORG_GROUP_CREATOR",
    ),
    (
        403,
        r#"{
  "error": 403,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Forbidden",
  "errorCode": "CANNOT_CHANGE_GROUP_NAME"
}"#,
        "CANNOT_CHANGE_GROUP_NAME",
    ),
    (
        404,
        r#"{
  "error": 404,
  "detail": "(This is just an example, the exception may not be related to this endpoint) Cannot find resource AWS",
  "reason": "Not Found",
  "errorCode": "RESOURCE_NOT_FOUND"
}"#,
        "RESOURCE_NOT_FOUND",
    ),
    (
        500,
        r#"{
  "error": 500,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Internal Server Error",
  "errorCode": "UNEXPECTED_ERROR"
}"#,
        "UNEXPECTED_ERROR",
    ),
];

/// The 429 example of the current official spec (not in the seeds).
pub const RATE_LIMITED_429: &str = r#"{
  "error": 429,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Too Many Requests",
  "errorCode": "RATE_LIMITED"
}"#;
