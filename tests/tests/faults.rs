//! Fault injection against loopback servers: cut connections, oversized and
//! mislabelled bodies, redirects to other hosts. Each ends in a clear error
//! within the configured bounds, and the process stays healthy (the last
//! check of each test makes a normal call on the same client).

use std::time::{Duration, Instant};

use atlas_live_migration_api::{Client, Credentials, Error, RetryPolicy};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

const JSON: (&str, &str) = ("content-type", "application/json");

fn client(server: &ScriptedServer, attempts: u32) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .timeout(Duration::from_millis(500))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(attempts)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_connection_reset_during_the_body_is_a_transport_error() {
    // The head promises 500 bytes; 20 arrive, then the connection closes.
    let cut = "HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{\"_id\": \"32b6e34b3d9".to_owned();
    let server = ScriptedServer::start(vec![
        Reply::RawThenClose(cut),
        http_response(200, &[JSON], SEED_200),
    ])
    .await;
    let client = client(&server, 1);
    let error = get_job(&client).await.expect_err("the body was cut");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    get_job(&client).await.expect("the client still works");
}

#[tokio::test]
async fn a_connection_reset_during_an_error_body_is_retried_like_a_dropped_connection() {
    let cut = "HTTP/1.1 503 Busy\r\ncontent-length: 500\r\n\r\n<html>".to_owned();
    let server = ScriptedServer::start(vec![Reply::RawThenClose(cut)]).await;
    let error = get_job(&client(&server, 3))
        .await
        .expect_err("cut every time");
    assert_eq!(server.requests(), 3);
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}

#[tokio::test]
async fn a_ten_megabyte_error_body_is_refused_unread() {
    let huge = format!(r#"{{"error":503,"padding":"{}"}}"#, "x".repeat(10 << 20));
    let server = ScriptedServer::start(vec![
        http_response(503, &[JSON], &huge),
        http_response(200, &[JSON], SEED_200),
    ])
    .await;
    let client = client(&server, 1);
    let error = get_job(&client).await.expect_err("too large");
    let Error::InvalidResponse {
        problem, status, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(status.map(|s| s.as_u16()), Some(503));
    assert!(
        problem.contains("1048576") && problem.contains("10485"),
        "{problem}"
    );
    // Nothing was read, so the message quotes no body.
    assert!(!error.to_string().contains("body begins"), "{error}");
    get_job(&client).await.expect("the client still works");
}

/// The cap bounds what the runtime reads itself (errors, envelopes); a
/// success belongs to the operation's decode, and some operations an
/// application adds with `xtask spec --add` (lists, log downloads) answer
/// with megabytes.
#[tokio::test]
async fn a_two_megabyte_success_is_decoded_whole() {
    let large = format!(
        r#"{{"_id":"32b6e34b3d91647abb20e7b8","migrationHosts":["{}"]}}"#,
        "h".repeat(2 << 20)
    );
    let server = ScriptedServer::start(vec![http_response(200, &[JSON], &large)]).await;
    let job = get_job(&client(&server, 1)).await.expect("a large success");
    assert_eq!(job.migration_hosts[0].len(), 2 << 20);
}

#[tokio::test]
async fn a_large_error_body_is_read_only_up_to_the_cap() {
    let page = format!("<html>{}</html>", "y".repeat(1 << 20));
    let server = ScriptedServer::start(vec![http_response(
        500,
        &[("content-type", "text/html")],
        &page,
    )])
    .await;
    let error = get_job(&client(&server, 1)).await.expect_err("500");
    // Over the cap by a few bytes: refused unread, with the status kept.
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn html_with_a_200_status_is_a_decoding_error() {
    let server = ScriptedServer::start(vec![http_response(
        200,
        &[("content-type", "text/html")],
        "<html>Service temporarily unavailable</html>",
    )])
    .await;
    let error = get_job(&client(&server, 3)).await.expect_err("not JSON");
    let Error::InvalidResponse { snippet, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(snippet.contains("temporarily unavailable"), "{snippet}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_carries_no_credentials() {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(SEED_200);
        })
        .await;
    let server = MockServer::start_async().await;
    let location = format!("{}/steal", elsewhere.base_url());
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH);
            then.status(302).header("location", location);
        })
        .await;
    for credentials in [
        Credentials::digest("public", "private"),
        Credentials::service_account("id", "secret"),
    ] {
        if matches!(format!("{credentials:?}").as_str(), s if s.starts_with("ServiceAccount")) {
            server
                .mock_async(|when, then| {
                    when.method(POST).path("/api/oauth/token");
                    then.status(200)
                        .body(r#"{"access_token":"t","expires_in":3600}"#);
                })
                .await;
        }
        let client = Client::builder()
            .base_url(server.base_url())
            .credentials(credentials)
            .build()
            .unwrap();
        let error = get_job(&client).await.expect_err("redirects are errors");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(302));
        assert!(
            error.to_string().contains("does not follow redirects"),
            "{error}"
        );
    }
    assert_eq!(
        stolen.calls_async().await,
        0,
        "nothing reached the other host"
    );
}

#[tokio::test]
async fn a_storm_of_503s_with_retry_after_stays_within_the_time_budget() {
    let server =
        ScriptedServer::start(vec![http_response(503, &[("retry-after", "1")], "down")]).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(1000)
                .with_max_elapsed(Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let error = get_job(&client).await.expect_err("503 throughout");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    // Retry-After: 1 with a 2 s budget: a few attempts, not a thousand.
    assert!(server.requests() <= 3, "{}", server.requests());
    assert!(started.elapsed() < Duration::from_secs(4));
}
