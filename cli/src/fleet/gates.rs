//! What holds a cutover back besides Atlas and a person's approval: the
//! plan's cutover windows (`cutoverWindows`, in `timeZone`), its waves
//! (`wave: N`: no migration of a later wave starts its cutover until every
//! one of the earlier waves is `COMPLETE`), and `maxConcurrentCutovers` (at
//! most N between the start of their `beforeCutover` and the end of their
//! `afterCutover`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// One window: the days it starts on, and its start and end (an end before
/// the start crosses midnight into the next day).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Monday first.
    days: [bool; 7],
    start: Time,
    end: Time,
    text: String,
}

const DAYS: [(&str, Weekday); 7] = [
    ("Mon", Weekday::Monday),
    ("Tue", Weekday::Tuesday),
    ("Wed", Weekday::Wednesday),
    ("Thu", Weekday::Thursday),
    ("Fri", Weekday::Friday),
    ("Sat", Weekday::Saturday),
    ("Sun", Weekday::Sunday),
];

fn day_index(name: &str) -> Option<usize> {
    DAYS.iter()
        .position(|(short, _)| short.eq_ignore_ascii_case(name))
}

fn clock(text: &str) -> Option<Time> {
    let (hours, minutes) = text.split_once(':')?;
    let (hours, minutes): (i8, i8) = (hours.parse().ok()?, minutes.parse().ok()?);
    Time::new(hours, minutes, 0, 0).ok()
}

impl Window {
    /// `daily 22:00-02:00`, `Sat 02:00-06:00`, `Mon-Fri 01:00-03:00`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let wrong = || {
            format!(
                "{text:?} is not a window: DAYS HH:MM-HH:MM, DAYS being daily, a day (Mon … Sun) \
                 or a range (Mon-Fri), such as \"Sat 02:00-06:00\" or \"daily 22:00-02:00\""
            )
        };
        let (days_text, times) = text.trim().split_once(' ').ok_or_else(wrong)?;
        let mut days = [false; 7];
        if days_text.eq_ignore_ascii_case("daily") {
            days = [true; 7];
        } else if let Some((from, to)) = days_text.split_once('-') {
            let (from, to) = (
                day_index(from).ok_or_else(wrong)?,
                day_index(to).ok_or_else(wrong)?,
            );
            let mut day = from;
            loop {
                days[day] = true;
                if day == to {
                    break;
                }
                day = (day + 1) % 7;
            }
        } else {
            days[day_index(days_text).ok_or_else(wrong)?] = true;
        }
        let (start, end) = times.trim().split_once('-').ok_or_else(wrong)?;
        let (start, end) = (
            clock(start).ok_or_else(wrong)?,
            clock(end).ok_or_else(wrong)?,
        );
        if start == end {
            return Err(format!("{text:?} starts and ends at the same time"));
        }
        Ok(Window {
            days,
            start,
            end,
            text: text.trim().to_owned(),
        })
    }

    fn starts_on(&self, day: Weekday) -> bool {
        self.days[day.to_monday_zero_offset() as usize]
    }

    /// Whether the window is open at the civil time `at`.
    fn open(&self, at: &jiff::Zoned) -> bool {
        let time = at.time();
        let today = at.weekday();
        if self.start < self.end {
            self.starts_on(today) && self.start <= time && time < self.end
        } else {
            // Crosses midnight: opened today, or yesterday and not yet shut.
            (self.starts_on(today) && time >= self.start)
                || (self.starts_on(today.previous()) && time < self.end)
        }
    }
}

/// The first instant whose civil time in `zone` is `at` or later: `at`
/// itself, the earlier of two in a fold, and in a daylight-saving gap (a
/// civil time that does not exist) the end of the gap, where the civil
/// time jumps past it.
fn first_instant(zone: &TimeZone, at: jiff::civil::DateTime) -> Option<Timestamp> {
    let ambiguous = zone.to_ambiguous_timestamp(at);
    match ambiguous.offset() {
        jiff::tz::AmbiguousOffset::Gap { before, .. } => {
            // Read with the offset before the gap, `at` lands after the
            // transition; the transition is the last one before it.
            let late = before.to_timestamp(at).ok()?;
            let after = late.checked_add(jiff::SignedDuration::from_secs(1)).ok()?;
            zone.preceding(after).next().map(|t| t.timestamp())
        }
        _ => ambiguous.earlier().ok(),
    }
}

/// A migration's windows, in the plan's time zone.
#[derive(Clone, Debug)]
pub struct Windows {
    pub windows: Vec<Window>,
    pub zone: TimeZone,
}

impl Windows {
    /// Whether a cutover may start at `at`.
    pub fn open_at(&self, at: Timestamp) -> bool {
        let zoned = at.to_zoned(self.zone.clone());
        self.windows.iter().any(|w| w.open(&zoned))
    }

    /// When the next window opens at or after `at` (within eight days).
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        if self.open_at(at) {
            return Some(at);
        }
        let zoned = at.to_zoned(self.zone.clone());
        let mut next: Option<Timestamp> = None;
        for offset in 0..8 {
            let Ok(day) = zoned.date().checked_add(offset.days()) else {
                continue;
            };
            for window in &self.windows {
                if !window.starts_on(day.weekday()) {
                    continue;
                }
                let Some(start) = first_instant(&self.zone, day.to_datetime(window.start)) else {
                    continue;
                };
                if start >= at && next.is_none_or(|n| start < n) {
                    next = Some(start);
                }
            }
        }
        next
    }

    /// When the next window opens after `at`, in the plan's zone and in
    /// UTC.
    pub fn describe_next(&self, at: Timestamp) -> String {
        match self.next_open(at) {
            Some(opens) if opens == at => "a window is open now".to_owned(),
            Some(opens) => format!(
                "the next opens {} ({opens})",
                opens
                    .to_zoned(self.zone.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
            ),
            None => "no window opens within 8 days".to_owned(),
        }
    }

    /// The windows as the plan writes them.
    pub fn describe(&self) -> String {
        let texts: Vec<&str> = self.windows.iter().map(|w| w.text.as_str()).collect();
        format!(
            "{} ({})",
            texts.join(", "),
            self.zone.iana_name().unwrap_or("UTC")
        )
    }
}

