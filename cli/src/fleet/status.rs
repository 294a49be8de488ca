//! The state as `fleet status` shows it: a table or JSON, read from the
//! state alone (no plan, no credentials, no request).

use std::path::Path;

use super::view::{COLUMNS, FleetView};
use crate::Failure;
use crate::output::Output;

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
    let view = FleetView::read(state_path)?;
    Ok(match output {
        Output::Json => json(&view),
        Output::Table => table(state_path, &view, height),
    })
}

/// The document of `fleet status -o json` (and `/status.json`), with its
/// last newline.
pub fn json(view: &FleetView) -> String {
    crate::output::json(view) + "\n"
}

/// The table of `fleet status`: the state's line, the header, a row per
/// migration, the summary; in a terminal of `height` lines, as many rows as
/// fit and a line for the rest.
fn table(state_path: &Path, view: &FleetView, height: Option<usize>) -> String {
    use std::fmt::Write as _;
    let mut shown = String::new();
    let _ = writeln!(
        shown,
        "state {}: {}",
        state_path.display(),
        if view.apply_running {
            "an apply is running"
        } else {
            "no apply is running"
        }
    );
    let rows: Vec<Vec<String>> = view
        .migrations
        .iter()
        .map(|m| COLUMNS.iter().map(|(_, c)| m.cell(*c)).collect())
        .collect();
    // Widths in characters: the sparkline's bars are several bytes.
    let widths: Vec<usize> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (title, _))| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(title.len())
        })
        .collect();
    let mut line = |cells: &[String]| {
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
    line(&COLUMNS.map(|(t, _)| t.to_owned()));
    let shown_rows = match height {
        Some(height) if rows.len() + 3 > height => height.saturating_sub(4),
        _ => rows.len(),
    };
    for row in &rows[..shown_rows] {
        line(row);
    }
    if shown_rows < rows.len() {
        let _ = writeln!(
            shown,
            "+{} more (a taller terminal, or fleet status -o json, shows them all)",
            rows.len() - shown_rows
        );
    }
    let _ = writeln!(shown, "{}", view.summary());
    shown
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
                .update_blocking(&format!("app-{n:02}"), |e| {
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
