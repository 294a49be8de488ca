//! A wait's end as an exit code and a line, and Ctrl-C while waiting: the
//! one mapping `watch`, `describe` and `demo` use.

use std::time::Duration;

use atlas_live_migration_api::types::{LiveMigrationResponse, LiveMigrationResponseStatus};
use atlas_live_migration_api::{CutoverOutcome, Error, Observation};

use crate::{Failure, exit, output};

/// The exit code of a job's status.
pub fn job_code(job: &LiveMigrationResponse) -> u8 {
    match job.status.as_ref().and_then(|status| status.known()) {
        Some(LiveMigrationResponseStatus::Failed) => exit::FAILED,
        Some(LiveMigrationResponseStatus::Expired) => exit::EXPIRED,
        _ => exit::DONE,
    }
}

/// Runs `work` to its end, or until Ctrl-C: then prints what `interrupted`
/// says and gives `None` (exit code 130).
pub async fn until_interrupted<T>(
    work: impl Future<Output = T>,
    interrupted: impl FnOnce() -> String,
) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("{}", interrupted());
            None
        }
    }
}

/// Waits for `waiting` or Ctrl-C (then `interrupted` says what goes on in
/// Atlas), clears the live display, and prints the outcome as a line with
/// its exit code.
pub async fn conclude(
    waiting: impl Future<Output = Result<CutoverOutcome, Error>>,
    clear: impl Fn(),
    interrupted: impl FnOnce() -> String,
) -> Result<u8, Failure> {
    let outcome = until_interrupted(waiting, || {
        clear();
        interrupted()
    })
    .await;
    clear();
    let Some(outcome) = outcome else {
        return Ok(exit::INTERRUPTED);
    };
    let (code, summary) = summarize(&outcome?);
    println!("{summary}");
    Ok(code)
}

/// Either wait's outcome as an exit code and a line.
pub fn summarize(outcome: &CutoverOutcome) -> (u8, String) {
    match outcome {
        CutoverOutcome::ReadyForCutover(seen) => (
            exit::DONE,
            format!(
                "ready for cutover after {} ({}): start it with `atlas-live-migration cutover`",
                waited(seen.elapsed),
                output::state(&seen.job)
            ),
        ),
        CutoverOutcome::Complete(seen)
        | CutoverOutcome::Failed(seen)
        | CutoverOutcome::Expired(seen) => ended(seen),
        CutoverOutcome::Declined(_) => (
            exit::USAGE,
            "not cut over; the job stays ready until its cutover timer runs out".to_owned(),
        ),
        CutoverOutcome::TimedOut {
            last,
            waited: time,
            cutover_started,
        } => timed_out(
            *time,
            last.as_ref(),
            if *cutover_started {
                " (the cutover was started and goes on in Atlas)"
            } else {
                ""
            },
        ),
        _ => (exit::API_ERROR, format!("unexpected outcome: {outcome:?}")),
    }
}

/// A job that ended: its exit code and a line, from its own status.
fn ended(seen: &Observation) -> (u8, String) {
    let status = seen.job.status.as_ref();
    let why = match status.and_then(|s| s.known()) {
        Some(LiveMigrationResponseStatus::Expired) => ": the cutover timer ran out",
        _ => "",
    };
    let status = status.map_or("-".to_owned(), ToString::to_string);
    (
        job_code(&seen.job),
        format!("migration {status} after {}{why}", waited(seen.elapsed)),
    )
}

fn timed_out(time: Duration, last: Option<&Observation>, note: &str) -> (u8, String) {
    (
        exit::TIMED_OUT,
        format!(
            "timed out after {}{note}; last seen: {}",
            waited(time),
            last.map_or("no answer".to_owned(), |seen| output::state(&seen.job))
        ),
    )
}

/// Whole seconds, as `1m 5s`.
fn waited(elapsed: Duration) -> String {
    humantime::format_duration(Duration::from_secs(elapsed.as_secs())).to_string()
}
