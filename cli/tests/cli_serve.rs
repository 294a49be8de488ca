//! `fleet serve` through the binary, while `fleet apply` runs against the
//! mock Atlas with one migration `COMPLETE`, one awaiting approval and one
//! waiting for its window: `/metrics` (checked by Prometheus's own
//! `promtool` under `slow-tests`), `/status.json` against `fleet status -o
//! json`, the page (in headless Chromium under `slow-tests`), an approval
//! seen within a refresh, `405`, `404`, and `SIGTERM`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atlas_live_migration_mock::{GROUP_ID, MockAtlas, Scenario};
use serde_json::Value;

mod common;
mod fleet_common;
use fleet_common::{Folder, text};

const PASSWORD: &str = "serve-Source-pw-4711";

/// A process of the test's, ended when the test ends, however it ends:
/// a failed assertion leaves no server or apply running behind it.
struct Running(Option<Child>);

impl Running {
    fn child(&self) -> &Child {
        self.0.as_ref().expect("not waited for yet")
    }

    /// Its exit status, once it has ended on its own or by a signal.
    async fn ended(mut self) -> std::process::ExitStatus {
        let mut child = self.0.take().expect("not waited for yet");
        tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An answer: its status, its headers (names in lower case) and its body.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// One HTTP/1.1 request to `address`, the connection closed after it.
fn http(address: SocketAddr, method: &str, path: &str) -> Answer {
    http_accepting(address, method, path, "*/*")
}

/// What Prometheus 2 sends as `Accept` when it scrapes.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,\
    application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn http_accepting(address: SocketAddr, method: &str, path: &str, accept: &str) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAccept: {accept}\r\nConnection: close\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let raw = String::from_utf8(bytes).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// `fleet serve --state STATE --listen 127.0.0.1:0`, and the address it
/// says on stderr.
#[allow(
    clippy::zombie_processes,
    reason = "the test waits for it once it has ended it"
)]
fn serve(state: &Path) -> (Child, SocketAddr, Vec<String>) {
    let mut child = Command::new(common::binary())
        .args(["fleet", "serve", "--state", state.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = Vec::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve ended: {said:?}"
        );
        said.push(line.trim_end().to_owned());
        if let Some(rest) = line.split("http://").nth(1) {
            let address = rest.split('/').next().unwrap().parse().unwrap();
            return (child, address, said);
        }
    }
}

/// The samples of an exposition: `(name{labels}, value)`.
fn samples(metrics: &str) -> BTreeMap<String, f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

fn sample(samples: &BTreeMap<String, f64>, series: &str) -> Option<f64> {
    samples.get(series).copied()
}

