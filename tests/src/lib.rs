//! Integration tests for `atlas-live-migration-api` (in `tests/`), run
//! against an httpmock server on 127.0.0.1, and the examples of the
//! workspace README and `docs/client.md` compiled as doctests.
//!
//! This library holds what the tests share: the seed documents' example
//! bodies, verbatim, and the IDs they use.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

/// `docs/client.md`, whose examples are compiled and run as doctests here.
#[doc = include_str!("../../docs/client.md")]
pub mod client_guide {}

/// `mock/README.md`, whose example is compiled as a doctest here.
#[doc = include_str!("../../mock/README.md")]
pub mod mock_guide {}

/// The property tests' runner: a fixed seed, so that CI runs the same
/// cases every time; `PROPTEST_CASES` raises the count (512 by default).
pub fn proptest_runner(seed: u8) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

/// A valid project (group) id from the seeds.
pub const GROUP_ID: &str = "32b6e34b3d91647abb20e7b8";
/// A valid live migration id.
pub const LIVE_MIGRATION_ID: &str = "6296fb4c7c7aa997cf94e9a8";
/// The request path for [`GROUP_ID`] and [`LIVE_MIGRATION_ID`].
pub const PATH: &str =
    "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations/6296fb4c7c7aa997cf94e9a8";
/// The media type Atlas answers with, and the `Accept` the client must send.
pub const MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";

/// Seed 001, "Response examples (200)".
pub const SEED_200: &str = r#"{
  "_id": "32b6e34b3d91647abb20e7b8",
  "lagTimeSeconds": 42,
  "migrationHosts": [
    "vm001.example.com"
  ],
  "readyForCutover": true,
  "status": "NEW"
}"#;

/// Seed 001, the error examples: (status, body, errorCode).
pub const SEED_ERRORS: [(u16, &str, &str); 4] = [
    (
        401,
        r#"{
  "error": 401,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Unauthorized",
  "errorCode": "NOT_ORG_GROUP_CREATOR"
}"#,
        "NOT_ORG_GROUP_CREATOR",
    ),
    (
        403,
        r#"{
  "error": 403,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Forbidden",
  "errorCode": "CANNOT_CHANGE_GROUP_NAME"
}"#,
        "CANNOT_CHANGE_GROUP_NAME",
    ),
    (
        404,
        r#"{
  "error": 404,
  "detail": "(This is just an example, the exception may not be related to this endpoint) Cannot find resource AWS",
  "reason": "Not Found",
  "errorCode": "RESOURCE_NOT_FOUND"
}"#,
        "RESOURCE_NOT_FOUND",
    ),
    (
        500,
        r#"{
  "error": 500,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Internal Server Error",
  "errorCode": "UNEXPECTED_ERROR"
}"#,
        "UNEXPECTED_ERROR",
    ),
];

/// The 429 example of the current official spec (not in the seeds).
pub const RATE_LIMITED_429: &str = r#"{
  "error": 429,
  "detail": "(This is just an example, the exception may not be related to this endpoint)",
  "reason": "Too Many Requests",
  "errorCode": "RATE_LIMITED"
}"#;

/// A `WWW-Authenticate` Digest challenge as Atlas sends it.
pub fn digest_challenge(nonce: &str, stale: bool) -> String {
    format!(
        r#"Digest realm="MMS Public API", domain="", nonce="{nonce}", algorithm=MD5, qop="auth", stale={stale}"#
    )
}

/// Checks a Digest `Authorization` header against the password, computing
/// RFC 7616 (MD5, qop=auth) independently of the client's crate. Returns the
/// nonce count when valid for `nonce`.
pub fn valid_digest(authorization: &str, user: &str, password: &str, nonce: &str) -> Option<u32> {
    valid_digest_for("GET", authorization, user, password, nonce)
}

/// [`valid_digest`] for a request of another method.
pub fn valid_digest_for(
    method: &str,
    authorization: &str,
    user: &str,
    password: &str,
    nonce: &str,
) -> Option<u32> {
    use md5::{Digest, Md5};
    valid_digest_with(method, authorization, user, password, nonce, |text| {
        format!("{:x}", Md5::digest(text.as_bytes()))
    })
}

