//! The state file: per migration of the plan, each step with its IDs, as
//! it happens. Every change is written to a new file that is then renamed
//! over the old one (after both are on disk), so that a crash at any
//! instant leaves the old state or the new, whole. It holds no secret: the
//! plan's values that are not IDs or statuses stay in the plan.
//!
//! A create is recorded as sent *before* it is sent. A state that says a
//! create was sent and has no job ID is a create whose answer never came:
//! the migration needs a person, and the create is never sent again.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// What the state knows of one migration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// The migration host it holds, from its validation until it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_id: Option<String>,
    /// The validation's last status (`PENDING`, `SUCCESS`, `FAILED`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_status: Option<String>,
    /// When the create was sent (written before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_sent_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_migration_id: Option<String>,
    /// The job's last status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_for_cutover: Option<bool>,
    /// The lag Atlas last reported, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<u64>,
    /// When Atlas first said it was ready for cutover: its cutover timer
    /// runs from then (the API has no deadline field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_since: Option<String>,
    /// `readySince` plus the plan's `cutoverTimer`: Atlas makes the job
    /// `EXPIRED` then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutover_deadline: Option<String>,
    /// What `apply` waits for before its next step (`host`, `ready`,
    /// `approval`, `lag`, `hook`, `person`), as it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// When `fleet approve` approved its cutover, as `apply` took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// `beforeCutover`: `running` (started, not known to have ended: the
    /// next apply runs it again), `done`, or `failed: …`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_cutover: Option<String>,
    /// The events seen (`ready`, `deadline`, `cutoverStarted`, …): each is
    /// told to the plan's `notify` once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<String>,
    /// `afterCutover`, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_cutover: Option<String>,
    /// When the cutover was sent (written before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutover_sent_at: Option<String>,
    /// Atlas accepted the cutover.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cutover_started: bool,
    /// Why a person must look before this migration goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_person: Option<String>,
    /// The last error, when the migration stopped on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub updated_at: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Document {
    version: u32,
    migrations: BTreeMap<String, Entry>,
}

const VERSION: u32 = 1;

/// The state of one `apply`, written through on every change.
pub struct Store {
    path: PathBuf,
    document: Mutex<Document>,
    /// Held open with an exclusive lock while `apply` runs: two applies of
    /// one state would send one create twice. The system drops the lock
    /// when the process ends, however it ends.
    _lock: Option<File>,
}