/// `fleet status --state STATE -o json`, with no credentials.
fn status_json(state: &Path) -> String {
    let output = Command::new(common::binary())
        .args([
            "fleet",
            "status",
            "--state",
            state.to_str().unwrap(),
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// A window that opens three hours from now (UTC), for an hour.
fn window_later() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 60;
    let clock = |minutes: u64| {
        let minutes = (now + minutes) % (24 * 60);
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    };
    format!("daily {}-{}", clock(180), clock(240))
}

fn plan() -> String {
    format!(
        "projectId: {GROUP_ID}\nmigrationHosts: [vm001.example.com, vm002.example.com, \
         vm003.example.com]\nsourceProjectId: 5e2211c17a3e5a48f5497de3\nsourceUsername: admin\n\
         sourcePasswordEnv: SRC_PW\nsourceSsl: true\ntimeZone: UTC\ncutoverTimer: 6h\n\
         migrations:\n\
         \x20 - name: app-01\n    clusterName: dst-01\n    sourceClusterName: rs-01\n\
         \x20 - name: app-02\n    clusterName: dst-02\n    sourceClusterName: rs-02\n    cutoverApproval: true\n\
         \x20 - name: app-03\n    clusterName: dst-03\n    sourceClusterName: rs-03\n    cutoverWindows: [\"{}\"]\n",
        window_later()
    )
}

fn until<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_shows_a_running_apply_to_prometheus_a_person_and_a_script() {
    let mut scenario = Scenario::default().ready_with_lags(&[40, 25, 12, 6, 3]);
    scenario.validation = vec!["SUCCESS"];
    scenario.polls_to_complete = 1;
    let atlas = MockAtlas::start(scenario).await.unwrap();
    let folder = Folder::new("serve");
    let plan_path = folder.file("plan.yaml", &plan());
    let state = folder.path("state.json");

    // Started before the apply: it says there is no state yet, and answers
    // 503 until there is.
    let (server, address, said) = serve(&state);
    let server = Running(Some(server));
    assert!(
        said.iter().any(|l| l.contains("there is no state")),
        "{said:?}"
    );
    assert!(!said.iter().any(|l| l.contains("not loopback")), "{said:?}");
    assert_eq!(http(address, "GET", "/metrics").status, 503);

    let (plan_arg, state_arg) = (plan_path.to_str().unwrap(), state.to_str().unwrap());
    let apply = Running(Some(fleet_common::spawn_fleet(
        &atlas,
        PASSWORD,
        &fleet_common::apply_args(plan_arg, state_arg),
        false,
    )));

    // One COMPLETE, one awaiting approval, one waiting for its window.
    let document: Value = until("the three states", Duration::from_secs(90), || {
        let answer = http(address, "GET", "/status.json");
        (answer.status == 200).then_some(())?;
        let document: Value = serde_json::from_str(&answer.body).unwrap();
        let m = &document["migrations"];
        (m[0]["status"] == "COMPLETE"
            && m[1]["waitingFor"] == "approval"
            && m[2]["waitingFor"] == "window")
            .then_some(document)
    });
    assert_eq!(document["applyRunning"], true, "{document}");

    // `/status.json` is the document `fleet status -o json` prints (the
    // apply reads the jobs meanwhile: equal to the answer before or after).
    until(
        "/status.json equal to fleet status -o json",
        Duration::from_secs(20),
        || {
            let before = http(address, "GET", "/status.json");
            let printed = status_json(&state);
            let after = http(address, "GET", "/status.json");
            assert_eq!(before.headers["content-type"], "application/json");
            (printed == before.body || printed == after.body).then_some(())
        },
    );

    // `/metrics`: every family has HELP and TYPE, and says the three states;
    // the lag and the deadline are what the JSON says. As Prometheus asks
    // for it (OpenMetrics), and as a scraper that does not (the classic
    // format, which promtool reads).
    let metrics = http_accepting(address, "GET", "/metrics", PROMETHEUS_ACCEPT);
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers["content-type"].starts_with("application/openmetrics-text"),
        "{:?}",
        metrics.headers
    );
    assert!(metrics.body.ends_with("# EOF\n"), "{}", metrics.body);
    let classic = http(address, "GET", "/metrics");
    assert!(
        classic.headers["content-type"].starts_with("text/plain; version=0.0.4"),
        "{:?}",
        classic.headers
    );
    assert!(!classic.body.contains("# EOF"));
    let mut bodies = Vec::new();
    for (body, counter) in [
        (&metrics.body, "atlas_live_migration_state_changes"),
        (&classic.body, "atlas_live_migration_state_changes_total"),
    ] {
        let families: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        for family in [
            "atlas_live_migration_info",
            "atlas_live_migration_status",
            "atlas_live_migration_lag_seconds",
            "atlas_live_migration_ready_since_timestamp_seconds",
            "atlas_live_migration_cutover_deadline_timestamp_seconds",
            "atlas_live_migration_waiting",
            "atlas_live_migration_needs_person",
            "atlas_live_migration_writes_stopped",
            "atlas_live_migration_apply_running",
            counter,
        ] {
            assert!(families.contains(&family), "no TYPE of {family}: {body}");
            assert!(
                body.contains(&format!("# HELP {family} ")),
                "no HELP of {family}: {body}"
            );
        }
        for series in samples(body).keys() {
            let name = series.split('{').next().unwrap();
            let family = if families.contains(&name) {
                name
            } else {
                name.strip_suffix("_total").unwrap_or(name)
            };
            assert!(families.contains(&family), "{series} has no family");
        }
        bodies.push(samples(body));
    }
    // The same samples either way.
    assert_eq!(bodies[0], bodies[1]);
    let body = classic.body.clone();
    let values = samples(&body);
    let now = |series: &str| sample(&values, series);
    assert_eq!(
        now("atlas_live_migration_status{name=\"app-01\",status=\"COMPLETE\"}"),
        Some(1.0)
    );
    assert_eq!(
        now("atlas_live_migration_waiting{name=\"app-02\",for=\"approval\"}"),
        Some(1.0)
    );
    assert_eq!(
        now("atlas_live_migration_waiting{name=\"app-03\",for=\"window\"}"),
        Some(1.0)
    );
    assert_eq!(now("atlas_live_migration_apply_running"), Some(1.0));
    assert!(now("atlas_live_migration_state_changes_total").unwrap() > 10.0);
    let info = values
        .keys()
        .find(|s| s.starts_with("atlas_live_migration_info{name=\"app-02\""))
        .unwrap();
    let id = document["migrations"][1]["liveMigrationId"]
        .as_str()
        .unwrap();
    assert!(
        info.contains(&format!("live_migration_id=\"{id}\"")),
        "{info}"
    );
    let document: Value = serde_json::from_str(&http(address, "GET", "/status.json").body).unwrap();
    for m in document["migrations"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        assert_eq!(
            now(&format!(
                "atlas_live_migration_lag_seconds{{name=\"{name}\"}}"
            )),
            m["lagSeconds"].as_f64(),
            "{name}"
        );
        let deadline = m["cutoverDeadline"].as_str().map(|d| {
            humantime::parse_rfc3339(d)
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as f64
        });
        assert!(deadline.is_some(), "{m}");
        assert_eq!(
            now(&format!(
                "atlas_live_migration_cutover_deadline_timestamp_seconds{{name=\"{name}\"}}"
            )),
            deadline,
            "{name}"
        );
    }
    promtool_reads(&body, &folder);

    // The page: a row per migration, the window wait, the chart.
    let page = http(address, "GET", "/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("http-equiv=\"refresh\""));
    assert!(!page.body.contains("<script"), "the page runs no script");
    for name in ["app-01", "app-02", "app-03"] {
        assert!(
            page.body.contains(&format!("<tr id=\"m-{name}\"")),
            "{name}"
        );
    }
    chromium_shows(address);

    // An approval while it serves: COMPLETE within one refresh of the page.
    let approved = Command::new(common::binary())
        .args(["fleet", "approve", "--state", state_arg, "app-02"])
        .output()
        .unwrap();
    assert!(approved.status.success(), "{}", text(&approved.stderr));
    let approved_at = Instant::now();
    until(
        "app-02 COMPLETE in /metrics",
        Duration::from_secs(30),
        || {
            let values =
                samples(&http_accepting(address, "GET", "/metrics", PROMETHEUS_ACCEPT).body);
            (sample(
                &values,
                "atlas_live_migration_status{name=\"app-02\",status=\"COMPLETE\"}",
            ) == Some(1.0))
            .then_some(())
        },
    );
    // The apply takes the approval within its polling interval (100 ms),
    // cuts over and reads COMPLETE on its next read; the page refreshes
    // every 5 s.
    assert!(
        approved_at.elapsed() < Duration::from_secs(5),
        "{:?}",
        approved_at.elapsed()
    );

    // Read-only: a write is 405, an unknown path 404; HEAD is served.
    let post = http(address, "POST", "/metrics");
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    assert_eq!(http(address, "DELETE", "/status.json").status, 405);
    let unknown = http(address, "GET", "/api/v1/progress");
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("/metrics"), "{}", unknown.body);
    let head = http(address, "HEAD", "/metrics");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    // The apply ends (its window is hours away); serve goes on, and says so.
    signal(apply.child(), "TERM");
    assert_eq!(apply.ended().await.code(), Some(130));
    until("apply_running 0", Duration::from_secs(10), || {
        let values = samples(&http(address, "GET", "/metrics").body);
        (sample(&values, "atlas_live_migration_apply_running") == Some(0.0)).then_some(())
    });

    // SIGTERM ends it at once, with exit 0.
    signal(server.child(), "TERM");
    let ended = Instant::now();
    assert_eq!(server.ended().await.code(), Some(0));
    assert!(ended.elapsed() < Duration::from_secs(5));
}

