//! One error type for everything a call or a client configuration can do
//! wrong. The generated builder's `send()` returns progenitor's error; `?`
//! (or `Error::from`) turns it into this one, using the record the runtime
//! attached to responses it read.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::client::versioning::ApiVersion;
use crate::response::body::{self, BufferedResponse, Origin, ResponseRecord};
use crate::types::{ApiError, FieldViolation};
use progenitor_client::ResponseValue;

/// Why a call failed, or why a client could not be built.
///
/// Messages say what happened and what to change, naming the setting or
/// environment variable involved. None contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter is missing or invalid. Nothing was sent.
    #[error("invalid {parameter}: {problem}; nothing was sent")]
    InvalidRequest {
        /// The builder parameter, such as `group_id`.
        parameter: String,
        /// What is wrong with it.
        problem: String,
    },

    /// Atlas answered with one of its JSON errors.
    #[error("{0}")]
    Api(Box<ApiFailure>),

    /// Atlas does not serve the API version the request named (HTTP 406
    /// `INVALID_VERSION_DATE`, or 410 `VERSION_GONE` once retired).
    #[error(
        "Atlas refused API version {version} (HTTP {status}{code}){detail}. Choose a version date \
         Atlas serves with ClientBuilder::api_version (CLI: --api-version); this crate was \
         generated for {spec}",
        code = error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
        detail = detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default(),
        spec = crate::SPEC_API_VERSION,
    )]
    UnsupportedApiVersion {
        /// The version date sent in `Accept`.
        version: String,
        /// 406, 410 or 400.
        status: StatusCode,
        /// `INVALID_VERSION_DATE`, `VERSION_GONE`, or what Atlas sent.
        error_code: Option<String>,
        /// Atlas's explanation.
        detail: Option<String>,
    },

    /// The service-account token request failed, so the call was not made.
    #[error(
        "the service-account token request to {url} failed with HTTP {status}: {snippet}. \
         Check MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (or the credentials \
         given to ClientBuilder::credentials) and that the service account is not revoked"
    )]
    TokenRequest {
        /// The token endpoint's status.
        status: StatusCode,
        /// The token endpoint.
        url: String,
        /// The start of its answer.
        snippet: String,
    },

    /// A response that is not an Atlas answer: an undocumented status with a
    /// body that is no Atlas error, such as an HTML page from a proxy.
    #[error(
        "Atlas answered HTTP {status}{after} with a body that is not an Atlas error \
         (content type {content_type}): {snippet:?}. {hint}",
        after = attempts_note(*attempts),
        content_type = content_type.as_deref().unwrap_or("none"),
        hint = hint(*status),
    )]
    UnexpectedResponse {
        /// The HTTP status.
        status: StatusCode,
        /// The response's `Content-Type`.
        content_type: Option<String>,
        /// The start of the body.
        snippet: String,
        /// Attempts made, retries included.
        attempts: u32,
    },

    /// A response whose body could not be decoded (truncated or malformed
    /// JSON, or `envelope=true` answered without an envelope).
    #[error(
        "Atlas's HTTP {status} response could not be decoded: {problem}; the body begins {snippet:?}. \
         This is a server or proxy fault; try again, and report it if it persists"
    )]
    InvalidResponse {
        /// The HTTP status.
        status: StatusCode,
        /// What is wrong with the body.
        problem: String,
        /// The start of the body.
        snippet: String,
    },

    /// Atlas could not be reached, the connection broke, or an attempt
    /// timed out, after the retries the policy allows.
    #[error(
        "{what} ({source}). Check the network, the base URL (MONGODB_ATLAS_BASE_URL or \
         ClientBuilder::base_url) and any HTTPS_PROXY setting",
        what = if source.is_timeout() { "the request to Atlas timed out" } else { "could not talk to Atlas" },
    )]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The client configuration is incomplete or invalid.
    #[error("{0}")]
    Config(String),

    /// An error from a hook of the generated client.
    #[error("{0}")]
    Other(String),
}

