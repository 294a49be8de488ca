//! The legacy v1.0 surface, `/api/atlas/v1.0/...`: plain `application/json`
//! and, in its documented example, `migrationHosts` as one string rather
//! than an array. Responses are brought to the v2 shape before decoding.

use bytes::Bytes;
use serde_json::Value;

pub(crate) const V2_PREFIX: &str = "/api/atlas/v2/";
pub(crate) const V1_PREFIX: &str = "/api/atlas/v1.0/";

/// Rewrites a v2 request path to v1.0.
pub(crate) fn rewrite_path(url: &mut reqwest::Url) {
    if let Some(rest) = url.path().strip_prefix(V2_PREFIX) {
        let path = format!("{V1_PREFIX}{rest}");
        url.set_path(&path);
    }
}

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
