//! A stand-in for the Atlas live-migration API on 127.0.0.1: the
//! command-line tool's `demo` and the tests run against it.
//!
//! It plays one migration through its lifecycle (a validation that passes
//! or fails, a create, replication with shrinking lag, ready for cutover, a
//! cutover, complete), answers as the real Atlas does, not as its spec says
//! (201 for a link token, `;charset=utf-8` media types, `RateLimit-*`
//! headers on every answer, Atlas errors with `parameters` as strings or
//! `null` and an `X-Error-Code` header, `envelope=true`, the
//! service-account token exchange), decodes
//! each request body into the generated types, and records every request so
//! that a test can check what went on the wire.

#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex};

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
/// The migration the create POST creates.
pub const LIVE_MIGRATION_ID: &str = "6296fb4c7c7aa997cf94e9a8";
/// The validation the validate POST starts.
pub const VALIDATION_ID: &str = "507f1f77bcf86cd799439011";
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
    validation_polls: usize,
    job_polls: usize,
    created: bool,
    /// A link token was created and not deleted since.
    linked: bool,
    cutover_at_poll: Option<usize>,
}

impl MockAtlas {
    /// Starts the mock on 127.0.0.1 (a free port).
    pub async fn start(scenario: Scenario) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State {
            created: scenario.job_exists,
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
        let (status, content_type, body) = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests.push(request.clone());
            answer(&mut state, &request)
        };
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
        if request.path.starts_with("/api/atlas/") {
            let (limit, remaining) = rate_limit(&request.path, &state);
            extra.push_str(&format!(
                "ratelimit-limit: {limit}\r\nratelimit-remaining: {remaining}\r\n"
            ));
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

/// The bucket Atlas reports: the live-migration family's group operations
/// share 1200 a minute, its organization operations 500. Each API request
/// takes one.
fn rate_limit(path: &str, state: &Mutex<State>) -> (usize, usize) {
    let limit = if path.contains("/orgs/") { 500 } else { 1200 };
    let state = state.lock().unwrap_or_else(|p| p.into_inner());
    let used = state
        .requests
        .iter()
        .filter(|r| r.path.contains("/orgs/") == path.contains("/orgs/"))
        .count();
    (limit, limit.saturating_sub(used))
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
    let job_path = format!("{group}/{LIVE_MIGRATION_ID}");
    let (status, body) = match (method, path) {
        ("POST", p) if p == format!("{group}/validate") => match migration_request(request) {
            Ok(_) => (200, validation("PENDING")),
            Err(refused) => return refused,
        },
        ("GET", p) if p == format!("{group}/validate/{VALIDATION_ID}") => {
            let script = &state.scenario.validation;
            let status = script[state.validation_polls.min(script.len() - 1)];
            state.validation_polls += 1;
            (200, validation(status))
        }
        ("POST", p) if p == group => {
            if let Err(refused) = migration_request(request) {
                return refused;
            }
            if let Some(status) = state.scenario.fail_create {
                return error(status, "UNEXPECTED_ERROR", "The mock was told to fail.");
            }
            state.created = true;
            (201, job(&state.scenario, "NEW", None, false))
        }
        ("GET", p) if p == job_path && state.created => (200, poll_job(state)),
        ("PUT", p) if p == format!("{job_path}/cutover") && state.created => {
            if state.cutover_at_poll.is_some() {
                (202, String::new())
            } else if current_job(state).2 {
                state.cutover_at_poll = Some(state.job_polls);
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
                "The mock knows one project, one organization and the migration it created.",
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
/// `Content-Type` names.
fn migration_request(request: &RecordedRequest) -> Result<(), Answer> {
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
    decoded.map_err(|e| error(400, "INVALID_JSON", &e.to_string()))
}

fn validation(status: &str) -> String {
    let error_message =
        (status == "FAILED").then_some("Source cluster is not reachable from the migration host.");
    json!({
        "_id": VALIDATION_ID,
        "groupId": GROUP_ID,
        "sourceGroupId": "6296fb4c7c7aa997cf94e9a0",
        "status": status,
        "errorMessage": error_message,
    })
    .to_string()
}

fn job(scenario: &Scenario, status: &str, lag: Option<u32>, ready: bool) -> String {
    let mut job = json!({
        "_id": LIVE_MIGRATION_ID,
        "lagTimeSeconds": lag,
        "migrationHosts": ["vm001.example.com"],
        "readyForCutover": ready,
        "status": status,
    });
    if let Some((name, value)) = &scenario.job_member_unlisted {
        job[*name] = value.clone();
    }
    job.to_string()
}

/// The job as the next poll sees it (without advancing).
fn current_job(state: &State) -> (&'static str, Option<u32>, bool) {
    if let Some(at) = state.cutover_at_poll {
        return if state.job_polls >= at + state.scenario.polls_to_complete {
            ("COMPLETE", None, false)
        } else {
            ("WORKING", Some(0), true)
        };
    }
    let script = &state.scenario.replication;
    // The poll count before this poll: the job last reported.
    script[state.job_polls.saturating_sub(1).min(script.len() - 1)]
}

fn poll_job(state: &mut State) -> String {
    state.job_polls += 1;
    let (status, lag, ready) = current_job(state);
    job(&state.scenario, status, lag, ready)
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
