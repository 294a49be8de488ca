//! One view of the fleet, read from the state alone: what each migration
//! shows, and what each field means, once. `fleet status` (its table,
//! `--watch` and `-o json`) and `fleet serve` (the page, `/status.json`
//! and `/metrics`) all render this.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

use super::state::{self, Approval, Reading, Store};
use super::step;
use crate::Failure;

/// The fleet as the state has it. Serialized, it is the document `fleet
/// status -o json` prints and `/status.json` answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetView {
    /// An apply holds the state now.
    pub apply_running: bool,
    pub migrations: Vec<MigrationView>,
    /// Changes recorded in the state since it began.
    #[serde(skip)]
    pub changes: u64,
}

/// One migration as the views show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationView {
    pub name: String,
    pub wave: Option<u32>,
    /// The job's last status; `None` before it is created.
    pub status: Option<String>,
    pub live_migration_id: Option<String>,
    pub migration_host: Option<String>,
    /// The lag Atlas last reported; `None` while unknown.
    pub lag_seconds: Option<u64>,
    pub ready_since: Option<String>,
    pub cutover_deadline: Option<String>,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    /// `beforeCutover` stopped the application's writes and no cutover
    /// followed yet.
    pub writes_stopped: bool,
    /// What apply waits for (`person` when a person must look).
    pub waiting_for: Option<String>,
    /// Why a person must look, when one must.
    pub needs_person: Option<String>,
    /// The next step apply takes.
    pub next: String,
    /// The last lags read (at most 16), oldest first.
    pub lags: Vec<u64>,
    /// Time before the cutover deadline (`12h05m`, `passed`), until the
    /// cutover was sent.
    pub time_left: Option<String>,
    /// The cutover was sent.
    #[serde(skip)]
    pub cutover_started: bool,
    /// Every lag reading kept, oldest first, for the charts.
    #[serde(skip)]
    pub readings: Vec<Reading>,
}

/// The columns of the table, terminal and page alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Wave,
    Status,
    Host,
    Lag,
    Lags,
    ReadySince,
    Left,
    Waiting,
    Next,
}

/// The table's columns and their titles, in order.
pub const COLUMNS: [(&str, Column); 9] = [
    ("NAME", Column::Name),
    ("WAVE", Column::Wave),
    ("STATUS", Column::Status),
    ("HOST", Column::Host),
    ("LAG", Column::Lag),
    ("LAGS", Column::Lags),
    ("LEFT", Column::Left),
    ("WAITING", Column::Waiting),
    ("NEXT", Column::Next),
];

/// The page's columns: the table's, with when the job got ready (its
/// `LAGS` a chart of every reading kept).
pub const PAGE_COLUMNS: [(&str, Column); 10] = [
    ("Name", Column::Name),
    ("Wave", Column::Wave),
    ("Status", Column::Status),
    ("Host", Column::Host),
    ("Lag", Column::Lag),
    ("Lag over time", Column::Lags),
    ("Ready since", Column::ReadySince),
    ("Time left", Column::Left),
    ("Waiting for", Column::Waiting),
    ("Next step", Column::Next),
];

/// A deadline nearer than this, with no cutover sent, is a person's to
/// look at: a row the page marks.
pub const DEADLINE_NEAR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Statuses after which the job does no more.
pub fn ended(status: Option<&str>) -> bool {
    matches!(status, Some("COMPLETE" | "FAILED" | "EXPIRED"))
}

impl FleetView {
    /// The state at `path`, with the approvals beside it, as of now. An
    /// error when there is no state or it cannot be read.
    pub fn read(path: &Path) -> Result<Self, Failure> {
        if !path.exists() {
            return Err(Failure::usage(format!(
                "there is no state {}: apply writes it",
                path.display()
            )));
        }
        let store = Store::read(path).map_err(Failure::usage)?;
        Ok(Self::of(
            &store,
            &state::approvals(path),
            state::held_by_apply(path),
            SystemTime::now(),
        ))
    }

    /// The view of `store` at `now`.
    pub fn of(
        store: &Store,
        approvals: &BTreeMap<String, Approval>,
        apply_running: bool,
        now: SystemTime,
    ) -> Self {
        let migrations = store
            .names()
            .into_iter()
            .map(|name| {
                let entry = store.get(&name);
                let readings = store.readings(&name);
                // The approval of this entry's job in force (one given since
                // apply last looked included; one of another job is void).
                let approval = state::approval_of(approvals, &name, &entry);
                let lags = if readings.is_empty() {
                    entry.recent_lags.clone()
                } else {
                    let from = readings.len().saturating_sub(16);
                    readings[from..].iter().map(|&(_, lag)| lag).collect()
                };
                MigrationView {
                    wave: entry.wave,
                    status: entry.status.clone(),
                    live_migration_id: entry.live_migration_id.clone(),
                    migration_host: entry.migration_host.clone(),
                    lag_seconds: entry.lag_seconds,
                    ready_since: entry.ready_since.clone(),
                    cutover_deadline: entry.cutover_deadline.clone(),
                    approved_at: approval.map(|a| a.at.clone()),
                    approved_by: approval.map(|a| a.by.clone()),
                    writes_stopped: entry.writes_stopped(),
                    waiting_for: if entry.needs_person.is_some() {
                        Some("person".to_owned())
                    } else {
                        entry.waiting_for.clone()
                    },
                    needs_person: entry.needs_person.clone(),
                    next: step::next(&entry).describe(true),
                    lags,
                    time_left: time_left(
                        entry.cutover_deadline.as_deref(),
                        entry.cutover_sent(),
                        now,
                    ),
                    cutover_started: entry.cutover_sent(),
                    readings,
                    name,
                }
            })
            .collect();
        Self {
            apply_running,
            migrations,
            changes: store.changes(),
        }
    }

