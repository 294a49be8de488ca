//! The migration hosts. Each push live migration uses its own dedicated
//! migration host: a migration takes a host that no unfinished migration of
//! the fleet holds, from its validation until it ends (`COMPLETE`,
//! `FAILED`, `EXPIRED`, or forgotten). The plan's top `migrationHosts` is a
//! pool; a migration's own pins its host. A host goes to the migration
//! earliest in the plan that can take it, so that a migration never waits
//! for a host a later one took first. A create whose answer was lost keeps
//! its host until `fleet record` or `fleet forget`: its job may run there.
//!
//! One rule ([`Pool::take`]) serves `apply`, which waits for a host, and
//! `plan`, which says who would wait.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::state::{Entry, Store};

/// Which host each migration holds, and who waits for one.
#[derive(Default)]
pub struct Pool {
    /// Host -> the migration that holds it.
    held: BTreeMap<String, String>,
    /// Each distinct list of hosts migrations may take (the pool, a pinned
    /// host), with the plan indexes of the migrations that wait for one of
    /// them: a fleet of a thousand on one pool checks one list, not a
    /// thousand.
    lists: Vec<(BTreeSet<String>, BTreeSet<usize>)>,
}

impl Pool {
    /// The hosts the state's migrations hold: each that has a host and has
    /// not ended, planned or not (its job runs there either way).
    pub fn from_state(store: &Store) -> Self {
        let mut pool = Pool::default();
        for name in store.names() {
            let entry = store.get(&name);
            if let Some(host) = held_host(&entry) {
                pool.held.insert(host.to_owned(), name);
            }
        }
        pool
    }

    fn list(&mut self, candidates: &[String]) -> usize {
        let hosts: BTreeSet<String> = candidates.iter().cloned().collect();
        match self.lists.iter().position(|(list, _)| *list == hosts) {
            Some(at) => at,
            None => {
                self.lists.push((hosts, BTreeSet::new()));
                self.lists.len() - 1
            }
        }
    }

    /// Counts the migration at plan `index` as waiting for one of
    /// `candidates` from the start, so that a migration later in the plan
    /// whose task runs first does not take the host before it.
    pub fn expect(&mut self, index: usize, candidates: &[String]) {
        let list = self.list(candidates);
        self.lists[list].1.insert(index);
    }

    /// The host `name` holds, if any.
    pub fn holds(&self, name: &str) -> Option<&str> {
        self.held
            .iter()
            .find(|(_, holder)| *holder == name)
            .map(|(host, _)| host.as_str())
    }

    /// A host for the migration at plan `index`: the one it holds, else the
    /// first of `candidates` no one holds and no migration earlier in the
    /// plan waits for. `None`: it waits (and is counted as waiting).
    pub fn take(&mut self, index: usize, name: &str, candidates: &[String]) -> Option<String> {
        if let Some(host) = self.holds(name) {
            return Some(host.to_owned());
        }
        let list = self.list(candidates);
        let free = candidates.iter().find(|host| {
            !self.held.contains_key(*host)
                && !self.lists.iter().any(|(hosts, waiting)| {
                    hosts.contains(*host) && waiting.first().is_some_and(|first| *first < index)
                })
        });
        match free {
            Some(host) => {
                self.lists[list].1.remove(&index);
                self.held.insert(host.clone(), name.to_owned());
                Some(host.clone())
            }
            None => {
                self.lists[list].1.insert(index);
                None
            }
        }
    }

    /// The migration at plan `index` no longer waits (it gave up).
    pub fn stop_waiting(&mut self, index: usize) {
        for (_, waiting) in &mut self.lists {
            waiting.remove(&index);
        }
    }

    /// The migration that holds `host`.
    pub fn holder(&self, host: &str) -> Option<&str> {
        self.held.get(host).map(String::as_str)
    }

    /// Each of `candidates` that is held, with its holder.
    pub fn holders(&self, candidates: &[String]) -> Vec<(String, String)> {
        candidates
            .iter()
            .filter_map(|h| Some((h.clone(), self.holder(h)?.to_owned())))
            .collect()
    }

    /// `name` gives its host back.
    pub fn release(&mut self, name: &str) {
        self.held.retain(|_, holder| holder != name);
    }
}

/// Hosts and their holders as a line says them: the first three, and how
/// many more (a pool may hold a thousand).
pub fn describe_holders(holders: &[(String, String)]) -> String {
    let mut said: Vec<String> = holders
        .iter()
        .take(3)
        .map(|(host, holder)| format!("{host} ({holder})"))
        .collect();
    if holders.len() > 3 {
        said.push(format!("and {} more", holders.len() - 3));
    }
    said.join(", ")
}

/// Whether a migration must take a host before its next request: it has
/// no job, no create whose answer was lost, has not ended, and needs no
/// person (a migration that holds one keeps it).
pub fn needs_host(entry: &Entry) -> bool {
    entry.needs_person.is_none()
        && entry.live_migration_id.is_none()
        && entry.create_sent_at.is_none()
        && !matches!(
            entry.status.as_deref(),
            Some("COMPLETE" | "FAILED" | "EXPIRED")
        )
        && held_host(entry).is_none()
}

