//! `fleet`: many migrations from one plan file, driven through one paced
//! client, with a state file that lets `apply` go on where it stopped. The
//! commands that drive it are `cmd/fleet/`; this is the work itself.
//!
//! - `plan.rs`: the plan file, read and checked before anything is sent;
//! - `state.rs`: the state file, a journal of every change;
//! - `hosts.rs`: the migration hosts, one per unfinished migration;
//! - `hooks.rs`: the programs run around each cutover;
//! - `gates.rs`: cutover windows, waves, `maxConcurrentCutovers`;
//! - `run/`: one migration from its state to its target;
//! - `preview.rs`: what `apply` would do next, for `fleet plan`;
//! - `view.rs`: one view of each migration, which every view renders;
//! - `status.rs`: the state as `fleet status` shows it;
//! - `serve.rs`, `metrics.rs`, `page.rs`: the state over HTTP (`fleet
//!   serve`): Prometheus's metrics, the JSON, a page;
//! - `report.rs`: what is shown while it works;
//! - `outcome.rs`: how each migration ended an apply;
//! - `step.rs`: a migration's next step, which `run/` starts from and the
//!   views describe.

mod gates;
mod hooks;
pub mod hosts;
pub mod metrics;
pub mod names;
mod outcome;
pub mod page;
pub mod plan;
pub mod preview;
pub mod rehearsal;
mod report;
mod run;
pub mod serve;
pub mod sources;
pub mod state;
pub mod status;
pub mod step;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use atlas_live_migration_api::{ClientBuilder, WaitOptions};

use crate::output::Output;
use crate::{Failure, exit, prompt};
pub use plan::Migration;
use run::{End, Outcome, Run};
use state::Store;

/// How `apply` works, whoever calls it: `fleet apply`'s flags, or the demo.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The state file: what was done, per migration.
    pub state: PathBuf,
    /// Cut over each migration once it is ready, and follow it to COMPLETE.
    pub cutover: bool,
    /// With `cutover`: asked already (`--force`), do not ask.
    pub force: bool,
    /// Migrations worked on at a time.
    pub concurrency: u16,
    /// Time between one migration's polls.
    pub interval: Duration,
    /// Give up on a migration's wait after this long.
    pub timeout: Option<Duration>,
    /// Requests of each rate-limit bucket left to other tools.
    pub rate_limit_reserve: u64,
    /// How the outcomes are printed at the end.
    pub output: Output,
}

pub fn read_plan(path: &Path) -> Result<Vec<Migration>, Failure> {
    plan::read(path).map_err(Failure::usage)
}

/// Entries of the state that the plan does not name: left as they are.
pub fn unplanned(store: &Store, migrations: &[Migration]) -> Vec<String> {
    store
        .names()
        .into_iter()
        .filter(|name| !migrations.iter().any(|m| &m.name == name))
        .collect()
}

/// Each migration's place in the line for hosts: earlier waves first, then
/// the plan's order (so that no migration waits for a host a later wave
/// holds).
pub fn host_order(migrations: &[Migration]) -> Vec<usize> {
    let mut by_wave: Vec<usize> = (0..migrations.len()).collect();
    by_wave.sort_by_key(|index| (migrations[*index].cutover.wave, *index));
    let mut order = vec![0; migrations.len()];
    for (place, index) in by_wave.into_iter().enumerate() {
        order[index] = place;
    }
    order
}

/// Applies the plan `migrations` with the client `client` makes.
/// The migrations that no create was sent for yet, checked against what
/// Atlas sees of the source before the first validation: a problem refuses
/// the whole apply, before anything is sent. Migrations already created
/// are not checked again (a host retired after its migration ended must
/// not hold a weekend's cutovers).
async fn check_sources(
    client: &atlas_live_migration_api::Client,
    migrations: &[Migration],
    store: &Store,
    source: Option<&sources::SourceSide>,
) -> Result<(), Failure> {
    let unsent: Vec<&Migration> = migrations
        .iter()
        .filter(|m| {
            let entry = store.get(&m.name);
            entry.create_sent_at.is_none() && entry.live_migration_id.is_none()
        })
        .collect();
    if unsent.is_empty() {
        return Ok(());
    }
    let checked = sources::check(client, &unsent, source).await?;
    if checked.problems.is_empty() {
        eprintln!(
            "checked {} against what Atlas sees of the source: every source project, cluster \
             and migration host is there{}",
            crate::output::count(unsent.len(), "migration"),
            if source.is_some() {
                ", and the link reads SYNCED"
            } else {
                ""
            }
        );
        return Ok(());
    }
    Err(Failure::usage(format!(
        "the plan does not fit what Atlas sees of the source, so nothing was validated or \
         created:\n{}\nFix the plan (or register the hosts, link the organization), then apply \
         again; `fleet plan` checks it without sending anything that changes Atlas.",
        checked.problems.join("\n")
    )))
}

