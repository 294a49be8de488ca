//! The plan file: YAML whose keys are `create`'s flags, at the top (a
//! default for every migration) or in a migration (which wins). Read and
//! checked whole before anything is sent; every problem names the
//! migration and the key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use atlas_live_migration_api::Secret;
use atlas_live_migration_api::types::{
    DestinationHostnameSchemaType, GroupId, LiveMigrationRequest20240530,
};
use serde_norway::Value;

use crate::body::MigrationBody;

mod cutover;
pub mod programs;

pub use cutover::Cutover;
use cutover::cutover_keys;

/// A key of the plan: its spelling (the flag's), and whether every
/// migration must have it (itself or from the top).
struct Key {
    name: &'static str,
    required: bool,
}

/// Every request flag of `create`, as the Atlas CLI spells it, and the
/// variable that holds the password.
const KEYS: &[Key] = &[
    key("projectId", true),
    key("clusterName", true),
    key("migrationHosts", true),
    key("sourceClusterName", true),
    key("sourceProjectId", true),
    key("sourceUsername", false),
    key("sourcePasswordEnv", false),
    key("sourceSsl", false),
    key("sourceCACertificatePath", false),
    key("sourceManagedAuthentication", false),
    key("drop", false),
    key("hostnameSchemaType", false),
    // The fleet's own: how each migration is cut over.
    key("cutoverApproval", false),
    key("beforeCutover", false),
    key("afterCutover", false),
    key("onCutoverAbort", false),
    key("hookTimeout", false),
    key("cutoverMaxLagSeconds", false),
    key("cutoverTimer", false),
    key("cutoverWindows", false),
    key("timeZone", false),
    key("wave", false),
    key("maxConcurrentCutovers", false),
    key("deadlineWarning", false),
    key("notify", false),
    // The source organization in Cloud Manager: its link is checked.
    key("sourceOrgId", false),
];

/// The keys a plan sets at the top only: they are the fleet's, not a
/// migration's.
const TOP_ONLY: &[&str] = &["timeZone", "maxConcurrentCutovers", "notify", "sourceOrgId"];

const fn key(name: &'static str, required: bool) -> Key {
    Key { name, required }
}

/// One migration of the plan, checked.
pub struct Migration {
    pub name: String,
    pub group_id: GroupId,
    pub cluster_name: String,
    pub source_cluster_name: String,
    /// The source project in Cloud Manager (`sourceProjectId`).
    pub source_project_id: GroupId,
    /// The source organization in Cloud Manager (`sourceOrgId`, the
    /// fleet's), whose link to Atlas is checked.
    pub source_org_id: Option<GroupId>,
    /// The hosts it may take: the top's pool, or the one it pins. Each is
    /// checked as a `migrationHosts` item.
    pub hosts: Vec<String>,
    /// The validate and create body (the password in it is a `Secret`),
    /// with the first of `hosts`: [`Migration::body_on`] puts the one it
    /// takes.
    pub body: LiveMigrationRequest20240530,
    /// How it is cut over.
    pub cutover: Cutover,
    /// The variable its source password is read from (kept out of hooks).
    pub password_env: Option<String>,
}

impl Migration {
    /// The body, sent from `host`.
    pub fn body_on(&self, host: &str) -> Result<LiveMigrationRequest20240530, String> {
        let mut body = self.body.clone();
        body.migration_hosts = [host
            .try_into()
            .map_err(|e| format!("the migration host {host:?} is not one Atlas takes: {e}"))?];
        Ok(body)
    }
}

/// Reads and checks the plan at `path`; `Err` lists every problem found,
/// one a line.
pub fn read(path: &Path) -> Result<Vec<Migration>, String> {
    read_with(path, &|name| std::env::var(name).ok())
}

/// [`read`] for a command that sends no password (`fleet plan`): a
/// password variable that is not set is no problem here, and is returned,
/// to be named as needed by `apply`.
pub fn read_without_passwords(path: &Path) -> Result<(Vec<Migration>, Vec<String>), String> {
    let unset = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let migrations = read_with(path, &|name| {
        std::env::var(name).ok().or_else(|| {
            unset.borrow_mut().insert(name.to_owned());
            // Never sent: this plan is read to be shown.
            Some("(not set)".to_owned())
        })
    })?;
    Ok((migrations, unset.into_inner().into_iter().collect()))
}

