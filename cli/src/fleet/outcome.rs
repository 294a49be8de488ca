//! How each migration ended an apply: what `run/` returns, the report
//! prints and `-o json` says. Its own module, so that the report and the
//! run each name it without naming each other.

use serde::Serialize;

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

impl End {
    /// As the summary and the report print it.
    pub fn label(self) -> &'static str {
        match self {
            End::Ready => "ready for cutover",
            End::Complete => "COMPLETE",
            End::Failed => "FAILED",
            End::ValidationFailed => "validation FAILED",
            End::NeedsPerson => "needs a person",
            End::TimedOut => "timed out",
            End::WaitingForHost => "waits for a host",
            End::HeldByWave => "held by its wave",
        }
    }
}
