//! Every operation of the client against a loopback mock: method, path,
//! `Accept`, `Content-Type` and body on the wire, and the typed answer,
//! including enum values the spec does not list.

use atlas_live_migration_api::types::{LiveImportValidationStatus, LiveMigrationResponseStatus};
use atlas_live_migration_api::{Checked, Client, Open};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;
use serde_json::json;

const V2023: &str = "application/vnd.atlas.2023-01-01+json";
const V2024: &str = "application/vnd.atlas.2024-05-30+json";

fn client(server: &MockServer) -> Client {
    plain_client(&server.base_url())
}

fn groups(rest: &str) -> String {
    format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations{rest}")
}

fn orgs(rest: &str) -> String {
    format!("/api/atlas/v2/orgs/{ORG_ID}/liveMigrations{rest}")
}

#[tokio::test]
async fn validate_posts_the_2024_05_30_body_and_reads_the_validation() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(groups("/validate"))
                .header("accept", V2024)
                .header("content-type", V2024)
                .header_missing("api-version")
                .json_body(migration_request_json());
            then.status(200)
                .header("content-type", V2024)
                .json_body(json!({
                    "_id": VALIDATION_ID,
                    "groupId": GROUP_ID,
                    "sourceGroupId": "6296fb4c7c7aa997cf94e9a0",
                    "status": "PENDING"
                }));
        })
        .await;

    let validation = client(&server)
        .validate_group_live_migrations()
        .group_id(GROUP_ID)
        .body(migration_request())
        .send()
        .checked()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        validation.status,
        Some(LiveImportValidationStatus::Pending.into())
    );
    assert!(!validation.status.unwrap().is_terminal());
    assert_eq!(validation.id.unwrap().as_str(), VALIDATION_ID);
    mock.assert_async().await;
}

#[tokio::test]
async fn validation_status_is_read_and_a_new_status_value_is_kept() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(groups(&format!("/validate/{VALIDATION_ID}")))
                .header("accept", V2023)
                .header_missing("content-type")
                .header_missing("api-version");
            then.status(200)
                .header("content-type", V2023)
                .json_body(json!({
                    "_id": VALIDATION_ID,
                    "status": "QUEUED_FOR_REVIEW",
                    "errorMessage": null
                }));
        })
        .await;

    let validation = client(&server)
        .get_group_live_migration_validate_status()
        .group_id(GROUP_ID)
        .validation_id(VALIDATION_ID)
        .send()
        .checked()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(
        validation.status,
        Some(Open::Unknown("QUEUED_FOR_REVIEW".to_owned()))
    );
    assert_eq!(validation.error_message, None);
    mock.assert_async().await;
}

#[tokio::test]
async fn create_posts_the_body_once_and_reads_the_job_with_a_new_status() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(groups(""))
                .header("accept", V2024)
                .header("content-type", V2024)
                .json_body(migration_request_json());
            then.status(201)
                .header("content-type", V2024)
                .json_body(json!({
                    "_id": LIVE_MIGRATION_ID,
                    "migrationHosts": ["vm001.example.com"],
                    "readyForCutover": false,
                    "status": "PROVISIONING"
                }));
        })
        .await;

    let job = client(&server)
        .create_group_live_migration()
        .group_id(GROUP_ID)
        .body(migration_request())
        .send()
        .checked()
        .await
        .unwrap();

    assert_eq!(job.status(), 201);
    assert_eq!(job.status, Some(Open::Unknown("PROVISIONING".to_owned())));
    assert_eq!(job.ready_for_cutover, Some(false));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn get_reads_the_job() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(groups(&format!("/{LIVE_MIGRATION_ID}")))
                .header("accept", V2023)
                .header_missing("content-type");
            then.status(200)
                .header("content-type", V2023)
                .body(SEED_200);
        })
        .await;

    let job = client(&server)
        .get_push_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .checked()
        .await
        .unwrap();

    assert_eq!(job.status, Some(LiveMigrationResponseStatus::New.into()));
    mock.assert_async().await;
}

#[tokio::test]
async fn cutover_puts_without_a_body_and_takes_the_202_without_content() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(groups(&format!("/{LIVE_MIGRATION_ID}/cutover")))
                .header("accept", V2023)
                .header_missing("content-type")
                .body("");
            // Atlas names the media type of an answer that has no body.
            then.status(202).header("content-type", V2023);
        })
        .await;

    let accepted = client(&server)
        .cutover_group_live_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .checked()
        .await
        .unwrap();

    assert_eq!(accepted.status(), 202);
    mock.assert_async().await;
}

