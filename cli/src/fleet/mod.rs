//! `fleet`: many migrations from one plan file, driven through one paced
//! client, with a state file that lets `apply` go on where it stopped.
//!
//! - `plan.rs`: the plan file, read and checked before anything is sent;
//! - `state.rs`: the state file, written whole on every change;
//! - `hosts.rs`: the migration hosts, one per unfinished migration;
//! - `hooks.rs`: the programs run around each cutover;
//! - `gates.rs`: cutover windows, waves, `maxConcurrentCutovers`;
//! - `run.rs`: one migration from its state to its target;
//! - `report.rs`: what is shown while it works.

mod gates;
mod hooks;
mod hosts;
pub mod plan;
mod report;
mod run;
mod state;

use std::path::Path;
use std::sync::Arc;

use atlas_live_migration_api::WaitOptions;

use crate::args::{
    FleetApplyArgs, FleetApproveArgs, FleetCommand, FleetForgetArgs, FleetPlanArgs,
    FleetRecordArgs, FleetStatusArgs, Output,
};
use crate::{Failure, exit, prompt};
pub use plan::Migration;
use run::{End, Outcome, Run};
use state::{Entry, Store};

pub async fn run(command: FleetCommand) -> Result<u8, Failure> {
    match command {
        FleetCommand::Plan(args) => plan(args),
        FleetCommand::Apply(args) => apply(args).await,
        FleetCommand::Record(args) => record(args),
        FleetCommand::Forget(args) => forget(args),
        FleetCommand::Approve(args) => approve(args),
        FleetCommand::Status(args) => status(args).await,
    }
}

fn read_plan(path: &Path) -> Result<Vec<Migration>, Failure> {
    plan::read(path).map_err(Failure::usage)
}

/// Entries of the state that the plan does not name: left as they are.
fn unplanned(store: &Store, migrations: &[Migration]) -> Vec<String> {
    store
        .names()
        .into_iter()
        .filter(|name| !migrations.iter().any(|m| &m.name == name))
        .collect()
}

/// What `apply` does next for a migration in `entry`'s state.
fn next_step(entry: &Entry, cutover: bool) -> String {
    let then = if cutover {
        ", cut over, follow it to COMPLETE"
    } else {
        ""
    };
    if let Some(why) = &entry.needs_person {
        return format!("nothing until a person looks: {why}");
    }
    if entry.status.as_deref() == Some("COMPLETE")
        && entry.after_cutover.as_deref().is_some_and(|a| a != "done")
    {
        return "run afterCutover again (the application was not switched)".to_owned();
    }
    match entry.waiting_for.as_deref() {
        Some("approval") => {
            return "wait for `fleet approve`, then beforeCutover, cut over, follow it to COMPLETE"
                .to_owned();
        }
        Some("lag") => {
            return "wait for the lag to fall to cutoverMaxLagSeconds, cut over, follow it to \
                    COMPLETE"
                .to_owned();
        }
        _ => {}
    }
    if entry.before_cutover.as_deref().is_some_and(|b| b != "done") && !entry.cutover_started {
        return "run beforeCutover again (it did not finish with success), then cut over"
            .to_owned();
    }
    match (entry.status.as_deref(), &entry.live_migration_id) {
        (Some("COMPLETE"), _) => return "nothing: COMPLETE".to_owned(),
        (Some(status @ ("FAILED" | "EXPIRED")), _) => {
            return format!("nothing: the job is {status} (fleet forget starts it anew)");
        }
        (_, Some(id)) if entry.cutover_started => {
            return format!("follow the cutover of {id} to COMPLETE");
        }
        (_, Some(id)) if entry.cutover_sent_at.is_some() => {
            return format!(
                "send the cutover of {id} again (its answer was lost), follow it to COMPLETE"
            );
        }
        (_, Some(id)) => return format!("wait for {id} to be ready for cutover{then}"),
        _ => {}
    }
    if let Some(sent_at) = &entry.create_sent_at {
        return format!(
            "nothing until a person looks: a create was sent at {sent_at} and its answer never \
             came (apply says what to check)"
        );
    }
    match (entry.validation_status.as_deref(), &entry.validation_id) {
        (Some("SUCCESS"), _) => format!("create, wait until ready for cutover{then}"),
        (Some("FAILED"), _) | (_, None) => {
            format!("validate, create, wait until ready for cutover{then}")
        }
        (_, Some(id)) => format!("wait for validation {id}, create, wait until ready{then}"),
    }
}

