//! A migration weekend, when things go wrong, through the binary against a
//! mock Atlas that plays the faults: a cutover whose answer never came, a
//! wave behind `--concurrency`, a window that closes while migrations wait,
//! an approval of an old job, a lag that rises during `beforeCutover`, a
//! failed `afterCutover`, a hook past its time, a lag gate that times out,
//! a job that became ready while no apply ran.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use atlas_live_migration_mock::{MockAtlas, Scenario};
use serde_json::Value;

mod common;
mod fleet_common;
use fleet_common::{Folder, results, saved, text};

const PASSWORD: &str = "weekend-Source-pw-5150";

async fn fleet(atlas: Option<&MockAtlas>, args: &[&str]) -> Output {
    fleet_common::fleet(atlas, PASSWORD, args).await
}

fn apply<'a>(plan: &'a str, state: &'a str) -> Vec<&'a str> {
    fleet_common::apply_args(plan, state)
}

/// A scenario ready at once with a lag of 2 s, validated on the first
/// poll, complete `polls` polls after the cutover.
fn ready(polls: usize) -> Scenario {
    let mut scenario = Scenario::default().ready_with_lags(&[2]);
    scenario.validation = vec!["SUCCESS"];
    scenario.polls_to_complete = polls;
    scenario
}

/// A hook that appends `label name [extra]` to `out`.
fn stamp(label: &str, out: &Path) -> String {
    format!(
        "[sh, -c, 'echo \"{label} $FLEET_NAME $FLEET_LAG_SECONDS $FLEET_ABORT_REASON\" >> {}']",
        out.display()
    )
}

/// The lines `stamp` wrote, as (label, name, rest).
fn stamps(out: &Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            let mut words = line.splitn(3, ' ');
            (
                words.next().unwrap_or_default().to_owned(),
                words.next().unwrap_or_default().to_owned(),
                words.next().unwrap_or_default().trim().to_owned(),
            )
        })
        .collect()
}

/// A notify that appends each notice (one JSON line) to `out`.
fn notify(out: &Path) -> String {
    format!("notify: [sh, -c, 'cat >> {}']\n", out.display())
}

