//! `fleet apply --cutover` of many migrations against the mock Atlas with a
//! rate limit, through the binary: requests per migration against the
//! fewest the lifecycle needs, wall time against the time the bucket's
//! budget allows for those requests, `429`s, and the process's peak memory.
//! Both figures of each ratio come from the one run.
//!
//! `FLEET_MIGRATIONS` (100; a list such as `100,1000` runs each, one after
//! the other in this one run), `FLEET_BUCKET` (100 requests) and
//! `FLEET_PER_SECONDS` (60: the bucket refills that many in this time) set
//! the load; `FLEET_INTERVAL_MS` (1000) the polling interval.

use std::time::{Duration, Instant};

use atlas_live_migration_mock::{GROUP_ID, MockAtlas, Scenario, SourceProject};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fewest requests one migration's lifecycle takes in `scenario`: the
/// validate, its polls until it has ended, the create, the polls until the
/// job is ready, the cutover, and the polls until it is `COMPLETE`.
fn fewest(scenario: &Scenario) -> u64 {
    let validation_polls = 1 + scenario
        .validation
        .iter()
        .position(|status| *status == "SUCCESS" || *status == "FAILED")
        .expect("the validation ends");
    let ready_polls = 1 + scenario
        .replication
        .iter()
        .position(|(_, _, ready)| *ready)
        .expect("the job gets ready");
    (1 + validation_polls + 1 + ready_polls + 1 + scenario.polls_to_complete) as u64
}

/// The process's peak resident memory so far, in KiB (Linux).
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<u64> = std::env::var("FLEET_MIGRATIONS")
        .unwrap_or_else(|_| "100".to_owned())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    for migrations in sizes {
        one(migrations).await;
    }
}

