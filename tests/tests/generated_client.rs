//! The generated client against a loopback mock of Atlas: decoding the seed
//! examples, the versioned `Accept` header, query flags and path IDs.

use atlas_live_migration_api::types::LiveMigrationResponseStatus;
use atlas_live_migration_api::{ApiVersion, Client, Error, MigrationStatus, SendError};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

fn client(server: &MockServer) -> Client {
    plain_client(&server.base_url())
}

#[tokio::test]
async fn seed_200_example_decodes_into_the_typed_response() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(200)
                .header("content-type", MEDIA_TYPE)
                .body(SEED_200);
        })
        .await;

    let response = client(&server)
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .await
        .expect("the seed example is a valid response");

    assert_eq!(response.status(), 200);
    let job = response.into_inner();
    assert_eq!(job.id.as_deref(), Some("32b6e34b3d91647abb20e7b8"));
    assert_eq!(job.lag_time_seconds, Some(42));
    assert_eq!(job.migration_hosts, ["vm001.example.com"]);
    assert_eq!(job.ready_for_cutover, Some(true));
    assert_eq!(
        job.status,
        Some(MigrationStatus::from(LiveMigrationResponseStatus::New))
    );
    mock.assert_async().await;
}

/// The runtime reads every failed answer once and hands it over as it came
/// (`UnexpectedResponse`, with the status, headers and body); the crate's
/// `Error` built from it has every field of Atlas's error.
#[tokio::test]
async fn each_documented_error_status_yields_the_typed_api_error() {
    let server = MockServer::start_async().await;
    let mut cases: Vec<(u16, &str, &str)> = SEED_ERRORS.to_vec();
    cases.push((429, RATE_LIMITED_429, "RATE_LIMITED"));
    for (status, body, error_code) in cases {
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path(PATH);
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;

        let error = client(&server)
            .get_push_migration()
            .group_id(GROUP_ID)
            .live_migration_id(LIVE_MIGRATION_ID)
            .send()
            .await
            .expect_err("an error status is an error");

        let SendError::UnexpectedResponse(response) = &error else {
            panic!("status {status}: expected the answer as it came, got {error:?}");
        };
        assert_eq!(response.status(), status);

        let error = Error::from(error);
        let Error::Api(failure) = &error else {
            panic!("status {status}: expected Error::Api, got {error:?}");
        };
        assert_eq!(failure.status, status);
        assert_eq!(failure.error_code.as_deref(), Some(error_code));
        let detail = failure.detail.as_deref().unwrap();
        assert!(detail.contains("This is just an example"));
        assert!(failure.reason.is_some());
        assert_eq!(failure.api_version, "2023-01-01");
        assert!(error.to_string().contains(error_code), "{error}");
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn requests_send_the_versioned_accept_header_and_no_api_version_header() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .header("accept", MEDIA_TYPE)
                .header_missing("api-version");
            then.status(200).body(SEED_200);
        })
        .await;

    client(&server)
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .await
        .expect("the mock matches only the versioned Accept header");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_pinned_api_version_replaces_the_spec_version() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .header("accept", "application/vnd.atlas.2025-03-12+json");
            then.status(200).body(SEED_200);
        })
        .await;
    let version: ApiVersion = "2025-03-12".parse().unwrap();
    let client = Client::builder()
        .base_url(server.base_url())
        .api_version(version)
        .build()
        .unwrap();

    client
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .await
        .expect("the mock matches only the pinned version");
    mock.assert_async().await;
}

#[tokio::test]
async fn envelope_and_pretty_are_sent_only_when_set() {
    let server = MockServer::start_async().await;
    let unset = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .query_param_missing("envelope")
                .query_param_missing("pretty");
            then.status(200).body(SEED_200);
        })
        .await;
    client(&server)
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .await
        .expect("no flags: neither parameter is in the query");
    unset.assert_async().await;

    // With envelope=true Atlas wraps the job; the client unwraps it.
    let answer = |envelope: bool| match envelope {
        true => format!(r#"{{"status": 200, "content": {SEED_200}}}"#),
        false => SEED_200.to_owned(),
    };
    for (envelope, pretty) in [(true, false), (false, true), (true, true)] {
        let set = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(PATH)
                    .query_param("envelope", envelope.to_string())
                    .query_param("pretty", pretty.to_string());
                then.status(200).body(answer(envelope));
            })
            .await;
        client(&server)
            .get_push_migration()
            .group_id(GROUP_ID)
            .live_migration_id(LIVE_MIGRATION_ID)
            .envelope(envelope)
            .pretty(pretty)
            .send()
            .await
            .expect("both flags set: both parameters are in the query");
        set.assert_async().await;
        set.delete_async().await;
    }
}

const INVALID_IDS: [&str; 9] = [
    "32b6e34b3d91647abb20e7b",   // 23 characters
    "32b6e34b3d91647abb20e7b8a", // 25 characters
    "32B6E34B3D91647ABB20E7B8",  // upper-case hex
    "32b6e34b3d91647abb20e7bz",  // not hex
    "../../../../../../admin/x", // path traversal
    "",
    "32b6e34b3d91647abb20e7b8\n",
    "\n32b6e34b3d91647abb20e7b8",
    "32b6e34b3d91647a bb20e7b8",
];

#[tokio::test]
async fn invalid_ids_fail_before_any_request_is_sent() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(SEED_200);
        })
        .await;

    for invalid in INVALID_IDS {
        let as_group = client(&server)
            .get_push_migration()
            .group_id(invalid)
            .live_migration_id(LIVE_MIGRATION_ID)
            .send()
            .await;
        assert!(
            matches!(&as_group, Err(SendError::InvalidRequest(m)) if m.contains("group_id")),
            "group id {invalid:?}: {as_group:?}"
        );
        let as_migration = client(&server)
            .get_push_migration()
            .group_id(GROUP_ID)
            .live_migration_id(invalid)
            .send()
            .await;
        assert!(
            matches!(&as_migration, Err(SendError::InvalidRequest(m)) if m.contains("live_migration_id")),
            "live migration id {invalid:?}: {as_migration:?}"
        );
    }
    assert_eq!(
        anything.calls_async().await,
        0,
        "no invalid ID may reach the wire"
    );
}

#[tokio::test]
async fn path_segments_are_the_validated_ids() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(format!(
                "/api/atlas/v2/groups/{}/liveMigrations/{}",
                "aaaaaaaaaaaaaaaaaaaaaaaa", "0123456789abcdef01234567"
            ));
            then.status(200).body(SEED_200);
        })
        .await;
    client(&server)
        .get_push_migration()
        .group_id("aaaaaaaaaaaaaaaaaaaaaaaa")
        .live_migration_id("0123456789abcdef01234567")
        .send()
        .await
        .expect("each ID lands in its own path segment");
    mock.assert_async().await;
}
