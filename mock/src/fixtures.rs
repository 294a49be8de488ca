//! The bodies the mock answers with: validations, jobs as their lifecycle
//! goes, the available projects.

use serde_json::json;

use super::*;

pub(crate) fn validation(id: &str, status: &str) -> String {
    let error_message =
        (status == "FAILED").then_some("Source cluster is not reachable from the migration host.");
    json!({
        "_id": id,
        "groupId": GROUP_ID,
        "sourceGroupId": "6296fb4c7c7aa997cf94e9a0",
        "status": status,
        "errorMessage": error_message,
    })
    .to_string()
}

pub(crate) fn job(
    scenario: &Scenario,
    id: &str,
    host: Option<&str>,
    (status, lag, ready): (&str, Option<u32>, bool),
) -> String {
    let mut job = json!({
        "_id": id,
        "lagTimeSeconds": lag,
        "migrationHosts": [host.unwrap_or("vm001.example.com")],
        "readyForCutover": ready,
        "status": status,
    });
    if let Some((name, value)) = &scenario.job_member_unlisted {
        job[*name] = value.clone();
    }
    job.to_string()
}

/// The `n`th job as the next poll sees it (without advancing).
pub(crate) fn current_job(state: &State, n: usize) -> (&'static str, Option<u32>, bool) {
    let job = &state.jobs[n];
    if let Some(at) = job.cutover_at_poll {
        return if job.polls >= at + state.scenario.polls_to_complete {
            ("COMPLETE", None, false)
        } else {
            ("WORKING", Some(0), true)
        };
    }
    if let (Some(ready_at), Some(timer)) = (job.ready_at, state.scenario.cutover_timer)
        && ready_at.elapsed() >= timer
    {
        return ("EXPIRED", None, false);
    }
    let script = &state.scenario.replication;
    // The poll count before this poll: the job last reported.
    script[job.polls.saturating_sub(1).min(script.len() - 1)]
}

pub(crate) fn poll_job(state: &mut State, n: usize) -> String {
    state.jobs[n].polls += 1;
    let now = current_job(state, n);
    if now.2 && state.jobs[n].ready_at.is_none() {
        state.jobs[n].ready_at = Some(Instant::now());
    }
    let host = state.jobs[n].host.clone();
    job(&state.scenario, &live_migration_id(n), host.as_deref(), now)
}

pub(crate) fn available_projects() -> String {
    json!([{
        "name": "On-premises project",
        "projectId": "6296fb4c7c7aa997cf94e9a0",
        "migrationHosts": ["vm001.example.com"],
        "deployments": [{
            "name": "source-cluster",
            "clusterId": "6296fb4c7c7aa997cf94e9a1",
            "featureCompatibilityVersion": "7.0",
            "mongoDBVersion": "7.0.12",
            "managed": true,
            "sharded": false,
            "tlsEnabled": true,
            "dbSizeBytes": 8192
        }]
    }])
    .to_string()
}
