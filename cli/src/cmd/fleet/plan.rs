//! `fleet plan`: the plan checked, against what Atlas sees of the source
//! too, and what `apply` would do next for each migration (from the state,
//! when there is one). Reads only: nothing that changes Atlas is sent.

use clap::Args;

use super::FleetFiles;
use crate::connection::Connection;
use crate::fleet::preview::{Row, preview};
use crate::fleet::rehearsal::Rehearsal;
use crate::fleet::sources::{self, SourceCheck};
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

    #[command(flatten)]
    pub connection: Connection,

    /// Check the plan against a mock Atlas on 127.0.0.1 built from it (as
    /// `fleet apply --demo` rehearses it): no account or credentials
    #[arg(long, conflicts_with_all = ["base_url", "api_version"])]
    pub demo: bool,
}

pub async fn run(args: PlanArgs) -> Result<u8, Failure> {
    let (migrations, unset_passwords) =
        fleet::plan::read_without_passwords(&args.files.file).map_err(Failure::usage)?;
    let store = match &args.files.state {
        Some(path) => Some(Store::read(path).map_err(Failure::usage)?),
        None => None,
    };
    let preview = preview(&migrations, store.as_ref(), args.cutover);
    let program_problems = fleet::plan::programs::problems(&migrations);
    // What Atlas sees of the source, for the migrations not yet created.
    let unsent: Vec<_> = migrations
        .iter()
        .filter(|m| {
            store.as_ref().is_none_or(|store| {
                let entry = store.get(&m.name);
                entry.create_sent_at.is_none() && entry.live_migration_id.is_none()
            })
        })
        .collect();
    let mut notes = Vec::new();
    if !unset_passwords.is_empty() {
        notes.push(format!(
            "the source password {} {} not set here: `fleet plan` sends no password, \
             `fleet apply` needs {}",
            match unset_passwords.len() {
                1 => "variable",
                _ => "variables",
            },
            match unset_passwords.as_slice() {
                [one] => format!("{one} is"),
                many => format!("{} are", many.join(", ")),
            },
            if unset_passwords.len() == 1 {
                "it"
            } else {
                "them"
            },
        ));
    }
    let rehearsal = match args.demo {
        true => Some(Rehearsal::start(&migrations).await?),
        false => None,
    };
    let client = match &rehearsal {
        Some(rehearsal) => rehearsal.client().build().map_err(Failure::from),
        None => args.connection.client(),
    };
    let checked = match client {
        Err(failure) => {
            notes.push(format!(
                "the plan was not checked against Atlas (its source projects, clusters and \
                 migration hosts): {}",
                failure.message
            ));
            SourceCheck::default()
        }
        Ok(_) if unsent.is_empty() => SourceCheck::default(),
        Ok(client) => {
            let side = match &rehearsal {
                Some(rehearsal) => rehearsal.link(&migrations).await?,
                None => sources::source_side(&migrations, &mut notes),
            };
            sources::check(&client, &unsent, side.as_ref()).await?
        }
    };
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
                        "wave": r.wave,
                        "gates": args.cutover.then_some(&r.gates),
                        "source": checked.deployments.get(&r.name),
                    })
                })
                .collect();
            println!("{}", output::json(&rows));
        }
        Output::Table => {
            print_table(&preview.rows);
            for row in preview.rows.iter().filter(|r| !r.gates.is_empty()) {
                println!("cutover of {}: {}", row.name, row.gates.join("; "));
            }
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
            print_sources(&checked);
        }
    }
    for warning in preview.warnings.iter().chain(&notes) {
        eprintln!("{warning}");
    }
    if !program_problems.is_empty() {
        eprintln!(
            "the plan's programs cannot all run (apply would refuse to start):\n{}",
            program_problems.join("\n")
        );
    }
    if !checked.problems.is_empty() {
        eprintln!(
            "the plan does not fit what Atlas sees of the source (apply would refuse to \
             start):\n{}",
            checked.problems.join("\n")
        );
    }
    if !checked.problems.is_empty() || !program_problems.is_empty() {
        return Ok(exit::USAGE);
    }
    Ok(exit::DONE)
}

/// Each source deployment the plan migrates, once, with the migrations
/// from it.
fn print_sources(checked: &SourceCheck) {
    if checked.deployments.is_empty() {
        return;
    }
    let mut by_source: Vec<(&sources::Deployment, Vec<&str>)> = Vec::new();
    for (name, deployment) in &checked.deployments {
        let same =
            |d: &&sources::Deployment| d.project == deployment.project && d.name == deployment.name;
        match by_source.iter_mut().find(|(d, _)| same(d)) {
            Some((_, names)) => names.push(name),
            None => by_source.push((deployment, vec![name])),
        }
    }
    let rows: Vec<Vec<String>> = by_source
        .iter()
        .map(|(d, names)| {
            vec![
                d.name.clone(),
                d.project.clone(),
                d.mongodb_version.clone().unwrap_or_else(|| "-".to_owned()),
                d.feature_compatibility_version
                    .clone()
                    .unwrap_or_else(|| "-".to_owned()),
                d.sharded
                    .map_or("-".to_owned(), |s| if s { "yes" } else { "no" }.to_owned()),
                names.join(", "),
            ]
        })
        .collect();
    println!();
    println!(
        "{}",
        output::columns(
            &[
                "SOURCE CLUSTER",
                "SOURCE PROJECT",
                "MONGODB",
                "FCV",
                "SHARDED",
                "MIGRATIONS"
            ],
            &rows
        )
    );
}

fn print_table(rows: &[Row]) {
    let widest = |cell: &dyn Fn(&Row) -> usize, title: &str| {
        rows.iter().map(cell).max().unwrap_or(0).max(title.len())
    };
    let width = widest(&|r| r.name.len(), "NAME");
    let clusters = widest(&|r| r.cluster.len(), "CLUSTER");
    let hosts = widest(&|r| r.host.as_deref().unwrap_or("-").len(), "HOST");
    println!(
        "{:<width$}   WAVE   {:<clusters$}   {:<hosts$}   NEXT",
        "NAME", "CLUSTER", "HOST"
    );
    for r in rows {
        println!(
            "{:<width$}   {:<4}   {:<clusters$}   {:<hosts$}   {}",
            r.name,
            r.wave,
            r.cluster,
            r.host.as_deref().unwrap_or("-"),
            r.next
        );
    }
}
