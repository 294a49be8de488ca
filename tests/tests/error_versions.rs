//! Every failed answer names the API version the call was sent with: a
//! documented error status, an undocumented one, a body that is no Atlas
//! error, and a token-endpoint failure (the version the call would have
//! been sent with). The version is the one the request carried: the
//! operation's own, or the pinned one.

use atlas_live_migration_api::{
    ApiVersion, Client, ClientBuilder, Credentials, Error, RetryPolicy,
};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

/// The version `get_push_migration` is generated for.
const OPERATION_VERSION: &str = "2023-01-01";

/// A client of `server` without retries, with `pinned` as its version.
fn builder(server: &MockServer, pinned: Option<&str>) -> ClientBuilder {
    let builder = Client::builder()
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none());
    match pinned {
        Some(version) => builder.api_version(version.parse::<ApiVersion>().unwrap()),
        None => builder,
    }
}

/// The error of a GET of the job answered with `status`, `content_type`
/// and `body`, and the `Accept` the request carried.
async fn answered(
    status: u16,
    content_type: &str,
    body: &str,
    pinned: Option<&str>,
) -> (Error, String) {
    let server = MockServer::start_async().await;
    let accept = format!(
        "application/vnd.atlas.{}+json",
        pinned.unwrap_or(OPERATION_VERSION)
    );
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(PATH).header("accept", &accept);
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    let error = get_job(&builder(&server, pinned).build().unwrap())
        .await
        .expect_err("an error status");
    mock.assert_async().await;
    (error, accept)
}

fn assert_names(error: &Error, version: &str) {
    assert_eq!(error.api_version(), Some(version), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(version), "{message}");
}

#[tokio::test]
async fn a_documented_error_status_names_the_version() {
    for pinned in [None, Some("2025-03-12")] {
        let (error, _) = answered(404, "application/json", SEED_ERRORS[2].1, pinned).await;
        assert!(matches!(error, Error::Api(_)), "{error:?}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
        assert_names(&error, pinned.unwrap_or(OPERATION_VERSION));
    }
}

#[tokio::test]
async fn a_documented_400_for_a_bad_version_date_names_the_version_sent() {
    let body = r#"{"detail":"Invalid version date.","error":400,
        "errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Bad Request"}"#;
    let (error, _) = answered(400, "application/json", body, Some("2099-01-01")).await;
    let Error::UnsupportedApiVersion { version, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(version, "2099-01-01");
    assert_names(&error, "2099-01-01");
}

#[tokio::test]
async fn an_undocumented_status_names_the_version() {
    let body = r#"{"detail":"Another migration is in progress.","error":409,
        "errorCode":"CANNOT_MODIFY","parameters":[],"reason":"Conflict"}"#;
    for pinned in [None, Some("2025-03-12")] {
        let (error, _) = answered(409, "application/json", body, pinned).await;
        let Error::Api(failure) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(failure.error_code.as_deref(), Some("CANNOT_MODIFY"));
        assert_names(&error, pinned.unwrap_or(OPERATION_VERSION));
    }
}

#[tokio::test]
async fn a_body_that_is_no_atlas_error_names_the_version() {
    let (error, _) = answered(418, "text/html", "<html>teapot</html>", None).await;
    let Error::InvalidResponse {
        status, snippet, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(status.map(|s| s.as_u16()), Some(418));
    assert!(snippet.contains("teapot"), "{snippet}");
    assert_names(&error, OPERATION_VERSION);
}

#[tokio::test]
async fn a_token_endpoint_failure_names_the_version_the_call_would_have_used() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(401)
                .header("content-type", "application/json")
                .body(r#"{"error":"invalid_client"}"#);
        })
        .await;
    for pinned in [None, Some("2025-03-12")] {
        let client = builder(&server, pinned)
            .credentials(Credentials::service_account("mdb_sa_id_x", "mdb_sa_sk_y"))
            .build()
            .unwrap();
        let error = get_job(&client).await.expect_err("no token");
        assert!(matches!(error, Error::TokenRequest { .. }), "{error:?}");
        assert_names(&error, pinned.unwrap_or(OPERATION_VERSION));
        assert!(error.to_string().contains("was not sent"), "{error}");
    }
}

#[tokio::test]
async fn the_legacy_surface_is_named_as_such() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path_includes("/api/atlas/v1.0/");
            then.status(404)
                .header("content-type", "application/json")
                .body(SEED_ERRORS[2].1);
        })
        .await;
    let client = builder(&server, None).legacy_v1().build().unwrap();
    let error = get_job(&client).await.expect_err("404");
    assert!(error.api_version().unwrap().starts_with("1.0"), "{error:?}");
    assert!(error.to_string().contains("API version 1.0"), "{error}");
}