pub async fn apply(
    options: ApplyOptions,
    migrations: Vec<Migration>,
    client: ClientBuilder,
    source: Option<sources::SourceSide>,
) -> Result<u8, Failure> {
    let state_path = options.state.clone();
    if options.cutover && !options.force {
        let question = format!(
            "Cut over each of the {} as soon as it is ready? Atlas then stops \
             replicating from its source; point its applications at the Atlas cluster",
            crate::output::count(migrations.len(), "migration")
        );
        if !prompt::confirm(&question, false)? {
            eprintln!("nothing was sent");
            return Ok(exit::USAGE);
        }
    }
    let store = Store::open_exclusive(&state_path).map_err(Failure::usage)?;
    let client = client
        .rate_limit_reserve(options.rate_limit_reserve)
        .build()?;
    check_sources(&client, &migrations, &store, source.as_ref()).await?;
    for name in unplanned(&store, &migrations) {
        eprintln!("the state has {name}, which the plan does not: left as it is");
    }
    // The whole fleet in the state from the start, so that `fleet status`
    // lists every migration: each with its wave, and one that must take a
    // host waiting for it until it does. Readings, not intents: unsynced.
    for m in &migrations {
        let waits_for_host = hosts::needs_host(&store.get(&m.name));
        store
            .note(&m.name, |e| {
                e.wave = Some(m.cutover.wave);
                if waits_for_host && e.waiting_for.is_none() {
                    e.waiting_for = Some("host".to_owned());
                }
            })
            .map_err(Failure::usage)?;
    }
    let wait = WaitOptions {
        interval: options.interval,
        timeout: options.timeout,
        ..WaitOptions::default()
    };
    let names: Vec<String> = migrations.iter().map(|m| m.name.clone()).collect();
    // Hosts go to earlier waves first, then in plan order: every
    // migration that must take one waits in line from the start, whichever
    // task runs first.
    let order = host_order(&migrations);
    let mut pool = hosts::Pool::from_state(&store);
    for (index, migration) in migrations.iter().enumerate() {
        if hosts::needs_host(&store.get(&migration.name)) {
            pool.expect(order[index], &migration.hosts);
        }
    }
    let waves = gates::Waves::new(migrations.iter().map(|m| {
        let finished = run::finished(&store.get(&m.name), m);
        (m.name.clone(), m.cutover.wave, finished)
    }));
    let cutover_slots = migrations
        .first()
        .and_then(|m| m.cutover.max_concurrent)
        .map(|n| Arc::new(tokio::sync::Semaphore::new(n)));
    let driven = migrations.iter().map(|m| m.name.clone()).collect();
    let password_variables = migrations
        .iter()
        .filter_map(|m| m.password_env.clone())
        .collect();
    let run = Arc::new(Run {
        client,
        hosts: hosts::Hosts::new(pool, driven),
        started: std::time::Instant::now(),
        password_variables,
        waves,
        cutover_slots,
        store,
        options: wait,
        cutover: options.cutover,
        report: report::Report::for_stderr(&names),
        slots: Arc::new(tokio::sync::Semaphore::new(usize::from(
            options.concurrency,
        ))),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut task_of = std::collections::HashMap::new();
    for (index, migration) in migrations.into_iter().enumerate() {
        let run = run.clone();
        let place = order[index];
        let task = tasks.spawn(async move { (index, run.migration(place, migration).await) });
        task_of.insert(task.id(), index);
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..names.len()).map(|_| None).collect();
    let all = async {
        while let Some(joined) = tasks.join_next_with_id().await {
            match joined {
                Ok((_, (index, outcome))) => outcomes[index] = Some(outcome),
                // A task that panicked: its migration is reported, never
                // dropped, and needs a person (the state has its steps).
                Err(error) => {
                    let Some(&index) = task_of.get(&error.id()) else {
                        continue;
                    };
                    let name = &names[index];
                    let entry = run.store.get(name);
                    let detail = format!(
                        "its task ended unexpectedly ({error}); the state has every step so far: \
                         check it in Atlas, then apply again"
                    );
                    run.report.done(name, End::NeedsPerson, Some(&detail));
                    outcomes[index] = Some(Outcome {
                        name: name.clone(),
                        result: End::NeedsPerson,
                        live_migration_id: entry.live_migration_id,
                        status: entry.status,
                        detail: Some(detail),
                    });
                }
            }
        }
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Failure::usage(format!("cannot listen for SIGTERM: {e}")))?;
    let interrupted = tokio::select! {
        () = all => false,
        _ = tokio::signal::ctrl_c() => true,
        _ = terminate.recv() => true,
    };
    run.report.finish();
    if interrupted {
        // The migrations stop where they are (at an await: never in the
        // middle of a write to the state), so that a hook ended below is
        // not taken for one that failed; then every hook and notify running
        // now, and what they started, ends with the apply: none races the
        // next apply's run of it.
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        hooks::end_all().await;
        eprintln!("interrupted; what each migration was doing:");
        for name in &names {
            let entry = run.store.get(name);
            eprintln!(
                "  {name}: {}{}",
                entry.waiting_for.as_deref().map_or_else(
                    || entry.status.clone().unwrap_or_else(|| "not started".into()),
                    |w| format!("waiting for {w}")
                ),
                if entry.writes_stopped() {
                    " (its application's writes are stopped: beforeCutover ran, no cutover was \
                     sent)"
                } else {
                    ""
                }
            );
        }
        eprintln!(
            "the state {} has every step so far, and what was started goes on in Atlas: apply \
             again to go on (a hook that was running runs again)",
            state_path.display()
        );
        return Ok(exit::INTERRUPTED);
    }
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    // The last reads (a COMPLETE, say) on disk before the outcomes are
    // told: a sync that fails now is said, and the outcomes still are.
    if let Err(problem) = run.store.settled().await {
        eprintln!("{problem}");
    }
    print_outcomes(options.output, &outcomes);
    let (changes, written) = run.store.written();
    eprintln!(
        "the state {} took {changes} changes, {written} bytes written, {} syncs",
        state_path.display(),
        run.store.syncs()
    );
    Ok(exit_code(&outcomes))
}

/// A detail as one line of the outcome table: its first line, and a
/// failed hook's log named rather than quoted (`-o json` has it whole).
fn one_line(detail: &str) -> String {
    let first = detail.lines().next().unwrap_or_default();
    match first.split_once(hooks::LAST_LINES_OF) {
        Some((why, log)) => format!("{why}; its log: {}", log.trim_end_matches(':')),
        None => first.to_owned(),
    }
}

/// A person first, then a failure, then a time limit: the code says what
/// most needs doing.
fn exit_code(outcomes: &[Outcome]) -> u8 {
    let any = |ends: &[End]| outcomes.iter().any(|o| ends.contains(&o.result));
    if any(&[End::NeedsPerson]) {
        exit::API_ERROR
    } else if any(&[End::Failed, End::ValidationFailed]) {
        exit::FAILED
    } else if any(&[End::TimedOut, End::WaitingForHost, End::HeldByWave]) {
        exit::TIMED_OUT
    } else {
        exit::DONE
    }
}

fn print_outcomes(output: Output, outcomes: &[Outcome]) {
    match output {
        Output::Json => println!("{}", crate::output::json(&outcomes)),
        Output::Table => {
            let width = outcomes
                .iter()
                .map(|o| o.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            println!(
                "{:<width$}   {:<17}   {:<24}   {:<9}   DETAIL",
                "NAME", "RESULT", "LIVE MIGRATION ID", "STATUS"
            );
            for o in outcomes {
                println!(
                    "{:<width$}   {:<17}   {:<24}   {:<9}   {}",
                    o.name,
                    o.result.label(),
                    o.live_migration_id.as_deref().unwrap_or("-"),
                    o.status.as_deref().unwrap_or("-"),
                    o.detail.as_deref().map(one_line).unwrap_or_default()
                );
            }
        }
    }
}

#[cfg(test)]
mod outcome_table {
    use super::{hooks, one_line};

    /// A failed hook's detail (its log's last lines below it) is one line
    /// of the table, naming the log.
    #[test]
    fn a_detail_is_one_line_naming_the_log() {
        let detail = format!(
            "beforeCutover exited with 3{}/srv/fleet.state.json.logs/app-01.log:\nline one\nline two",
            hooks::LAST_LINES_OF
        );
        assert_eq!(
            one_line(&detail),
            "beforeCutover exited with 3; its log: /srv/fleet.state.json.logs/app-01.log"
        );
        assert_eq!(one_line("the job is FAILED\nmore"), "the job is FAILED");
    }
}
