//! `fleet plan`: the plan checked, and what `apply` would do next for each
//! migration (from the state, when there is one). Sends nothing.

use clap::Args;

use super::FleetFiles;
use crate::fleet::preview::{Row, preview};
use crate::fleet::{self, state::Store};
use crate::output::{self, Output};
use crate::{Failure, exit};

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub files: FleetFiles,

    /// Say what apply --cutover would do
    #[arg(long)]
    pub cutover: bool,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

pub fn run(args: PlanArgs) -> Result<u8, Failure> {
    let migrations = fleet::read_plan(&args.files.file)?;
    let store = match &args.files.state {
        Some(path) => Some(Store::read(path).map_err(Failure::usage)?),
        None => None,
    };
    let preview = preview(&migrations, store.as_ref(), args.cutover);
    match args.output {
        Output::Json => {
            let rows: Vec<_> = preview
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": r.name,
                        "migrationHost": r.host,
                        "waitingFor": r.waiting_for,
                        "next": r.next,
                        "nextWindowOpens": r.next_window.map(|t| t.to_string()),
                    })
                })
                .collect();
            println!("{}", output::json(&rows));
        }
        Output::Table => {
            print_table(&preview.rows);
            // Each set of windows once, with the migrations it holds.
            let mut windows: Vec<(&str, Vec<&str>)> = Vec::new();
            for row in &preview.rows {
                let Some(text) = row.windows.as_deref() else {
                    continue;
                };
                match windows.iter_mut().find(|(t, _)| *t == text) {
                    Some((_, names)) => names.push(&row.name),
                    None => windows.push((text, vec![&row.name])),
                }
            }
            for (text, names) in windows {
                println!("cutover windows of {}: {text}", names.join(", "));
            }
        }
    }
    for warning in &preview.warnings {
        eprintln!("{warning}");
    }
    Ok(exit::DONE)
}

fn print_table(rows: &[Row]) {
    let widest = |cell: &dyn Fn(&Row) -> usize, title: &str| {
        rows.iter().map(cell).max().unwrap_or(0).max(title.len())
    };
    let width = widest(&|r| r.name.len(), "NAME");
    let clusters = widest(&|r| r.cluster.len(), "CLUSTER");
    let hosts = widest(&|r| r.host.as_deref().unwrap_or("-").len(), "HOST");
    println!(
        "{:<width$}   {:<clusters$}   {:<hosts$}   NEXT",
        "NAME", "CLUSTER", "HOST"
    );
    for r in rows {
        println!(
            "{:<width$}   {:<clusters$}   {:<hosts$}   {}",
            r.name,
            r.cluster,
            r.host.as_deref().unwrap_or("-"),
            r.next
        );
    }
}
