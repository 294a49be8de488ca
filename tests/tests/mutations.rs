//! Requests that change something: a POST is sent again only when Atlas
//! certainly did not act on it, Digest and token renewal carry bodies, and
//! the source cluster's password is never printed or logged.

use std::time::Duration;

use atlas_live_migration_api::{Checked, Client, Credentials, Error, RetryPolicy};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

const JSON: (&str, &str) = ("content-type", "application/json");
const CREATED: &str = r#"{"_id": "6296fb4c7c7aa997cf94e9a8", "status": "NEW"}"#;
const SERVER_ERROR: &str =
    r#"{"error": 500, "errorCode": "UNEXPECTED_ERROR", "reason": "Internal Server Error"}"#;

fn retrying_client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

async fn create(client: &Client) -> Result<(), Error> {
    client
        .create_group_live_migration()
        .group_id(GROUP_ID)
        .body(migration_request())
        .send()
        .checked()
        .await
        .map(drop)
}

#[tokio::test]
async fn a_post_that_got_a_500_is_sent_once() {
    let server = ScriptedServer::start(vec![http_response(500, &[JSON], SERVER_ERROR)]).await;
    let error = create(&retrying_client(&server.base_url))
        .await
        .unwrap_err();
    assert_eq!(server.requests(), 1, "a create is never sent twice");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_or_late_is_sent_once() {
    for reply in [Reply::Close, Reply::Hang] {
        let server = ScriptedServer::start(vec![reply.clone()]).await;
        let error = create(&retrying_client(&server.base_url))
            .await
            .unwrap_err();
        assert_eq!(server.requests(), 1, "{reply:?}: sent once");
        assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    }
}

#[tokio::test]
async fn a_post_that_got_a_503_or_502_is_sent_once() {
    for status in [502, 503] {
        let server = ScriptedServer::start(vec![http_response(
            status,
            &[JSON, ("retry-after", "0")],
            SERVER_ERROR,
        )])
        .await;
        create(&retrying_client(&server.base_url))
            .await
            .unwrap_err();
        assert_eq!(server.requests(), 1, "{status}: sent once");
    }
}

#[tokio::test]
async fn a_rate_limited_post_is_sent_again_and_succeeds() {
    let server = ScriptedServer::start(vec![
        http_response(429, &[JSON, ("retry-after", "0")], RATE_LIMITED_429),
        http_response(201, &[JSON], CREATED),
    ])
    .await;
    create(&retrying_client(&server.base_url))
        .await
        .expect("the second attempt is created");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_post_to_a_closed_port_is_tried_again() {
    // Nothing listens, so nothing was written: trying again is safe. The
    // error comes after all attempts, which take at least the backoffs.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (guard, logs) = capture_logs();
    let error = create(&retrying_client(&format!("http://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    drop(guard);
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(
        logs.text().matches("retrying").count(),
        3,
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn a_put_that_got_a_503_is_retried() {
    let server = ScriptedServer::start(vec![
        http_response(503, &[JSON, ("retry-after", "0")], SERVER_ERROR),
        http_response(202, &[], ""),
    ])
    .await;
    retrying_client(&server.base_url)
        .cutover_group_live_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .checked()
        .await
        .expect("the cutover is idempotent: retried");
    assert_eq!(server.requests(), 2);
}

const USER: &str = "public-key";
const PRIVATE_KEY: &str = "private-key-9f8e7d";

/// A Digest server for one method and path: the unauthenticated request
/// gets the challenge, the answer to it gets `status` and `body`.
async fn digest_server<'a>(
    server: &'a MockServer,
    method: &'static str,
    path: String,
    status: u16,
    body: &'static str,
) -> (httpmock::Mock<'a>, httpmock::Mock<'a>) {
    let challenge = server
        .mock_async(|when, then| {
            when.method(method)
                .path(path.clone())
                .header_missing("authorization");
            then.status(401)
                .header("www-authenticate", digest_challenge("nonce-w", false))
                .header("content-type", "application/json")
                .body(SEED_ERRORS[0].1);
        })
        .await;
    let with_body = method == "POST";
    let accepted = server
        .mock_async(move |when, then| {
            let mut when = when.method(method).path(path).is_true(move |request| {
                request
                    .headers()
                    .get("authorization")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| valid_digest_for(method, value, USER, PRIVATE_KEY, "nonce-w"))
                    .is_some()
            });
            if with_body {
                when = when.json_body(migration_request_json());
            }
            let _ = when;
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    (challenge, accepted)
}

fn digest_client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::digest(USER, PRIVATE_KEY))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_digest_authenticated_post_carries_its_body_on_both_legs() {
    let server = MockServer::start_async().await;
    let path = format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations");
    let (challenge, accepted) = digest_server(&server, "POST", path, 201, CREATED).await;
    create(&digest_client(&server))
        .await
        .expect("the answered challenge is accepted");
    challenge.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_digest_authenticated_put_succeeds() {
    let server = MockServer::start_async().await;
    let path =
        format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations/{LIVE_MIGRATION_ID}/cutover");
    let (challenge, accepted) = digest_server(&server, "PUT", path, 202, "").await;
    digest_client(&server)
        .cutover_group_live_migration()
        .group_id(GROUP_ID)
        .live_migration_id(LIVE_MIGRATION_ID)
        .send()
        .checked()
        .await
        .expect("the answered challenge is accepted");
    challenge.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_renewed_token_resends_the_body() {
    let server = MockServer::start_async().await;
    let tokens = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token": "token", "token_type": "Bearer", "expires_in": 3600}"#);
        })
        .await;
    let path = format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations");
    // Atlas refuses the token (revoked early): the client renews it and
    // sends the request once more. The mock only answers requests that
    // carry the body, so two calls mean both legs carried it.
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(path)
                .header("authorization", "Bearer token")
                .json_body(migration_request_json());
            then.status(401)
                .header("content-type", "application/json")
                .body(SEED_ERRORS[0].1);
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::service_account("client-id", "client-secret"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = create(&client).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    refused.assert_calls_async(2).await;
    tokens.assert_calls_async(2).await;
}

#[tokio::test]
async fn the_source_password_is_never_printed_or_logged() {
    let request = migration_request();
    for text in [
        format!("{request:?}"),
        format!("{:?}", request.source),
        format!("{:#?}", request),
    ] {
        assert!(!text.contains(SOURCE_PASSWORD), "{text}");
    }
    // Every path of a call, at every log level: success, Atlas error, a
    // body it cannot decode, a lost connection.
    for reply in [
        http_response(201, &[JSON], CREATED),
        http_response(
            400,
            &[JSON],
            r#"{"error": 400, "errorCode": "INVALID_ATTRIBUTE", "detail": "bad source"}"#,
        ),
        http_response(500, &[JSON], SERVER_ERROR),
        http_response(201, &[JSON], "{not json"),
        Reply::Close,
    ] {
        let server = ScriptedServer::start(vec![reply.clone()]).await;
        let (guard, logs) = capture_logs();
        let outcome = create(&retrying_client(&server.base_url)).await;
        drop(guard);
        let logs = logs.text();
        assert!(
            logs.contains("atlas_request"),
            "the call was logged:\n{logs}"
        );
        assert!(!logs.contains(SOURCE_PASSWORD), "{reply:?}: {logs}");
        if let Err(error) = outcome {
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains(SOURCE_PASSWORD), "{reply:?}: {text}");
            }
        }
    }
    // A body the builder refuses: the error names the field, not the value.
    let incomplete = atlas_live_migration_api::types::Source::builder()
        .password(Some(SOURCE_PASSWORD.into()))
        .ssl(true);
    let refused = atlas_live_migration_api::types::Source::try_from(incomplete).unwrap_err();
    assert!(!refused.to_string().contains(SOURCE_PASSWORD));
}