/// An Atlas JSON error (`ApiError`) with the HTTP status it came with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiFailure {
    /// The HTTP status.
    pub status: StatusCode,
    /// Atlas's application error code, such as `RESOURCE_NOT_FOUND`.
    pub error_code: String,
    /// The conditions that caused the error.
    pub detail: Option<String>,
    /// The error message, such as `Not Found`.
    pub reason: Option<String>,
    /// Parameters giving more information.
    pub parameters: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Violations in the request, from `badRequestDetail.fields`.
    pub fields: Vec<FieldViolation>,
    /// `Retry-After`, when Atlas sent one.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Atlas answered HTTP {} ({})",
            self.status, self.error_code
        )?;
        if let Some(text) = self.detail.as_deref().or(self.reason.as_deref()) {
            write!(f, ": {text}")?;
        }
        for field in &self.fields {
            write!(f, "; {}: {}", field.field, field.description)?;
        }
        let hint = hint(self.status);
        if !hint.is_empty() {
            write!(f, ". {hint}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (Atlas asks to wait {} s)", wait.as_secs())?;
        }
        Ok(())
    }
}

impl Error {
    /// The HTTP status, when the error came with one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(failure) => Some(failure.status),
            Error::UnsupportedApiVersion { status, .. }
            | Error::TokenRequest { status, .. }
            | Error::UnexpectedResponse { status, .. }
            | Error::InvalidResponse { status, .. } => Some(*status),
            Error::Transport { source } => source.status(),
            _ => None,
        }
    }

    /// Atlas's `errorCode`, when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api(failure) => Some(&failure.error_code),
            Error::UnsupportedApiVersion { error_code, .. } => error_code.as_deref(),
            _ => None,
        }
    }

    /// Whether trying the same call later may succeed: transport failures,
    /// rate limits, server errors and unreadable responses.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::InvalidResponse { .. } => true,
            _ => self
                .status()
                .is_some_and(|s| s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error()),
        }
    }
}

impl From<progenitor_client::Error<ApiError>> for Error {
    fn from(error: progenitor_client::Error<ApiError>) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(message) => invalid_request(&message),
            Generated::CommunicationError(source)
            | Generated::ResponseBodyError(source)
            | Generated::InvalidUpgrade(source) => Error::Transport { source },
            Generated::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                from_api_error(status, response.into_inner(), &headers, None)
            }
            // Only successes reach this: the `post` hook reroutes error
            // statuses whose body is not an Atlas error.
            Generated::InvalidResponsePayload(bytes, source) => Error::InvalidResponse {
                status: StatusCode::OK,
                problem: source.to_string(),
                snippet: body::snippet(&bytes),
            },
            Generated::UnexpectedResponse(response) => match ResponseRecord::of(&response) {
                Some(record) => from_record(record),
                None => Error::UnexpectedResponse {
                    status: response.status(),
                    content_type: header_text(response.headers(), "content-type"),
                    snippet: String::new(),
                    attempts: 1,
                },
            },
            Generated::Custom(message) => Error::Other(message),
        }
    }
}

fn from_record(record: &BufferedResponse) -> Error {
    let snippet = || record.snippet();
    match record.origin {
        Origin::TokenEndpoint => Error::TokenRequest {
            status: record.status,
            url: record.url.to_string(),
            snippet: snippet(),
        },
        Origin::OversizedBody => Error::InvalidResponse {
            status: record.status,
            problem: format!(
                "the body is {} bytes, more than the {} this client reads for an answer",
                record
                    .headers
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("?"),
                body::MAX_BUFFERED_BODY
            ),
            snippet: String::new(),
        },
        Origin::MalformedEnvelope => Error::InvalidResponse {
            status: record.status,
            problem: "envelope=true was requested but the body is not {\"status\", \"content\"}"
                .to_owned(),
            snippet: snippet(),
        },
        Origin::Api => match serde_json::from_slice::<ApiError>(&record.body) {
            Ok(api) => {
                let sent = record
                    .accept_sent
                    .as_ref()
                    .and_then(|accept| accept.to_str().ok())
                    .and_then(ApiVersion::from_media_type);
                from_api_error(record.status, api, &record.headers, sent)
            }
            Err(_) if record.status.is_success() => Error::InvalidResponse {
                status: record.status,
                problem: "the body is not the JSON the API documents".to_owned(),
                snippet: snippet(),
            },
            Err(_) => Error::UnexpectedResponse {
                status: record.status,
                content_type: record.content_type().map(str::to_owned),
                snippet: snippet(),
                attempts: record.attempts,
            },
        },
    }
}

