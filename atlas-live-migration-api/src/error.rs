//! One error type for everything a call or a client configuration can do
//! wrong. The generated builder's `send()` returns progenitor's error;
//! `.checked()`, `?` or `Error::from` turns it into this one. A failed
//! answer arrives as the [`Failure`] the runtime read, and is turned into
//! an `Error` here, in one place.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::model::Service;
use crate::response::atlas_error::AtlasError;
use crate::response::failure::{self, Content, Endpoint, Failure};
use crate::types::ApiError;
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
        detail = detail.as_deref().map(|d| format!(": {}", clause(d))).unwrap_or_default(),
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
        "the service-account token request to {url} failed with HTTP {status}: {snippet}; the \
         call (API version {api_version}) was not sent. Check MONGODB_ATLAS_CLIENT_ID and \
         MONGODB_ATLAS_CLIENT_SECRET (or the credentials given to ClientBuilder::credentials) \
         and that the service account is not revoked"
    )]
    TokenRequest {
        /// The token endpoint's status.
        status: StatusCode,
        /// The token endpoint.
        url: String,
        /// The start of its answer.
        snippet: String,
        /// The API version the call would have been sent with.
        api_version: String,
    },

    /// An answer that is not one the API documents: an error status whose
    /// body is no Atlas error (an HTML page from a proxy), a success body
    /// that does not decode, a body over 1 MiB, or `envelope=true` answered
    /// without an envelope.
    #[error(
        "{service} {answered}{after}{version} with {problem}{content_type}{begins}.{hint}",
        answered = status.map_or_else(|| "sent a success (2xx)".to_owned(), |s| format!("answered HTTP {s}")),
        after = attempts_note(*attempts),
        begins = if snippet.is_empty() { String::new() } else { format!("; the body begins {snippet:?}") },
        version = api_version.as_deref().map(|v| format!(" to API version {v}")).unwrap_or_default(),
        content_type = match (status, content_type) {
            (_, Some(media)) => format!(" (content type {media})"),
            (Some(_), None) => " (no content type)".to_owned(),
            // progenitor does not report the headers of a success it could not decode.
            (None, None) => String::new(),
        },
        hint = spaced(invalid_response_hint(*status, *service)),
    )]
    InvalidResponse {
        /// Who answered: Atlas, or Cloud Manager for [`crate::cloud_manager`].
        service: Service,
        /// The HTTP status. `None` for a success body that does not decode:
        /// progenitor reports it without the response, so only "a 2xx" is
        /// known (the message says so rather than guess).
        status: Option<StatusCode>,
        /// What is wrong with the answer.
        problem: String,
        /// The response's `Content-Type` as it came (parameters included);
        /// `None` when it had none, or for a success body that does not decode.
        content_type: Option<String>,
        /// The start of the body.
        snippet: String,
        /// Attempts made, retries included.
        attempts: u32,
        /// The API version the call was sent with. `None` only for a success
        /// body that does not decode: progenitor reports it without the
        /// response, so the version is that of the operation (see
        /// `OPERATION_MEDIA_TYPES`) or the pinned one.
        api_version: Option<String>,
    },

    /// The API could not be reached, the connection broke, or an attempt
    /// timed out, after the retries the policy allows.
    #[error(
        "{what} ({source}). Check the network, the base URL ({base_url}) and any HTTPS_PROXY \
         setting",
        what = if source.is_timeout() {
            format!("the request to {service} timed out")
        } else {
            format!("could not talk to {service}")
        },
        base_url = match service {
            Service::CloudManager => "MCLI_OPS_MANAGER_URL or cloud_manager::ClientBuilder::base_url",
            _ => "MONGODB_ATLAS_BASE_URL or ClientBuilder::base_url",
        },
    )]
    Transport {
        /// Who was called: Atlas, or Cloud Manager for [`crate::cloud_manager`].
        service: Service,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A page of a listing (`stream()`, `all()`, `pages()`) had the same
    /// items as the page before it: the server did not move on, and the
    /// listing stopped there rather than fetch the same page forever.
    #[error(
        "page {page} of the listing had the same {items} items as the page before it: the \
         server did not move to the next page, so the listing stopped there rather than loop. \
         The items before it were delivered; run it again, and if it repeats, check whether a \
         proxy between you and Atlas caches answers regardless of their query"
    )]
    RepeatedPage {
        /// Which page of the listing (1 is the caller's first) repeated.
        page: u64,
        /// How many items it had.
        items: usize,
    },

    /// The client configuration is incomplete or invalid.
    #[error("{0}")]
    Config(String),

    /// An error from a hook of the generated client.
    #[error("{0}")]
    Other(String),
}

