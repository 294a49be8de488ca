//! `atlas-live-migration api <tag> <operation>`: the commands generated from
//! the cut for every kept operation, run through the binary against the
//! mock Atlas (`mock/`), as the Atlas CLI's `atlas api` is used.

use std::process::Output;
use std::time::Duration;

use atlas_live_migration_mock::{GROUP_ID, LIVE_MIGRATION_ID, MockAtlas, Scenario};
use serde_json::Value;

#[allow(dead_code)] // the helpers the other CLI tests use
mod common;
use common::cli;

const V2024: &str = "application/vnd.atlas.2024-05-30+json";

async fn run(atlas: &MockAtlas, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = cli();
    command
        .args(args)
        .args(["--base-url", atlas.base_url()])
        .timeout(Duration::from_secs(60));
    if let Some(stdin) = stdin {
        command.write_stdin(stdin.to_owned());
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A create request as a user writes it in a file.
fn create_body() -> String {
    serde_json::json!({
        "destination": {
            "clusterName": "atlas-cluster",
            "groupId": GROUP_ID,
            "hostnameSchemaType": "PUBLIC"
        },
        "migrationHosts": ["vm001.example.com"],
        "source": {
            "clusterName": "onprem-cluster",
            "groupId": "6296fb4c7c7aa997cf94e9a0",
            "managedAuthentication": false,
            "ssl": true,
            "username": "admin",
            "password": "Pa55-word-of-the-source"
        },
        "dropDestinationData": true
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_is_printed_by_tag_and_operation_and_by_every_alias() {
    let job_path = format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations/{LIVE_MIGRATION_ID}");
    let atlas = MockAtlas::start(Scenario::default().job_exists())
        .await
        .unwrap();
    for names in [
        &["api", "cloudMigrationService", "getGroupLiveMigration"][..],
        &["api", "getPushMigration"],
        &["api", "cloudMigrationService", "getPushMigration"],
        &["api", "getGroupLiveMigration"],
    ] {
        let output = run(
            &atlas,
            &[
                names,
                &[
                    "--groupId",
                    GROUP_ID,
                    "--live-migration-id",
                    LIVE_MIGRATION_ID,
                ],
            ]
            .concat(),
            None,
        )
        .await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{names:?}: {}",
            text(&output.stderr)
        );
        let job: Value = serde_json::from_slice(&output.stdout).expect("the job as JSON");
        assert_eq!(job["_id"], LIVE_MIGRATION_ID, "{names:?}");
        assert!(job["status"].is_string(), "{job}");
    }
    let gets = atlas
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == job_path)
        .count();
    assert_eq!(gets, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_from_a_file_is_sent_once_in_its_pinned_version() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("atlas-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.json");
    std::fs::write(&file, create_body()).unwrap();
    let output = run(
        &atlas,
        &[
            "api",
            "cloudMigrationService",
            "createGroupLiveMigration",
            "--groupId",
            GROUP_ID,
            "--file",
            file.to_str().unwrap(),
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let job: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(job["_id"], LIVE_MIGRATION_ID);
    let posts: Vec<_> = atlas
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].header("accept"), Some(V2024));
    assert_eq!(posts[0].header("content-type"), Some(V2024));
    let sent: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(sent["source"]["username"], "admin");
    assert_eq!(sent["dropDestinationData"], true);

    // The same body on standard input, from another migration host (each
    // migration has its own: the mock refuses a busy one, as Atlas does).
    let output = run(
        &atlas,
        &["api", "createGroupLiveMigration", "--groupId", GROUP_ID],
        Some(&create_body().replace("vm001.example.com", "vm002.example.com")),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_id_or_body_exits_2_with_nothing_sent() {
    let atlas = MockAtlas::start(Scenario::default().job_exists())
        .await
        .unwrap();
    let output = run(
        &atlas,
        &[
            "api",
            "getPushMigration",
            "--groupId",
            "not-an-id",
            "--liveMigrationId",
            LIVE_MIGRATION_ID,
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("--groupId \"not-an-id\" is not valid")
            && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    // Said as every command says an ID, not as the spec's pattern.
    assert!(
        stderr.contains("expected 24 lower-case hexadecimal digits"),
        "{stderr}"
    );
    assert!(!stderr.contains("pattern"), "{stderr}");
    // A body the generated type refuses (no `destination`).
    let output = run(
        &atlas,
        &["api", "createGroupLiveMigration", "--groupId", GROUP_ID],
        Some(r#"{"migrationHosts": []}"#),
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("the request body is no LiveMigrationRequest20240530"),
        "{}",
        text(&output.stderr)
    );
    // Not JSON at all.
    let output = run(
        &atlas,
        &["api", "createGroupLiveMigration", "--groupId", GROUP_ID],
        Some("destination: x"),
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(atlas.requests().is_empty(), "{:?}", atlas.requests());
}

/// `api` prints Atlas's answer as Atlas sent it, as `atlas api` does: a
/// member the pinned schema lacks and a `null` included, in Atlas's order;
/// `--outputFile` writes the bytes as they came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_is_printed_as_atlas_sent_it() {
    let unlisted = serde_json::json!({"phase": "INITIAL_SYNC", "percent": 42});
    let atlas = MockAtlas::start(
        Scenario::default()
            .job_exists()
            .job_member_unlisted("progressAddedLater", unlisted.clone()),
    )
    .await
    .unwrap();
    let args = [
        "api",
        "getGroupLiveMigration",
        "--groupId",
        GROUP_ID,
        "--liveMigrationId",
        LIVE_MIGRATION_ID,
    ];
    let output = run(&atlas, &args, None).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    let job: Value = serde_json::from_str(&printed).expect("the job as JSON");
    assert_eq!(job["progressAddedLater"], unlisted, "{printed}");
    // The `null` Atlas sent is printed, not dropped.
    assert!(
        job.as_object().unwrap().get("lagTimeSeconds") == Some(&Value::Null),
        "{printed}"
    );
    // Pretty-printed, with the members in the order they came.
    assert!(printed.contains("\n  \"_id\""), "{printed}");
    let order: Vec<usize> = [
        "\"_id\"",
        "\"lagTimeSeconds\"",
        "\"migrationHosts\"",
        "\"progressAddedLater\"",
    ]
    .iter()
    .map(|key| printed.find(key).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{printed}");

    // The bytes as they came.
    let dir = std::env::temp_dir().join(format!("atlas-api-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("job.json");
    let output = run(
        &atlas,
        &[&args[..], &["--outputFile", file.to_str().unwrap()]].concat(),
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        !written.contains('\n'),
        "not the compact bytes Atlas sent: {written}"
    );
    // The job moved on a poll; what the spec lacks is there as it came.
    let read: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(read["progressAddedLater"], unlisted, "{written}");
    assert_eq!(read["_id"], job["_id"]);
    std::fs::remove_dir_all(dir).ok();
}

/// An invalid ID is reported as such before the credentials are looked
/// for: with them and without them, exit 2 naming the flag, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_id_is_named_with_or_without_credentials() {
    let atlas = MockAtlas::start(Scenario::default().job_exists())
        .await
        .unwrap();
    for with_credentials in [true, false] {
        let mut command = cli();
        if !with_credentials {
            command
                .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
                .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY");
        }
        command
            .args([
                "api",
                "getGroupLiveMigration",
                "--groupId",
                "not-an-id",
                "--liveMigrationId",
                LIVE_MIGRATION_ID,
                "--base-url",
                atlas.base_url(),
            ])
            .timeout(Duration::from_secs(60));
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "credentials {with_credentials}: {stderr}"
        );
        assert!(
            stderr.contains("--groupId \"not-an-id\" is not valid")
                && stderr.contains("nothing was sent"),
            "credentials {with_credentials}: {stderr}"
        );
        assert!(!stderr.to_lowercase().contains("credential"), "{stderr}");
    }
    assert!(atlas.requests().is_empty(), "{:?}", atlas.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_shows_the_spec_s_summary_and_parameters() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let output = run(
        &atlas,
        &[
            "api",
            "cloudMigrationService",
            "getGroupLiveMigration",
            "--help",
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let help = text(&output.stdout);
    assert!(help.contains("Return One Migration Job"), "{help}");
    assert!(help.contains("--groupId"), "{help}");
    assert!(help.contains("--liveMigrationId"), "{help}");
    assert!(
        help.contains("Unique 24-hexadecimal digit string that identifies your project"),
        "{help}"
    );
    // The tag's list shows the operations, with their aliases.
    let output = run(&atlas, &["api", "cloudMigrationService", "--help"], None).await;
    let help = text(&output.stdout);
    assert!(
        help.contains("getGroupLiveMigration") && help.contains("getPushMigration"),
        "{help}"
    );
    // The list of tags.
    let output = run(&atlas, &["api", "--help"], None).await;
    let help = text(&output.stdout);
    assert!(help.contains("cloudMigrationService"), "{help}");
}

/// `--all` on a paginated operation (`listGroups`): three pages from a
/// loopback server answering as Atlas does, each item printed once, in
/// order, with its members as Atlas sent them (order, `null`s and members
/// the schema lacks included), as one JSON array; `--outputFile` gets the
/// items' bytes. Elsewhere `--all` is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_prints_every_item_of_every_page_as_one_array() {
    let server = httpmock::MockServer::start_async().await;
    // Members in an order serde_json's map would not keep, a null, a member
    // the spec does not have.
    let item = |n: usize| {
        format!(
            r#"{{"name":"project-{n}","id":"{n:024x}","clusterCount":null,"zNew":{{"b":1,"a":2}}}}"#
        )
    };
    let page = |items: std::ops::Range<usize>, next: bool| {
        let items: Vec<String> = items.map(item).collect();
        let next = if next {
            r#",{"href":"https://cloud.mongodb.com/api/atlas/v2/groups?pageNum=2","rel":"next"}"#
        } else {
            ""
        };
        format!(
            r#"{{"links":[{{"href":"https://cloud.mongodb.com/api/atlas/v2/groups","rel":"self"}}{next}],"results":[{}],"totalCount":5}}"#,
            items.join(",")
        )
    };
    let pages = [
        (None, page(0..2, true)),
        (Some("2"), page(2..4, true)),
        (Some("3"), page(4..5, false)),
    ];
    let mocks: Vec<_> = pages
        .iter()
        .map(|(number, body)| {
            server.mock(|when, then| {
                let when = when
                    .path("/api/atlas/v2/groups")
                    .query_param("itemsPerPage", "2");
                match number {
                    None => {
                        when.query_param_missing("pageNum");
                    }
                    Some(number) => {
                        when.query_param("pageNum", *number)
                            .query_param("includeCount", "false");
                    }
                }
                then.status(200)
                    .header("content-type", "application/vnd.atlas.2023-01-01+json")
                    .body(body);
            })
        })
        .collect();
    let base_url = server.base_url();
    let run = |args: Vec<String>| {
        let mut command = cli();
        command
            .args(args)
            .args(["--base-url", &base_url])
            .timeout(Duration::from_secs(60));
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let args = |extra: &[&str]| -> Vec<String> {
        [
            "api",
            "projects",
            "listGroups",
            "--all",
            "--itemsPerPage",
            "2",
        ]
        .iter()
        .chain(extra)
        .map(|a| (*a).to_owned())
        .collect()
    };

    let output = run(args(&[])).await.unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let items: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "project-0",
            "project-1",
            "project-2",
            "project-3",
            "project-4"
        ]
    );
    assert!(items.iter().all(|i| i["clusterCount"].is_null()));
    let name_at = stdout.find("\"name\"").unwrap();
    assert!(
        name_at < stdout.find("\"id\"").unwrap() && stdout.find("\"b\"") < stdout.find("\"a\""),
        "members in Atlas's order:\n{stdout}"
    );
    for mock in &mocks {
        mock.assert_calls(1);
    }

    let file = std::env::temp_dir().join(format!("all-{}.json", std::process::id()));
    let output = run(args(&["--outputFile", file.to_str().unwrap()]))
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).ok();
    assert_eq!(
        written,
        format!("[{}]", (0..5).map(item).collect::<Vec<_>>().join(",")),
        "the items' bytes as Atlas sent them"
    );

    // `--all` is for lists only: getGroup answers one project.
    let output = run([
        "api",
        "projects",
        "getGroup",
        "--groupId",
        GROUP_ID,
        "--all",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect())
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("--all"),
        "{}",
        text(&output.stderr)
    );
    // Pages wrapped in envelopes are not pages: refused before sending.
    let output = run(args(&["--envelope"])).await.unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("--envelope"),
        "{}",
        text(&output.stderr)
    );
    for mock in &mocks {
        mock.assert_calls(2);
    }
}
