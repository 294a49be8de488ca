//! A request's place in line while it waits, and its ticket once let
//! through: held until its answer is read, which teaches the pace.

use std::time::Duration;

use reqwest::StatusCode;
use tokio::time::Instant;

use super::bucket::Bucket;
use super::{Pace, scope_of};
use crate::model::rate_limit::RateLimit;

/// A request's place in its bucket's line; a request that stops waiting
/// (its call was dropped) leaves the line.
pub(super) struct Place<'a> {
    pub(super) pace: &'a Pace,
    pub(super) key: (String, u64),
    pub(super) number: u64,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if let Some(bucket) = self.pace.lock().buckets.get_mut(&self.key) {
            bucket.line.remove(&self.number);
        }
    }
}

/// A request let through: it holds its place in the bucket's requests in
/// flight until its answer is read (or it is dropped).
pub(crate) struct Ticket<'a> {
    pub(super) pace: &'a Pace,
    pub(super) scope: Option<String>,
    pub(super) bucket: Option<(String, u64)>,
    /// This request is its scope's first.
    pub(super) probe: bool,
    /// Its number in its bucket (`Bucket::admitted`), and the bucket's
    /// answers read when it went (`Bucket::reads`).
    pub(super) sequence: (u64, u64),
    /// Let through unpaced: an operation whose answers carry no headers.
    pub(super) unmetered: bool,
    pub(super) operation_id: &'static str,
}

impl<'a> Ticket<'a> {
    /// A ticket that has drawn on nothing yet.
    pub(super) fn new(pace: &'a Pace, operation_id: &'static str) -> Self {
        Self {
            pace,
            scope: None,
            bucket: None,
            probe: false,
            sequence: (0, 0),
            unmetered: false,
            operation_id,
        }
    }
}

impl Ticket<'_> {
    /// Reads an attempt's answer: its rate-limit headers, and a `429`.
    pub(crate) fn answered(
        mut self,
        url: &reqwest::Url,
        status: StatusCode,
        reported: Option<RateLimit>,
        retry_after: Option<Duration>,
    ) {
        let scope = match self.scope.take() {
            Some(scope) => scope,
            // Unpaced, until an answer brings the headers or a 429.
            None if self.unmetered
                && (status == StatusCode::TOO_MANY_REQUESTS || reported.is_some()) =>
            {
                match scope_of(url.path()) {
                    Some(scope) => scope,
                    None => return self.pace.remember(reported),
                }
            }
            None => return self.pace.remember(reported),
        };
        let mut state = self.pace.lock();
        let now = Instant::now();
        let drew_on = self.bucket.take();
        if let Some(bucket) = drew_on.as_ref().and_then(|key| state.buckets.get_mut(key)) {
            bucket.in_flight = bucket.in_flight.saturating_sub(1);
        }
        if std::mem::take(&mut self.probe) {
            state.probing.remove(&scope);
        }
        if reported.is_some() {
            state.last_reported = reported;
            state.unmetered.remove(self.operation_id);
        } else if status != StatusCode::TOO_MANY_REQUESTS {
            state.unmetered.insert(self.operation_id);
        }
        let refused = status == StatusCode::TOO_MANY_REQUESTS;
        let mut refill = None;
        if let Some(RateLimit { limit, remaining }) = reported {
            state.capacity_of.insert(self.operation_id, limit);
            let key = (scope.clone(), limit);
            // The request's numbers count only in the bucket it drew on.
            let drew = (drew_on.as_ref() == Some(&key)).then_some(self.sequence);
            let bucket = state
                .buckets
                .entry(key)
                .or_insert_with(|| Bucket::new(limit, now));
            if refused {
                bucket.refused += 1;
            }
            bucket.observe(remaining, drew, now);
            if refused {
                bucket.refill *= 0.8;
                bucket.tokens = 0.0;
            }
            refill = Some(bucket.refill);
        }
        if refused {
            // Without `Retry-After`, the time one request takes to refill.
            let wait = retry_after
                .or_else(|| refill.map(|r| Duration::from_secs_f64((1.0 / r).min(60.0))))
                .unwrap_or(Duration::from_secs(1));
            let until = now + wait;
            state.barriers.retain(|_, until| *until > now);
            let barrier = state.barriers.entry(scope).or_insert(until);
            *barrier = (*barrier).max(until);
        }
    }
}

impl Drop for Ticket<'_> {
    /// A request that got no answer (a transport error, or the call was
    /// dropped) gives its place back.
    fn drop(&mut self) {
        if self.bucket.is_none() && !self.probe {
            return;
        }
        let mut state = self.pace.lock();
        if let Some(key) = self.bucket.take()
            && let Some(bucket) = state.buckets.get_mut(&key)
        {
            bucket.in_flight = bucket.in_flight.saturating_sub(1);
        }
        if self.probe
            && let Some(scope) = &self.scope
        {
            state.probing.remove(scope);
        }
    }
}