#[tokio::test]
async fn cutover_refused_when_not_ready_is_an_api_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(groups(&format!("/{LIVE_MIGRATION_ID}/cutover")));
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({
                    "error": 400,
                    "errorCode": "LIVE_MIGRATION_NOT_READY_FOR_CUTOVER",
                    "detail": "The migration is not ready for cutover.",
                    "reason": "Bad Request"
                }));
        })
        .await;

    let error = client(&server)
        .cutover_group_live_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .checked()
        .await
        .unwrap_err();

    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(
        error.error_code(),
        Some("LIVE_MIGRATION_NOT_READY_FOR_CUTOVER")
    );
    assert!(
        error.to_string().contains("not ready for cutover"),
        "{error}"
    );
}

#[tokio::test]
async fn available_projects_are_listed_with_their_deployments() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(orgs("/availableProjects"))
                .header("accept", V2023)
                .header_missing("content-type");
            then.status(200)
                .header("content-type", V2023)
                .json_body(json!([{
                    "name": "Source project",
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
                }]));
        })
        .await;

    let projects = client(&server)
        .list_org_live_migration_available_projects()
        .org_id(ORG_ID)
        .send()
        .checked()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].name.as_deref(), Some("Source project"));
    assert_eq!(
        projects[0].deployments[0].mongo_db_version.as_deref(),
        Some("7.0.12")
    );
    assert_eq!(projects[0].deployments[0].db_size_bytes, Some(8192));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_link_token_is_created_and_never_shown_by_debug() {
    let token = "eyJsaW5rIjoidG9rZW4tc2VjcmV0In0=";
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(orgs("/linkTokens"))
                .header("accept", V2023)
                .header("content-type", V2023)
                .json_body(json!({ "accessListIps": ["203.0.113.7"] }));
            then.status(200)
                .header("content-type", V2023)
                .json_body(json!({ "linkToken": token }));
        })
        .await;

    let created = client(&server)
        .create_org_live_migration_link_token()
        .org_id(ORG_ID)
        .body(atlas_live_migration_tests::link_token_request())
        .send()
        .checked()
        .await
        .unwrap();

    assert_eq!(created.link_token.as_ref().map(|t| t.expose()), Some(token));
    assert!(!format!("{created:?}").contains(token));
    mock.assert_async().await;
}

#[tokio::test]
async fn link_tokens_are_deleted_with_a_204() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(orgs("/linkTokens"))
                .header("accept", V2023)
                .header_missing("content-type");
            then.status(204).header("content-type", V2023);
        })
        .await;

    let deleted = client(&server)
        .delete_org_live_migration_link_tokens()
        .org_id(ORG_ID)
        .send()
        .checked()
        .await
        .unwrap();

    assert_eq!(deleted.status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn an_invalid_org_id_is_refused_before_the_network() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;

    let error = client(&server)
        .delete_org_live_migration_link_tokens()
        .org_id("not-an-org")
        .send()
        .checked()
        .await
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("org_id"), "{message}");
    assert!(message.contains("OrgId"), "{message}");
    assert!(message.contains("nothing was sent"), "{message}");
    any.assert_calls_async(0).await;
}

/// `getGroup`, added with `cargo xtask spec --add getGroup`: a project whose
/// name the spec's pattern (`^[\p{L}\p{N}\-_.(),:&@+']{1,64}$`) accepts only
/// with Unicode semantics. typify would compile it without them, where
/// `\p{L}` is the letters `p{L}`; the pattern is left unchecked instead, so
/// the real name decodes. Every field of the official `Group` schema is sent,
/// with an enum value the spec does not list.
#[tokio::test]
async fn an_added_get_group_decodes_a_project_with_a_non_ascii_name() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/api/atlas/v2/groups/{GROUP_ID}"))
                .header("accept", V2023);
            then.status(200)
                .header("content-type", V2023)
                .json_body(json!({
                    "clusterCount": 3,
                    "created": "2026-11-30T09:15:00Z",
                    "id": GROUP_ID,
                    "links": [{"href": "https://cloud.mongodb.com/api/atlas", "rel": "self"}],
                    "name": "Équipe-prod_(EU)",
                    "orgId": ORG_ID,
                    "regionUsageRestrictions": "SOME_FUTURE_RESTRICTION",
                    "tags": [{"key": "équipe", "value": "données"}],
                    "withDefaultAlertsSettings": true
                }));
        })
        .await;

    let project = client(&server)
        .get_group()
        .group_id(GROUP_ID)
        .send()
        .checked()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(project.name.as_deref(), Some("Équipe-prod_(EU)"));
    assert_eq!(project.cluster_count, Some(3));
    assert_eq!(project.id.as_ref().map(|id| id.as_str()), Some(GROUP_ID));
    assert_eq!(project.tags[0].value.as_deref(), Some("données"));
    assert!(matches!(
        project.region_usage_restrictions,
        Some(Open::Unknown(ref value)) if value == "SOME_FUTURE_RESTRICTION"
    ));
    mock.assert_async().await;
}
