//! One migration of `fleet apply`, from where its state says it stopped to
//! its target: validated, created once, ready for cutover, and with
//! `--cutover` cut over once and `COMPLETE`. Each step is recorded in the
//! state as it happens; a create is recorded before it is sent.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use atlas_live_migration_api::types::{LiveMigrationId, LiveMigrationResponse};
use atlas_live_migration_api::{Client, CutoverOutcome, Error, WaitEvent, WaitOptions};

use super::hosts::{Hosts, NoHost, describe_holders, held_host, needs_host};
pub use super::outcome::{End, Outcome};
use super::plan::Migration;
use super::report::Report;
use super::state::{self, Entry, Store};
use super::step::{self, Step};

mod create;
mod cutover;
mod notices;

/// What `apply` does for every migration.
pub struct Run {
    pub client: Client,
    pub store: Store,
    pub options: WaitOptions,
    pub cutover: bool,
    pub report: Report,
    /// The migration hosts, each held by one unfinished migration.
    pub hosts: Hosts,
    /// `--concurrency`: how many migrations are driven at once. A
    /// migration takes its host first, then a slot: one that holds a slot
    /// never waits for a host.
    pub slots: Arc<tokio::sync::Semaphore>,
    /// When this apply began: `--timeout` counts from it.
    pub started: std::time::Instant,
    /// The plan's password variables, kept out of hooks.
    pub password_variables: Vec<String>,
    /// Which migrations of each wave are not `COMPLETE`.
    pub waves: super::gates::Waves,
    /// `maxConcurrentCutovers`: a permit from the start of `beforeCutover`
    /// to the end of `afterCutover`.
    pub cutover_slots: Option<Arc<tokio::sync::Semaphore>>,
}

/// Why a migration stopped before its target.
struct Stop(End, String);

impl Stop {
    /// A wait that ran into `--timeout`, said as `why` says it; any other
    /// stop as it is.
    fn timed_out_as(self, why: impl FnOnce() -> String) -> Stop {
        match self {
            Stop(End::TimedOut, _) => Stop(End::TimedOut, why()),
            other => other,
        }
    }
}

impl From<String> for Stop {
    /// The state could not be written: nothing more may be sent.
    fn from(problem: String) -> Self {
        Stop(End::NeedsPerson, problem)
    }
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// What a person is told about a create whose answer never came.
pub fn lost_create(sent_at: &str, cause: &str, name: &str, cluster: &str, state: &Path) -> String {
    let state = state.display();
    format!(
        "the create was sent at {sent_at} and its answer never came ({cause}); Atlas may have \
         created the migration, so it is not sent again. Look in the Atlas UI (the project's \
         Migration page) for a migration to cluster {cluster}; then run `atlas-live-migration \
         fleet record --state {state} --name {name} --liveMigrationId ID` with its ID, or, if \
         there is none, `atlas-live-migration fleet forget --state {state} --name {name}`"
    )
}

impl Run {
    /// Drives `migration` (the plan's `index`th) to its target; never
    /// fails, the outcome says how it ended.
    pub async fn migration(self: Arc<Self>, index: usize, migration: Migration) -> Outcome {
        let stopped = match self.host(index, &migration).await {
            Ok(body) => {
                let mut slot = Slot {
                    slots: self.slots.clone(),
                    permit: None,
                };
                slot.take().await;
                self.drive(&migration, body, &mut slot).await
            }
            Err(stop) => Err(stop),
        };
        self.give_back_host(&migration.name);
        self.hosts.done_with(&migration.name);
        // Later waves go on only once its application is switched too.
        let finished = finished(&self.store.get(&migration.name), &migration);
        self.waves.done_with(&migration.name, finished);
        let event = match &stopped {
            Ok(End::Complete) => Some("complete"),
            Err(Stop(End::Failed, _))
                if self.store.get(&migration.name).status.as_deref() == Some("EXPIRED") =>
            {
                Some("expired")
            }
            Err(Stop(End::Failed | End::ValidationFailed, _)) => Some("failed"),
            Err(Stop(End::NeedsPerson, _)) => Some("needsPerson"),
            _ => None,
        };
        if let Some(event) = event {
            let detail = stopped.as_ref().err().map(|Stop(_, why)| why.as_str());
            self.notice(&migration, event, detail).await;
        }
        let entry = self.store.get(&migration.name);
        let (result, detail) = match stopped {
            Ok(result) => (result, None),
            Err(Stop(result, detail)) => (result, Some(detail)),
        };
        self.report.done(&migration.name, result, detail.as_deref());
        Outcome {
            name: migration.name,
            result,
            live_migration_id: entry.live_migration_id,
            status: entry.status,
            detail,
        }
    }