/// [`valid_digest`] for `algorithm=SHA-256`.
pub fn valid_digest_sha256(
    authorization: &str,
    user: &str,
    password: &str,
    nonce: &str,
) -> Option<u32> {
    use sha2::{Digest, Sha256};
    valid_digest_with("GET", authorization, user, password, nonce, |text| {
        format!("{:x}", Sha256::digest(text.as_bytes()))
    })
}

fn valid_digest_with(
    method: &str,
    authorization: &str,
    user: &str,
    password: &str,
    nonce: &str,
    hash: impl Fn(&str) -> String,
) -> Option<u32> {
    let hex = |text: String| hash(&text);
    let header = digest_auth::AuthorizationHeader::parse(authorization).ok()?;
    let cnonce = header.cnonce.as_deref()?;
    let ha1 = hex(format!("{user}:MMS Public API:{password}"));
    let ha2 = hex(format!("{method}:{}", header.uri));
    let expected = hex(format!(
        "{ha1}:{nonce}:{:08x}:{cnonce}:auth:{ha2}",
        header.nc
    ));
    (header.username == user && header.nonce == nonce && header.response == expected)
        .then_some(header.nc)
}

/// What `tracing` printed, at every level, on this thread since
/// [`capture_logs`]; `#[tokio::test]` runs the test on one thread.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    /// Everything printed so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures this thread's `tracing` output until the guard drops.
pub fn capture_logs() -> (tracing::subscriber::DefaultGuard, Logs) {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), logs)
}

/// What [`ScriptedServer`] does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Send these raw bytes (see [`http_response`]), keep the connection.
    Raw(String),
    /// Close the connection without answering.
    Close,
    /// Read the request and never answer (until the client gives up).
    Hang,
    /// Send these raw bytes, then close: a response cut short.
    RawThenClose(String),
}

/// A raw HTTP/1.1 response with `Content-Length`.
pub fn http_response(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut text = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    Reply::Raw(text)
}

/// A loopback HTTP server that answers requests from a script, in order
/// (the last reply repeats), and records when each request arrived.
pub struct ScriptedServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    arrivals: std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts serving `script` on 127.0.0.1.
    pub async fn start(script: Vec<Reply>) -> Self {
        use std::sync::{Arc, Mutex};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        assert!(!script.is_empty(), "a script needs at least one reply");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let seen = arrivals.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (seen, script) = (seen.clone(), script.clone());
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        // Read one request head, then its body (by Content-Length).
                        let mut chunk = [0u8; 4096];
                        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let end = buffer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                        let body = content_length(&buffer[..end]);
                        while buffer.len() < end + body {
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buffer.drain(..end + body);
                        let index = {
                            let mut seen = seen.lock().unwrap();
                            seen.push(std::time::Instant::now());
                            seen.len() - 1
                        };
                        match &script[index.min(script.len() - 1)] {
                            Reply::Close => return,
                            Reply::Hang => {
                                let mut rest = [0u8; 1];
                                let _ = stream.read(&mut rest).await;
                                return;
                            }
                            Reply::RawThenClose(bytes) => {
                                let _ = stream.write_all(bytes.as_bytes()).await;
                                return;
                            }
                            Reply::Raw(bytes) => {
                                if stream.write_all(bytes.as_bytes()).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
        Self {
            base_url,
            arrivals,
            task,
        }
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    /// When each request arrived.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.arrivals.lock().unwrap().clone()
    }
}

/// The `Content-Length` of a request head (0 without one).
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An organization id.
pub const ORG_ID: &str = "4888442a3354817a7320eb61";
/// A validation id.
pub const VALIDATION_ID: &str = "507f1f77bcf86cd799439011";
/// The source cluster's password in [`migration_request`]: it must never be
/// printed or logged.
pub const SOURCE_PASSWORD: &str = "s3cr3t-Source-Passw0rd";

/// A push live migration request (the 2024-05-30 body) with a password.
#[allow(
    clippy::unnecessary_fallible_conversions,
    reason = "the field is a String or a checked newtype, as the spec's checks make it"
)]
pub fn migration_request() -> atlas_live_migration_api::types::LiveMigrationRequest20240530 {
    use atlas_live_migration_api::types::{
        Destination, DestinationHostnameSchemaType, LiveMigrationRequest20240530, Source,
    };
    let mut source: Source = Source::builder()
        .cluster_name("source-cluster")
        .group_id("6296fb4c7c7aa997cf94e9a0")
        .managed_authentication(false)
        .ssl(true)
        .password(Some(SOURCE_PASSWORD.into()))
        .try_into()
        .expect("a complete source");
    // Set as `Source` declares the field: a checked newtype or a `String`,
    // as the spec's value checks make it.
    source.username = Some("admin".try_into().unwrap());
    LiveMigrationRequest20240530::builder()
        .destination(
            Destination::builder()
                .cluster_name("destination-cluster")
                .group_id(GROUP_ID)
                .hostname_schema_type(DestinationHostnameSchemaType::Public),
        )
        .migration_hosts(["vm001.example.com".try_into().unwrap()])
        .source(source)
        .drop_destination_data(true)
        .try_into()
        .expect("a complete request")
}