/// One problem with a request field, from Atlas's `badRequestDetail.fields`.
///
/// The runtime's own type, not the spec's: what Atlas sends decides.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldViolation {
    /// The field, such as `source.clusterName`, when Atlas named it.
    pub field: Option<String>,
    /// What is wrong with it, when Atlas said.
    pub description: Option<String>,
}

/// An Atlas JSON error with the HTTP status it came with.
///
/// Read from the body by the runtime's own tolerant model, not by the spec's
/// `ApiError`: every member is taken when it has the type it needs and
/// otherwise left out, so no real error fails to read and no spec revision
/// changes this type.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiFailure {
    /// The HTTP status.
    pub status: StatusCode,
    /// Atlas's application error code, such as `RESOURCE_NOT_FOUND`: the
    /// body's `errorCode`, or else its `X-Error-Code` header. `None` when
    /// Atlas sent neither (it has sent `"errorCode": null`).
    pub error_code: Option<String>,
    /// The conditions that caused the error.
    pub detail: Option<String>,
    /// The error message, such as `Not Found`.
    pub reason: Option<String>,
    /// Parameters giving more information, as Atlas sent them: strings in
    /// practice (`["cluster-989", "32b6e34b3d91647abb20e7b8"]`), whatever
    /// the spec says; empty when Atlas sent `null` or none.
    pub parameters: Vec<serde_json::Value>,
    /// Violations in the request, from `badRequestDetail.fields`.
    pub fields: Vec<FieldViolation>,
    /// `Retry-After`, when Atlas sent one.
    pub retry_after: Option<Duration>,
    /// The API version the call was sent with (a date such as `2024-05-30`).
    pub api_version: String,
    /// Who answered: Atlas, or Cloud Manager for [`crate::cloud_manager`].
    pub service: Service,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered HTTP {}", self.service, self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " ({code})")?;
        }
        write!(f, " to API version {}", self.api_version)?;
        if let Some(text) = self.detail.as_deref().or(self.reason.as_deref()) {
            write!(f, ": {}", clause(text))?;
        }
        for field in &self.fields {
            let name = field.field.as_deref().unwrap_or("a field");
            match field.description.as_deref() {
                Some(description) => write!(f, "; {name}: {}", clause(description))?,
                None => write!(f, "; {name} is invalid")?,
            }
        }
        let hint = hint(self.status, self.service);
        if !hint.is_empty() {
            write!(f, ". {hint}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " ({} asks to wait {} s)", self.service, wait.as_secs())?;
        }
        Ok(())
    }
}

impl Error {
    /// The HTTP status, when the error came with one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(failure) => Some(failure.status),
            Error::UnsupportedApiVersion { status, .. } | Error::TokenRequest { status, .. } => {
                Some(*status)
            }
            Error::InvalidResponse { status, .. } => *status,
            Error::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Atlas's `errorCode`, when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api(failure) => failure.error_code.as_deref(),
            Error::UnsupportedApiVersion { error_code, .. } => error_code.as_deref(),
            _ => None,
        }
    }

    /// The API version the call was sent with, when the error came with an
    /// answer (or, for [`Error::TokenRequest`], the version the call would
    /// have been sent with).
    pub fn api_version(&self) -> Option<&str> {
        match self {
            Error::Api(failure) => Some(&failure.api_version),
            Error::UnsupportedApiVersion { version, .. } => Some(version),
            Error::TokenRequest { api_version, .. } => Some(api_version),
            Error::InvalidResponse { api_version, .. } => api_version.as_deref(),
            _ => None,
        }
    }

    /// Whether trying the same call later may succeed: transport failures,
    /// rate limits and server errors. Never an answer that was a success
    /// (2xx), even one whose body did not decode: the request was done, and
    /// sending a create again would make a second one.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::InvalidResponse { status, .. } => status.is_some_and(|s| s.is_server_error()),
            _ => self
                .status()
                .is_some_and(|s| s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error()),
        }
    }
}

/// The error body type of a generated client, and so who answers it: the
/// Atlas client's `ApiError` or [`crate::cloud_manager`]'s.
pub trait ErrorBody: serde::Serialize {
    /// The API whose client names this type.
    const SERVICE: Service;
}