/// One run of `migrations`, and its table.
async fn one(migrations: u64) {
    let capacity = env_number("FLEET_BUCKET", 100);
    let per = Duration::from_secs(env_number("FLEET_PER_SECONDS", 60));
    let interval = env_number("FLEET_INTERVAL_MS", 1000);
    // A short lifecycle, so that the run takes minutes, not an hour: a
    // validation SUCCESS on its first poll, a job ready on its first,
    // COMPLETE one poll after the cutover.
    // The source as Atlas sees it: the plan's project, with every host of
    // the pool registered and every source cluster deployed.
    let sources = vec![SourceProject::new(
        "Data center project",
        "5e2211c17a3e5a48f5497de3",
        (1..=migrations).map(|n| format!("vm{n:04}.example.com")),
        (1..=migrations).map(|n| format!("rs-{n:03}")),
    )];
    let mut scenario = Scenario::default()
        .ready_at_once()
        .rate_limit(capacity as u32, per)
        .sources(sources);
    scenario.validation = vec!["SUCCESS"];
    scenario.polls_to_complete = 1;
    let each = fewest(&scenario);
    let atlas = MockAtlas::start(scenario).await.unwrap();

    let folder = std::env::temp_dir().join(format!("alm-fleet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    // A migration host for each: what is measured is the fleet's pace,
    // not migrations waiting for a host.
    let pool: Vec<String> = (1..=migrations)
        .map(|n| format!("vm{n:04}.example.com"))
        .collect();
    let mut plan = format!(
        "projectId: {GROUP_ID}\nmigrationHosts: [{}]\n\
         sourceProjectId: 5e2211c17a3e5a48f5497de3\nsourceUsername: admin\n\
         sourcePasswordEnv: BENCH_PW\nmigrations:\n",
        pool.join(", ")
    );
    for n in 1..=migrations {
        plan.push_str(&format!(
            "  - name: app-{n:03}\n    clusterName: dst-{n:03}\n    sourceClusterName: rs-{n:03}\n"
        ));
    }
    let plan_path = folder.join("plan.yaml");
    std::fs::write(&plan_path, plan).unwrap();
    let state = folder.join("state.json");

    let stdout_path = folder.join("stdout.json");
    let stderr_path = folder.join("stderr.txt");
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_atlas-live-migration"))
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
        .env("BENCH_PW", "bench-source-password")
        .arg("fleet")
        .arg("apply")
        .arg(&plan_path)
        .arg("--state")
        .arg(&state)
        .args(["--cutover", "--force", "-o", "json"])
        .args(["--concurrency", &migrations.to_string()])
        .args(["--interval", &format!("{interval}ms")])
        .args(["--base-url", atlas.base_url()])
        // To files, read once it has ended: a pipe read only then would
        // fill (-o json of a thousand migrations outgrows it) and hang it.
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let wall = started.elapsed();
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    let outcomes: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {stdout}\n{}",
            &stderr[stderr.len().saturating_sub(2000)..]
        )
    });
    // "the state … took N changes, M bytes written, K syncs".
    let (changes, written, syncs) = stderr
        .lines()
        .rev()
        .find_map(|line| {
            let rest = line.split(" took ").nth(1)?;
            let mut words = rest.split_whitespace();
            let changes: f64 = words.next()?.parse().ok()?;
            let written: f64 = words.nth(1)?.parse().ok()?;
            let syncs: f64 = words.nth(2)?.parse().ok()?;
            Some((changes, written, syncs))
        })
        .unwrap_or((0.0, 0.0, 0.0));
    let state_size = std::fs::metadata(&state).map(|m| m.len()).unwrap_or(0);
    let complete = outcomes
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["result"] == "complete")
        .count();

    let requests = atlas.requests().len() as u64;
    // And once for the fleet: the plan checked against the source
    // (getGroup, availableProjects).
    let needed = each * migrations + 2;
    let refill = capacity as f64 / per.as_secs_f64();
    // The budget: the bucket's capacity at once, then its refill.
    let allowed = Duration::from_secs_f64(needed.saturating_sub(capacity) as f64 / refill);
    let rate_limited = atlas.rate_limited();
    println!(
        "fleet apply --cutover: {migrations} migrations, a bucket of {capacity} refilled {capacity} \
         every {} s, polls every {interval} ms (exit {:?}, {complete} COMPLETE)",
        per.as_secs(),
        status.code()
    );
    println!("| measure | this run | reference | ratio | goal |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| requests per migration | {:.2} | {each} (the fewest the lifecycle needs) | {:.3} | <= 1.2 |",
        requests as f64 / migrations as f64,
        requests as f64 / needed as f64
    );
    if allowed.as_secs_f64() < 0.1 {
        println!(
            "| wall time | {:.1} s | the bucket holds all {needed} requests: no wait is needed | | |",
            wall.as_secs_f64()
        );
    } else {
        println!(
            "| wall time | {:.1} s | {:.1} s (the budget's time for {needed} requests) | {:.3} | <= 1.1 |",
            wall.as_secs_f64(),
            allowed.as_secs_f64(),
            wall.as_secs_f64() / allowed.as_secs_f64()
        );
    }
    println!("| 429s | {rate_limited} | 0 | | 0 |");
    println!(
        "| peak memory (VmHWM) | {:.1} MiB | | | |",
        peak as f64 / 1024.0
    );
    let per_change = written / changes.max(1.0);
    let entry = state_size as f64 / migrations as f64;
    println!(
        "| bytes written to the state per change | {per_change:.0} ({changes} changes, {:.1} MB in all) | {entry:.0} (one entry of the {:.0} KB state); a whole-state rewrite wrote {state_size} | {:.2} of an entry, {:.4} of a rewrite | about one entry |",
        written / 1e6,
        state_size as f64 / 1024.0,
        per_change / entry.max(1.0),
        per_change / (state_size as f64).max(1.0)
    );
    println!(
        "| syncs of the state | {syncs} for {changes} changes | one a change acted on, alone | {:.3} a change | fewer: concurrent changes share a sync |",
        syncs / changes.max(1.0)
    );
    let _ = std::fs::remove_dir_all(&folder);
    assert_eq!(complete as u64, migrations, "not every migration completed");
}
