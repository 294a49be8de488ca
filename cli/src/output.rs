//! Printing answers: JSON with the API's field names, or the columns of the
//! Atlas CLI's `liveMigrations` commands.

use atlas_live_migration_api::types::{
    LiveImportAvailableProject, LiveImportValidation, LiveMigrationResponse,
};
use clap::ValueEnum;
use serde::Serialize;

/// Output format (`-o json|table`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// JSON with the API's field names
    Json,
    /// Columns, as the Atlas CLI prints them
    Table,
}

/// Prints `json`, or the table `table` makes.
pub fn print(output: Output, json: String, table: impl FnOnce() -> String) {
    match output {
        Output::Json => println!("{json}"),
        Output::Table => println!("{}", table()),
    }
}

pub fn json(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("API types serialize")
}

/// Left-aligned columns, three spaces apart.
pub fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|row| row[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("   ").trim_end().to_owned()
    };
    let mut lines = vec![line(header.to_vec())];
    lines.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    lines.join("\n")
}

fn text<T: ToString>(value: Option<T>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

/// `ID  LAGTIME  READY FOR CUTOVER  STATUS`, as `atlas liveMigrations describe`.
pub fn job_table(job: &LiveMigrationResponse) -> String {
    columns(
        &["ID", "LAGTIME", "READY FOR CUTOVER", "STATUS"],
        &[vec![
            text(job.id.as_deref()),
            text(job.lag_time_seconds),
            text(job.ready_for_cutover),
            text(job.status.as_ref()),
        ]],
    )
}

/// `ID  PROJECT ID  SOURCE PROJECT ID  STATUS  ERROR`.
pub fn validation_table(validation: &LiveImportValidation) -> String {
    columns(
        &["ID", "PROJECT ID", "SOURCE PROJECT ID", "STATUS", "ERROR"],
        &[vec![
            text(validation.id.as_deref()),
            text(validation.group_id.as_deref()),
            text(validation.source_group_id.as_deref()),
            text(validation.status.as_ref()),
            text(validation.error_message.as_ref()),
        ]],
    )
}

/// One row per deployment: `PROJECT  PROJECT ID  CLUSTER  MONGODB  SHARDED  TLS`.
pub fn projects_table(projects: &[LiveImportAvailableProject]) -> String {
    let rows: Vec<Vec<String>> = projects
        .iter()
        .flat_map(|project| {
            let deployments: Vec<Option<_>> = if project.deployments.is_empty() {
                vec![None]
            } else {
                project.deployments.iter().map(Some).collect()
            };
            deployments.into_iter().map(move |deployment| {
                vec![
                    text(project.name.as_ref()),
                    text(project.project_id.as_ref()),
                    text(deployment.and_then(|d| d.name.as_ref())),
                    text(deployment.and_then(|d| d.mongo_db_version.as_ref())),
                    text(deployment.and_then(|d| d.sharded)),
                    text(deployment.and_then(|d| d.tls_enabled)),
                ]
            })
        })
        .collect();
    columns(
        &[
            "PROJECT",
            "PROJECT ID",
            "CLUSTER",
            "MONGODB",
            "SHARDED",
            "TLS",
        ],
        &rows,
    )
}

/// `WORKING lag=12s ready=false` for status lines.
pub fn state(job: &LiveMigrationResponse) -> String {
    format!(
        "{} lag={} ready={}",
        job.status
            .as_ref()
            .map_or("-".to_owned(), |s| s.to_string()),
        job.lag_time_seconds
            .map_or("-".to_owned(), |lag| format!("{lag}s")),
        job.ready_for_cutover
            .map_or("-".to_owned(), |r| r.to_string()),
    )
}

/// `n` and the noun, in the plural unless `n` is 1: "1 migration",
/// "12 migrations".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