/// A `--listen` that is not loopback says that the fleet is served to the
/// network; SIGINT ends it with exit 0; an address in use is a usage error
/// that names --listen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listen_beyond_loopback_is_said_and_ctrl_c_ends_it() {
    let folder = Folder::new("serve-listen");
    let state = folder.path("state.json");
    let mut child = Running(Some(
        Command::new(common::binary())
            .args(["fleet", "serve", "--state", state.to_str().unwrap()])
            .args(["--listen", "0.0.0.0:0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    let stderr = child.0.as_mut().unwrap().stderr.take().unwrap();
    let mut stderr = BufReader::new(stderr);
    let mut said = String::new();
    while !said.contains("http://") {
        assert!(stderr.read_line(&mut said).unwrap() > 0, "{said}");
    }
    assert!(
        said.contains("not loopback") && said.contains("served to the network"),
        "{said}"
    );
    signal(child.child(), "INT");
    assert_eq!(child.ended().await.code(), Some(0));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = Command::new(common::binary())
        .args(["fleet", "serve", "--state", state.to_str().unwrap()])
        .args(["--listen", &address])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--listen"),
        "{}",
        text(&output.stderr)
    );
}

/// `promtool check metrics` (Prometheus's own parser and linter) reads the
/// exposition without a problem.
#[cfg(feature = "slow-tests")]
fn promtool_reads(metrics: &str, folder: &Folder) {
    let path = folder.file("metrics.txt", metrics);
    let output = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .expect("promtool (Debian's prometheus package; .ci/run installs it)");
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool: {}{}\n{metrics}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[cfg(not(feature = "slow-tests"))]
fn promtool_reads(_: &str, _: &Folder) {}

/// The page in headless Chromium: its DOM after load has a row per
/// migration, the window wait, and the chart; a screenshot is kept under
/// target/.
#[cfg(feature = "slow-tests")]
fn chromium_shows(address: SocketAddr) {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&target).unwrap();
    let screenshot = target.join("fleet-serve.png");
    let _ = std::fs::remove_file(&screenshot);
    let profile = Folder::new("chromium");
    let chromium = |extra: &[String]| {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1280,900",
            ])
            .arg(format!(
                "--user-data-dir={}",
                profile.path("profile").display()
            ))
            .args(extra)
            .arg(format!("http://{address}/"))
            .output()
            .expect("chromium (Debian's package; .ci/run installs it)")
    };
    let dom = chromium(&["--dump-dom".to_owned()]);
    let dom_text = text(&dom.stdout);
    assert!(dom.status.success(), "{}", text(&dom.stderr));
    for name in ["app-01", "app-02", "app-03"] {
        assert!(
            dom_text.contains(&format!("<tr id=\"m-{name}\"")),
            "{name}: {dom_text}"
        );
    }
    assert!(
        dom_text.contains("<td class=\"waiting\">window</td>"),
        "{dom_text}"
    );
    assert!(dom_text.contains("<svg id=\"lag-chart\""), "{dom_text}");
    assert!(dom_text.contains("<polyline class=\"lag\""), "{dom_text}");
    let shot = chromium(&[format!("--screenshot={}", screenshot.display())]);
    assert!(shot.status.success(), "{}", text(&shot.stderr));
    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

#[cfg(not(feature = "slow-tests"))]
fn chromium_shows(_: SocketAddr) {}
