//! The `atlas-live-migration` binary, run as a user would, against loopback
//! mocks through `--base-url`: output, exit codes, aliases, envelope
//! unwrapping, invalid IDs, waiting, Ctrl-C and the demo.

use assert_cmd::Command;
use atlas_live_migration_tests::recorded;
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

mod common;
use common::{binary, cli, interrupt};

const IDS: [&str; 4] = [
    "--group-id",
    GROUP_ID,
    "--live-migration-id",
    LIVE_MIGRATION_ID,
];

fn job_body(status: &str, lag: &str, ready: bool) -> String {
    format!(
        r#"{{"_id":"{LIVE_MIGRATION_ID}","status":"{status}","lagTimeSeconds":{lag},"readyForCutover":{ready},"migrationHosts":["vm001.example.com"]}}"#
    )
}

fn serve_job(server: &MockServer, body: String) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(GET).path(PATH).header("accept", MEDIA_TYPE);
        then.status(200)
            .header("content-type", MEDIA_TYPE)
            .body(body);
    })
}

fn stdout_json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn get_prints_the_job_as_json_with_the_api_field_names() {
    let server = MockServer::start();
    let mock = serve_job(&server, SEED_200.to_owned());
    let output = cli()
        .arg("get")
        .args(IDS)
        .args(["--base-url", &server.base_url()])
        .assert()
        .success();
    let printed = stdout_json(output.get_output());
    let seed: serde_json::Value = serde_json::from_str(SEED_200).unwrap();
    assert_eq!(printed, seed);
    mock.assert();
}

#[test]
fn get_prints_a_table_like_the_atlas_cli() {
    let server = MockServer::start();
    serve_job(&server, SEED_200.to_owned());
    let output = cli()
        .args(["get", "-o", "table", "--base-url", &server.base_url()])
        .args(IDS)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| {
            l.split("   ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        lines[0],
        ["ID", "LAGTIME", "READY FOR CUTOVER", "STATUS"],
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        ["32b6e34b3d91647abb20e7b8", "42", "true", "NEW"],
        "{stdout}"
    );
}

#[test]
fn the_atlas_cli_spellings_and_the_project_variable_work() {
    let server = MockServer::start();
    let mock = serve_job(&server, SEED_200.to_owned());
    for args in [
        vec![
            "--groupId",
            GROUP_ID,
            "--liveMigrationId",
            LIVE_MIGRATION_ID,
        ],
        vec![
            "--projectId",
            GROUP_ID,
            "--liveMigrationId",
            LIVE_MIGRATION_ID,
        ],
    ] {
        cli()
            .arg("get")
            .args(&args)
            .args(["--base-url", &server.base_url()])
            .assert()
            .success();
    }
    cli()
        .env("MONGODB_ATLAS_PROJECT_ID", GROUP_ID)
        .args([
            "get",
            "--live-migration-id",
            LIVE_MIGRATION_ID,
            "--base-url",
            &server.base_url(),
        ])
        .assert()
        .success();
    assert_eq!(mock.calls(), 3);
}

#[test]
fn envelope_answers_are_unwrapped() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(PATH)
            .query_param("envelope", "true")
            .query_param("pretty", "true");
        then.status(200)
            .body(format!(r#"{{"status":200,"content":{SEED_200}}}"#));
    });
    let output = cli()
        .args([
            "get",
            "--envelope",
            "--pretty",
            "--base-url",
            &server.base_url(),
        ])
        .args(IDS)
        .assert()
        .success();
    assert_eq!(stdout_json(output.get_output())["status"], "NEW");
    assert!(stdout_json(output.get_output()).get("content").is_none());
    mock.assert();
}

