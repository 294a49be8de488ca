//! Printing a job: JSON with the API's field names, or the table of
//! `atlas liveMigrations describe`.

use atlas_live_migration_api::types::LiveMigrationResponse;

pub fn json(job: &LiveMigrationResponse) -> String {
    serde_json::to_string_pretty(job).expect("the job serializes")
}

pub fn table(job: &LiveMigrationResponse) -> String {
    let header = ["ID", "LAGTIME", "READY FOR CUTOVER", "STATUS"];
    let row = [
        job.id.as_ref().map_or("", |id| id.as_str()).to_owned(),
        job.lag_time_seconds
            .map_or(String::new(), |lag| lag.to_string()),
        job.ready_for_cutover
            .map_or(String::new(), |ready| ready.to_string()),
        job.status
            .as_ref()
            .map_or(String::new(), |status| status.to_string()),
    ];
    let widths: Vec<usize> = header
        .iter()
        .zip(&row)
        .map(|(h, r)| h.len().max(r.len()))
        .collect();
    let line = |cells: [&str; 4]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("   ").trim_end().to_owned()
    };
    format!(
        "{}\n{}",
        line(header),
        line(row.each_ref().map(String::as_str))
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
