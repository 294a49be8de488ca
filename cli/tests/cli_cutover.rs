//! `fleet apply --cutover` the way MongoDB's procedure asks, through the
//! binary against the mock Atlas: `beforeCutover` (stop the application's
//! writes), a lag at most `cutoverMaxLagSeconds`, the cutover, `COMPLETE`,
//! `afterCutover` (point the application at Atlas); a cutover a person
//! approves (`fleet approve`) while `fleet status` shows what each waits
//! for.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use atlas_live_migration_mock::{GROUP_ID, MockAtlas, Scenario};
use serde_json::Value;

mod common;
mod fleet_common;
use fleet_common::{Folder, results, saved, text};

const PASSWORD: &str = "cutover-Source-pw-4711";

fn scenario(lags: &[u32]) -> Scenario {
    let mut scenario = Scenario::default().ready_with_lags(lags);
    scenario.validation = vec!["SUCCESS"];
    scenario.polls_to_complete = 1;
    scenario
}

/// `n` migrations on a host each, with `extra` (plan keys) at the top.
fn plan(n: usize, extra: &str) -> String {
    fleet_common::plan(n, n, extra)
}

async fn fleet(atlas: Option<&MockAtlas>, args: &[&str]) -> Output {
    fleet_common::fleet(atlas, PASSWORD, args).await
}

fn apply<'a>(plan: &'a str, state: &'a str) -> Vec<&'a str> {
    fleet_common::apply_args(plan, state)
}

/// A hook that appends a line to `out`: which hook, and what it was told.
fn hook(label: &str, out: &Path) -> String {
    format!(
        "[sh, -c, 'echo \"{label} $FLEET_NAME $FLEET_LIVE_MIGRATION_ID $FLEET_MIGRATION_HOST \
         $FLEET_CLUSTER_NAME $FLEET_SOURCE_CLUSTER_NAME $FLEET_PROJECT_ID lag=$FLEET_LAG_SECONDS \
         pw=${{SRC_PW:-none}} key=${{MONGODB_ATLAS_PRIVATE_API_KEY:-none}}\" >> {}; echo hook-output-{label}']",
        out.display()
    )
}

