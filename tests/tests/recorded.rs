//! The answers the real Atlas sent (`tests/recorded/`), replayed on loopback
//! through the public surface (`.send().checked()`), as they came: status,
//! headers and body. What the spec says does not matter here; what Atlas
//! sent does.

use atlas_live_migration_api::{Checked, Client, Credentials, Error, RateLimit};
use atlas_live_migration_tests::recorded::{self, Answer};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

fn client(server: &MockServer) -> Client {
    plain_client(&server.base_url())
}

fn link_request() -> atlas_live_migration_api::types::TargetOrgRequest {
    atlas_live_migration_tests::link_token_request()
}

/// The recorded answers of the family's operations in the corpus, each
/// through its own builder: every success decodes, every error is Atlas's.
#[tokio::test]
async fn every_recorded_answer_of_a_family_operation_reads_as_atlas_sent_it() {
    let mut seen = 0;
    for answer in recorded::all() {
        if answer.is_digest_challenge() {
            continue;
        }
        let server = MockServer::start();
        answer.serve(&server);
        let client = client(&server);
        let org = answer.params.get("orgId").cloned().unwrap_or_default();
        let outcome: Result<Option<String>, Error> = match answer.operation_id.as_str() {
            "createOrgLiveMigrationLinkToken" => client
                .create_org_live_migration_link_token()
                .org_id(org.as_str())
                .body(link_request())
                .send()
                .checked()
                .await
                .map(|token| token.link_token.as_ref().map(|t| t.expose().to_owned())),
            "deleteOrgLiveMigrationLinkTokens" => client
                .delete_org_live_migration_link_tokens()
                .org_id(org.as_str())
                .send()
                .checked()
                .await
                .map(|_| None),
            _ => continue,
        };
        seen += 1;
        let what = format!(
            "{} {} ({})",
            answer.status, answer.operation_id, answer.source
        );
        if (200..300).contains(&answer.status) {
            let decoded = outcome.unwrap_or_else(|e| panic!("{what}: {e}"));
            if let Some(token) = decoded {
                let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
                assert_eq!(body["linkToken"], token.as_str(), "{what}");
            }
        } else {
            assert_atlas_error(&answer, outcome.expect_err(&what));
        }
    }
    // 201 for the create (the spec says 200), 204 and a 404 for the delete.
    assert!(seen >= 3, "{seen} answers of the family in the corpus");
}

/// Every error Atlas sent, whatever operation it answered, reaches the
/// caller as `Error::Api` with Atlas's `errorCode` and `detail`: the runtime
/// reads error bodies before any operation's types do, so one operation of
/// the family stands for all.
#[tokio::test]
async fn every_recorded_atlas_error_reaches_the_caller_with_its_code_and_detail() {
    let errors: Vec<Answer> = recorded::all()
        .into_iter()
        .filter(|a| a.status >= 400 && !a.is_digest_challenge())
        .collect();
    assert!(errors.len() >= 20, "{} errors", errors.len());
    for answer in &errors {
        let server = MockServer::start();
        server.mock(|when, then| {
            when.method(GET).path(PATH);
            answer.respond(then);
        });
        let error = get_job(&client(&server)).await.expect_err(&answer.source);
        assert_atlas_error(answer, error);
    }
}

/// What a recorded error must become: `Error::Api` with the status, the
/// body's `errorCode` (or the `X-Error-Code` header) and `detail`, every
/// parameter as sent, and a message that names them.
fn assert_atlas_error(answer: &Answer, error: Error) {
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let Error::Api(failure) = &error else {
        panic!("{} {}: {error:?}", answer.status, answer.source)
    };
    assert_eq!(failure.status.as_u16(), answer.status);
    let code = body["errorCode"]
        .as_str()
        .or_else(|| answer.header("x-error-code"));
    assert_eq!(failure.error_code.as_deref(), code, "{}", answer.body);
    assert_eq!(failure.detail.as_deref(), body["detail"].as_str());
    let parameters = body["parameters"].as_array().cloned().unwrap_or_default();
    assert_eq!(failure.parameters, parameters);
    let message = error.to_string();
    assert!(
        message.contains(&format!("HTTP {}", answer.status)),
        "{message}"
    );
    if let Some(code) = code {
        assert!(message.contains(code), "{message}");
    }
    if let Some(detail) = body["detail"].as_str() {
        assert!(message.contains(detail.trim_end_matches('.')), "{message}");
    }
}

/// Every recorded Digest challenge is answered, with the nonce it names,
/// and the call then gets its answer: the challenge is never the
/// operation's error.
#[tokio::test]
async fn every_recorded_digest_challenge_is_answered_not_returned() {
    let challenges: Vec<Answer> = recorded::all()
        .into_iter()
        .filter(Answer::is_digest_challenge)
        .collect();
    assert!(challenges.len() >= 30, "{} challenges", challenges.len());
    let created = recorded::of("createOrgLiveMigrationLinkToken")
        .into_iter()
        .find(|a| a.status == 201)
        .expect("the recorded create");
    for challenge in &challenges {
        let header = challenge.header("www-authenticate").unwrap();
        let nonce = header
            .split("nonce=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the challenge names a nonce");
        let server = MockServer::start();
        let answered = server.mock(|when, then| {
            when.method(POST)
                .path(format!(
                    "/api/atlas/v2/orgs/{ORG_ID}/liveMigrations/linkTokens"
                ))
                .header_includes("authorization", format!("nonce=\"{nonce}\""));
            created.respond(then);
        });
        let challenged = server.mock(|when, then| {
            when.method(POST).header_missing("authorization");
            challenge.respond(then);
        });
        let client = Client::builder()
            .base_url(server.base_url())
            .credentials(Credentials::digest("public-key", "private-key"))
            .build()
            .unwrap();
        let token = client
            .create_org_live_migration_link_token()
            .org_id(ORG_ID)
            .body(link_request())
            .send()
            .checked()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", challenge.source));
        assert_eq!(token.status().as_u16(), 201);
        assert_eq!(
            token.link_token.as_ref().map(|t| t.expose()),
            Some("redactedToken")
        );
        challenged.assert_calls(1);
        answered.assert_calls(1);
        // The recorded rate-limit headers are kept for the caller.
        assert_eq!(
            client.rate_limit(),
            Some(RateLimit {
                limit: 500,
                remaining: 498
            })
        );
    }
}