/// The events told to notify, in order.
fn events(out: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|n| {
            (
                n["name"].as_str().unwrap_or_default().to_owned(),
                n["event"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn cutovers(atlas: &MockAtlas) -> usize {
    atlas
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/cutover"))
        .count()
}

/// `wave: N` (or any key) added to migration `name` of `plan`.
fn with(plan: &str, name: &str, key: &str) -> String {
    plan.replace(
        &format!("  - name: {name}\n"),
        &format!("  - name: {name}\n    {key}\n"),
    )
}

async fn status(state: &str) -> Value {
    let output = fleet(None, &["status", "--state", state, "-o", "json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What a lost cutover answer left: the second apply's output, the
/// hooks' labels in order, the cutovers sent, the events told.
struct LostCutover {
    output: Output,
    hooks: Vec<String>,
    cutovers: usize,
    told: Vec<String>,
    entry: Value,
}

/// One migration whose cutover Atlas carries out and whose answer it holds
/// back; the apply is killed while it waits, then applied again. The job
/// stays ready for `polls` reads after the cutover, then is COMPLETE.
async fn lost_cutover(polls: usize) -> LostCutover {
    let atlas = MockAtlas::start(ready(polls).hold_cutover_answer(Duration::from_secs(120)))
        .await
        .unwrap();
    let folder = Folder::new("lost-cutover");
    let out = folder.path("hooks.txt");
    let notices = folder.path("notices.jsonl");
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(
            1,
            1,
            &format!(
                "beforeCutover: {}\nafterCutover: {}\n{}",
                stamp("B", &out),
                stamp("A", &out),
                notify(&notices)
            ),
        ),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let mut child = fleet_common::spawn_fleet(&atlas, PASSWORD, &apply(plan_arg, state_arg), false);
    let started = std::time::Instant::now();
    while cutovers(&atlas) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no cutover sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Killed while the cutover's answer is held back.
    child.kill().unwrap();
    child.wait().unwrap();
    let entry = &saved(&state)["migrations"]["app-01"];
    assert!(entry["cutoverSentAt"].is_string(), "{entry}");
    assert!(entry["cutoverStarted"].is_null(), "{entry}");

    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    LostCutover {
        hooks: stamps(&out).into_iter().map(|(l, _, _)| l).collect(),
        cutovers: cutovers(&atlas),
        told: events(&notices).into_iter().map(|(_, e)| e).collect(),
        entry: saved(&state)["migrations"]["app-01"].clone(),
        output,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cutover_whose_answer_never_came_is_driven_from_where_it_is() {
    // Still ready when the next apply reads it: the cutover is sent once
    // more (Atlas answers 202); no gate and no beforeCutover again.
    let lost = lost_cutover(3).await;
    let output = &lost.output;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(results(output), [("app-01".into(), "complete".into())]);
    assert_eq!(lost.cutovers, 2);
    assert_eq!(
        lost.hooks,
        ["B", "A"],
        "afterCutover once, after beforeCutover"
    );
    assert_eq!(lost.entry["status"], "COMPLETE", "{}", lost.entry);
    assert_eq!(lost.entry["afterCutover"], "done", "{}", lost.entry);
    let told = &lost.told;
    assert!(!told.iter().any(|e| e == "failed"), "{told:?}");
    assert!(told.iter().any(|e| e == "complete"), "{told:?}");
    assert_eq!(
        told.iter().filter(|e| *e == "cutoverStarted").count(),
        1,
        "{told:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cutover_seen_complete_after_its_answer_was_lost_runs_after_cutover_once() {
    // COMPLETE by the time the next apply reads it: no cutover again.
    let lost = lost_cutover(0).await;
    let output = &lost.output;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(results(output), [("app-01".into(), "complete".into())]);
    assert_eq!(lost.hooks, ["B", "A"]);
    assert_eq!(lost.cutovers, 1);
    assert!(!lost.told.iter().any(|e| e == "failed"), "{:?}", lost.told);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_waiting_behind_concurrency_one_holds_no_slot() {
    let atlas = MockAtlas::start(ready(1)).await.unwrap();
    let folder = Folder::new("wave-slot");
    let out = folder.path("hooks.txt");
    // app-01 is wave 2 and listed first; app-02 is wave 1.
    let plan_text = with(
        &fleet_common::plan(2, 2, &format!("beforeCutover: {}\n", stamp("B", &out))),
        "app-01",
        "wave: 2",
    );
    let plan_path = folder.file("plan.yaml", &plan_text);
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let first = fleet(
        Some(&atlas),
        &[
            "apply",
            plan_arg,
            "--state",
            state_arg,
            "--interval",
            "100ms",
        ],
    )
    .await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let mut args = apply(plan_arg, state_arg);
    args.extend(["--concurrency", "1", "--timeout", "60s"]);
    let started = std::time::Instant::now();
    let output = fleet(Some(&atlas), &args).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(results(&output).iter().all(|(_, end)| end == "complete"));
    let order: Vec<String> = stamps(&out).into_iter().map(|(_, n, _)| n).collect();
    assert_eq!(order, ["app-02", "app-01"], "wave 1 first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_that_waits_ends_by_timeout() {
    // Wave 1's migration never becomes ready; wave 2's is ready at once and
    // waits for it: both end by --timeout, not later.
    let mut scenario = Scenario::default();
    scenario.validation = vec!["SUCCESS"];
    let atlas = MockAtlas::start(scenario.ready_after(Duration::from_secs(3600)))
        .await
        .unwrap();
    let folder = Folder::new("wave-timeout");
    let plan_text = with(&fleet_common::plan(2, 2, ""), "app-02", "wave: 2");
    let plan_path = folder.file("plan.yaml", &plan_text);
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let mut args = apply(plan_arg, state_arg);
    args.extend(["--timeout", "3s"]);
    let started = std::time::Instant::now();
    let output = fleet(Some(&atlas), &args).await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "timedOut"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_is_of_one_job_and_a_job_made_anew_waits_for_its_own() {
    // Atlas's cutover timer, 5 s here: long enough for the new job to wait
    // for its approval, twice, without expiring.
    let atlas = MockAtlas::start(ready(1).cutover_timer(Duration::from_secs(5)))
        .await
        .unwrap();
    let folder = Folder::new("approval-job");
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(1, 1, "cutoverApproval: true\n"),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let ready_args = [
        "apply",
        plan_arg,
        "--state",
        state_arg,
        "--interval",
        "100ms",
    ];
    let first = fleet(Some(&atlas), &ready_args).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let approved = fleet(None, &["approve", "--state", state_arg, "app-01"]).await;
    assert_eq!(
        approved.status.code(),
        Some(0),
        "{}",
        text(&approved.stderr)
    );
    let first_job = saved(&state)["migrations"]["app-01"]["liveMigrationId"].clone();
    assert!(text(&approved.stdout).contains(first_job.as_str().unwrap()));
    let shown = status(state_arg).await;
    assert!(shown["migrations"][0]["approvedBy"].is_string(), "{shown}");

    // Atlas's timer runs out before anyone cuts over: EXPIRED.
    tokio::time::sleep(Duration::from_millis(5300)).await;
    let expired = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(expired.status.code(), Some(3), "{}", text(&expired.stderr));
    assert_eq!(cutovers(&atlas), 0, "an EXPIRED job is not cut over");

    let forgot = fleet(
        None,
        &[
            "forget", "--state", state_arg, "--name", "app-01", "--force",
        ],
    )
    .await;
    assert_eq!(forgot.status.code(), Some(0), "{}", text(&forgot.stderr));
    // Created anew: the approval of the old job is void.
    let mut args = apply(plan_arg, state_arg);
    args.extend(["--timeout", "1s"]);
    let anew = fleet(Some(&atlas), &args).await;
    assert_eq!(anew.status.code(), Some(5), "{}", text(&anew.stderr));
    assert_eq!(cutovers(&atlas), 0, "cut over on the old job's approval");
    let entry = &saved(&state)["migrations"]["app-01"];
    assert_ne!(entry["liveMigrationId"], first_job);
    assert_eq!(entry["waitingFor"], "approval", "{entry}");
    let shown = status(state_arg).await;
    assert!(shown["migrations"][0]["approvedAt"].is_null(), "{shown}");

    // An approval taken back is void too; a new one lets it through.
    for (args, code) in [
        (vec!["approve", "--state", state_arg, "app-01"], 0),
        (
            vec!["approve", "--state", state_arg, "--revoke", "app-01"],
            0,
        ),
    ] {
        let out = fleet(None, &args).await;
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
    }
    let revoked = fleet(Some(&atlas), &args).await;
    assert_eq!(revoked.status.code(), Some(5), "{}", text(&revoked.stderr));
    assert_eq!(cutovers(&atlas), 0);
    let out = fleet(None, &["approve", "--state", state_arg, "app-01"]).await;
    assert_eq!(out.status.code(), Some(0));
    let done = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    assert_eq!(cutovers(&atlas), 1);
    let entry = &saved(&state)["migrations"]["app-01"];
    assert!(
        entry["approvedBy"].as_str().unwrap().contains('@'),
        "{entry}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lag_that_lets_the_cutover_through_is_read_after_before_cutover() {
    // Low when the job says ready, high while beforeCutover runs, low again.
    let mut scenario = Scenario::default().lags_over_time(Duration::from_millis(1500), &[2, 40, 3]);
    scenario.validation = vec!["SUCCESS"];
    scenario.polls_to_complete = 1;
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let folder = Folder::new("lag-after-hook");
    let out = folder.path("hooks.txt");
    let before = format!(
        "[sh, -c, 'echo \"B $FLEET_NAME $FLEET_LAG_SECONDS\" >> {}; sleep 1.5']",
        out.display()
    );
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(
            1,
            1,
            &format!("cutoverMaxLagSeconds: 5\nhookTimeout: 30s\nbeforeCutover: {before}\n"),
        ),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // The cutover came once Atlas reported 3 s, read after the hook.
    assert_eq!(atlas.lags_at_cutover(), [Some(3)]);
    // The hook was told the lag of a read made just before it.
    let told = stamps(&out);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].2, "2", "{told:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_after_cutover_in_wave_one_holds_wave_two() {
    let atlas = MockAtlas::start(ready(1)).await.unwrap();
    let folder = Folder::new("after-holds");
    let out = folder.path("hooks.txt");
    let mut plan_text = fleet_common::plan(2, 2, &format!("beforeCutover: {}\n", stamp("B", &out)));
    plan_text = with(
        &plan_text,
        "app-01",
        "afterCutover: [sh, -c, 'echo the load balancer said no >&2; exit 4']",
    );
    plan_text = with(&plan_text, "app-02", "wave: 2");
    let plan_path = folder.file("plan.yaml", &plan_text);
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(
        results(&output),
        [
            ("app-01".into(), "needsPerson".into()),
            ("app-02".into(), "heldByWave".into())
        ]
    );
    let began: Vec<String> = stamps(&out).into_iter().map(|(_, n, _)| n).collect();
    assert_eq!(began, ["app-01"], "wave 2 stopped its application's writes");
    assert_eq!(cutovers(&atlas), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_past_hook_timeout_leaves_none_of_its_children_running() {
    let atlas = MockAtlas::start(ready(1)).await.unwrap();
    let folder = Folder::new("hook-group");
    let pids = folder.path("pids.txt");
    // The shell starts a child that would outlive it, and waits.
    let before = format!(
        "[sh, -c, 'sleep 60 & echo $! >> {0}; sh -c \"sleep 61\" & echo $! >> {0}; wait']",
        pids.display()
    );
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(1, 1, &format!("hookTimeout: 1s\nbeforeCutover: {before}\n")),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("ran past hookTimeout"));
    assert_eq!(cutovers(&atlas), 0);
    let pids = std::fs::read_to_string(&pids).unwrap();
    assert_eq!(pids.lines().count(), 2, "{pids}");
    for pid in pids.lines() {
        assert!(!alive(pid), "the hook's child {pid} is still running");
    }
}

/// Whether process `pid` runs (a zombie waiting for its parent does not).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next())
        })
        .flatten()
        .is_some_and(|state| state != 'Z' && state != 'X')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lag_gate_that_times_out_after_before_cutover_runs_on_cutover_abort_once() {
    let mut scenario = Scenario::default().ready_with_lags(&[40]);
    scenario.validation = vec!["SUCCESS"];
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let folder = Folder::new("abort");
    let out = folder.path("hooks.txt");
    let notices = folder.path("notices.jsonl");
    // app-01 undoes its beforeCutover; app-02 has no onCutoverAbort.
    let plan_text = with(
        &fleet_common::plan(
            2,
            2,
            &format!(
                "cutoverMaxLagSeconds: 5\nhookTimeout: 1s\nbeforeCutover: {}\n{}",
                stamp("B", &out),
                notify(&notices)
            ),
        ),
        "app-01",
        &format!("onCutoverAbort: {}", stamp("ABORT", &out)),
    );
    let plan_path = folder.file("plan.yaml", &plan_text);
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(results(&output).iter().all(|(_, end)| end == "needsPerson"));
    assert_eq!(cutovers(&atlas), 0);
    let aborts: Vec<(String, String, String)> = stamps(&out)
        .into_iter()
        .filter(|(l, _, _)| l == "ABORT")
        .collect();
    assert_eq!(aborts.len(), 1, "{aborts:?}");
    assert_eq!(aborts[0].1, "app-01");
    assert!(aborts[0].2.ends_with("lagTimeout"), "{aborts:?}");
    let told = events(&notices);
    for name in ["app-01", "app-02"] {
        assert!(
            told.contains(&(name.to_owned(), "cutoverAborted".to_owned())),
            "{told:?}"
        );
    }
    // app-02's application is still write-stopped, and status says so.
    let shown = status(state_arg).await;
    let rows = shown["migrations"].as_array().unwrap();
    assert_eq!(rows[0]["writesStopped"], false, "{shown}");
    assert_eq!(rows[1]["writesStopped"], true, "{shown}");
    let entry = &saved(&state)["migrations"]["app-01"];
    assert!(entry["beforeCutover"].is_null(), "{entry}");
    assert_eq!(entry["cutoverAborted"], "done: lagTimeout", "{entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cutover_atlas_refuses_runs_on_cutover_abort() {
    let atlas = MockAtlas::start(ready(1).refusing_cutover()).await.unwrap();
    let folder = Folder::new("refused");
    let out = folder.path("hooks.txt");
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(
            1,
            1,
            &format!(
                "beforeCutover: {}\nonCutoverAbort: {}\n",
                stamp("B", &out),
                stamp("ABORT", &out)
            ),
        ),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let output = fleet(Some(&atlas), &apply(plan_arg, state_arg)).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let labels: Vec<String> = stamps(&out)
        .into_iter()
        .map(|(l, _, r)| format!("{l} {r}"))
        .collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels[1].starts_with("ABORT") && labels[1].ends_with("cutoverRefused"));
    let entry = &saved(&state)["migrations"]["app-01"];
    assert!(entry["cutoverSentAt"].is_null(), "{entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_became_ready_while_no_apply_ran_gets_a_ready_since_no_later_than_atlas() {
    let mut scenario = Scenario::default().ready_after(Duration::from_secs(3));
    scenario.validation = vec!["SUCCESS"];
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let folder = Folder::new("ready-since");
    let plan_path = folder.file("plan.yaml", &fleet_common::plan(1, 1, ""));
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let args = [
        "apply",
        plan_arg,
        "--state",
        state_arg,
        "--interval",
        "200ms",
        "--timeout",
        "1s",
    ];
    let first = fleet(Some(&atlas), &args).await;
    assert_eq!(first.status.code(), Some(5), "{}", text(&first.stderr));
    // Ready while no apply runs.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let second = fleet(Some(&atlas), &args).await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let entry = &saved(&state)["migrations"]["app-01"];
    let since = humantime::parse_rfc3339(entry["readySince"].as_str().unwrap()).unwrap();
    let atlas_ready = atlas.ready_since()[0].unwrap();
    assert!(
        since <= atlas_ready,
        "readySince {entry} is after Atlas made it ready ({atlas_ready:?})"
    );
    let deadline = humantime::parse_rfc3339(entry["cutoverDeadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        deadline.duration_since(since).unwrap(),
        Duration::from_secs(120 * 3600)
    );
}

/// Nine migrations, one cutover slot, a window that closes while they
/// wait for it: no beforeCutover starts after it closed; the rest end
/// waiting for the window. It waits for a minute's end (the windows are
/// written to the minute), so it is a slow test.
#[cfg(feature = "slow-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_that_closes_while_migrations_wait_for_the_slot_stops_them() {
    use std::time::SystemTime;
    // The window closes at the next minute's start that is at least 12 s
    // away (so at most 72 s away).
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut close = (now / 60 + 1) * 60;
    if close - now < 12 {
        close += 60;
    }
    let clock = |at: u64| format!("{:02}:{:02}", (at / 3600) % 24, (at / 60) % 60);
    let window = format!("daily {}-{}", clock(close - 3600), clock(close));
    let atlas = MockAtlas::start(ready(1)).await.unwrap();
    let folder = Folder::new("window-closes");
    let out = folder.path("hooks.txt");
    let before = format!(
        "[sh, -c, 'echo \"B $FLEET_NAME $(date +%s)\" >> {}']",
        out.display()
    );
    // Each afterCutover holds the one slot for 10 s: nine would take 90 s,
    // so the window closes while some wait for the slot.
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(
            9,
            9,
            &format!(
                "maxConcurrentCutovers: 1\ncutoverWindows: [\"{window}\"]\nbeforeCutover: \
                 {before}\nafterCutover: [sleep, \"10\"]\n"
            ),
        ),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    // Past the close by more than one afterCutover: the last holder ends,
    // and the others find the window closed.
    let timeout = format!("{}s", close - now + 15);
    let mut args = apply(plan_arg, state_arg);
    args.extend(["--timeout", &timeout]);
    let output = fleet(Some(&atlas), &args).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    let ends = results(&output);
    let complete = ends.iter().filter(|(_, e)| e == "complete").count();
    assert!((1..9).contains(&complete), "{ends:?}");
    assert!(
        ends.iter().all(|(_, e)| e == "complete" || e == "timedOut"),
        "{ends:?}"
    );
    for (_, name, at) in stamps(&out) {
        let at: u64 = at.parse().unwrap();
        assert!(
            at < close,
            "{name}'s beforeCutover started after the window closed"
        );
    }
    assert_eq!(cutovers(&atlas), complete);
    let shown = status(state_arg).await;
    let waiting = shown["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["waitingFor"] == "window")
        .count();
    assert_eq!(waiting, 9 - complete, "{shown}");
}

/// A small file system of its own (tmpfs), unmounted when dropped.
#[cfg(feature = "slow-tests")]
struct SmallDisk(std::path::PathBuf);

#[cfg(feature = "slow-tests")]
impl SmallDisk {
    fn mount(at: std::path::PathBuf, size: &str) -> Self {
        std::fs::create_dir_all(&at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .status()
            .unwrap();
        assert!(
            mounted.success(),
            "this test mounts a small tmpfs (as root, as CI runs) to fill its disk"
        );
        SmallDisk(at)
    }

    /// Fills it: a file written until the disk refuses more.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = [0u8; 4096];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

#[cfg(feature = "slow-tests")]
impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// The disk that holds the state fills up while apply runs: nothing is
/// lost or sent twice. `fleet status` reads the state; with room again the
/// next apply goes on; every job Atlas made is known by its ID in the state
/// or named in what apply said.
#[cfg(feature = "slow-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_during_apply_loses_nothing_and_creates_nothing_twice() {
    let mut scenario = Scenario::default();
    scenario.validation = vec!["SUCCESS"];
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let folder = Folder::new("full-disk");
    let disk = SmallDisk::mount(folder.path("disk"), "256k");
    let plan_path = folder.file("plan.yaml", &fleet_common::plan(4, 4, ""));
    let state = folder.path("disk/state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let args = [
        "apply",
        plan_arg,
        "--state",
        state_arg,
        "--interval",
        "200ms",
        "-o",
        "json",
    ];
    let child = std::process::Command::new(common::binary())
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
        .env("SRC_PW", PASSWORD)
        .arg("fleet")
        .args(args)
        .args(["--base-url", atlas.base_url()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Full once Atlas has made a first job.
    let started = std::time::Instant::now();
    while atlas.created() == 0 {
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let filler = disk.fill();
    let first = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let said = format!("{}{}", text(&first.stdout), text(&first.stderr));
    assert_ne!(first.status.code(), Some(0), "{said}");
    assert!(said.contains("No space left on device"), "{said}");
    assert!(!said.contains("new path"), "{said}");

    // The state reads, full disk or not.
    let shown = status(state_arg).await;
    assert!(shown["migrations"].is_array(), "{shown}");

    std::fs::remove_file(filler).unwrap();
    let second = fleet(Some(&atlas), &args).await;
    let said = format!("{said}{}{}", text(&second.stdout), text(&second.stderr));
    // Nothing created twice: one job per destination cluster at most.
    let jobs = atlas.jobs();
    let mut clusters: Vec<String> = jobs.iter().filter_map(|(_, c)| c.clone()).collect();
    clusters.sort();
    let made = clusters.len();
    clusters.dedup();
    assert_eq!(
        clusters.len(),
        made,
        "a cluster's migration created twice: {jobs:?}"
    );
    // Every job Atlas made: its ID in the state, or named to a person.
    let saved = saved(&state);
    for (id, cluster) in &jobs {
        let known = saved["migrations"]
            .as_object()
            .unwrap()
            .values()
            .any(|e| e["liveMigrationId"] == id.as_str());
        let named = said.contains(id.as_str())
            || cluster
                .as_deref()
                .is_some_and(|c| said.contains(&format!("cluster {c}")));
        assert!(known || named, "job {id} ({cluster:?}) is lost: {said}");
    }
    // The migrations whose state was whole went on to ready.
    let ready = results(&second)
        .iter()
        .filter(|(_, end)| end == "ready")
        .count();
    assert!(ready >= 1, "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_ended_by_sigterm_ends_its_hooks_and_what_they_started() {
    let atlas = MockAtlas::start(ready(1)).await.unwrap();
    let folder = Folder::new("sigterm");
    let pids = folder.path("pids.txt");
    let before = format!(
        "[sh, -c, 'sleep 60 & echo $! >> {0}; echo $$ >> {0}; wait']",
        pids.display()
    );
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(1, 1, &format!("beforeCutover: {before}\n")),
    );
    let state = folder.path("state.json");
    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let child = fleet_common::spawn_fleet(&atlas, PASSWORD, &apply(plan_arg, state_arg), true);
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&pids)
        .unwrap_or_default()
        .lines()
        .count()
        < 2
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the hook never ran"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let said = text(&output.stderr);
    assert!(said.contains("app-01: waiting for hook"), "{said}");
    for pid in std::fs::read_to_string(&pids).unwrap().lines() {
        assert!(!alive(pid), "the hook's process {pid} outlived the apply");
    }
    assert_eq!(cutovers(&atlas), 0);
    // The state says the hook did not finish: the next apply runs it again.
    let entry = &saved(&state)["migrations"]["app-01"];
    assert_eq!(entry["beforeCutover"], "running", "{entry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_plan_shows_the_next_window_in_its_zone_and_in_utc() {
    let folder = Folder::new("plan-window");
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(
            2,
            2,
            "timeZone: Europe/Paris\ncutoverWindows: [\"Sat 02:00-06:00\"]\n",
        ),
    );
    let plan_arg = plan_path.to_str().unwrap();
    let table = fleet(None, &["plan", plan_arg, "--cutover"]).await;
    assert_eq!(table.status.code(), Some(0), "{}", text(&table.stderr));
    let said = text(&table.stdout);
    let line = said
        .lines()
        .find(|l| {
            l.starts_with("cutover windows of app-01, app-02: Sat 02:00-06:00 (Europe/Paris)")
        })
        .unwrap_or_else(|| panic!("{said}"));
    // 02:00 in Paris is CET or CEST, 01:00 or 00:00 UTC.
    assert!(
        line.contains(" 02:00 CE") && (line.contains("T01:00:00Z") || line.contains("T00:00:00Z")),
        "{line}"
    );
    let json = fleet(None, &["plan", plan_arg, "--cutover", "-o", "json"]).await;
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    let opens = rows[0]["nextWindowOpens"].as_str().unwrap();
    assert!(opens.ends_with('Z'), "{rows}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_of_either_side_nor_a_proxy_password_reaches_a_hook() {
    let atlas = MockAtlas::start(ready(1)).await.unwrap();
    let folder = Folder::new("hidden");
    let out = folder.path("env.txt");
    let before = format!(
        "[sh, -c, 'echo \"${{https_proxy:-none}} ${{MCLI_PRIVATE_API_KEY:-none}} \
         ${{MONGODB_ATLAS_PRIVATE_API_KEY:-none}} ${{SRC_PW:-none}} ${{no_proxy:-none}}\" >> {}']",
        out.display()
    );
    let plan_path = folder.file(
        "plan.yaml",
        &fleet_common::plan(1, 1, &format!("beforeCutover: {before}\n")),
    );
    let state = folder.path("state.json");
    let mut command = common::cli();
    command
        .env("SRC_PW", PASSWORD)
        // For https only: the mock is http, so the client does not use it.
        .env("https_proxy", "http://user:proxy-Secret-1@127.0.0.1:9")
        .env("no_proxy", "example.com")
        .env("MCLI_PRIVATE_API_KEY", "cloud-manager-Secret-2")
        .arg("fleet")
        .args(apply(plan_path.to_str().unwrap(), state.to_str().unwrap()))
        .args(["--base-url", atlas.base_url()]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let seen = std::fs::read_to_string(&out).unwrap();
    // A proxy variable without a password is the hook's to use.
    assert_eq!(seen.trim(), "none none none none example.com");
}
