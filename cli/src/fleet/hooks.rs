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
/// variable (the credentials, the source password of `create`), every
/// `MCLI_…` one (the source side's keys), the plan's password variables,
/// and proxy variables that carry a user or password (`https://u:p@proxy`).
pub fn hidden(password_variables: &[String]) -> Vec<String> {
    let mut hidden: Vec<String> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
        .filter(|(name, value)| {
            name.starts_with("MONGODB_ATLAS_")
                || name.starts_with("MCLI_")
                || (name.to_ascii_lowercase().ends_with("_proxy")
                    && value.to_string_lossy().contains('@'))
        })
        .map(|(name, _)| name)
        .collect();
    hidden.extend(password_variables.iter().cloned());
    hidden
}

/// How long a program's group has after `SIGTERM` before `SIGKILL`.
const GRACE: Duration = Duration::from_secs(3);

/// A hook's log grows to at most this; past it, the output is dropped
/// and the log says so.
const LOG_CAP: u64 = 8 * 1024 * 1024;

/// The process groups of the programs running now: an interrupted apply
/// ends them all.
static RUNNING: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());

fn running() -> std::sync::MutexGuard<'static, Vec<i32>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends `signal` to the process group `group` (the program and every
/// process it started that did not leave the group).
fn signal_group(group: i32, signal: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(group), signal);
}

/// Ends the group `group`: `SIGTERM`, then `SIGKILL` after [`GRACE`] (to
/// whatever in it is left then).
async fn end_group(group: i32) {
    signal_group(group, nix::sys::signal::Signal::SIGTERM);
    let waited = tokio::time::Instant::now();
    while waited.elapsed() < GRACE {
        // Signal 0: whether any process of the group is left.
        if nix::sys::signal::killpg(nix::unistd::Pid::from_raw(group), None).is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    signal_group(group, nix::sys::signal::Signal::SIGKILL);
}

/// Ends every program running now (an apply interrupted): each group gets
/// `SIGTERM`, then `SIGKILL` after a grace.
pub async fn end_all() {
    let mut ends = tokio::task::JoinSet::new();
    for group in running().clone() {
        ends.spawn(end_group(group));
    }
    while ends.join_next().await.is_some() {}
}

/// What a failed hook's message says before its log's path and last lines.
pub const LAST_LINES_OF: &str = "; the last lines of ";

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
/// in a process group of its own, with `env` added and `hidden` taken out,
/// its output appended to `log` (capped), `stdin` written to it within
/// the time limit; past `timeout` its whole group is ended. `Err` says how
/// it failed, with the log's last lines.
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
    let mut child = tokio::process::Command::new(command);
    child
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: what it starts is ended with it.
        .process_group(0)
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
    let group = child.id().and_then(|id| i32::try_from(id).ok());
    if let Some(group) = group {
        running().push(group);
    }
    let written = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(
        file.metadata().map(|m| m.len()).unwrap_or(0),
    ));
    let copies = [
        child
            .stdout
            .take()
            .map(|out| copy_capped(out, &file, &written)),
        child
            .stderr
            .take()
            .map(|out| copy_capped(out, &file, &written)),
    ];
    let input = stdin.zip(child.stdin.take());
    let work = async {
        if let Some((bytes, mut pipe)) = input {
            use tokio::io::AsyncWriteExt;
            // A program that does not read its input is no failure.
            let _ = pipe.write_all(&bytes).await;
            drop(pipe);
        }
        child.wait().await
    };
    let ended = match tokio::time::timeout(timeout, work).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("{hook} `{command}` ended with {status}")),
        Ok(Err(e)) => Err(format!("{hook} `{command}` could not be waited for: {e}")),
        Err(_) => Err(format!(
            "{hook} `{command}` ran past hookTimeout ({}); it and every process it started were \
             ended",
            humantime::format_duration(timeout)
        )),
    };
    if let Some(group) = group {
        if ended.is_err() {
            end_group(group).await;
        }
        let _ = child.wait().await;
        running().retain(|g| *g != group);
    }
    // What it printed, up to a moment after it ended (a process it left
    // running may hold its output open).
    for copy in copies.into_iter().flatten() {
        let _ = tokio::time::timeout(Duration::from_millis(500), copy).await;
    }
    let _ = writeln!(
        file,
        "--- {hook} {}",
        match &ended {
            Ok(()) => "succeeded".to_owned(),
            Err(why) => format!("failed: {why}"),
        }
    );
    ended.map_err(|why| format!("{why}{LAST_LINES_OF}{}:\n{}", log.display(), tail(log, 5)))
}

/// Copies `from` to the log `to` until its end, writing no more once the
/// log holds [`LOG_CAP`] bytes (and saying so once).
fn copy_capped(
    mut from: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    to: &std::fs::File,
    written: &std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    use std::sync::atomic::Ordering;
    let to = to.try_clone();
    let written = written.clone();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let Ok(mut to) = to else { return };
        let mut buffer = vec![0u8; 16 * 1024];
        let mut said = false;
        loop {
            let n = match from.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let so_far = written.fetch_add(n as u64, Ordering::Relaxed);
            if so_far + n as u64 <= LOG_CAP {
                let _ = to.write_all(&buffer[..n]);
            } else if !said {
                said = true;
                let _ = writeln!(
                    to,
                    "\n--- the log holds {LOG_CAP} bytes: the rest of this output is dropped"
                );
            }
        }
    })
}

/// The last `n` lines of `path`, indented, read from its end.
fn tail(path: &Path, n: usize) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let mut text = Vec::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let length = file.metadata().map(|m| m.len()).unwrap_or(0);
        let from = length.saturating_sub(16 * 1024);
        let _ = file
            .seek(SeekFrom::Start(from))
            .and_then(|_| file.read_to_end(&mut text));
    }
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
