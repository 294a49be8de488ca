//! Retries and bad answers, against a scripted loopback server: what is
//! retried, how long it waits, and the errors left when retrying cannot help.

use std::time::{Duration, Instant};

use atlas_live_migration_api::{Client, Error, RetryPolicy};
use atlas_live_migration_tests::*;

const JSON: (&str, &str) = ("content-type", "application/json");
const HTML: (&str, &str) = ("content-type", "text/html");
const HTML_PAGE: &str = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>";

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(40))
}

fn client(server: &ScriptedServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .retry_policy(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn retry_after_is_honoured_before_each_retry() {
    let rate_limited = http_response(429, &[JSON, ("retry-after", "1")], RATE_LIMITED_429);
    let server = ScriptedServer::start(vec![
        rate_limited.clone(),
        rate_limited,
        http_response(200, &[JSON], SEED_200),
    ])
    .await;
    let started = Instant::now();

    get_job(&client(&server, fast_retries(5)))
        .await
        .expect("the third attempt succeeds");

    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests(), 3);
    let arrivals = server.arrivals();
    for pair in arrivals.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_secs(1),
            "retried before Retry-After"
        );
    }
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let at = std::time::SystemTime::now() + Duration::from_secs(2);
    let date = httpdate_string(at);
    let server = ScriptedServer::start(vec![
        http_response(503, &[("retry-after", &date)], "busy"),
        http_response(200, &[JSON], SEED_200),
    ])
    .await;
    get_job(&client(&server, fast_retries(3)))
        .await
        .expect("retried after the date");
    let arrivals = server.arrivals();
    // HTTP dates have whole seconds: at least one second must pass.
    assert!(arrivals[1] - arrivals[0] >= Duration::from_millis(900));
}

