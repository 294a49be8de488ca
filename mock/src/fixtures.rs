//! The bodies the mock answers with: validations, jobs as their lifecycle
//! goes, the available projects.

use serde_json::{Value, json};

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

/// The source projects the link reaches, with their registered migration
/// hosts and deployments, as the scenario has them.
pub(crate) fn available_projects(scenario: &Scenario) -> String {
    let projects: Vec<_> = scenario
        .sources
        .iter()
        .map(|project| {
            let deployments: Vec<_> = project
                .deployments
                .iter()
                .enumerate()
                .map(|(n, d)| {
                    json!({
                        "name": d.name,
                        "clusterId": format!("{:0>24}", format!("{:x}", 0x6296_fb4c_u64 + n as u64)),
                        "featureCompatibilityVersion": d.feature_compatibility_version,
                        "mongoDBVersion": d.mongodb_version,
                        "managed": true,
                        "sharded": d.sharded,
                        "tlsEnabled": true,
                        "dbSizeBytes": 8192
                    })
                })
                .collect();
            json!({
                "name": project.name,
                "projectId": project.project_id,
                "migrationHosts": project.migration_hosts,
                "deployments": deployments,
            })
        })
        .collect();
    Value::Array(projects).to_string()
}

/// One of the mock's projects, in its organization.
pub(crate) fn group(id: &str) -> String {
    json!({
        "id": id,
        "name": "Mock project",
        "orgId": ORG_ID,
        "clusterCount": 0,
        "created": "2026-01-05T10:00:00Z",
    })
    .to_string()
}
