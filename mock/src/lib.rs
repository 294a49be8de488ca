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

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the mock's migration goes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Scenario {
    /// The validation's status on each poll after the validate POST (which
    /// answers `PENDING`); the last one repeats.
    pub validation: Vec<&'static str>,
    /// The job on each poll before the cutover: (status, lag seconds,
    /// ready for cutover); the last one repeats.
    pub replication: Vec<(&'static str, Option<u32>, bool)>,
    /// Polls after the cutover before the job is `COMPLETE`.
    pub polls_to_complete: usize,
    /// Answer the create POST with this status and an Atlas error instead.
    pub fail_create: Option<u16>,
    /// The service account the token endpoint accepts; `None` accepts any
    /// request without checking its authorization.
    pub service_account: Option<(&'static str, &'static str)>,
    /// The migration exists from the start (no create needed).
    pub job_exists: bool,
    /// A member the spec's job lacks, sent in every answer with the job, as
    /// Atlas adds members before its spec lists them.
    pub job_member_unlisted: Option<(&'static str, serde_json::Value)>,
    /// The rate limit: each scope's bucket holds this many requests and
    /// refills as many in this time. `None`: Atlas's documented buckets
    /// for the family (1200 a project, refilled 500 a minute; 500 an
    /// organization, refilled 250 a minute).
    pub rate_limit: Option<(u32, Duration)>,
    /// The create of this destination cluster is carried out, but its
    /// answer never sent: the connection is closed, as when a network
    /// cuts it.
    pub lose_create_answer: Option<&'static str>,
    /// Atlas's cutover timer: a job ready for cutover this long without a
    /// cutover is `EXPIRED`. `None`: never (Atlas's is 120 hours).
    pub cutover_timer: Option<Duration>,
}

impl Default for Scenario {
    /// A validation that passes on the second poll, and a migration that is
    /// ready for cutover on its sixth poll and complete two polls after the
    /// cutover.
    fn default() -> Self {
        Self {
            validation: vec!["PENDING", "SUCCESS"],
            replication: vec![
                ("NEW", None, false),
                ("WORKING", Some(95), false),
                ("WORKING", Some(48), false),
                ("WORKING", Some(21), false),
                ("WORKING", Some(7), false),
                ("WORKING", Some(2), true),
            ],
            polls_to_complete: 2,
            fail_create: None,
            service_account: None,
            job_exists: false,
            job_member_unlisted: None,
            rate_limit: None,
            lose_create_answer: None,
            cutover_timer: None,
        }
    }
}

impl Scenario {
    /// The validation ends `FAILED` on its second poll.
    pub fn failing_validation(mut self) -> Self {
        self.validation = vec!["PENDING", "FAILED"];
        self
    }

    /// The create POST answers `status` (such as 500).
    pub fn failing_create(mut self, status: u16) -> Self {
        self.fail_create = Some(status);
        self
    }

    /// The token endpoint accepts only this client, and the API only the
    /// tokens it issued.
    pub fn service_account(mut self, client_id: &'static str, secret: &'static str) -> Self {
        self.service_account = Some((client_id, secret));
        self
    }

    /// The migration exists from the start, as if created earlier.
    pub fn job_exists(mut self) -> Self {
        self.job_exists = true;
        self
    }

    /// Every answer with the job has the member `name` with `value`, which
    /// the spec's job does not have.
    pub fn job_member_unlisted(mut self, name: &'static str, value: serde_json::Value) -> Self {
        self.job_member_unlisted = Some((name, value));
        self
    }

    /// Each scope's bucket holds `capacity` requests and refills
    /// `capacity` every `per`.
    pub fn rate_limit(mut self, capacity: u32, per: Duration) -> Self {
        self.rate_limit = Some((capacity, per));
        self
    }

    /// The create of `cluster_name` is carried out and its answer lost.
    pub fn lose_create_answer(mut self, cluster_name: &'static str) -> Self {
        self.lose_create_answer = Some(cluster_name);
        self
    }

    /// The job ends `FAILED` on its third poll.
    pub fn failing_migration(mut self) -> Self {
        self.replication = vec![
            ("NEW", None, false),
            ("WORKING", Some(30), false),
            ("FAILED", None, false),
        ];
        self
    }

    /// The job is ready for cutover on the first poll.
    pub fn ready_at_once(mut self) -> Self {
        self.replication = vec![("WORKING", Some(1), true)];
        self
    }

    /// Atlas's cutover timer, made short: a job ready this long without a
    /// cutover is `EXPIRED`.
    pub fn cutover_timer(mut self, timer: Duration) -> Self {
        self.cutover_timer = Some(timer);
        self
    }

    /// The job is ready for cutover on the first poll, with these lags on
    /// its polls (the last repeats): the lag falls while the source's
    /// writes drain, as it does once an application stops writing.
    pub fn ready_with_lags(mut self, lags: &[u32]) -> Self {
        self.replication = lags
            .iter()
            .map(|lag| ("WORKING", Some(*lag), true))
            .collect();
        self
    }
}

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
    /// Per scope (`groups/<id>`, `orgs/<id>`).
    buckets: HashMap<String, Bucket>,
    rate_limited: usize,
    /// Creates refused because their migration host ran another unfinished
    /// migration.
    busy_host_refused: usize,
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
    /// When a poll first reported it ready for cutover: its timer runs.
    ready_at: Option<Instant>,
}