fn httpdate_string(at: std::time::SystemTime) -> String {
    // RFC 7231 IMF-fixdate, computed here to keep the test independent.
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 1;
    let days = secs / 86400;
    let (h, m, s) = (secs % 86400 / 3600, secs % 3600 / 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {month_name} {year} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_ends_the_call_at_once() {
    let server = ScriptedServer::start(vec![http_response(
        429,
        &[JSON, ("retry-after", "3600")],
        RATE_LIMITED_429,
    )])
    .await;
    let policy = fast_retries(5).with_max_elapsed(Duration::from_secs(5));
    let started = Instant::now();
    let error = get_job(&client(&server, policy))
        .await
        .expect_err("not worth waiting an hour");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests(), 1);
    let Error::Api(failure) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(failure.error_code.as_deref(), Some("RATE_LIMITED"));
    assert_eq!(failure.retry_after, Some(Duration::from_secs(3600)));
    assert!(error.to_string().contains("3600"), "{error}");
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_retried_then_keeps_status_and_snippet() {
    let server = ScriptedServer::start(vec![http_response(502, &[HTML], HTML_PAGE)]).await;
    let error = get_job(&client(&server, fast_retries(3)))
        .await
        .expect_err("502 throughout");
    assert_eq!(server.requests(), 3, "bounded retries");
    let Error::InvalidResponse {
        status,
        snippet,
        attempts,
        content_type,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(status.map(|s| s.as_u16()), Some(502));
    assert_eq!(*attempts, 3);
    assert_eq!(content_type.as_deref(), Some("text/html"));
    assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
    let message = error.to_string();
    assert!(
        message.contains("502") && message.contains("after 3 attempts"),
        "{message}"
    );
}

#[tokio::test]
async fn an_html_500_keeps_its_status_and_is_not_retried() {
    let page = "<html><body>Internal Server Error</body></html>";
    let server = ScriptedServer::start(vec![http_response(500, &[HTML], page)]).await;
    let error = get_job(&client(&server, fast_retries(3)))
        .await
        .expect_err("500");
    assert_eq!(server.requests(), 1, "500 is not retried");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(
        error.to_string().contains("Internal Server Error"),
        "{error}"
    );
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
}

#[tokio::test]
async fn truncated_json_is_a_clear_decoding_error() {
    let server = ScriptedServer::start(vec![http_response(
        200,
        &[JSON],
        r#"{"_id": "32b6e34b3d91647abb20e7b8", "lagTim"#,
    )])
    .await;
    let error = get_job(&client(&server, fast_retries(3)))
        .await
        .expect_err("truncated");
    let Error::InvalidResponse {
        status, snippet, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    // progenitor does not report the status of a success it could not
    // decode: the message says "a success (2xx)", never a guessed "HTTP 200".
    assert_eq!(*status, None);
    assert!(snippet.contains("lagTim"), "{snippet}");
    let message = error.to_string();
    assert!(message.contains("does not decode"), "{message}");
    assert!(
        message.starts_with("Atlas sent a success (2xx) with a body that does not decode"),
        "{message}"
    );
    assert!(
        !message.contains("HTTP 200") && !message.contains("content type none"),
        "{message}"
    );
    assert!(message.contains("do not send it again"), "{message}");
    assert!(!error.is_transient(), "a success is never to be repeated");
}

#[tokio::test]
async fn a_dropped_connection_is_retried_a_bounded_number_of_times() {
    let server = ScriptedServer::start(vec![Reply::Close]).await;
    let error = get_job(&client(&server, fast_retries(4)))
        .await
        .expect_err("never answered");
    assert_eq!(server.requests(), 4);
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        error.to_string().contains("could not talk to Atlas"),
        "{error}"
    );
}

#[tokio::test]
async fn a_dropped_connection_then_an_answer_succeeds() {
    let server =
        ScriptedServer::start(vec![Reply::Close, http_response(200, &[JSON], SEED_200)]).await;
    get_job(&client(&server, fast_retries(3)))
        .await
        .expect("the retry is answered");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for (status, body, _) in SEED_ERRORS.into_iter().filter(|(s, _, _)| *s < 500) {
        let server = ScriptedServer::start(vec![http_response(status, &[JSON], body)]).await;
        let error = get_job(&client(&server, fast_retries(5)))
            .await
            .expect_err("error status");
        assert_eq!(server.requests(), 1, "status {status} was retried");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
    }
}

#[tokio::test]
async fn retries_can_be_disabled() {
    let server = ScriptedServer::start(vec![http_response(503, &[], "down")]).await;
    get_job(&client(&server, RetryPolicy::none()))
        .await
        .expect_err("503");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_503_storm_stops_within_the_time_budget() {
    let server =
        ScriptedServer::start(vec![http_response(503, &[("retry-after", "1")], "down")]).await;
    let policy = fast_retries(100).with_max_elapsed(Duration::from_millis(2500));
    let started = Instant::now();
    get_job(&client(&server, policy))
        .await
        .expect_err("503 throughout");
    assert!(started.elapsed() < Duration::from_millis(2500 + 1000));
    assert!(
        (2..=4).contains(&server.requests()),
        "{} requests",
        server.requests()
    );
}

#[tokio::test]
async fn each_attempt_is_a_span_with_operation_attempt_status_and_elapsed() {
    let server = ScriptedServer::start(vec![
        http_response(503, &[], "busy"),
        http_response(200, &[JSON], SEED_200),
    ])
    .await;
    let (guard, logs) = capture_logs();
    get_job(&client(&server, fast_retries(3))).await.unwrap();
    drop(guard);
    let logs = logs.text();
    let spans: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("atlas_request{"))
        .collect();
    let closed = |attempt: u32, status: u16| {
        spans.iter().any(|line| {
            line.contains("operation=\"get_push_migration\"")
                && line.contains(&format!("attempt={attempt}"))
                && line.contains(&format!("status={status}"))
                && line.contains("elapsed_ms=")
        })
    };
    assert!(closed(1, 503) && closed(2, 200), "{logs}");
}

#[tokio::test]
async fn a_server_that_stalls_past_the_timeout_is_a_timeout_error() {
    let server = ScriptedServer::start(vec![Reply::Hang]).await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let error = get_job(&client).await.expect_err("no answer");
    assert_eq!(
        server.requests(),
        2,
        "a timed-out GET is retried, boundedly"
    );
    let Error::Transport { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_timeout(), "{source:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}