impl ErrorBody for ApiError {
    const SERVICE: Service = Service::Atlas;
}

impl ErrorBody for crate::cloud_manager::types::ApiError {
    const SERVICE: Service = Service::CloudManager;
}

impl<E: ErrorBody> From<progenitor_client::Error<E>> for Error {
    fn from(error: progenitor_client::Error<E>) -> Self {
        let service = E::SERVICE;
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(message) => invalid_request(&message),
            Generated::CommunicationError(source)
            | Generated::ResponseBodyError(source)
            | Generated::InvalidUpgrade(source) => Error::Transport { service, source },
            // Every failed answer: the `post` hook hands the runtime's
            // failure to the caller in this variant.
            Generated::UnexpectedResponse(mut response) => match Failure::take(&mut response) {
                Some(failure) => Error::from(failure),
                None => Error::InvalidResponse {
                    service,
                    status: Some(response.status()),
                    problem: "an answer this client did not read".to_owned(),
                    content_type: header_text(response.headers(), "content-type"),
                    snippet: String::new(),
                    attempts: 1,
                    api_version: None,
                },
            },
            // Only successes reach the generated decode; progenitor does not
            // say which status or content type came.
            Generated::InvalidResponsePayload(bytes, source) => Error::InvalidResponse {
                service,
                status: None,
                problem: format!("a body that does not decode ({source})"),
                content_type: None,
                snippet: failure::snippet(&bytes),
                attempts: 1,
                api_version: None,
            },
            // The `post` hook takes every failed answer before the generated
            // decode, so this client never returns this variant; a client
            // built around other hooks might.
            Generated::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                // Read through its JSON by the runtime's model, not its
                // generated fields, which change between spec revisions.
                let body = serde_json::to_vec(&response.into_inner()).unwrap_or_default();
                match AtlasError::read(&body, &headers) {
                    Some(api) => api_error(status, api, None, "unknown".to_owned(), service),
                    None => Error::InvalidResponse {
                        service,
                        status: Some(status),
                        problem: "a body that is not an Atlas error".to_owned(),
                        content_type: header_text(&headers, "content-type"),
                        snippet: failure::snippet(&body),
                        attempts: 1,
                        api_version: None,
                    },
                }
            }
            Generated::Custom(message) => Error::Other(message),
        }
    }
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        let snippet = failure.snippet();
        let Failure {
            endpoint,
            status,
            headers,
            url,
            body: _,
            content,
            retry_after,
            api_version,
            attempts,
            service,
        } = failure;
        if endpoint == Endpoint::Token {
            return Error::TokenRequest {
                status,
                url: url.to_string(),
                snippet,
                api_version,
            };
        }
        let problem = match content {
            Content::AtlasError(api) => {
                return api_error(status, *api, retry_after, api_version, service);
            }
            Content::Unrecognized => "a body that is not an Atlas error".to_owned(),
            Content::MalformedEnvelope => {
                "a body that is not the envelope {\"status\", \"content\"} that envelope=true asks for"
                    .to_owned()
            }
            Content::TooLarge => format!(
                "a body over the {} bytes this client reads for an answer{}",
                failure::MAX_BODY,
                header_text(&headers, "content-length")
                    .map(|length| format!(" ({length} bytes)"))
                    .unwrap_or_default(),
            ),
        };
        Error::InvalidResponse {
            service,
            status: Some(status),
            problem,
            content_type: header_text(&headers, "content-type"),
            snippet,
            attempts,
            api_version: Some(api_version),
        }
    }
}

/// One of Atlas's JSON errors: a version refusal, or any other.
fn api_error(
    status: StatusCode,
    api: AtlasError,
    retry_after: Option<Duration>,
    api_version: String,
    service: Service,
) -> Error {
    let version_error = matches!(
        api.error_code.as_deref(),
        Some("INVALID_VERSION_DATE" | "VERSION_GONE")
    ) || status == StatusCode::NOT_ACCEPTABLE
        || status == StatusCode::GONE;
    if version_error {
        return Error::UnsupportedApiVersion {
            version: api_version,
            status,
            error_code: api.error_code,
            detail: api.detail.or(api.reason),
        };
    }
    Error::Api(Box::new(ApiFailure {
        status,
        error_code: api.error_code,
        detail: api.detail,
        reason: api.reason,
        parameters: api.parameters,
        fields: api.fields,
        retry_after,
        api_version,
        service,
    }))
}

