//! Pacing: a request waits for Atlas's rate-limit budget instead of
//! spending it, so that a client working inside its budget gets no `429`.
//!
//! Atlas counts requests in token buckets, one per set of endpoints and per
//! scope: the project (`/groups/{groupId}/…`), the organization
//! (`/orgs/{orgId}/…`) or the user (everything else). Nearly every answer
//! says how full the bucket it drew on is (`RateLimit-Limit`, its capacity,
//! and `RateLimit-Remaining`); no header says how fast it refills.
//!
//! So every clone of a client shares one [`Pace`], which keeps, per scope
//! and capacity (the operations of one scope that report one capacity are
//! taken to share a bucket, as the family's group operations do):
//!
//! - the budget left: the last `RateLimit-Remaining`, less the requests
//!   Atlas may not have counted in it yet, plus what the bucket refilled
//!   since (at 95 % of the rate learned);
//! - the refill rate, learned from two answers at least 2 s and 20 tokens
//!   apart (how much more was left than the requests let through between
//!   them explain), each new measure weighed against the last. Until it is
//!   learned it is taken as the capacity per 150 s (below the 0.4–0.5 of
//!   the capacity a minute that Atlas documents for its buckets), and at
//!   least one request a second;
//! - after a `429`, a barrier until its `Retry-After` for the whole scope,
//!   and a refill rate taken down by a fifth.
//!
//! Before each attempt a request waits while the budget is at or below the
//! reserve ([`ClientBuilder::rate_limit_reserve`](crate::ClientBuilder::rate_limit_reserve)).
//! An operation not yet answered draws on the scope's smallest known
//! bucket; in a scope of which nothing is known yet, one request goes
//! first and the others wait for its answer, so that a fleet's first
//! requests do not all go at once. An operation whose answer carried no
//! headers is not held back, except by a barrier: without them there is
//! nothing to pace by, and the retry loop still waits out a `429`.

mod bucket;
mod ticket;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::model::rate_limit::RateLimit;
use bucket::Bucket;
use ticket::Place;
pub(crate) use ticket::Ticket;

/// A refill rate until one is learned: the capacity per this many seconds.
const DEFAULT_REFILL_PERIOD_SECS: f64 = 150.0;
/// Two answers closer than this tell nothing reliable about the refill:
/// the requests in flight blur what was spent between them.
const MIN_SAMPLE_GAP: Duration = Duration::from_secs(2);
/// Nor do two answers between which fewer tokens refilled: Atlas reports
/// whole tokens, so a measure of fewer could be off by a tenth or more.
const MIN_SAMPLE_TOKENS: f64 = 20.0;
/// The longest a waiting request sleeps before it looks again.
const MAX_NAP: Duration = Duration::from_secs(30);
/// How often a request waiting for a scope's first answer looks again.
const PROBE_NAP: Duration = Duration::from_millis(10);
/// The share of the learned refill rate that the pace spends.
const REFILL_SPENT: f64 = 0.95;

/// The shared pace of one client and its clones.
#[derive(Debug)]
pub(crate) struct Pace {
    /// `None`: pacing is off.
    reserve: Option<u64>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    buckets: HashMap<(String, u64), Bucket>,
    /// The capacity each operation's answers last reported: its bucket.
    capacity_of: HashMap<&'static str, u64>,
    /// Per scope: no request before this instant (a `429`'s `Retry-After`).
    barriers: HashMap<String, Instant>,
    /// Scopes whose first request is out, its answer awaited.
    probing: HashSet<String>,
    /// Operations whose answers carry no rate-limit headers.
    unmetered: HashSet<&'static str>,
    /// The last answer's `RateLimit-*`, as `Client::rate_limit()` gives it.
    last_reported: Option<RateLimit>,
}

/// What one look at a request's scope decides.
enum Decision {
    /// It goes now.
    Go,
    /// It looks again after this long.
    Wait(Duration),
}

