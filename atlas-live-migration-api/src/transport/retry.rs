//! Retrying: which failures are worth another attempt for which method, and
//! how long to wait before it (exponential backoff with full jitter, never
//! sooner than the server's `Retry-After`).

use std::time::Duration;

use reqwest::{Method, StatusCode};

/// How often and how long a call is retried.
///
/// GET, PUT and DELETE are retried after HTTP 429, 502, 503 and 504 and after
/// transport failures (refused or dropped connections, timeouts). POST and
/// PATCH are retried only when Atlas certainly did not act on them: after
/// 429, or when the connection failed before the request was written. A POST
/// that got a 5xx, timed out or lost its connection is never sent again:
/// creating a migration twice is worse than an error. No other status is
/// retried.
///
/// ```
/// use std::time::Duration;
/// use atlas_live_migration_api::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_max_attempts(8)
///     .with_backoff(Duration::from_secs(1), Duration::from_secs(60))
///     .with_max_elapsed(Duration::from_secs(600));
/// assert_eq!(patient.max_attempts(), 8);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, backoff from 500 ms doubling up to 30 s, 2 minutes in all.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts per call, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry, doubling each time up to `max`.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// No retry starts, or waits, past this time since the call began
    /// (not counting the time the call waited for Atlas's rate-limit budget).
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Attempts per call, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The budget of time for one call's retries.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The wait before attempt `attempt + 1`: full jitter over the doubled
    /// backoff, raised to `retry_after` when the server asked for more.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self
            .initial_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        let jittered = doubled.mul_f64(fastrand::f64());
        jittered.max(retry_after.unwrap_or_default())
    }
}

/// When a request of some method may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resendable {
    /// Idempotent (GET, PUT, DELETE, …): sending it twice does no harm.
    Always,
    /// POST, PATCH: only when the server certainly did not act on it.
    IfNotActedOn,
}

impl Resendable {
    pub(crate) fn of(method: &Method) -> Self {
        if method.is_idempotent() {
            Self::Always
        } else {
            Self::IfNotActedOn
        }
    }

    /// After a response with this status.
    pub(crate) fn after_status(self, status: StatusCode) -> bool {
        match self {
            Self::Always => matches!(status.as_u16(), 429 | 502 | 503 | 504),
            // A rate-limited request was refused before any work.
            Self::IfNotActedOn => status == StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// After a transport failure. (reqwest reports a connection lost while
    /// reading a body as a decode error; this client never uses reqwest's
    /// own JSON decoding, so those are transport failures too.)
    pub(crate) fn after_error(self, error: &reqwest::Error) -> bool {
        match self {
            Self::Always => !(error.is_builder() || error.is_redirect() || error.is_status()),
            // Only a connection that was never made: nothing was written.
            Self::IfNotActedOn => error.is_connect(),
        }
    }
}
