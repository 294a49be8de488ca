//! What Atlas may send beyond the happy path: envelopes, statuses this
//! crate does not know, nulls, extra fields, version refusals and
//! deprecation notices, and the legacy v1.0 surface.

use atlas_live_migration_api::types::{
    DestinationHostnameSchemaType, LiveImportValidationStatus, LiveMigrationResponseStatus,
};
use atlas_live_migration_api::{ApiVersion, Client, Credentials, Error, MigrationStatus, Open};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

fn client(server: &MockServer) -> Client {
    plain_client(&server.base_url())
}

async fn get(
    client: &Client,
    envelope: bool,
) -> Result<atlas_live_migration_api::types::LiveMigrationResponse, Error> {
    let mut request = client
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID);
    if envelope {
        request = request.envelope(true);
    }
    Ok(request.send().await?.into_inner())
}

async fn answer_job(
    body: &str,
) -> Result<atlas_live_migration_api::types::LiveMigrationResponse, Error> {
    let server = MockServer::start_async().await;
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH);
            then.status(200).body(body);
        })
        .await;
    get(&client(&server), false).await
}

#[tokio::test]
async fn an_enveloped_404_is_the_same_error_as_a_plain_one() {
    let (_, not_found, _) = SEED_ERRORS[2];
    let plain = MockServer::start_async().await;
    plain
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param_missing("envelope");
            then.status(404)
                .header("content-type", "application/json")
                .body(not_found);
        })
        .await;
    let wrapped = MockServer::start_async().await;
    wrapped
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param("envelope", "true");
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(r#"{{"status": 404, "content": {not_found}}}"#));
        })
        .await;

    let plain = get(&client(&plain), false).await.expect_err("404");
    let wrapped = get(&client(&wrapped), true)
        .await
        .expect_err("404 inside the envelope");
    let (Error::Api(plain), Error::Api(wrapped)) = (&plain, &wrapped) else {
        panic!("{plain:?} / {wrapped:?}")
    };
    assert_eq!(wrapped.status, 404);
    assert_eq!(wrapped.error_code.as_deref(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(plain.to_string(), wrapped.to_string());
}

#[tokio::test]
async fn an_enveloped_job_is_the_same_value_as_a_plain_one() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).query_param("envelope", "true");
            then.status(200)
                .body(format!(r#"{{"status": 200, "content": {SEED_200}}}"#));
        })
        .await;
    let job = get(&client(&server), true).await.unwrap();
    let plain: atlas_live_migration_api::types::LiveMigrationResponse =
        serde_json::from_str(SEED_200).unwrap();
    assert_eq!(
        serde_json::to_value(&job).unwrap(),
        serde_json::to_value(&plain).unwrap()
    );
}

#[tokio::test]
async fn an_envelope_request_answered_without_an_envelope_is_an_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(200).body(SEED_200);
        })
        .await;
    let error = get(&client(&server), true).await.expect_err("no envelope");
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
    assert!(error.to_string().contains("envelope"), "{error}");
}

#[tokio::test]
async fn a_status_this_crate_does_not_know_decodes_and_keeps_its_text() {
    let job = answer_job(
        r#"{"_id": "32b6e34b3d91647abb20e7b8", "status": "PAUSED", "lagTimeSeconds": 3}"#,
    )
    .await
    .expect("an unknown status is not a failure");
    assert_eq!(job.status, Some(MigrationStatus::Unknown("PAUSED".into())));
    assert!(!job.status.unwrap().is_terminal());
    assert_eq!(job.lag_time_seconds, Some(3));
}

