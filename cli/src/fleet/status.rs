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

/// One line for the whole fleet: how many in each status, how many need a
/// person, and the nearest cutover deadline not yet met.
fn summary(rows: &[serde_json::Value]) -> String {
    let mut statuses: std::collections::BTreeMap<&str, usize> = Default::default();
    for row in rows {
        *statuses
            .entry(row["status"].as_str().unwrap_or("not created"))
            .or_default() += 1;
    }
    let mut said = format!(
        "{}: {}",
        crate::output::count(rows.len(), "migration"),
        statuses
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let people = rows.iter().filter(|r| r["waitingFor"] == "person").count();
    if people > 0 {
        said.push_str(&format!(
            "; {people} need{} a person",
            if people == 1 { "s" } else { "" }
        ));
    }
    let next = rows
        .iter()
        .filter(|r| r["timeLeft"].is_string())
        .filter(|r| {
            !matches!(
                r["status"].as_str(),
                Some("COMPLETE" | "FAILED" | "EXPIRED")
            )
        })
        .filter_map(|r| Some((r["cutoverDeadline"].as_str()?, r["name"].as_str()?)))
        .min();
    if let Some((deadline, name)) = next {
        said.push_str(&format!("; next cutover deadline {deadline} ({name})"));
    }
    said
}

/// Prints the state at `state_path` as `fleet status` does. `false` when
/// stdout is gone (a pipe closed by `head`): nothing more to print.
/// `height`: the terminal's lines, for a view redrawn in place (`--watch`):
/// the table keeps its header and summary, and says how many rows it left
/// out.
pub fn print_status(
    state_path: &Path,
    output: Output,
    height: Option<usize>,
) -> Result<bool, Failure> {
    let shown = render_status(state_path, output, height)?;
    let mut stdout = std::io::stdout().lock();
    Ok(std::io::Write::write_all(&mut stdout, shown.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut stdout))
        .is_ok())
}

fn render_status(
    state_path: &Path,
    output: Output,
    height: Option<usize>,
) -> Result<String, Failure> {
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
            // The state's line, the header, the rows, the summary; in a
            // short terminal, as many rows as fit and a line for the rest.
            let shown_rows = match height {
                Some(height) if rows.len() + 3 > height => height.saturating_sub(4),
                _ => rows.len(),
            };
            for row in &rows[..shown_rows] {
                line(columns.iter().map(|(_, k)| text(row, k)).collect());
            }
            if shown_rows < rows.len() {
                let _ = writeln!(
                    shown,
                    "+{} more (a taller terminal, or fleet status -o json, shows them all)",
                    rows.len() - shown_rows
                );
            }
            let _ = writeln!(shown, "{}", summary(&rows));
        }
    }
    Ok(shown)
}

#[cfg(test)]
mod short_terminal {
    use super::render_status;
    use crate::fleet::state::Store;
    use crate::output::Output;

    /// In a terminal of 8 lines, 10 migrations: the state's line, the
    /// header, 4 rows, "+6 more" and the summary; no line more.
    #[test]
    fn a_short_terminal_keeps_the_header_and_says_what_it_left_out() {
        let folder = std::env::temp_dir().join(format!("alm-short-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("state.json");
        let store = Store::open_exclusive(&path).unwrap();
        for n in 1..=10 {
            store
                .update(&format!("app-{n:02}"), |e| {
                    e.status = Some(if n <= 3 { "COMPLETE" } else { "WORKING" }.to_owned());
                    e.needs_person = (n == 10).then(|| "a lost create".to_owned());
                })
                .unwrap();
        }
        drop(store);
        let shown = render_status(&path, Output::Table, Some(8)).unwrap();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 8, "{shown}");
        assert!(lines[1].starts_with("NAME "), "{shown}");
        assert!(lines[2].starts_with("app-01 "), "{shown}");
        assert!(lines[6].starts_with("+6 more"), "{shown}");
        assert_eq!(
            lines[7], "10 migrations: 3 COMPLETE, 7 WORKING; 1 needs a person",
            "{shown}"
        );
        // Tall enough: every row, and the summary.
        let all = render_status(&path, Output::Table, None).unwrap();
        assert_eq!(all.lines().count(), 13, "{all}");
        let _ = std::fs::remove_dir_all(&folder);
    }
}
