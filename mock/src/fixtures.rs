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
    if let (Some(ready_at), Some(timer)) = (ready_at(state, n), state.scenario.cutover_timer)
        && ready_at.elapsed() >= timer
    {
        return ("EXPIRED", None, false);
    }
    // Time-driven: the job goes on whether anyone reads it or not.
    let age = job.created_at.map(|at| at.elapsed()).unwrap_or_default();
    if let Some(after) = state.scenario.ready_after {
        return if age >= after {
            ("WORKING", Some(2), true)
        } else {
            ("WORKING", Some(30), false)
        };
    }
    if let Some((step, lags)) = &state.scenario.lags_over_time {
        let at = (age.as_nanos() / step.as_nanos().max(1)) as usize;
        return ("WORKING", lags.get(at.min(lags.len() - 1)).copied(), true);
    }
    let script = &state.scenario.replication;
    // The poll count before this poll: the job last reported.
    script[job.polls.saturating_sub(1).min(script.len() - 1)]
}

/// When the `n`th job became ready for cutover: its timer runs from then.
pub(crate) fn ready_at(state: &State, n: usize) -> Option<Instant> {
    let job = &state.jobs[n];
    match (
        state.scenario.ready_after,
        state.scenario.lags_over_time.is_some(),
    ) {
        (Some(after), _) => job
            .created_at
            .map(|at| at + after)
            .filter(|at| *at <= Instant::now()),
        (None, true) => job.created_at,
        (None, false) => job.ready_at,
    }
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