impl Store {
    /// The state at `path`; an empty one when the file does not exist yet.
    pub fn read(path: &Path) -> Result<Self, String> {
        let document = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str::<Document>(&text).map_err(|e| {
                format!(
                    "the state {} is not a state file of this tool ({e}); \
                     give --state a new path, or the file an earlier apply wrote",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Document {
                version: VERSION,
                ..Document::default()
            },
            Err(e) => return Err(format!("cannot read the state {}: {e}", path.display())),
        };
        if document.version != VERSION {
            return Err(format!(
                "the state {} has version {}; this tool reads version {VERSION}",
                path.display(),
                document.version
            ));
        }
        Ok(Self {
            path: path.to_owned(),
            document: Mutex::new(document),
            _lock: None,
        })
    }

    /// The state at `path`, locked for this process until it ends.
    pub fn open_exclusive(path: &Path) -> Result<Self, String> {
        let lock_path = sibling(path, ".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        lock.try_lock().map_err(|_| {
            format!(
                "another apply is running with the state {} (it holds {}); wait for it to end",
                path.display(),
                lock_path.display()
            )
        })?;
        let mut store = Self::read(path)?;
        store._lock = Some(lock);
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Document> {
        self.document.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry of `name` (an empty one when the state has none).
    pub fn get(&self, name: &str) -> Entry {
        self.lock()
            .migrations
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// The names the state has entries for.
    pub fn names(&self) -> Vec<String> {
        self.lock().migrations.keys().cloned().collect()
    }

    /// Changes the entry of `name` and writes the state before returning:
    /// when this returns `Ok`, the change survives a crash.
    pub fn update(&self, name: &str, change: impl FnOnce(&mut Entry)) -> Result<Entry, String> {
        let mut document = self.lock();
        let entry = document.migrations.entry(name.to_owned()).or_default();
        let before = entry.clone();
        change(entry);
        if *entry == before {
            return Ok(before);
        }
        entry.updated_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let after = entry.clone();
        self.write(&document)?;
        Ok(after)
    }

    /// Removes the entry of `name`; `false` when there was none.
    pub fn forget(&self, name: &str) -> Result<bool, String> {
        let mut document = self.lock();
        if document.migrations.remove(name).is_none() {
            return Ok(false);
        }
        self.write(&document)?;
        Ok(true)
    }

    /// A new file beside the old, synced, renamed over it, and the folder
    /// synced: the rename is then on disk too.
    fn write(&self, document: &Document) -> Result<(), String> {
        let fail = |what: &str, e: std::io::Error| {
            format!(
                "cannot {what} the state {}: {e}; the last change is not recorded, \
                 so this apply stops here",
                self.path.display()
            )
        };
        let text = serde_json::to_string_pretty(document).expect("the state serializes");
        let new = sibling(&self.path, ".new");
        let mut file = File::create(&new).map_err(|e| fail("write", e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| fail("write", e))?;
        std::fs::rename(&new, &self.path).map_err(|e| fail("replace", e))?;
        let folder = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // Not every system can open a folder to sync it; the rename is
        // whole either way.
        if let Ok(folder) = File::open(folder) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

/// `path` with `suffix` added to its file name.
/// Whether an `apply` holds the state at `path` now.
pub fn held_by_apply(path: &Path) -> bool {
    let Ok(lock) = OpenOptions::new().write(true).open(sibling(path, ".lock")) else {
        return false;
    };
    match lock.try_lock() {
        Ok(()) => {
            let _ = lock.unlock();
            false
        }
        Err(_) => true,
    }
}

/// The approvals beside the state (`<state>.approvals`): `fleet approve`
/// appends a line per migration (`name`, a tab, when), which needs no lock,
/// so a running `apply` takes it within one polling interval; `apply` and
/// `status` read it.
fn approvals_path(state: &Path) -> PathBuf {
    sibling(state, ".approvals")
}

/// Approves the cutover of `names`: one line each, on disk when this
/// returns. Gives the time recorded.
pub fn approve(state: &Path, names: &[String]) -> Result<String, String> {
    let at = now();
    let path = approvals_path(state);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let lines: String = names.iter().map(|name| format!("{name}\t{at}\n")).collect();
    file.write_all(lines.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(at)
}

/// The approvals given so far: each migration's first.
pub fn approvals(state: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(approvals_path(state)).unwrap_or_default();
    let mut approvals = BTreeMap::new();
    for line in text.lines() {
        if let Some((name, at)) = line.split_once('\t') {
            approvals
                .entry(name.to_owned())
                .or_insert_with(|| at.to_owned());
        }
    }
    approvals
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_is_on_disk_when_update_returns() {
        let folder = std::env::temp_dir().join(format!("fleet-state-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("state.json");
        let _ = std::fs::remove_file(&path);
        let store = Store::open_exclusive(&path).unwrap();
        store
            .update("app-01", |e| e.create_sent_at = Some("now".into()))
            .unwrap();
        let again = Store::read(&path).unwrap();
        assert_eq!(again.get("app-01").create_sent_at.as_deref(), Some("now"));
        // The lock keeps a second apply out while the first runs.
        let second = Store::open_exclusive(&path).err().unwrap_or_default();
        assert!(second.contains("another apply is running"), "{second}");
        assert!(store.forget("app-01").unwrap());
        assert_eq!(Store::read(&path).unwrap().names(), Vec::<String>::new());
        drop(store);
        assert!(Store::open_exclusive(&path).is_ok());
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