/// progenitor's messages, literals in the generated builders (a test checks
/// each): "conversion to `GroupId` for group_id failed", "conversion to
/// `T` for body failed: <typify's reason>" and "group_id was not initialized".
fn invalid_request(message: &str) -> Error {
    if let Some(parameter) = message.strip_suffix(" was not initialized") {
        return Error::InvalidRequest {
            parameter: parameter.to_owned(),
            problem: format!("it is required; set it on the request builder (.{parameter}(..))"),
        };
    }
    let converted = message
        .strip_prefix("conversion to `")
        .and_then(|rest| rest.split_once(" failed"))
        .and_then(|(head, reason)| Some((head.split_once("` for ")?, reason)));
    let Some(((type_name, parameter), reason)) = converted else {
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
        None => format!("not a valid {type_name}{reason}"),
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

/// Atlas's text as a clause of our sentence: without its final full stop.
fn clause(text: &str) -> &str {
    text.trim_end().trim_end_matches('.')
}

/// A hint after a full stop: with its space, or nothing.
fn spaced(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(" {hint}")
    }
}

fn invalid_response_hint(status: Option<StatusCode>, service: Service) -> &'static str {
    match status {
        Some(status) if !status.is_success() => hint(status, service),
        // A success: what was asked was done, so it is not to be sent again.
        _ => {
            "The request succeeded, so do not send it again; the answer's body is not what \
             this client's types expect: report it, with the body, to the client's maintainers"
        }
    }
}

fn hint(status: StatusCode, service: Service) -> &'static str {
    if service == Service::CloudManager {
        return match status.as_u16() {
            401 => {
                "Check the source organization's API key: MCLI_PUBLIC_API_KEY and \
                 MCLI_PRIVATE_API_KEY (a Cloud Manager or Ops Manager programmatic API key, not an \
                 Atlas one)"
            }
            403 => {
                "The Cloud Manager API key needs the Organization Owner role in the source \
                 organization, and its access list must include this machine"
            }
            404 => "Check the source organization ID (--sourceOrgId or MCLI_ORG_ID)",
            300..=399 => {
                "The client does not follow redirects, so credentials never reach another host; \
                 check the base URL (MCLI_OPS_MANAGER_URL)"
            }
            429 => {
                "Cloud Manager rate-limited the calls and the retries ran out; wait, then try again"
            }
            500..=599 => "Cloud Manager or a proxy in front of it failed; try again later",
            _ => "",
        };
    }
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
///
/// The same for [`crate::cloud_manager`]'s builders: `E` is the error body
/// type of the client the builder belongs to.
pub trait Checked<T, E: ErrorBody = ApiError>:
    Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>> + Sized
{
    /// The answer, or the crate's [`Error`].
    fn checked(self) -> impl Future<Output = Result<ResponseValue<T>, Error>> {
        async move { self.await.map_err(Error::from) }
    }
}

impl<T, E: ErrorBody, F> Checked<T, E> for F where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>
{
}

#[cfg(test)]
mod tests {
    use super::{Error, invalid_request};

    /// `InvalidRequest` reads progenitor's messages, which are literals in
    /// the generated file: every one must name its parameter, so that a
    /// progenitor upgrade that rewords them fails here, not for users.
    #[test]
    fn every_message_of_the_generated_builders_names_its_parameter() {
        let generated = include_str!("generated.rs");
        let messages: Vec<&str> = generated
            .split('"')
            .filter(|text| {
                text.starts_with("conversion to `") || text.ends_with(" was not initialized")
            })
            .collect();
        assert!(messages.len() > 10, "{messages:?}");
        for message in messages {
            let Error::InvalidRequest { parameter, problem } = invalid_request(message) else {
                unreachable!()
            };
            assert!(
                parameter != "request" && message.contains(&format!(" {parameter} "))
                    || message.starts_with(&format!("{parameter} ")),
                "{message:?} gave {parameter:?}: {problem}"
            );
        }
        let Error::InvalidRequest { problem, .. } =
            invalid_request("conversion to `GroupId` for group_id failed")
        else {
            unreachable!()
        };
        assert!(problem.contains("24 lower-case hexadecimal"), "{problem}");
        let Error::InvalidRequest { parameter, problem } = invalid_request(
            "conversion to `LiveMigrationRequest20240530` for body failed: no value supplied for source",
        ) else {
            unreachable!()
        };
        assert_eq!(parameter, "body");
        assert_eq!(
            problem,
            "not a valid LiveMigrationRequest20240530: no value supplied for source"
        );
    }
}
