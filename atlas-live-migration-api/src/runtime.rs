//! The client's own state, carried by the generated `Client` as its inner
//! value (progenitor's `with_inner_type`) and read by the hooks.

use reqwest::header::HeaderValue;

use crate::versioning::ApiVersion;

/// Per-client runtime settings that the generated code carries for the hooks.
///
/// `ClientRuntime::default()` sends each operation's spec version.
///
/// ```
/// use atlas_live_migration_api::{ApiVersion, Client, ClientRuntime};
///
/// let version: ApiVersion = "2025-03-12".parse()?;
/// let client = Client::new(
///     "https://cloud.mongodb.com",
///     ClientRuntime::default().with_api_version(version),
/// );
/// # Ok::<(), atlas_live_migration_api::InvalidApiVersion>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientRuntime {
    /// `Accept` for every request when the caller pinned a version; built
    /// once here rather than per request.
    accept_override: Option<HeaderValue>,
}

impl ClientRuntime {
    /// Sends `Accept: application/vnd.atlas.<version>+json` on every request
    /// instead of the version the spec declares for each operation.
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.accept_override = Some(version.accept_header());
        self
    }

    pub(crate) fn accept_override(&self) -> Option<&HeaderValue> {
        self.accept_override.as_ref()
    }
}