impl Pace {
    pub(crate) fn new(reserve: Option<u64>) -> Self {
        Self {
            reserve,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `RateLimit-Limit` and `RateLimit-Remaining` of the last answer that
    /// had them.
    pub(crate) fn last_reported(&self) -> Option<RateLimit> {
        self.lock().last_reported
    }

    /// Keeps an answer's `RateLimit-*` that taught the pace nothing.
    fn remember(&self, reported: Option<RateLimit>) {
        if reported.is_some() {
            self.lock().last_reported = reported;
        }
    }

    /// Waits until the request to `url` may go.
    pub(crate) async fn admit(&self, url: &reqwest::Url, operation_id: &'static str) -> Ticket<'_> {
        let mut ticket = Ticket::new(self, operation_id);
        let Some(reserve) = self.reserve else {
            return ticket;
        };
        // The common case against a server without the headers, in one
        // look: nothing to wait for.
        if self.lock().unpaced(operation_id) {
            ticket.unmetered = true;
            return ticket;
        }
        let Some(scope) = scope_of(url.path()) else {
            return ticket;
        };
        ticket.scope = Some(scope.clone());
        // This request's place in its bucket's line, once it has to wait.
        let mut place: Option<Place<'_>> = None;
        loop {
            let decision = self
                .lock()
                .decide(self, &scope, reserve, &mut place, &mut ticket);
            match decision {
                Decision::Go => {
                    drop(place);
                    return ticket;
                }
                Decision::Wait(nap) => {
                    tracing::debug!(
                        operation_id,
                        wait_ms = nap.as_millis() as u64,
                        "waiting for Atlas's rate-limit budget"
                    );
                    tokio::time::sleep(nap.min(MAX_NAP)).await;
                }
            }
        }
    }
}

impl State {
    /// An operation whose answers carry no headers, with no barrier up:
    /// nothing to pace it by.
    fn unpaced(&self, operation_id: &str) -> bool {
        let now = Instant::now();
        self.unmetered.contains(operation_id) && self.barriers.values().all(|until| *until <= now)
    }

    /// The bucket a request of `operation_id` draws on: its own, else the
    /// scope's smallest known one.
    fn bucket_of(&self, scope: &str, operation_id: &str) -> Option<(String, u64)> {
        match self.capacity_of.get(operation_id) {
            Some(capacity) => Some((scope.to_owned(), *capacity)),
            None => self
                .buckets
                .keys()
                .filter(|(s, _)| s == scope)
                .min_by_key(|(_, capacity)| *capacity)
                .cloned(),
        }
    }

    /// One look: a barrier holds the whole scope; an unmetered operation
    /// goes; a scope of which nothing is known lets its first request go
    /// and holds the others; else the request goes when it is first in its
    /// bucket's line and the budget is above the reserve, and otherwise
    /// takes a place in the line and waits for the tokens it lacks.
    fn decide<'p>(
        &mut self,
        pace: &'p Pace,
        scope: &str,
        reserve: u64,
        place: &mut Option<Place<'p>>,
        ticket: &mut Ticket<'p>,
    ) -> Decision {
        let now = Instant::now();
        if let Some(until) = self.barriers.get(scope).filter(|until| **until > now) {
            return Decision::Wait(*until - now);
        }
        if self.unmetered.contains(ticket.operation_id) {
            return Decision::Go;
        }
        let key = self.bucket_of(scope, ticket.operation_id);
        let Some((key, bucket)) = key.and_then(|key| {
            let bucket = self.buckets.get_mut(&key)?;
            Some((key, bucket))
        }) else {
            if self.probing.contains(scope) {
                return Decision::Wait(PROBE_NAP);
            }
            self.probing.insert(scope.to_owned());
            ticket.probe = true;
            return Decision::Go;
        };
        bucket.refill_to(now);
        let needed = reserve as f64 + 1.0;
        let mine = place.as_ref().map(|p| p.number);
        if bucket.is_turn(mine) && bucket.tokens >= needed {
            ticket.sequence = bucket.take(mine);
            ticket.bucket = Some(key);
            return Decision::Go;
        }
        if place.is_none() {
            *place = Some(Place {
                pace,
                number: bucket.join_line(),
                key,
            });
        }
        Decision::Wait(bucket.time_to(needed))
    }
}

/// The scope of Atlas's bucket a path draws on: `groups/{id}`,
/// `orgs/{id}`, or `user`; `None` outside the API (the token endpoint).
pub(super) fn scope_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/atlas/")?;
    let mut segments = rest.split('/').skip(1);
    Some(match (segments.next(), segments.next()) {
        (Some(kind @ ("groups" | "orgs")), Some(id)) if !id.is_empty() => format!("{kind}/{id}"),
        _ => "user".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::bucket::default_refill;
    use super::*;
    use reqwest::StatusCode;

    fn headers(limit: u64, remaining: u64) -> Option<RateLimit> {
        Some(RateLimit { limit, remaining })
    }

    fn url(path: &str) -> reqwest::Url {
        reqwest::Url::parse(&format!("https://cloud.mongodb.com{path}")).unwrap()
    }

    #[test]
    fn scopes_are_project_organization_or_user() {
        assert_eq!(
            scope_of("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations").as_deref(),
            Some("groups/32b6e34b3d91647abb20e7b8")
        );
        assert_eq!(
            scope_of("/api/atlas/v2/orgs/4888442a3354817a7320eb61/liveMigrations/linkTokens")
                .as_deref(),
            Some("orgs/4888442a3354817a7320eb61")
        );
        assert_eq!(
            scope_of("/api/atlas/v2/rateLimits").as_deref(),
            Some("user")
        );
        assert_eq!(scope_of("/api/oauth/token"), None);
    }

    #[test]
    fn the_refill_is_learned_from_what_was_left_and_what_was_spent() {
        let start = Instant::now();
        let mut bucket = Bucket::new(100, start);
        bucket.observe(50, Some((1, 0)), start);
        // Requests 2 to 31 spent 30 in 2 s, and 10 more are left: 20
        // refilled a second.
        bucket.observe(50, Some((2, 1)), start + Duration::from_millis(500));
        bucket.observe(60, Some((31, 2)), start + Duration::from_secs(2));
        assert!(
            (bucket.refill - 2.0).abs() < 1e-9,
            "at most twice the default"
        );
        assert!(bucket.learned);
        // 4 s later 40 more are left after 60 more requests: 25 a second,
        // and the rate moves halfway to twice what it was.
        bucket.observe(100 - 1, Some((91, 3)), start + Duration::from_secs(6));
        assert!((bucket.refill - 3.0).abs() < 1e-9, "{}", bucket.refill);
    }

    #[test]
    fn a_measure_of_few_tokens_waits_for_more() {
        let start = Instant::now();
        let mut bucket = Bucket::new(100, start);
        bucket.observe(50, Some((1, 0)), start);
        // 5 s, but only 4 tokens refilled: Atlas's whole numbers could make
        // that 3 or 5. The sample stays, and a later answer measures.
        bucket.observe(50, Some((5, 1)), start + Duration::from_secs(5));
        assert!(!bucket.learned);
        bucket.observe(48, Some((25, 2)), start + Duration::from_secs(10));
        assert!(bucket.learned);
        assert!((bucket.refill - 2.0).abs() < 1e-9, "{}", bucket.refill);
    }

    #[test]
    fn requests_refused_with_429_took_no_token() {
        let start = Instant::now();
        let mut bucket = Bucket::new(100, start);
        bucket.refill = 20.0;
        bucket.observe(0, Some((1, 0)), start);
        // 40 requests in 2 s, 20 of them refused: 20 spent, 20 refilled.
        bucket.refused = 20;
        bucket.observe(0, Some((41, 1)), start + Duration::from_secs(2));
        assert!((bucket.refill - 10.0).abs() < 1e-9, "{}", bucket.refill);
    }

    #[test]
    fn answers_read_since_a_request_went_may_be_uncounted_in_its_answer() {
        let start = Instant::now();
        let mut bucket = Bucket::new(100, start);
        bucket.in_flight = 2;
        // Request 7 went when 3 answers were read; 2 more were read since,
        // and 2 requests are in flight: 4 that its 10 may not count.
        bucket.reads = 5;
        bucket.observe(10, Some((7, 3)), start);
        assert_eq!(bucket.tokens, 6.0);
    }

    #[test]
    fn a_full_bucket_teaches_nothing() {
        let start = Instant::now();
        let mut bucket = Bucket::new(100, start);
        bucket.observe(100, Some((1, 0)), start);
        bucket.observe(100, Some((2, 1)), start + Duration::from_secs(5));
        assert!(!bucket.learned);
        assert_eq!(bucket.refill, 1.0);
        assert_eq!(default_refill(1200), 8.0);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_wait_at_the_reserve_and_go_as_the_bucket_refills() {
        let pace = Pace::new(Some(2));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        // Nothing known yet: the first request goes.
        let ticket = pace.admit(&job, "op").await;
        ticket.answered(&job, StatusCode::OK, headers(150, 4), None);
        // 4 left, a reserve of 2: two go at once, the third waits one
        // token's refill (150 per 150 s: one a second).
        let started = tokio::time::Instant::now();
        for _ in 0..2 {
            drop(pace.admit(&job, "op").await);
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        drop(pace.admit(&job, "op").await);
        let waited = started.elapsed();
        // One token at 95 % of one a second.
        assert!(
            waited >= Duration::from_millis(1000) && waited <= Duration::from_millis(1100),
            "{waited:?}"
        );
        // Another scope is not held back.
        let other = url("/api/atlas/v2/orgs/4888442a3354817a7320eb61/liveMigrations/linkTokens");
        let before = tokio::time::Instant::now();
        drop(pace.admit(&other, "op").await);
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_the_whole_scope_until_retry_after() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        let ticket = pace.admit(&job, "get").await;
        ticket.answered(
            &job,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(Duration::from_secs(7)),
        );
        let started = tokio::time::Instant::now();
        // Another operation of the scope, whose bucket is unknown, waits too.
        drop(pace.admit(&job, "other").await);
        assert!(started.elapsed() >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_request_of_a_scope_goes_alone_and_teaches_the_others() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        let first = pace.admit(&job, "get").await;
        // A second request, of another operation, waits for the answer.
        let second = pace.admit(&job, "validate");
        tokio::pin!(second);
        assert!(
            tokio::time::timeout(Duration::from_secs(1), &mut second)
                .await
                .is_err()
        );
        first.answered(&job, StatusCode::OK, headers(100, 1), None);
        let second = second.await;
        // It drew on the one bucket known: none left for a third now.
        assert_eq!(
            second.bucket,
            Some(("groups/32b6e34b3d91647abb20e7b8".into(), 100))
        );
        drop(second);
        let started = tokio::time::Instant::now();
        drop(pace.admit(&job, "validate").await);
        assert!(started.elapsed() >= Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn answers_without_the_headers_leave_the_operation_unpaced() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        pace.admit(&job, "get")
            .await
            .answered(&job, StatusCode::OK, None, None);
        let started = tokio::time::Instant::now();
        let (one, two) = tokio::join!(pace.admit(&job, "get"), pace.admit(&job, "get"));
        assert_eq!(started.elapsed(), Duration::ZERO);
        drop((one, two));
    }

    #[tokio::test(start_paused = true)]
    async fn an_older_request_answered_later_tells_an_older_budget() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        pace.admit(&job, "op")
            .await
            .answered(&job, StatusCode::OK, headers(150, 3), None);
        let older = pace.admit(&job, "op").await;
        let newer = pace.admit(&job, "op").await;
        newer.answered(&job, StatusCode::OK, headers(150, 0), None);
        // Atlas counted both when it answered the newer; the older's
        // answer, read later, says 1 was left before the newer came.
        older.answered(&job, StatusCode::OK, headers(150, 1), None);
        let started = tokio::time::Instant::now();
        drop(pace.admit(&job, "op").await);
        assert!(started.elapsed() >= Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_go_in_the_order_they_came() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        pace.admit(&job, "op")
            .await
            .answered(&job, StatusCode::OK, headers(150, 0), None);
        let order = Mutex::new(Vec::new());
        let waiter = |n: u32| {
            let (pace, job, order) = (&pace, &job, &order);
            async move {
                // Later ones come later.
                tokio::time::sleep(Duration::from_millis(u64::from(n))).await;
                drop(pace.admit(job, "op").await);
                order.lock().unwrap().push(n);
            }
        };
        tokio::join!(waiter(1), waiter(2), waiter(3), waiter(4));
        assert_eq!(*order.lock().unwrap(), [1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unmetered_operation_is_paced_once_its_answers_bring_the_headers() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        pace.admit(&job, "op")
            .await
            .answered(&job, StatusCode::OK, None, None);
        pace.admit(&job, "op")
            .await
            .answered(&job, StatusCode::OK, headers(150, 0), None);
        let started = tokio::time::Instant::now();
        drop(pace.admit(&job, "op").await);
        assert!(started.elapsed() >= Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn a_barrier_that_has_passed_holds_nothing_back() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        pace.admit(&job, "op")
            .await
            .answered(&job, StatusCode::OK, None, None);
        pace.admit(&job, "op").await.answered(
            &job,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(Duration::from_secs(2)),
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        // The operation is unmetered again, and the barrier has passed.
        let ticket = pace.admit(&job, "op").await;
        assert!(ticket.unmetered);
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_off_never_waits() {
        let pace = Pace::new(None);
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        let ticket = pace.admit(&job, "op").await;
        ticket.answered(&job, StatusCode::OK, headers(100, 0), None);
        let started = tokio::time::Instant::now();
        drop(pace.admit(&job, "op").await);
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_count_against_the_budget() {
        let pace = Pace::new(Some(0));
        let job = url("/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/x");
        pace.admit(&job, "op")
            .await
            .answered(&job, StatusCode::OK, headers(150, 3), None);
        let first = pace.admit(&job, "op").await;
        let second = pace.admit(&job, "op").await;
        // One answered with 2 left; the other is still in flight: 1 left.
        first.answered(&job, StatusCode::OK, headers(150, 2), None);
        let started = tokio::time::Instant::now();
        drop(pace.admit(&job, "op").await);
        assert_eq!(started.elapsed(), Duration::ZERO);
        drop(pace.admit(&job, "op").await);
        assert!(started.elapsed() >= Duration::from_millis(900));
        drop(second);
    }
}
