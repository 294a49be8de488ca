//! The way to a cutover: what the migration waits for, the gates (waves,
//! approval, windows, `maxConcurrentCutovers`), the hooks around it, the
//! cutover sent once and followed to COMPLETE, and what undoes
//! `beforeCutover` when no cutover follows it.
//!
//! No slot is held while a migration waits at a gate: it gives its
//! `--concurrency` slot back, waits (reading its job every interval, so that
//! expiry and the deadline's notice reach it), then takes its slot and a
//! cutover slot and checks every gate again with them held. So a window
//! that closed while it waited for a slot stops it before `beforeCutover`.

use atlas_live_migration_api::types::{LiveMigrationId, LiveMigrationResponse};
use atlas_live_migration_api::{Checked, Error};

use super::{End, Run, Slot, Stop, hook_state};
use crate::failure::refused_before_acting;
use crate::fleet::plan::Migration;
use crate::fleet::state::{Entry, approval_of, approvals};
use crate::fleet::step::{self, Step};

/// Why a successful `beforeCutover` is followed by no cutover: the
/// `FLEET_ABORT_REASON` of `onCutoverAbort`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Abort {
    /// The lag did not fall to `cutoverMaxLagSeconds` within `hookTimeout`.
    LagTimeout,
    /// The cutover window closed before the cutover was sent.
    WindowClosed,
    /// Atlas refused the cutover.
    CutoverRefused,
    /// The job ended (`FAILED`, `EXPIRED`) before its cutover.
    JobEnded,
}

impl Abort {
    fn as_str(self) -> &'static str {
        match self {
            Abort::LagTimeout => "lagTimeout",
            Abort::WindowClosed => "windowClosed",
            Abort::CutoverRefused => "cutoverRefused",
            Abort::JobEnded => "jobEnded",
        }
    }
}

/// Which gate holds a migration back now.
enum Gate {
    Wave(Vec<String>),
    Approval,
    Window,
}

impl Run {
    /// Records what the migration waits for now, for `fleet status`.
    pub(super) fn waiting(&self, name: &str, what: Option<&str>) -> Result<(), Stop> {
        if self.store.get(name).waiting_for.as_deref() != what {
            // What it waits for is a reading, not an intent: unsynced.
            self.store
                .note(name, |e| e.waiting_for = what.map(str::to_owned))?;
        }
        Ok(())
    }

    /// The first gate that is closed for `migration` now, if any.
    fn closed_gate(&self, migration: &Migration) -> Result<Option<Gate>, Stop> {
        let plan = &migration.cutover;
        match self.waves.check(plan.wave) {
            Some(Ok(())) => {}
            Some(Err(held)) => return Err(self.held_by_wave(migration, &held.0)),
            None => return Ok(Some(Gate::Wave(self.waves.ahead(plan.wave)))),
        }
        if plan.approval && self.approval(migration).is_none() {
            return Ok(Some(Gate::Approval));
        }
        if let Some(windows) = &plan.windows
            && !windows.open_at(jiff::Timestamp::now())
        {
            return Ok(Some(Gate::Window));
        }
        Ok(None)
    }

    fn held_by_wave(&self, migration: &Migration, held: &[String]) -> Stop {
        Stop(
            End::HeldByWave,
            format!(
                "wave {} waits for the earlier waves: {} did not reach COMPLETE with its \
                 application switched in this apply",
                migration.cutover.wave,
                held.join(", ")
            ),
        )
    }

    /// The approval in force of this migration's job, if any.
    fn approval(&self, migration: &Migration) -> Option<crate::fleet::state::Approval> {
        let entry = self.store.get(&migration.name);
        approval_of(&approvals(self.store.path()), &migration.name, &entry).cloned()
    }

