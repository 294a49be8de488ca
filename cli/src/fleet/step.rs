//! What `apply` does next for a migration: one function of its entry in the
//! state. `run/` starts each migration at the step it gives; `fleet status`
//! and `fleet plan` describe the same step. So what a view says is what the
//! fleet does.

use super::state::Entry;

/// The next step of one migration, from its entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A person must look before anything else is sent.
    Person(&'a str),
    /// `COMPLETE`: `afterCutover` (if the plan has one and it is not done),
    /// then nothing.
    Complete {
        /// `afterCutover` as the state has it (`running`, `failed: …`).
        after_cutover: Option<&'a str>,
    },
    /// `FAILED` or `EXPIRED`: nothing is sent; with the application's
    /// writes stopped, `onCutoverAbort` runs.
    Ended {
        status: &'a str,
        writes_stopped: bool,
    },
    /// A create was sent and its answer never came: a person's.
    LostCreate { sent_at: &'a str },
    /// Validate (or wait for the validation going on), then create;
    /// `for_host`: first a migration host (every one it may take is held,
    /// or goes to those ahead of it in line).
    Validate {
        going_on: Option<&'a str>,
        for_host: bool,
    },
    /// The validation succeeded: create.
    Create,
    /// The cutover was sent: follow it to `COMPLETE` (`started`: Atlas
    /// accepted it), or read the job and send it again while it is ready.
    ResumeCutover { id: &'a str, started: bool },
    /// The job runs: wait until it is ready, then (with `--cutover`) the
    /// gates, `beforeCutover`, the lag, the cutover.
    Drive {
        id: &'a str,
        /// What it waits for now, as the last apply recorded it.
        waiting_for: Option<&'a str>,
        /// `beforeCutover` as the state has it.
        before_cutover: Option<&'a str>,
        /// Atlas last said it was ready for cutover.
        ready: bool,
    },
}

/// The next step of the migration whose entry is `entry`.
pub fn next(entry: &Entry) -> Step<'_> {
    if let Some(why) = &entry.needs_person {
        return Step::Person(why);
    }
    match entry.status.as_deref() {
        Some("COMPLETE") => {
            return Step::Complete {
                after_cutover: entry.after_cutover.as_deref(),
            };
        }
        Some(status @ ("FAILED" | "EXPIRED")) => {
            return Step::Ended {
                status,
                writes_stopped: entry.writes_stopped(),
            };
        }
        _ => {}
    }
    match (&entry.live_migration_id, &entry.create_sent_at) {
        (Some(id), _) if entry.cutover_sent() => Step::ResumeCutover {
            id,
            started: entry.cutover_started,
        },
        (Some(id), _) => Step::Drive {
            id,
            waiting_for: entry.waiting_for.as_deref(),
            before_cutover: entry.before_cutover.as_deref(),
            ready: entry.ready_for_cutover == Some(true),
        },
        (None, Some(sent_at)) => Step::LostCreate { sent_at },
        (None, None) => match entry.validation_status.as_deref() {
            Some("SUCCESS") => Step::Create,
            Some("FAILED") => Step::Validate {
                going_on: None,
                for_host: entry.waiting_for.as_deref() == Some("host"),
            },
            _ => Step::Validate {
                going_on: entry.validation_id.as_deref(),
                for_host: entry.waiting_for.as_deref() == Some("host"),
            },
        },
    }
}

impl Step<'_> {
    /// The step in words, as `fleet status` and `fleet plan` show it;
    /// `cutover`: whether the apply cuts over.
    pub fn describe(&self, cutover: bool) -> String {
        let then = if cutover {
            ", cut over, follow it to COMPLETE"
        } else {
            ""
        };
        let gates = "beforeCutover, cut over, follow it to COMPLETE";
        match self {
            Step::Person(why) => format!("nothing until a person looks: {why}"),
            Step::Complete {
                after_cutover: Some("running"),
            } => "afterCutover runs (the next apply runs it again if it is stopped)".to_owned(),
            Step::Complete {
                after_cutover: Some(after),
            } if *after != "done" => {
                "run afterCutover again (the application was not switched)".to_owned()
            }
            Step::Complete { .. } => "nothing: COMPLETE".to_owned(),
            Step::Ended {
                status,
                writes_stopped,
            } => format!(
                "nothing: the job is {status} (fleet forget starts it anew){}",
                if *writes_stopped {
                    "; the application's writes are stopped: onCutoverAbort runs, or start \
                     them again on the source"
                } else {
                    ""
                }
            ),
            Step::LostCreate { sent_at } => format!(
                "nothing until a person looks: a create was sent at {sent_at} and its answer \
                 never came (apply says what to check)"
            ),
            Step::Validate {
                going_on,
                for_host: true,
            } => format!(
                "wait for a migration host, then {}",
                Step::Validate {
                    going_on: *going_on,
                    for_host: false
                }
                .describe(cutover)
            ),
            Step::Validate {
                going_on: Some(_), ..
            } => {
                format!("wait for its validation, create, wait until ready{then}")
            }
            Step::Validate { going_on: None, .. } => {
                format!("validate, create, wait until ready for cutover{then}")
            }
            Step::Create => format!("create, wait until ready for cutover{then}"),
            Step::ResumeCutover { started: true, .. } => {
                "follow its cutover to COMPLETE, then afterCutover".to_owned()
            }
            Step::ResumeCutover { started: false, .. } => "read its job: COMPLETE goes on to \
                 afterCutover; still ready, send its cutover again (its answer was not seen)"
                .to_owned(),
            Step::Drive {
                waiting_for,
                before_cutover,
                ready,
                ..
            } => match (*waiting_for, *before_cutover) {
                (Some("wave"), _) => {
                    format!("wait for the earlier waves to be COMPLETE, then {gates}")
                }
                (Some("approval"), _) => format!("wait for `fleet approve`, then {gates}"),
                (Some("window"), _) => format!("wait for a cutover window, then {gates}"),
                (Some("cutoverSlot"), _) => {
                    format!("wait for a cutover slot (maxConcurrentCutovers), then {gates}")
                }
                (Some("hook"), Some("running")) => "beforeCutover runs (the next apply runs it \
                     again if it is stopped), then the lag, cut over"
                    .to_owned(),
                (Some("lag"), _) => "wait for the lag to fall to cutoverMaxLagSeconds, cut \
                     over, follow it to COMPLETE"
                    .to_owned(),
                (_, Some("done")) => "the application's writes are stopped (beforeCutover \
                     done): through the gates again, the lag, cut over"
                    .to_owned(),
                (_, Some(before)) if before.starts_with("failed") => {
                    "run beforeCutover again (it did not finish with success), then cut over"
                        .to_owned()
                }
                _ if *ready && cutover => format!("through the gates, then {gates}"),
                _ => format!("wait for its job to be ready for cutover{then}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(change: impl FnOnce(&mut Entry)) -> Entry {
        let mut entry = Entry::default();
        change(&mut entry);
        entry
    }

    /// The views say what the run does: a hook that simply runs is not
    /// "run again", a migration ready and waiting at a gate is not "wait
    /// to be ready", a sent cutover is never gated again.
    #[test]
    fn each_entry_has_one_next_step_and_its_words_agree() {
        let id = "6296fb4c7c7aa997cf94e9a8";
        let running = entry(|e| {
            e.live_migration_id = Some(id.into());
            e.waiting_for = Some("hook".into());
            e.before_cutover = Some("running".into());
        });
        assert!(
            next(&running)
                .describe(true)
                .starts_with("beforeCutover runs")
        );
        let at_window = entry(|e| {
            e.live_migration_id = Some(id.into());
            e.ready_for_cutover = Some(true);
            e.waiting_for = Some("window".into());
        });
        assert!(
            next(&at_window)
                .describe(true)
                .starts_with("wait for a cutover window")
        );
        let sent = entry(|e| {
            e.live_migration_id = Some(id.into());
            e.cutover_sent_at = Some("then".into());
            e.before_cutover = Some("done".into());
            e.waiting_for = Some("window".into());
        });
        assert_eq!(next(&sent), Step::ResumeCutover { id, started: false });
        let lost = entry(|e| e.create_sent_at = Some("then".into()));
        assert_eq!(next(&lost), Step::LostCreate { sent_at: "then" });
        let expired = entry(|e| {
            e.live_migration_id = Some(id.into());
            e.status = Some("EXPIRED".into());
            e.before_cutover = Some("done".into());
        });
        assert_eq!(
            next(&expired),
            Step::Ended {
                status: "EXPIRED",
                writes_stopped: true
            }
        );
        let switched_not = entry(|e| {
            e.status = Some("COMPLETE".into());
            e.after_cutover = Some("failed: exit 4".into());
        });
        assert!(
            next(&switched_not)
                .describe(true)
                .starts_with("run afterCutover again")
        );
    }
}
