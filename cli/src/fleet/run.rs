//! One migration of `fleet apply`, from where its state says it stopped to
//! its target: validated, created once, ready for cutover, and with
//! `--cutover` cut over once and `COMPLETE`. Each step is recorded in the
//! state as it happens; a create is recorded before it is sent.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use atlas_live_migration_api::types::{LiveMigrationId, LiveMigrationResponse, ValidationId};
use atlas_live_migration_api::{
    Checked, Client, CutoverOutcome, Error, ValidationOutcome, WaitEvent, WaitOptions,
};
use serde::Serialize;

use super::hosts::{Hosts, NoHost, describe_holders, held_host, needs_host};
use super::plan::Migration;
use super::report::Report;
use super::state::{Entry, Store};
use crate::commands::refused_before_acting;

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

/// How one migration ended this apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum End {
    /// Ready for cutover (the target without `--cutover`).
    Ready,
    Complete,
    /// The job `FAILED` or `EXPIRED`.
    Failed,
    ValidationFailed,
    /// A person must look (a create whose answer never came, an error).
    NeedsPerson,
    TimedOut,
    /// No migration host came free for it in this apply.
    WaitingForHost,
    /// A migration of an earlier wave did not reach `COMPLETE` in this
    /// apply: its wave may not cut over.
    HeldByWave,
}

/// One migration's outcome, as `-o json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub name: String,
    pub result: End,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_migration_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Why a migration stopped before its target.