/// A link-token request with one access-list IP (`203.0.113.7`), set as
/// `TargetOrgRequest` declares the field (a checked newtype or a `String`,
/// as the spec's value checks make it).
#[allow(
    clippy::unnecessary_fallible_conversions,
    reason = "the field is a String or a checked newtype, as the spec's checks make it"
)]
pub fn link_token_request() -> atlas_live_migration_api::types::TargetOrgRequest {
    let mut request: atlas_live_migration_api::types::TargetOrgRequest =
        atlas_live_migration_api::types::TargetOrgRequest::builder()
            .try_into()
            .expect("no member is required");
    request.access_list_ips = vec!["203.0.113.7".try_into().unwrap()];
    request
}

/// [`migration_request`] as it must go on the wire.
pub fn migration_request_json() -> serde_json::Value {
    serde_json::json!({
        "destination": {
            "clusterName": "destination-cluster",
            "groupId": GROUP_ID,
            "hostnameSchemaType": "PUBLIC"
        },
        "dropDestinationData": true,
        "migrationHosts": ["vm001.example.com"],
        "source": {
            "clusterName": "source-cluster",
            "groupId": "6296fb4c7c7aa997cf94e9a0",
            "managedAuthentication": false,
            "ssl": true,
            "username": "admin",
            "password": SOURCE_PASSWORD
        }
    })
}

/// A client for `base_url` without credentials or retries, so that each
/// answer is seen exactly once.
pub fn plain_client(base_url: &str) -> atlas_live_migration_api::Client {
    atlas_live_migration_api::Client::builder()
        .base_url(base_url)
        .retry_policy(atlas_live_migration_api::RetryPolicy::none())
        .build()
        .expect("a loopback base URL is valid")
}

/// GET the seed job ([`GROUP_ID`], [`LIVE_MIGRATION_ID`]), with the crate's
/// error type.
pub async fn get_job(
    client: &atlas_live_migration_api::Client,
) -> Result<atlas_live_migration_api::types::LiveMigrationResponse, atlas_live_migration_api::Error>
{
    Ok(client
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .await?
        .into_inner())
}

/// The hand-written side of the benchmarks (`benches/ratios.rs`) and of the
/// instruction counts (`examples/call_profile.rs`): what a caller writes
/// without this crate.
pub mod baseline {
    use serde::Deserialize;

    use super::{GROUP_ID, LIVE_MIGRATION_ID, MEDIA_TYPE};

    /// The response's fields as plain strings, no validation.
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct PlainJob {
        #[serde(rename = "_id")]
        id: Option<String>,
        #[serde(rename = "lagTimeSeconds")]
        lag_time_seconds: Option<i64>,
        #[serde(rename = "migrationHosts", default)]
        migration_hosts: Vec<String>,
        #[serde(rename = "readyForCutover")]
        ready_for_cutover: Option<bool>,
        status: Option<String>,
    }

