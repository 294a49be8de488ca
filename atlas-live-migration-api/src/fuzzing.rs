//! The runtime's readers of Atlas's bytes, callable from outside for the
//! property tests (`tests/tests/readers.rs`) and the fuzz target
//! (`tests/fuzz/`): feature `fuzzing`, not part of the API. Each function is
//! the reader the client runs on an answer, with nothing in between.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Error;
use crate::auth::digest::DigestAuth;
use crate::response::failure::{Endpoint, Failure, ReadResponse};
use crate::response::{atlas_error::AtlasError, envelope, legacy};

/// Headers from `(name, value)` pairs; pairs that are no valid header are
/// left out.
pub fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// What the runtime's model reads of an error body: `errorCode` (or the
/// `X-Error-Code` header), `detail`, `reason`, the number of `parameters`
/// and of `badRequestDetail.fields`; `None` when the body is no Atlas error.
pub type ReadError = (Option<String>, Option<String>, Option<String>, usize, usize);

/// The runtime's model of an Atlas error body
/// (`response/atlas_error.rs`).
pub fn atlas_error(body: &[u8], headers: &HeaderMap) -> Option<ReadError> {
    AtlasError::read(body, headers).map(|e| {
        (
            e.error_code,
            e.detail,
            e.reason,
            e.parameters.len(),
            e.fields.len(),
        )
    })
}

/// The status and content of an `envelope=true` body
/// (`response/envelope.rs`).
pub fn envelope(body: &[u8]) -> Option<(u16, Bytes)> {
    envelope::unwrap(body).map(|(status, content)| (status.as_u16(), content))
}

/// A JSON success as the generated decode of `operation_id` reads it: the
/// pass every JSON success takes (`NULL_AS_ABSENT`, `TEXT_SUCCESS_AS_TEXT`).
pub fn success(operation_id: &str, body: Bytes) -> Bytes {
    crate::response::success_body(operation_id, body)
}

/// A legacy v1.0 body brought to the v2 shape (`response/legacy.rs`).
pub fn legacy(body: Bytes) -> Bytes {
    legacy::normalize_body(body)
}

/// Whether a Digest client takes a challenge from these `WWW-Authenticate`
/// headers (`None`: none it can answer; else whether it says `stale`), and
/// then the `Authorization` it would send for a GET of `url`.
pub fn digest_challenge(headers: &HeaderMap, url: &str) -> (Option<bool>, Option<String>) {
    let digest = DigestAuth::new("public-key".to_owned(), "private-key".to_owned().into());
    let taken = digest.accept_challenge(headers);
    let authorization = reqwest::Url::parse(url).ok().and_then(|url| {
        digest
            .authorization(&reqwest::Method::GET, &url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
    });
    (taken, authorization)
}

/// The one `Error` a caller gets for a failed answer of `status` with
/// these headers and body: read once as the runtime reads every failure,
/// and converted as `.checked()` converts it.
pub fn failure(status: u16, headers: HeaderMap, body: Bytes) -> Error {
    let read = ReadResponse {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers,
        url: reqwest::Url::parse("https://cloud.mongodb.com/api/atlas/v2/groups")
            .expect("a valid URL"),
        body,
        truncated: false,
    };
    let failure = std::sync::Arc::new(Failure::new(read, Endpoint::Api));
    Error::from(
        progenitor_client::Error::<crate::types::ApiError>::UnexpectedResponse(
            failure.into_response(),
        ),
    )
}