struct Stop(End, String);

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
                let _slot = self
                    .slots
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore stays open");
                self.drive(&migration, body).await
            }
            Err(stop) => Err(stop),
        };
        self.give_back_host(&migration.name);
        self.hosts.done_with(&migration.name);
        let complete = self.store.get(&migration.name).status.as_deref() == Some("COMPLETE");
        self.waves.done_with(&migration.name, complete);
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
                self.report.line(
                    name,
                    &format!("waits for a migration host: {}", describe_holders(holders)),
                );
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
            .update(name, |e| e.migration_host = Some(host.clone()))?;
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
            let _ = self.store.update(name, |e| e.migration_host = None);
        }
        self.hosts.release(name);
    }

    async fn drive(
        &self,
        migration: &Migration,
        body: atlas_live_migration_api::types::LiveMigrationRequest20240530,
    ) -> Result<End, Stop> {
        let name = &migration.name;
        let entry = self.store.get(name);
        if let Some(why) = entry.needs_person {
            return Err(Stop(End::NeedsPerson, why));
        }
        if let Some(ended) = ended(&entry) {
            // COMPLETE with an afterCutover not known to be done: it runs.
            if matches!(ended, Ok(End::Complete)) {
                return self.after_cutover(migration).await;
            }
            return ended;
        }
        let job_id = match entry.live_migration_id.as_deref() {
            Some(id) => id.parse::<LiveMigrationId>().map_err(|_| {
                Stop(
                    End::NeedsPerson,
                    format!("the state's liveMigrationId {id:?} is not an ID; fix or forget it"),
                )
            })?,
            None => {
                if let Some(sent_at) = &entry.create_sent_at {
                    return Err(self.lost(
                        migration,
                        sent_at,
                        "an earlier apply stopped before it",
                    ));
                }
                self.validate(migration, &entry, &body).await?;
                self.create(migration, body).await?
            }
        };
        // `maxConcurrentCutovers`: held from the start of beforeCutover to
        // the end of afterCutover, a resumed cutover included.
        let mut _cutover_slot = None;
        if self.store.get(name).cutover_started {
            _cutover_slot = self.cutover_slot(name).await?;
        } else {
            let group = &migration.group_id;
            self.waiting(name, Some("ready"))?;
            let outcome = self
                .client
                .wait_for_cutover(group, &job_id, self.options, |event| {
                    self.observed(name, event);
                })
                .await
                .map_err(|e| self.error(name, &e))?;
            match outcome {
                CutoverOutcome::ReadyForCutover(_) => {
                    self.ready(migration)?;
                    self.notice(migration, "ready", None).await;
                    self.deadline_near(migration).await;
                }
                CutoverOutcome::TimedOut { .. } => {
                    return Err(Stop(End::TimedOut, "not ready before --timeout".into()));
                }
                other => return ended_job(&other),
            }
            if !self.cutover {
                self.waiting(name, None)?;
                return Ok(End::Ready);
            }
            _cutover_slot = self.gates(migration, &job_id).await?;
            self.before_cutover(migration, &job_id).await?;
            // Recorded before it is sent. A cutover is a PUT: should its
            // answer be lost, sending it again asks Atlas for the same.
            self.store.update(name, |e| {
                e.cutover_sent_at.get_or_insert_with(now);
                e.waiting_for = None;
            })?;
            self.client
                .cutover_group_live_migration()
                .group_id(group.clone())
                .live_migration_id(job_id.clone())
                .send()
                .checked()
                .await
                .map_err(|e| self.error(name, &e))?;
            self.store.update(name, |e| e.cutover_started = true)?;
            self.report.line(name, "cutover started");
            self.notice(migration, "cutoverStarted", None).await;
        }
        let outcome = self
            .client
            .wait_for_completion(&migration.group_id, &job_id, self.options, |event| {
                self.observed(name, event);
            })
            .await
            .map_err(|e| self.error(name, &e))?;
        match outcome {
            CutoverOutcome::TimedOut { .. } => Err(Stop(
                End::TimedOut,
                "the cutover goes on in Atlas; not COMPLETE before --timeout".into(),
            )),
            CutoverOutcome::Complete(_) => self.after_cutover(migration).await,
            other => ended_job(&other),
        }
    }

    /// Tells the plan's `notify` program of `event`, once per migration
    /// (`needsPerson` each time it comes): one JSON object on its standard
    /// input. A notify that fails is reported and never stops the fleet.
    async fn notice(&self, migration: &Migration, event: &str, detail: Option<&str>) {
        let name = &migration.name;
        let entry = self.store.get(name);
        if event != "needsPerson" && entry.notified.iter().any(|e| e == event) {
            return;
        }
        let seen = |e: &mut Entry| {
            if !e.notified.iter().any(|n| n == event) {
                e.notified.push(event.to_owned());
            }
        };
        let Some(program) = &migration.cutover.notify else {
            // Seen all the same: said once on the status lines.
            let _ = self.store.update(name, seen);
            return;
        };
        let notice = serde_json::json!({
            "event": event,
            "name": name,
            "liveMigrationId": entry.live_migration_id,
            "at": now(),
            "cutoverDeadline": entry.cutover_deadline,
            "detail": detail,
        });
        let hidden = super::hooks::hidden(&self.password_variables);
        let log = super::hooks::notify_log(self.store.path());
        let sent = super::hooks::run(
            "notify",
            program,
            &[],
            &hidden,
            std::time::Duration::from_secs(60),
            &log,
            Some(format!("{notice}\n").into_bytes()),
        )
        .await;
        // Seen either way: a notify that failed is said once, not retried
        // on every poll.
        let _ = self.store.update(name, seen);
        match sent {
            Ok(()) => {}
            Err(why) => self.report.line(
                name,
                &format!(
                    "notify of {event} failed (the fleet goes on): {}",
                    why.lines().next().unwrap_or_default()
                ),
            ),
        }
    }

    /// A `deadline` notice once the cutover deadline is nearer than the
    /// plan's `deadlineWarning` and the cutover has not started.
    async fn deadline_near(&self, migration: &Migration) {
        let entry = self.store.get(&migration.name);
        let Some(deadline) = entry
            .cutover_deadline
            .as_deref()
            .and_then(|d| humantime::parse_rfc3339(d).ok())
        else {
            return;
        };
        if entry.cutover_started
            || entry.cutover_sent_at.is_some()
            || entry.notified.iter().any(|n| n == "deadline")
        {
            return;
        }
        if SystemTime::now() + migration.cutover.deadline_warning >= deadline {
            let left = deadline
                .duration_since(SystemTime::now())
                .map(|d| {
                    humantime::format_duration(std::time::Duration::from_secs(d.as_secs()))
                        .to_string()
                })
                .unwrap_or_else(|_| "no time".to_owned());
            let detail = format!(
                "the cutover timer ends at {} ({left} left): cut over before, or Atlas makes the job EXPIRED",
                rfc3339(deadline)
            );
            self.report.line(&migration.name, &detail);
            self.notice(migration, "deadline", Some(&detail)).await;
        }
    }

    /// `--timeout` covers the whole way to the target, gates included: it
    /// counts from the start of this apply.
    fn deadline(&self) -> Option<tokio::time::Instant> {
        self.options
            .timeout
            .map(|timeout| tokio::time::Instant::from_std(self.started) + timeout)
    }

    /// Records what the migration waits for now, for `fleet status`.
    fn waiting(&self, name: &str, what: Option<&str>) -> Result<(), Stop> {
        if self.store.get(name).waiting_for.as_deref() != what {
            self.store
                .update(name, |e| e.waiting_for = what.map(str::to_owned))?;
        }
        Ok(())
    }

    /// Atlas said ready: its cutover timer runs from the first time.
    fn ready(&self, migration: &Migration) -> Result<(), Stop> {
        let timer = migration.cutover.timer;
        self.store.update(&migration.name, |e| {
            if e.ready_since.is_none() {
                let since = SystemTime::now();
                e.ready_since = Some(rfc3339(since));
                e.cutover_deadline = Some(rfc3339(since + timer));
            }
        })?;
        Ok(())
    }

    /// The gates before a cutover, in order: every migration of the
    /// earlier waves `COMPLETE`, the approval the plan asks for, a cutover
    /// window open, a `maxConcurrentCutovers` slot (given back when the
    /// migration's work in this apply ends).
    async fn gates(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Stop> {
        let name = &migration.name;
        let plan = &migration.cutover;
        let ahead = self.waves.ahead(plan.wave);
        if !ahead.is_empty() {
            self.waiting(name, Some("wave"))?;
            self.report.line(
                name,
                &format!(
                    "wave {} waits for {} to be COMPLETE",
                    plan.wave,
                    ahead.join(", ")
                ),
            );
            self.waves.turn(plan.wave).await.map_err(|held| {
                Stop(
                    End::HeldByWave,
                    format!(
                        "wave {} waits for the earlier waves: {} did not reach COMPLETE in this \
                         apply",
                        plan.wave,
                        held.0.join(", ")
                    ),
                )
            })?;
        }
        if plan.approval && self.store.get(name).approved_at.is_none() {
            self.report.line(name, "waits for `fleet approve`");
            let deadline = self.deadline();
            self.watch(migration, job_id, "approval", deadline, |_| {
                super::state::approvals(self.store.path())
                    .get(name)
                    .cloned()
            })
            .await
            .and_then(|at| {
                self.store.update(name, |e| e.approved_at = Some(at))?;
                Ok(())
            })
            .map_err(|stop| match stop {
                Stop(End::TimedOut, _) => Stop(
                    End::TimedOut,
                    "no `fleet approve` before --timeout; the next apply takes it".into(),
                ),
                other => other,
            })?;
            self.report.line(name, "approved");
        }
        if let Some(windows) = &plan.windows
            && !windows.open_at(jiff::Timestamp::now())
        {
            let opens = windows
                .next_open(jiff::Timestamp::now())
                .map_or("no window opens within 8 days".to_owned(), |at| {
                    format!("the next opens {at}")
                });
            self.report.line(
                name,
                &format!(
                    "waits for a cutover window: {}; {opens}",
                    windows.describe()
                ),
            );
            let deadline = self.deadline();
            self.watch(migration, job_id, "window", deadline, |_| {
                windows.open_at(jiff::Timestamp::now()).then_some(())
            })
            .await
            .map_err(|stop| match stop {
                Stop(End::TimedOut, _) => Stop(
                    End::TimedOut,
                    format!("no cutover window opened before --timeout ({opens})"),
                ),
                other => other,
            })?;
        }
        self.cutover_slot(name).await
    }

    /// A `maxConcurrentCutovers` slot, if the plan limits them.
    async fn cutover_slot(
        &self,
        name: &str,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Stop> {
        let Some(slots) = &self.cutover_slots else {
            return Ok(None);
        };
        if slots.available_permits() == 0 {
            self.waiting(name, Some("cutoverSlot"))?;
        }
        let permit = slots
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore stays open");
        Ok(Some(permit))
    }

    /// What comes before the cutover, in the order of MongoDB's procedure,
    /// once the gates are open: `beforeCutover` (stop the application's
    /// writes), then a lag at most `cutoverMaxLagSeconds`. `Ok` only when
    /// both are through.
    async fn before_cutover(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<(), Stop> {
        let name = &migration.name;
        let plan = &migration.cutover;
        if let Some(program) = &plan.before
            && self.store.get(name).before_cutover.as_deref() != Some("done")
        {
            self.waiting(name, Some("hook"))?;
            // Recorded before it runs: a crash during it runs it again.
            self.store
                .update(name, |e| e.before_cutover = Some("running".into()))?;
            self.report.line(name, "beforeCutover runs");
            let ran = self
                .hook("beforeCutover", program, migration, Some(job_id))
                .await;
            self.store.update(name, |e| {
                e.before_cutover = Some(hook_state(&ran));
            })?;
            if let Err(why) = ran {
                self.waiting(name, Some("person"))?;
                return Err(Stop(
                    End::NeedsPerson,
                    format!("no cutover: {why}\n(the next apply runs beforeCutover again)"),
                ));
            }
            self.report.line(name, "beforeCutover done");
        }
        if let Some(max) = plan.max_lag {
            let deadline = tokio::time::Instant::now() + plan.hook_timeout;
            self.watch(migration, job_id, "lag", Some(deadline), |entry| {
                entry.lag_seconds.filter(|lag| *lag <= max).map(drop)
            })
            .await
            .map_err(|stop| match stop {
                Stop(End::TimedOut, _) => Stop(
                    End::NeedsPerson,
                    format!(
                        "no cutover: the lag did not fall to {max} s within hookTimeout ({}); \
                         Atlas last reported {} s",
                        humantime::format_duration(plan.hook_timeout),
                        self.store
                            .get(name)
                            .lag_seconds
                            .map_or("no lag".to_owned(), |l| l.to_string())
                    ),
                ),
                other => other,
            })?;
        }
        Ok(())
    }

    /// Polls the job every interval, recording what it reports, until
    /// `done` gives a value (asked before each poll) or `deadline` passes
    /// (`TimedOut`); a job that ends meanwhile ends the wait.
    async fn watch<T>(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
        what: &str,
        deadline: Option<tokio::time::Instant>,
        mut done: impl FnMut(&Entry) -> Option<T>,
    ) -> Result<T, Stop> {
        let name = &migration.name;
        self.waiting(name, Some(what))?;
        loop {
            if let Some(value) = done(&self.store.get(name)) {
                return Ok(value);
            }
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Err(Stop(End::TimedOut, format!("waited for {what}")));
            }
            tokio::time::sleep(self.options.interval).await;
            let job = self
                .client
                .get_push_migration()
                .group_id(migration.group_id.clone())
                .live_migration_id(job_id.clone())
                .send()
                .checked()
                .await;
            match job {
                Ok(job) => {
                    let job = job.into_inner();
                    let entry = self.store.update(name, |e| record(e, &job))?;
                    self.deadline_near(migration).await;
                    if let Some(ended) = ended(&entry) {
                        return ended.and_then(|_| {
                            Err(Stop(End::Failed, "the job ended before its cutover".into()))
                        });
                    }
                }
                Err(error) => self
                    .report
                    .line(name, &format!("poll failed, still waiting: {error}")),
            }
        }
    }

    /// `COMPLETE`: `afterCutover` (point the application at Atlas), once.
    async fn after_cutover(&self, migration: &Migration) -> Result<End, Stop> {
        let name = &migration.name;
        let Some(program) = &migration.cutover.after else {
            return Ok(End::Complete);
        };
        if self.store.get(name).after_cutover.as_deref() == Some("done") {
            return Ok(End::Complete);
        }
        self.store
            .update(name, |e| e.after_cutover = Some("running".into()))?;
        self.report.line(name, "afterCutover runs");
        let ran = self.hook("afterCutover", program, migration, None).await;
        self.store.update(name, |e| {
            e.after_cutover = Some(hook_state(&ran));
        })?;
        match ran {
            Ok(()) => {
                self.report.line(name, "afterCutover done");
                Ok(End::Complete)
            }
            Err(why) => Err(Stop(
                End::NeedsPerson,
                format!(
                    "COMPLETE, but the application was not switched: {why}\n(the next apply \
                     runs afterCutover again)"
                ),
            )),
        }
    }

    /// Runs a hook of `migration` with its names in the environment.
    async fn hook(
        &self,
        hook: &str,
        program: &[String],
        migration: &Migration,
        job_id: Option<&LiveMigrationId>,
    ) -> Result<(), String> {
        let entry = self.store.get(&migration.name);
        let env = [
            ("FLEET_NAME", migration.name.clone()),
            (
                "FLEET_LIVE_MIGRATION_ID",
                job_id
                    .map(|id| id.as_str().to_owned())
                    .or(entry.live_migration_id.clone())
                    .unwrap_or_default(),
            ),
            ("FLEET_PROJECT_ID", migration.group_id.as_str().to_owned()),
            ("FLEET_CLUSTER_NAME", migration.cluster_name.clone()),
            (
                "FLEET_SOURCE_CLUSTER_NAME",
                migration.source_cluster_name.clone(),
            ),
            (
                "FLEET_MIGRATION_HOST",
                entry.migration_host.clone().unwrap_or_default(),
            ),
            (
                "FLEET_LAG_SECONDS",
                entry.lag_seconds.map(|l| l.to_string()).unwrap_or_default(),
            ),
        ];
        let hidden = super::hooks::hidden(&self.password_variables);
        let log = super::hooks::log_path(self.store.path(), &migration.name);
        super::hooks::run(
            hook,
            program,
            &env,
            &hidden,
            migration.cutover.hook_timeout,
            &log,
            None,
        )
        .await
    }

    /// A validation that has `SUCCESS`, started (or picked up) and waited for.
    async fn validate(
        &self,
        migration: &Migration,
        entry: &Entry,
        body: &atlas_live_migration_api::types::LiveMigrationRequest20240530,
    ) -> Result<(), Stop> {
        let name = &migration.name;
        if entry.validation_status.as_deref() == Some("SUCCESS") {
            return Ok(());
        }
        // A validation that failed is run again: the plan or the source may
        // have been fixed since. One still going on is picked up.
        let known = entry
            .validation_id
            .as_deref()
            .filter(|_| entry.validation_status.as_deref() != Some("FAILED"))
            .and_then(|id| id.parse::<ValidationId>().ok());
        let validation_id = match known {
            Some(id) => id,
            None => {
                let validation = self
                    .client
                    .validate_group_live_migrations()
                    .group_id(migration.group_id.clone())
                    .body(body.clone())
                    .send()
                    .checked()
                    .await
                    .map_err(|e| self.error(name, &e))?
                    .into_inner();
                let id = validation.validation_id().ok_or_else(|| {
                    Stop(
                        End::NeedsPerson,
                        "Atlas answered the validation without an _id".into(),
                    )
                })?;
                let status = validation.status.as_ref().map(ToString::to_string);
                self.store.update(name, |e| {
                    e.validation_id = Some(id.as_str().to_owned());
                    e.validation_status = status;
                })?;
                self.report
                    .line(name, &format!("validation {} started", id.as_str()));
                id
            }
        };
        let outcome = self
            .client
            .wait_for_validation(&migration.group_id, &validation_id, self.options, |event| {
                if let WaitEvent::Observed(seen) = event {
                    let status = seen.job.status.as_ref().map(ToString::to_string);
                    if let Ok(entry) = self.store.update(name, |e| e.validation_status = status)
                        && let Some(status) = entry.validation_status
                    {
                        self.report.line(name, &format!("validation {status}"));
                    }
                }
            })
            .await
            .map_err(|e| self.error(name, &e))?;
        match outcome {
            ValidationOutcome::Success(_) => Ok(()),
            ValidationOutcome::Failed(validation) => {
                self.store
                    .update(name, |e| e.validation_status = Some("FAILED".into()))?;
                Err(Stop(
                    End::ValidationFailed,
                    validation
                        .error_message
                        .unwrap_or_else(|| "the validation FAILED".into()),
                ))
            }
            _ => Err(Stop(
                End::TimedOut,
                "the validation did not finish before --timeout".into(),
            )),
        }
    }

    /// The create, sent once: recorded as sent first, then its job.
    async fn create(
        &self,
        migration: &Migration,
        body: atlas_live_migration_api::types::LiveMigrationRequest20240530,
    ) -> Result<LiveMigrationId, Stop> {
        let name = &migration.name;
        let sent_at = now();
        self.store
            .update(name, |e| e.create_sent_at = Some(sent_at.clone()))?;
        let created = self
            .client
            .create_group_live_migration()
            .group_id(migration.group_id.clone())
            .body(body)
            .send()
            .checked()
            .await;
        let job = match created {
            Ok(job) => job.into_inner(),
            Err(error) if refused_before_acting(&error) => {
                // Atlas did nothing: the next apply may create it.
                let why = format!("Atlas refused the create: {error}");
                self.store.update(name, |e| {
                    e.create_sent_at = None;
                    e.error = Some(why.clone());
                })?;
                return Err(Stop(End::NeedsPerson, why));
            }
            Err(error) => return Err(self.lost(migration, &sent_at, &error.to_string())),
        };
        let Some(id) = job.live_migration_id() else {
            return Err(self.lost(migration, &sent_at, "Atlas answered without the job's _id"));
        };
        self.store.update(name, |e| {
            e.live_migration_id = Some(id.as_str().to_owned());
            e.error = None;
            record(e, &job);
        })?;
        self.report
            .line(name, &format!("created live migration {}", id.as_str()));
        Ok(id)
    }

    /// A create sent at `sent_at` whose job is not known (`cause`): the
    /// migration needs a person, and says so in the state.
    fn lost(&self, migration: &Migration, sent_at: &str, cause: &str) -> Stop {
        let name = &migration.name;
        let why = lost_create(
            sent_at,
            cause,
            name,
            &migration.cluster_name,
            self.store.path(),
        );
        match self
            .store
            .update(name, |e| e.needs_person = Some(why.clone()))
        {
            Ok(_) => Stop(End::NeedsPerson, why),
            Err(problem) => Stop(End::NeedsPerson, format!("{why}; and {problem}")),
        }
    }

    fn observed(&self, name: &str, event: WaitEvent<'_>) {
        match event {
            WaitEvent::Observed(seen) => {
                let before = self.store.get(name);
                // A state that cannot be written shows on the next step.
                if let Ok(after) = self.store.update(name, |e| record(e, &seen.job))
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
        let _ = self.store.update(name, |e| e.error = Some(why.clone()));
        Stop(End::NeedsPerson, why)
    }
}

/// The job's status and readiness, as the state keeps them.
fn record(entry: &mut Entry, job: &LiveMigrationResponse) {
    entry.status = job.status.as_ref().map(ToString::to_string);
    entry.ready_for_cutover = job.ready_for_cutover;
    entry.lag_seconds = job.lag_time_seconds.and_then(|lag| u64::try_from(lag).ok());
    if let Some(lag) = entry.lag_seconds
        && entry.recent_lags.last() != Some(&lag)
    {
        entry.recent_lags.push(lag);
        let extra = entry.recent_lags.len().saturating_sub(16);
        entry.recent_lags.drain(..extra);
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

/// A migration the state already has at an end: nothing to send.
fn ended(entry: &Entry) -> Option<Result<End, Stop>> {
    match entry.status.as_deref()? {
        "COMPLETE" => Some(Ok(End::Complete)),
        status @ ("FAILED" | "EXPIRED") => Some(Err(Stop(
            End::Failed,
            format!("the job is {status}; fleet forget starts it anew"),
        ))),
        _ => None,
    }
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