#[test]
fn an_invalid_id_is_a_usage_error_and_sends_nothing() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(200).body(SEED_200);
    });
    for (flag, args) in [
        (
            "--group-id",
            [
                "--group-id",
                "32B6E34B3D91647ABB20E7B8",
                "--live-migration-id",
                LIVE_MIGRATION_ID,
            ],
        ),
        (
            "--live-migration-id",
            ["--group-id", GROUP_ID, "--live-migration-id", "../../etc"],
        ),
    ] {
        let output = cli()
            .arg("get")
            .args(args)
            .args(["--base-url", &server.base_url()])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
        assert!(
            stderr.contains(flag) && stderr.contains("24 lower-case hexadecimal digits"),
            "{stderr}"
        );
    }
    assert_eq!(anything.calls(), 0);
}

#[test]
fn an_api_error_exits_1_with_status_code_detail_and_advice() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(PATH);
        then.status(404)
            .header("content-type", "application/json")
            .body(SEED_ERRORS[2].1);
    });
    let output = cli()
        .arg("get")
        .args(IDS)
        .args(["--base-url", &server.base_url()])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    for expected in [
        "404",
        "RESOURCE_NOT_FOUND",
        "Cannot find resource",
        "Check the group",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn missing_credentials_are_a_usage_error_naming_the_variables() {
    let output = cli()
        .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .arg("get")
        .args(IDS)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(
        stderr.contains("MONGODB_ATLAS_CLIENT_ID")
            && stderr.contains("MONGODB_ATLAS_PUBLIC_API_KEY"),
        "{stderr}"
    );
}

#[test]
fn get_exit_codes_follow_the_job_status() {
    for (status, code) in [
        ("WORKING", 0),
        ("COMPLETE", 0),
        ("FAILED", 3),
        ("EXPIRED", 4),
    ] {
        let server = MockServer::start();
        serve_job(&server, job_body(status, "null", false));
        cli()
            .arg("get")
            .args(IDS)
            .args(["--base-url", &server.base_url()])
            .assert()
            .code(code);
    }
}

/// Runs `watch` against a scripted server.
async fn watch(script: Vec<Reply>, extra: &[&str]) -> std::process::Output {
    let server = ScriptedServer::start(script).await;
    let mut command = cli();
    command
        .args([
            "watch",
            "--interval",
            "10ms",
            "--base-url",
            &server.base_url,
        ])
        .args(IDS)
        .args(extra);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn job(status: &str, lag: &str, ready: bool) -> Reply {
    http_response(
        200,
        &[("content-type", MEDIA_TYPE)],
        &job_body(status, lag, ready),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_reaches_each_end_state_with_its_exit_code() {
    let cases = [
        (
            vec![
                job("NEW", "null", false),
                job("WORKING", "30", false),
                job("WORKING", "3", true),
            ],
            0,
            "ready for cutover",
        ),
        (
            vec![job("WORKING", "9", false), job("COMPLETE", "null", false)],
            0,
            "COMPLETE",
        ),
        (
            vec![job("WORKING", "9", false), job("FAILED", "null", false)],
            3,
            "FAILED",
        ),
        (
            vec![job("WORKING", "9", false), job("EXPIRED", "null", false)],
            4,
            "EXPIRED",
        ),
    ];
    for (script, code, summary) in cases {
        let output = watch(script, &[]).await;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(output.status.code(), Some(code), "{stdout}");
        let last = stdout.lines().last().unwrap_or_default();
        assert!(last.contains(summary), "summary {last:?} in {stdout}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_prints_one_line_per_change_when_not_on_a_terminal() {
    let script = vec![
        job("NEW", "null", false),
        job("NEW", "null", false),
        job("WORKING", "30", false),
        job("WORKING", "30", false),
        job("WORKING", "2", true),
    ];
    let output = watch(script, &[]).await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "three changes and a summary: {stdout}");
    assert!(lines[0].ends_with("NEW lag=- ready=false"), "{stdout}");
    assert!(
        lines[1].ends_with("WORKING lag=30s ready=false"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "no terminal escapes in plain output"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_times_out_with_exit_code_5() {
    let output = watch(vec![job("WORKING", "500", false)], &["--timeout", "300ms"]).await;
    assert_eq!(output.status.code(), Some(5));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        stdout.contains("timed out") && stdout.contains("lag=500s"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_ends_watch_with_exit_code_130() {
    // A plain watch, and a watch that would cut over, both interrupted
    // before the job is ready.
    for extra in [&[][..], &["--cutover", "--force"][..]] {
        let server = ScriptedServer::start(vec![job("WORKING", "60", false)]).await;
        let mut command = std::process::Command::new(binary());
        command
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
            .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
            .args([
                "watch",
                "--interval",
                "50ms",
                "--base-url",
                &server.base_url,
            ])
            .args(extra)
            .args(IDS)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = command.spawn().unwrap();
        while server.requests() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let output = interrupt(child).await;
        assert_eq!(output.status.code(), Some(130), "{extra:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("interrupted")
                && stderr.contains("the migration itself is not affected"),
            "{extra:?}: {stderr}"
        );
    }
}

#[test]
fn the_demo_needs_no_account() {
    let output = Command::new(binary())
        .env_clear()
        .args(["get", "--demo"])
        .assert()
        .success();
    assert_eq!(stdout_json(output.get_output())["status"], "NEW");
    let output = Command::new(binary())
        .env_clear()
        .args(["watch", "--demo", "--interval", "20ms"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    assert!(stdout.contains("WORKING lag=95s"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("ready for cutover"),
        "{stdout}"
    );
}

/// The recorded answer of the real Atlas for `operation_id` with `status`.
fn recorded_answer(operation_id: &str, status: u16) -> recorded::Answer {
    recorded::all()
        .into_iter()
        .find(|a| a.operation_id == operation_id && a.status == status)
        .unwrap_or_else(|| panic!("the corpus has a {status} of {operation_id}"))
}

#[test]
fn link_create_prints_the_token_atlas_answers_with_201() {
    let answer = recorded_answer("createOrgLiveMigrationLinkToken", 201);
    let server = MockServer::start();
    let created = answer.serve(&server);
    for (format, expected) in [
        ("table", "redactedToken\n"),
        ("json", "{\n  \"linkToken\": \"redactedToken\"\n}\n"),
    ] {
        let output = cli()
            .args(["link", "create", "--orgId", &answer.params["orgId"]])
            .args(["--accessListIp", "203.0.113.7", "-o", format])
            .args(["--base-url", &server.base_url()])
            .assert()
            .code(0);
        assert_eq!(
            String::from_utf8_lossy(&output.get_output().stdout),
            expected
        );
    }
    // Each create was sent once: a 201 is a success, never retried.
    created.assert_calls(2);
}

#[test]
fn link_delete_of_no_link_shows_atlas_s_code_detail_and_what_to_do() {
    let answer = recorded_answer("deleteOrgLiveMigrationLinkTokens", 404);
    let server = MockServer::start();
    let deleted = answer.serve(&server);
    let org = &answer.params["orgId"];
    let output = cli()
        .args(["link", "delete", "--orgId", org, "--force"])
        .args(["--base-url", &server.base_url()])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    for expected in [
        "HTTP 404 Not Found",
        "UNEXPECTED_ERROR",
        "Could not find the requested external organization link",
        "has no live-migration link to remove",
        "link create --orgId",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert!(!stderr.contains("not an Atlas error"), "{stderr}");
    deleted.assert_calls(1);
}

#[test]
fn describe_of_a_missing_job_shows_atlas_s_recorded_not_found() {
    // Atlas's RESOURCE_NOT_FOUND as it sends it (parameters as strings).
    let answer = recorded::all()
        .into_iter()
        .find(|a| a.status == 404 && a.body.contains("RESOURCE_NOT_FOUND"))
        .expect("a recorded RESOURCE_NOT_FOUND");
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path(PATH);
        answer.respond(then);
    });
    let output = cli()
        .arg("describe")
        .args(IDS)
        .args(["--base-url", &server.base_url()])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    let detail: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let detail = detail["detail"].as_str().unwrap().trim_end_matches('.');
    for expected in [
        "HTTP 404 Not Found",
        "RESOURCE_NOT_FOUND",
        detail,
        "Check the group",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}