/// A token bucket as Atlas's: a request takes one, and it refills at a
/// steady rate up to its capacity.
struct Bucket {
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

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(head_end) = read_head(&mut stream, &mut buffer).await else {
            return;
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.lines();
        let mut start = lines.next().unwrap_or_default().split_whitespace();
        let method = start.next().unwrap_or_default().to_owned();
        let target = start.next().unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0usize);
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
        buffer.drain(..head_end + length);
        let request = RecordedRequest {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body,
        };
        let ((status, content_type, body), bucket) = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests.push(request.clone());
            match take_token(&mut state, &request.path) {
                Some((limit, Err(retry_after))) => {
                    state.rate_limited += 1;
                    let refused = error(
                        429,
                        "RATE_LIMITED_TOKEN_BUCKET",
                        "You have exceeded the rate limit. Please wait and try again.",
                    );
                    (refused, Some((limit, 0, Some(retry_after))))
                }
                Some((limit, Ok(left))) => {
                    (answer(&mut state, &request), Some((limit, left, None)))
                }
                None => (answer(&mut state, &request), None),
            }
        };
        // A lost answer: the request was carried out, the connection cut.
        if status == 0 {
            return;
        }
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        // As the real Atlas: a charset on versioned media types, the
        // rate-limit bucket on every API answer, the error code as a header.
        let charset = if content_type.starts_with("application/vnd.atlas.") {
            ";charset=utf-8"
        } else {
            ""
        };
        let mut extra = String::new();
        if let Some((limit, remaining, retry_after)) = bucket {
            extra.push_str(&format!(
                "ratelimit-limit: {limit}\r\nratelimit-remaining: {remaining}\r\n"
            ));
            if let Some(seconds) = retry_after {
                extra.push_str(&format!("retry-after: {seconds}\r\n"));
            }
        }
        if status >= 400
            && let Ok(Value::Object(error)) = serde_json::from_str::<Value>(&body)
            && let Some(code) = error.get("errorCode").and_then(Value::as_str)
        {
            extra.push_str(&format!("x-error-code: {code}\r\n"));
        }
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}{charset}\r\n{extra}content-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(end + 4);
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