fn cutovers(atlas: &MockAtlas) -> usize {
    atlas
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/cutover"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_run_around_a_cutover_sent_once_the_lag_is_low_enough() {
    let atlas = MockAtlas::start(scenario(&[40, 20, 9, 3])).await.unwrap();
    let folder = Folder::new("hooks");
    let out = folder.path("hooks.txt");
    let plan_text = plan(
        2,
        &format!(
            "cutoverMaxLagSeconds: 5\nbeforeCutover: {}\nafterCutover: {}\n",
            hook("before", &out),
            hook("after", &out)
        ),
    );
    let plan_path = folder.path("plan.yaml");
    std::fs::write(&plan_path, plan_text).unwrap();
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "complete"));
    assert_eq!(cutovers(&atlas), 2);
    // No cutover while the last lag Atlas reported was above 5 s.
    assert_eq!(atlas.lags_at_cutover(), [Some(3), Some(3)]);

    let lines = std::fs::read_to_string(&out).unwrap();

    let saved: Value = saved(&state);
    for name in ["app-01", "app-02"] {
        let entry = &saved["migrations"][name];
        let id = entry["liveMigrationId"].as_str().unwrap();
        let host = entry["migrationHost"].as_str().unwrap();
        let n = &name[4..];
        let told = format!("{name} {id} {host} dst-{n} rs-{n} {GROUP_ID}");
        // Before: told the lag of a read made just before it (Atlas said
        // 40 s when ready, 20 s on the next read); the cutover then waited
        // for 3 s. After: COMPLETE has no lag. Neither saw the password or
        // a credential.
        assert!(
            lines.contains(&format!("before {told} lag=20 pw=none key=none\n")),
            "{lines}"
        );
        assert!(
            lines.contains(&format!("after {told} lag= pw=none key=none\n")),
            "{lines}"
        );
        assert_eq!(entry["beforeCutover"], "done", "{entry}");
        assert_eq!(entry["afterCutover"], "done", "{entry}");
        assert!(
            entry["readySince"].is_string() && entry["cutoverDeadline"].is_string(),
            "{entry}"
        );
        // Their output went to the migration's log, not to the terminal.
        let log =
            std::fs::read_to_string(folder.path(&format!("state.json.logs/{name}.log"))).unwrap();
        assert!(
            log.contains("hook-output-before") && log.contains("hook-output-after"),
            "{log}"
        );
    }
    assert!(
        !lines.contains(PASSWORD) && lines.contains("pw=none key=none"),
        "{lines}"
    );
    for shown in [text(&output.stdout), text(&output.stderr)] {
        assert!(!shown.contains("hook-output"), "{shown}");
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
    assert!(!std::fs::read_to_string(&state).unwrap().contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_before_cutover_means_no_cutover_and_a_person_while_the_others_complete() {
    let atlas = MockAtlas::start(scenario(&[2])).await.unwrap();
    let folder = Folder::new("failing");
    let mut plan_text = plan(2, "");
    plan_text.push_str(
        "    beforeCutover: [sh, -c, 'echo the application would not stop >&2; exit 3']\n",
    );
    let plan_path = folder.path("plan.yaml");
    std::fs::write(&plan_path, plan_text).unwrap();
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(
        results(&output),
        [
            ("app-01".to_owned(), "complete".to_owned()),
            ("app-02".to_owned(), "needsPerson".to_owned()),
        ]
    );
    assert_eq!(
        cutovers(&atlas),
        1,
        "a cutover after a failed beforeCutover"
    );
    let said = text(&output.stdout);
    assert!(
        said.contains("no cutover: beforeCutover `sh` ended with exit status: 3")
            && said.contains("the application would not stop"),
        "{said}"
    );
    let status = fleet(None, &["status", "--state", state_arg, "-o", "json"]).await;
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    let second = &status["migrations"][1];
    assert_eq!(second["waitingFor"], "person", "{status}");
    assert!(
        second["next"]
            .as_str()
            .unwrap()
            .starts_with("run beforeCutover again"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_given_while_apply_runs_is_taken_and_status_shows_the_wait_sending_nothing() {
    let atlas = MockAtlas::start(scenario(&[2])).await.unwrap();
    let folder = Folder::new("approve");
    let plan_path = folder.path("plan.yaml");
    std::fs::write(&plan_path, plan(2, "cutoverApproval: true\n")).unwrap();
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let child = fleet_common::spawn_fleet(&atlas, PASSWORD, &apply(plan_arg, state_arg), true);

    // Status, with no credentials and no plan, while apply waits.
    let started = std::time::Instant::now();
    let status = loop {
        let mut command = std::process::Command::new(common::binary());
        for (name, _) in std::env::vars() {
            if name.starts_with("MONGODB_ATLAS_") {
                command.env_remove(name);
            }
        }
        let output = command
            .args(["fleet", "status", "--state", state_arg, "-o", "json"])
            .output()
            .unwrap();
        if output.status.success() {
            let status: Value = serde_json::from_slice(&output.stdout).unwrap();
            let waiting = status["migrations"]
                .as_array()
                .is_some_and(|m| m.len() == 2 && m.iter().all(|m| m["waitingFor"] == "approval"));
            if waiting {
                break status;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never waited for approval"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status["applyRunning"], true, "{status}");
    assert!(
        status["migrations"][0]["readySince"].is_string(),
        "{status}"
    );
    assert_eq!(cutovers(&atlas), 0);
    let requests = atlas.requests().len();
    // Status sent nothing (and apply polls meanwhile, so only the ones
    // that are the job's GETs were added).
    assert!(
        atlas.requests()[requests..]
            .iter()
            .all(|r| r.method == "GET"),
        "status sent a request"
    );

    let approved = fleet(None, &["approve", "--state", state_arg, "--all"]).await;
    assert_eq!(
        approved.status.code(),
        Some(0),
        "{}",
        text(&approved.stderr)
    );
    assert!(text(&approved.stdout).contains("the running apply takes it"));
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "complete"));
    assert_eq!(cutovers(&atlas), 2);
    let saved: Value = saved(&state);
    assert!(
        saved["migrations"]["app-01"]["approvedAt"].is_string(),
        "{saved}"
    );
}

/// A hook that appends `label name nanoseconds` to `out`.
fn stamp(label: &str, out: &Path) -> String {
    format!(
        "[sh, -c, 'echo \"{label} $FLEET_NAME $(date +%s%N)\" >> {}']",
        out.display()
    )
}

/// (label, name, nanoseconds) of each line `stamp` wrote, in order.
fn stamps(out: &Path) -> Vec<(String, String, u128)> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|line| {
            let mut words = line.split(' ');
            (
                words.next().unwrap().to_owned(),
                words.next().unwrap().to_owned(),
                words.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_cutovers_one_means_never_two_in_flight() {
    let atlas = MockAtlas::start(scenario(&[2])).await.unwrap();
    let folder = Folder::new("one-at-a-time");
    let out = folder.path("stamps.txt");
    let plan_path = folder.path("plan.yaml");
    std::fs::write(
        &plan_path,
        plan(
            3,
            &format!(
                "maxConcurrentCutovers: 1\nbeforeCutover: {}\nafterCutover: {}\n",
                stamp("B", &out),
                stamp("A", &out)
            ),
        ),
    )
    .unwrap();
    let state = folder.path("state.json");
    let output = fleet(
        Some(&atlas),
        &apply(plan_path.to_str().unwrap(), state.to_str().unwrap()),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(cutovers(&atlas), 3);
    // From each beforeCutover to its afterCutover, no other migration's.
    let lines = stamps(&out);
    assert_eq!(lines.len(), 6, "{lines:?}");
    for pair in lines.chunks(2) {
        assert_eq!(
            (pair[0].0.as_str(), pair[1].0.as_str()),
            ("B", "A"),
            "{lines:?}"
        );
        assert_eq!(pair[0].1, pair[1].1, "{lines:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wave_two_cuts_over_only_after_wave_one_is_complete() {
    let atlas = MockAtlas::start(scenario(&[2])).await.unwrap();
    let folder = Folder::new("waves");
    let out = folder.path("stamps.txt");
    let mut text_plan = plan(
        4,
        &format!(
            "beforeCutover: {}\nafterCutover: {}\n",
            stamp("B", &out),
            stamp("A", &out)
        ),
    );
    // app-01 and app-02 are wave 2; app-03 and app-04 wave 1.
    for name in ["app-01", "app-02"] {
        text_plan = text_plan.replace(
            &format!("  - name: {name}\n"),
            &format!("  - name: {name}\n    wave: 2\n"),
        );
    }
    let plan_path = folder.path("plan.yaml");
    std::fs::write(&plan_path, text_plan).unwrap();
    let state = folder.path("state.json");
    let output = fleet(
        Some(&atlas),
        &apply(plan_path.to_str().unwrap(), state.to_str().unwrap()),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let lines = stamps(&out);
    let last_of_wave_one = lines
        .iter()
        .filter(|(label, name, _)| label == "A" && (name == "app-03" || name == "app-04"))
        .map(|(_, _, at)| *at)
        .max()
        .unwrap();
    let first_of_wave_two = lines
        .iter()
        .filter(|(label, name, _)| label == "B" && (name == "app-01" || name == "app-02"))
        .map(|(_, _, at)| *at)
        .min()
        .unwrap();
    assert!(last_of_wave_one < first_of_wave_two, "{lines:?}");
    // Hosts went to wave 1 first.
    let saved: Value = saved(&state);
    assert_eq!(
        saved["migrations"]["app-03"]["migrationHost"],
        "vm001.example.com"
    );
}

/// `daily HH:MM-HH:MM` from `from` to `to` minutes after now (UTC).
fn window(from: i64, to: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 60;
    let clock = |minutes: i64| {
        let minutes = (now + minutes).rem_euclid(24 * 60);
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    };
    format!("\"daily {}-{}\"", clock(from), clock(to))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_three_hours_away_holds_every_cutover_and_one_around_now_lets_them_through() {
    let atlas = MockAtlas::start(scenario(&[2])).await.unwrap();
    let folder = Folder::new("window");
    let plan_path = folder.path("plan.yaml");
    let later = format!(
        "cutoverWindows: [{}]\ntimeZone: UTC\ncutoverTimer: 1h\n",
        window(180, 240)
    );
    std::fs::write(&plan_path, plan(2, &later)).unwrap();
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let mut args = apply(plan_arg, state_arg);
    args.extend(["--timeout", "1s"]);
    let output = fleet(Some(&atlas), &args).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "timedOut"));
    assert_eq!(cutovers(&atlas), 0);
    assert!(
        text(&output.stdout).contains("no cutover window opened before --timeout"),
        "{}",
        text(&output.stdout)
    );
    let status = fleet(None, &["status", "--state", state_arg, "-o", "json"]).await;
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(
        status["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["waitingFor"] == "window"),
        "{status}"
    );

    // The window opens in three hours; the cutover timer runs out in one.
    let planned = fleet(None, &["plan", plan_arg, "--state", state_arg]).await;
    let warned = text(&planned.stderr);
    assert!(
        warned.contains("warning: app-01: its next cutover window opens")
            && warned.contains("after its cutover deadline"),
        "{warned}"
    );

    let around_now = format!("cutoverWindows: [{}]\ntimeZone: UTC\n", window(-60, 60));
    std::fs::write(&plan_path, plan(2, &around_now)).unwrap();
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(cutovers(&atlas), 2);
}

/// With Atlas's cutover timer made short: the state has `readySince` and
/// `cutoverDeadline`, `notify` is told `ready`, then `deadline`, then
/// `expired` (one JSON object each on its standard input, with no secret),
/// and the apply reports `EXPIRED` with exit 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_cutover_timer_gives_a_deadline_notice_then_expired_with_exit_3() {
    let atlas = MockAtlas::start(scenario(&[2]).cutover_timer(Duration::from_millis(800)))
        .await
        .unwrap();
    let folder = Folder::new("expired");
    let notices = folder.path("notices.jsonl");
    let plan_path = folder.path("plan.yaml");
    // The approval never comes: the timer runs out while it waits.
    std::fs::write(
        &plan_path,
        plan(
            1,
            &format!(
                "cutoverApproval: true\ncutoverTimer: 1s\ndeadlineWarning: 1h\n\
                 notify: [sh, -c, 'cat >> {}']\n",
                notices.display()
            ),
        ),
    )
    .unwrap();
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert_eq!(
        results(&output),
        [("app-01".to_owned(), "failed".to_owned())]
    );
    assert!(
        text(&output.stdout).contains("EXPIRED"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(cutovers(&atlas), 0);

    let told: Vec<Value> = std::fs::read_to_string(&notices)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let events: Vec<&str> = told.iter().map(|n| n["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["ready", "deadline", "expired"], "{told:?}");
    for notice in &told {
        assert_eq!(notice["name"], "app-01");
        assert!(notice["liveMigrationId"].is_string() && notice["cutoverDeadline"].is_string());
        assert!(notice["at"].is_string());
    }
    assert!(
        !std::fs::read_to_string(&notices)
            .unwrap()
            .contains(PASSWORD)
    );

    let status = fleet(None, &["status", "--state", state_arg, "-o", "json"]).await;
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    let entry = &status["migrations"][0];
    assert_eq!(entry["status"], "EXPIRED", "{status}");
    assert!(
        entry["readySince"].is_string() && entry["cutoverDeadline"].is_string(),
        "{status}"
    );
    assert_eq!(status["applyRunning"], false);
}

/// `kill -9` while every migration's `beforeCutover` runs, then `apply`
/// again: nothing is created twice, no cutover was sent after the unfinished
/// hooks, each hook runs again (hooks must be safe to run twice), and every
/// migration ends `COMPLETE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_before_cutover_then_apply_runs_it_again_and_completes() {
    let atlas = MockAtlas::start(scenario(&[2])).await.unwrap();
    let folder = Folder::new("kill-hook");
    let started = folder.path("started.txt");
    let go = folder.path("go");
    let plan_path = folder.path("plan.yaml");
    std::fs::write(
        &plan_path,
        plan(
            3,
            &format!(
                "beforeCutover: [sh, -c, 'echo \"$FLEET_NAME\" >> {}; test -f {} || sleep 20']\n",
                started.display(),
                go.display()
            ),
        ),
    )
    .unwrap();
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let mut child = fleet_common::spawn_fleet(&atlas, PASSWORD, &apply(plan_arg, state_arg), false);
    let begun = std::time::Instant::now();
    while std::fs::read_to_string(&started)
        .map(|t| t.lines().count())
        .unwrap_or(0)
        < 3
    {
        assert!(
            begun.elapsed() < Duration::from_secs(60),
            "the hooks never ran"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL, in the middle of every hook
    child.wait().unwrap();
    assert_eq!(cutovers(&atlas), 0, "a cutover while its beforeCutover ran");
    let saved: Value = saved(&state);
    assert!(
        saved["migrations"]
            .as_object()
            .unwrap()
            .values()
            .all(|e| e["beforeCutover"] == "running"),
        "{saved}"
    );

    std::fs::write(&go, "").unwrap();
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "complete"));
    assert_eq!(atlas.created(), 3, "a create sent twice");
    assert_eq!(cutovers(&atlas), 3);
    let runs = std::fs::read_to_string(&started).unwrap();
    for name in ["app-01", "app-02", "app-03"] {
        assert_eq!(runs.lines().filter(|l| *l == name).count(), 2, "{runs}");
    }
}