#[tokio::test]
async fn null_and_absent_fields_and_unknown_fields_decode() {
    let job = answer_job(r#"{"status": null, "lagTimeSeconds": null, "futureField": {"x": 1}}"#)
        .await
        .expect("nulls and extra fields are fine");
    assert_eq!(job.status, None);
    assert_eq!(job.lag_time_seconds, None);
    assert!(job.migration_hosts.is_empty());
    let empty = answer_job("{}").await.expect("every field is optional");
    assert_eq!(empty.ready_for_cutover, None);
}

/// Atlas decides what it sends (`ANSWER_VALUES_UNCHECKED`): an `_id` that
/// breaks the spec's pattern is read as it came, and the helper that gives
/// the ID for the next call checks it, so it is never sent on.
#[tokio::test]
async fn ids_in_responses_are_read_as_sent_and_checked_before_they_are_sent_on() {
    let job = answer_job(r#"{"_id": "NOT-AN-ID"}"#)
        .await
        .expect("Atlas's answer is read");
    assert_eq!(job.id.as_deref(), Some("NOT-AN-ID"));
    assert_eq!(job.live_migration_id(), None);
    let job = answer_job(r#"{"_id": "6296fb4c7c7aa997cf94e9a8"}"#)
        .await
        .unwrap();
    assert_eq!(
        job.live_migration_id().map(|id| id.to_string()).as_deref(),
        Some("6296fb4c7c7aa997cf94e9a8")
    );
}

/// The values the spec lists for `schema.property`.
fn spec_enum(schema: &str, property: &str) -> Vec<String> {
    let spec: serde_norway::Value =
        serde_norway::from_str(include_str!("../../openapi/atlas-live-migration.yaml")).unwrap();
    let values = &spec["components"]["schemas"][schema]["properties"][property]["enum"];
    let values: Vec<String> = serde_norway::from_value(values.clone()).unwrap();
    assert!(!values.is_empty(), "{schema}.{property} lists no values");
    values
}

fn assert_known<E: std::str::FromStr + std::fmt::Display + std::fmt::Debug>(values: &[String]) {
    for value in values {
        let parsed: Open<E> = serde_json::from_value(serde_json::json!(value)).unwrap();
        assert!(
            parsed.known().is_some(),
            "{value} is not a known value: {parsed:?}"
        );
        assert_eq!(parsed.to_string(), *value);
    }
}

#[test]
fn every_value_the_spec_lists_is_known_by_name() {
    assert_known::<LiveMigrationResponseStatus>(&spec_enum("LiveMigrationResponse", "status"));
    assert_known::<LiveImportValidationStatus>(&spec_enum("LiveImportValidation", "status"));
    assert_known::<DestinationHostnameSchemaType>(&spec_enum("Destination", "hostnameSchemaType"));
    // And a value the spec does not list is kept, not refused.
    let new: Open<DestinationHostnameSchemaType> = serde_json::from_str(r#""SATELLITE""#).unwrap();
    assert_eq!(new, Open::Unknown("SATELLITE".to_owned()));
}

async fn version_refusal(status: u16, code: &str) -> Error {
    let server = MockServer::start_async().await;
    let body = format!(
        r#"{{"error": {status}, "errorCode": "{code}", "detail": "Invalid version date.", "reason": "Not Acceptable"}}"#
    );
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH);
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .api_version("2019-01-01".parse().unwrap())
        .build()
        .unwrap();
    get(&client, false).await.expect_err("refused")
}

#[tokio::test]
async fn a_refused_version_names_the_version_sent_and_what_to_do() {
    for (status, code) in [(406, "INVALID_VERSION_DATE"), (410, "VERSION_GONE")] {
        let error = version_refusal(status, code).await;
        let Error::UnsupportedApiVersion {
            version,
            error_code,
            ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(version, "2019-01-01");
        assert_eq!(error_code.as_deref(), Some(code));
        let message = error.to_string();
        assert!(
            message.contains("2019-01-01") && message.contains("api_version"),
            "{message}"
        );
        assert!(message.contains(code), "{message}");
    }
}

#[tokio::test]
async fn deprecation_headers_are_logged_once_and_kept_for_the_caller() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(200)
                .header("deprecation", "Wed, 01 Jan 2025 00:00:00 GMT")
                .header("sunset", "Thu, 01 Jan 2026 00:00:00 GMT")
                .body(SEED_200);
        })
        .await;
    let (_guard, logs) = capture_logs();
    let client = client(&server);
    assert_eq!(client.deprecation_notice(), None);
    get(&client, false).await.unwrap();
    get(&client, false).await.unwrap();

    let notice = client.deprecation_notice().expect("kept");
    assert_eq!(
        notice.sunset.as_deref(),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    let text = logs.text();
    assert_eq!(text.matches("deprecated").count(), 1, "{text}");
}

#[tokio::test]
async fn the_legacy_v1_surface_decodes_its_documented_example() {
    let server = MockServer::start_async().await;
    let legacy_example = r#"{
     "_id": "7e68e12770616e75e6df43d0",
     "migrationHosts": "vm001.example.com",
     "readyForCutover": true,
     "status": "NEW"
   }"#;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/atlas/v1.0/groups/32b6e34b3d91647abb20e7b8/liveMigrations/6296fb4c7c7aa997cf94e9a8")
                .header("accept", "application/json");
            then.status(200).header("content-type", "application/json").body(legacy_example);
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::digest("public", "private"))
        .legacy_v1()
        .build()
        .unwrap();
    let job = get(&client, false).await.expect("the v1.0 example decodes");
    assert_eq!(job.migration_hosts, ["vm001.example.com"]);
    assert_eq!(job.status, Some(LiveMigrationResponseStatus::New.into()));
    assert_eq!(job.id.as_deref(), Some("7e68e12770616e75e6df43d0"));
    mock.assert_async().await;
}

#[test]
fn api_versions_are_dates() {
    assert!("2025-03-12".parse::<ApiVersion>().is_ok());
    for bad in [
        "",
        "2025-3-12",
        "2025-13-01",
        "2025-00-10",
        "20250312",
        "latest",
        "2025-03-12\n",
    ] {
        let error = bad.parse::<ApiVersion>().unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{bad:?}: {error}");
    }
}
