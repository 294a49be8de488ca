//! A migration's cutover keys (`cutoverApproval`, `beforeCutover`,
//! `afterCutover`, `onCutoverAbort`, `hookTimeout`, `cutoverMaxLagSeconds`, `cutoverTimer`,
//! `cutoverWindows`, `wave`, `maxConcurrentCutovers`, `deadlineWarning`,
//! `notify`), read and checked.

use std::collections::BTreeMap;

use serde_norway::Value;

/// How a migration is cut over, in the order of MongoDB's procedure: a
/// person's approval, `beforeCutover` (stop the application's writes), a lag
/// at most `max_lag`, the cutover, `COMPLETE`, `afterCutover` (point the
/// application at Atlas).
#[derive(Clone, Debug)]
pub struct Cutover {
    /// `cutoverApproval: true`: it waits for `fleet approve`.
    pub approval: bool,
    pub before: Option<Vec<String>>,
    pub after: Option<Vec<String>>,
    /// `onCutoverAbort`: run when a successful `beforeCutover` is followed
    /// by no cutover (the lag gate timed out, the window closed, Atlas
    /// refused the cutover, the job ended), with `FLEET_ABORT_REASON`:
    /// start the application's writes on its source again.
    pub on_abort: Option<Vec<String>>,
    /// `hookTimeout` (10 minutes): how long a hook may run, and how long
    /// the lag may take to fall after `beforeCutover`.
    pub hook_timeout: std::time::Duration,
    /// `cutoverMaxLagSeconds`: the cutover waits until Atlas reports a lag
    /// at most this.
    pub max_lag: Option<u64>,
    /// `cutoverTimer` (120 hours): how long Atlas keeps a job ready for
    /// cutover before it is `EXPIRED`.
    pub timer: std::time::Duration,
    /// `cutoverWindows` in `timeZone` (UTC): a cutover starts only inside
    /// one.
    pub windows: Option<crate::fleet::gates::Windows>,
    /// `wave` (1): no cutover before every migration of the earlier waves
    /// is `COMPLETE`.
    pub wave: u32,
    /// `maxConcurrentCutovers` (top only): at most this many between the
    /// start of their `beforeCutover` and the end of their `afterCutover`.
    pub max_concurrent: Option<usize>,
    /// `deadlineWarning` (24 hours): a `deadline` notice once the cutover
    /// deadline is nearer than this and the cutover has not started.
    pub deadline_warning: std::time::Duration,
    /// `notify` (top only): the program told of each event, a JSON object
    /// on its standard input.
    pub notify: Option<Vec<String>>,
}

impl Default for Cutover {
    fn default() -> Self {
        Cutover {
            approval: false,
            before: None,
            after: None,
            on_abort: None,
            hook_timeout: std::time::Duration::from_secs(600),
            max_lag: None,
            timer: std::time::Duration::from_secs(120 * 3600),
            windows: None,
            wave: 1,
            max_concurrent: None,
            deadline_warning: std::time::Duration::from_secs(24 * 3600),
            notify: None,
        }
    }
}

/// The longest duration a plan may set: past it, a deadline computed from
/// it would overflow the clock, and no migration waits that long.
const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(366 * 24 * 3600);

