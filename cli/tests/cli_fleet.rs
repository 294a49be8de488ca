//! `fleet plan` and `fleet apply` through the binary, against the mock
//! Atlas with a rate limit: many migrations at once, each created once, the
//! state resumed after `kill -9`, a lost create answer, bad plans.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use atlas_live_migration_mock::{MockAtlas, RecordedRequest, Scenario};
use serde_json::Value;

mod common;
mod fleet_common;
use fleet_common::{Folder, apply_args, results, saved, text};

const GROUPS: &str = "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/liveMigrations";
const PASSWORD: &str = "fleet-Source-pw-0123";

/// A scenario whose migrations move in few polls: a validation that passes
/// at once, a job ready on its first poll, complete on the next.
fn quick() -> Scenario {
    let mut scenario = Scenario::default().ready_at_once();
    scenario.validation = vec!["SUCCESS"];
    scenario.polls_to_complete = 1;
    scenario
}

/// A plan of `n` migrations, `app-01`…, with the defaults at the top and
/// a host for each in the pool.
fn plan(n: usize) -> String {
    plan_on(n, n)
}

/// A plan of `n` migrations on a pool of `hosts` migration hosts.
fn plan_on(n: usize, hosts: usize) -> String {
    fleet_common::plan(n, hosts, "")
}

async fn fleet(atlas: Option<&MockAtlas>, args: &[&str]) -> Output {
    fleet_common::fleet(atlas, PASSWORD, args).await
}

/// The create POSTs of each destination cluster, and the cutover PUTs.
fn counts(requests: &[RecordedRequest]) -> (std::collections::BTreeMap<String, usize>, usize) {
    let mut creates = std::collections::BTreeMap::new();
    for request in requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == GROUPS)
    {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let cluster = body["destination"]["clusterName"]
            .as_str()
            .unwrap()
            .to_owned();
        *creates.entry(cluster).or_default() += 1;
    }
    let cutovers = requests
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/cutover"))
        .count();
    (creates, cutovers)
}