    /// The gates before a cutover, in order: every migration of the
    /// earlier waves finished, the approval of this job, a cutover window
    /// open, then the `--concurrency` slot and a `maxConcurrentCutovers`
    /// slot, with every gate checked again once they are held. Returns with
    /// both held and every gate open.
    pub(super) async fn gates(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
        slot: &mut Slot,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Stop> {
        let name = &migration.name;
        loop {
            while let Some(gate) = self.closed_gate(migration)? {
                // Waiting at a gate holds no slot.
                slot.give_back();
                self.wait_at(migration, job_id, gate).await?;
            }
            slot.take().await;
            let permit = self.cutover_slot(migration, job_id).await?;
            match self.closed_gate(migration)? {
                None => {
                    if migration.cutover.approval
                        && let Some(approval) = self.approval(migration)
                    {
                        self.store
                            .update(name, |e| {
                                e.approved_at = Some(approval.at.clone());
                                e.approved_by = Some(approval.by.clone());
                            })
                            .await?;
                    }
                    return Ok(permit);
                }
                Some(_) => {
                    // A gate closed while it waited for a slot: back to it,
                    // holding nothing.
                    drop(permit);
                    self.report
                        .line(name, "a gate closed while it waited for a slot");
                }
            }
        }
    }

    /// Waits until `gate` opens (or it is stuck, or `--timeout` passes),
    /// reading the job every interval.
    async fn wait_at(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
        gate: Gate,
    ) -> Result<(), Stop> {
        let name = &migration.name;
        let plan = &migration.cutover;
        let deadline = self.deadline();
        match gate {
            Gate::Wave(ahead) => {
                // The line says who is still ahead, said again as that
                // changes: never a migration that already finished.
                let say = |ahead: &[String]| {
                    self.report.line(
                        name,
                        &format!(
                            "wave {} waits for {} to be COMPLETE",
                            plan.wave,
                            ahead.join(", ")
                        ),
                    );
                };
                say(&ahead);
                let mut said = ahead;
                let held = self
                    .watch(migration, job_id, "wave", deadline, false, |_| {
                        let ahead = self.waves.ahead(plan.wave);
                        if !ahead.is_empty() && ahead != said {
                            say(&ahead);
                            said = ahead;
                        }
                        self.waves.check(plan.wave)
                    })
                    .await
                    .map_err(|stop| {
                        stop.timed_out_as(|| {
                            format!(
                                "wave {} still waited for {} at --timeout; apply again to go on",
                                plan.wave,
                                self.waves.ahead(plan.wave).join(", ")
                            )
                        })
                    })?;
                held.map_err(|held| self.held_by_wave(migration, &held.0))
            }
            Gate::Approval => {
                self.report.line(name, "waits for `fleet approve`");
                self.watch(migration, job_id, "approval", deadline, false, |_| {
                    self.approval(migration).map(drop)
                })
                .await
                .map_err(|stop| {
                    stop.timed_out_as(|| {
                        "no `fleet approve` of its job before --timeout; the next apply takes it"
                            .into()
                    })
                })
            }
            Gate::Window => {
                let windows = plan.windows.as_ref().expect("a window gate has windows");
                let opens = windows.describe_next(jiff::Timestamp::now());
                self.report.line(
                    name,
                    &format!(
                        "waits for a cutover window: {}; {opens}",
                        windows.describe()
                    ),
                );
                self.watch(migration, job_id, "window", deadline, false, |_| {
                    windows.open_at(jiff::Timestamp::now()).then_some(())
                })
                .await
                .map_err(|stop| {
                    stop.timed_out_as(|| {
                        format!("no cutover window opened before --timeout ({opens})")
                    })
                })
            }
        }
    }

    /// A `maxConcurrentCutovers` slot, if the plan limits them, waited for
    /// while the job is read, until `--timeout`.
    async fn cutover_slot(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Stop> {
        let Some(slots) = &self.cutover_slots else {
            return Ok(None);
        };
        if let Ok(permit) = slots.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        let deadline = self.deadline();
        self.watch(migration, job_id, "cutoverSlot", deadline, false, |_| {
            slots.clone().try_acquire_owned().ok()
        })
        .await
        .map(Some)
        .map_err(|stop| {
            stop.timed_out_as(|| {
                "no cutover slot (maxConcurrentCutovers) came free before --timeout".into()
            })
        })
    }

    /// What comes before the cutover, in the order of MongoDB's procedure,
    /// once the gates are open: `beforeCutover` (stop the application's
    /// writes), then a lag at most `cutoverMaxLagSeconds`, read from Atlas
    /// after the hook, then the window once more. `Ok` only when all are
    /// through; a stop after a successful `beforeCutover` runs
    /// `onCutoverAbort`.
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
                .update(name, |e| {
                    e.before_cutover = Some("running".into());
                    e.cutover_aborted = None;
                })
                .await?;
            self.report.line(name, "beforeCutover runs");
            let ran = self
                .hook("beforeCutover", program, migration, Some(job_id), None)
                .await;
            self.store
                .update(name, |e| {
                    e.before_cutover = Some(hook_state(&ran));
                })
                .await?;
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
            // Read from Atlas now: a lag read before the hook says nothing
            // of the lag once the application's writes stopped.
            let waited = self
                .watch(migration, job_id, "lag", Some(deadline), true, |entry| {
                    entry.lag_seconds.filter(|lag| *lag <= max).map(drop)
                })
                .await;
            match waited {
                Ok(()) => {}
                Err(Stop(End::TimedOut, _)) => {
                    let last = self
                        .store
                        .get(name)
                        .lag_seconds
                        .map_or("no lag".to_owned(), |l| format!("{l} s"));
                    let why = format!(
                        "no cutover: the lag did not fall to {max} s within hookTimeout ({}); \
                         Atlas last reported {last}",
                        humantime::format_duration(plan.hook_timeout),
                    );
                    return Err(self.abort(migration, Abort::LagTimeout, why).await);
                }
                Err(Stop(End::Failed, why)) => {
                    return Err(self.abort(migration, Abort::JobEnded, why).await);
                }
                Err(other) => return Err(other),
            }
        }
        if let Some(windows) = &plan.windows
            && !windows.open_at(jiff::Timestamp::now())
        {
            let why = format!(
                "no cutover: the cutover window closed before the cutover was sent ({}); {}",
                windows.describe(),
                windows.describe_next(jiff::Timestamp::now())
            );
            return Err(self.abort(migration, Abort::WindowClosed, why).await);
        }
        Ok(())
    }