/// The waves of one apply: which migrations of each wave are not
/// finished yet (`COMPLETE`, and their `afterCutover`, if any, succeeded),
/// and whether this apply still drives them.
pub struct Waves {
    /// Name -> (wave, finished, driven by this apply).
    members: Mutex<BTreeMap<String, (u32, bool, bool)>>,
}

/// Why a migration's wave may not start its cutovers in this apply.
pub struct HeldBy(pub Vec<String>);

impl Waves {
    pub fn new(members: impl IntoIterator<Item = (String, u32, bool)>) -> Self {
        Waves {
            members: Mutex::new(
                members
                    .into_iter()
                    .map(|(name, wave, finished)| (name, (wave, finished, true)))
                    .collect(),
            ),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (u32, bool, bool)>> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The migrations of earlier waves than `wave` that are not finished.
    pub fn ahead(&self, wave: u32) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|(_, (w, finished, _))| *w < wave && !finished)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether `wave` may start its cutovers: `Some(Ok)` when every
    /// migration of the earlier waves is finished, `Some(Err)` naming
    /// those that will not be in this apply (they ended otherwise: failed,
    /// a person's, their application not switched), `None` while they are
    /// still driven.
    pub fn check(&self, wave: u32) -> Option<Result<(), HeldBy>> {
        let members = self.lock();
        let ahead: Vec<(&String, bool)> = members
            .iter()
            .filter(|(_, (w, finished, _))| *w < wave && !finished)
            .map(|(name, (_, _, driven))| (name, *driven))
            .collect();
        if ahead.is_empty() {
            return Some(Ok(()));
        }
        let stuck: Vec<String> = ahead
            .iter()
            .filter(|(_, driven)| !driven)
            .map(|(name, _)| (*name).clone())
            .collect();
        (!stuck.is_empty()).then_some(Err(HeldBy(stuck)))
    }

    /// This apply is done with `name`, finished or not.
    pub fn done_with(&self, name: &str, finished: bool) {
        if let Some(member) = self.lock().get_mut(name) {
            member.1 = finished;
            member.2 = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(texts: &[&str], zone: &str) -> Windows {
        Windows {
            windows: texts.iter().map(|t| Window::parse(t).unwrap()).collect(),
            zone: TimeZone::get(zone).unwrap(),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_window_opens_on_its_days_and_may_cross_midnight() {
        // 2026-12-05 is a Saturday.
        let sat = windows(&["Sat 02:00-06:00"], "UTC");
        assert!(sat.open_at(at("2026-12-05T02:00:00Z")));
        assert!(!sat.open_at(at("2026-12-05T06:00:00Z")));
        assert!(!sat.open_at(at("2026-12-06T03:00:00Z")));
        let night = windows(&["Mon-Fri 22:00-02:00"], "UTC");
        // Friday 23:00 and Saturday 01:00 (opened on Friday) are open;
        // Saturday 23:00 is not (no window starts on Saturday).
        assert!(night.open_at(at("2026-12-04T23:00:00Z")));
        assert!(night.open_at(at("2026-12-05T01:00:00Z")));
        assert!(!night.open_at(at("2026-12-05T23:00:00Z")));
        assert_eq!(
            night.next_open(at("2026-12-05T12:00:00Z")),
            Some(at("2026-12-07T22:00:00Z"))
        );
    }

    #[test]
    fn a_window_is_read_in_its_time_zone() {
        // 02:00 in Paris is 01:00 UTC in winter.
        let paris = windows(&["daily 02:00-03:00"], "Europe/Paris");
        assert!(paris.open_at(at("2026-12-05T01:30:00Z")));
        assert!(!paris.open_at(at("2026-12-05T02:30:00Z")));
        assert_eq!(
            paris.next_open(at("2026-12-05T02:30:00Z")),
            Some(at("2026-12-06T01:00:00Z"))
        );
    }

    #[test]
    fn a_window_that_starts_in_a_daylight_saving_gap_opens_when_the_gap_ends() {
        // 2027-03-28: Paris goes from 02:00 CET straight to 03:00 CEST
        // (01:00 UTC); 02:30 does not exist that day.
        let paris = windows(&["Sun 02:30-05:00"], "Europe/Paris");
        let opens = paris.next_open(at("2027-03-27T12:00:00Z")).unwrap();
        assert_eq!(opens, at("2027-03-28T01:00:00Z"));
        // Open from that instant, as the civil time (03:00) says.
        assert!(paris.open_at(opens));
        assert!(!paris.open_at(at("2027-03-28T00:59:59Z")));
    }

    #[test]
    fn a_bad_window_says_how_to_write_one() {
        for bad in ["Sat", "Sat 2-6", "Someday 02:00-03:00", "daily 25:00-01:00"] {
            let error = Window::parse(bad).unwrap_err();
            assert!(error.contains("Sat 02:00-06:00"), "{error}");
        }
        assert!(
            Window::parse("daily 02:00-02:00")
                .unwrap_err()
                .contains("same time")
        );
    }
}