fn no_secret(output: &Output, state: &Path) {
    for shown in [text(&output.stdout), text(&output.stderr)] {
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
    let state = std::fs::read_to_string(state).unwrap();
    assert!(!state.contains(PASSWORD), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_migrations_complete_each_created_and_cut_over_once_with_no_429() {
    // 30 requests a bucket, refilled 30 every 2 s: the fleet needs 60.
    let atlas = MockAtlas::start(quick().rate_limit(30, Duration::from_secs(2)))
        .await
        .unwrap();
    let folder = Folder::new("ten");
    let plan = folder.file("plan.yaml", &plan(10));
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let ends = results(&output);
    assert_eq!(ends.len(), 10);
    assert!(ends.iter().all(|(_, end)| end == "complete"), "{ends:?}");
    let requests = atlas.requests();
    let (creates, cutovers) = counts(&requests);
    assert_eq!(creates.len(), 10);
    assert!(creates.values().all(|n| *n == 1), "{creates:?}");
    assert_eq!(cutovers, 10);
    assert_eq!(
        atlas.rate_limited(),
        0,
        "429s: the pace let too much through"
    );
    // Each migration's lifecycle takes 6 requests here; none was repeated.
    // Two more came first: the plan checked against the source (getGroup,
    // availableProjects).
    assert_eq!(requests.len(), 62, "{} requests", requests.len());
    no_secret(&output, &state);
    // The password went to Atlas, in the create and the validation.
    assert!(requests.iter().any(|r| r.body.contains(PASSWORD)));

    // Again: everything is COMPLETE in the state, so nothing is sent.
    let again = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(results(&again).iter().all(|(_, end)| end == "complete"));
    assert_eq!(atlas.requests().len(), 62, "a second apply sent requests");

    // And plan says so, one line a migration.
    let planned = fleet(None, &["plan", plan_arg, "--state", state_arg]).await;
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned.stderr));
    let lines = text(&planned.stdout);
    assert_eq!(lines.lines().count(), 11, "{lines}");
    assert_eq!(lines.matches("nothing: COMPLETE").count(), 10, "{lines}");
}

/// Each push live migration uses its own dedicated migration host: six
/// migrations on a pool of three, and two more pinned to one host of their
/// own, take turns. The mock Atlas refuses a create on a host that runs an
/// unfinished migration, as Atlas does; none is refused, each is created
/// once, and every one ends `COMPLETE`. `fleet plan` says beforehand who
/// waits for a host, and afterwards which host each took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_migrations_on_three_hosts_and_two_pinned_to_one_take_turns() {
    let atlas = MockAtlas::start(quick()).await.unwrap();
    let folder = Folder::new("hosts");
    let mut yaml = plan_on(6, 3);
    for i in 7..=8 {
        yaml.push_str(&format!(
            "  - name: app-{i:02}\n    clusterName: dst-{i:02}\n    sourceClusterName: rs-{i:02}\n    \
             migrationHosts: [vm009.example.com]\n"
        ));
    }
    let plan = folder.file("plan.yaml", &yaml);
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());

    let before = fleet(None, &["plan", plan_arg, "-o", "json"]).await;
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    let rows: Value = serde_json::from_slice(&before.stdout).unwrap();
    let waiting: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["waitingFor"] == "host")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(waiting, ["app-04", "app-05", "app-06", "app-08"], "{rows}");
    assert_eq!(rows[6]["migrationHost"], "vm009.example.com", "{rows}");

    let output = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let ends = results(&output);
    assert_eq!(ends.len(), 8);
    assert!(ends.iter().all(|(_, end)| end == "complete"), "{ends:?}");
    assert_eq!(
        atlas.busy_host_refused(),
        0,
        "a host ran two migrations at once"
    );
    let (creates, cutovers) = counts(&atlas.requests());
    assert_eq!(creates.len(), 8);
    assert!(creates.values().all(|n| *n == 1), "{creates:?}");
    assert_eq!(cutovers, 8);
    assert!(
        text(&output.stderr).contains("waits for a migration host"),
        "{}",
        text(&output.stderr)
    );
    // Each create named the host its migration took, and the state says it.
    let saved: Value = saved(&state);
    let mut per_host = std::collections::BTreeMap::<String, usize>::new();
    for (name, entry) in saved["migrations"].as_object().unwrap() {
        let host = entry["migrationHost"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {entry}"));
        *per_host.entry(host.to_owned()).or_default() += 1;
        if name == "app-07" || name == "app-08" {
            assert_eq!(host, "vm009.example.com");
        }
    }
    assert_eq!(per_host.values().sum::<usize>(), 8, "{per_host:?}");
    assert_eq!(per_host["vm009.example.com"], 2, "{per_host:?}");
    assert!(per_host.len() == 4, "{per_host:?}");
    let mut created = Vec::new();
    for request in atlas
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == GROUPS)
    {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let host = body["migrationHosts"][0].as_str().unwrap();
        assert!(per_host.contains_key(host), "{host}");
        created.push(
            body["destination"]["clusterName"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // The pool's hosts went in plan order; the pinned two one after the
    // other.
    for (name, host) in [
        ("app-01", "vm001.example.com"),
        ("app-02", "vm002.example.com"),
        ("app-03", "vm003.example.com"),
    ] {
        assert_eq!(saved["migrations"][name]["migrationHost"], host, "{saved}");
    }
    let at = |cluster: &str| created.iter().position(|c| c == cluster).unwrap();
    assert!(at("dst-07") < at("dst-08"), "{created:?}");

    let after = fleet(
        None,
        &["plan", plan_arg, "--state", state_arg, "-o", "json"],
    )
    .await;
    let rows: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["waitingFor"].is_null()
                && r["migrationHost"].is_string()
                && r["next"] == "nothing: COMPLETE"),
        "{rows}"
    );
}

