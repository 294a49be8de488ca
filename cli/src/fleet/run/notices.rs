//! A migration's notices to the plan's `notify` program, and the cutover
//! deadline's warning.

use std::time::SystemTime;

use super::{Run, now, rfc3339};
use crate::fleet::plan::Migration;
use crate::fleet::state::Entry;

impl Run {
    /// Tells the plan's `notify` program of `event`, once per migration
    /// (`needsPerson` each time it comes): one JSON object on its standard
    /// input. A notify that fails is reported and never stops the fleet.
    pub(super) async fn notice(&self, migration: &Migration, event: &str, detail: Option<&str>) {
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
            let _ = self.store.update(name, seen).await;
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
        let hidden = crate::fleet::hooks::hidden(&self.password_variables);
        let log = crate::fleet::hooks::notify_log(self.store.path());
        let sent = crate::fleet::hooks::run(
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
        let _ = self.store.update(name, seen).await;
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
    pub(super) async fn deadline_near(&self, migration: &Migration) {
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
    pub(super) fn deadline(&self) -> Option<tokio::time::Instant> {
        self.options
            .timeout
            .map(|timeout| tokio::time::Instant::from_std(self.started) + timeout)
    }
}
