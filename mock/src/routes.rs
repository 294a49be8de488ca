//! The routes: what the mock answers to each request, as the real Atlas
//! does.

use serde_json::{Value, json};

use super::fixtures::{self, available_projects, current_job, job, poll_job, validation};
use super::*;

/// What the mock does with a request.
pub(crate) enum Answer {
    /// It answers: the status, the content type, the body.
    Sent(u16, &'static str, String),
    /// It carries the request out and cuts the connection: the answer is
    /// lost, as when a network cuts it.
    Lost,
    /// It carries the request out and answers after this delay.
    Held(std::time::Duration, u16, &'static str, String),
    /// `401` with this `WWW-Authenticate` challenge and JSON body.
    Challenge(String, String),
}

/// An Atlas error as the real Atlas sends it: `parameters` is a list of
/// strings (the values the detail names), or `null`.
pub(crate) fn error_with(
    status: u16,
    code: &str,
    detail: &str,
    parameters: Option<&[&str]>,
) -> Answer {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = json!({
        "detail": detail,
        "error": status,
        "errorCode": code,
        "parameters": parameters,
        "reason": reason,
    });
    Answer::Sent(status, "application/json", body.to_string())
}

pub(crate) fn error(status: u16, code: &str, detail: &str) -> Answer {
    error_with(status, code, detail, Some(&[]))
}

pub(crate) fn answer(state: &mut State, request: &RecordedRequest) -> Answer {
    let (method, path) = (request.method.as_str(), request.path.as_str());
    if path == "/api/oauth/token" {
        return token(state, request);
    }
    if path.starts_with("/api/public/v1.0/") {
        return super::source::answer(state, request);
    }
    if let Some(refused) = refuse_unauthorized(state, request) {
        return refused;
    }
    let Some(accept) = request
        .header("accept")
        .filter(|a| a.starts_with("application/vnd.atlas.") && a.ends_with("+json"))
    else {
        return error(
            406,
            "INVALID_VERSION_DATE",
            "Send Accept: application/vnd.atlas.<date>+json.",
        );
    };
    let media = if accept.contains("2024-05-30") {
        "application/vnd.atlas.2024-05-30+json"
    } else {
        "application/vnd.atlas.2023-01-01+json"
    };
    // The project the request names, when the mock has it.
    let project = path
        .strip_prefix("/api/atlas/v2/groups/")
        .map(|rest| rest.split('/').next().unwrap_or_default())
        .filter(|id| state.scenario.projects.iter().any(|p| p == id))
        .unwrap_or(GROUP_ID)
        .to_owned();
    let group = format!("/api/atlas/v2/groups/{project}/liveMigrations");
    let org = format!("/api/atlas/v2/orgs/{ORG_ID}/liveMigrations");
    let in_group = path.strip_prefix(&format!("{group}/")).unwrap_or_default();
    // The first validation can be read before any was started, as one
    // started by an earlier run.
    let validation_n = in_group
        .strip_prefix("validate/")
        .and_then(|id| (0..state.validations.len().max(1)).find(|n| validation_id(*n) == id));
    if validation_n == Some(0) && state.validations.is_empty() {
        state.validations.push(0);
    }
    let (job_id, cutover) = match in_group.strip_suffix("/cutover") {
        Some(id) => (id, true),
        None => (in_group, false),
    };
    let job_n = (0..state.jobs.len()).find(|n| live_migration_id(*n) == job_id);
    let (status, body) = match (method, path) {
        ("POST", p) if p == format!("{group}/validate") => match migration_request(request) {
            Ok(_) => {
                state.validations.push(0);
                let id = validation_id(state.validations.len() - 1);
                (200, validation(&id, "PENDING"))
            }
            Err(refused) => return refused,
        },
        ("GET", _) if validation_n.is_some() => {
            let n = validation_n.unwrap_or_default();
            let script = &state.scenario.validation;
            let status = script[state.validations[n].min(script.len() - 1)];
            state.validations[n] += 1;
            (200, validation(&validation_id(n), status))
        }
        ("POST", p) if p == group => {
            let body = match migration_request(request) {
                Ok(body) => body,
                Err(refused) => return refused,
            };
            if let Some(status) = state.scenario.fail_create {
                return error(status, "UNEXPECTED_ERROR", "The mock was told to fail.");
            }
            let cluster = body
                .pointer("/destination/clusterName")
                .and_then(Value::as_str);
            let host = body.pointer("/migrationHosts/0").and_then(Value::as_str);
            // Each push live migration uses its own dedicated migration
            // host: a host that runs a migration that has not ended takes
            // no other. (Atlas's own error for it is not recorded; this
            // one says what happened.)
            let busy = (0..state.jobs.len()).find(|n| {
                state.jobs[*n].host.as_deref() == host
                    && host.is_some()
                    && !matches!(current_job(state, *n).0, "COMPLETE" | "FAILED" | "EXPIRED")
            });
            if let (Some(n), Some(host)) = (busy, host) {
                state.busy_host_refused += 1;
                return error(
                    400,
                    "MIGRATION_HOST_IN_USE",
                    &format!(
                        "The migration host {host} runs live migration {}, which has not \
                         ended; each live migration uses its own dedicated migration host.",
                        live_migration_id(n)
                    ),
                );
            }
            state.jobs.push(Job {
                cluster: cluster.map(str::to_owned),
                host: host.map(str::to_owned),
                created_at: Some(std::time::Instant::now()),
                ..Job::default()
            });
            let id = live_migration_id(state.jobs.len() - 1);
            if cluster.is_some() && cluster == state.scenario.lose_create_answer {
                return Answer::Lost;
            }
            (201, job(&state.scenario, &id, host, ("NEW", None, false)))
        }
        ("GET", _) if job_n.is_some() && !cutover => {
            (200, poll_job(state, job_n.unwrap_or_default()))
        }
        ("PUT", _) if job_n.is_some() && cutover => {
            let n = job_n.unwrap_or_default();
            if state.jobs[n].cutover_at_poll.is_some() {
                (202, String::new())
            } else if state.scenario.refuse_cutover {
                return error(
                    400,
                    "CANNOT_CUTOVER_LIVE_MIGRATION",
                    "The migration cannot be cut over now.",
                );
            } else if current_job(state, n).2 {
                state.jobs[n].lag_at_cutover = current_job(state, n).1;
                state.jobs[n].cutover_at_poll = Some(state.jobs[n].polls);
                if let Some(delay) = state.scenario.hold_cutover_answer
                    && !std::mem::replace(&mut state.jobs[n].cutover_answer_held, true)
                {
                    // Carried out; the answer comes late, or never to a
                    // client that stopped waiting.
                    return Answer::Held(delay, 202, media, String::new());
                }
                (202, String::new())
            } else {
                return error(
                    400,
                    "CANNOT_CUTOVER_LIVE_MIGRATION",
                    "The migration is not ready for cutover.",
                );
            }
        }
        ("GET", p) if p == format!("{org}/availableProjects") => {
            (200, available_projects(&state.scenario))
        }
        ("GET", p) if p == format!("/api/atlas/v2/groups/{project}") => {
            (200, fixtures::group(&project))
        }
        ("POST", p) if p == format!("{org}/linkTokens") => {
            match serde_json::from_str::<atlas_live_migration_api::types::TargetOrgRequest>(
                &request.body,
            ) {
                // The real Atlas answers 201 (its spec says 200).
                Ok(_) => {
                    state.linked = true;
                    (201, json!({ "linkToken": LINK_TOKEN }).to_string())
                }
                Err(e) => return error(400, "INVALID_JSON", &e.to_string()),
            }
        }
        ("DELETE", p) if p == format!("{org}/linkTokens") => {
            // The link carries the migrations that run: Atlas keeps it.
            let running = (0..state.jobs.len()).find(|n| {
                state.jobs[*n].created_at.is_some()
                    && !matches!(current_job(state, *n).0, "COMPLETE" | "FAILED" | "EXPIRED")
            });
            if let (true, Some(n)) = (state.linked, running) {
                return error(
                    409,
                    "CANNOT_DELETE_ORG_ACTIVE_LIVE_MIGRATION_ATLAS_ORG_LINK",
                    &format!(
                        "The link cannot be removed while live migration {} uses it.",
                        live_migration_id(n)
                    ),
                );
            }
            if !std::mem::take(&mut state.linked) {
                // Recorded from the real Atlas, word for word.
                return error_with(
                    404,
                    "UNEXPECTED_ERROR",
                    "Could not find the requested external organization link.",
                    None,
                );
            }
            (204, String::new())
        }
        ("GET", p) if p.starts_with(&format!("{group}/")) && !p.contains("/validate") => {
            let id = p.rsplit('/').next().unwrap_or_default();
            return error_with(
                404,
                "RESOURCE_NOT_FOUND",
                &format!("Cannot find resource live migration with id {id}."),
                Some(&[&format!("live migration with id {id}")]),
            );
        }
        _ => {
            return error(
                404,
                "RESOURCE_NOT_FOUND",
                "The mock knows one project, one organization and the migrations it created.",
            );
        }
    };
    if request.query.split('&').any(|pair| pair == "envelope=true") {
        let content: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let wrapped = json!({ "status": status, "content": content });
        return Answer::Sent(200, "application/json", wrapped.to_string());
    }
    Answer::Sent(status, media, body)
}

pub(crate) fn token(state: &State, request: &RecordedRequest) -> Answer {
    if let Some((id, secret)) = state.scenario.service_account {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let expected = format!("Basic {basic}");
        if request.header("authorization") != Some(expected.as_str()) {
            return error(401, "INVALID_CLIENT", "Unknown client.");
        }
    }
    let body = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600});
    Answer::Sent(200, "application/json", body.to_string())
}