/// The cutover's keys of one migration.
pub(super) fn cutover_keys(
    keys: &BTreeMap<&str, &Value>,
    problem: &mut dyn FnMut(&str, String),
) -> Cutover {
    let mut cutover = Cutover::default();
    match keys.get("cutoverApproval") {
        None => {}
        Some(Value::Bool(on)) => cutover.approval = *on,
        Some(_) => problem("cutoverApproval", "is true or false".to_owned()),
    }
    let mut program = |key: &str| match keys.get(key) {
        None => None,
        Some(Value::Sequence(words))
            if !words.is_empty()
                && words.iter().all(Value::is_string)
                && words
                    .first()
                    .and_then(Value::as_str)
                    .is_some_and(|w| !w.is_empty()) =>
        {
            Some(
                words
                    .iter()
                    .filter_map(|w| w.as_str().map(str::to_owned))
                    .collect(),
            )
        }
        Some(_) => {
            problem(
                key,
                "is a program and its arguments, a list of words run without a shell, such as \
                 [./stop-writes.sh, app-01]"
                    .to_owned(),
            );
            None
        }
    };
    cutover.before = program("beforeCutover");
    cutover.after = program("afterCutover");
    cutover.on_abort = program("onCutoverAbort");
    cutover.notify = program("notify");
    let mut duration = |key: &str, default: std::time::Duration| match keys.get(key) {
        None => default,
        Some(Value::String(text)) => match humantime::parse_duration(text) {
            Ok(duration) if duration.is_zero() => {
                problem(
                    key,
                    format!("is {text:?}: a duration greater than zero, such as 10m or 120h"),
                );
                default
            }
            Ok(duration) if duration > MAX_DURATION => {
                problem(
                    key,
                    format!("is {text:?}: at most 366 days, such as 10m or 120h"),
                );
                default
            }
            Ok(duration) => duration,
            Err(e) => {
                problem(
                    key,
                    format!("is {text:?}, not a duration such as 10m or 120h ({e})"),
                );
                default
            }
        },
        Some(Value::Number(n)) => {
            problem(
                key,
                format!("is {n}, a number without a unit: write a duration such as {n}s or 10m"),
            );
            default
        }
        Some(_) => {
            problem(key, "is a duration such as 10m or 120h".to_owned());
            default
        }
    };
    cutover.hook_timeout = duration("hookTimeout", cutover.hook_timeout);
    cutover.timer = duration("cutoverTimer", cutover.timer);
    cutover.deadline_warning = duration("deadlineWarning", cutover.deadline_warning);
    let zone = match keys.get("timeZone") {
        None => Some(jiff::tz::TimeZone::UTC),
        Some(Value::String(name)) => match jiff::tz::TimeZone::get(name) {
            Ok(zone) => Some(zone),
            Err(e) => {
                problem(
                    "timeZone",
                    format!(
                        "is {name:?}, not a time zone this system knows (an IANA name such as Europe/Paris): {e}"
                    ),
                );
                None
            }
        },
        Some(_) => {
            problem(
                "timeZone",
                "is an IANA time zone name, such as Europe/Paris".to_owned(),
            );
            None
        }
    };
    match keys.get("cutoverWindows") {
        None => {}
        Some(Value::Sequence(texts)) if !texts.is_empty() => {
            let mut windows = Vec::new();
            for text in texts {
                match text.as_str().map(crate::fleet::gates::Window::parse) {
                    Some(Ok(window)) => windows.push(window),
                    Some(Err(why)) => problem("cutoverWindows", why),
                    None => problem("cutoverWindows", "is a list of windows as text".to_owned()),
                }
            }
            if let Some(zone) = zone {
                cutover.windows = Some(crate::fleet::gates::Windows { windows, zone });
            }
        }
        Some(_) => problem(
            "cutoverWindows",
            "is a list of windows, such as [\"Sat 02:00-06:00\", \"daily 22:00-02:00\"]".to_owned(),
        ),
    }
    let mut whole = |key: &str| match keys.get(key) {
        None => None,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n >= 1) => n.as_u64(),
        Some(_) => {
            problem(key, "is a whole number, 1 or more".to_owned());
            None
        }
    };
    if let Some(wave) = whole("wave") {
        cutover.wave = u32::try_from(wave).unwrap_or(u32::MAX);
    }
    cutover.max_concurrent = whole("maxConcurrentCutovers").map(|n| n as usize);
    match keys.get("cutoverMaxLagSeconds") {
        None => {}
        Some(Value::Number(n)) if n.as_u64().is_some() => cutover.max_lag = n.as_u64(),
        Some(_) => problem(
            "cutoverMaxLagSeconds",
            "is a whole number of seconds, 0 or more".to_owned(),
        ),
    }
    cutover
}
