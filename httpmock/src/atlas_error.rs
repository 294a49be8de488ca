//! The error body the typed mock's error answers take: the shape the real
//! Atlas sends (rule `MOCK_ERROR_AS_ATLAS_SENDS_IT`), not the spec's
//! `ApiError`: `parameters` are strings, `errorCode` may be `null`.

use serde::Serialize;

/// An Atlas error body, as the real Atlas sends it.
///
/// ```
/// use atlas_live_migration_httpmock::AtlasError;
///
/// let body = AtlasError::new(404, "MIGRATION_NOT_FOUND", "No migration with ID 6f1e2a3b4c5d6e7f8a9b0c1d exists.")
///     .parameters(["6f1e2a3b4c5d6e7f8a9b0c1d"]);
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["errorCode"], "MIGRATION_NOT_FOUND");
/// assert_eq!(json["reason"], "Not Found");
/// assert_eq!(json["parameters"][0], "6f1e2a3b4c5d6e7f8a9b0c1d");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AtlasError {
    /// The HTTP status, repeated in the body.
    pub error: u16,
    /// Atlas's error code; `None` is sent as `null`, as Atlas does for
    /// some errors.
    pub error_code: Option<String>,
    /// What went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The status's reason phrase (`Not Found`).
    pub reason: String,
    /// The values the detail names, as strings.
    pub parameters: Vec<serde_json::Value>,
}

impl AtlasError {
    /// An error with `status`, its reason phrase, `error_code` and `detail`.
    pub fn new(status: u16, error_code: &str, detail: &str) -> Self {
        Self {
            error: status,
            error_code: Some(error_code.to_owned()),
            detail: Some(detail.to_owned()),
            reason: reason(status).to_owned(),
            parameters: Vec::new(),
        }
    }

    /// The same error with `errorCode: null`.
    pub fn without_code(mut self) -> Self {
        self.error_code = None;
        self
    }

    /// The same error with these `parameters`, each a string.
    pub fn parameters<I, S>(mut self, parameters: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.parameters = parameters
            .into_iter()
            .map(|p| serde_json::Value::String(p.into()))
            .collect();
        self
    }
}

/// The reason phrases Atlas sends for the statuses its errors have.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    }
}