/// [`read`], with the password variables read by `env`.
pub fn read_with(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Migration>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the plan {}: {e}", path.display()))?;
    let mut migrations = parse(&text, env)
        .map_err(|problems| format!("the plan {} is not valid:\n{problems}", path.display()))?;
    programs::resolve(&mut migrations, path);
    Ok(migrations)
}

/// The plan in `text`, with the password variables read by `env`.
pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Migration>, String> {
    let document: Value = serde_norway::from_str(text).map_err(|e| format!("  not YAML: {e}"))?;
    let Value::Mapping(top) = document else {
        return Err("  the plan is a mapping of keys (projectId, migrations, …)".to_owned());
    };
    let mut problems = Vec::new();
    let mut defaults = BTreeMap::new();
    let mut entries = None;
    for (name, value) in &top {
        let Some(name) = name.as_str() else {
            problems.push(format!("  top: a key that is not text: {name:?}"));
            continue;
        };
        if name == "migrations" {
            entries = Some(value);
        } else if check_key(name, "top", &mut problems) {
            defaults.insert(name, value);
        }
    }
    let entries = match entries {
        Some(Value::Sequence(entries)) if !entries.is_empty() => entries.as_slice(),
        Some(_) => {
            problems.push("  top: `migrations` is a list of one or more migrations".to_owned());
            &[]
        }
        None => {
            problems.push("  top: missing key `migrations` (the list of migrations)".to_owned());
            &[]
        }
    };
    let mut names = BTreeSet::new();
    let mut migrations = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let Value::Mapping(entry) = entry else {
            problems.push(format!(
                "  migration {}: a mapping of keys (name, clusterName, …)",
                index + 1
            ));
            continue;
        };
        let name = match entry.get("name").map(Value::as_str) {
            Some(Some(name)) if valid_name(name) => name.to_owned(),
            Some(Some(name)) if !name.trim().is_empty() => {
                problems.push(format!(
                    "  migration {}: `name` is {name:?}: a name is letters, digits, `.`, `_` \
                     and `-` (it names the migration's log file and its approvals), such as \
                     app-01",
                    index + 1
                ));
                format!("#{}", index + 1)
            }
            _ => {
                problems.push(format!(
                    "  migration {}: missing key `name` (unique: the migration's key in the state)",
                    index + 1
                ));
                format!("#{}", index + 1)
            }
        };
        if !names.insert(name.clone()) {
            problems.push(format!(
                "  migration {name}: `name` {name} is used by another migration; names are unique"
            ));
        }
        let mut keys = defaults.clone();
        for (key, value) in entry {
            match key.as_str() {
                Some("name") => {}
                Some(key) if TOP_ONLY.contains(&key) => problems.push(format!(
                    "  migration {name}: `{key}` is the fleet's: set it at the top only"
                )),
                Some(key) => {
                    if check_key(key, &format!("migration {name}"), &mut problems) {
                        keys.insert(key, value);
                    }
                }
                None => problems.push(format!("  migration {name}: a key that is not text")),
            }
        }
        let pinned = entry.contains_key("migrationHosts");
        // A key the migration takes from the top is the top's to fix.
        let from_top = |key: &str| defaults.contains_key(key) && !entry.contains_key(key);
        match migration(&name, &keys, pinned, &from_top, env) {
            Ok(migration) => migrations.push(migration),
            // The top's problems once, not once per migration.
            Err(found) => {
                for problem in found {
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
        }
    }
    // The top's problems first, then each migration's, each in plan order.
    problems.sort_by_key(|problem| !problem.starts_with("  top:"));
    if problems.is_empty() {
        Ok(migrations)
    } else {
        Err(problems.join("\n"))
    }
}

/// A migration's name: letters, digits, `.`, `_` and `-`, not `.` or `..`
/// alone, at most 100 characters.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
}

