//! Atlas's error body, read by the runtime's own model.
//!
//! The spec's `ApiError` is not what Atlas sends: real errors carry
//! `parameters` as a list of strings or `null` (the spec says objects), and
//! `errorCode` has been `null`. Spec revisions also change `ApiError` (its
//! fields were optional in 2024). So the runtime never reads an error body
//! through a generated type: it reads the fields it knows from the JSON as
//! it came, each only when it has the type it needs, and keeps every other
//! value as JSON. A spec update cannot break this code, and no real error
//! fails to read.

use reqwest::header::HeaderMap;
use serde_json::{Map, Value};

/// One of Atlas's JSON errors, as far as it was sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct AtlasError {
    /// `errorCode`, or else the `X-Error-Code` header.
    pub(crate) error_code: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) reason: Option<String>,
    /// `parameters`: any JSON values (strings in practice); `null` is none.
    pub(crate) parameters: Vec<Value>,
    /// `badRequestDetail.fields`.
    pub(crate) fields: Vec<crate::FieldViolation>,
}

impl AtlasError {
    /// Reads `body` as an Atlas error: a JSON object with an `errorCode` or
    /// a numeric `error` (the status), whatever else it has or lacks.
    /// `None` for anything else (an HTML page, a token endpoint's answer).
    pub(crate) fn read(body: &[u8], headers: &HeaderMap) -> Option<Self> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let is_atlas_error = map.contains_key("errorCode")
            || map.get("error").is_some_and(Value::is_u64)
            || map.contains_key("badRequestDetail");
        if !is_atlas_error {
            return None;
        }
        let error_code = text(&map, "errorCode").or_else(|| {
            headers
                .get("x-error-code")
                .and_then(|value| value.to_str().ok())
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
        });
        let parameters = match map.get("parameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        };
        let fields = map
            .get("badRequestDetail")
            .and_then(|detail| detail.get("fields"))
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|field| crate::FieldViolation {
                        field: text(field, "field"),
                        description: text(field, "description"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            error_code,
            detail: text(&map, "detail"),
            reason: text(&map, "reason"),
            parameters,
            fields,
        })
    }
}

/// A member that is a non-empty string.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::AtlasError;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn reads_what_atlas_sends_not_what_the_spec_says() {
        let none = HeaderMap::new();
        // Recorded: parameters as strings.
        let read = AtlasError::read(
            br#"{"detail":"No cluster named cluster-989 exists in group b0123.","error":404,"errorCode":"CLUSTER_NOT_FOUND","parameters":["cluster-989","b0123"],"reason":"Not Found"}"#,
            &none,
        )
        .unwrap();
        assert_eq!(read.error_code.as_deref(), Some("CLUSTER_NOT_FOUND"));
        assert_eq!(read.parameters, vec!["cluster-989", "b0123"]);
        assert_eq!(read.reason.as_deref(), Some("Not Found"));
        // Recorded: parameters null, and errorCode null with the header.
        let mut headers = HeaderMap::new();
        headers.insert("x-error-code", HeaderValue::from_static("UNEXPECTED_ERROR"));
        let read = AtlasError::read(
            br#"{"detail":null,"error":404,"errorCode":null,"parameters":null,"reason":"Not Found"}"#,
            &headers,
        )
        .unwrap();
        assert_eq!(read.error_code.as_deref(), Some("UNEXPECTED_ERROR"));
        assert!(read.parameters.is_empty() && read.detail.is_none());
        // The spec's shape still reads, and new members are ignored.
        let read = AtlasError::read(
            br#"{"error":400,"errorCode":"INVALID_ATTRIBUTE","parameters":[{"a":1}],"badRequestDetail":{"fields":[{"field":"source","description":"must not be null"}]},"new":true}"#,
            &none,
        )
        .unwrap();
        assert_eq!(read.parameters, vec![serde_json::json!({"a": 1})]);
        assert_eq!(read.fields[0].field.as_deref(), Some("source"));
        // Not Atlas errors.
        for body in [
            &b"<html>bad gateway</html>"[..],
            b"{\"error\":\"invalid_client\"}",
            b"[]",
        ] {
            assert_eq!(AtlasError::read(body, &none), None, "{body:?}");
        }
    }
}
