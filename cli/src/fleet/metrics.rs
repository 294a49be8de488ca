//! `/metrics` of `fleet serve`: the fleet's view in the Prometheus
//! exposition format, made by `prometheus-client`, the Prometheus
//! project's Rust client. Every value comes from the one view
//! ([`FleetView`]); a registry is built per scrape, so a migration the
//! state no longer has leaves no series behind.
//!
//! The client writes OpenMetrics text, which a Prometheus server asks for
//! (its `Accept` names `application/openmetrics-text`). A scraper that does
//! not ask for it (promtool, curl, an older agent) gets the classic text
//! format (version 0.0.4), as Prometheus's Go client does: the same
//! lines, without `# UNIT` and `# EOF`, and a counter's `HELP` and `TYPE`
//! named as its sample (`…_total`), which OpenMetrics names without the
//! suffix.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use super::state::unix_seconds;
use super::view::FleetView;

/// The media type of the OpenMetrics exposition.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The media type of the classic text exposition.
pub const CLASSIC: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a request's `Accept` asks for OpenMetrics.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|accept| {
        accept.split(',').any(|kind| {
            let mut parts = kind.split(';').map(str::trim);
            let named = parts.next() == Some("application/openmetrics-text");
            // `q=0` refuses it.
            named && !parts.any(|p| p.replace(' ', "") == "q=0")
        })
    })
}

/// The OpenMetrics exposition `openmetrics` in the classic text format:
/// `# UNIT` and `# EOF` left out, and a counter's `HELP` and `TYPE` named
/// as its samples are (`…_total`). Only gauges and counters are written
/// here.
pub fn classic(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut text = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, after) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {after}"))
        });
        text.push_str(renamed.as_deref().unwrap_or(line));
        text.push('\n');
    }
    text
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Name {
    name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Info {
    name: String,
    live_migration_id: String,
    migration_host: String,
    wave: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    name: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Waiting {
    name: String,
    #[prometheus(flatten)]
    r#for: For,
}

/// `for` is a Rust keyword: the label set is written by hand.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct For(String);

impl EncodeLabelSet for For {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelSetEncoder<'_>,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeLabel;
        ("for", self.0.as_str()).encode(encoder.encode_label())
    }
}

/// The exposition of `view`: OpenMetrics (`# EOF` last) when
/// `openmetrics`, else the classic text format.
pub fn render(view: &FleetView, openmetrics: bool) -> String {
    let mut registry = Registry::with_prefix("atlas_live_migration");
    let info = Family::<Info, Gauge>::default();
    registry.register(
        "info",
        "A migration of the state: its job, its migration host and its wave (1)",
        info.clone(),
    );
    let status = Family::<Status, Gauge>::default();
    registry.register(
        "status",
        "The job's last status as Atlas said it (1 for the current one; none before the job is created)",
        status.clone(),
    );
    let lag = Family::<Name, Gauge>::default();
    registry.register_with_unit(
        "lag",
        "The replication lag Atlas last reported (absent while unknown)",
        Unit::Seconds,
        lag.clone(),
    );
    let ready_since = Family::<Name, Gauge>::default();
    registry.register_with_unit(
        "ready_since_timestamp",
        "No later than when Atlas made the job ready for cutover (Unix time)",
        Unit::Seconds,
        ready_since.clone(),
    );
    let deadline = Family::<Name, Gauge>::default();
    registry.register_with_unit(
        "cutover_deadline_timestamp",
        "When Atlas makes the job EXPIRED unless it is cut over: readySince plus the cutover timer (Unix time)",
        Unit::Seconds,
        deadline.clone(),
    );
    let cutover_started = Family::<Name, Gauge>::default();
    registry.register(
        "cutover_started",
        "The cutover was sent to Atlas (0 or 1)",
        cutover_started.clone(),
    );
    let waiting = Family::<Waiting, Gauge>::default();
    registry.register(
        "waiting",
        "What apply waits for before the migration's next step (1): host, ready, window, approval, wave, cutoverSlot, lag, hook or person",
        waiting.clone(),
    );
    let needs_person = Family::<Name, Gauge>::default();
    registry.register(
        "needs_person",
        "A person must look before the migration goes on (0 or 1)",
        needs_person.clone(),
    );
    let writes_stopped = Family::<Name, Gauge>::default();
    registry.register(
        "writes_stopped",
        "beforeCutover stopped the application's writes and no cutover followed yet (0 or 1)",
        writes_stopped.clone(),
    );
    let apply_running = Gauge::<i64>::default();
    registry.register(
        "apply_running",
        "An apply holds the state now (0 or 1)",
        apply_running.clone(),
    );
    let changes = Counter::<u64>::default();
    registry.register(
        "state_changes",
        "Changes recorded in the state since it began",
        changes.clone(),
    );

    let seconds = |at: Option<&str>| {
        at.and_then(unix_seconds)
            .and_then(|s| i64::try_from(s).ok())
    };
    for m in &view.migrations {
        let name = Name {
            name: m.name.clone(),
        };
        info.get_or_create(&Info {
            name: m.name.clone(),
            live_migration_id: m.live_migration_id.clone().unwrap_or_default(),
            migration_host: m.migration_host.clone().unwrap_or_default(),
            wave: m.wave.map(|w| w.to_string()).unwrap_or_default(),
        })
        .set(1);
        if let Some(now) = &m.status {
            status
                .get_or_create(&Status {
                    name: m.name.clone(),
                    status: now.clone(),
                })
                .set(1);
        }
        if let Some(seconds) = m.lag_seconds.and_then(|s| i64::try_from(s).ok()) {
            lag.get_or_create(&name).set(seconds);
        }
        if let Some(at) = seconds(m.ready_since.as_deref()) {
            ready_since.get_or_create(&name).set(at);
        }
        if let Some(at) = seconds(m.cutover_deadline.as_deref()) {
            deadline.get_or_create(&name).set(at);
        }
        cutover_started
            .get_or_create(&name)
            .set(i64::from(m.cutover_started));
        if let Some(what) = &m.waiting_for {
            waiting
                .get_or_create(&Waiting {
                    name: m.name.clone(),
                    r#for: For(what.clone()),
                })
                .set(1);
        }
        needs_person
            .get_or_create(&name)
            .set(i64::from(m.needs_a_person()));
        writes_stopped
            .get_or_create(&name)
            .set(i64::from(m.writes_stopped));
    }
    apply_running.set(i64::from(view.apply_running));
    changes.inc_by(view.changes);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .expect("writing to a String does not fail");
    if openmetrics { text } else { classic(&text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scraper_that_asks_for_openmetrics_gets_it_and_others_the_classic_format() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                          version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_openmetrics(Some(prometheus)));
        assert!(!wants_openmetrics(Some("text/plain")));
        assert!(!wants_openmetrics(Some(
            "application/openmetrics-text; q=0"
        )));
        assert!(!wants_openmetrics(None));
        let open = "# HELP a_changes Changes.\n# TYPE a_changes counter\na_changes_total 3\n\
                    # HELP a_lag_seconds Lag.\n# TYPE a_lag_seconds gauge\n# UNIT a_lag_seconds seconds\n\
                    a_lag_seconds{name=\"x\"} 2\n# EOF\n";
        assert_eq!(
            classic(open),
            "# HELP a_changes_total Changes.\n# TYPE a_changes_total counter\na_changes_total 3\n\
             # HELP a_lag_seconds Lag.\n# TYPE a_lag_seconds gauge\na_lag_seconds{name=\"x\"} 2\n"
        );
    }
}
