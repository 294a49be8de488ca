//! The client's pace against the mock Atlas's rate limit (a token bucket
//! per project, with `RateLimit-*` headers and `429` when empty): clones
//! share one pace, a client inside its budget gets no `429`, and a reserve
//! is left to other tools.

use atlas_live_migration_api::types::{GroupId, LiveMigrationId};
use atlas_live_migration_api::{Checked, Client};
use atlas_live_migration_mock::{GROUP_ID, LIVE_MIGRATION_ID, MockAtlas, Scenario};
use std::time::Duration;

fn ids() -> (GroupId, LiveMigrationId) {
    (
        GROUP_ID.parse().unwrap(),
        LIVE_MIGRATION_ID.parse().unwrap(),
    )
}

fn client(atlas: &MockAtlas, paced: bool) -> Client {
    Client::builder()
        .base_url(atlas.base_url())
        .pacing(paced)
        .build()
        .unwrap()
}

/// `clones` clones of `client` reading the job `calls` times each, at once.
async fn poll_together(client: &Client, clones: usize, calls: usize) -> usize {
    let (group, job) = ids();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clones {
        let (client, group, job) = (client.clone(), group.clone(), job.clone());
        tasks.spawn(async move {
            let mut read = 0;
            for _ in 0..calls {
                let answer = client
                    .get_push_migration()
                    .group_id(group.clone())
                    .live_migration_id(job.clone())
                    .send()
                    .checked()
                    .await;
                read += usize::from(answer.is_ok());
            }
            read
        });
    }
    tasks.join_all().await.into_iter().sum()
}

/// The mock with one migration and a bucket of 20 requests refilled 20 a second.
async fn bucket_of_20_a_second() -> MockAtlas {
    MockAtlas::start(
        Scenario::default()
            .job_exists()
            .rate_limit(20, Duration::from_secs(1)),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_one_pace_and_get_no_429_inside_the_budget() {
    // 20 requests a bucket, refilled 20 a second; 80 requests from 8 clones.
    let atlas = bucket_of_20_a_second().await;
    let read = poll_together(&client(&atlas, true), 8, 10).await;
    assert_eq!(read, 80);
    assert_eq!(
        atlas.rate_limited(),
        0,
        "the pace let a request into an empty bucket"
    );
    assert_eq!(atlas.requests().len(), 80, "a request was sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_pace_the_same_calls_meet_429s() {
    // The same load unpaced: the bucket runs dry, Atlas answers 429, and
    // the retries (after Retry-After) carry the calls through.
    let atlas = bucket_of_20_a_second().await;
    let read = poll_together(&client(&atlas, false), 8, 10).await;
    assert_eq!(read, 80);
    assert!(atlas.rate_limited() > 0, "the bucket never ran dry");
    assert_eq!(atlas.requests().len(), 80 + atlas.rate_limited());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserve_is_left_in_the_bucket_for_other_tools() {
    let atlas = MockAtlas::start(
        Scenario::default()
            .job_exists()
            .rate_limit(30, Duration::from_secs(3)),
    )
    .await
    .unwrap();
    let client = Client::builder()
        .base_url(atlas.base_url())
        .rate_limit_reserve(10)
        .build()
        .unwrap();
    let (group, job) = ids();
    let mut lowest = u64::MAX;
    for _ in 0..30 {
        client
            .get_push_migration()
            .group_id(group.clone())
            .live_migration_id(job.clone())
            .send()
            .checked()
            .await
            .unwrap();
        lowest = lowest.min(client.rate_limit().unwrap().remaining);
    }
    assert!(
        lowest >= 10,
        "the budget went down to {lowest}, below the reserve of 10"
    );
    assert_eq!(atlas.rate_limited(), 0);
}
