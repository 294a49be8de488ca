//! The programs a plan runs around each cutover (`beforeCutover`: stop the
//! application's writes; `afterCutover`: point it at Atlas), in the order of
//! MongoDB's procedure. A program runs without a shell, with the migration
//! named in its environment (`FLEET_NAME`, `FLEET_LIVE_MIGRATION_ID`, …) and
//! with no Atlas credential and no source password in it; its output goes to
//! a log per migration beside the state, never to the terminal's status
//! lines. A program that runs longer than `hookTimeout` is killed.
//!
//! A hook may run twice: a crash during it leaves it unfinished in the
//! state, and the next `apply` runs it again (the README says hooks must be
//! safe to run twice). A cutover is never sent after a `beforeCutover` that
//! did not finish with success.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The environment variables a hook never sees: every `MONGODB_ATLAS_…`
/// variable (the credentials, the source password of `create`) and the
/// plan's password variables.
pub fn hidden(password_variables: &[String]) -> Vec<String> {
    let mut hidden: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("MONGODB_ATLAS_"))
        .collect();
    hidden.extend(password_variables.iter().cloned());
    hidden
}

/// The folder of the logs beside the state: `<state>.logs`.
fn logs(state: &Path) -> PathBuf {
    let mut folder = state.as_os_str().to_owned();
    folder.push(".logs");
    PathBuf::from(folder)
}

/// The log of the `notify` program: `<state>.logs/notify.log`.
pub fn notify_log(state: &Path) -> PathBuf {
    logs(state).join("notify.log")
}

/// The log of migration `name`'s hooks: `<state>.logs/<name>.log`.
pub fn log_path(state: &Path, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    logs(state).join(format!("{safe}.log"))
}

/// Runs `program` (its first word the program, the rest its arguments)
/// with `env` added and `hidden` taken out, its output appended to `log`;
/// `Err` says how it failed, with the log's last lines.
pub async fn run(
    hook: &str,
    program: &[String],
    env: &[(&str, String)],
    hidden: &[String],
    timeout: Duration,
    log: &Path,
    stdin: Option<Vec<u8>>,
) -> Result<(), String> {
    let Some((command, args)) = program.split_first() else {
        return Err(format!("{hook} names no program"));
    };
    if let Some(folder) = log.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot make the hook log folder {}: {e}", folder.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open the hook log {}: {e}", log.display()))?;
    let started = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
    let _ = writeln!(file, "--- {hook} started {started}: {}", program.join(" "));
    let output = file
        .try_clone()
        .map_err(|e| format!("cannot write the hook log {}: {e}", log.display()))?;
    let errors = file
        .try_clone()
        .map_err(|e| format!("cannot write the hook log {}: {e}", log.display()))?;
    let mut child = tokio::process::Command::new(command);
    child
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::from(output))
        .stderr(Stdio::from(errors))
        .kill_on_drop(true);
    for name in hidden {
        child.env_remove(name);
    }
    for (name, value) in env {
        child.env(name, value);
    }
    let mut child = child
        .spawn()
        .map_err(|e| format!("{hook} `{command}` did not start: {e}"))?;
    if let (Some(bytes), Some(mut input)) = (stdin, child.stdin.take()) {
        use tokio::io::AsyncWriteExt;
        // A program that does not read its input is no failure.
        let _ = input.write_all(&bytes).await;
        drop(input);
    }
    let ended = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("{hook} `{command}` ended with {status}")),
        Ok(Err(e)) => Err(format!("{hook} `{command}` could not be waited for: {e}")),
        Err(_) => {
            let _ = child.kill().await;
            Err(format!(
                "{hook} `{command}` ran past hookTimeout ({}) and was killed",
                humantime::format_duration(timeout)
            ))
        }
    };
    let _ = writeln!(
        file,
        "--- {hook} {}",
        match &ended {
            Ok(()) => "succeeded".to_owned(),
            Err(why) => format!("failed: {why}"),
        }
    );
    ended.map_err(|why| {
        format!(
            "{why}; the last lines of {}:\n{}",
            log.display(),
            tail(log, 5)
        )
    })
}

/// The last `n` lines of `path`, indented.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
