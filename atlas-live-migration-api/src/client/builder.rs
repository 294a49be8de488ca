//! Building a client: base URL, credentials, version, timeouts, retries,
//! and the environment variables of the official Atlas tools.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;

use crate::auth::Auth;
use crate::auth::digest::DigestAuth;
use crate::auth::oauth::TokenSource;
use crate::client::credentials::{Credentials, Kind};
use crate::error::Error;
use crate::model::versioning::{ApiVersion, PinnedVersion};
use crate::transport::pace::Pace;
use crate::transport::retry::RetryPolicy;
use crate::transport::runtime::{ClientRuntime, Shared, Surface};

use super::{DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};

/// Configures a [`Client`](crate::Client). Start with [`Client::builder`](crate::Client::builder).
///
/// ```
/// use std::time::Duration;
/// use atlas_live_migration_api::{Client, Credentials, RetryPolicy};
///
/// let client = Client::builder()
///     .base_url("https://cloud.mongodb.com")
///     .credentials(Credentials::service_account("mdb_sa_id_1234", "mdb_sa_sk_secret"))
///     .api_version("2023-01-01".parse()?)
///     .timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::default().with_max_attempts(3))
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Option<Credentials>,
    api_version: Option<ApiVersion>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    http_client: Option<reqwest::Client>,
    allow_plain_http: bool,
    legacy_v1: bool,
    /// `Some(reserve)`, or `None` for no pacing; unset: a reserve of 0.
    pacing: Option<Option<u64>>,
}

impl crate::Client {
    /// A builder for a client with credentials, version and retry settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment variables of the Atlas CLI
    /// and SDKs; see [`ClientBuilder::env`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), atlas_live_migration_api::Error> {
    /// let client = atlas_live_migration_api::Client::from_env()?;
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().env()?.build()
    }

    /// The `Deprecation`/`Sunset` notice Atlas last sent for the API version
    /// in use, if any.
    pub fn deprecation_notice(&self) -> Option<crate::DeprecationNotice> {
        self.inner.deprecation_notice()
    }

    /// Atlas's rate-limit bucket as its last answer reported it
    /// (`RateLimit-Limit`, `RateLimit-Remaining`), to pace a loop of calls
    /// before Atlas answers 429; `None` before the first answer that had them.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), atlas_live_migration_api::Error> {
    /// let client = atlas_live_migration_api::Client::from_env()?;
    /// if let Some(limit) = client.rate_limit() {
    ///     println!("{} of {} requests left", limit.remaining, limit.limit);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rate_limit(&self) -> Option<crate::RateLimit> {
        self.inner.rate_limit()
    }
}

impl ClientBuilder {
    /// The Atlas base URL, scheme and host (default `https://cloud.mongodb.com`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Authenticate with a service account or an API key. Without
    /// credentials, requests go out unauthenticated (for proxies and tests).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Pins the API version date sent in `Accept` for every operation
    /// (default: each operation's own, as generated). Bodies stay
    /// in the version they were generated for (`Content-Type`).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// Time limit for each attempt, response body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time limit for establishing a connection (default 10 s). Not applied
    /// to a client given with [`reqwest_client`](Self::reqwest_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How calls are retried ([`RetryPolicy::none`] disables retries).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Use this `reqwest::Client` (proxies, certificates, pools of your own).
    /// Its redirect policy applies: the default one built here follows no
    /// redirects, so credentials never go to another host.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Keep `reserve` requests of each rate-limit bucket for other tools:
    /// a request waits while Atlas's budget for it (`RateLimit-Remaining`,
    /// less the requests in flight, plus what refilled since) is at or
    /// below `reserve`. Every clone of the client shares the pace. The
    /// default reserve is 0: the client spends the budget, and no more.
    ///
    /// ```
    /// use atlas_live_migration_api::Client;
    ///
    /// // Leave 100 requests a bucket to the Atlas CLI and Terraform.
    /// let client = Client::builder().rate_limit_reserve(100).build()?;
    /// # Ok::<(), atlas_live_migration_api::Error>(())
    /// ```
    pub fn rate_limit_reserve(mut self, reserve: u64) -> Self {
        self.pacing = Some(Some(reserve));
        self
    }

