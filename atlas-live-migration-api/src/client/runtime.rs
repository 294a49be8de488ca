//! The client's own state, carried by the generated `Client` as its inner
//! value (progenitor's `with_inner_type`) and used by the hooks.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::auth::Auth;
use crate::client::versioning::DeprecationNotice;
use crate::transport::retry::RetryPolicy;

/// Per-client runtime state: authentication (with its token cache or Digest
/// nonce), the API version, the retry policy and timeouts. Cloning shares it.
///
/// Build clients with [`Client::builder`](crate::Client::builder).
/// `ClientRuntime::default()` is the unauthenticated runtime with default
/// settings, which progenitor's own [`Client::new`](crate::Client::new)
/// takes; that constructor builds a `reqwest::Client` without this crate's
/// TLS configuration, so it works only where the process has installed a
/// rustls crypto provider.
#[derive(Clone, Default)]
pub struct ClientRuntime {
    pub(crate) shared: Arc<Shared>,
    /// `Accept` for every request when a version was pinned; built once.
    pub(crate) accept_override: Option<HeaderValue>,
}

pub(crate) struct Shared {
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
    /// Set on each attempt's request. `None` when the `reqwest::Client` was
    /// built here with the limit as its own: a per-request limit costs a map
    /// in the request's extensions on every attempt.
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) legacy_v1: bool,
    /// The latest notice; `None` until the first, which is logged.
    pub(crate) deprecation: Mutex<Option<DeprecationNotice>>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            auth: Auth::None,
            retry: RetryPolicy::default(),
            request_timeout: Some(super::DEFAULT_TIMEOUT),
            legacy_v1: false,
            deprecation: Mutex::new(None),
        }
    }
}

impl ClientRuntime {
    pub(crate) fn deprecation_notice(&self) -> Option<DeprecationNotice> {
        self.shared
            .deprecation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Keeps the notice; the first one is also logged as a warning.
    pub(crate) fn note_deprecation(&self, notice: DeprecationNotice) {
        let mut kept = self
            .shared
            .deprecation
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if kept.is_none() {
            tracing::warn!(
                deprecation = %notice.deprecation,
                sunset = notice.sunset.as_deref().unwrap_or("unknown"),
                "Atlas reports that the API version in use is deprecated; \
                 move to a newer version date (ClientBuilder::api_version)"
            );
        }
        *kept = Some(notice);
    }
}

impl fmt::Debug for ClientRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        let auth = match &shared.auth {
            Auth::None => "none".to_owned(),
            Auth::Digest(digest) => format!("digest (public key {})", digest.username()),
            Auth::ServiceAccount(tokens) => format!("service account {}", tokens.client_id()),
        };
        f.debug_struct("ClientRuntime")
            .field("auth", &auth)
            .field("accept_override", &self.accept_override)
            .field("retry", &shared.retry)
            .field("request_timeout", &shared.request_timeout)
            .field("legacy_v1", &shared.legacy_v1)
            .finish()
    }
}