/// Each migration's place in the line for hosts: earlier waves first, then
/// the plan's order (so that no migration waits for a host a later wave
/// holds).
fn host_order(migrations: &[Migration]) -> Vec<usize> {
    let mut by_wave: Vec<usize> = (0..migrations.len()).collect();
    by_wave.sort_by_key(|index| (migrations[*index].cutover.wave, *index));
    let mut order = vec![0; migrations.len()];
    for (place, index) in by_wave.into_iter().enumerate() {
        order[index] = place;
    }
    order
}

/// One line of `fleet plan`.
struct Row {
    name: String,
    cluster: String,
    /// The host it holds or would take now.
    host: Option<String>,
    /// `host` when every host it may take is held.
    waiting_for: Option<&'static str>,
    next: String,
}

fn plan(args: FleetPlanArgs) -> Result<u8, Failure> {
    let migrations = read_plan(&args.files.file)?;
    let store = match &args.files.state {
        Some(path) => Some(Store::read(path).map_err(Failure::usage)?),
        None => None,
    };
    // Who takes which host, by the rule apply follows: the state's holders
    // keep theirs, the others take free ones, earlier waves first, then in
    // plan order.
    let mut pool = store
        .as_ref()
        .map(hosts::Pool::from_state)
        .unwrap_or_default();
    let order = host_order(&migrations);
    let mut by_order: Vec<usize> = (0..migrations.len()).collect();
    by_order.sort_by_key(|index| order[*index]);
    let mut rows: Vec<(usize, Row)> = by_order
        .into_iter()
        .map(|index| (index, &migrations[index]))
        .map(|(index, m)| {
            let entry = store.as_ref().map(|s| s.get(&m.name)).unwrap_or_default();
            let needs_host = hosts::needs_host(&entry);
            let held = hosts::held_host(&entry).map(str::to_owned);
            let (host, waits) = match held {
                Some(host) => (Some(host), None),
                None if needs_host => match pool.take(order[index], &m.name, &m.hosts) {
                    Some(host) => (Some(host), None),
                    None => (None, Some(hosts::describe_holders(&pool.holders(&m.hosts)))),
                },
                None => (entry.migration_host.clone(), None),
            };
            let next = match &waits {
                Some(holders) => format!(
                    "wait for a migration host ({holders} hold them), then {}",
                    next_step(&entry, args.cutover)
                ),
                None => next_step(&entry, args.cutover),
            };
            (
                index,
                Row {
                    name: m.name.clone(),
                    cluster: format!("{} <- {}", m.cluster_name, m.source_cluster_name),
                    host,
                    waiting_for: waits.map(|_| "host"),
                    next,
                },
            )
        })
        .collect();
    // In the plan's order again.
    rows.sort_by_key(|(index, _)| *index);
    let rows: Vec<Row> = rows.into_iter().map(|(_, row)| row).collect();
    match args.output {
        Output::Json => {
            let rows: Vec<_> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": r.name,
                        "migrationHost": r.host,
                        "waitingFor": r.waiting_for,
                        "next": r.next,
                    })
                })
                .collect();
            println!("{}", crate::output::json(&rows));
        }
        Output::Table => {
            let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
            let clusters = rows
                .iter()
                .map(|r| r.cluster.len())
                .max()
                .unwrap_or(7)
                .max(7);
            let hosts = rows
                .iter()
                .map(|r| r.host.as_deref().unwrap_or("-").len())
                .max()
                .unwrap_or(4)
                .max(4);
            println!(
                "{:<width$}   {:<clusters$}   {:<hosts$}   NEXT",
                "NAME", "CLUSTER", "HOST"
            );
            for r in &rows {
                println!(
                    "{:<width$}   {:<clusters$}   {:<hosts$}   {}",
                    r.name,
                    r.cluster,
                    r.host.as_deref().unwrap_or("-"),
                    r.next
                );
            }
        }
    }
    // A window that opens only after the cutover timer ran out comes too
    // late: Atlas makes the job EXPIRED first.
    for m in &migrations {
        let entry = store.as_ref().map(|s| s.get(&m.name)).unwrap_or_default();
        let (Some(windows), Some(deadline)) = (&m.cutover.windows, &entry.cutover_deadline) else {
            continue;
        };
        if entry.cutover_started {
            continue;
        }
        let (Ok(deadline), Some(opens)) = (
            deadline.parse::<jiff::Timestamp>(),
            windows.next_open(jiff::Timestamp::now()),
        ) else {
            continue;
        };
        if opens > deadline {
            eprintln!(
                "warning: {}: its next cutover window opens {opens}, after its cutover deadline \
                 {deadline}: Atlas makes the job EXPIRED first; widen cutoverWindows \
                 ({}) or cut it over by hand",
                m.name,
                windows.describe()
            );
        }
    }
    if let Some(store) = &store {
        for name in unplanned(store, &migrations) {
            eprintln!("the state has {name}, which the plan does not: apply leaves it as it is");
        }
    }
    Ok(exit::DONE)
}

