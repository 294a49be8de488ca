//! The legacy v1.0 surface, `/api/atlas/v1.0/...`: plain `application/json`
//! and, in its documented example, `migrationHosts` as one string rather
//! than an array. Responses are brought to the v2 shape before decoding
//! here; the request's path is `transport/headers.rs`'s.

use bytes::Bytes;
use serde_json::Value;

/// `"migrationHosts": "a"` becomes `"migrationHosts": ["a"]`; any other body
/// is returned as it was.
pub(crate) fn normalize_body(body: Bytes) -> Bytes {
    let Ok(Value::Object(mut job)) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    let Some(Value::String(host)) = job.remove("migrationHosts") else {
        return body;
    };
    job.insert(
        "migrationHosts".into(),
        Value::Array(vec![Value::String(host)]),
    );
    serde_json::to_vec(&job).map_or(body, Bytes::from)
}
