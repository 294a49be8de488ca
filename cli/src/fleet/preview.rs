//! What `apply` would do next for each migration of a plan, from the state
//! when there is one: `fleet plan`'s rows and warnings. Sends nothing.

use super::plan::Migration;
use super::state::Store;
use super::{host_order, hosts, run, step, unplanned};

/// One line of `fleet plan`.
pub struct Row {
    pub name: String,
    pub cluster: String,
    /// The host it holds or would take now.
    pub host: Option<String>,
    /// `host` when every host it may take is held.
    pub waiting_for: Option<&'static str>,
    pub next: String,
    /// Its cutover windows and when the next opens, in the plan's zone
    /// and in UTC (`None`: no windows).
    pub windows: Option<String>,
    /// When the next window opens (UTC).
    pub next_window: Option<jiff::Timestamp>,
    /// Its wave.
    pub wave: u32,
    /// With `--cutover`: each gate its cutover passes, in the order apply
    /// checks them.
    pub gates: Vec<String>,
}

/// The rows, in the plan's order, and what the plan should know.
pub struct Preview {
    pub rows: Vec<Row>,
    pub warnings: Vec<String>,
}

/// Who takes which host, by the rule apply follows: the state's holders
/// keep theirs, the others take free ones, earlier waves first, then in
/// plan order.
pub fn preview(migrations: &[Migration], store: Option<&Store>, cutover: bool) -> Preview {
    let mut pool = store.map(hosts::Pool::from_state).unwrap_or_default();
    let order = host_order(migrations);
    let mut by_order: Vec<usize> = (0..migrations.len()).collect();
    by_order.sort_by_key(|index| order[*index]);
    let mut rows: Vec<(usize, Row)> = by_order
        .into_iter()
        .map(|index| (index, &migrations[index]))
        .map(|(index, m)| {
            let mut entry = store.map(|s| s.get(&m.name)).unwrap_or_default();
            // Who takes which host is worked out here, as the next apply
            // would: not what the last one waited for.
            if entry.waiting_for.as_deref() == Some("host") {
                entry.waiting_for = None;
            }
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
                    step::next(&entry).describe(cutover)
                ),
                None => step::next(&entry).describe(cutover),
            };
            (
                index,
                Row {
                    name: m.name.clone(),
                    cluster: format!("{} <- {}", m.cluster_name, m.source_cluster_name),
                    host,
                    waiting_for: waits.map(|_| "host"),
                    next,
                    windows: m.cutover.windows.as_ref().map(|w| {
                        format!(
                            "{}: {}",
                            w.describe(),
                            w.describe_next(jiff::Timestamp::now())
                        )
                    }),
                    next_window: m
                        .cutover
                        .windows
                        .as_ref()
                        .and_then(|w| w.next_open(jiff::Timestamp::now())),
                    wave: m.cutover.wave,
                    gates: if cutover {
                        gates(m, migrations, store)
                    } else {
                        Vec::new()
                    },
                },
            )
        })
        .collect();
    // In the plan's order again.
    rows.sort_by_key(|(index, _)| *index);
    let rows = rows.into_iter().map(|(_, row)| row).collect();
    let mut warnings = late_windows(migrations, store);
    if let Some(store) = store {
        for name in unplanned(store, migrations) {
            warnings.push(format!(
                "the state has {name}, which the plan does not: apply leaves it as it is"
            ));
        }
    }
    Preview { rows, warnings }
}

/// The gates `m`'s cutover passes, as apply checks them: its wave, a
/// person's approval, the cutover slots, a window, `beforeCutover`, the lag,
/// then `afterCutover`.
fn gates(m: &Migration, migrations: &[Migration], store: Option<&Store>) -> Vec<String> {
    let c = &m.cutover;
    let mut gates = Vec::new();
    let earlier: Vec<&str> = migrations
        .iter()
        .filter(|other| other.cutover.wave < c.wave)
        .filter(|other| {
            let entry = store.map(|s| s.get(&other.name)).unwrap_or_default();
            !run::finished(&entry, other)
        })
        .map(|other| other.name.as_str())
        .collect();
    gates.push(match earlier.as_slice() {
        [] => format!("wave {}: no earlier wave to wait for", c.wave),
        names => format!(
            "wave {}: after {} {} COMPLETE",
            c.wave,
            first_names(names),
            if names.len() == 1 { "is" } else { "are" }
        ),
    });
    if c.approval {
        gates.push(format!("approval: `fleet approve {}`", m.name));
    }
    if let Some(slots) = c.max_concurrent {
        gates.push(format!(
            "a cutover slot: {} at a time (maxConcurrentCutovers)",
            crate::output::count(slots, "cutover")
        ));
    }
    if let Some(windows) = &c.windows {
        gates.push(format!(
            "a window: {}",
            windows.describe_next(jiff::Timestamp::now())
        ));
    }
    if let Some(before) = &c.before {
        gates.push(format!("beforeCutover: {}", before.join(" ")));
    }
    if let Some(lag) = c.max_lag {
        gates.push(format!("a lag of at most {lag} s"));
    }
    if let Some(after) = &c.after {
        gates.push(format!("afterCutover: {}", after.join(" ")));
    }
    gates
}

/// The first three names, and how many more.
fn first_names(names: &[&str]) -> String {
    let mut said = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        said.push_str(&format!(" and {} more", names.len() - 3));
    }
    said
}

/// A window that opens only after the cutover timer ran out comes too
/// late: Atlas makes the job EXPIRED first.
fn late_windows(migrations: &[Migration], store: Option<&Store>) -> Vec<String> {
    let mut warnings = Vec::new();
    for m in migrations {
        let entry = store.map(|s| s.get(&m.name)).unwrap_or_default();
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
            warnings.push(format!(
                "warning: {}: its next cutover window opens {opens}, after its cutover deadline \
                 {deadline}: Atlas makes the job EXPIRED first; widen cutoverWindows \
                 ({}) or cut it over by hand",
                m.name,
                windows.describe()
            ));
        }
    }
    warnings
}
