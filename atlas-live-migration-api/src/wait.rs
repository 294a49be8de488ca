//! Waiting for cutover: poll a migration job until it is ready for cutover
//! or complete, has failed or expired, or a time limit passes, reporting each
//! observation as it goes.

use std::time::{Duration, Instant, SystemTime};

use crate::error::Error;
use crate::types::{GroupId, LiveMigrationId, LiveMigrationResponse, LiveMigrationResponseStatus};

/// How [`Client::wait_for_cutover`](crate::Client::wait_for_cutover) polls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitOptions {
    /// Time between polls (default 30 s).
    pub interval: Duration,
    /// Each wait is `interval` ± this share of it, at random, so that many
    /// watchers do not poll in step (default 0.1).
    pub jitter: f64,
    /// Give up after this long (default: never).
    pub timeout: Option<Duration>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            jitter: 0.1,
            timeout: None,
        }
    }
}

/// One poll's result, as reported while waiting.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Observation {
    /// The job as Atlas reported it.
    pub job: LiveMigrationResponse,
    /// When the answer arrived.
    pub at: SystemTime,
    /// Time since the wait began.
    pub elapsed: Duration,
    /// 1 for the first poll.
    pub poll: u32,
}

/// What happens while waiting.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent<'a> {
    /// A poll answered.
    Observed(&'a Observation),
    /// A poll failed with a transient error (after the call's own retries);
    /// the wait goes on.
    PollFailed {
        /// The error.
        error: &'a Error,
        /// Time since the wait began.
        elapsed: Duration,
    },
}

/// How a wait ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CutoverOutcome {
    /// `readyForCutover` is true: start the cutover.
    ReadyForCutover(Observation),
    /// The migration completed.
    Complete(Observation),
    /// The migration failed.
    Failed(Observation),
    /// The cutover timer ran out.
    Expired(Observation),
    /// The time limit passed first.
    TimedOut {
        /// The last answer, if any poll answered.
        last: Option<Observation>,
        /// How long the wait lasted.
        waited: Duration,
    },
}

impl CutoverOutcome {
    /// Ready for cutover or complete.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::ReadyForCutover(_) | Self::Complete(_))
    }

    /// The outcome a job's state means, if it ends the wait.
    fn of(observation: &Observation) -> Option<fn(Observation) -> Self> {
        let job = &observation.job;
        match job.status.as_ref().and_then(|status| status.known()) {
            Some(LiveMigrationResponseStatus::Complete) => Some(Self::Complete),
            Some(LiveMigrationResponseStatus::Failed) => Some(Self::Failed),
            Some(LiveMigrationResponseStatus::Expired) => Some(Self::Expired),
            _ if job.ready_for_cutover == Some(true) => Some(Self::ReadyForCutover),
            _ => None,
        }
    }
}

impl crate::Client {
    /// Polls the job until it is ready for cutover or `COMPLETE`, or it is
    /// `FAILED` or `EXPIRED`, or `options.timeout` passes. `on_event` sees
    /// every observation and every transient failure; a failure that retrying
    /// cannot mend (bad credentials, unknown job) ends the wait with `Err`.
    ///
    /// ```no_run
    /// use atlas_live_migration_api::{Client, CutoverOutcome, WaitEvent, WaitOptions};
    ///
    /// # async fn run() -> Result<(), atlas_live_migration_api::Error> {
    /// let client = Client::from_env()?;
    /// let outcome = client
    ///     .wait_for_cutover(
    ///         &"32b6e34b3d91647abb20e7b8".parse().unwrap(),
    ///         &"6296fb4c7c7aa997cf94e9a8".parse().unwrap(),
    ///         WaitOptions::default(),
    ///         |event| {
    ///             if let WaitEvent::Observed(seen) = event {
    ///                 println!("{:?} lag {:?}s", seen.job.status, seen.job.lag_time_seconds);
    ///             }
    ///         },
    ///     )
    ///     .await?;
    /// if let CutoverOutcome::ReadyForCutover(_) = outcome {
    ///     println!("start the cutover");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_cutover(
        &self,
        group_id: &GroupId,
        live_migration_id: &LiveMigrationId,
        options: WaitOptions,
        mut on_event: impl FnMut(WaitEvent<'_>),
    ) -> Result<CutoverOutcome, Error> {
        let started = Instant::now();
        let deadline = options.timeout.map(|limit| started + limit);
        let mut last = None;
        for poll in 1.. {
            let answer = self
                .get_push_migration()
                .group_id(group_id.clone())
                .live_migration_id(live_migration_id.clone())
                .send()
                .await;
            match answer.map_err(Error::from) {
                Ok(response) => {
                    let observation = Observation {
                        job: response.into_inner(),
                        at: SystemTime::now(),
                        elapsed: started.elapsed(),
                        poll,
                    };
                    on_event(WaitEvent::Observed(&observation));
                    if let Some(outcome) = CutoverOutcome::of(&observation) {
                        return Ok(outcome(observation));
                    }
                    last = Some(observation);
                }
                Err(error) if error.is_transient() => on_event(WaitEvent::PollFailed {
                    error: &error,
                    elapsed: started.elapsed(),
                }),
                Err(error) => return Err(error),
            }
            let mut pause = jittered(options.interval, options.jitter);
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                pause = pause.min(left);
            }
            tokio::time::sleep(pause).await;
        }
        Ok(CutoverOutcome::TimedOut {
            last,
            waited: started.elapsed(),
        })
    }
}

fn jittered(interval: Duration, jitter: f64) -> Duration {
    let jitter = jitter.clamp(0.0, 1.0);
    interval.mul_f64(1.0 + jitter * (2.0 * fastrand::f64() - 1.0))
}
