//! Atlas's rate limit as the mock plays it: a token bucket per project and
//! per organization.

use std::time::Instant;

use super::State;

/// A token bucket as Atlas's: a request takes one, and it refills at a
/// steady rate up to its capacity.
pub(crate) struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes a token: `Ok(left)`, or `Err(seconds until one is there)`.
    fn take(&mut self) -> Result<u64, u64> {
        let now = Instant::now();
        let refilled = now.duration_since(self.at).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refilled).min(self.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(self.tokens as u64)
        } else {
            Err(((1.0 - self.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

/// An API request takes a token from its scope's bucket: the bucket's
/// capacity and `Ok(tokens left)` or `Err(seconds until one refills)`;
/// `None` outside the API.
pub(crate) fn take_token(state: &mut State, path: &str) -> Option<(u64, Result<u64, u64>)> {
    let rest = path.strip_prefix("/api/atlas/")?;
    let mut segments = rest.split('/').skip(1);
    let scope = match (segments.next(), segments.next()) {
        (Some(kind @ ("groups" | "orgs")), Some(id)) => format!("{kind}/{id}"),
        _ => "user".to_owned(),
    };
    let (capacity, per) = match state.scenario.rate_limit {
        Some((capacity, per)) => (f64::from(capacity), capacity as f64 / per.as_secs_f64()),
        None if scope.starts_with("orgs/") => (500.0, 250.0 / 60.0),
        None => (1200.0, 500.0 / 60.0),
    };
    let bucket = state.buckets.entry(scope).or_insert_with(|| Bucket {
        capacity,
        per_second: per,
        tokens: capacity,
        at: Instant::now(),
    });
    Some((capacity as u64, bucket.take()))
}
