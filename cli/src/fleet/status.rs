//! The state as `fleet status` shows it: a table or JSON, read from the
//! state alone (no plan, no credentials, no request).

use std::path::Path;

use super::state::{self, Store};
use super::step;
use crate::Failure;
use crate::output::Output;

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
    if !state_path.exists() {
        return Err(Failure::usage(format!(
            "there is no state {}: apply writes it",
            state_path.display()
        )));
    }
    let store = Store::read(state_path).map_err(Failure::usage)?;
    let approvals = state::approvals(state_path);
    let running = state::held_by_apply(state_path);
    let rows: Vec<serde_json::Value> = store
        .names()
        .into_iter()
        .map(|name| {
            let entry = store.get(&name);
            // The approval of this entry's job in force (one given since
            // apply last looked included; one of another job is void).
            let approval = state::approval_of(&approvals, &name, &entry);
            let approved_at = approval.map(|a| a.at.clone());
            let approved_by = approval.map(|a| a.by.clone());
            serde_json::json!({
                "name": name,
                "wave": entry.wave,
                "status": entry.status,
                "liveMigrationId": entry.live_migration_id,
                "migrationHost": entry.migration_host,
                "lagSeconds": entry.lag_seconds,
                "readySince": entry.ready_since,
                "cutoverDeadline": entry.cutover_deadline,
                "approvedAt": approved_at,
                "approvedBy": approved_by,
                "writesStopped": entry.writes_stopped(),
                "waitingFor": if entry.needs_person.is_some() { Some("person".to_owned()) } else { entry.waiting_for.clone() },
                "next": step::next(&entry).describe(true),
                "lags": entry.recent_lags,
                "timeLeft": time_left(entry.cutover_deadline.as_deref(), entry.cutover_started),
            })
        })
        .collect();
    match output {
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
                state_path.display(),
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
                // A lag is said one way everywhere: `95s`, as the live lines.
                if key == "lagSeconds"
                    && let Some(seconds) = row[key].as_u64()
                {
                    return format!("{seconds}s");
                }
                text(row, key)
            };
            let columns = [
                ("NAME", "name"),
                ("WAVE", "wave"),
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