    /// One line for the whole fleet: how many in each status, how many
    /// need a person, and the nearest cutover deadline not yet met.
    pub fn summary(&self) -> String {
        let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
        for m in &self.migrations {
            *statuses.entry(m.status_text()).or_default() += 1;
        }
        let mut said = format!(
            "{}: {}",
            crate::output::count(self.migrations.len(), "migration"),
            statuses
                .iter()
                .map(|(status, n)| format!("{n} {status}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let people = self
            .migrations
            .iter()
            .filter(|m| m.needs_a_person())
            .count();
        if people > 0 {
            said.push_str(&format!(
                "; {people} need{} a person",
                if people == 1 { "s" } else { "" }
            ));
        }
        let next = self
            .migrations
            .iter()
            .filter(|m| m.time_left.is_some() && !ended(m.status.as_deref()))
            .filter_map(|m| Some((m.cutover_deadline.as_deref()?, m.name.as_str())))
            .min();
        if let Some((deadline, name)) = next {
            said.push_str(&format!("; next cutover deadline {deadline} ({name})"));
        }
        said
    }
}

impl MigrationView {
    /// Its status as the table says it: `not created` before a job.
    pub fn status_text(&self) -> &str {
        self.status.as_deref().unwrap_or("not created")
    }

    /// A person must look before it goes on.
    pub fn needs_a_person(&self) -> bool {
        self.waiting_for.as_deref() == Some("person")
    }

    /// A person should look now: it needs one, its application's writes
    /// are stopped, its cutover waits for an approval, or its cutover deadline is nearer than
    /// [`DEADLINE_NEAR`] (or passed) with no cutover sent.
    pub fn wants_attention(&self, now: SystemTime) -> bool {
        let deadline_near = !self.cutover_started
            && !ended(self.status.as_deref())
            && self
                .cutover_deadline
                .as_deref()
                .and_then(|d| humantime::parse_rfc3339(d).ok())
                .is_some_and(|d| {
                    d.duration_since(now)
                        .map_or(true, |left| left < DEADLINE_NEAR)
                });
        self.needs_a_person()
            || self.writes_stopped
            || self.waiting_for.as_deref() == Some("approval")
            || deadline_near
    }

    /// Why a person should look now, when
    /// [`wants_attention`](Self::wants_attention) says so.
    pub fn attention(&self, now: SystemTime) -> Option<String> {
        if let Some(why) = &self.needs_person {
            return Some(format!("needs a person: {why}"));
        }
        if self.writes_stopped {
            return Some(
                "the application's writes are stopped (beforeCutover ran) and no cutover \
                 followed"
                    .to_owned(),
            );
        }
        if self.waiting_for.as_deref() == Some("approval") {
            return Some("its cutover waits for `fleet approve`".to_owned());
        }
        self.wants_attention(now)
            .then(|| match self.time_left.as_deref() {
                Some("passed") => "its cutover deadline passed".to_owned(),
                Some(left) => format!("{left} left before its cutover deadline"),
                None => "its cutover deadline is near".to_owned(),
            })
    }

    /// The text of one cell of the table.
    pub fn cell(&self, column: Column) -> String {
        let or_dash = |value: Option<&str>| value.unwrap_or("-").to_owned();
        match column {
            Column::Name => self.name.clone(),
            Column::Wave => self.wave.map_or_else(|| "-".to_owned(), |w| w.to_string()),
            Column::Status => or_dash(self.status.as_deref()),
            Column::Host => or_dash(self.migration_host.as_deref()),
            // A lag is said one way everywhere: `95s`, as the live lines.
            Column::Lag => self
                .lag_seconds
                .map_or_else(|| "-".to_owned(), |s| format!("{s}s")),
            Column::Lags => sparkline(&self.lags),
            Column::ReadySince => or_dash(self.ready_since.as_deref()),
            Column::Left => or_dash(self.time_left.as_deref()),
            Column::Waiting => or_dash(self.waiting_for.as_deref()),
            Column::Next => self.next.clone(),
        }
    }
}

/// The lags as a line of bars, the last readings, oldest first.
fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let Some(&top) = values.iter().max() else {
        return "-".to_owned();
    };
    values
        .iter()
        .map(|v| BARS[(*v * 7).checked_div(top).unwrap_or(0) as usize])
        .collect()
}

/// The time before the cutover deadline, for one whose cutover was not
/// sent.
fn time_left(deadline: Option<&str>, cutover_sent: bool, now: SystemTime) -> Option<String> {
    if cutover_sent {
        return None;
    }
    let deadline = humantime::parse_rfc3339(deadline?).ok()?;
    Some(match deadline.duration_since(now) {
        Ok(left) => {
            let minutes = left.as_secs() / 60;
            format!("{}h{:02}m", minutes / 60, minutes % 60)
        }
        Err(_) => "passed".to_owned(),
    })
}
