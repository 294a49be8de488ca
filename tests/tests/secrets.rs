//! No private key, client secret or access token appears in any `Debug`,
//! `Display`, error message or log line, on the success and failure paths
//! of both kinds of credentials.

use atlas_live_migration_api::{Client, ClientBuilder, Credentials, RetryPolicy};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

const CLIENT_SECRET: &str = "mdb_sa_sk_SECRET_do_not_print";
const PRIVATE_KEY: &str = "PRIVATE-KEY-do-not-print";
const ACCESS_TOKEN: &str = "ACCESS-TOKEN-do-not-print";
/// base64("client-id:mdb_sa_sk_SECRET_do_not_print"), as sent in Basic auth.
const BASIC: &str = "Y2xpZW50LWlkOm1kYl9zYV9za19TRUNSRVRfZG9fbm90X3ByaW50";

fn assert_no_secret(what: &str, text: &str) {
    for secret in [CLIENT_SECRET, PRIVATE_KEY, ACCESS_TOKEN, BASIC] {
        assert!(!text.contains(secret), "{what} contains a secret:\n{text}");
    }
}

fn builder(server: &MockServer, credentials: Credentials) -> ClientBuilder {
    Client::builder()
        .base_url(server.base_url())
        .credentials(credentials)
        .retry_policy(RetryPolicy::none())
}

/// Runs one call and checks everything printable about it.
async fn check_call(label: &str, builder: ClientBuilder) {
    assert_no_secret(&format!("{label}: builder Debug"), &format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_no_secret(&format!("{label}: client Debug"), &format!("{client:?}"));
    let (guard, logs) = capture_logs();
    let result = get_job(&client).await;
    drop(guard);
    if let Err(error) = &result {
        assert_no_secret(&format!("{label}: error Display"), &error.to_string());
        assert_no_secret(&format!("{label}: error Debug"), &format!("{error:?}"));
    }
    let logs = logs.text();
    assert!(
        logs.contains("atlas_request"),
        "{label}: the request span was logged:\n{logs}"
    );
    assert_no_secret(&format!("{label}: logs"), &logs);
}

#[tokio::test]
async fn service_account_paths_print_no_secret() {
    let credentials = || Credentials::service_account("client-id", CLIENT_SECRET);
    assert_no_secret("credentials Debug", &format!("{:?}", credentials()));

    // Success.
    let server = MockServer::start_async().await;
    serve_token(&server).await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .header("authorization", format!("Bearer {ACCESS_TOKEN}"));
            then.status(200).body(SEED_200);
        })
        .await;
    check_call("token ok", builder(&server, credentials())).await;
    api.assert_async().await;

    // The API rejects the token (renewal, then the 401 error).
    let server = MockServer::start_async().await;
    serve_token(&server).await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(PATH);
            then.status(401)
                .header("content-type", "application/json")
                .body(SEED_ERRORS[0].1);
        })
        .await;
    check_call("api 401", builder(&server, credentials())).await;

    // The token endpoint refuses, echoing what it was sent.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(401).body(r#"{"error":"invalid_client"}"#);
        })
        .await;
    check_call("token 401", builder(&server, credentials())).await;

    // Nothing listens.
    let closed = closed_port_url().await;
    check_call(
        "unreachable",
        Client::builder()
            .base_url(closed)
            .credentials(credentials())
            .retry_policy(RetryPolicy::none()),
    )
    .await;
}

#[tokio::test]
async fn digest_paths_print_no_secret() {
    let credentials = || Credentials::digest("public-key", PRIVATE_KEY);
    assert_no_secret("credentials Debug", &format!("{:?}", credentials()));
    for (status, body) in [(200, SEED_200), (401, SEED_ERRORS[0].1)] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(GET).path(PATH).header_missing("authorization");
                then.status(401)
                    .header("www-authenticate", digest_challenge("n", false))
                    .body(SEED_ERRORS[0].1);
            })
            .await;
        server
            .mock_async(move |when, then| {
                when.method(GET).path(PATH).header_exists("authorization");
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        check_call(&format!("digest {status}"), builder(&server, credentials())).await;
    }
}

async fn serve_token(server: &MockServer) {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(200).body(format!(
                r#"{{"access_token":"{ACCESS_TOKEN}","expires_in":3600}}"#
            ));
        })
        .await;
}

async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}
