//! The state file: per migration of the plan, each step with its IDs, as
//! it happens. It is a journal: a first line that says its version, then a
//! line per change, the changed migration's entry whole, appended and
//! synced before the change is acted on. So a change costs the bytes of one
//! entry, not of the fleet's, and a crash at any instant loses no change:
//! a last line cut short by it is the one change that was not recorded, and
//! is left out. Now and then (when the journal holds four times the entries'
//! lines) it is compacted: the entries written to a new file that is then
//! renamed over the old one (after both are on disk), so that a reader
//! (`fleet status`) sees the old journal or the new, whole. It holds no
//! secret: the plan's values that are not IDs or statuses stay in the plan.
//!
//! A change that is acted on is synced before `update` returns; changes
//! made at the same time by several migrations share one sync: a thread of
//! the store's own syncs the journal while changes are asked to be on
//! disk, each sync taking every line written before it began, and `update`
//! waits for it without holding an async worker. A reading (a lag, the time
//! of a read) is written without a sync: a crash may lose the last few,
//! never an intent.
//!
//! Each migration's lag readings ride on its lines, timed, and are thinned
//! as they age (the older, the further apart: about 15 per doubling of
//! age), so that a week of readings is under 200: the page of `fleet
//! serve` draws them.
//!
//! A create is recorded as sent *before* it is sent. A state that says a
//! create was sent and has no job ID is a create whose answer never came:
//! the migration needs a person, and the create is never sent again.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

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
    /// What versions 2 kept of the lags (the last that differed): read,
    /// never written; the timed readings replace it.
    #[serde(default, skip_serializing)]
    pub recent_lags: Vec<u64>,
    /// When the job was last read, and what that read said of its
    /// readiness is `ready_for_cutover`: the first read that says ready
    /// puts `ready_since` at this read, which said not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
    /// No later than the moment Atlas made it ready for cutover (its timer
    /// runs from then; the API has no deadline field): the last read that
    /// said not ready, else the create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_since: Option<String>,
    /// `readySince` plus the plan's `cutoverTimer`: Atlas makes the job
    /// `EXPIRED` then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutover_deadline: Option<String>,
    /// What `apply` waits for before its next step (`host`, `ready`,
    /// `wave`, `approval`, `window`, `cutoverSlot`, `lag`, `hook`,
    /// `person`), as it goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// Its wave in the plan, as the last apply read it (`fleet status`
    /// reads the state alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<u32>,
    /// When `fleet approve` approved the cutover of this entry's job, as
    /// `apply` took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// Who approved it (`user@host`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
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
    /// `onCutoverAbort`: how it last ended (`done`, `failed: …`), with its
    /// reason, when a successful `beforeCutover` was followed by no
    /// cutover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutover_aborted: Option<String>,
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

impl Entry {
    /// `beforeCutover` stopped the application's writes and neither a
    /// cutover nor `onCutoverAbort` followed: the application is
    /// write-stopped, and a person must know.
    pub fn writes_stopped(&self) -> bool {
        self.before_cutover.as_deref() == Some("done") && self.cutover_sent_at.is_none()
    }

    /// The job's cutover was sent (its answer may have been lost): from
    /// here the cutover is driven from where it is, never gated again.
    pub fn cutover_sent(&self) -> bool {
        self.cutover_sent_at.is_some() || self.cutover_started
    }
}

/// One lag reading: when it was read (seconds since the Unix epoch) and
/// the lag Atlas reported then, in seconds. Written `[at, lag]`.
pub type Reading = (u64, u64);

/// The state as the first version wrote it: one JSON document.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Document {
    version: u32,
    migrations: BTreeMap<String, Entry>,
    /// Each migration's lag readings, oldest first (never in version 1).
    #[serde(skip)]
    readings: BTreeMap<String, Vec<Reading>>,
    /// Changes recorded since the state began (compactions keep the count).
    #[serde(skip)]
    changes: u64,
}

/// The journal's version, on its first line. Version 3 added the lag
/// readings and the count of changes; it reads version 2's journals.
const VERSION: u32 = 3;

/// The journal's first line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    version: u32,
    /// Changes recorded before this journal was compacted.
    #[serde(default, skip_serializing_if = "is_zero")]
    changes: u64,
    /// The lines after this one that are the compaction's (the entries
    /// as they were), not changes.
    #[serde(default, skip_serializing_if = "is_zero")]
    compacted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A line of the journal: a migration's entry as it is now, or its end;
/// with lag readings to add to its own (a compaction writes them all).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Change {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entry: Option<Entry>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    forgotten: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lags: Vec<Reading>,
}

/// The smallest spacing kept between two readings, in seconds.
const FINEST: u64 = 15;

/// Readings younger than this are kept `FINEST` apart; each doubling of
/// age beyond it doubles the spacing.
const FINEST_FOR: u64 = 30 * FINEST;

/// The spacing of readings of age `age`: 15 s, then 30 s from 7.5 min,
/// 60 s from 15 min, and so on; each a multiple of the one before, so the
/// stretches of time it cuts (aligned on the epoch) nest as they age.
fn spacing(age: u64) -> u64 {
    let mut spacing = FINEST;
    while age >= FINEST_FOR * (spacing / FINEST) {
        spacing *= 2;
    }
    spacing
}