    /// `false`: send every request at once, whatever the budget left (a
    /// `429` is still waited out and retried, per the [`RetryPolicy`]).
    /// On by default, with [`rate_limit_reserve`](Self::rate_limit_reserve) 0.
    pub fn pacing(mut self, on: bool) -> Self {
        self.pacing = Some(on.then(|| self.pacing.flatten().unwrap_or(0)));
        self
    }

    /// Allow credentials over plain `http://` to a host that is not
    /// loopback. Off by default: they would cross the network readable.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// Call the legacy v1.0 surface, `/api/atlas/v1.0/...` with
    /// `Accept: application/json`, instead of v2. Its answers are decoded
    /// into the same types.
    pub fn legacy_v1(mut self) -> Self {
        self.legacy_v1 = true;
        self
    }

    /// Applies the environment variables of the Atlas CLI and SDKs:
    ///
    /// - `MONGODB_ATLAS_CLIENT_ID` and `MONGODB_ATLAS_CLIENT_SECRET`: a service account;
    /// - `MONGODB_ATLAS_PUBLIC_API_KEY` and `MONGODB_ATLAS_PRIVATE_API_KEY`
    ///   (or `MONGODB_ATLAS_PUBLIC_KEY` and `MONGODB_ATLAS_PRIVATE_KEY`): an API key;
    /// - `MONGODB_ATLAS_BASE_URL`, or `MONGODB_ATLAS_OPS_MANAGER_URL`, which wins.
    ///
    /// With both kinds of credentials set, the service account is used, as in
    /// the Atlas CLI. With neither, or half of a pair, this is an error that
    /// names the variables.
    pub fn env(self) -> Result<Self, Error> {
        self.env_from(|name| std::env::var(name).ok())
    }

    /// [`env`](Self::env) with variables from `lookup` instead of the process
    /// environment.
    ///
    /// ```
    /// use atlas_live_migration_api::Client;
    ///
    /// let vars = [("MONGODB_ATLAS_PUBLIC_API_KEY", "pub"), ("MONGODB_ATLAS_PRIVATE_API_KEY", "secret")];
    /// let lookup = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
    /// let client = Client::builder().env_from(lookup)?.build()?;
    /// # Ok::<(), atlas_live_migration_api::Error>(())
    /// ```
    pub fn env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let pair = |id: &str, secret: &str| match (var(id), var(secret)) {
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(Error::Config(format!(
                "{id} is set but {secret} is not; set both"
            ))),
            (None, Some(_)) => Err(Error::Config(format!(
                "{secret} is set but {id} is not; set both"
            ))),
        };
        let service_account = pair("MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET")?;
        let api_key = match pair(
            "MONGODB_ATLAS_PUBLIC_API_KEY",
            "MONGODB_ATLAS_PRIVATE_API_KEY",
        )? {
            Some(keys) => Some(keys),
            None => pair("MONGODB_ATLAS_PUBLIC_KEY", "MONGODB_ATLAS_PRIVATE_KEY")?,
        };
        self.credentials = Some(match (service_account, api_key) {
            (Some((id, secret)), _) => Credentials::service_account(id, secret),
            (None, Some((public, private))) => Credentials::digest(public, private),
            (None, None) => {
                return Err(Error::Config(
                    "no Atlas credentials in the environment: set MONGODB_ATLAS_CLIENT_ID and \
                     MONGODB_ATLAS_CLIENT_SECRET (service account), or MONGODB_ATLAS_PUBLIC_API_KEY \
                     and MONGODB_ATLAS_PRIVATE_API_KEY (API key)"
                        .to_owned(),
                ));
            }
        });
        if let Some(url) =
            var("MONGODB_ATLAS_OPS_MANAGER_URL").or_else(|| var("MONGODB_ATLAS_BASE_URL"))
        {
            self.base_url = Some(url);
        }
        Ok(self)
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<crate::Client, Error> {
        let surface = if self.legacy_v1 {
            Surface::AtlasLegacyV1
        } else {
            Surface::Atlas
        };
        let (base, http, runtime) =
            self.parts(surface, "ClientBuilder::base_url or MONGODB_ATLAS_BASE_URL")?;
        Ok(crate::Client::new_with_client(&base, http, runtime))
    }

