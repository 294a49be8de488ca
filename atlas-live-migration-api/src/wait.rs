//! Waiting: poll a validation until it has finished, a migration job until
//! it is ready for cutover, or the whole way from ready through the cutover
//! to complete, reporting each observation as it goes. One polling loop
//! serves all three.

use std::time::{Duration, Instant, SystemTime};

use crate::Checked;
use crate::error::Error;
use crate::types::{
    GroupId, LiveImportValidation, LiveImportValidationStatus, LiveMigrationId,
    LiveMigrationResponse, LiveMigrationResponseStatus, ValidationId,
};

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

/// One poll's answer, as reported while waiting: a migration job, or (in
/// [`Client::wait_for_validation`](crate::Client::wait_for_validation)) a
/// validation job.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Observation<T = LiveMigrationResponse> {
    /// The job as Atlas reported it.
    pub job: T,
    /// When the answer arrived.
    pub at: SystemTime,
    /// Time since the wait began.
    pub elapsed: Duration,
    /// 1 for the first poll.
    pub poll: u32,
}

/// What happens while waiting: for a migration job, or (with
/// `T = LiveImportValidation`) a validation.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent<'a, T = LiveMigrationResponse> {
    /// A poll answered.
    Observed(&'a Observation<T>),
    /// A poll failed with a transient error (after the call's own retries);
    /// the wait goes on.
    PollFailed {
        /// The error.
        error: &'a Error,
        /// Time since the wait began.
        elapsed: Duration,
    },
}

/// How a wait for a migration job ended:
/// [`Client::wait_for_cutover`](crate::Client::wait_for_cutover) stops at
/// `ReadyForCutover` or an end state;
/// [`Client::cutover_when_ready`](crate::Client::cutover_when_ready) goes on
/// through the cutover to an end state, or stops at `Declined`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CutoverOutcome {
    /// `readyForCutover` is true: start the cutover (`wait_for_cutover` only).
    ReadyForCutover(Observation),
    /// The migration completed.
    Complete(Observation),
    /// The migration failed.
    Failed(Observation),
    /// The cutover timer ran out before the cutover.
    Expired(Observation),
    /// The job was ready, and the confirmation said no: nothing was sent
    /// (`cutover_when_ready` only).
    Declined(Observation),
    /// The time limit passed first.
    TimedOut {
        /// The last answer, if any poll answered.
        last: Option<Observation>,
        /// How long the wait lasted.
        waited: Duration,
        /// Whether the cutover had been started (`cutover_when_ready` only).
        cutover_started: bool,
    },
}

impl CutoverOutcome {
    /// Ready for cutover or complete.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::ReadyForCutover(_) | Self::Complete(_))
    }

    /// The outcome a job's state means, if it ends the wait: an end state,
    /// or, unless `past_ready`, readiness for the cutover.
    fn of(job: &LiveMigrationResponse, past_ready: bool) -> Option<fn(Observation) -> Self> {
        match job_status(job) {
            Some(LiveMigrationResponseStatus::Complete) => Some(Self::Complete),
            Some(LiveMigrationResponseStatus::Failed) => Some(Self::Failed),
            Some(LiveMigrationResponseStatus::Expired) => Some(Self::Expired),
            _ if !past_ready && job.ready_for_cutover == Some(true) => Some(Self::ReadyForCutover),
            _ => None,
        }
    }
}

/// How [`Client::wait_for_validation`](crate::Client::wait_for_validation) ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ValidationOutcome {
    /// `SUCCESS`: the migration can be created.
    Success(LiveImportValidation),
    /// `FAILED`; `errorMessage` says why.
    Failed(LiveImportValidation),
    /// The time limit passed first.
    TimedOut {
        /// The last answer, if any poll answered.
        last: Option<LiveImportValidation>,
        /// How long the wait lasted.
        waited: Duration,
    },
}

