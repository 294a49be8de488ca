//! Digest authentication: the server's nonce is reused with an increasing
//! nonce count, a stale nonce is answered once, and wrong keys are not
//! retried in a loop. Responses are checked with an independent computation.

use atlas_live_migration_api::{Client, Credentials, RetryPolicy};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

const USER: &str = "public-key";
const PASSWORD: &str = "private-key-9f8e7d";

fn digest_client(server: &MockServer, password: &str) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::digest(USER, password))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn authorization(request: &httpmock::HttpMockRequest) -> Option<String> {
    let headers = request.headers();
    Some(headers.get("authorization")?.to_str().ok()?.to_owned())
}

/// Unauthenticated requests get the challenge for `nonce`.
async fn challenge_mock<'a>(server: &'a MockServer, nonce: &str) -> httpmock::Mock<'a> {
    let challenge = digest_challenge(nonce, false);
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH).header_missing("authorization");
            then.status(401)
                .header("www-authenticate", challenge)
                .header("content-type", "application/json")
                .body(SEED_ERRORS[0].1);
        })
        .await
}

/// Requests answering `nonce` correctly get the job.
async fn accepting_mock<'a>(server: &'a MockServer, nonce: &'static str) -> httpmock::Mock<'a> {
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH).is_true(move |request| {
                authorization(request)
                    .and_then(|value| valid_digest(&value, USER, PASSWORD, nonce))
                    .is_some()
            });
            then.status(200).body(SEED_200);
        })
        .await
}

#[tokio::test]
async fn ten_sequential_calls_cost_eleven_requests() {
    let server = MockServer::start_async().await;
    let challenge = challenge_mock(&server, "nonce-1").await;
    let accepted = accepting_mock(&server, "nonce-1").await;
    let client = digest_client(&server, PASSWORD);

    for _ in 0..10 {
        get_job(&client).await.expect("a valid digest is accepted");
    }

    assert_eq!(
        challenge.calls_async().await,
        1,
        "one unauthenticated request in all"
    );
    assert_eq!(accepted.calls_async().await, 10);
}

#[tokio::test]
async fn nonce_counts_increase_and_the_uri_includes_the_query() {
    let server = MockServer::start_async().await;
    let _challenge = challenge_mock(&server, "nonce-q").await;
    let counts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = counts.clone();
    let accepted = server
        .mock_async(move |when, then| {
            when.method(GET)
                .path(PATH)
                .query_param("pretty", "true")
                .is_true(move |request| {
                    let Some(value) = authorization(request) else {
                        return false;
                    };
                    let uri_has_query = value.contains(&format!("uri=\"{PATH}?pretty=true\""));
                    match valid_digest(&value, USER, PASSWORD, "nonce-q") {
                        Some(nc) if uri_has_query => {
                            seen.lock().unwrap().push(nc);
                            true
                        }
                        _ => false,
                    }
                });
            then.status(200).body(SEED_200);
        })
        .await;
    let client = digest_client(&server, PASSWORD);
    for _ in 0..3 {
        client
            .get_push_migration()
            .group_id(GROUP_ID)
            .live_migration_id(LIVE_MIGRATION_ID)
            .pretty(true)
            .send()
            .await
            .expect("the digest covers path and query");
    }
    assert_eq!(accepted.calls_async().await, 3);
    let counts = counts.lock().unwrap().clone();
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "nonce counts {counts:?}"
    );
}

#[tokio::test]
async fn a_stale_nonce_is_answered_again_without_an_error() {
    let server = MockServer::start_async().await;
    let _challenge = challenge_mock(&server, "old-nonce").await;
    let old_accepted = accepting_mock(&server, "old-nonce").await;
    let client = digest_client(&server, PASSWORD);
    get_job(&client).await.expect("first call authenticates");
    old_accepted.delete_async().await;

    // The server expires the old nonce: answering it gets stale=true.
    let stale = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).is_true(|request| {
                authorization(request).is_some_and(|v| v.contains("nonce=\"old-nonce\""))
            });
            then.status(401)
                .header("www-authenticate", digest_challenge("new-nonce", true))
                .body(SEED_ERRORS[0].1);
        })
        .await;
    let new_accepted = accepting_mock(&server, "new-nonce").await;

    get_job(&client)
        .await
        .expect("the stale nonce is recovered transparently");
    get_job(&client).await.expect("and the new nonce is reused");
    assert_eq!(stale.calls_async().await, 1);
    assert_eq!(new_accepted.calls_async().await, 2);
}

#[tokio::test]
async fn wrong_keys_fail_after_one_challenge_without_looping() {
    let server = MockServer::start_async().await;
    let challenge = challenge_mock(&server, "nonce-x").await;
    let accepted = accepting_mock(&server, "nonce-x").await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).header_exists("authorization");
            then.status(401)
                .header("www-authenticate", digest_challenge("nonce-x", false))
                .header("content-type", "application/json")
                .body(SEED_ERRORS[0].1);
        })
        .await;
    let client = digest_client(&server, "not-the-private-key");

    let error = get_job(&client).await.expect_err("wrong keys are refused");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert!(
        error.to_string().contains("MONGODB_ATLAS_PUBLIC_API_KEY"),
        "{error}"
    );
    assert_eq!(challenge.calls_async().await, 1);
    assert_eq!(
        rejected.calls_async().await,
        1,
        "one authenticated try per call"
    );
    assert_eq!(accepted.calls_async().await, 0);

    // Later calls answer the known challenge once; still no loop.
    get_job(&client).await.expect_err("still refused");
    assert_eq!(rejected.calls_async().await, 2);
}

#[tokio::test]
async fn sha_256_challenges_are_answered_with_sha_256() {
    let server = MockServer::start_async().await;
    let challenge =
        digest_challenge("nonce-256", false).replace("algorithm=MD5", "algorithm=SHA-256");
    server
        .mock_async(move |when, then| {
            when.method(GET).path(PATH).header_missing("authorization");
            then.status(401).header("www-authenticate", challenge);
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).is_true(|request| {
                authorization(request)
                    .is_some_and(|v| valid_digest_sha256(&v, USER, PASSWORD, "nonce-256").is_some())
            });
            then.status(200).body(SEED_200);
        })
        .await;
    let client = digest_client(&server, PASSWORD);
    get_job(&client).await.expect("SHA-256 digest accepted");
    get_job(&client).await.expect("and reused");
    assert_eq!(accepted.calls_async().await, 2);
}