type Answer = (u16, &'static str, String);

/// An API request takes a token from its scope's bucket: the bucket's
/// capacity and `Ok(tokens left)` or `Err(seconds until one refills)`;
/// `None` outside the API.
fn take_token(state: &mut State, path: &str) -> Option<(u64, Result<u64, u64>)> {
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

/// An Atlas error as the real Atlas sends it: `parameters` is a list of
/// strings (the values the detail names), or `null`.
fn error_with(status: u16, code: &str, detail: &str, parameters: Option<&[&str]>) -> Answer {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = json!({
        "detail": detail,
        "error": status,
        "errorCode": code,
        "parameters": parameters,
        "reason": reason,
    });
    (status, "application/json", body.to_string())
}

fn error(status: u16, code: &str, detail: &str) -> Answer {
    error_with(status, code, detail, Some(&[]))
}

fn answer(state: &mut State, request: &RecordedRequest) -> Answer {
    let (method, path) = (request.method.as_str(), request.path.as_str());
    if path == "/api/oauth/token" {
        return token(state, request);
    }
    if let Some(refused) = refuse_unauthorized(state, request) {
        return refused;
    }
    let Some(accept) = request
        .header("accept")
        .filter(|a| a.starts_with("application/vnd.atlas.") && a.ends_with("+json"))
    else {
        return error(
            406,
            "INVALID_VERSION_DATE",
            "Send Accept: application/vnd.atlas.<date>+json.",
        );
    };
    let media = if accept.contains("2024-05-30") {
        "application/vnd.atlas.2024-05-30+json"
    } else {
        "application/vnd.atlas.2023-01-01+json"
    };
    let group = format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations");
    let org = format!("/api/atlas/v2/orgs/{ORG_ID}/liveMigrations");
    let in_group = path.strip_prefix(&format!("{group}/")).unwrap_or_default();
    // The first validation can be read before any was started, as one
    // started by an earlier run.
    let validation_n = in_group
        .strip_prefix("validate/")
        .and_then(|id| (0..state.validations.len().max(1)).find(|n| validation_id(*n) == id));
    if validation_n == Some(0) && state.validations.is_empty() {
        state.validations.push(0);
    }
    let (job_id, cutover) = match in_group.strip_suffix("/cutover") {
        Some(id) => (id, true),
        None => (in_group, false),
    };
    let job_n = (0..state.jobs.len()).find(|n| live_migration_id(*n) == job_id);
    let (status, body) = match (method, path) {
        ("POST", p) if p == format!("{group}/validate") => match migration_request(request) {
            Ok(_) => {
                state.validations.push(0);
                let id = validation_id(state.validations.len() - 1);
                (200, validation(&id, "PENDING"))
            }
            Err(refused) => return refused,
        },
        ("GET", _) if validation_n.is_some() => {
            let n = validation_n.unwrap_or_default();
            let script = &state.scenario.validation;
            let status = script[state.validations[n].min(script.len() - 1)];
            state.validations[n] += 1;
            (200, validation(&validation_id(n), status))
        }
        ("POST", p) if p == group => {
            let body = match migration_request(request) {
                Ok(body) => body,
                Err(refused) => return refused,
            };
            if let Some(status) = state.scenario.fail_create {
                return error(status, "UNEXPECTED_ERROR", "The mock was told to fail.");
            }
            let cluster = body
                .pointer("/destination/clusterName")
                .and_then(Value::as_str);
            let host = body.pointer("/migrationHosts/0").and_then(Value::as_str);
            // Each push live migration uses its own dedicated migration
            // host: a host that runs a migration that has not ended takes
            // no other. (Atlas's own error for it is not recorded; this
            // one says what happened.)
            let busy = (0..state.jobs.len()).find(|n| {
                state.jobs[*n].host.as_deref() == host
                    && host.is_some()
                    && !matches!(current_job(state, *n).0, "COMPLETE" | "FAILED" | "EXPIRED")
            });
            if let (Some(n), Some(host)) = (busy, host) {
                state.busy_host_refused += 1;
                return error(
                    400,
                    "MIGRATION_HOST_IN_USE",
                    &format!(
                        "The migration host {host} runs live migration {}, which has not \
                         ended; each live migration uses its own dedicated migration host.",
                        live_migration_id(n)
                    ),
                );
            }
            state.jobs.push(Job {
                cluster: cluster.map(str::to_owned),
                host: host.map(str::to_owned),
                ..Job::default()
            });
            let id = live_migration_id(state.jobs.len() - 1);
            if cluster.is_some() && cluster == state.scenario.lose_create_answer {
                return (0, "", String::new());
            }
            (201, job(&state.scenario, &id, host, ("NEW", None, false)))
        }
        ("GET", _) if job_n.is_some() && !cutover => {
            (200, poll_job(state, job_n.unwrap_or_default()))
        }
        ("PUT", _) if job_n.is_some() && cutover => {
            let n = job_n.unwrap_or_default();
            if state.jobs[n].cutover_at_poll.is_some() {
                (202, String::new())
            } else if current_job(state, n).2 {
                state.jobs[n].lag_at_cutover = current_job(state, n).1;
                state.jobs[n].cutover_at_poll = Some(state.jobs[n].polls);
                (202, String::new())
            } else {
                return error(
                    400,
                    "CANNOT_CUTOVER_LIVE_MIGRATION",
                    "The migration is not ready for cutover.",
                );
            }
        }
        ("GET", p) if p == format!("{org}/availableProjects") => (200, available_projects()),
        ("POST", p) if p == format!("{org}/linkTokens") => {
            match serde_json::from_str::<atlas_live_migration_api::types::TargetOrgRequest>(
                &request.body,
            ) {
                // The real Atlas answers 201 (its spec says 200).
                Ok(_) => {
                    state.linked = true;
                    (201, json!({ "linkToken": LINK_TOKEN }).to_string())
                }
                Err(e) => return error(400, "INVALID_JSON", &e.to_string()),
            }
        }
        ("DELETE", p) if p == format!("{org}/linkTokens") => {
            if !std::mem::take(&mut state.linked) {
                // Recorded from the real Atlas, word for word.
                return error_with(
                    404,
                    "UNEXPECTED_ERROR",
                    "Could not find the requested external organization link.",
                    None,
                );
            }
            (204, String::new())
        }
        ("GET", p) if p.starts_with(&format!("{group}/")) && !p.contains("/validate") => {
            let id = p.rsplit('/').next().unwrap_or_default();
            return error_with(
                404,
                "RESOURCE_NOT_FOUND",
                &format!("Cannot find resource live migration with id {id}."),
                Some(&[&format!("live migration with id {id}")]),
            );
        }
        _ => {
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The mock knows one project, one organization and the migrations it created.",
            );
        }
    };
    if request.query.split('&').any(|pair| pair == "envelope=true") {
        let content: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let wrapped = json!({ "status": status, "content": content });
        return (200, "application/json", wrapped.to_string());
    }
    (status, media, body)
}

fn token(state: &State, request: &RecordedRequest) -> Answer {
    if let Some((id, secret)) = state.scenario.service_account {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let expected = format!("Basic {basic}");
        if request.header("authorization") != Some(expected.as_str()) {
            return error(401, "INVALID_CLIENT", "Unknown client.");
        }
    }
    let body = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600});
    (200, "application/json", body.to_string())
}