/// Without `--cutover` a ready migration keeps its host (its job goes on):
/// the others on that host do not wait for ever, they end saying so (exit
/// 5), and the next apply with `--cutover` takes them to `COMPLETE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_held_by_a_ready_migration_ends_the_wait_and_the_next_apply_goes_on() {
    let atlas = MockAtlas::start(quick()).await.unwrap();
    let folder = Folder::new("held");
    let plan = folder.file("plan.yaml", &plan_on(3, 1));
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let without_cutover: Vec<&str> = apply_args(plan_arg, state_arg)
        .into_iter()
        .filter(|a| *a != "--cutover" && *a != "--force")
        .collect();
    let output = fleet(Some(&atlas), &without_cutover).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    assert_eq!(
        results(&output),
        [
            ("app-01".to_owned(), "ready".to_owned()),
            ("app-02".to_owned(), "waitingForHost".to_owned()),
            ("app-03".to_owned(), "waitingForHost".to_owned()),
        ]
    );
    assert!(
        text(&output.stdout).contains("vm001.example.com (app-01)"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(atlas.created(), 1);

    let output = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "complete"));
    assert_eq!((atlas.created(), atlas.busy_host_refused()), (3, 0));
}

/// A plan that pins two hosts in one migration, or lists a host twice, is
/// refused before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_pins_one_host_and_a_pool_lists_each_once() {
    let folder = Folder::new("pins");
    let mut yaml = plan_on(2, 2).replace(
        "vm002.example.com]",
        "vm002.example.com, vm001.example.com]",
    );
    yaml.push_str(
        "  - name: app-03\n    clusterName: dst-03\n    sourceClusterName: rs-03\n    \
         migrationHosts: [vm007.example.com, vm008.example.com]\n",
    );
    let plan = folder.file("plan.yaml", &yaml);
    let output = fleet(None, &["plan", plan.to_str().unwrap()]).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    let said = text(&output.stderr);
    assert!(said.contains("lists vm001.example.com twice"), "{said}");
    assert!(
        said.contains("migration app-03: `migrationHosts` has 2 hosts; a migration pins one"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_is_sent_once_and_named_and_the_others_complete() {
    let atlas = MockAtlas::start(quick().lose_create_answer("dst-02"))
        .await
        .unwrap();
    let folder = Folder::new("lost");
    let plan = folder.file("plan.yaml", &plan(3));
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let ends = results(&output);
    assert_eq!(
        ends,
        [
            ("app-01".to_owned(), "complete".to_owned()),
            ("app-02".to_owned(), "needsPerson".to_owned()),
            ("app-03".to_owned(), "complete".to_owned()),
        ]
    );
    let stdout = text(&output.stdout);
    assert!(stdout.contains("never came"), "{stdout}");
    assert!(stdout.contains("fleet record --state"), "{stdout}");
    // Again: app-02 still needs a person, and its create is not sent again.
    let again = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(again.status.code(), Some(1));
    let (creates, _) = counts(&atlas.requests());
    assert_eq!(creates.get("dst-02"), Some(&1), "{creates:?}");

    // The person finds the job in Atlas and records it; apply goes on.
    let created = atlas
        .jobs()
        .into_iter()
        .find(|(_, cluster)| cluster.as_deref() == Some("dst-02"))
        .map(|(id, _)| id)
        .unwrap();
    let recorded = fleet(
        None,
        &[
            "record",
            "--state",
            state_arg,
            "--name",
            "app-02",
            "--liveMigrationId",
            &created,
        ],
    )
    .await;
    assert_eq!(
        recorded.status.code(),
        Some(0),
        "{}",
        text(&recorded.stderr)
    );
    let last = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    assert_eq!(last.status.code(), Some(0), "{}", text(&last.stderr));
    assert!(results(&last).iter().all(|(_, end)| end == "complete"));
    let (creates, cutovers) = counts(&atlas.requests());
    assert!(creates.values().all(|n| *n == 1), "{creates:?}");
    assert_eq!(cutovers, 3);
    no_secret(&last, &state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_then_apply_creates_nothing_twice_and_completes_the_rest() {
    // Slow enough to be killed in the middle: a job ready on its third poll.
    let mut scenario = Scenario::default().rate_limit(40, Duration::from_secs(2));
    scenario.validation = vec!["SUCCESS"];
    scenario.replication.truncate(3);
    scenario.replication[2].2 = true;
    scenario.polls_to_complete = 1;
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let folder = Folder::new("kill");
    let plan = folder.file("plan.yaml", &plan(10));
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let mut child = fleet_common::spawn_fleet(
        &atlas,
        PASSWORD,
        &[
            "apply",
            plan_arg,
            "--state",
            state_arg,
            "--cutover",
            "--force",
            "--interval",
            "300ms",
            "--concurrency",
            "4",
        ],
        false,
    );
    // Killed once some migrations are created and others not yet.
    let started = std::time::Instant::now();
    while atlas.created() < 5 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let created_before = atlas.created();
    assert!((5..10).contains(&created_before), "{created_before}");
    // The state is whole, whenever the kill came.
    let kept: Value = saved(&state);
    assert!(kept["migrations"].as_object().unwrap().len() >= 5);

    let output = fleet(Some(&atlas), &apply_args(plan_arg, state_arg)).await;
    let (creates, _) = counts(&atlas.requests());
    assert!(
        creates.values().all(|n| *n == 1),
        "a create was sent twice: {creates:?}"
    );
    let ends = results(&output);
    let complete = ends.iter().filter(|(_, end)| end == "complete").count();
    // A kill between recording a create and sending it leaves one that a
    // person must look at (Atlas has none): never more than the four in flight.
    let person: Vec<_> = ends
        .iter()
        .filter(|(_, end)| end == "needsPerson")
        .collect();
    assert_eq!(complete + person.len(), 10, "{ends:?}");
    assert!(person.len() <= 4, "{ends:?}");
    for (name, end) in &ends {
        let cluster = name.replace("app", "dst");
        if end == "complete" {
            assert_eq!(creates.get(&cluster), Some(&1), "{name}: {creates:?}");
        }
    }
    no_secret(&output, &state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plans_exit_2_naming_the_migration_and_the_key_with_nothing_sent() {
    let atlas = MockAtlas::start(quick()).await.unwrap();
    let folder = Folder::new("bad");
    let good = plan(2);
    let cases = [
        (
            "sourceSsl: true",
            "sourceSSL: true",
            "top: unknown key `sourceSSL` (did you mean `sourceSsl`?)",
        ),
        (
            "    clusterName: dst-02\n",
            "",
            "migration app-02: `clusterName` is missing",
        ),
        (
            "sourceProjectId: 5e2211c17a3e5a48f5497de3",
            "sourceProjectId: 5e2211",
            "`sourceProjectId` is \"5e2211\", not an ID",
        ),
        (
            "name: app-02",
            "name: app-01",
            "`name` app-01 is used by another migration",
        ),
        (
            "SRC_PW",
            "SRC_PW_NOT_SET",
            "names SRC_PW_NOT_SET, which is not set",
        ),
        (
            "    clusterName: dst-01\n",
            "    clusterName: dst-01\n    sourcePassword: hunter2-pw\n",
            "the password is never read from the plan",
        ),
        // A top-level key's problem is the top's, said once.
        (
            "sourceSsl: true",
            "sourceSsl: true\ntimeZone: Europe/Berln",
            "top: `timeZone` is \"Europe/Berln\", not a time zone this system knows",
        ),
        (
            "sourceSsl: true",
            "sourceSsl: true\nhookTimeout: 300",
            "top: `hookTimeout` is 300, a number without a unit: write a duration such as 300s",
        ),
    ];
    for (from, to, expected) in cases {
        let bad = good.replacen(from, to, 1);
        assert_ne!(bad, good, "{from}");
        let plan = folder.file("plan.yaml", &bad);
        let state = folder.path("state.json");
        for command in ["plan", "apply"] {
            let mut args = vec![
                command,
                plan.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
            ];
            if command == "apply" {
                args.extend(["--cutover", "--force"]);
            }
            let output = fleet((command == "apply").then_some(&atlas), &args).await;
            let stderr = text(&output.stderr);
            // `fleet plan` sends no password: an unset variable is named
            // as `apply`'s need, and the plan is shown.
            let (code, expected) = match (command, to) {
                ("plan", "SRC_PW_NOT_SET") => (0, "SRC_PW_NOT_SET is not set here"),
                _ => (2, expected),
            };
            assert_eq!(
                output.status.code(),
                Some(code),
                "{command} {expected}: {stderr}"
            );
            assert_eq!(
                stderr.matches(expected).count(),
                1,
                "{command}: {expected} once: {stderr}"
            );
            assert!(!stderr.contains("hunter2-pw"), "{stderr}");
            assert!(!state.exists(), "{command} wrote a state for a bad plan");
        }
    }
    assert!(atlas.requests().is_empty(), "a bad plan sent requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_without_a_terminal_needs_force() {
    let atlas = MockAtlas::start(quick()).await.unwrap();
    let folder = Folder::new("force");
    let plan = folder.file("plan.yaml", &plan(2));
    let state = folder.path("state.json");
    let output = fleet(
        Some(&atlas),
        &[
            "apply",
            plan.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--cutover",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("pass --force"));
    assert!(atlas.requests().is_empty());
}

/// `demo --fleet`: twelve migrations on a pool of three hosts, in two waves,
/// with hooks that say what they would do, against the mock Atlas, and the
/// status table at the end: every one `COMPLETE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_demo_runs_two_waves_on_three_hosts_with_hooks() {
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(common::binary())
            .args(["demo", "--fleet"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    let table: Vec<&str> = shown
        .lines()
        .skip_while(|l| !(l.starts_with("NAME ") && l.contains(" WAVE ")))
        .skip(1)
        .take_while(|l| l.starts_with("app-"))
        .collect();
    assert_eq!(table.len(), 12, "{shown}");
    // It started with the link, made on both sides, and the plan checked.
    assert!(shown.contains("is linked to Atlas organization"), "{shown}");
    assert!(
        text(&output.stderr)
            .contains("checked 12 migrations against what Atlas sees of the source"),
        "{}",
        text(&output.stderr)
    );
    assert!(table.iter().all(|l| l.contains("COMPLETE")), "{shown}");
    let hosts: std::collections::BTreeSet<&str> = table
        .iter()
        // NAME WAVE STATUS HOST …
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert_eq!(hosts.len(), 3, "{shown}");
    let said = text(&output.stderr);
    assert!(said.contains("waits for a migration host"), "{said}");
    assert!(
        said.contains("beforeCutover done") && said.contains("afterCutover done"),
        "{said}"
    );
}

/// A hook given as `./stamp.sh` runs from the plan's folder when apply
/// runs in another; `fleet plan` names a program that does not exist, one
/// that is not executable, and one found on no `PATH` folder (exit 2), and
/// `fleet apply` sends nothing with such a plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_resolve_against_the_plan_s_folder_and_are_checked_before_anything_is_sent() {
    use std::os::unix::fs::PermissionsExt;
    let atlas = MockAtlas::start(quick()).await.unwrap();
    let folder = Folder::new("programs");
    let stamps = folder.path("stamps.txt");
    let script = folder.file(
        "stamp.sh",
        &format!(
            "#!/bin/sh\necho \"$FLEET_NAME\" >> '{}'\n",
            stamps.display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let plan = folder.file(
        "plan.yaml",
        &fleet_common::plan(2, 2, "beforeCutover: [./stamp.sh]\n"),
    );
    let state = folder.path("state.json");
    // From the folder above the plan's.
    let elsewhere = folder.path("").parent().unwrap().to_path_buf();
    let mut command = common::cli();
    command
        .current_dir(&elsewhere)
        .env("SRC_PW", PASSWORD)
        .args(["fleet", "apply", plan.to_str().unwrap(), "--state"])
        .arg(&state)
        .args(["--cutover", "--force", "--interval", "50ms", "-o", "json"])
        .args(["--base-url", atlas.base_url()]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let ran = std::fs::read_to_string(&stamps).unwrap();
    let mut ran: Vec<&str> = ran.lines().collect();
    ran.sort_unstable();
    assert_eq!(ran, ["app-01", "app-02"]);

    let idle = folder.file("idle.sh", "#!/bin/sh\n");
    std::fs::set_permissions(&idle, std::fs::Permissions::from_mode(0o644)).unwrap();
    let broken = folder.file(
        "broken.yaml",
        &fleet_common::plan(
            2,
            2,
            "beforeCutover: [./does-not-exist.sh]\nafterCutover: [./idle.sh]\n\
             onCutoverAbort: [no-such-program-anywhere]\nnotify: [/nope/notify]\n",
        ),
    );
    let planned = fleet(None, &["plan", broken.to_str().unwrap(), "--cutover"]).await;
    let stderr = text(&planned.stderr);
    assert_eq!(planned.status.code(), Some(2), "{stderr}");
    let beside = |name: &str| folder.path(name).display().to_string();
    for needle in [
        format!(
            "`beforeCutover` runs {}, which does not exist",
            beside("does-not-exist.sh")
        ),
        format!(
            "`afterCutover` runs {}, which is not executable",
            beside("idle.sh")
        ),
        "`onCutoverAbort` runs no-such-program-anywhere, which is found on no folder of PATH"
            .to_owned(),
        "`notify` runs /nope/notify, which does not exist".to_owned(),
    ] {
        assert!(stderr.contains(&needle), "{needle:?} in {stderr}");
    }
    assert!(stderr.contains("migrations app-01, app-02"), "{stderr}");
    let requests = atlas.requests().len();
    let refused = fleet(
        Some(&atlas),
        &apply_args(
            broken.to_str().unwrap(),
            folder.path("other.json").to_str().unwrap(),
        ),
    )
    .await;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("nothing was sent"));
    assert_eq!(atlas.requests().len(), requests, "apply sent a request");
}

/// A name the state does not have, in `approve`, `forget` or `record`, gets
/// the nearest one it has, or the names it has; nothing is changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_name_gets_the_nearest_one_in_approve_forget_and_record() {
    let atlas = MockAtlas::start(quick()).await.unwrap();
    let folder = Folder::new("names");
    let plan = folder.file("plan.yaml", &plan(2));
    let state = folder.path("state.json");
    let (plan, state) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let applied = fleet(
        Some(&atlas),
        &["apply", plan, "--state", state, "--interval", "50ms"],
    )
    .await;
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    // The entries, as the journal leaves them (opening it may compact it).
    let before = saved(Path::new(state));
    let cases: [(&[&str], &str); 4] = [
        (
            &["approve", "--state", state, "ap-01"],
            "has no migration ap-01 (did you mean app-01?)",
        ),
        (
            &["forget", "--state", state, "--name", "app-1", "--force"],
            "(did you mean app-01?)",
        ),
        (
            &[
                "record",
                "--state",
                state,
                "--name",
                "zzz",
                "--liveMigrationId",
                "6296fb4c7c7aa997cf94e9a8",
            ],
            "has no migration zzz; it has app-01, app-02",
        ),
        (
            &["approve", "--state", state, "app-01", "zzz"],
            "nothing was approved",
        ),
    ];
    for (args, expected) in cases {
        let output = fleet(None, args).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert_eq!(saved(Path::new(state)), before, "the state changed");
}

/// A team rehearses its own plan: from another folder, with no credentials
/// and no password variable, `fleet apply PLAN --demo --cutover --force`
/// runs three migrations of the plan's own projects, sources and hosts
/// against the embedded mock, its `./` hooks beside the plan run for real,
/// and every one ends `COMPLETE`; `fleet plan --demo` checks the plan there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_rehearses_its_own_plan_with_demo_and_no_account() {
    use std::os::unix::fs::PermissionsExt;
    let folder = Folder::new("rehearsal");
    let ran = folder.path("ran.txt");
    for (script, word) in [("stop-writes.sh", "stop"), ("point-app.sh", "point")] {
        let path = folder.file(
            script,
            &format!(
                "#!/bin/sh\necho \"{word} $FLEET_NAME\" >> '{}'\n",
                ran.display()
            ),
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let plan = folder.file(
        "plan.yaml",
        "projectId: 5f0000000000000000000001\n\
         migrationHosts: [mig-a.corp.example, mig-b.corp.example]\n\
         sourceOrgId: 5f00000000000000000000aa\n\
         sourceProjectId: 5f0000000000000000000002\n\
         sourceUsername: admin\nsourcePasswordEnv: TEAM_PW_NOT_SET\n\
         beforeCutover: [./stop-writes.sh]\nafterCutover: [./point-app.sh]\n\
         migrations:\n\
         \x20 - name: billing\n    clusterName: billing-atlas\n    sourceClusterName: billing-rs\n\
         \x20 - name: orders\n    clusterName: orders-atlas\n    sourceClusterName: orders-rs\n\
         \x20 - name: users\n    clusterName: users-atlas\n    sourceClusterName: users-rs\n    wave: 2\n",
    );
    let state = folder.path("state.json");
    let elsewhere = folder.path("").parent().unwrap().to_path_buf();
    let without_account = |args: &[&str]| {
        let mut command = common::cli();
        command
            .current_dir(&elsewhere)
            .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
            .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
            .args(args)
            .timeout(Duration::from_secs(120));
        command
    };
    let (plan, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let mut planned = without_account(&["fleet", "plan", plan, "--demo", "--cutover"]);
    let planned = tokio::task::spawn_blocking(move || planned.output().unwrap())
        .await
        .unwrap();
    assert_eq!(planned.status.code(), Some(0), "{}", text(&planned.stderr));
    assert!(text(&planned.stdout).contains("billing-rs"));
    let mut applied = without_account(&[
        "fleet",
        "apply",
        plan,
        "--state",
        state_arg,
        "--demo",
        "--cutover",
        "--force",
        "--interval",
        "100ms",
        "-o",
        "json",
    ]);
    let output = tokio::task::spawn_blocking(move || applied.output().unwrap())
        .await
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("is linked to Atlas organization"),
        "{stderr}"
    );
    let ends = results(&output);
    assert_eq!(ends.len(), 3);
    assert!(ends.iter().all(|(_, end)| end == "complete"), "{ends:?}");
    let ran = std::fs::read_to_string(&ran).unwrap();
    let mut ran: Vec<&str> = ran.lines().collect();
    ran.sort_unstable();
    assert_eq!(
        ran,
        [
            "point billing",
            "point orders",
            "point users",
            "stop billing",
            "stop orders",
            "stop users"
        ]
    );
    let saved = saved(&state);
    assert_eq!(
        saved["migrations"]["users"]["status"], "COMPLETE",
        "{saved}"
    );
}

/// `fleet plan --cutover` shows each migration's wave, and the gates of its
/// cutover: the wave it waits for, an approval, the next window opening in
/// the zone and in UTC, the cutover slots and the hooks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_cutover_previews_every_gate() {
    let folder = Folder::new("gates");
    let text_of_plan = fleet_common::plan(
        2,
        2,
        "maxConcurrentCutovers: 1\ntimeZone: Europe/Paris\nafterCutover: [sh, -c, 'true']\n",
    )
    .replacen(
        "sourceClusterName: rs-02\n",
        "sourceClusterName: rs-02\n    wave: 2\n    cutoverApproval: true\n    \
         cutoverWindows: [\"Sat 02:00-06:00\"]\n",
        1,
    );
    let plan = folder.file("plan.yaml", &text_of_plan);
    let output = fleet(None, &["plan", plan.to_str().unwrap(), "--cutover"]).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let header = stdout.lines().next().unwrap();
    assert!(header.contains(" WAVE "), "{stdout}");
    let row = stdout.lines().find(|l| l.starts_with("app-02 ")).unwrap();
    assert!(row.split_whitespace().nth(1) == Some("2"), "{row}");
    let gates = stdout
        .lines()
        .find(|l| l.starts_with("cutover of app-02: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    for needle in [
        "wave 2: after app-01 is COMPLETE",
        "approval: `fleet approve app-02`",
        "1 cutover at a time",
        "a window: the next opens ",
        "afterCutover: sh -c true",
    ] {
        assert!(gates.contains(needle), "{needle:?} in {gates}");
    }
    // The opening in the zone and in UTC.
    assert!(
        gates.contains(" CET (") || gates.contains(" CEST ("),
        "{gates}"
    );
    assert!(gates.contains(":00Z)"), "{gates}");
    let json = fleet(
        None,
        &["plan", plan.to_str().unwrap(), "--cutover", "-o", "json"],
    )
    .await;
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows[1]["wave"], 2);
    assert!(rows[1]["nextWindowOpens"].as_str().unwrap().ends_with('Z'));
    assert_eq!(rows[0]["gates"][0], "wave 1: no earlier wave to wait for");
}

/// While an apply runs five migrations on one host, `fleet status` lists
/// all five from the start: the four in line `waitingFor: host`, with a
/// NEXT that says so (never one that contradicts WAITING), each with its
/// wave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_the_whole_fleet_with_those_waiting_for_a_host() {
    let atlas = MockAtlas::start(Scenario::default()).await.unwrap();
    let folder = Folder::new("whole-fleet");
    let plan = folder.file("plan.yaml", &plan_on(5, 1));
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan.to_str().unwrap(), state.to_str().unwrap());
    let mut child = fleet_common::spawn_fleet(
        &atlas,
        PASSWORD,
        &["apply", plan_arg, "--state", state_arg, "--interval", "1s"],
        false,
    );
    let started = std::time::Instant::now();
    let rows = loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never listed all five"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !state.exists() {
            continue;
        }
        let status = fleet(None, &["status", "--state", state_arg, "-o", "json"]).await;
        let Ok(shown) = serde_json::from_slice::<Value>(&status.stdout) else {
            continue;
        };
        let rows = shown["migrations"].as_array().cloned().unwrap_or_default();
        let waiting = rows.iter().filter(|r| r["waitingFor"] == "host").count();
        if rows.len() == 5 && waiting == 4 {
            break rows;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    // NEXT names no 24-digit ID (it would wrap the table); the table says
    // a lag as the live lines do.
    let table = fleet(None, &["status", "--state", state_arg]).await;
    let table = text(&table.stdout);
    assert!(
        !table.lines().any(|l| l
            .split_whitespace()
            .any(|w| w.len() == 24 && w.chars().all(|c| c.is_ascii_hexdigit()))),
        "{table}"
    );
    for row in &rows {
        assert_eq!(row["wave"], 1, "{row}");
        let next = row["next"].as_str().unwrap();
        if row["waitingFor"] == "host" {
            assert!(next.starts_with("wait for a migration host, then"), "{row}");
            assert!(row["migrationHost"].is_null(), "{row}");
        } else {
            assert!(!next.contains("migration host"), "{row}");
            assert_eq!(row["migrationHost"], "vm001.example.com", "{row}");
        }
    }
}