/// The host a migration's state says it holds: one recorded, for a
/// migration that has not ended.
pub fn held_host(entry: &Entry) -> Option<&str> {
    let ended = matches!(
        entry.status.as_deref(),
        Some("COMPLETE" | "FAILED" | "EXPIRED")
    );
    entry.migration_host.as_deref().filter(|_| !ended)
}

/// The pool as `apply` shares it between its migrations' tasks.
pub struct Hosts {
    pool: Mutex<(Pool, BTreeSet<String>)>,
    changed: tokio::sync::Notify,
}

/// Why a migration got no host.
pub enum NoHost {
    /// Every host it may take is held by a migration this apply no longer
    /// drives (ready for cutover without `--cutover`, a person's, not in
    /// the plan): none comes free before the next apply. Their holders.
    HeldOn(Vec<(String, String)>),
    /// `--timeout` passed while it waited.
    TimedOut,
}

impl Hosts {
    /// The pool, and the migrations this apply drives (their hosts may
    /// come free while it runs).
    pub fn new(pool: Pool, driven: BTreeSet<String>) -> Self {
        Hosts {
            pool: Mutex::new((pool, driven)),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Pool, BTreeSet<String>)> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the migration at plan `index` may take a host, and
    /// takes it. `waiting` is called once if it must wait, with the holders
    /// of its candidates. It stops waiting when no candidate can come free
    /// in this apply, or at `deadline`.
    pub async fn take(
        &self,
        index: usize,
        name: &str,
        candidates: &[String],
        deadline: Option<tokio::time::Instant>,
        mut waiting: impl FnMut(&[(String, String)]),
    ) -> Result<String, NoHost> {
        let mut said: Option<Vec<(String, String)>> = None;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut guard = self.lock();
                let (pool, driven) = &mut *guard;
                if let Some(host) = pool.take(index, name, candidates) {
                    drop(guard);
                    // Another waiter may now be first in line.
                    self.changed.notify_waiters();
                    return Ok(host);
                }
                let holders = pool.holders(candidates);
                // A free host waits for an earlier migration: it may come.
                let stuck = holders.len() == candidates.len()
                    && holders.iter().all(|(_, holder)| !driven.contains(holder));
                if stuck {
                    pool.stop_waiting(index);
                    drop(guard);
                    self.changed.notify_waiters();
                    return Err(NoHost::HeldOn(holders));
                }
                // Said again whenever who holds them changes: the line
                // never names a holder that gave its host back.
                if said.as_ref() != Some(&holders) {
                    waiting(&holders);
                    said = Some(holders);
                }
            }
            match deadline {
                Some(deadline) => {
                    if tokio::time::timeout_at(deadline, changed).await.is_err() {
                        self.lock().0.stop_waiting(index);
                        self.changed.notify_waiters();
                        return Err(NoHost::TimedOut);
                    }
                }
                None => changed.await,
            }
        }
    }

    /// This apply is done with `name`: a host it still holds stays held
    /// until a later apply (its job goes on), and those who wait for it
    /// are told.
    pub fn done_with(&self, name: &str) {
        self.lock().1.remove(name);
        self.changed.notify_waiters();
    }

    /// `name` gives its host back; the waiting migrations look again.
    pub fn release(&self, name: &str) {
        self.lock().0.release(name);
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;

    fn hosts(names: &[&str]) -> Vec<String> {
        names.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn a_host_goes_to_the_earliest_migration_that_can_take_it() {
        let pool_hosts = hosts(&["h1", "h2"]);
        let mut pool = Pool::default();
        assert_eq!(pool.take(0, "a", &pool_hosts).as_deref(), Some("h1"));
        assert_eq!(pool.take(1, "b", &pool_hosts).as_deref(), Some("h2"));
        // c and d wait; c is earlier.
        assert_eq!(pool.take(2, "c", &pool_hosts), None);
        assert_eq!(pool.take(3, "d", &pool_hosts), None);
        pool.release("a");
        // d asks first, but c is earlier in the plan and waits for h1.
        assert_eq!(pool.take(3, "d", &pool_hosts), None);
        assert_eq!(pool.take(2, "c", &pool_hosts).as_deref(), Some("h1"));
        // A migration keeps the host it holds.
        assert_eq!(pool.take(2, "c", &pool_hosts).as_deref(), Some("h1"));
        pool.release("b");
        assert_eq!(pool.take(3, "d", &pool_hosts).as_deref(), Some("h2"));
    }

    #[test]
    fn two_migrations_pinned_to_one_host_take_it_one_after_the_other() {
        let mut pool = Pool::default();
        let pinned = hosts(&["h9"]);
        assert_eq!(pool.take(0, "a", &pinned).as_deref(), Some("h9"));
        assert_eq!(pool.take(1, "b", &pinned), None);
        // A later migration with other hosts is not held up by b's wait.
        assert_eq!(pool.take(2, "c", &hosts(&["h1"])).as_deref(), Some("h1"));
        assert_eq!(pool.holder("h9"), Some("a"));
        pool.release("a");
        assert_eq!(pool.take(1, "b", &pinned).as_deref(), Some("h9"));
    }
}