    /// Sends the cutover, recorded before it is sent. A refusal by Atlas
    /// after a successful `beforeCutover` runs `onCutoverAbort`.
    pub(super) async fn send_cutover(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<(), Stop> {
        let name = &migration.name;
        // A cutover is a PUT: should its answer be lost, the next apply
        // reads the job and sends it again only while the job is ready.
        self.store
            .update(name, |e| {
                e.cutover_sent_at.get_or_insert_with(super::now);
                e.waiting_for = None;
            })
            .await?;
        let sent = self.put_cutover(migration, job_id).await;
        match sent {
            Ok(_) => {}
            Err(error) if refused_before_acting(&error) => {
                // Refused: nothing goes on in Atlas. The entry is as before
                // the send, and the application's writes are still stopped.
                let why = format!("no cutover: Atlas refused it: {error}");
                self.store
                    .update(name, |e| {
                        e.cutover_sent_at = None;
                        e.error = Some(why.clone());
                    })
                    .await?;
                return Err(self.abort(migration, Abort::CutoverRefused, why).await);
            }
            Err(e) => return Err(self.error(name, &e)),
        }
        self.store
            .update(name, |e| e.cutover_started = true)
            .await?;
        self.report.line(name, "cutover started");
        self.notice(migration, "cutoverStarted", None).await;
        Ok(())
    }

    /// A cutover an earlier apply sent, whose answer it may not have seen:
    /// no gate and no `beforeCutover` again. The job is read: `COMPLETE`
    /// goes on to `afterCutover`; ready, the cutover is sent once more (a
    /// refusal is no error: Atlas may be cutting over, or done); an end is
    /// said as what it is. Then it is followed to `COMPLETE`.
    pub(super) async fn resume_cutover(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<(), Stop> {
        let name = &migration.name;
        if self.store.get(name).cutover_started {
            return Ok(());
        }
        self.report.line(
            name,
            "its cutover was sent by an earlier apply: reads the job",
        );
        let deadline = self.deadline();
        let mut sent_again = false;
        loop {
            let job = self.read(migration, job_id).await?;
            match job.status.as_ref().map(ToString::to_string).as_deref() {
                Some("COMPLETE") => {
                    self.store
                        .update(name, |e| e.cutover_started = true)
                        .await?;
                    return Ok(());
                }
                Some(status @ ("FAILED" | "EXPIRED")) => {
                    return Err(Stop(
                        End::Failed,
                        format!(
                            "the job is {status} after its cutover was sent{}",
                            writes_note(&self.store.get(name))
                        ),
                    ));
                }
                _ if job.ready_for_cutover == Some(true) && !sent_again => {
                    sent_again = true;
                    let sent = self.put_cutover(migration, job_id).await;
                    match sent {
                        Ok(_) => {
                            self.store
                                .update(name, |e| e.cutover_started = true)
                                .await?;
                            self.report.line(name, "cutover sent again: accepted");
                            self.notice(migration, "cutoverStarted", None).await;
                            return Ok(());
                        }
                        Err(Error::Api(failure)) if failure.status.is_client_error() => {
                            self.report.line(
                                name,
                                &format!(
                                    "cutover sent again: {failure}; Atlas may be cutting over: \
                                     follows the job"
                                ),
                            );
                        }
                        Err(e) => return Err(self.error(name, &e)),
                    }
                }
                _ => {}
            }
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Err(Stop(
                    End::TimedOut,
                    "its cutover was sent; the job was neither COMPLETE nor ready before \
                     --timeout: apply again to go on"
                        .into(),
                ));
            }
            tokio::time::sleep(self.options.interval).await;
        }
    }

    /// A successful `beforeCutover` followed by no cutover: the plan's
    /// `onCutoverAbort` runs (the application's writes go on on its
    /// source), a `cutoverAborted` notice, and a person. Without it, or
    /// when it fails, the application stays write-stopped, and the notice
    /// says so.
    pub(super) async fn abort(&self, migration: &Migration, reason: Abort, why: String) -> Stop {
        let name = &migration.name;
        let entry = self.store.get(name);
        if !entry.writes_stopped() {
            return Stop(End::NeedsPerson, why);
        }
        let _ = self.waiting(name, Some("person"));
        let job_id = entry
            .live_migration_id
            .as_deref()
            .and_then(|id| id.parse::<LiveMigrationId>().ok());
        let (detail, recorded) = match &migration.cutover.on_abort {
            Some(program) => {
                self.report.line(name, "onCutoverAbort runs");
                let ran = self
                    .hook(
                        "onCutoverAbort",
                        program,
                        migration,
                        job_id.as_ref(),
                        Some(reason.as_str()),
                    )
                    .await;
                match ran {
                    Ok(()) => (
                        format!(
                            "{why}; onCutoverAbort ran ({}): the next apply starts again from \
                             the gates and runs beforeCutover again",
                            reason.as_str()
                        ),
                        Ok(()),
                    ),
                    Err(failed) => (
                        format!(
                            "{why}; onCutoverAbort failed, so the application's writes are \
                             still stopped: {failed}"
                        ),
                        Err(failed),
                    ),
                }
            }
            None => (
                format!(
                    "{why}; the plan has no onCutoverAbort, so the application's writes are \
                     still stopped (beforeCutover stopped them): start them again, or apply \
                     again to cut over"
                ),
                Err("the plan has no onCutoverAbort".to_owned()),
            ),
        };
        let state = format!("{}: {}", hook_state(&recorded), reason.as_str());
        // A state that cannot be written keeps beforeCutover done: the
        // writes count as stopped, which is the safe reading.
        let _ = self
            .store
            .update(name, |e| {
                if recorded.is_ok() {
                    e.before_cutover = None;
                }
                e.cutover_aborted = Some(state);
            })
            .await;
        self.notice(migration, "cutoverAborted", Some(&detail))
            .await;
        Stop(End::NeedsPerson, detail)
    }

    /// The job as Atlas has it now.
    async fn get_job(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<LiveMigrationResponse, Error> {
        Ok(self
            .client
            .get_push_migration()
            .group_id(migration.group_id.clone())
            .live_migration_id(job_id.clone())
            .send()
            .checked()
            .await?
            .into_inner())
    }

    /// The cutover PUT.
    async fn put_cutover(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<(), Error> {
        self.client
            .cutover_group_live_migration()
            .group_id(migration.group_id.clone())
            .live_migration_id(job_id.clone())
            .send()
            .checked()
            .await
            .map(drop)
    }

    /// Reads the job once and records it.
    pub(super) async fn read(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
    ) -> Result<LiveMigrationResponse, Stop> {
        let job = self
            .get_job(migration, job_id)
            .await
            .map_err(|e| self.error(&migration.name, &e))?;
        self.record(migration, &job)?;
        Ok(job)
    }

    /// Polls the job every interval, recording what it reports, until
    /// `done` gives a value or `deadline` passes (`TimedOut`); `done` is
    /// asked before each poll, or, with `read_first`, after a first read;
    /// a job that ends meanwhile ends the wait.
    #[allow(clippy::too_many_arguments, reason = "each is the wait's own")]
    pub(super) async fn watch<T>(
        &self,
        migration: &Migration,
        job_id: &LiveMigrationId,
        what: &str,
        deadline: Option<tokio::time::Instant>,
        read_first: bool,
        mut done: impl FnMut(&Entry) -> Option<T>,
    ) -> Result<T, Stop> {
        let name = &migration.name;
        self.waiting(name, Some(what))?;
        let mut read = read_first;
        loop {
            if read {
                match self.get_job(migration, job_id).await {
                    Ok(job) => {
                        let entry = self.record(migration, &job)?;
                        self.deadline_near(migration).await;
                        match step::next(&entry) {
                            Step::Complete { .. } => {
                                return Err(Stop(
                                    End::Complete,
                                    "COMPLETE: cut over outside this apply".into(),
                                ));
                            }
                            Step::Ended { status, .. } => {
                                return Err(Stop(
                                    End::Failed,
                                    format!("the job is {status}: it ended before its cutover"),
                                ));
                            }
                            _ => {}
                        }
                    }
                    Err(error) => self
                        .report
                        .line(name, &format!("poll failed, still waiting: {error}")),
                }
            }
            read = true;
            if let Some(value) = done(&self.store.get(name)) {
                return Ok(value);
            }
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Err(Stop(End::TimedOut, format!("waited for {what}")));
            }
            tokio::time::sleep(self.options.interval).await;
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
            .update(name, |e| e.after_cutover = Some("running".into()))
            .await?;
        self.report.line(name, "afterCutover runs");
        let ran = self
            .hook("afterCutover", program, migration, None, None)
            .await;
        self.store
            .update(name, |e| {
                e.after_cutover = Some(hook_state(&ran));
            })
            .await?;
        match ran {
            Ok(()) => {
                self.report.line(name, "afterCutover done");
                Ok(End::Complete)
            }
            Err(why) => Err(Stop(
                End::NeedsPerson,
                format!(
                    "COMPLETE, but the application was not switched: {why}\n(the next apply \
                     runs afterCutover again; later waves wait for it)"
                ),
            )),
        }
    }

    /// Runs a hook of `migration` with its names in the environment; with
    /// `job_id`, the job is read just before, so that `FLEET_LAG_SECONDS`
    /// is the lag now.
    pub(super) async fn hook(
        &self,
        hook: &str,
        program: &[String],
        migration: &Migration,
        job_id: Option<&LiveMigrationId>,
        abort_reason: Option<&str>,
    ) -> Result<(), String> {
        if let Some(job_id) = job_id
            && let Ok(job) = self.get_job(migration, job_id).await
        {
            // A read that fails leaves the last lag known (and is no error
            // of the migration's: the hook runs all the same).
            let _ = self.record(migration, &job);
        }
        let entry = self.store.get(&migration.name);
        let mut env = vec![
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
        if let Some(reason) = abort_reason {
            env.push(("FLEET_ABORT_REASON", reason.to_owned()));
        }
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

/// What a person must know of the application when a job ends after
/// `beforeCutover`.
pub(super) fn writes_note(entry: &Entry) -> &'static str {
    if entry.before_cutover.as_deref() == Some("done") {
        "; beforeCutover stopped the application's writes and Atlas did not take them over: \
         start them again on the source"
    } else {
        ""
    }
}
