//! The source side through the binary, against the mock Atlas and its
//! Cloud Manager: the link made on both sides without the token ever shown,
//! its status and removal, and a plan checked against what Atlas sees of
//! the source before any validation.

use std::process::Output;
use std::time::Duration;

use atlas_live_migration_mock::{
    LINK_TOKEN, MockAtlas, ORG_ID, RecordedRequest, SOURCE_API_KEY, SOURCE_ORG_ID, Scenario,
};
use serde_json::Value;

mod common;
#[allow(dead_code, reason = "this file takes its folders and text only")]
mod fleet_common;
use common::cli;
use fleet_common::{Folder, text};

const SOURCE_LINK: &str = "/api/public/v1.0/orgs/5e2211c17a3e5a48f5497de0/liveExport/migrationLink";

/// The binary against `atlas` (Atlas's key: `public`/`private`), with the
/// source side's key in the MongoDB CLI's variables when `source_key`.
async fn run(atlas: &MockAtlas, source_key: Option<(&str, &str)>, args: &[&str]) -> Output {
    let mut command = cli();
    command.args(args).timeout(Duration::from_secs(60));
    // `link status` talks to Cloud Manager alone (MCLI_OPS_MANAGER_URL).
    if !args.starts_with(&["link", "status"]) {
        command.args(["--base-url", atlas.base_url()]);
    }
    if let Some((public, private)) = source_key {
        command
            .env("MCLI_PUBLIC_API_KEY", public)
            .env("MCLI_PRIVATE_API_KEY", private)
            .env("MCLI_OPS_MANAGER_URL", atlas.base_url());
    }
    command.env("SRC_PW", "source-password-of-the-plan");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The Digest username a request was sent with.
fn digest_user(request: &RecordedRequest) -> Option<String> {
    let header = request.header("authorization")?;
    let start = header.find("username=\"")? + "username=\"".len();
    Some(header[start..].split('"').next()?.to_owned())
}

fn source_requests(atlas: &MockAtlas) -> Vec<RecordedRequest> {
    atlas
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/public/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_create_hands_atlas_s_token_to_cloud_manager_unseen_and_waits_for_synced() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let output = run(
        &atlas,
        Some(SOURCE_API_KEY),
        &[
            "-vvv",
            "link",
            "create",
            "--orgId",
            ORG_ID,
            "--sourceOrgId",
            SOURCE_ORG_ID,
            "--interval",
            "100ms",
            "-o",
            "json",
        ],
    )
    .await;
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    // Cloud Manager holds exactly the token Atlas made ...
    assert_eq!(atlas.source_link_token().as_deref(), Some(LINK_TOKEN));
    // ... which no output or log (trace level) shows.
    assert!(!stdout.contains(LINK_TOKEN) && !stderr.contains(LINK_TOKEN));
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["status"], "SYNCED");
    assert_eq!(printed["sourceOrgId"], SOURCE_ORG_ID);
    assert!(
        stderr.contains("NOT_SYNCED; waiting for SYNCED"),
        "{stderr}"
    );
    // Under Cloud Manager's own key, plain JSON; Atlas's key never there.
    let source = source_requests(&atlas);
    let post = source.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.path, SOURCE_LINK);
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).unwrap(),
        serde_json::json!({ "linkToken": LINK_TOKEN })
    );
    let authenticated: Vec<_> = source.iter().filter_map(digest_user).collect();
    assert!(!authenticated.is_empty());
    assert!(authenticated.iter().all(|user| user == SOURCE_API_KEY.0));
    assert!(
        source
            .iter()
            .all(|r| r.header("accept") == Some("application/json"))
    );
    assert!(source.iter().all(|r| r.header("api-version").is_none()));
    // Status read until SYNCED: the first read said NOT_SYNCED.
    let reads = source.iter().filter(|r| r.method == "GET").count();
    assert!(reads >= 2, "{reads} status reads");
    // And the Atlas side never got Cloud Manager's key.
    assert!(atlas.requests().iter().all(|r| {
        r.path.starts_with("/api/public/")
            || !r
                .header("authorization")
                .unwrap_or_default()
                .contains(SOURCE_API_KEY.0)
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_status_gives_cloud_manager_s_answer_and_link_delete_removes_both_sides() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let key = Some(SOURCE_API_KEY);
    let before = run(
        &atlas,
        key,
        &["link", "status", "--sourceOrgId", SOURCE_ORG_ID],
    )
    .await;
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    assert!(text(&before.stdout).contains(": NOT_SYNCED"));
    let created = run(
        &atlas,
        key,
        &[
            "link",
            "create",
            "--orgId",
            ORG_ID,
            "--sourceOrgId",
            SOURCE_ORG_ID,
            "--interval",
            "50ms",
        ],
    )
    .await;
    assert_eq!(created.status.code(), Some(0), "{}", text(&created.stderr));
    assert!(text(&created.stdout).contains("is linked to Atlas organization"));
    let status = run(
        &atlas,
        key,
        &[
            "link",
            "status",
            "--sourceOrgId",
            SOURCE_ORG_ID,
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    // The answer as Cloud Manager sent it, byte for byte.
    assert_eq!(text(&status.stdout).trim(), r#"{"status":"SYNCED"}"#);

    let deleted = run(
        &atlas,
        key,
        &[
            "link",
            "delete",
            "--orgId",
            ORG_ID,
            "--sourceOrgId",
            SOURCE_ORG_ID,
            "--force",
        ],
    )
    .await;
    assert_eq!(deleted.status.code(), Some(0), "{}", text(&deleted.stderr));
    assert_eq!(atlas.source_link_token(), None);
    assert!(!atlas.atlas_link_token_exists());
    // The source side first, then Atlas's tokens.
    let deletes: Vec<String> = atlas
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path)
        .collect();
    let source_at = deletes.iter().position(|p| p == SOURCE_LINK).unwrap();
    let atlas_at = deletes
        .iter()
        .position(|p| p.ends_with("/linkTokens"))
        .unwrap();
    assert!(source_at < atlas_at, "{deletes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_create_without_the_source_key_is_refused_before_any_request() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let output = run(
        &atlas,
        None,
        &[
            "link",
            "create",
            "--orgId",
            ORG_ID,
            "--sourceOrgId",
            SOURCE_ORG_ID,
        ],
    )
    .await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("MCLI_PUBLIC_API_KEY and MCLI_PRIVATE_API_KEY"),
        "{stderr}"
    );
    assert!(atlas.requests().is_empty(), "{:?}", atlas.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_refuses_the_key_says_what_each_side_holds_and_what_to_do() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    // An Atlas key given as Cloud Manager's: Cloud Manager refuses it.
    let output = run(
        &atlas,
        Some(("public", "private")),
        &[
            "link",
            "create",
            "--orgId",
            ORG_ID,
            "--sourceOrgId",
            SOURCE_ORG_ID,
        ],
    )
    .await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for needle in [
        "Cloud Manager answered HTTP 401",
        "MCLI_PUBLIC_API_KEY",
        &format!("Atlas organization {ORG_ID} holds the new link token"),
        &format!("link delete --orgId {ORG_ID}"),
    ] {
        assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    }
    assert!(!stderr.contains(LINK_TOKEN) && !text(&output.stdout).contains(LINK_TOKEN));
    assert_eq!(atlas.source_link_token(), None);
}

/// A plan of three migrations from the mock's "Data center project"
/// (`5e2211c17a3e5a48f5497de3`: hosts vm001…vm016, deployments rs-01…rs-64)
/// with `extra` at the top and `migrations` as given.
fn plan(pool: &str, migrations: &str) -> String {
    format!(
        "projectId: 32b6e34b3d91647abb20e7b8\nmigrationHosts: [{pool}]\n\
         sourceProjectId: 5e2211c17a3e5a48f5497de3\nsourceUsername: admin\n\
         sourcePasswordEnv: SRC_PW\nmigrations:\n{migrations}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_does_not_fit_the_source_is_named_by_plan_and_refused_by_apply() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let folder = Folder::new("sources");
    let bad = folder.file(
        "plan.yaml",
        &plan(
            "vm001.example.com, vm099.example.com",
            "  - name: app-01\n    clusterName: dst-01\n    sourceClusterName: rs-typo\n\
             \x20 - name: app-02\n    clusterName: dst-02\n    sourceClusterName: rs-02\n\
             \x20 - name: app-03\n    clusterName: dst-03\n    sourceClusterName: rs-03\n\
             \x20   sourceProjectId: aaaaaaaaaaaaaaaaaaaaaaaa\n",
        ),
    );
    let bad = bad.to_str().unwrap();
    let planned = run(&atlas, None, &["fleet", "plan", bad]).await;
    let stderr = text(&planned.stderr);
    assert_eq!(planned.status.code(), Some(2), "{stderr}");
    for needle in [
        "migration app-01: sourceClusterName rs-typo is not a deployment of source project \
         Data center project (5e2211c17a3e5a48f5497de3)",
        "migrations app-01, app-02: migration host vm099.example.com is not registered in \
         source project Data center project",
        "migration app-03: sourceProjectId aaaaaaaaaaaaaaaaaaaaaaaa is not a source project \
         that the link of Atlas organization 4888442a3354817a7320eb61 reaches",
    ] {
        assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    }
    assert!(atlas.requests().iter().all(|r| r.method == "GET"));

    let state = folder.path("state.json");
    let applied = run(
        &atlas,
        None,
        &[
            "fleet",
            "apply",
            bad,
            "--state",
            state.to_str().unwrap(),
            "-o",
            "json",
        ],
    )
    .await;
    let stderr = text(&applied.stderr);
    assert_eq!(applied.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nothing was validated or created"),
        "{stderr}"
    );
    assert!(stderr.contains("rs-typo") && stderr.contains("vm099.example.com"));
    // Reads only: no validation, no create.
    assert!(
        atlas.requests().iter().all(|r| r.method == "GET"),
        "{:?}",
        atlas.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_fits_passes_and_shows_each_source_s_version() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let folder = Folder::new("sources-fit");
    let good = folder.file(
        "plan.yaml",
        &plan(
            "vm001.example.com, vm002.example.com",
            "  - name: app-01\n    clusterName: dst-01\n    sourceClusterName: rs-01\n\
             \x20 - name: app-04\n    clusterName: dst-04\n    sourceClusterName: rs-04\n",
        ),
    );
    let good = good.to_str().unwrap();
    let table = run(&atlas, None, &["fleet", "plan", good]).await;
    let stdout = text(&table.stdout);
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
    assert!(stdout.contains("SOURCE CLUSTER"), "{stdout}");
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("rs-01 ").contains("7.0.12") && row("rs-01 ").contains(" no "),
        "{stdout}"
    );
    assert!(
        row("rs-04 ").contains("6.0.15") && row("rs-04 ").contains(" yes "),
        "{stdout}"
    );
    let json = run(&atlas, None, &["fleet", "plan", good, "-o", "json"]).await;
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows[0]["source"]["mongoDBVersion"], "7.0.12");
    assert_eq!(rows[1]["source"]["featureCompatibilityVersion"], "6.0");
    assert_eq!(rows[1]["source"]["sharded"], true);

    // Without credentials: nothing checked, and said.
    let mut command = cli();
    command
        .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .env("SRC_PW", "x")
        .args(["fleet", "plan", good]);
    let unchecked = command.output().unwrap();
    assert_eq!(unchecked.status.code(), Some(0));
    assert!(
        text(&unchecked.stderr).contains("was not checked against Atlas"),
        "{}",
        text(&unchecked.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_naming_its_source_organization_needs_the_link_synced() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let folder = Folder::new("sources-link");
    let path = folder.file(
        "plan.yaml",
        &format!(
            "sourceOrgId: {SOURCE_ORG_ID}\n{}",
            plan(
                "vm001.example.com",
                "  - name: app-01\n    clusterName: dst-01\n    sourceClusterName: rs-01\n"
            )
        ),
    );
    let path = path.to_str().unwrap();
    let unlinked = run(&atlas, Some(SOURCE_API_KEY), &["fleet", "plan", path]).await;
    let stderr = text(&unlinked.stderr);
    assert_eq!(unlinked.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("reads NOT_SYNCED, not SYNCED"), "{stderr}");

    let linked = run(
        &atlas,
        Some(SOURCE_API_KEY),
        &[
            "link",
            "create",
            "--orgId",
            ORG_ID,
            "--sourceOrgId",
            SOURCE_ORG_ID,
            "--interval",
            "50ms",
        ],
    )
    .await;
    assert_eq!(linked.status.code(), Some(0), "{}", text(&linked.stderr));
    let planned = run(&atlas, Some(SOURCE_API_KEY), &["fleet", "plan", path]).await;
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned.stderr));
    // Without Cloud Manager's key, the link is not checked, and that is said.
    let without = run(&atlas, None, &["fleet", "plan", path]).await;
    assert_eq!(without.status.code(), Some(0));
    assert!(text(&without.stderr).contains("was not checked: no Cloud Manager API key"));
}
