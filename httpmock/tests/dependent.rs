//! A dependent's test, written as the crate docs show: the code under test
//! calls the client; the mock answers with the SDK's own types.

use atlas_live_migration_api::types::{
    GroupId, LiveMigrationId, LiveMigrationResponse, TargetOrg, TargetOrgRequest,
};
use atlas_live_migration_api::{Client, Credentials, Error};
use atlas_live_migration_httpmock::{AtlasError, MockServerExt};

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
        // The documented status, by its name.
        then.ok(&job(true));
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
        then.ok(&job(true));
    });
    // httpmock answers an unmatched request with 404 and no Atlas body.
    let error = ready_for_cutover(&client(&server), &group, &other)
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    mock.assert_calls(0);
}

/// The real Atlas answers `201` where the spec documents `200` (a link
/// token): `success` answers any 2xx, and the client reads it.
#[tokio::test]
async fn a_status_beside_the_documented_one_stays_reachable() {
    let server = httpmock::MockServer::start_async().await;
    let org = "4888442a3354817a7320eb61".parse().unwrap();
    let mock = server.create_org_live_migration_link_token(|when, then| {
        when.org_id(&org);
        then.success(
            201,
            &TargetOrg {
                link_token: Some("a-link-token".to_owned().into()),
            },
        );
    });
    let answer = client(&server)
        .create_org_live_migration_link_token()
        .org_id(org.clone())
        .body(TargetOrgRequest::default())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    mock.assert();
}

/// An error answered as the real Atlas sends it (string `parameters`, an
/// `errorCode` that may be `null`) reaches the caller as `Error::Api`.
#[tokio::test]
async fn an_error_is_answered_in_the_real_atlas_shape() {
    let server = httpmock::MockServer::start_async().await;
    let (group, id): (GroupId, LiveMigrationId) = (GROUP.parse().unwrap(), JOB.parse().unwrap());
    let mut mock = server.get_push_migration(|when, then| {
        when.group_id(&group).live_migration_id(&id);
        then.not_found(
            &AtlasError::new(404, "MIGRATION_NOT_FOUND", &format!("No migration {JOB}."))
                .parameters([JOB]),
        );
    });
    let error = ready_for_cutover(&client(&server), &group, &id)
        .await
        .unwrap_err();
    let Error::Api(failure) = &error else {
        panic!("not an Atlas error: {error}")
    };
    assert_eq!(failure.status.as_u16(), 404);
    assert_eq!(failure.error_code.as_deref(), Some("MIGRATION_NOT_FOUND"));
    assert_eq!(failure.parameters, vec![serde_json::json!(JOB)]);
    mock.assert();
    mock.delete();
    let mock = server.get_push_migration(|when, then| {
        when.group_id(&group).live_migration_id(&id);
        then.internal_server_error(&AtlasError::new(500, "UNEXPECTED_ERROR", "x").without_code());
    });
    let error = ready_for_cutover(&client(&server), &group, &id)
        .await
        .unwrap_err();
    let Error::Api(failure) = &error else {
        panic!("not an Atlas error: {error}")
    };
    assert_eq!(failure.status.as_u16(), 500);
    assert_eq!(failure.error_code, None, "{error}");
    mock.assert_calls(1);
}

/// A list served page by page with `Pages`, read whole by the client's
/// `all()`: each page asked for once, the items in order.
#[tokio::test]
async fn a_list_is_served_in_pages_and_read_whole() {
    use atlas_live_migration_api::types::{Group, PaginatedAtlasGroupView};
    use atlas_live_migration_httpmock::Pages;

    let server = httpmock::MockServer::start_async().await;
    let projects: Vec<Group> = (0..5)
        .map(|n| Group {
            name: Some(format!("project-{n}")),
            ..Default::default()
        })
        .collect();
    let mocks: Vec<_> = Pages::new(&projects, 2)
        .map(|page| {
            server.list_groups(|when, then| {
                when.page_num(page.page_num())
                    .items_per_page(page.items_per_page());
                then.ok(&page.answer::<PaginatedAtlasGroupView>());
            })
        })
        .collect();
    assert_eq!(mocks.len(), 3);
    let read = client(&server)
        .list_groups()
        .items_per_page(2u64)
        .all()
        .await
        .unwrap();
    let names: Vec<_> = read.iter().filter_map(|p| p.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            "project-0",
            "project-1",
            "project-2",
            "project-3",
            "project-4"
        ]
    );
    for mock in &mocks {
        mock.assert();
    }
    // The first page counts; none after it does.
    let first = Pages::new(&projects, 2)
        .next()
        .unwrap()
        .answer::<PaginatedAtlasGroupView>();
    assert_eq!(first.total_count, Some(5));
    let last = Pages::new(&projects, 2)
        .last()
        .unwrap()
        .answer::<PaginatedAtlasGroupView>();
    assert_eq!((last.total_count, last.results.len()), (None, 1));
    assert!(last.links.iter().all(|l| l.rel.as_deref() != Some("next")));
}