/// Whether `name` is a key; else a problem says what it may have meant.
fn check_key(name: &str, place: &str, problems: &mut Vec<String>) -> bool {
    if KEYS.iter().any(|key| key.name == name) {
        return true;
    }
    if name == "sourcePassword" {
        problems.push(format!(
            "  {place}: `sourcePassword`: the password is never read from the plan; set \
             `sourcePasswordEnv` to the name of the environment variable that holds it"
        ));
        return false;
    }
    let near = KEYS
        .iter()
        .map(|key| key.name)
        .chain(["name", "migrations"])
        .find(|known| crate::fleet::names::near(known, name));
    problems.push(match near {
        Some(near) => format!("  {place}: unknown key `{name}` (did you mean `{near}`?)"),
        None => format!(
            "  {place}: unknown key `{name}`; the keys are name, migrations, {}",
            KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
        ),
    });
    false
}

/// One migration from its keys (defaults merged): every problem, each
/// naming the key and where it is set (the migration, or the top for a key
/// it takes from there: `from_top`).
fn migration(
    name: &str,
    keys: &BTreeMap<&str, &Value>,
    pinned: bool,
    from_top: &dyn Fn(&str) -> bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Migration, Vec<String>> {
    let mut problems = Vec::new();
    let mut problem = |key: &str, what: String| {
        if from_top(key) {
            problems.push(format!("  top: `{key}` {what}"));
        } else {
            problems.push(format!("  migration {name}: `{key}` {what}"));
        }
    };
    for key in KEYS.iter().filter(|k| k.required) {
        if !keys.contains_key(key.name) {
            problem(
                key.name,
                "is missing (set it here or at the top)".to_owned(),
            );
        }
    }
    let text = |key: &str, problem: &mut dyn FnMut(&str, String)| -> Option<String> {
        match keys.get(key)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => {
                problem(key, "is text".to_owned());
                None
            }
        }
    };
    let flag = |key: &str, problem: &mut dyn FnMut(&str, String)| -> bool {
        match keys.get(key) {
            None => false,
            Some(Value::Bool(on)) => *on,
            Some(_) => {
                problem(key, "is true or false".to_owned());
                false
            }
        }
    };
    let id = |key: &str, problem: &mut dyn FnMut(&str, String)| -> Option<GroupId> {
        let value = text(key, problem)?;
        match value.parse::<GroupId>() {
            Ok(id) => Some(id),
            Err(_) => {
                problem(
                    key,
                    format!(
                        "is {value:?}, not an ID: 24 lower-case hexadecimal digits, \
                         such as 32b6e34b3d91647abb20e7b8"
                    ),
                );
                None
            }
        }
    };
    let group_id = id("projectId", &mut problem);
    let source_project_id = id("sourceProjectId", &mut problem);
    let source_org_id = keys
        .contains_key("sourceOrgId")
        .then(|| id("sourceOrgId", &mut problem))
        .flatten();
    let cluster_name = text("clusterName", &mut problem);
    let source_cluster_name = text("sourceClusterName", &mut problem);
    // Host names are compared without case, as DNS does: `VM001` and
    // `vm001` are one host, and Atlas is sent the lower-case spelling.
    let hosts: Vec<String> = match keys.get("migrationHosts") {
        None => Vec::new(),
        Some(Value::String(host)) => vec![host.to_ascii_lowercase()],
        Some(Value::Sequence(hosts)) => {
            let texts: Vec<String> = hosts
                .iter()
                .filter_map(|host| host.as_str().map(str::to_ascii_lowercase))
                .collect();
            if texts.len() != hosts.len() {
                problem(
                    "migrationHosts",
                    "has an item that is not a host name as text; quote each name".to_owned(),
                );
            }
            texts
        }
        Some(_) => {
            problem("migrationHosts", "is a list of host names".to_owned());
            Vec::new()
        }
    };
    // At the top, a pool: each migration takes a host no unfinished one
    // holds. In a migration, the one host it pins.
    if pinned && hosts.len() != 1 {
        problem(
            "migrationHosts",
            format!(
                "has {} hosts; a migration pins one (Atlas takes exactly one migration host \
                 per migration); a pool of hosts goes at the top",
                hosts.len()
            ),
        );
    } else if keys.contains_key("migrationHosts") && hosts.is_empty() {
        problem(
            "migrationHosts",
            "is empty; list the migration hosts (each migration takes one)".to_owned(),
        );
    }
    let mut seen = BTreeSet::new();
    for host in &hosts {
        if !seen.insert(host) {
            problem("migrationHosts", format!("lists {host} twice"));
        }
        // The request's own check of an item, whatever type the generated
        // code gives it (a checked newtype, or a String where a revision
        // checks nothing).
        let item = crate::fields::item_of(
            |body: &LiveMigrationRequest20240530| &body.migration_hosts[..],
            host,
        );
        if let Err(e) = item {
            problem(
                "migrationHosts",
                format!("has {host:?}, which Atlas does not take: {e}"),
            );
        }
    }
    let username = text("sourceUsername", &mut problem);
    let password_env = text("sourcePasswordEnv", &mut problem);
    let managed = flag("sourceManagedAuthentication", &mut problem);
    let password = match (&password_env, &username) {
        (Some(variable), _) => match env(variable) {
            Some(value) => Some(Secret::from(value)),
            None => {
                problem(
                    "sourcePasswordEnv",
                    format!("names {variable}, which is not set: export it with the password"),
                );
                None
            }
        },
        (None, Some(user)) if !managed => {
            problem(
                "sourcePasswordEnv",
                format!(
                    "is missing: sourceUsername {user} needs a password, read from the \
                     environment variable this key names"
                ),
            );
            None
        }
        _ => None,
    };
    if managed && (username.is_some() || password_env.is_some()) {
        problem(
            "sourceManagedAuthentication",
            "is true: then Atlas needs no sourceUsername or sourcePasswordEnv".to_owned(),
        );
    }
    let hostname_schema_type = match text("hostnameSchemaType", &mut problem).as_deref() {
        None | Some("PUBLIC" | "public") => Some(DestinationHostnameSchemaType::Public),
        Some("PRIVATE_LINK" | "private-link") => Some(DestinationHostnameSchemaType::PrivateLink),
        Some("VPC_PEERING" | "vpc-peering") => Some(DestinationHostnameSchemaType::VpcPeering),
        Some(other) => {
            problem(
                "hostnameSchemaType",
                format!("is {other:?}; it is PUBLIC, PRIVATE_LINK or VPC_PEERING"),
            );
            None
        }
    };
    let cutover = cutover_keys(keys, &mut problem);
    let ssl = flag("sourceSsl", &mut problem);
    let drop_destination_data = flag("drop", &mut problem);
    let ca_certificate_path = text("sourceCACertificatePath", &mut problem);
    let (
        Some(group_id),
        Some(source_group_id),
        Some(cluster_name),
        Some(source_cluster_name),
        Some(host),
        Some(hostname_schema_type),
        true,
    ) = (
        group_id,
        source_project_id,
        cluster_name,
        source_cluster_name,
        hosts.first(),
        hostname_schema_type,
        problems.is_empty(),
    )
    else {
        return Err(problems);
    };
    let body = MigrationBody {
        cluster_name: &cluster_name,
        group_id: &group_id,
        hostname_schema_type,
        migration_host: host,
        source_cluster_name: &source_cluster_name,
        source_group_id: &source_group_id,
        source_managed_authentication: managed,
        source_ssl: ssl,
        source_ca_certificate_path: ca_certificate_path,
        source_username: username,
        source_password: password,
        drop_destination_data,
    }
    .build()
    .map_err(|failure| vec![format!("  migration {name}: {}", failure.message)])?;
    Ok(Migration {
        name: name.to_owned(),
        group_id,
        cluster_name,
        source_cluster_name,
        source_project_id: source_group_id,
        source_org_id,
        hosts,
        body,
        cutover,
        password_env,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "
projectId: 32b6e34b3d91647abb20e7b8
migrationHosts: [vm001.example.com]
sourceProjectId: 5e2211c17a3e5a48f5497de3
migrations:
  - name: app-01
    clusterName: dst-01
    sourceClusterName: rs-01
    sourceUsername: admin
    sourcePasswordEnv: SRC_PW_APP01
    sourceSsl: true
  - name: app-02
    clusterName: dst-02
    sourceClusterName: rs-02
    sourceManagedAuthentication: true
    projectId: 5e2211c17a3e5a48f5497de3
";

    fn env(name: &str) -> Option<String> {
        (name == "SRC_PW_APP01").then(|| "s3cret-pw".to_owned())
    }

    #[test]
    fn a_migration_takes_the_defaults_and_wins_over_them() {
        let plan = parse(PLAN, &env).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].group_id.as_str(), "32b6e34b3d91647abb20e7b8");
        assert_eq!(plan[1].group_id.as_str(), "5e2211c17a3e5a48f5497de3");
        let body = serde_json::to_value(&plan[0].body).unwrap();
        assert_eq!(body["source"]["password"], "s3cret-pw");
        assert_eq!(body["source"]["ssl"], true);
        assert_eq!(body["migrationHosts"][0], "vm001.example.com");
    }

    #[test]
    fn each_problem_names_the_migration_and_the_key() {
        let cases = [
            (
                "sourceSsl: true",
                "sourceSSl: true",
                "unknown key `sourceSSl` (did you mean `sourceSsl`?)",
            ),
            (
                "    clusterName: dst-02\n",
                "",
                "migration app-02: `clusterName` is missing",
            ),
            (
                "5e2211c17a3e5a48f5497de3\nmigrations",
                "not-an-id\nmigrations",
                "`sourceProjectId` is \"not-an-id\", not an ID",
            ),
            (
                "name: app-02",
                "name: app-01",
                "`name` app-01 is used by another migration",
            ),
            (
                "SRC_PW_APP01",
                "SRC_PW_UNSET",
                "names SRC_PW_UNSET, which is not set",
            ),
            (
                "    sourceSsl: true",
                "    sourcePassword: hunter2",
                "the password is never read from the plan",
            ),
        ];
        for (from, to, expected) in cases {
            let plan = PLAN.replacen(from, to, 1);
            let problems = parse(&plan, &env).err().unwrap_or_default();
            assert!(problems.contains(expected), "{expected}: {problems}");
            assert!(!problems.contains("hunter2"), "{problems}");
        }
    }

    #[test]
    fn plan_values_that_would_misbehave_are_refused() {
        let cases = [
            (
                "sourceSsl: true",
                "sourceSsl: true\n    hookTimeout: 0s",
                "a duration greater than zero",
            ),
            (
                "sourceSsl: true",
                "sourceSsl: true\n    hookTimeout: 300",
                "a number without a unit: write a duration such as 300s",
            ),
            (
                "sourceSsl: true",
                "sourceSsl: true\n    cutoverTimer: 100000000h",
                "at most 366 days",
            ),
            ("name: app-01", "name: app/01", "a name is letters, digits"),
            (
                "name: app-01",
                "name: \"app\\t01\"",
                "a name is letters, digits",
            ),
            (
                "migrationHosts: [vm001.example.com]",
                "migrationHosts: [vm001.example.com, VM001.example.com]",
                "lists vm001.example.com twice",
            ),
            (
                "migrationHosts: [vm001.example.com]",
                "migrationHosts: [vm001.example.com, 7]",
                "`migrationHosts` has an item that is not a host name as text",
            ),
            (
                "sourceSsl: true",
                "sourceSsl: true\n    beforeCutover: [\"\"]",
                "`beforeCutover` is a program",
            ),
        ];
        for (from, to, expected) in cases {
            let plan = PLAN.replacen(from, to, 1);
            let problems = parse(&plan, &env).err().unwrap_or_default();
            assert!(problems.contains(expected), "{to}: {expected}: {problems}");
        }
        // Upper case is the same host, sent in lower case.
        let plan = parse(
            &PLAN.replacen("vm001.example.com", "VM001.Example.com", 1),
            &env,
        )
        .unwrap();
        assert_eq!(plan[0].hosts, ["vm001.example.com"]);
    }
}