/// Thins `readings` (oldest first) as they age: one reading is kept in
/// each stretch of time of [`spacing`] for its age, the newest of it; the
/// newest reading is always kept as it was read. About 15 readings per
/// doubling of age: a week of readings every 15 s (40,320) keeps under
/// 200, whether thinned at each reading or at once. A peak is not lost:
/// the highest lag of the readings left out is carried to the next older
/// one kept.
pub fn thin(readings: &mut Vec<Reading>) {
    let Some(&(newest, _)) = readings.last() else {
        return;
    };
    let mut kept_at: Option<u64> = None;
    let mut keep = vec![false; readings.len()];
    let mut carried = 0;
    let mut oldest_kept = readings.len() - 1;
    for i in (0..readings.len()).rev() {
        let (at, lag) = readings[i];
        let width = spacing(newest.saturating_sub(at));
        if kept_at.is_none_or(|kept| kept / width != at / width) {
            keep[i] = true;
            kept_at = Some(at);
            readings[i].1 = lag.max(carried);
            carried = 0;
            oldest_kept = i;
        } else {
            carried = carried.max(lag);
        }
    }
    readings[oldest_kept].1 = readings[oldest_kept].1.max(carried);
    let mut flags = keep.into_iter();
    readings.retain(|_| flags.next().unwrap_or(false));
}