async fn apply(args: FleetApplyArgs) -> Result<u8, Failure> {
    let migrations = read_plan(&args.files.file)?;
    let client = crate::client_builder(args.connection.clone())?;
    apply_plan(args, migrations, client).await
}

/// `apply` with the plan read and the client's settings made: the
/// command's, or the demo's.
pub async fn apply_plan(
    args: FleetApplyArgs,
    migrations: Vec<Migration>,
    client: atlas_live_migration_api::ClientBuilder,
) -> Result<u8, Failure> {
    let Some(state_path) = args.files.state.clone() else {
        return Err(Failure::usage(
            "fleet apply needs --state PATH: the file that records what was done, so that a \
             create is never sent twice"
                .to_owned(),
        ));
    };
    if args.cutover && !args.force {
        let question = format!(
            "Cut over each of the {} migrations as soon as it is ready? Atlas then stops \
             replicating from its source; point its applications at the Atlas cluster",
            migrations.len()
        );
        if !prompt::confirm(&question, false)? {
            eprintln!("nothing was sent");
            return Ok(exit::USAGE);
        }
    }
    let store = Store::open_exclusive(&state_path).map_err(Failure::usage)?;
    for name in unplanned(&store, &migrations) {
        eprintln!("the state has {name}, which the plan does not: left as it is");
    }
    let client = client.rate_limit_reserve(args.rate_limit_reserve).build()?;
    let options = WaitOptions {
        interval: args.interval.unwrap_or(WaitOptions::default().interval),
        timeout: args.timeout,
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
        let complete = store.get(&m.name).status.as_deref() == Some("COMPLETE");
        (m.name.clone(), m.cutover.wave, complete)
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
        options,
        cutover: args.cutover,
        report: report::Report::for_stderr(&names),
        slots: Arc::new(tokio::sync::Semaphore::new(usize::from(args.concurrency))),
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
    let interrupted = tokio::select! {
        () = all => false,
        _ = tokio::signal::ctrl_c() => true,
    };
    run.report.finish();
    if interrupted {
        eprintln!(
            "interrupted; the state {} has every step so far, and what was started goes on in \
             Atlas: apply again to go on",
            state_path.display()
        );
        return Ok(exit::INTERRUPTED);
    }
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    print_outcomes(args.output, &outcomes);
    let (changes, written) = run.store.written();
    eprintln!(
        "the state {} took {changes} changes, {written} bytes written",
        state_path.display()
    );
    Ok(exit_code(&outcomes))
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
                    o.detail.as_deref().unwrap_or("")
                );
            }
        }
    }
}

