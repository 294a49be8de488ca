//! A stand-in for the Atlas live-migration API on 127.0.0.1: the
//! command-line tool's `demo` and the tests run against it.
//!
//! It plays migrations through their lifecycle, as many at once as are
//! created (a validation that passes or fails, a create, replication with
//! shrinking lag, ready for cutover, a cutover, complete), answers as the
//! real Atlas does, not as its spec says (201 for a link token,
//! `;charset=utf-8` media types, Atlas's rate limit as token buckets per
//! project and organization with `RateLimit-*` headers on every answer and
//! `429` with `Retry-After` when one is empty, Atlas errors with
//! `parameters` as strings or `null` and an `X-Error-Code` header,
//! `envelope=true`, the service-account token exchange), decodes
//! each request body into the generated types, and records every request so
//! that a test can check what went on the wire.
//!
//! - `scenario.rs`: how its migrations go ([`Scenario`]);
//! - `server.rs`: the HTTP server, with Atlas's headers;
//! - `buckets.rs`: Atlas's rate limit, a token bucket per scope;
//! - `routes.rs`: what it answers to each request, or an answer it loses;
//! - `fixtures.rs`: the bodies (validations, jobs through their lifecycle).

#![forbid(unsafe_code)]

mod buckets;
mod fixtures;
mod routes;
mod scenario;
mod server;
mod source;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::net::TcpListener;

use buckets::Bucket;
pub use scenario::{Scenario, SourceDeployment, SourceProject};
use server::serve;

/// One request as the mock received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query, without `?` (empty when none).
    pub query: String,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl RecordedRequest {
    /// The first value of the header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The IDs the mock answers with.
pub const GROUP_ID: &str = "32b6e34b3d91647abb20e7b8";
/// The migration the first create POST creates (the next ones count up
/// from it: [`live_migration_id`]).
pub const LIVE_MIGRATION_ID: &str = "6296fb4c7c7aa997cf94e9a8";
/// The validation the first validate POST starts ([`validation_id`]).
pub const VALIDATION_ID: &str = "507f1f77bcf86cd799439011";

/// The ID of the `n`th migration created (0 is [`LIVE_MIGRATION_ID`]).
pub fn live_migration_id(n: usize) -> String {
    nth_id(LIVE_MIGRATION_ID, n)
}

/// The ID of the `n`th validation started (0 is [`VALIDATION_ID`]).
pub fn validation_id(n: usize) -> String {
    nth_id(VALIDATION_ID, n)
}

fn nth_id(first: &str, n: usize) -> String {
    let first = u128::from_str_radix(first, 16).unwrap_or_default();
    format!("{:024x}", first + n as u128)
}
/// The organization of the link-token and available-projects calls.
pub const ORG_ID: &str = "4888442a3354817a7320eb61";
/// The link token the mock issues.
pub const LINK_TOKEN: &str = "bW9jay1saW5rLXRva2VuLWZvci1kZW1vLW9ubHk=";
const ACCESS_TOKEN: &str = "mock-access-token";
/// The source organization in the mock's Cloud Manager.
pub const SOURCE_ORG_ID: &str = "5e2211c17a3e5a48f5497de0";
/// The Cloud Manager API key the mock's source side takes (HTTP Digest),
/// unless the scenario names another ([`Scenario::source_api_key`]).
pub const SOURCE_API_KEY: (&str, &str) = ("source-public", "source-private-key-for-the-mock");

/// A running mock. It serves until dropped.
pub struct MockAtlas {
    base_url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct State {
    scenario: Scenario,
    requests: Vec<RecordedRequest>,
    /// Per validation started: the polls it has had.
    validations: Vec<usize>,
    jobs: Vec<Job>,
    /// A link token was created and not deleted since.
    linked: bool,
    /// The source organization's link, once Cloud Manager took a token.
    source_link: Option<SourceLink>,
    /// The Digest nonces the source side issued.
    nonces: Vec<String>,
    /// Per scope (`groups/<id>`, `orgs/<id>`).
    buckets: HashMap<String, Bucket>,
    rate_limited: usize,
    /// Creates refused because their migration host ran another unfinished
    /// migration.
    busy_host_refused: usize,
}

/// The source organization's link in the mock's Cloud Manager.
struct SourceLink {
    /// The token it was given.
    token: String,
    /// Status reads since.
    status_reads: usize,
}

#[derive(Default)]
struct Job {
    /// The destination cluster its create named.
    cluster: Option<String>,
    /// The migration host its create named.
    host: Option<String>,
    polls: usize,
    cutover_at_poll: Option<usize>,
    /// The lag its last poll reported when the cutover came.
    lag_at_cutover: Option<u32>,
    /// When a poll first reported it ready for cutover (or, with
    /// `ready_after`, when it became ready): its timer runs.
    ready_at: Option<Instant>,
    /// When its create came.
    created_at: Option<Instant>,
    /// Its cutover's answer was held back once already.
    cutover_answer_held: bool,
}

impl MockAtlas {
    /// Starts the mock on 127.0.0.1 (a free port).
    pub async fn start(scenario: Scenario) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let jobs = if scenario.job_exists {
            vec![Job::default()]
        } else {
            Vec::new()
        };
        let state = Arc::new(Mutex::new(State {
            jobs,
            scenario,
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Ok(Self {
            base_url,
            state,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// How many requests were answered `429` (their bucket was empty).
    pub fn rate_limited(&self) -> usize {
        self.lock().rate_limited
    }

    /// How many creates were refused because their migration host ran
    /// another migration that had not ended (`COMPLETE`, `FAILED`,
    /// `EXPIRED`): each push live migration uses its own dedicated host.
    pub fn busy_host_refused(&self) -> usize {
        self.lock().busy_host_refused
    }

    /// For each migration cut over, in creation order: the lag its last
    /// poll reported when the cutover came.
    pub fn lags_at_cutover(&self) -> Vec<Option<u32>> {
        let state = self.lock();
        state
            .jobs
            .iter()
            .filter(|job| job.cutover_at_poll.is_some())
            .map(|job| job.lag_at_cutover)
            .collect()
    }

    /// For each migration created, in order: when it became ready for
    /// cutover, as the wall clock reads (`None`: not yet, or not known).
    pub fn ready_since(&self) -> Vec<Option<std::time::SystemTime>> {
        let state = self.lock();
        let now = (Instant::now(), std::time::SystemTime::now());
        (0..state.jobs.len())
            .map(|n| {
                fixtures::ready_at(&state, n).map(|at| now.1 - now.0.saturating_duration_since(at))
            })
            .collect()
    }

    /// The link token the mock's Cloud Manager was given and holds, if its
    /// source organization is linked.
    pub fn source_link_token(&self) -> Option<String> {
        self.lock().source_link.as_ref().map(|l| l.token.clone())
    }

    /// Whether the Atlas organization holds a link token (made, and not
    /// removed since).
    pub fn atlas_link_token_exists(&self) -> bool {
        self.lock().linked
    }

    /// How many migrations were created.
    pub fn created(&self) -> usize {
        self.lock().jobs.len()
    }

    /// The migrations created, in order: each one's ID and the destination
    /// cluster its create named.
    pub fn jobs(&self) -> Vec<(String, Option<String>)> {
        let state = self.lock();
        (state.jobs.iter().enumerate())
            .map(|(n, job)| (live_migration_id(n), job.cluster.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for MockAtlas {
    fn drop(&mut self) {
        self.task.abort();
    }
}
