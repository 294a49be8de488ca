//! `envelope=true`: Atlas answers HTTP 200 with `{"status": <the real
//! status>, "content": <the entity or the error>}` for clients that cannot
//! read status codes. The runtime unwraps it before the generated code
//! decodes, so the caller gets the same value, or the same error, as without.

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Envelope<'a> {
    status: u16,
    #[serde(borrow)]
    content: &'a RawValue,
}

/// Whether the request asked for an envelope.
pub(crate) fn requested(url: &reqwest::Url) -> bool {
    url.query_pairs()
        .any(|(name, value)| name == "envelope" && value == "true")
}

/// The status and content inside an envelope body; `None` when the body is
/// no envelope.
pub(crate) fn unwrap(body: &[u8]) -> Option<(StatusCode, Bytes)> {
    let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
    let status = StatusCode::from_u16(envelope.status).ok()?;
    Some((
        status,
        Bytes::copy_from_slice(envelope.content.get().as_bytes()),
    ))
}
