//! The Cloud Manager client (`cloud_manager`), generated from the
//! transcription by the same generator and rules, on the same runtime:
//! its three operations against the mock's Cloud Manager, Digest with
//! nonce reuse under its own key, plain JSON, a `POST` that is never sent
//! again, and errors that name Cloud Manager and its variables.

use atlas_live_migration_api::ClientInfo;
use atlas_live_migration_api::cloud_manager::Client;
use atlas_live_migration_api::{Checked, Client as AtlasClient, Error, RetryPolicy, Service};
use atlas_live_migration_mock::{MockAtlas, ORG_ID, SOURCE_API_KEY, SOURCE_ORG_ID, Scenario};
use httpmock::prelude::*;

fn source(atlas: &MockAtlas) -> Client {
    let (public, private) = SOURCE_API_KEY;
    Client::builder()
        .base_url(atlas.base_url())
        .api_key(public, private)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_three_operations_run_under_one_nonce_with_plain_json() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    // Atlas makes the token (no key needed by the mock's Atlas side).
    let token = AtlasClient::builder()
        .base_url(atlas.base_url())
        .build()
        .unwrap()
        .create_org_live_migration_link_token()
        .org_id(ORG_ID)
        .body(atlas_live_migration_api::types::TargetOrgRequest::builder())
        .send()
        .checked()
        .await
        .unwrap()
        .into_inner()
        .link_token
        .unwrap();
    let client = source(&atlas);
    let linked = client
        .create_org_migration_link()
        .org_id(SOURCE_ORG_ID)
        .body(
            atlas_live_migration_api::cloud_manager::types::LinkToken::builder().link_token(token),
        )
        .send()
        .checked()
        .await
        .unwrap();
    assert!(!linked.is_synced());
    let mut reads = 0;
    while !client
        .get_org_migration_link_status()
        .org_id(SOURCE_ORG_ID)
        .send()
        .checked()
        .await
        .unwrap()
        .is_synced()
    {
        reads += 1;
        assert!(reads < 5, "the link never read SYNCED");
    }
    client
        .delete_org_migration_link()
        .org_id(SOURCE_ORG_ID)
        .send()
        .checked()
        .await
        .unwrap();
    assert_eq!(atlas.source_link_token(), None);

    let sent: Vec<_> = atlas
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/public/v1.0/"))
        .collect();
    // One challenge for all: the nonce is reused with a growing count.
    let challenged = sent
        .iter()
        .filter(|r| r.header("authorization").is_none())
        .count();
    assert_eq!(challenged, 1, "{sent:#?}");
    for request in &sent {
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(request.header("api-version"), None);
    }
    let post = sent
        .iter()
        .find(|r| r.method == "POST" && r.header("authorization").is_some())
        .unwrap();
    assert_eq!(post.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn errors_name_cloud_manager_and_what_to_check_there() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    // Another organization: Cloud Manager's 404, with its code.
    let error = source(&atlas)
        .get_org_migration_link_status()
        .org_id("aaaaaaaaaaaaaaaaaaaaaaaa")
        .send()
        .checked()
        .await
        .unwrap_err();
    assert_eq!(error.error_code(), Some("ORG_NOT_FOUND"));
    let Error::Api(failure) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(failure.service, Service::CloudManager);
    let message = error.to_string();
    assert!(
        message.starts_with("Cloud Manager answered HTTP 404 Not Found (ORG_NOT_FOUND)"),
        "{message}"
    );
    assert!(message.contains("MCLI_ORG_ID"), "{message}");

    // A wrong key: 401, naming the MongoDB CLI's variables, not Atlas's.
    let wrong = Client::builder()
        .base_url(atlas.base_url())
        .api_key(SOURCE_API_KEY.0, "not-the-private-key")
        .build()
        .unwrap()
        .get_org_migration_link_status()
        .org_id(SOURCE_ORG_ID)
        .send()
        .checked()
        .await
        .unwrap_err();
    let message = wrong.to_string();
    assert!(message.contains("MCLI_PRIVATE_API_KEY"), "{message}");
    assert!(!message.contains("MONGODB_ATLAS_"), "{message}");
    // An invalid ID is refused before the network.
    let before = atlas.requests().len();
    let invalid = source(&atlas)
        .get_org_migration_link_status()
        .org_id("not-an-id")
        .send()
        .checked()
        .await
        .unwrap_err();
    assert!(matches!(invalid, Error::InvalidRequest { .. }), "{invalid}");
    assert_eq!(atlas.requests().len(), before);
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_not_sent_again() {
    let server = MockServer::start_async().await;
    let failed = server
        .mock_async(|when, then| {
            when.method(POST).path(format!(
                "/api/public/v1.0/orgs/{SOURCE_ORG_ID}/liveExport/migrationLink"
            ));
            then.status(503).body("");
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::default().with_max_attempts(4))
        .build()
        .unwrap();
    let error = client
        .create_org_migration_link()
        .org_id(SOURCE_ORG_ID)
        .body(
            atlas_live_migration_api::cloud_manager::types::LinkToken::builder()
                .link_token("a-token-for-the-test"),
        )
        .send()
        .checked()
        .await
        .unwrap_err();
    assert_eq!(failed.calls_async().await, 1, "{error}");
    assert!(
        error
            .to_string()
            .starts_with("Cloud Manager answered HTTP 503"),
        "{error}"
    );
}

#[test]
fn the_builder_reads_the_mongodb_cli_s_variables_and_no_atlas_one() {
    let vars = [
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "atlas-public"),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", "atlas-private"),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let error = Client::builder().env_from(lookup).unwrap_err().to_string();
    assert!(
        error.contains("MCLI_PUBLIC_API_KEY and MCLI_PRIVATE_API_KEY"),
        "{error}"
    );
    let vars = [
        ("MCLI_PUBLIC_API_KEY", "source-public"),
        ("MCLI_PRIVATE_API_KEY", "source-private-secret"),
        ("MCLI_OPS_MANAGER_URL", "https://ops.example.com:8443/"),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let client = Client::builder().env_from(lookup).unwrap().build().unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains("source-public"), "{shown}");
    assert!(!shown.contains("source-private-secret"), "{shown}");
    assert_eq!(client.baseurl(), "https://ops.example.com:8443");
}

#[tokio::test]
async fn an_unreachable_cloud_manager_is_named_with_its_variable() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let error = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .get_org_migration_link_status()
        .org_id(SOURCE_ORG_ID)
        .send()
        .checked()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                service: Service::CloudManager,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("could not talk to Cloud Manager"),
        "{message}"
    );
    assert!(message.contains("MCLI_OPS_MANAGER_URL"), "{message}");
    assert!(!message.contains("MONGODB_ATLAS_"), "{message}");
}