fn record(args: FleetRecordArgs) -> Result<u8, Failure> {
    let store = Store::open_exclusive(&args.state).map_err(Failure::usage)?;
    let entry = store.get(&args.name);
    let id = args.live_migration_id.as_str();
    if let Some(known) = entry.live_migration_id.as_deref().filter(|k| *k != id) {
        return Err(Failure::usage(format!(
            "{} already has live migration {known} in the state; `fleet forget` it first if \
             that one is wrong",
            args.name
        )));
    }
    if entry.create_sent_at.is_none() && entry.live_migration_id.is_none() {
        return Err(Failure::usage(format!(
            "the state {} has no create sent for {}: nothing to record (apply creates it)",
            args.state.display(),
            args.name
        )));
    }
    store
        .update(&args.name, |e| {
            e.live_migration_id = Some(id.to_owned());
            e.needs_person = None;
            e.error = None;
        })
        .map_err(Failure::usage)?;
    println!(
        "recorded live migration {id} for {}; the next apply goes on with it",
        args.name
    );
    Ok(exit::DONE)
}

fn forget(args: FleetForgetArgs) -> Result<u8, Failure> {
    let store = Store::open_exclusive(&args.state).map_err(Failure::usage)?;
    if !store.names().contains(&args.name) {
        return Err(Failure::usage(format!(
            "the state {} has no entry {}",
            args.state.display(),
            args.name
        )));
    }
    let question = format!(
        "Forget {}? The next apply validates and creates it anew: do this only when Atlas has \
         no migration for it",
        args.name
    );
    if !prompt::confirm(&question, args.force)? {
        eprintln!("not forgotten");
        return Ok(exit::USAGE);
    }
    store.forget(&args.name).map_err(Failure::usage)?;
    println!("forgot {}; the next apply starts it anew", args.name);
    Ok(exit::DONE)
}

/// The lags as a line of bars, the last readings, oldest first.
fn sparkline(lags: &[serde_json::Value]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<u64> = lags.iter().filter_map(serde_json::Value::as_u64).collect();
    let Some(&top) = values.iter().max() else {
        return "-".to_owned();
    };
    values
        .iter()
        .map(|v| BARS[(*v * 7).checked_div(top).unwrap_or(0) as usize])
        .collect()
}

/// The time before the cutover deadline, for one not cut over yet.
fn time_left(deadline: Option<&str>, cutover_started: bool) -> Option<String> {
    if cutover_started {
        return None;
    }
    let deadline = humantime::parse_rfc3339(deadline?).ok()?;
    Some(
        match deadline.duration_since(std::time::SystemTime::now()) {
            Ok(left) => {
                let minutes = left.as_secs() / 60;
                format!("{}h{:02}m", minutes / 60, minutes % 60)
            }
            Err(_) => "passed".to_owned(),
        },
    )
}

