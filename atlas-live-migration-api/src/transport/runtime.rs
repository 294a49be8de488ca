//! The client's own state, carried by the generated `Client` as its inner
//! value (progenitor's `with_inner_type`) and used by the hooks.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::auth::Auth;
use crate::model::Service;
use crate::model::rate_limit::RateLimit;
use crate::model::versioning::{DeprecationNotice, PinnedVersion};
use crate::transport::pace::Pace;
use crate::transport::retry::RetryPolicy;

/// Per-client runtime state: authentication (with its token cache or Digest
/// nonce), the API version, the retry policy and timeouts. Cloning shares it.
///
/// There is one way to make one: [`Client::builder`](crate::Client::builder),
/// which decides every setting. It is public only because the generated
/// `Client` names it; it has no constructor of its own, so progenitor's
/// `Client::new` cannot be called with a runtime of other settings.
#[derive(Clone)]
pub struct ClientRuntime {
    pub(crate) shared: Arc<Shared>,
    /// The version every request asks for, when one was pinned.
    pub(crate) pinned: Option<PinnedVersion>,
}

pub(crate) struct Shared {
    pub(crate) auth: Auth,
    pub(crate) retry: RetryPolicy,
    /// The per-attempt limit to set on each request, API and token
    /// endpoint alike. `None` when the `reqwest::Client` was built with the
    /// limit as its own: a per-request limit costs a map in the request's
    /// extensions on every attempt. Decided by the builder.
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) surface: Surface,
    /// The latest notice; `None` until the first, which is logged.
    pub(crate) deprecation: Mutex<Option<DeprecationNotice>>,
    /// The rate-limit headers of the last answer that had them.

    /// The rate-limit budget every clone's requests wait for.
    pub(crate) pace: Pace,
}

/// Which API the client calls, and so how its requests are dressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// Atlas v2: versioned media types.
    Atlas,
    /// Atlas's legacy v1.0 surface: plain JSON, `/api/atlas/v1.0/` paths.
    AtlasLegacyV1,
    /// Cloud Manager's (or Ops Manager's) Public API v1.0: plain JSON, the
    /// paths as generated.
    CloudManager,
}

impl Surface {
    /// Who answers on this surface.
    pub(crate) fn service(self) -> Service {
        match self {
            Surface::Atlas | Surface::AtlasLegacyV1 => Service::Atlas,
            Surface::CloudManager => Service::CloudManager,
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

    pub(crate) fn rate_limit(&self) -> Option<RateLimit> {
        self.shared.pace.last_reported()
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
            .field("pinned", &self.pinned.as_ref().map(|p| p.version))
            .field("retry", &shared.retry)
            .field("request_timeout", &shared.request_timeout)
            .field("surface", &shared.surface)
            .field("pace", &shared.pace)
            .finish()
    }
}