    /// The body to send, from the host the migration holds or takes (it
    /// waits for one that no unfinished migration holds), recorded in the
    /// state before anything names it. A migration that needs no new
    /// request (it has a job, or a create whose answer was lost, or has
    /// ended) takes none.
    async fn host(
        &self,
        index: usize,
        migration: &Migration,
    ) -> Result<atlas_live_migration_api::types::LiveMigrationRequest20240530, Stop> {
        let name = &migration.name;
        let entry = self.store.get(name);
        if let Some(host) = held_host(&entry) {
            return migration
                .body_on(host)
                .map_err(|e| Stop(End::NeedsPerson, e));
        }
        if !needs_host(&entry) {
            return Ok(migration.body.clone());
        }
        let deadline = self.deadline();
        let host = self
            .hosts
            .take(index, name, &migration.hosts, deadline, |holders| {
                let line = match holders {
                    // Every host is free, and goes to those ahead in line.
                    [] => "waits in line for a migration host: earlier waves, then the plan's \
                           order, take the free ones first"
                        .to_owned(),
                    _ => format!("waits for a migration host: {}", describe_holders(holders)),
                };
                self.report.line(name, &line);
            })
            .await
            .map_err(|no_host| match no_host {
                NoHost::TimedOut => Stop(
                    End::TimedOut,
                    "waited for a migration host until --timeout; apply again to go on".into(),
                ),
                NoHost::HeldOn(holders) => Stop(
                    End::WaitingForHost,
                    format!(
                        "every migration host it may take is held by a migration whose job goes \
                         on after this apply ({}): cut those over (--cutover) or forget them, \
                         then apply again",
                        describe_holders(&holders)
                    ),
                ),
            })?;
        self.store
            .update(name, |e| {
                e.migration_host = Some(host.clone());
                if e.waiting_for.as_deref() == Some("host") {
                    e.waiting_for = None;
                }
            })
            .await?;
        self.report
            .line(name, &format!("takes migration host {host}"));
        migration
            .body_on(&host)
            .map_err(|e| Stop(End::NeedsPerson, e))
    }

    /// After this apply's work on `name`: a migration that ended, or that
    /// has no job on its host (its validation failed, Atlas refused its
    /// create), gives its host back; one whose job goes on keeps it.
    fn give_back_host(&self, name: &str) {
        let entry = self.store.get(name);
        let job_may_run = entry.live_migration_id.is_some() || entry.create_sent_at.is_some();
        if held_host(&entry).is_some() && job_may_run {
            return;
        }
        if entry.migration_host.is_some() && !job_may_run {
            // A state that cannot be written keeps the host recorded; the
            // next apply gives it back then.
            let _ = self
                .store
                .update_blocking(name, |e| e.migration_host = None);
        }
        self.hosts.release(name);
    }