/// Seconds since the Unix epoch of an RFC 3339 time.
pub fn unix_seconds(at: &str) -> Option<u64> {
    humantime::parse_rfc3339(at)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// What the syncer knows: how far the journal is written and synced, and
/// how far changes wait for it.
#[derive(Default)]
struct SyncState {
    /// The journal's file now (a compaction replaces it).
    file: Option<Arc<File>>,
    /// Bytes written to the state (the journal's `written`), all of them.
    written: u64,
    /// Bytes a change waits to see on disk.
    requested: u64,
    /// Bytes that are on disk.
    synced: u64,
    /// A sync failed: what is written past `synced` may not be on disk, so
    /// nothing more is written or acted on.
    failed: Option<String>,
    /// The store is dropped: the syncer ends once nothing is asked of it.
    closing: bool,
    /// Syncs made by the syncer.
    syncs: u64,
}

/// The syncer's state, shared with the store: a condition variable wakes
/// the syncer and the blocking waiters; a watch tells the async waiters.
struct Syncs {
    state: Mutex<SyncState>,
    wake: Condvar,
    /// `synced`, and the failure if there was one.
    told: tokio::sync::watch::Sender<(u64, Option<String>)>,
}

impl Syncs {
    fn lock(&self) -> std::sync::MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells the waiters how far the journal is on disk.
    fn tell(&self, state: &SyncState) {
        self.told.send_replace((state.synced, state.failed.clone()));
        self.wake.notify_all();
    }

    /// The syncer: syncs the journal while a change waits for bytes past
    /// `synced`; each sync takes every byte written before it began.
    fn run(&self, fail: impl Fn(&std::io::Error) -> String) {
        let mut state = self.lock();
        loop {
            while state.requested <= state.synced && !state.closing && state.failed.is_none() {
                state = self.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.failed.is_some() || (state.closing && state.requested <= state.synced) {
                return;
            }
            let (Some(file), target) = (state.file.clone(), state.written) else {
                return;
            };
            drop(state);
            let outcome = file.sync_data();
            state = self.lock();
            state.syncs += 1;
            match outcome {
                Ok(()) => state.synced = state.synced.max(target),
                Err(e) => state.failed = Some(fail(&e)),
            }
            self.tell(&state);
        }
    }
}

/// Where an exclusive store appends, and what it has written.
struct Journal {
    /// The file it wrote last (the compaction's, kept open: never a path
    /// opened again, which could fail or find another file); shared with
    /// the sync under way.
    file: Arc<File>,
    /// Its length: every whole line, and nothing after it.
    length: u64,
    /// Lines since the last compaction.
    lines: usize,
    /// The compaction's length: the journal is compacted again once its
    /// appended lines are more than that (and than four lines an entry),
    /// so that rewriting the readings costs no more than appending them.
    compacted: u64,
    /// Bytes written to the state (appends and compactions), and changes.
    written: u64,
    changes: u64,
    /// A failed write that could not be undone: the file may end with a
    /// fragment, so nothing more is appended to it by this process.
    broken: Option<String>,
}

/// The state of one `apply`, written through on every change.
pub struct Store {
    path: PathBuf,
    document: Mutex<Document>,
    /// The journal an exclusive store appends to.
    journal: Mutex<Option<Journal>>,
    /// Its syncs, and the changes waiting for one.
    syncs: Arc<Syncs>,
    /// The thread that syncs the journal (an exclusive store's).
    syncer: Option<std::thread::JoinHandle<()>>,
    /// Held open with an exclusive lock while `apply` runs: two applies of
    /// one state would send one create twice. The system drops the lock
    /// when the process ends, however it ends.
    _lock: Option<File>,
}

impl Store {
    /// The state at `path`; an empty one when the file does not exist yet.
    /// Reads the journal, and the single document the first version wrote.
    pub fn read(path: &Path) -> Result<Self, String> {
        let not_ours = |e: String| {
            format!(
                "the state {} cannot be read as a state file of this tool ({e}); it is left \
                 as it is. If an apply wrote it, do not start over with a new --state: the \
                 migrations it names may exist in Atlas, and a new state would create them \
                 again. Each line after the first is one migration's entry as JSON: mend or \
                 remove the line named, or restore the file, then run again",
                path.display()
            )
        };
        let document = match std::fs::read_to_string(path) {
            Ok(text) => match serde_json::from_str::<Document>(&text) {
                Ok(document) if document.version == 1 => document,
                Ok(document) => {
                    return Err(format!(
                        "the state {} has version {}; this tool reads versions 1 and {VERSION}",
                        path.display(),
                        document.version
                    ));
                }
                Err(_) => replay(&text).map_err(not_ours)?,
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Document::default(),
            Err(e) => return Err(format!("cannot read the state {}: {e}", path.display())),
        };
        Ok(Self {
            path: path.to_owned(),
            document: Mutex::new(document),
            journal: Mutex::new(None),
            syncs: Arc::new(Syncs {
                state: Mutex::new(SyncState::default()),
                wake: Condvar::new(),
                told: tokio::sync::watch::Sender::new((0, None)),
            }),
            syncer: None,
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
        // `fleet status` takes the lock for an instant to see whether an
        // apply holds it: an apply that starts at that instant tries again
        // rather than being refused.
        let mut tries = 0;
        while lock.try_lock().is_err() {
            tries += 1;
            if tries == 20 {
                return Err(format!(
                    "another apply is running with the state {} (it holds {}); wait for it to \
                     end",
                    path.display(),
                    lock_path.display()
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let mut store = Self::read(path)?;
        store._lock = Some(lock);
        // Compacted once it is ours: a first version's document becomes a
        // journal, and the journal starts short.
        let document = store.lock();
        let journal = store.compact(&document, 0, 0)?;
        drop(document);
        {
            let mut state = store.syncs.lock();
            state.file = Some(Arc::clone(&journal.file));
            state.written = journal.written;
            state.synced = journal.written;
            store.syncs.tell(&state);
        }
        *store.journal_lock() = Some(journal);
        let syncs = Arc::clone(&store.syncs);
        let path = store.path.clone();
        store.syncer = Some(
            std::thread::Builder::new()
                .name("state-sync".to_owned())
                .spawn(move || syncs.run(|e| failed(&path, "sync", e)))
                .map_err(|e| format!("cannot start the state's sync thread: {e}"))?,
        );
        Ok(store)
    }

    fn journal_lock(&self) -> std::sync::MutexGuard<'_, Option<Journal>> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes recorded since the state began.
    pub fn changes(&self) -> u64 {
        self.lock().changes
    }

    /// The lag readings of `name`, oldest first.
    pub fn readings(&self, name: &str) -> Vec<Reading> {
        self.lock().readings.get(name).cloned().unwrap_or_default()
    }

    /// Changes and bytes written to the state by this store so far.
    pub fn written(&self) -> (u64, u64) {
        self.journal_lock()
            .as_ref()
            .map_or((0, 0), |j| (j.changes, j.written))
    }

    /// Syncs of the journal by this store so far (besides its compactions).
    pub fn syncs(&self) -> u64 {
        self.syncs.lock().syncs
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
    /// when this returns `Ok`, the change survives a crash. The wait for
    /// the sync holds no async worker: changes made meanwhile by other
    /// migrations join it.
    pub async fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut Entry),
    ) -> Result<Entry, String> {
        let (entry, written) = self.change(name, change, None)?;
        self.synced_through(written).await?;
        Ok(entry)
    }

    /// [`update`](Self::update) for a caller that is not async (a command
    /// that changes one entry): it blocks until the change is on disk.
    pub fn update_blocking(
        &self,
        name: &str,
        change: impl FnOnce(&mut Entry),
    ) -> Result<Entry, String> {
        let (entry, written) = self.change(name, change, None)?;
        blocking(|| self.synced_through_blocking(written))?;
        Ok(entry)
    }

    /// Like [`update`](Self::update) for a reading (a lag, the time of a
    /// read): written, not synced, so a crash may lose the last few, never
    /// an intent. A reading that changes what the entry decides (its
    /// status, its readiness) is an [`update`](Self::update).
    pub fn note(&self, name: &str, change: impl FnOnce(&mut Entry)) -> Result<Entry, String> {
        self.change(name, change, None).map(|(entry, _)| entry)
    }

    /// A read of the job: its change to the entry, with its lag reading
    /// kept for the charts (thinned as it ages); a [`note`](Self::note),
    /// even when the read changes what the migration does next (its
    /// status, its readiness): whatever is then done is preceded by a
    /// change that waits for its sync (a create, a cutover, a hook, a
    /// notice is recorded before it happens), and syncs go in the
    /// journal's order, so the read is on disk before anything is acted on
    /// it. A crash before that loses the read, which the next apply makes
    /// again. It is called from the client's wait, which cannot wait.
    pub fn record_read(
        &self,
        name: &str,
        change: impl FnOnce(&mut Entry),
        reading: Option<Reading>,
    ) -> Result<Entry, String> {
        self.change(name, change, reading).map(|(entry, _)| entry)
    }

    /// Returns once every change written so far is on disk.
    pub async fn settled(&self) -> Result<(), String> {
        let written = self.syncs.lock().written;
        self.synced_through(written).await
    }

    /// Changes the entry and appends it to the journal, unsynced: gives
    /// the entry and the bytes written through its line (0 when nothing
    /// changed), which a change acted on waits to see synced.
    fn change(
        &self,
        name: &str,
        change: impl FnOnce(&mut Entry),
        reading: Option<Reading>,
    ) -> Result<(Entry, u64), String> {
        let mut document = self.lock();
        let entry = document.migrations.entry(name.to_owned()).or_default();
        let before = entry.clone();
        change(entry);
        if *entry == before && reading.is_none() {
            return Ok((before, 0));
        }
        entry.updated_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let after = entry.clone();
        let line = Change {
            name: name.to_owned(),
            entry: Some(after.clone()),
            forgotten: false,
            lags: reading.into_iter().collect(),
        };
        let written = match self.append(&document, &line) {
            Ok(written) => written,
            Err(problem) => {
                // Not on disk: not in the state either.
                document.migrations.insert(name.to_owned(), before);
                return Err(problem);
            }
        };
        document.changes += 1;
        if let Some(reading) = reading {
            let readings = document.readings.entry(name.to_owned()).or_default();
            readings.push(reading);
            thin(readings);
        }
        Ok((after, written))
    }

    /// Asks the syncer for the journal's bytes up to `written`.
    fn ask(&self, written: u64) {
        let mut state = self.syncs.lock();
        if written > state.requested {
            state.requested = written;
            self.syncs.wake.notify_all();
        }
    }

    /// Returns once the journal is on disk up to `written` (bytes of
    /// `Journal::written`), by a sync that began after they were written:
    /// the error of a sync that failed first.
    async fn synced_through(&self, written: u64) -> Result<(), String> {
        self.ask(written);
        let mut told = self.syncs.told.subscribe();
        let said = told
            .wait_for(|(synced, failed)| *synced >= written || failed.is_some())
            .await
            .map_err(|_| "the state's sync thread ended".to_owned())?;
        match &*said {
            (synced, _) if *synced >= written => Ok(()),
            (_, failed) => Err(failed.clone().unwrap_or_default()),
        }
    }

    /// [`synced_through`](Self::synced_through), blocking this thread.
    fn synced_through_blocking(&self, written: u64) -> Result<(), String> {
        self.ask(written);
        let mut state = self.syncs.lock();
        loop {
            if state.synced >= written {
                return Ok(());
            }
            if let Some(failed) = &state.failed {
                return Err(failed.clone());
            }
            state = self
                .syncs
                .wake
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Removes the entry of `name`, on disk when this returns; `false` when
    /// there was none.
    pub fn forget(&self, name: &str) -> Result<bool, String> {
        let mut document = self.lock();
        let Some(before) = document.migrations.remove(name) else {
            return Ok(false);
        };
        let line = Change {
            name: name.to_owned(),
            entry: None,
            forgotten: true,
            lags: Vec::new(),
        };
        let written = match self.append(&document, &line) {
            Ok(written) => written,
            Err(problem) => {
                document.migrations.insert(name.to_owned(), before);
                return Err(problem);
            }
        };
        document.changes += 1;
        document.readings.remove(name);
        drop(document);
        blocking(|| self.synced_through_blocking(written))?;
        Ok(true)
    }

    fn fail(&self, what: &str, e: &std::io::Error) -> String {
        failed(&self.path, what, e)
    }

    /// Appends `line` to the journal, unsynced: gives the journal's
    /// `written` after it, which [`synced_through`](Self::synced_through)
    /// waits for when the change is acted on. The journal is compacted
    /// when it has grown past four lines an entry and past its compacted
    /// length. A write that fails leaves the file as it was: cut back to
    /// its last whole line.
    fn append(&self, document: &Document, line: &Change) -> Result<u64, String> {
        let mut journal = self.journal_lock();
        let Some(open) = journal.as_mut() else {
            return Err(format!(
                "the state {} is open for reading only",
                self.path.display()
            ));
        };
        if let Some(why) = &open.broken {
            return Err(why.clone());
        }
        if let Some(why) = &self.syncs.lock().failed {
            return Err(why.clone());
        }
        let mut text = serde_json::to_string(line).expect("a change serializes");
        text.push('\n');
        // Into the page cache: no wait for the disk (the sync is the
        // syncer's), so it is written on the async worker itself.
        let written = faults::write(&open.file, text.as_bytes());
        if let Err(e) = written {
            let problem = self.fail("write", &e);
            // Back to the last whole line, so that the next append does not
            // glue itself to a fragment.
            let length = open.length;
            let undone = blocking(|| {
                open.file.set_len(length)?;
                (&*open.file).seek(SeekFrom::Start(length))?;
                open.file.sync_data()
            });
            if let Err(undo) = undone {
                open.broken = Some(format!(
                    "{problem}; cutting the state back to its last whole line failed too \
                     ({undo}), so this apply writes no more (a reader leaves a cut last line \
                     out)"
                ));
            }
            return Err(problem);
        }
        open.length += text.len() as u64;
        open.lines += 1;
        open.written += text.len() as u64;
        open.changes += 1;
        let appended = open.length.saturating_sub(open.compacted);
        if open.lines > 64.max(4 * document.migrations.len()) && appended > open.compacted {
            let (written, changes) = (open.written, open.changes);
            // A compaction that fails leaves the journal as it was: whole,
            // with this change in it. One that is written is synced, so
            // every change before it is on disk.
            if let Ok(compacted) = self.compact_with(document, line, written, changes) {
                let mut state = self.syncs.lock();
                state.file = Some(Arc::clone(&compacted.file));
                state.written = compacted.written;
                state.synced = state.synced.max(compacted.written);
                self.syncs.tell(&state);
                drop(state);
                *journal = Some(compacted);
                return Ok(journal.as_ref().map_or(0, |j| j.written));
            }
        }
        let written = journal.as_ref().map_or(0, |j| j.written);
        let mut state = self.syncs.lock();
        if let Some(open) = journal.as_ref() {
            state.file = Some(Arc::clone(&open.file));
        }
        state.written = written;
        Ok(written)
    }

    /// A compaction made while `line` is being appended: `document` does
    /// not have its readings yet.
    fn compact_with(
        &self,
        document: &Document,
        line: &Change,
        written: u64,
        changes: u64,
    ) -> Result<Journal, String> {
        if line.lags.is_empty() && !line.forgotten {
            return self.compact(document, written, changes);
        }
        let mut readings = document.readings.clone();
        if line.forgotten {
            readings.remove(&line.name);
        }
        let mine = readings.entry(line.name.clone()).or_default();
        mine.extend(&line.lags);
        thin(mine);
        self.write_compaction(
            &document.migrations,
            &readings,
            document.changes + 1,
            written,
            changes,
        )
    }

    /// The entries as a new journal beside the old, synced, renamed over
    /// it, and the folder synced: the rename is then on disk too. Gives
    /// the new journal, its file the one written (kept open to append).
    fn compact(&self, document: &Document, written: u64, changes: u64) -> Result<Journal, String> {
        self.write_compaction(
            &document.migrations,
            &document.readings,
            document.changes,
            written,
            changes,
        )
    }

    fn write_compaction(
        &self,
        migrations: &BTreeMap<String, Entry>,
        readings: &BTreeMap<String, Vec<Reading>>,
        recorded: u64,
        written: u64,
        changes: u64,
    ) -> Result<Journal, String> {
        let header = Header {
            version: VERSION,
            changes: recorded,
            compacted: migrations.len() as u64,
        };
        let mut text = serde_json::to_string(&header).expect("serializes");
        text.push('\n');
        for (name, entry) in migrations {
            let line = Change {
                name: name.clone(),
                entry: Some(entry.clone()),
                forgotten: false,
                lags: readings.get(name).cloned().unwrap_or_default(),
            };
            text.push_str(&serde_json::to_string(&line).expect("a change serializes"));
            text.push('\n');
        }
        let new = sibling(&self.path, ".new");
        let file = blocking(|| -> std::io::Result<File> {
            let file = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&new)?;
            faults::write(&file, text.as_bytes())?;
            file.sync_all()?;
            Ok(file)
        })
        .map_err(|e| {
            let _ = std::fs::remove_file(&new);
            self.fail("write", &e)
        })?;
        std::fs::rename(&new, &self.path).map_err(|e| self.fail("replace", &e))?;
        let folder = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // The rename is on disk only once the folder is.
        blocking(|| File::open(folder).and_then(|folder| folder.sync_all()))
            .map_err(|e| self.fail("sync the folder of", &e))?;
        Ok(Journal {
            file: Arc::new(file),
            length: text.len() as u64,
            lines: 0,
            compacted: text.len() as u64,
            written: written + text.len() as u64,
            changes,
            broken: None,
        })
    }
}

/// What a change that could not be written or synced is told.
fn failed(path: &Path, what: &str, e: &std::io::Error) -> String {
    format!(
        "cannot {what} the state {}: {e}; the last change is not recorded, so this \
         migration stops here (the state keeps every change before it: once the disk \
         has room, apply again with the same --state)",
        path.display()
    )
}

impl Drop for Store {
    /// The syncer ends once every change asked of it is on disk.
    fn drop(&mut self) {
        {
            let mut state = self.syncs.lock();
            state.closing = true;
            self.syncs.wake.notify_all();
        }
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.join();
        }
    }
}

/// Where the journal's bytes go: the file, as they are.
#[cfg(not(test))]
mod faults {
    use std::io::Write;

    pub fn write(mut file: &std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
        file.write_all(bytes)
    }
}

/// Writes that fail part-way, for the tests of a full disk: after
/// `room` more bytes (this thread's), every write fails as a full disk
/// does, the bytes before it written.
#[cfg(test)]
mod faults {
    use std::cell::Cell;
    use std::io::Write;

    thread_local! {
        pub static ROOM: Cell<Option<usize>> = const { Cell::new(None) };
    }

    pub fn write(mut file: &std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
        let Some(room) = ROOM.get() else {
            return file.write_all(bytes);
        };
        let fits = room.min(bytes.len());
        file.write_all(&bytes[..fits])?;
        ROOM.set(Some(room - fits));
        if fits < bytes.len() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device (os error 28)",
            ));
        }
        Ok(())
    }
}

/// Runs `work`, which blocks on the disk, so that the async runtime's other
/// tasks go on meanwhile on another worker.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// The entries a journal's lines leave: its first line the header, each
/// other a change. A last line without its end is a change a crash cut
/// short, not recorded: it is left out.
fn replay(text: &str) -> Result<Document, String> {
    let mut lines = text.split_inclusive('\n');
    let header: Header = lines
        .next()
        .ok_or("it is empty")
        .map_err(str::to_owned)
        .and_then(|line| serde_json::from_str(line).map_err(|e| e.to_string()))?;
    if !(2..=VERSION).contains(&header.version) {
        return Err(format!(
            "version {}, where this tool reads versions 1 to {VERSION}",
            header.version
        ));
    }
    let mut document = Document {
        version: VERSION,
        migrations: BTreeMap::new(),
        readings: BTreeMap::new(),
        changes: header.changes,
    };
    for (number, line) in lines.enumerate() {
        if !line.ends_with('\n') {
            break;
        }
        let change: Change = serde_json::from_str(line)
            .map_err(|e| format!("line {} is not a change ({e})", number + 2))?;
        if number as u64 >= header.compacted {
            document.changes += 1;
        }
        match change.entry {
            Some(entry) if !change.forgotten => {
                document.migrations.insert(change.name.clone(), entry);
            }
            _ => {
                document.migrations.remove(&change.name);
                document.readings.remove(&change.name);
            }
        }
        if !change.lags.is_empty() {
            let readings = document.readings.entry(change.name).or_default();
            readings.extend(change.lags);
            thin(readings);
        }
    }
    Ok(document)
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
/// appends a line per migration, which needs no lock, so a running `apply`
/// takes it within one polling interval; `apply` and `status` read it. An
/// approval names the job it approves: it is void for any other (a job
/// created anew after `fleet forget`).
fn approvals_path(state: &Path) -> PathBuf {
    sibling(state, ".approvals")
}

/// One line of the approvals: an approval of a job's cutover, or its
/// revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub name: String,
    /// The job approved; `None` on a revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_migration_id: Option<String>,
    /// `user@host`.
    pub by: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

/// Who runs this: `user@host`, from the environment and the system.
pub fn who() -> String {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{user}@{host}")
}

/// Appends `lines` to the approvals, on disk when this returns.
pub fn append_approvals(state: &Path, lines: &[Approval]) -> Result<(), String> {
    let path = approvals_path(state);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let text: String = lines
        .iter()
        .map(|line| serde_json::to_string(line).expect("an approval serializes") + "\n")
        .collect();
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Each migration's approval in force: its last line, unless that is a
/// revocation. A line cut short (no end, or not an approval) is ignored.
pub fn approvals(state: &Path) -> BTreeMap<String, Approval> {
    let text = std::fs::read_to_string(approvals_path(state)).unwrap_or_default();
    let mut approvals = BTreeMap::new();
    for line in text.split_inclusive('\n') {
        if !line.ends_with('\n') {
            break;
        }
        let Ok(approval) = serde_json::from_str::<Approval>(line) else {
            continue;
        };
        if approval.revoked {
            approvals.remove(&approval.name);
        } else {
            approvals.insert(approval.name.clone(), approval);
        }
    }
    approvals
}

/// The approval of `entry`'s job, if one in force names it.
pub fn approval_of<'a>(
    approvals: &'a BTreeMap<String, Approval>,
    name: &str,
    entry: &Entry,
) -> Option<&'a Approval> {
    approvals
        .get(name)
        .filter(|a| a.live_migration_id.is_some() && a.live_migration_id == entry.live_migration_id)
}

pub fn now() -> String {
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
            .update_blocking("app-01", |e| e.create_sent_at = Some("now".into()))
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

    /// A change costs one entry's line, not the fleet's: with 300
    /// migrations a change writes under 1 KB, where the whole state is over
    /// 30 KB; compactions keep every entry; a last line a crash cut short is
    /// the one change lost; the first version's document still reads.
    #[test]
    fn a_change_costs_its_entry_and_a_cut_last_line_is_left_out() {
        let folder = std::env::temp_dir().join(format!("fleet-journal-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("state.json");
        let _ = std::fs::remove_file(&path);
        let store = Store::open_exclusive(&path).unwrap();
        for n in 0..300 {
            store
                .update_blocking(&format!("app-{n:03}"), |e| {
                    e.live_migration_id = Some(format!("6296fb4c7c7aa997cf94{n:04}"));
                    e.status = Some("WORKING".into());
                })
                .unwrap();
        }
        let (changes, before) = store.written();
        store
            .update_blocking("app-007", |e| e.lag_seconds = Some(12))
            .unwrap();
        let (_, after) = store.written();
        let whole = std::fs::metadata(&path).unwrap().len();
        assert!(
            after - before < 1024,
            "{} bytes for one change",
            after - before
        );
        assert!(
            whole > 30 * 1024 && changes >= 300,
            "{whole} bytes, {changes} changes"
        );
        // Compacted on the way (more than 64 lines): every entry is there.
        let again = Store::read(&path).unwrap();
        assert_eq!(again.names().len(), 300);
        assert_eq!(again.get("app-007").lag_seconds, Some(12));
        drop(store);

        // A crash in the middle of an append: the cut line is left out.
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"name\":\"app-007\",\"entry\":{\"lagSec");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(
            Store::read(&path).unwrap().get("app-007").lag_seconds,
            Some(12)
        );

        // The first version's single document.
        std::fs::write(
            &path,
            r#"{"version":1,"migrations":{"app-01":{"createSentAt":"then","updatedAt":""}}}"#,
        )
        .unwrap();
        let old = Store::open_exclusive(&path).unwrap();
        assert_eq!(old.get("app-01").create_sent_at.as_deref(), Some("then"));
        let journal = std::fs::read_to_string(&path).unwrap();
        assert!(journal.starts_with("{\"version\":3"), "{journal}");
        std::fs::remove_dir_all(&folder).unwrap();
    }

    /// A full disk at any instant: a write that fails part-way leaves the
    /// journal as it was (cut back to its last whole line), the change is
    /// refused, the state still reads, and once there is room the next
    /// change is appended whole, not glued to a fragment. A compaction that
    /// fails keeps the journal it had.
    #[test]
    fn a_write_that_fails_part_way_leaves_the_journal_whole() {
        let folder = std::env::temp_dir().join(format!("fleet-full-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("state.json");
        let _ = std::fs::remove_file(&path);
        let store = Store::open_exclusive(&path).unwrap();
        store
            .update_blocking("app-01", |e| e.create_sent_at = Some("then".into()))
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        for room in [0, 1, 20, 60] {
            faults::ROOM.set(Some(room));
            let refused = store
                .update_blocking("app-01", |e| {
                    e.live_migration_id = Some("6296fb4c7c7aa997cf94e9a8".into())
                })
                .unwrap_err();
            faults::ROOM.set(None);
            assert!(refused.contains("No space left on device"), "{refused}");
            assert!(
                refused.contains("apply again with the same --state"),
                "{refused}"
            );
            assert!(!refused.contains("new path"), "{refused}");
            // Not in the store, not on disk.
            assert_eq!(store.get("app-01").live_migration_id, None);
            assert_eq!(std::fs::read(&path).unwrap(), before, "room {room}");
            let read = Store::read(&path).unwrap();
            assert_eq!(read.get("app-01").create_sent_at.as_deref(), Some("then"));
        }
        // Room again: the next change is whole.
        store
            .update_blocking("app-01", |e| {
                e.live_migration_id = Some("6296fb4c7c7aa997cf94e9a8".into())
            })
            .unwrap();
        let read = Store::read(&path).unwrap();
        assert_eq!(
            read.get("app-01").live_migration_id.as_deref(),
            Some("6296fb4c7c7aa997cf94e9a8")
        );
        // A compaction that fails (room for the appended line, not for the
        // new file) keeps the journal, with the change that triggered it.
        let length = || std::fs::metadata(&path).unwrap().len();
        let mut line = None;
        for lag in 10..90 {
            let before = length();
            faults::ROOM.set(line);
            store
                .update_blocking("app-02", |e| e.lag_seconds = Some(lag))
                .unwrap();
            faults::ROOM.set(None);
            line = Some(usize::try_from(length() - before).unwrap());
        }
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines > 64, "no compaction could have been written: {lines}");
        assert_eq!(
            Store::read(&path).unwrap().get("app-02").lag_seconds,
            Some(89)
        );
        // With room, the next change compacts it.
        store
            .update_blocking("app-02", |e| e.lag_seconds = Some(90))
            .unwrap();
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert_eq!(lines, 3, "header and two entries");
        assert_eq!(
            Store::read(&path).unwrap().get("app-02").lag_seconds,
            Some(90)
        );
        drop(store);
        std::fs::remove_dir_all(&folder).unwrap();
    }

    /// A week of readings every 15 s: under 200 kept, denser the newer,
    /// the newest as it was read, the week's peak still there; thinning
    /// again changes nothing.
    #[test]
    fn a_week_of_readings_is_a_few_hundred_and_keeps_its_peak() {
        let start = 2_000_000_000;
        let mut readings: Vec<Reading> = (0..40_320u64).map(|i| (start + i * 15, 30)).collect();
        readings[1_000].1 = 900;
        readings.last_mut().unwrap().1 = 7;
        let newest = *readings.last().unwrap();
        // As apply records them: thinned at each reading.
        let mut kept = Vec::new();
        for reading in &readings {
            kept.push(*reading);
            thin(&mut kept);
        }
        assert!((150..200).contains(&kept.len()), "{}", kept.len());
        assert_eq!(kept.iter().map(|r| r.1).max(), Some(900));
        thin(&mut readings);
        assert!((150..200).contains(&readings.len()), "{}", readings.len());
        assert_eq!(*readings.last().unwrap(), newest);
        assert_eq!(readings.iter().map(|r| r.1).max(), Some(900));
        let last_hour = readings.iter().filter(|r| r.0 + 3600 > newest.0).count();
        let first_day = readings.iter().filter(|r| r.0 < start + 86_400).count();
        assert!(
            last_hour > first_day,
            "{last_hour} in the last hour, {first_day} in the first day"
        );
        let again = readings.clone();
        thin(&mut readings);
        assert_eq!(readings, again);
    }

    /// Changes made at the same time by many migrations share syncs: 200
    /// concurrent updates, each on disk when it returns, take fewer than
    /// 200 syncs; the state read again has every one.
    #[test]
    fn concurrent_changes_share_syncs() {
        let folder = std::env::temp_dir().join(format!("fleet-group-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("state.json");
        let _ = std::fs::remove_file(&path);
        let store = std::sync::Arc::new(Store::open_exclusive(&path).unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        runtime.block_on(async {
            let tasks: Vec<_> = (0..200)
                .map(|n| {
                    let store = std::sync::Arc::clone(&store);
                    tokio::spawn(async move {
                        let name = format!("app-{n:03}");
                        store
                            .update(&name, |e| e.create_sent_at = Some("now".into()))
                            .await
                            .unwrap();
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        // Every change returned once on disk: the syncer has synced all.
        let state = store.syncs.lock();
        assert_eq!(state.synced, state.written);
        drop(state);
        let syncs = store.syncs();
        assert!(syncs < 200 && syncs > 0, "{syncs} syncs for 200 changes");
        assert_eq!(Store::read(&path).unwrap().names().len(), 200);
        drop(store);
        std::fs::remove_dir_all(&folder).unwrap();
    }

    /// Readings recorded through the store come back from the file, and
    /// the count of changes outlives a compaction.
    #[test]
    fn readings_and_the_count_of_changes_survive_a_compaction() {
        let folder = std::env::temp_dir().join(format!("fleet-readings-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("state.json");
        let _ = std::fs::remove_file(&path);
        let store = Store::open_exclusive(&path).unwrap();
        for i in 0..200u64 {
            store
                .record_read(
                    "app-01",
                    |e| e.lag_seconds = Some(i),
                    Some((2_000_000_000 + i * 30, i)),
                )
                .unwrap();
        }
        assert_eq!(store.changes(), 200);
        let kept = store.readings("app-01");
        assert!(kept.len() < 200 && kept.len() > 20, "{}", kept.len());
        drop(store);
        let again = Store::read(&path).unwrap();
        assert_eq!(again.readings("app-01"), kept);
        assert_eq!(again.changes(), 200);
        let reopened = Store::open_exclusive(&path).unwrap();
        reopened
            .update_blocking("app-01", |e| e.status = Some("WORKING".into()))
            .unwrap();
        assert_eq!(reopened.changes(), 201);
        assert_eq!(Store::read(&path).unwrap().changes(), 201);
        drop(reopened);
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn an_approval_is_void_for_another_job_and_a_torn_line_is_ignored() {
        let folder = std::env::temp_dir().join(format!("fleet-approvals-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let state = folder.join("state.json");
        let _ = std::fs::remove_file(approvals_path(&state));
        let approval = |id: Option<&str>, revoked: bool| Approval {
            name: "app-01".into(),
            live_migration_id: id.map(str::to_owned),
            by: "ops@host".into(),
            at: "2026-12-05T02:00:00Z".into(),
            revoked,
        };
        append_approvals(&state, &[approval(Some("6296fb4c7c7aa997cf94e9a8"), false)]).unwrap();
        let entry = |id: &str| Entry {
            live_migration_id: Some(id.into()),
            ..Entry::default()
        };
        let all = approvals(&state);
        assert!(approval_of(&all, "app-01", &entry("6296fb4c7c7aa997cf94e9a8")).is_some());
        assert!(approval_of(&all, "app-01", &entry("6296fb4c7c7aa997cf94e9a9")).is_none());
        // A torn last line (a crash in the middle of `fleet approve`).
        let path = approvals_path(&state);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"name\":\"app-01\",\"revo");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(approvals(&state).len(), 1);
        std::fs::write(&path, text.trim_end_matches("{\"name\":\"app-01\",\"revo")).unwrap();
        append_approvals(&state, &[approval(None, true)]).unwrap();
        assert!(approvals(&state).is_empty());
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
