//! Service-account OAuth: one token for many calls, single flight under
//! concurrency, renewal ahead of expiry and after a rejection, and token
//! endpoint failures reported as such.

use std::time::Duration;

use atlas_live_migration_api::{Client, Credentials, Error, RetryPolicy};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

const CLIENT_ID: &str = "mdb_sa_id_0123456789";
const CLIENT_SECRET: &str = "mdb_sa_sk_topsecret42";

fn token_body(token: &str, expires_in: u64) -> String {
    format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#)
}

async fn token_mock<'a>(
    server: &'a MockServer,
    token: &str,
    expires_in: u64,
) -> httpmock::Mock<'a> {
    let body = token_body(token, expires_in);
    server
        .mock_async(move |when, then| {
            // Basic base64("mdb_sa_id_0123456789:mdb_sa_sk_topsecret42")
            when.method(POST)
                .path("/api/oauth/token")
                .header(
                    "authorization",
                    "Basic bWRiX3NhX2lkXzAxMjM0NTY3ODk6bWRiX3NhX3NrX3RvcHNlY3JldDQy",
                )
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials");
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

async fn api_mock<'a>(server: &'a MockServer, token: &str) -> httpmock::Mock<'a> {
    let bearer = format!("Bearer {token}");
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH).header("authorization", bearer);
            then.status(200).body(SEED_200);
        })
        .await
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_calls_cost_exactly_one_token_request() {
    let server = MockServer::start_async().await;
    let tokens = token_mock(&server, "token-one", 3600).await;
    let api = api_mock(&server, "token-one").await;
    let client = client(&server);

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let client = client.clone();
        calls.spawn(async move { get_job(&client).await });
    }
    while let Some(result) = calls.join_next().await {
        result
            .unwrap()
            .expect("every call succeeds with the shared token");
    }

    assert_eq!(tokens.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 64);
}

#[tokio::test]
async fn a_token_near_expiry_is_renewed() {
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "short-lived", 1).await;
    let first_api = api_mock(&server, "short-lived").await;
    let client = client(&server);
    get_job(&client).await.unwrap();
    get_job(&client).await.unwrap();
    assert_eq!(first.calls_async().await, 1, "reused while fresh");
    first.delete_async().await;

    let second = token_mock(&server, "renewed", 3600).await;
    let second_api = api_mock(&server, "renewed").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    get_job(&client).await.expect("a new token after expiry");

    assert_eq!(second.calls_async().await, 1);
    assert_eq!(first_api.calls_async().await, 2);
    assert_eq!(second_api.calls_async().await, 1);
}

#[tokio::test]
async fn a_rejected_token_is_renewed_once_and_the_call_retried_once() {
    let server = MockServer::start_async().await;
    let tokens = token_mock(&server, "revoked", 3600).await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PATH)
                .header("authorization", "Bearer revoked");
            then.status(401)
                .header("content-type", "application/json")
                .body(SEED_ERRORS[0].1);
        })
        .await;
    let client = client(&server);
    // Prime the cache with the token that the API will reject.
    get_job(&client)
        .await
        .expect_err("the API rejects the revoked token");
    assert_eq!(
        rejected.calls_async().await,
        2,
        "one retry after one renewal"
    );
    tokens.delete_async().await;

    let fresh = token_mock(&server, "fresh", 3600).await;
    let accepted = api_mock(&server, "fresh").await;
    get_job(&client).await.expect("renewed after the 401");
    assert_eq!(fresh.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
    assert_eq!(rejected.calls_async().await, 3);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_an_authentication_error_naming_the_variables() {
    let server = MockServer::start_async().await;
    let tokens = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(401)
                .header("content-type", "application/json")
                .body(r#"{"error":"invalid_client","error_description":"Invalid client"}"#);
        })
        .await;
    let api = api_mock(&server, "never").await;

    let error = get_job(&client(&server))
        .await
        .expect_err("no token, no call");
    assert!(matches!(error, Error::TokenRequest { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    let message = error.to_string();
    assert!(message.contains("invalid_client"), "{message}");
    assert!(message.contains("MONGODB_ATLAS_CLIENT_SECRET"), "{message}");
    assert_eq!(tokens.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 0);
}

#[tokio::test]
async fn a_token_answer_that_is_not_a_token_is_an_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(200).body("<html>login page</html>");
        })
        .await;
    let error = get_job(&client(&server))
        .await
        .expect_err("no usable token");
    assert!(matches!(error, Error::TokenRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("login page"), "{error}");
}

#[tokio::test]
async fn a_stalled_token_endpoint_times_out() {
    let server = ScriptedServer::start(vec![Reply::Hang]).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = get_job(&client).await.expect_err("no token");
    let Error::Transport { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_timeout());
    assert!(source.url().is_some_and(|u| u.path() == "/api/oauth/token"));
}