    /// Drives the migration from the step its entry gives
    /// ([`step::next`], which the views describe)
    /// to its target.
    async fn drive(
        &self,
        migration: &Migration,
        body: atlas_live_migration_api::types::LiveMigrationRequest20240530,
        slot: &mut Slot,
    ) -> Result<End, Stop> {
        let name = &migration.name;
        let entry = self.store.get(name);
        let job_id = match step::next(&entry) {
            Step::Person(why) => return Err(Stop(End::NeedsPerson, why.to_owned())),
            // COMPLETE with an afterCutover not known to be done: it runs.
            Step::Complete { .. } => return self.after_cutover(migration).await,
            Step::Ended {
                status,
                writes_stopped,
            } => {
                let why = format!("the job is {status}; fleet forget starts it anew");
                return Err(if writes_stopped {
                    self.abort(migration, cutover::Abort::JobEnded, why).await
                } else {
                    Stop(End::Failed, why)
                });
            }
            Step::LostCreate { sent_at } => {
                return Err(self.lost(migration, sent_at, "an earlier apply stopped before it"));
            }
            Step::Validate { .. } | Step::Create => {
                self.validate(migration, &entry, &body).await?;
                self.create(migration, body).await?
            }
            Step::ResumeCutover { id, .. } => {
                let job_id = self.job_id(id)?;
                // A cutover sent by an earlier apply goes through no gate:
                // it takes a `maxConcurrentCutovers` slot only if one is
                // free.
                let _cutover_slot = self
                    .cutover_slots
                    .as_ref()
                    .and_then(|slots| slots.clone().try_acquire_owned().ok());
                self.resume_cutover(migration, &job_id).await?;
                return self.follow_cutover(migration, &job_id).await;
            }
            Step::Drive { id, .. } => self.job_id(id)?,
        };
        self.waiting(name, Some("ready"))?;
        let outcome = self
            .client
            .wait_for_cutover(&migration.group_id, &job_id, self.options, |event| {
                self.observed(migration, event);
            })
            .await
            .map_err(|e| self.error(name, &e))?;
        match outcome {
            CutoverOutcome::ReadyForCutover(_) => {
                self.notice(migration, "ready", None).await;
                self.deadline_near(migration).await;
            }
            CutoverOutcome::TimedOut { .. } => {
                return Err(Stop(End::TimedOut, "not ready before --timeout".into()));
            }
            other => {
                return match ended_job(&other) {
                    // Cut over by someone else (the Atlas UI): the
                    // application is pointed at Atlas all the same.
                    Ok(End::Complete) => self.after_cutover(migration).await,
                    Err(Stop(End::Failed, why)) if self.store.get(name).writes_stopped() => {
                        Err(self.abort(migration, cutover::Abort::JobEnded, why).await)
                    }
                    other => other,
                };
            }
        }
        if !self.cutover {
            self.waiting(name, None)?;
            return Ok(End::Ready);
        }
        // `maxConcurrentCutovers`: held from the start of beforeCutover to
        // the end of afterCutover.
        let through = async {
            let permit = self.gates(migration, &job_id, slot).await?;
            self.before_cutover(migration, &job_id).await?;
            self.send_cutover(migration, &job_id).await?;
            Ok(permit)
        };
        let _cutover_slot = match through.await {
            Ok(permit) => permit,
            // COMPLETE while it waited (cut over outside this apply): the
            // application is pointed at Atlas.
            Err(Stop(End::Complete, _)) => return self.after_cutover(migration).await,
            Err(stop) => return Err(stop),
        };
        self.follow_cutover(migration, &job_id).await
    }