/// What happens during [`Client::cutover_when_ready`](crate::Client::cutover_when_ready).
#[derive(Debug)]
#[non_exhaustive]
pub enum LifecycleEvent<'a> {
    /// Waiting: a poll answered or failed, before or after the cutover.
    Waiting(WaitEvent<'a>),
    /// The job is ready for cutover; the confirmation is asked next.
    ReadyForCutover(&'a Observation),
    /// Atlas accepted the cutover (HTTP 202). It was sent once.
    CutoverStarted,
}

/// How the loop ended: a value it was waiting for, or the deadline.
enum Polled<T> {
    Ended(Observation<T>),
    TimedOut(Option<Observation<T>>),
}

/// Polls `fetch` every `options.interval` (jittered) until `ends` says a
/// value ends the wait, or `deadline` passes. Transient errors are reported
/// and polling goes on; others end the wait.
async fn poll_until<T, Fut>(
    options: &WaitOptions,
    started: Instant,
    deadline: Option<Instant>,
    mut fetch: impl FnMut() -> Fut,
    ends: impl Fn(&T) -> bool,
    mut report: impl FnMut(WaitEvent<'_, T>),
) -> Result<Polled<T>, Error>
where
    Fut: Future<Output = Result<T, Error>>,
{
    let mut last = None;
    for poll in 1.. {
        match fetch().await {
            Ok(value) => {
                let observed = Observation {
                    job: value,
                    at: SystemTime::now(),
                    elapsed: started.elapsed(),
                    poll,
                };
                report(WaitEvent::Observed(&observed));
                if ends(&observed.job) {
                    return Ok(Polled::Ended(observed));
                }
                last = Some(observed);
            }
            Err(error) if error.is_transient() => report(WaitEvent::PollFailed {
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
    Ok(Polled::TimedOut(last))
}

fn job_status(job: &LiveMigrationResponse) -> Option<&LiveMigrationResponseStatus> {
    job.status.as_ref().and_then(|status| status.known())
}

impl crate::Client {
    async fn fetch_job(
        &self,
        group_id: &GroupId,
        live_migration_id: &LiveMigrationId,
    ) -> Result<LiveMigrationResponse, Error> {
        Ok(self
            .get_push_migration()
            .group_id(group_id.clone())
            .live_migration_id(live_migration_id.clone())
            .send()
            .checked()
            .await?
            .into_inner())
    }

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
        on_event: impl FnMut(WaitEvent<'_>),
    ) -> Result<CutoverOutcome, Error> {
        let started = Instant::now();
        self.poll_job(
            group_id,
            live_migration_id,
            &options,
            started,
            false,
            on_event,
        )
        .await
    }

    /// Polls a job whose cutover was started until it is `COMPLETE` (or
    /// `FAILED`, `EXPIRED`), or `options.timeout` passes: the second half
    /// of [`cutover_when_ready`](Self::cutover_when_ready), for a cutover
    /// started earlier (by another process, or before a crash). Readiness
    /// does not end it: a job being cut over still reports it.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_live_migration_api::Client) -> Result<(), atlas_live_migration_api::Error> {
    /// use atlas_live_migration_api::types::{GroupId, LiveMigrationId};
    /// use atlas_live_migration_api::{CutoverOutcome, WaitOptions};
    /// let group_id: GroupId = "32b6e34b3d91647abb20e7b8".parse().expect("a valid ID");
    /// let job_id: LiveMigrationId = "6296fb4c7c7aa997cf94e9a8".parse().expect("a valid ID");
    /// let outcome = client
    ///     .wait_for_completion(&group_id, &job_id, WaitOptions::default(), |_| {})
    ///     .await?;
    /// assert!(matches!(outcome, CutoverOutcome::Complete(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_completion(
        &self,
        group_id: &GroupId,
        live_migration_id: &LiveMigrationId,
        options: WaitOptions,
        on_event: impl FnMut(WaitEvent<'_>),
    ) -> Result<CutoverOutcome, Error> {
        let started = Instant::now();
        self.poll_job(
            group_id,
            live_migration_id,
            &options,
            started,
            true,
            on_event,
        )
        .await
    }

    /// Polls a validation until it is `SUCCESS` or `FAILED`, or
    /// `options.timeout` passes; like [`wait_for_cutover`](Self::wait_for_cutover)
    /// otherwise.
    ///
    /// ```no_run
    /// use atlas_live_migration_api::{Client, ValidationOutcome, WaitOptions};
    ///
    /// # async fn run(client: Client) -> Result<(), atlas_live_migration_api::Error> {
    /// let outcome = client
    ///     .wait_for_validation(
    ///         &"32b6e34b3d91647abb20e7b8".parse().unwrap(),
    ///         &"507f1f77bcf86cd799439011".parse().unwrap(),
    ///         WaitOptions::default(),
    ///         |_| {},
    ///     )
    ///     .await?;
    /// if let ValidationOutcome::Failed(validation) = outcome {
    ///     eprintln!("validation failed: {:?}", validation.error_message);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_validation(
        &self,
        group_id: &GroupId,
        validation_id: &ValidationId,
        options: WaitOptions,
        on_event: impl FnMut(WaitEvent<'_, LiveImportValidation>),
    ) -> Result<ValidationOutcome, Error> {
        let started = Instant::now();
        let deadline = options.timeout.map(|limit| started + limit);
        let fetch = || async {
            Ok(self
                .get_group_live_migration_validate_status()
                .group_id(group_id.clone())
                .validation_id(validation_id.clone())
                .send()
                .checked()
                .await?
                .into_inner())
        };
        let status = |validation: &LiveImportValidation| {
            validation
                .status
                .as_ref()
                .and_then(|status| status.known())
                .copied()
        };
        let polled = poll_until(
            &options,
            started,
            deadline,
            fetch,
            |validation| validation.status.as_ref().is_some_and(|s| s.is_terminal()),
            on_event,
        )
        .await?;
        Ok(match polled {
            Polled::Ended(observed) => match status(&observed.job) {
                Some(LiveImportValidationStatus::Success) => {
                    ValidationOutcome::Success(observed.job)
                }
                _ => ValidationOutcome::Failed(observed.job),
            },
            Polled::TimedOut(last) => ValidationOutcome::TimedOut {
                last: last.map(|observed| observed.job),
                waited: started.elapsed(),
            },
        })
    }

    /// The end of a push live migration in one call: waits until the job is
    /// ready for cutover, asks `confirm`, starts the cutover (one PUT), then
    /// waits until the job is `COMPLETE` (or `FAILED`). A job that completes,
    /// fails or expires before it is ready ends the wait without a cutover.
    /// `options.timeout` bounds the whole of it.
    ///
    /// ```no_run
    /// use atlas_live_migration_api::{Client, CutoverOutcome, LifecycleEvent, WaitOptions};
    ///
    /// # async fn run(client: Client) -> Result<(), atlas_live_migration_api::Error> {
    /// let outcome = client
    ///     .cutover_when_ready(
    ///         &"32b6e34b3d91647abb20e7b8".parse().unwrap(),
    ///         &"6296fb4c7c7aa997cf94e9a8".parse().unwrap(),
    ///         WaitOptions::default(),
    ///         async |_ready| true, // cut over as soon as it is ready
    ///         |event| {
    ///             if let LifecycleEvent::CutoverStarted = event {
    ///                 println!("cutover started");
    ///             }
    ///         },
    ///     )
    ///     .await?;
    /// assert!(matches!(outcome, CutoverOutcome::Complete(_)), "{outcome:?}");
    /// # Ok(()) }
    /// ```
    pub async fn cutover_when_ready(
        &self,
        group_id: &GroupId,
        live_migration_id: &LiveMigrationId,
        options: WaitOptions,
        confirm: impl AsyncFnOnce(&Observation) -> bool,
        mut on_event: impl FnMut(LifecycleEvent<'_>),
    ) -> Result<CutoverOutcome, Error> {
        let started = Instant::now();
        let waiting = |event: WaitEvent<'_>| on_event(LifecycleEvent::Waiting(event));
        let ready = self
            .poll_job(
                group_id,
                live_migration_id,
                &options,
                started,
                false,
                waiting,
            )
            .await?;
        let ready = match ready {
            CutoverOutcome::ReadyForCutover(ready) => ready,
            ended => return Ok(ended),
        };
        on_event(LifecycleEvent::ReadyForCutover(&ready));
        if !confirm(&ready).await {
            return Ok(CutoverOutcome::Declined(ready));
        }
        self.cutover_group_live_migration()
            .group_id(group_id.clone())
            .live_migration_id(live_migration_id.clone())
            .send()
            .checked()
            .await?;
        on_event(LifecycleEvent::CutoverStarted);
        let waiting = |event: WaitEvent<'_>| on_event(LifecycleEvent::Waiting(event));
        Ok(
            match self
                .poll_job(
                    group_id,
                    live_migration_id,
                    &options,
                    started,
                    true,
                    waiting,
                )
                .await?
            {
                CutoverOutcome::TimedOut {
                    last,
                    waited,
                    cutover_started,
                } => CutoverOutcome::TimedOut {
                    last: Some(last.unwrap_or(ready)),
                    waited,
                    cutover_started,
                },
                done => done,
            },
        )
    }

    /// Polls the job until it ends the wait (an end state, or unless
    /// `past_ready` readiness for the cutover) or the time limit counted
    /// from `started` passes: the one loop of the three job waits.
    async fn poll_job(
        &self,
        group_id: &GroupId,
        live_migration_id: &LiveMigrationId,
        options: &WaitOptions,
        started: Instant,
        past_ready: bool,
        on_event: impl FnMut(WaitEvent<'_>),
    ) -> Result<CutoverOutcome, Error> {
        let deadline = options.timeout.map(|limit| started + limit);
        let polled = poll_until(
            options,
            started,
            deadline,
            || self.fetch_job(group_id, live_migration_id),
            |job| CutoverOutcome::of(job, past_ready).is_some(),
            on_event,
        )
        .await?;
        Ok(match polled {
            Polled::Ended(observed) => {
                let outcome =
                    CutoverOutcome::of(&observed.job, past_ready).expect("ended on an outcome");
                outcome(observed)
            }
            Polled::TimedOut(last) => CutoverOutcome::TimedOut {
                last,
                waited: started.elapsed(),
                cutover_started: past_ready,
            },
        })
    }
}

fn jittered(interval: Duration, jitter: f64) -> Duration {
    let jitter = jitter.clamp(0.0, 1.0);
    interval.mul_f64(1.0 + jitter * (2.0 * fastrand::f64() - 1.0))
}