    /// The URL from the IDs, the versioned `Accept`, the body decoded into
    /// [`PlainJob`].
    pub async fn get_job(http: &reqwest::Client, base_url: &str) -> PlainJob {
        let url =
            format!("{base_url}/api/atlas/v2/groups/{GROUP_ID}/liveMigrations/{LIVE_MIGRATION_ID}");
        let response = http
            .get(&url)
            .header("accept", MEDIA_TYPE)
            .send()
            .await
            .unwrap();
        let bytes = response.bytes().await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// The answers the real Atlas sent (`tests/recorded/`, see its README):
/// read, filtered and served on a loopback mock, exactly as they came.
pub mod recorded {
    use std::io::Read;

    /// One recorded answer, with the request it answered.
    #[derive(Clone, Debug, serde::Deserialize)]
    pub struct Answer {
        /// The recording it came from.
        pub source: String,
        /// The request's method.
        pub method: String,
        /// The official path template the request matched.
        pub template: String,
        /// The operation's official id in the spec of the recording's date.
        #[serde(rename = "operationId")]
        pub operation_id: String,
        /// The path parameters' values.
        pub params: std::collections::BTreeMap<String, String>,
        /// The answer's status.
        pub status: u16,
        /// The answer's headers, in order.
        pub headers: Vec<(String, String)>,
        /// The answer's body.
        pub body: String,
    }

    impl Answer {
        /// The request path: the template with the recorded values.
        pub fn path(&self) -> String {
            let mut path = self.template.clone();
            for (name, value) in &self.params {
                path = path.replace(&format!("{{{name}}}"), value);
            }
            path
        }

        /// The value of a header, by name in any case.
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }

        /// A leg of the Digest handshake: a challenge, not the operation's
        /// answer.
        pub fn is_digest_challenge(&self) -> bool {
            self.status == 401
                && self
                    .header("www-authenticate")
                    .is_some_and(|v| v.starts_with("Digest "))
        }

        /// Serves this answer at its path and method. The framing headers
        /// are the mock's own; every other header is sent as recorded.
        pub fn serve<'a>(&self, server: &'a httpmock::MockServer) -> httpmock::Mock<'a> {
            let method: httpmock::Method = self.method.parse().expect("a recorded method");
            server.mock(|when, then| {
                when.method(method).path(self.path());
                self.respond(then);
            })
        }

        /// Answers as recorded: the status, every header but the framing
        /// ones (the mock's own), the body.
        pub fn respond(&self, then: httpmock::Then) -> httpmock::Then {
            let mut then = then.status(self.status);
            for (name, value) in &self.headers {
                if !["content-length", "transfer-encoding", "connection"]
                    .contains(&name.to_ascii_lowercase().as_str())
                {
                    then = then.header(name, value);
                }
            }
            then.body(&self.body)
        }
    }

    /// The recorded parameters by the template's names. The corpus split
    /// recorded file names at `_` and `}` (its README says a value may be
    /// split at the wrong place): `{logName}.gz` with `mongodb-audit-log.gz`
    /// was kept as `logName}.g`; such a name is the template's `logName`,
    /// and its value loses what the template writes after the name.
    fn normalize(answer: &mut Answer) {
        let params = std::mem::take(&mut answer.params);
        for (name, value) in params {
            let Some((base, _)) = name
                .split_once('}')
                .filter(|_| !answer.template.contains(&format!("{{{name}}}")))
            else {
                answer.params.insert(name, value);
                continue;
            };
            let after = answer
                .template
                .split(&format!("{{{base}}}"))
                .nth(1)
                .map(|rest| rest.split('/').next().unwrap_or_default())
                .unwrap_or_default();
            let value = value.strip_suffix(after).unwrap_or(&value).to_owned();
            answer.params.insert(base.to_owned(), value);
        }
    }

    /// The corpus files, in `tests/recorded/` (its README says how to add one).
    const FILES: &[&str] = &["atlas-2026-08.jsonl.gz"];

    /// Every recorded answer of the corpus, file by file, in its order.
    pub fn all() -> Vec<Answer> {
        let mut answers = Vec::new();
        for name in FILES {
            let path = format!("{}/recorded/{name}", env!("CARGO_MANIFEST_DIR"));
            let file = std::fs::File::open(&path).expect("the corpus is in the repository");
            let mut text = String::new();
            flate2::read::GzDecoder::new(file)
                .read_to_string(&mut text)
                .expect("the corpus is gzip'd UTF-8");
            answers.extend(text.lines().map(|line| {
                let mut answer: Answer =
                    serde_json::from_str(line).expect("one JSON answer a line");
                normalize(&mut answer);
                answer
            }));
        }
        answers
    }

    /// The recorded answers of one operation, by its official id.
    pub fn of(operation_id: &str) -> Vec<Answer> {
        all()
            .into_iter()
            .filter(|a| a.operation_id == operation_id)
            .collect()
    }
}
