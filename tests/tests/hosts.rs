//! The mock Atlas as Atlas is: each push live migration uses its own
//! dedicated migration host, so a create on a host that runs a migration
//! that has not ended is refused, and taken again once that one is
//! `COMPLETE`. What the fleet's host pool is checked against.

use atlas_live_migration_api::{Checked, Client};
use atlas_live_migration_mock::{GROUP_ID, MockAtlas, Scenario};
use atlas_live_migration_tests::{migration_request, plain_client};

async fn create(client: &Client) -> Result<String, atlas_live_migration_api::Error> {
    let job = client
        .create_group_live_migration()
        .group_id(GROUP_ID)
        .body(migration_request())
        .send()
        .checked()
        .await?
        .into_inner();
    Ok(job.live_migration_id().unwrap().as_str().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_runs_one_unfinished_migration_at_a_time() {
    let mut scenario = Scenario::default().ready_at_once();
    scenario.polls_to_complete = 1;
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let client = plain_client(atlas.base_url());
    let first = create(&client).await.unwrap();

    let refused = create(&client).await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400), "{refused}");
    assert_eq!(
        refused.error_code(),
        Some("MIGRATION_HOST_IN_USE"),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("vm001.example.com"),
        "{refused}"
    );
    assert_eq!((atlas.created(), atlas.busy_host_refused()), (1, 1));

    // Cut over and followed to COMPLETE, the first gives the host back.
    let get = || {
        client
            .get_push_migration()
            .group_id(GROUP_ID)
            .live_migration_id(first.as_str())
            .send()
    };
    let job = get().await.unwrap().into_inner();
    assert_eq!(job.ready_for_cutover, Some(true));
    client
        .cutover_group_live_migration()
        .group_id(GROUP_ID)
        .live_migration_id(first.as_str())
        .send()
        .checked()
        .await
        .unwrap();
    let mut status = String::new();
    for _ in 0..5 {
        let job = get().await.unwrap().into_inner();
        status = job
            .status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        if status == "COMPLETE" {
            break;
        }
    }
    assert_eq!(status, "COMPLETE");
    let second = create(&client).await.unwrap();
    assert_ne!(second, first);
    assert_eq!(atlas.created(), 2);
}