fn approve(args: FleetApproveArgs) -> Result<u8, Failure> {
    let store = Store::read(&args.state).map_err(Failure::usage)?;
    let known = store.names();
    let names = if args.all { known.clone() } else { args.names };
    if names.is_empty() {
        return Err(Failure::usage(format!(
            "the state {} has no migration to approve yet",
            args.state.display()
        )));
    }
    let unknown: Vec<&String> = names.iter().filter(|n| !known.contains(n)).collect();
    if !unknown.is_empty() {
        return Err(Failure::usage(format!(
            "the state {} has no migration {}; approve the names apply wrote there",
            args.state.display(),
            unknown
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let at = state::approve(&args.state, &names).map_err(Failure::usage)?;
    println!(
        "approved the cutover of {} at {at}; {}",
        names.join(", "),
        if state::held_by_apply(&args.state) {
            "the running apply takes it within one polling interval"
        } else {
            "the next apply takes it"
        }
    );
    Ok(exit::DONE)
}

async fn status(args: FleetStatusArgs) -> Result<u8, Failure> {
    if !args.watch {
        print_status(&args.state, args.output)?;
        return Ok(exit::DONE);
    }
    // Again every two seconds until Ctrl-C; on a terminal, in place.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        if terminal {
            print!("\x1b[2J\x1b[H");
        }
        if !print_status(&args.state, args.output)? {
            return Ok(exit::DONE);
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(exit::DONE),
        }
    }
}

/// Prints the state at `state` as `fleet status` does.
/// Prints the state at `state_path` as `fleet status` does. `false` when
/// stdout is gone (a pipe closed by `head`): nothing more to print.
pub fn print_status(state_path: &Path, output: Output) -> Result<bool, Failure> {
    let shown = render_status(state_path, output)?;
    let mut stdout = std::io::stdout().lock();
    Ok(std::io::Write::write_all(&mut stdout, shown.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut stdout))
        .is_ok())
}

fn render_status(state_path: &Path, output: Output) -> Result<String, Failure> {
    use std::fmt::Write as _;
    let mut shown = String::new();
    let args = FleetStatusArgs {
        state: state_path.to_owned(),
        output,
        watch: false,
    };
    if !args.state.exists() {
        return Err(Failure::usage(format!(
            "there is no state {}: apply writes it",
            args.state.display()
        )));
    }
    let store = Store::read(&args.state).map_err(Failure::usage)?;
    let approvals = state::approvals(&args.state);
    let running = state::held_by_apply(&args.state);
    let rows: Vec<serde_json::Value> = store
        .names()
        .into_iter()
        .map(|name| {
            let entry = store.get(&name);
            // An approval given since apply last looked.
            let approved = entry
                .approved_at
                .clone()
                .or_else(|| approvals.get(&name).cloned());
            serde_json::json!({
                "name": name,
                "status": entry.status,
                "liveMigrationId": entry.live_migration_id,
                "migrationHost": entry.migration_host,
                "lagSeconds": entry.lag_seconds,
                "readySince": entry.ready_since,
                "cutoverDeadline": entry.cutover_deadline,
                "approvedAt": approved,
                "waitingFor": if entry.needs_person.is_some() { Some("person".to_owned()) } else { entry.waiting_for.clone() },
                "next": next_step(&entry, true),
                "lags": entry.recent_lags,
                "timeLeft": time_left(entry.cutover_deadline.as_deref(), entry.cutover_started),
            })
        })
        .collect();
    match args.output {
        Output::Json => {
            let _ = writeln!(
                shown,
                "{}",
                crate::output::json(&serde_json::json!({
                    "applyRunning": running,
                    "migrations": rows,
                }))
            );
        }
        Output::Table => {
            let _ = writeln!(
                shown,
                "state {}: {}",
                args.state.display(),
                if running {
                    "an apply is running"
                } else {
                    "no apply is running"
                }
            );
            let text = |row: &serde_json::Value, key: &str| match &row[key] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".to_owned(),
                other => other.to_string(),
            };
            let text = |row: &serde_json::Value, key: &str| {
                if key == "lags" {
                    return sparkline(row["lags"].as_array().map(Vec::as_slice).unwrap_or(&[]));
                }
                text(row, key)
            };
            let columns = [
                ("NAME", "name"),
                ("STATUS", "status"),
                ("HOST", "migrationHost"),
                ("LAG", "lagSeconds"),
                ("LAGS", "lags"),
                ("LEFT", "timeLeft"),
                ("WAITING", "waitingFor"),
                ("NEXT", "next"),
            ];
            // Widths in characters: the sparkline's bars are several bytes.
            let widths: Vec<usize> = columns
                .iter()
                .map(|(title, key)| {
                    rows.iter()
                        .map(|r| text(r, key).chars().count())
                        .max()
                        .unwrap_or(0)
                        .max(title.len())
                })
                .collect();
            let mut line = |cells: Vec<String>| {
                let mut out = String::new();
                for (i, cell) in cells.iter().enumerate() {
                    out.push_str(cell);
                    if i + 1 < cells.len() {
                        let pad = widths[i].saturating_sub(cell.chars().count()) + 3;
                        out.push_str(&" ".repeat(pad));
                    }
                }
                let _ = writeln!(shown, "{}", out.trim_end());
            };
            line(columns.iter().map(|(t, _)| (*t).to_owned()).collect());
            for row in &rows {
                line(columns.iter().map(|(_, k)| text(row, k)).collect());
            }
        }
    }
    Ok(shown)
}
