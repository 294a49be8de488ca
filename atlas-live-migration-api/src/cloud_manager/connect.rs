//! Building the Cloud Manager client: its base URL, its own API key, and
//! the MongoDB CLI's `MCLI_*` variables.

use std::time::Duration;

use crate::client::credentials::Credentials;
use crate::error::Error;
use crate::transport::retry::RetryPolicy;
use crate::transport::runtime::Surface;

/// Configures a [`Client`](super::Client) of Cloud Manager (or Ops
/// Manager). Start with [`Client::builder`](super::Client::builder).
///
/// `Debug` shows the public key, never the private one:
///
/// ```
/// use atlas_live_migration_api::cloud_manager::Client;
///
/// let builder = Client::builder().api_key("source-public", "source-private-value");
/// let shown = format!("{builder:?}");
/// assert!(shown.contains("source-public") && !shown.contains("source-private-value"));
/// let client = builder.build()?;
/// # Ok::<(), atlas_live_migration_api::Error>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    inner: crate::ClientBuilder,
}

impl super::Client {
    /// A builder for a Cloud Manager client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the MongoDB CLI's variables; see
    /// [`ClientBuilder::env`].
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().env()?.build()
    }
}

impl ClientBuilder {
    /// Cloud Manager's base URL (default `https://cloud.mongodb.com`), or
    /// Ops Manager's, such as `https://ops.example.com:8443`.
    pub fn base_url(self, base_url: impl Into<String>) -> Self {
        Self {
            inner: self.inner.base_url(base_url),
        }
    }

    /// The source organization's programmatic API key, sent with HTTP
    /// Digest. It must have the Organization Owner role there.
    pub fn api_key(self, public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self {
            inner: self
                .inner
                .credentials(Credentials::digest(public_key, private_key)),
        }
    }

    /// Time limit for each attempt, response body included (default 30 s).
    pub fn timeout(self, timeout: Duration) -> Self {
        Self {
            inner: self.inner.timeout(timeout),
        }
    }

    /// Time limit for establishing a connection (default 10 s).
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        Self {
            inner: self.inner.connect_timeout(timeout),
        }
    }

    /// How calls are retried ([`RetryPolicy::none`] disables retries). A
    /// `POST` is never sent again after the server may have acted on it.
    pub fn retry_policy(self, policy: RetryPolicy) -> Self {
        Self {
            inner: self.inner.retry_policy(policy),
        }
    }

    /// Use this `reqwest::Client` (proxies, certificates of your own).
    pub fn reqwest_client(self, client: reqwest::Client) -> Self {
        Self {
            inner: self.inner.reqwest_client(client),
        }
    }

    /// Allow the API key over plain `http://` to a host that is not
    /// loopback (an Ops Manager on a trusted network). Off by default.
    pub fn allow_plain_http(self, allow: bool) -> Self {
        Self {
            inner: self.inner.allow_plain_http(allow),
        }
    }

    /// Applies the MongoDB CLI's variables: `MCLI_PUBLIC_API_KEY` and
    /// `MCLI_PRIVATE_API_KEY` (both required), and `MCLI_OPS_MANAGER_URL`,
    /// Ops Manager's base URL (Cloud Manager's when unset). No
    /// `MONGODB_ATLAS_*` variable is read: an Atlas key is never sent to
    /// Cloud Manager.
    pub fn env(self) -> Result<Self, Error> {
        self.env_from(|name| std::env::var(name).ok())
    }

    /// [`env`](Self::env) with variables from `lookup`.
    ///
    /// ```
    /// use atlas_live_migration_api::cloud_manager::Client;
    ///
    /// let lookup = |name: &str| (name == "MCLI_PUBLIC_API_KEY").then(|| "pub".to_owned());
    /// let error = Client::builder().env_from(lookup).unwrap_err();
    /// assert!(error.to_string().contains("MCLI_PRIVATE_API_KEY"));
    /// ```
    pub fn env_from(self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let (public, private) = match (var(PUBLIC), var(PRIVATE)) {
            (Some(public), Some(private)) => (public, private),
            (public, private) => {
                let missing: Vec<&str> = [(PUBLIC, public.is_none()), (PRIVATE, private.is_none())]
                    .into_iter()
                    .filter_map(|(name, missing)| missing.then_some(name))
                    .collect();
                return Err(Error::Config(format!(
                    "no Cloud Manager API key in the environment: set {} (the source \
                     organization's programmatic API key, Organization Owner; an Atlas key is \
                     not taken), and MCLI_OPS_MANAGER_URL for Ops Manager",
                    missing.join(" and ")
                )));
            }
        };
        let mut builder = self.api_key(public, private);
        if let Some(url) = var(URL) {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<super::Client, Error> {
        let (base, http, runtime) = self.inner.parts(
            Surface::CloudManager,
            "cloud_manager::ClientBuilder::base_url or MCLI_OPS_MANAGER_URL",
        )?;
        Ok(super::Client::new_with_client(&base, http, runtime))
    }
}

/// The MongoDB CLI's variables.
pub(crate) const PUBLIC: &str = "MCLI_PUBLIC_API_KEY";
pub(crate) const PRIVATE: &str = "MCLI_PRIVATE_API_KEY";
pub(crate) const URL: &str = "MCLI_OPS_MANAGER_URL";