    /// A cutover Atlas accepted, followed to `COMPLETE`, then
    /// `afterCutover`.
    async fn follow_cutover(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<End, Stop> {
        let name = &migration.name;
        self.waiting(name, None)?;
        let outcome = self
            .client
            .wait_for_completion(&migration.group_id, job_id, self.options, |event| {
                self.observed(migration, event);
            })
            .await
            .map_err(|e| self.error(name, &e))?;
        match outcome {
            CutoverOutcome::TimedOut { .. } => Err(Stop(
                End::TimedOut,
                "the cutover goes on in Atlas; not COMPLETE before --timeout".into(),
            )),
            CutoverOutcome::Complete(_) => self.after_cutover(migration).await,
            other => ended_job(&other).map_err(|Stop(end, why)| {
                Stop(
                    end,
                    format!(
                        "{why} after its cutover was sent{}",
                        cutover::writes_note(&self.store.get(name))
                    ),
                )
            }),
        }
    }

    /// The state's job ID, checked.
    fn job_id(&self, id: &str) -> Result<LiveMigrationId, Stop> {
        id.parse::<LiveMigrationId>().map_err(|_| {
            Stop(
                End::NeedsPerson,
                format!("the state's liveMigrationId {id:?} is not an ID; fix or forget it"),
            )
        })
    }

    fn observed(&self, migration: &Migration, event: WaitEvent<'_>) {
        let name = &migration.name;
        match event {
            WaitEvent::Observed(seen) => {
                let before = self.store.get(name);
                // A state that cannot be written shows on the next step.
                if let Ok(after) = self.record(migration, &seen.job)
                    && (after.status != before.status
                        || after.ready_for_cutover != before.ready_for_cutover)
                {
                    self.report.line(name, &crate::output::state(&seen.job));
                }
            }
            WaitEvent::PollFailed { error, .. } => {
                self.report
                    .line(name, &format!("poll failed, still waiting: {error}"));
            }
            _ => {}
        }
    }

    /// An error that stopped the migration: recorded, and a person's.
    fn error(&self, name: &str, error: &Error) -> Stop {
        let why = error.to_string();
        let _ = self
            .store
            .update_blocking(name, |e| e.error = Some(why.clone()));
        Stop(End::NeedsPerson, why)
    }
}

impl Run {
    /// What a read of the job said, as the state keeps it. The first read
    /// that says ready puts `readySince` at the read before it, which said
    /// not ready (else at the create): no later than Atlas's moment, so the
    /// deadline is never late. It is a reading (`Store::record_read`):
    /// on disk before anything is done on it, with its lag kept for the
    /// charts.
    fn record(&self, migration: &Migration, job: &LiveMigrationResponse) -> Result<Entry, Stop> {
        let timer = migration.cutover.timer;
        let now = SystemTime::now();
        let read = |e: &mut Entry| record(e, job, timer, now);
        let mut after = self.store.get(&migration.name);
        read(&mut after);
        let reading = after
            .lag_seconds
            .zip(after.read_at.as_deref().and_then(state::unix_seconds))
            .map(|(lag, at)| (at, lag));
        Ok(self.store.record_read(&migration.name, read, reading)?)
    }
}

/// A read of `job` at `now`, recorded in `entry`.
fn record(entry: &mut Entry, job: &LiveMigrationResponse, timer: Duration, now: SystemTime) {
    if job.ready_for_cutover == Some(true) && entry.ready_since.is_none() {
        let since = entry
            .read_at
            .as_deref()
            .or(entry.create_sent_at.as_deref())
            .and_then(|at| humantime::parse_rfc3339(at).ok())
            .unwrap_or(now);
        entry.ready_since = Some(rfc3339(since));
        entry.cutover_deadline = Some(rfc3339(since + timer));
    }
    entry.read_at = Some(rfc3339(now));
    entry.status = job.status.as_ref().map(ToString::to_string);
    entry.ready_for_cutover = job.ready_for_cutover;
    entry.lag_seconds = job.lag_time_seconds.and_then(|lag| u64::try_from(lag).ok());
}

/// Done with, for the waves: `COMPLETE`, and its `afterCutover`, if the
/// plan has one, succeeded.
pub fn finished(entry: &Entry, migration: &Migration) -> bool {
    entry.status.as_deref() == Some("COMPLETE")
        && (migration.cutover.after.is_none() || entry.after_cutover.as_deref() == Some("done"))
}

/// A `--concurrency` slot: held while the migration works, given back
/// while it waits at a gate.
pub struct Slot {
    slots: Arc<tokio::sync::Semaphore>,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Slot {
    pub(super) async fn take(&mut self) {
        if self.permit.is_none() {
            self.permit = Some(
                self.slots
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore stays open"),
            );
        }
    }

    pub(super) fn give_back(&mut self) {
        self.permit = None;
    }
}

/// How a hook ended, as the state keeps it: `done`, or `failed: ` and the
/// first line of why.
fn hook_state(ran: &Result<(), String>) -> String {
    match ran {
        Ok(()) => "done".into(),
        Err(why) => format!("failed: {}", why.lines().next().unwrap_or_default()),
    }
}

fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

fn ended_job(outcome: &CutoverOutcome) -> Result<End, Stop> {
    match outcome {
        CutoverOutcome::Complete(_) => Ok(End::Complete),
        CutoverOutcome::Expired(_) => Err(Stop(
            End::Failed,
            "EXPIRED: the cutover timer ran out".into(),
        )),
        _ => Err(Stop(End::Failed, "the job FAILED".into())),
    }
}
