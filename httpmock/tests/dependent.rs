//! A dependent's test, written as the crate docs show: the code under test
//! calls the client; the mock answers with the SDK's own types.

use atlas_live_migration_api::types::{GroupId, LiveMigrationId, LiveMigrationResponse};
use atlas_live_migration_api::{Client, Credentials, Error};
use atlas_live_migration_httpmock::MockServerExt;

const GROUP: &str = "5e2211c17a3e5a48f5497de3";
const JOB: &str = "6f1e2a3b4c5d6e7f8a9b0c1d";

/// The dependent's own code: whether a migration can be cut over.
async fn ready_for_cutover(
    client: &Client,
    group: &GroupId,
    job: &LiveMigrationId,
) -> Result<bool, Error> {
    let job = client
        .get_push_migration()
        .group_id(group.clone())
        .live_migration_id(job.clone())
        .send()
        .await?
        .into_inner();
    Ok(job.ready_for_cutover == Some(true))
}

fn client(server: &httpmock::MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::digest("public-key", "private-key"))
        .build()
        .unwrap()
}

fn job(ready: bool) -> LiveMigrationResponse {
    LiveMigrationResponse {
        id: Some(JOB.to_owned()),
        ready_for_cutover: Some(ready),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_typed_mock_answers_the_operation_it_is_for() {
    let server = httpmock::MockServer::start_async().await;
    let (group, id): (GroupId, LiveMigrationId) = (GROUP.parse().unwrap(), JOB.parse().unwrap());
    let mock = server.get_push_migration(|when, then| {
        when.group_id(&group).live_migration_id(&id);
        // Atlas answers any 2xx; the type is the documented one.
        then.success(200, &job(true));
    });
    assert!(
        ready_for_cutover(&client(&server), &group, &id)
            .await
            .unwrap()
    );
    mock.assert();
}

#[tokio::test]
async fn a_call_for_another_job_does_not_match() {
    let server = httpmock::MockServer::start_async().await;
    let group: GroupId = GROUP.parse().unwrap();
    let other: LiveMigrationId = "0123456789abcdef01234567".parse().unwrap();
    let mock = server.get_push_migration(|when, then| {
        when.group_id(&group)
            .live_migration_id(&JOB.parse::<LiveMigrationId>().unwrap());
        then.success(200, &job(true));
    });
    // httpmock answers an unmatched request with 404 and no Atlas body.
    let error = ready_for_cutover(&client(&server), &group, &other)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    mock.assert_calls(0);
}
