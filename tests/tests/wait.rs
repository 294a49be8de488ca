//! Waiting for cutover against a scripted migration: each way a wait can
//! end, and transient failures along the way.

use std::time::Duration;

use atlas_live_migration_api::types::{GroupId, LiveMigrationId};
use atlas_live_migration_api::{
    Client, CutoverOutcome, Error, MigrationStatus, RetryPolicy, WaitEvent, WaitOptions,
};
use atlas_live_migration_tests::*;

const JSON: (&str, &str) = ("content-type", "application/json");

fn job(status: &str, lag: Option<i64>, ready: bool) -> Reply {
    let lag = lag.map_or("null".to_owned(), |l| l.to_string());
    let body = format!(
        r#"{{"_id":"{LIVE_MIGRATION_ID}","status":"{status}","lagTimeSeconds":{lag},"readyForCutover":{ready},"migrationHosts":["vm001.example.com"]}}"#
    );
    http_response(200, &[JSON], &body)
}

fn options(timeout: Option<Duration>) -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(20),
        jitter: 0.2,
        timeout,
    }
}

async fn wait(
    script: Vec<Reply>,
    timeout: Option<Duration>,
) -> (Result<CutoverOutcome, Error>, Vec<String>, ScriptedServer) {
    let server = ScriptedServer::start(script).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let group: GroupId = GROUP_ID.parse().unwrap();
    let migration: LiveMigrationId = LIVE_MIGRATION_ID.parse().unwrap();
    let mut events = Vec::new();
    let outcome = client
        .wait_for_cutover(&group, &migration, options(timeout), |event| {
            events.push(match event {
                WaitEvent::Observed(seen) => format!(
                    "{} lag={:?} poll={}",
                    seen.job
                        .status
                        .as_ref()
                        .map_or("-".into(), |s| s.to_string()),
                    seen.job.lag_time_seconds,
                    seen.poll
                ),
                WaitEvent::PollFailed { error, .. } => format!("failed {:?}", error.status()),
                _ => "other".into(),
            });
        })
        .await;
    (outcome, events, server)
}

#[tokio::test]
async fn waits_through_shrinking_lag_until_ready_for_cutover() {
    let (outcome, events, server) = wait(
        vec![
            job("NEW", None, false),
            job("WORKING", Some(120), false),
            job("WORKING", Some(4), true),
        ],
        None,
    )
    .await;
    let outcome = outcome.unwrap();
    assert!(outcome.is_success());
    let CutoverOutcome::ReadyForCutover(seen) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(seen.poll, 3);
    assert_eq!(seen.job.lag_time_seconds, Some(4));
    assert_eq!(
        events,
        [
            "NEW lag=None poll=1",
            "WORKING lag=Some(120) poll=2",
            "WORKING lag=Some(4) poll=3"
        ]
    );
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn each_terminal_status_ends_the_wait_with_its_outcome() {
    for (status, expected) in [
        ("COMPLETE", "Complete"),
        ("FAILED", "Failed"),
        ("EXPIRED", "Expired"),
    ] {
        let (outcome, _, _) = wait(
            vec![job("WORKING", Some(9), false), job(status, None, false)],
            None,
        )
        .await;
        let outcome = outcome.unwrap();
        let (name, seen) = match &outcome {
            CutoverOutcome::Complete(seen) => ("Complete", seen),
            CutoverOutcome::Failed(seen) => ("Failed", seen),
            CutoverOutcome::Expired(seen) => ("Expired", seen),
            other => panic!("{status}: {other:?}"),
        };
        assert_eq!(name, expected);
        assert_eq!(
            seen.job
                .status
                .as_ref()
                .map(MigrationStatus::to_string)
                .as_deref(),
            Some(status)
        );
        assert_eq!(outcome.is_success(), status == "COMPLETE");
    }
}

#[tokio::test]
async fn a_timeout_ends_the_wait_with_the_last_observation() {
    let (outcome, events, _) = wait(
        vec![job("WORKING", Some(300), false)],
        Some(Duration::from_millis(150)),
    )
    .await;
    let CutoverOutcome::TimedOut {
        last,
        waited,
        cutover_started: false,
    } = outcome.unwrap()
    else {
        panic!()
    };
    assert!(waited >= Duration::from_millis(150));
    assert_eq!(last.unwrap().job.lag_time_seconds, Some(300));
    assert!(events.len() >= 2, "{events:?}");
}

#[tokio::test]
async fn transient_failures_are_reported_and_the_wait_goes_on() {
    let (outcome, events, _) = wait(
        vec![
            http_response(503, &[], "maintenance"),
            Reply::Close,
            job("WORKING", Some(1), true),
        ],
        None,
    )
    .await;
    assert!(matches!(
        outcome.unwrap(),
        CutoverOutcome::ReadyForCutover(_)
    ));
    assert_eq!(events[0], "failed Some(503)");
    assert_eq!(events[1], "failed None");
    assert_eq!(events.len(), 3);
}

#[tokio::test]
async fn a_failure_retrying_cannot_mend_ends_the_wait_with_the_error() {
    let (_, not_found, _) = SEED_ERRORS[2];
    let (outcome, events, server) = wait(
        vec![
            job("NEW", None, false),
            http_response(404, &[JSON], not_found),
        ],
        None,
    )
    .await;
    let error = outcome.expect_err("the job is gone");
    assert_eq!(error.error_code(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(events.len(), 1);
    assert_eq!(server.requests(), 2);
}