fn refuse_unauthorized(state: &State, request: &RecordedRequest) -> Option<Answer> {
    state.scenario.service_account?;
    let expected = format!("Bearer {ACCESS_TOKEN}");
    (request.header("authorization") != Some(expected.as_str())).then(|| {
        error(
            401,
            "NOT_ORG_GROUP_CREATOR",
            "Missing or invalid bearer token.",
        )
    })
}

/// The body of a validate or create POST, decoded as the version its
/// `Content-Type` names, and read as JSON.
fn migration_request(request: &RecordedRequest) -> Result<Value, Answer> {
    let decoded = match request.header("content-type") {
        Some("application/vnd.atlas.2024-05-30+json") => serde_json::from_str::<
            atlas_live_migration_api::types::LiveMigrationRequest20240530,
        >(&request.body)
        .map(drop),
        // The 2023-01-01 body has no type in a client generated for
        // 2024-05-30 (nor in a cut of a revision that offers only that
        // version); its own required field tells it apart.
        Some("application/vnd.atlas.2023-01-01+json") => {
            serde_json::from_str::<serde_json::Value>(&request.body).and_then(|body| {
                match body.get("dropEnabled") {
                    Some(serde_json::Value::Bool(_)) => Ok(()),
                    _ => Err(serde::de::Error::missing_field("dropEnabled")),
                }
            })
        }
        other => {
            return Err(error(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                &format!("Content-Type {other:?} is not a versioned Atlas media type."),
            ));
        }
    };
    decoded.map_err(|e| error(400, "INVALID_JSON", &e.to_string()))?;
    Ok(serde_json::from_str(&request.body).unwrap_or(Value::Null))
}

fn validation(id: &str, status: &str) -> String {
    let error_message =
        (status == "FAILED").then_some("Source cluster is not reachable from the migration host.");
    json!({
        "_id": id,
        "groupId": GROUP_ID,
        "sourceGroupId": "6296fb4c7c7aa997cf94e9a0",
        "status": status,
        "errorMessage": error_message,
    })
    .to_string()
}

fn job(
    scenario: &Scenario,
    id: &str,
    host: Option<&str>,
    (status, lag, ready): (&str, Option<u32>, bool),
) -> String {
    let mut job = json!({
        "_id": id,
        "lagTimeSeconds": lag,
        "migrationHosts": [host.unwrap_or("vm001.example.com")],
        "readyForCutover": ready,
        "status": status,
    });
    if let Some((name, value)) = &scenario.job_member_unlisted {
        job[*name] = value.clone();
    }
    job.to_string()
}

/// The `n`th job as the next poll sees it (without advancing).
fn current_job(state: &State, n: usize) -> (&'static str, Option<u32>, bool) {
    let job = &state.jobs[n];
    if let Some(at) = job.cutover_at_poll {
        return if job.polls >= at + state.scenario.polls_to_complete {
            ("COMPLETE", None, false)
        } else {
            ("WORKING", Some(0), true)
        };
    }
    if let (Some(ready_at), Some(timer)) = (job.ready_at, state.scenario.cutover_timer)
        && ready_at.elapsed() >= timer
    {
        return ("EXPIRED", None, false);
    }
    let script = &state.scenario.replication;
    // The poll count before this poll: the job last reported.
    script[job.polls.saturating_sub(1).min(script.len() - 1)]
}

fn poll_job(state: &mut State, n: usize) -> String {
    state.jobs[n].polls += 1;
    let now = current_job(state, n);
    if now.2 && state.jobs[n].ready_at.is_none() {
        state.jobs[n].ready_at = Some(Instant::now());
    }
    let host = state.jobs[n].host.clone();
    job(&state.scenario, &live_migration_id(n), host.as_deref(), now)
}

fn available_projects() -> String {
    json!([{
        "name": "On-premises project",
        "projectId": "6296fb4c7c7aa997cf94e9a0",
        "migrationHosts": ["vm001.example.com"],
        "deployments": [{
            "name": "source-cluster",
            "clusterId": "6296fb4c7c7aa997cf94e9a1",
            "featureCompatibilityVersion": "7.0",
            "mongoDBVersion": "7.0.12",
            "managed": true,
            "sharded": false,
            "tlsEnabled": true,
            "dbSizeBytes": 8192
        }]
    }])
    .to_string()
}