fn from_api_error(
    status: StatusCode,
    api: ApiError,
    headers: &HeaderMap,
    version_sent: Option<ApiVersion>,
) -> Error {
    let version_error = matches!(
        api.error_code.as_str(),
        "INVALID_VERSION_DATE" | "VERSION_GONE"
    ) || status == StatusCode::NOT_ACCEPTABLE
        || status == StatusCode::GONE;
    if version_error {
        return Error::UnsupportedApiVersion {
            version: version_sent.map_or_else(|| "(unknown)".to_owned(), |v| v.to_string()),
            status,
            error_code: Some(api.error_code),
            detail: api.detail.or(api.reason),
        };
    }
    Error::Api(Box::new(ApiFailure {
        status,
        error_code: api.error_code,
        detail: api.detail,
        reason: api.reason,
        parameters: api.parameters,
        fields: field_violations(api.bad_request_detail),
        retry_after: crate::transport::retry::retry_after(headers),
    }))
}

/// `badRequestDetail.fields`. Read through its JSON, which has not changed,
/// rather than its generated type, which has: the spec made the detail
/// nullable in 2026, so it is a wrapper of an `Option` from that revision on.
fn field_violations(detail: Option<impl serde::Serialize>) -> Vec<FieldViolation> {
    let json = detail.and_then(|detail| serde_json::to_value(detail).ok());
    json.and_then(|mut json| serde_json::from_value(json.get_mut("fields")?.take()).ok())
        .unwrap_or_default()
}

/// progenitor's messages: "conversion to `GroupId` for group_id failed" and
/// "group_id was not initialized".
fn invalid_request(message: &str) -> Error {
    if let Some(parameter) = message.strip_suffix(" was not initialized") {
        return Error::InvalidRequest {
            parameter: parameter.to_owned(),
            problem: format!("it is required; set it on the request builder (.{parameter}(..))"),
        };
    }
    let converted = message
        .strip_prefix("conversion to `")
        .and_then(|rest| rest.strip_suffix(" failed"))
        .and_then(|rest| rest.split_once("` for "));
    let Some((type_name, parameter)) = converted else {
        return Error::InvalidRequest {
            parameter: "request".to_owned(),
            problem: message.to_owned(),
        };
    };
    let pattern = crate::PATTERN_TYPES
        .iter()
        .find(|(name, _)| *name == type_name)
        .map(|(_, pattern)| *pattern);
    let problem = match pattern {
        Some(ID_PATTERN) => format!(
            "not a valid {type_name}: expected 24 lower-case hexadecimal digits \
             (pattern {ID_PATTERN}), such as 32b6e34b3d91647abb20e7b8"
        ),
        Some(pattern) => format!("not a valid {type_name}: expected a match of {pattern}"),
        // A body: progenitor's message carries typify's reason.
        None => format!("not a valid {type_name}"),
    };
    Error::InvalidRequest {
        parameter: parameter.to_owned(),
        problem,
    }
}

/// The pattern of Atlas's IDs.
const ID_PATTERN: &str = "^([a-f0-9]{24})$";

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    Some(headers.get(name)?.to_str().ok()?.to_owned())
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

fn hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => {
            "Check the credentials: MONGODB_ATLAS_CLIENT_ID/MONGODB_ATLAS_CLIENT_SECRET for a \
             service account, or MONGODB_ATLAS_PUBLIC_API_KEY/MONGODB_ATLAS_PRIVATE_API_KEY for an API key"
        }
        403 => {
            "The service account or API key needs the Organization Member role, and its IP \
             access list must include this machine"
        }
        300..=399 => {
            "Atlas does not redirect API calls and the client does not follow redirects, so \
             credentials never reach another host; check the base URL"
        }
        404 => {
            "Check the group (project) ID and the other IDs of the request (organization, live \
             migration, validation)"
        }
        429 => "Atlas rate-limited the calls and the retries ran out; wait, then try again",
        500..=599 => "Atlas or a proxy in front of it failed; try again later",
        _ => "",
    }
}

/// Converts the error of a generated `send()` into the crate's [`Error`].
///
/// ```no_run
/// use atlas_live_migration_api::{Checked, Client};
///
/// # async fn run() -> anyhow::Result<()> {
/// let client = Client::from_env()?;
/// let job = client
///     .get_push_migration()
///     .group_id("32b6e34b3d91647abb20e7b8")
///     .live_migration_id("6296fb4c7c7aa997cf94e9a8")
///     .send()
///     .checked()
///     .await?;
/// println!("{:?}", job.status);
/// # Ok(()) }
/// ```
pub trait Checked<T>:
    Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ApiError>>> + Sized
{
    /// The answer, or the crate's [`Error`].
    fn checked(self) -> impl Future<Output = Result<ResponseValue<T>, Error>> {
        async move { self.await.map_err(Error::from) }
    }
}

impl<T, F> Checked<T> for F where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ApiError>>>
{
}