pub(crate) fn refuse_unauthorized(state: &State, request: &RecordedRequest) -> Option<Answer> {
    state.scenario.service_account?;
    let expected = format!("Bearer {ACCESS_TOKEN}");
    (request.header("authorization") != Some(expected.as_str())).then(|| {
        error(
            401,
            "NOT_ORG_GROUP_CREATOR",
            "Missing or invalid bearer token.",
        )
    })
}

/// The body of a validate or create POST, decoded as the version its
/// `Content-Type` names, and read as JSON.
pub(crate) fn migration_request(request: &RecordedRequest) -> Result<Value, Answer> {
    let decoded = match request.header("content-type") {
        Some("application/vnd.atlas.2024-05-30+json") => serde_json::from_str::<
            atlas_live_migration_api::types::LiveMigrationRequest20240530,
        >(&request.body)
        .map(drop),
        // The 2023-01-01 body has no type in a client generated for
        // 2024-05-30 (nor in a cut of a revision that offers only that
        // version); its own required field tells it apart.
        Some("application/vnd.atlas.2023-01-01+json") => {
            serde_json::from_str::<serde_json::Value>(&request.body).and_then(|body| {
                match body.get("dropEnabled") {
                    Some(serde_json::Value::Bool(_)) => Ok(()),
                    _ => Err(serde::de::Error::missing_field("dropEnabled")),
                }
            })
        }
        other => {
            return Err(error(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                &format!("Content-Type {other:?} is not a versioned Atlas media type."),
            ));
        }
    };
    decoded.map_err(|e| error(400, "INVALID_JSON", &e.to_string()))?;
    Ok(serde_json::from_str(&request.body).unwrap_or(Value::Null))
}
