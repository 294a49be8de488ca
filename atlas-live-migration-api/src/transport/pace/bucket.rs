//! One of Atlas's token buckets as the pace estimates it: its budget, its
//! refill rate (learned from answers), its requests in flight, and the line
//! of requests waiting for a token.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

use super::{
    DEFAULT_REFILL_PERIOD_SECS, MIN_SAMPLE_GAP, MIN_SAMPLE_TOKENS, PROBE_NAP, REFILL_SPENT,
};

#[derive(Debug)]
pub(super) struct Bucket {
    pub(super) capacity: u64,
    /// The budget estimated at `at`.
    pub(super) tokens: f64,
    pub(super) at: Instant,
    /// Tokens a second.
    pub(super) refill: f64,
    pub(super) learned: bool,
    pub(super) in_flight: u64,
    /// Requests let through so far; each ticket keeps its number.
    pub(super) admitted: u64,
    /// Answers read so far; each ticket keeps the count when it went.
    pub(super) reads: u64,
    /// Requests refused with `429` so far: they took no token.
    pub(super) refused: u64,
    /// The answer the refill is next measured from: (when, remaining,
    /// the request's number, requests refused by then).
    pub(super) sample: Option<(Instant, f64, u64, u64)>,
    /// The places of the requests waiting for a token: the first in line
    /// takes the next, so that none waits for ever behind later ones.
    pub(super) line: BTreeSet<u64>,
    pub(super) next_place: u64,
}

/// The refill rate taken until one is learned, in tokens a second.
pub(super) fn default_refill(capacity: u64) -> f64 {
    (capacity as f64 / DEFAULT_REFILL_PERIOD_SECS).max(1.0)
}

impl Bucket {
    pub(super) fn new(capacity: u64, now: Instant) -> Self {
        Self {
            capacity,
            tokens: capacity as f64,
            at: now,
            refill: default_refill(capacity),
            learned: false,
            in_flight: 0,
            admitted: 0,
            reads: 0,
            refused: 0,
            sample: None,
            line: BTreeSet::new(),
            next_place: 0,
        }
    }

    /// Between answers the budget grows at the refill rate learned, less
    /// a twentieth: a rate measured a little high would otherwise meet a
    /// `429` at the end of each wait.
    pub(super) fn refill_to(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        let rate = self.refill * REFILL_SPENT;
        self.tokens = (self.tokens + elapsed * rate).min(self.capacity as f64);
        self.at = now;
    }

    /// How long until `needed` tokens are there.
    pub(super) fn time_to(&self, needed: f64) -> Duration {
        let seconds = (needed - self.tokens).max(0.0) / (self.refill * REFILL_SPENT);
        Duration::from_secs_f64(seconds.min(1e6)).max(PROBE_NAP)
    }

    /// Whether a request holding place `mine` (or none yet) is first in
    /// line.
    pub(super) fn is_turn(&self, mine: Option<u64>) -> bool {
        self.line.first().is_none_or(|first| Some(*first) == mine)
    }

    /// Lets one request through: a token spent, one more in flight; its
    /// number and the answers read when it went.
    pub(super) fn take(&mut self, mine: Option<u64>) -> (u64, u64) {
        self.tokens -= 1.0;
        self.in_flight += 1;
        self.admitted += 1;
        if let Some(number) = mine {
            self.line.remove(&number);
        }
        (self.admitted, self.reads)
    }

    /// A place at the end of the line.
    pub(super) fn join_line(&mut self) -> u64 {
        let number = self.next_place;
        self.next_place += 1;
        self.line.insert(number);
        number
    }

    /// Reads the headers of the answer to a request that drew on this
    /// bucket: its number (`sequence`) and the answers read before it went
    /// (`reads_then`), or `None` for one that did not (the scope's first).
    ///
    /// Answers do not come in the order Atlas counted their requests, so
    /// the budget is what the answer says, less every request that Atlas
    /// may not have counted in it: those still in flight, and those
    /// answered since this one went (Atlas may have taken them after it).
    /// Counting some twice errs on the side of waiting.
    pub(super) fn observe(&mut self, remaining: u64, drew: Option<(u64, u64)>, now: Instant) {
        self.reads += 1;
        let remaining = remaining as f64;
        let uncounted = match drew {
            Some((_, reads_then)) => self.in_flight + (self.reads - 1 - reads_then),
            None => self.in_flight,
        };
        self.tokens = (remaining - uncounted as f64).max(0.0);
        self.at = now;
        let Some((sequence, _)) = drew else {
            return;
        };
        let full = self.capacity as f64;
        let here = (now, remaining, sequence, self.refused);
        let Some((at, before, then, refused_then)) = self.sample else {
            self.sample = Some(here);
            return;
        };
        if sequence <= then {
            return;
        }
        // A full bucket hides its refill: only two answers below the
        // capacity measure it, by the requests let through between them
        // (Atlas takes them in about that order), less those it refused.
        if before >= full || remaining >= full {
            self.sample = Some(here);
            return;
        }
        let elapsed = now.duration_since(at);
        let spent = (sequence - then).saturating_sub(self.refused - refused_then) as f64;
        let refilled = remaining - before + spent;
        if elapsed < MIN_SAMPLE_GAP || refilled < MIN_SAMPLE_TOKENS {
            return;
        }
        self.sample = Some(here);
        // A measure across a wait that filled the bucket comes out low, one
        // blurred by answers out of order high: each moves the rate at most
        // halfway, and to at most twice what it was.
        let rate = (refilled / elapsed.as_secs_f64()).min(self.refill * 2.0);
        self.refill = if self.learned {
            (self.refill + rate) / 2.0
        } else {
            rate
        };
        self.learned = true;
    }
}
