//! A validation that has SUCCESS, and the one create: recorded before it is
//! sent, never sent twice; a lost answer is a person's to look at.

use atlas_live_migration_api::types::{LiveMigrationId, ValidationId};
use atlas_live_migration_api::{Checked, ValidationOutcome, WaitEvent};

use super::{End, Run, Stop, lost_create, now, record};
use crate::failure::refused_before_acting;
use crate::fleet::plan::Migration;
use crate::fleet::state::Entry;

impl Run {
    /// A validation that has `SUCCESS`, started (or picked up) and waited for.
    pub(super) async fn validate(
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
                self.store
                    .update(name, |e| {
                        e.validation_id = Some(id.as_str().to_owned());
                        e.validation_status = status;
                    })
                    .await?;
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
                    // A reading: the create that follows waits for its
                    // own sync, which takes this line too.
                    if let Ok(entry) = self.store.note(name, |e| e.validation_status = status)
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
                    .update(name, |e| e.validation_status = Some("FAILED".into()))
                    .await?;
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
    pub(super) async fn create(
        &self,
        migration: &Migration,
        body: atlas_live_migration_api::types::LiveMigrationRequest20240530,
    ) -> Result<LiveMigrationId, Stop> {
        let name = &migration.name;
        let sent_at = now();
        self.store
            .update(name, |e| e.create_sent_at = Some(sent_at.clone()))
            .await?;
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
                self.store
                    .update(name, |e| {
                        e.create_sent_at = None;
                        e.error = Some(why.clone());
                    })
                    .await?;
                return Err(Stop(End::NeedsPerson, why));
            }
            Err(error) => return Err(self.lost(migration, &sent_at, &error.to_string())),
        };
        let Some(id) = job.live_migration_id() else {
            return Err(self.lost(migration, &sent_at, "Atlas answered without the job's _id"));
        };
        self.store
            .update(name, |e| {
                e.live_migration_id = Some(id.as_str().to_owned());
                e.error = None;
                record(
                    e,
                    &job,
                    migration.cutover.timer,
                    std::time::SystemTime::now(),
                );
            })
            .await
            .map_err(|problem| {
                // Atlas made the job and the state could not say so: its
                // ID is told here, and the state still has the create sent.
                Stop(
                    End::NeedsPerson,
                    format!(
                        "Atlas created live migration {id} and the state could not record it \
                         ({problem}); once the disk has room, run `atlas-live-migration fleet \
                         record --state {} --name {name} --liveMigrationId {id}`",
                        self.store.path().display(),
                        id = id.as_str()
                    ),
                )
            })?;
        self.report
            .line(name, &format!("created live migration {}", id.as_str()));
        Ok(id)
    }

    /// A create sent at `sent_at` whose job is not known (`cause`): the
    /// migration needs a person, and says so in the state.
    pub(super) fn lost(&self, migration: &Migration, sent_at: &str, cause: &str) -> Stop {
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
            .update_blocking(name, |e| e.needs_person = Some(why.clone()))
        {
            Ok(_) => Stop(End::NeedsPerson, why),
            Err(problem) => Stop(End::NeedsPerson, format!("{why}; and {problem}")),
        }
    }
}
