//! The source side: Cloud Manager's three link operations
//! (`/api/public/v1.0/orgs/{orgId}/liveExport/migrationLink`), behind their
//! own HTTP Digest key, as Cloud Manager answers them: plain
//! `application/json`, a link that reads `NOT_SYNCED` and then `SYNCED`, and
//! a token refused unless the Atlas organization made it.

use md5::{Digest as _, Md5};
use serde_json::{Value, json};

use super::routes::{Answer, error, error_with};
use super::*;

/// The realm Cloud Manager's Digest challenge names.
const REALM: &str = "MMS Public API";

pub(crate) fn answer(state: &mut State, request: &RecordedRequest) -> Answer {
    if let Some(refused) = refuse_unauthorized(state, request) {
        return refused;
    }
    let source_org = state.scenario.source_org_id.clone();
    let link = format!("/api/public/v1.0/orgs/{source_org}/liveExport/migrationLink");
    let plain =
        |status: u16, body: Value| Answer::Sent(status, "application/json", body.to_string());
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", p) if p == link => {
            let token = serde_json::from_str::<Value>(&request.body)
                .ok()
                .and_then(|body| body.get("linkToken")?.as_str().map(str::to_owned));
            let Some(token) = token else {
                return error(
                    400,
                    "INVALID_JSON",
                    "The body must be {\"linkToken\": \"…\"}.",
                );
            };
            // Only a token the Atlas organization made, and has not
            // removed since. (Cloud Manager's own code for it is not
            // recorded; this one says what happened.)
            if token != LINK_TOKEN || !state.linked {
                return error(
                    400,
                    "INVALID_LINK_TOKEN",
                    "The link-token is not one an Atlas organization issued, or it was removed.",
                );
            }
            state.source_link = Some(SourceLink {
                token,
                status_reads: 0,
            });
            plain(200, json!({ "status": "NOT_SYNCED" }))
        }
        ("GET", p) if p == format!("{link}/status") => {
            let status = match &mut state.source_link {
                Some(source) => {
                    source.status_reads += 1;
                    if source.status_reads > state.scenario.link_synced_after {
                        "SYNCED"
                    } else {
                        "NOT_SYNCED"
                    }
                }
                None => "NOT_SYNCED",
            };
            plain(200, json!({ "status": status }))
        }
        ("DELETE", p) if p == link => {
            if state.source_link.take().is_none() {
                return error_with(
                    404,
                    "RESOURCE_NOT_FOUND",
                    "The organization has no link with an Atlas organization.",
                    None,
                );
            }
            Answer::Sent(204, "application/json", String::new())
        }
        (_, p) if p.contains("/liveExport/") && !p.contains(&source_org) => {
            let org = p.split('/').nth(5).unwrap_or_default().to_owned();
            error_with(
                404,
                "ORG_NOT_FOUND",
                &format!("No organization with ID {org} exists."),
                Some(&[org.as_str()]),
            )
        }
        _ => error(
            404,
            "RESOURCE_NOT_FOUND",
            "The mock's Cloud Manager knows one organization's live-export link.",
        ),
    }
}

/// Cloud Manager authenticates every call with HTTP Digest and its own key:
/// a call without an answer to its challenge, or with another key (an
/// Atlas one), gets `401` and a fresh challenge.
fn refuse_unauthorized(state: &mut State, request: &RecordedRequest) -> Option<Answer> {
    let (public, private) = state.scenario.source_api_key;
    let fields = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Digest "))
        .map(fields);
    let accepted = fields.as_ref().is_some_and(|f| {
        let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let (Some(user), Some(nonce), Some(uri), Some(response)) =
            (get("username"), get("nonce"), get("uri"), get("response"))
        else {
            return false;
        };
        if user != public || !state.nonces.iter().any(|n| n == nonce) {
            return false;
        }
        let ha1 = md5_hex(&format!("{user}:{REALM}:{private}"));
        let ha2 = md5_hex(&format!("{}:{uri}", request.method));
        let expected = match (get("qop"), get("nc"), get("cnonce")) {
            (Some("auth"), Some(nc), Some(cnonce)) => {
                md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
            }
            _ => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
        };
        response == expected
    });
    if accepted {
        return None;
    }
    let nonce = format!("mock-nonce-{}", state.nonces.len());
    state.nonces.push(nonce.clone());
    let challenge = format!(
        "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\", stale=false"
    );
    let body = json!({
        "detail": "You are not authorized for this resource.",
        "error": 401,
        "errorCode": "NOT_IN_GROUP",
        "parameters": [],
        "reason": "Unauthorized",
    });
    Some(Answer::Challenge(challenge, body.to_string()))
}

/// `k="v", k=v` pairs of a Digest header.
fn fields(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = header.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_owned();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (
                    quoted[..end].to_owned(),
                    &quoted[(end + 1).min(quoted.len())..],
                )
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            }
        };
        out.push((key, value));
        rest = next.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    }
    out
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
