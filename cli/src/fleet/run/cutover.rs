//! The way to a cutover: what the migration waits for, the gates (waves,
//! approval, windows, `maxConcurrentCutovers`), the hooks around it, the
//! cutover sent once and followed to COMPLETE.

use std::time::SystemTime;

use atlas_live_migration_api::Checked;
use atlas_live_migration_api::types::LiveMigrationId;

use super::{End, Run, Stop, ended, hook_state, record, rfc3339};
use crate::fleet::plan::Migration;
use crate::fleet::state::Entry;

impl Run {
    /// Records what the migration waits for now, for `fleet status`.
    pub(super) fn waiting(&self, name: &str, what: Option<&str>) -> Result<(), Stop> {
        if self.store.get(name).waiting_for.as_deref() != what {
            self.store
                .update(name, |e| e.waiting_for = what.map(str::to_owned))?;
        }
        Ok(())
    }

    /// Atlas said ready: its cutover timer runs from the first time.
    pub(super) fn ready(&self, migration: &Migration) -> Result<(), Stop> {
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
    pub(super) async fn gates(
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
                crate::fleet::state::approvals(self.store.path())
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
    pub(super) async fn cutover_slot(
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
    pub(super) async fn before_cutover(
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
    pub(super) async fn watch<T>(
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
    pub(super) async fn after_cutover(&self, migration: &Migration) -> Result<End, Stop> {
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
    pub(super) async fn hook(
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
        let hidden = crate::fleet::hooks::hidden(&self.password_variables);
        let log = crate::fleet::hooks::log_path(self.store.path(), &migration.name);
        crate::fleet::hooks::run(
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
}