    /// What a generated client is made of: its base URL, its HTTP client
    /// and the runtime, for `surface`. `base_url_from` names where the base
    /// URL is set, for an error about it.
    pub(crate) fn parts(
        self,
        surface: Surface,
        base_url_from: &str,
    ) -> Result<(String, reqwest::Client, ClientRuntime), Error> {
        let base_url = parse_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            base_url_from,
        )?;
        if self.credentials.is_some()
            && base_url.scheme() == "http"
            && !is_loopback(&base_url)
            && !self.allow_plain_http
        {
            return Err(Error::Config(format!(
                "refusing to send credentials over plain http to {}: use https, or call \
                 allow_plain_http(true) on the client's builder if the network is trusted",
                base_url.host_str().unwrap_or_default()
            )));
        }
        let attempt_timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        // A client built here carries the attempt limit itself; a given one
        // gets it on each request, as its own settings are unknown.
        let (http, request_timeout) = match self.http_client {
            Some(client) => (client, Some(attempt_timeout)),
            None => (
                reqwest::Client::builder()
                    .tls_backend_preconfigured(crate::tls::client_config().map_err(|e| {
                        Error::Config(format!("cannot set up TLS (the platform's roots): {e}"))
                    })?)
                    .timeout(attempt_timeout)
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!(
                        "atlas-live-migration-api/",
                        env!("CARGO_PKG_VERSION")
                    ))
                    .build()
                    .map_err(|e| Error::Config(format!("cannot set up the HTTP client: {e}")))?,
                None,
            ),
        };
        let auth = match self.credentials.map(|c| c.0) {
            None => Auth::None,
            Some(Kind::Digest {
                public_key,
                private_key,
            }) => Auth::Digest(DigestAuth::new(public_key, private_key)),
            Some(Kind::ServiceAccount {
                client_id,
                client_secret,
            }) => {
                let token_url = base_url
                    .join("api/oauth/token")
                    .map_err(|e| Error::Config(format!("cannot derive the token URL: {e}")))?;
                Auth::ServiceAccount(TokenSource::new(client_id, client_secret, token_url))
            }
        };
        let runtime = ClientRuntime {
            shared: Arc::new(Shared {
                auth,
                retry: self.retry,
                request_timeout,
                surface,
                deprecation: Mutex::new(None),
                pace: Pace::new(self.pacing.unwrap_or(Some(0))),
            }),
            pinned: self.api_version.map(PinnedVersion::new),
        };
        let base = base_url.as_str().trim_end_matches('/').to_owned();
        Ok((base, http, runtime))
    }
}

fn parse_base_url(text: &str, set_by: &str) -> Result<Url, Error> {
    let parsed = Url::parse(text.trim());
    // Never echo userinfo: it may hold a password.
    let shown = match &parsed {
        Ok(url) => {
            let mut shown = url.clone();
            let _ = shown.set_username("");
            let _ = shown.set_password(None);
            shown.to_string()
        }
        Err(_) if text.contains('@') => "(not shown: it contains '@')".to_owned(),
        Err(_) => text.to_owned(),
    };
    let invalid =
        |why: String| Error::Config(format!("invalid base URL {shown:?} ({set_by}): {why}"));
    let mut url = parsed.map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid("the scheme must be https or http".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not carry credentials; use ClientBuilder::credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment".into()));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
