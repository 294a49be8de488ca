//! What the `fleet` tests share: a folder of their own, the binary run with
//! a source password, its outcomes, and the state read as its journal.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use atlas_live_migration_mock::{GROUP_ID, MockAtlas};
use serde_json::Value;

use super::common::{binary, cli};

/// A folder of the test's own, removed when dropped.
pub struct Folder(PathBuf);

impl Folder {
    pub fn new(label: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("alm-fleet-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// Writes `text` to `name` in the folder.
    #[allow(dead_code, reason = "not every test file writes through it")]
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `fleet ARGS…` with the source password in `SRC_PW`, against `atlas`
/// when given; without, with no Atlas credentials either (`fleet plan`
/// then checks nothing against Atlas, and says so).
#[allow(dead_code, reason = "not every test file uses it")]
pub async fn fleet(atlas: Option<&MockAtlas>, password: &str, args: &[&str]) -> Output {
    let mut command = cli();
    command
        .env("SRC_PW", password)
        .arg("fleet")
        .args(args)
        .timeout(Duration::from_secs(120));
    match atlas {
        Some(atlas) => {
            command.args(["--base-url", atlas.base_url()]);
        }
        None => {
            command
                .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
                .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY");
        }
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// `fleet ARGS…` against `atlas` started in the background, its output
/// piped or dropped.
pub fn spawn_fleet(
    atlas: &MockAtlas,
    password: &str,
    args: &[&str],
    piped: bool,
) -> std::process::Child {
    let output = || {
        if piped {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        }
    };
    std::process::Command::new(binary())
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
        .env("SRC_PW", password)
        .arg("fleet")
        .args(args)
        .args(["--base-url", atlas.base_url()])
        .stdout(output())
        .stderr(output())
        .spawn()
        .unwrap()
}

/// Each migration's name and result, from `apply -o json`.
#[allow(dead_code, reason = "not every test file uses it")]
pub fn results(output: &Output) -> Vec<(String, String)> {
    let outcomes: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&output.stdout), text(&output.stderr)));
    outcomes
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The state as its journal leaves it: `{"migrations": {name: entry}}`.
#[allow(dead_code, reason = "not every test file uses it")]
pub fn saved(state: &Path) -> Value {
    let text = std::fs::read_to_string(state).unwrap();
    let mut migrations = serde_json::Map::new();
    for line in text.lines().skip(1) {
        let change: Value = serde_json::from_str(line).unwrap();
        let name = change["name"].as_str().unwrap().to_owned();
        if change["forgotten"] == true {
            migrations.remove(&name);
        } else {
            migrations.insert(name, change["entry"].clone());
        }
    }
    serde_json::json!({ "migrations": migrations })
}

/// A plan of `n` migrations (`app-01`…, into `dst-01`… from `rs-01`…) on a
/// pool of `hosts` migration hosts (`vm001.example.com`…), the password in
/// `SRC_PW`, with `extra` (plan keys) at the top.
#[allow(dead_code, reason = "not every test file uses it")]
pub fn plan(n: usize, hosts: usize, extra: &str) -> String {
    let pool: Vec<String> = (1..=hosts)
        .map(|i| format!("vm{i:03}.example.com"))
        .collect();
    let mut plan = format!(
        "projectId: {GROUP_ID}\nmigrationHosts: [{}]\n\
         sourceProjectId: 5e2211c17a3e5a48f5497de3\nsourceUsername: admin\n\
         sourcePasswordEnv: SRC_PW\nsourceSsl: true\n{extra}migrations:\n",
        pool.join(", ")
    );
    for i in 1..=n {
        plan.push_str(&format!(
            "  - name: app-{i:02}\n    clusterName: dst-{i:02}\n    sourceClusterName: rs-{i:02}\n"
        ));
    }
    plan
}

/// `apply PLAN --state STATE --cutover --force`, polling every 100 ms,
/// the outcomes as JSON.
pub fn apply_args<'a>(plan: &'a str, state: &'a str) -> Vec<&'a str> {
    vec![
        "apply",
        plan,
        "--state",
        state,
        "--cutover",
        "--force",
        "--interval",
        "100ms",
        "-o",
        "json",
    ]
}
