//! The spec pipeline on real official revisions: the two older ones in
//! `../shared/reference/history/` (before Atlas renamed every operationId)
//! and the current one. Each is cut with the committed kept list, reported
//! on and generated from, as a user who pulls that spec would.

use std::path::{Path, PathBuf};

use crate::codegen;
use crate::spec::{self, kept::Kept};

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// An official revision from `shared/reference/`, beside the workspace. CI
/// always has it; a clone without it skips these tests, saying so.
pub(crate) fn official(name: &str) -> Option<(PathBuf, String, String)> {
    let path = root().join("../shared/reference").join(name);
    if !path.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing; CI must have shared/ beside the clone",
            path.display()
        );
        eprintln!("skipped: {} is not here", path.display());
        return None;
    }
    let (text, digest) = spec::read_official(&path).unwrap();
    Some((path, text, digest))
}

fn committed() -> (serde_norway::Value, Vec<Kept>) {
    let text = std::fs::read_to_string(root().join(codegen::SPEC_PATH)).unwrap();
    let kept = spec::kept::read(&text).unwrap();
    (serde_norway::from_str(&text).unwrap(), kept)
}

fn generated_methods(code: &str, kept: &[Kept]) {
    let compact: String = code.split_whitespace().collect();
    for entry in kept {
        assert!(
            compact.contains(&format!("pubfn{}(&self", entry.rust_name)),
            "{} is not generated",
            entry.rust_name
        );
    }
}

#[test]
fn a_revision_from_before_the_renames_cuts_with_the_same_rust_names() {
    let Some((path, text, digest)) = official("history/atlas-api-2025-03-20.yaml.gz") else {
        return;
    };
    let (committed_doc, kept) = committed();
    let (cut, updated) = spec::cut::cut(&text, &kept, &path.to_string_lossy(), &digest).unwrap();
    let names = |k: &[Kept]| k.iter().map(|k| k.rust_name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&updated), names(&kept));
    let versions = |k: &[Kept]| k.iter().map(|k| k.version.clone()).collect::<Vec<_>>();
    assert_eq!(versions(&updated), versions(&kept), "no version moved");
    let get = updated
        .iter()
        .find(|k| k.rust_name == "get_push_migration")
        .unwrap();
    assert_eq!(get.operation_id, "getPushMigration");

    let cut_doc = serde_norway::from_str(&cut).unwrap();
    let report = spec::report::compare::compare(&committed_doc, &kept, &cut_doc, &updated);
    let rendered = report.render("now", "2025-03-20");
    for rename in [
        "createGroupLiveMigration -> createPushMigration",
        "getGroupLiveMigration -> getPushMigration",
        "cutoverGroupLiveMigration -> cutoverMigration",
        "validateGroupLiveMigrations -> validateMigration",
        "getGroupLiveMigrationValidateStatus -> getValidationStatus",
        "listOrgLiveMigrationAvailableProjects -> listSourceProjects",
        "createOrgLiveMigrationLinkToken -> createLinkToken",
        "deleteOrgLiveMigrationLinkTokens -> deleteLinkToken",
    ] {
        assert!(rendered.contains(rename), "{rename}:\n{rendered}");
    }
    // A rename is not a break; 2023-01-01 leaving the spec is said.
    assert!(
        report
            .other()
            .iter()
            .any(|l| l.text == "API version 2023-01-01 removed upstream"),
        "{rendered}"
    );

    let code = codegen::generate(&cut).unwrap();
    generated_methods(&code, &updated);
}

#[test]
fn a_revision_without_the_pinned_version_names_it_and_generates_once_moved() {
    let Some((path, text, digest)) = official("history/atlas-api-2023-11-16.yaml.gz") else {
        return;
    };
    let (_, kept) = committed();
    let error = spec::cut::cut(&text, &kept, &path.to_string_lossy(), &digest).unwrap_err();
    assert!(
        error.contains("create_group_live_migration")
            && error.contains("2024-05-30")
            && error.contains("offers 2023-01-01")
            && error.contains("--upgrade"),
        "{error}"
    );
    let official: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let renames = spec::report::compare::renames(&kept, &official).render("now", "2023-11-16");
    assert!(
        renames.contains("createGroupLiveMigration -> createPushMigration"),
        "{renames}"
    );

    // What `--upgrade` does: the pins move to what this revision offers.
    let moved: Vec<Kept> = kept
        .iter()
        .map(|k| Kept {
            version: None,
            ..k.clone()
        })
        .collect();
    let (cut, updated) = spec::cut::cut(&text, &moved, "2023-11-16.yaml", &digest).unwrap();
    assert!(
        updated
            .iter()
            .all(|k| k.version.as_deref() == Some("2023-01-01"))
    );
    let code = codegen::generate(&cut).unwrap();
    generated_methods(&code, &updated);
}

#[test]
fn the_current_revision_cuts_to_the_committed_transcription_and_reports_nothing() {
    let Some((path, text, digest)) = official("atlas-admin-api-v2.yaml.gz") else {
        return;
    };
    let committed_text = std::fs::read_to_string(root().join(codegen::SPEC_PATH)).unwrap();
    let (committed_doc, kept) = committed();
    let (cut, updated) = spec::cut::cut(&text, &kept, &path.to_string_lossy(), &digest).unwrap();
    assert_eq!(cut, committed_text);
    let report = spec::report::compare::compare(&committed_doc, &kept, &committed_doc, &updated);
    assert!(report.is_empty(), "{}", report.render("now", "now"));
}

/// Every operation of the current official spec, kept at once, cuts and
/// generates: one method each.
#[test]
fn every_operation_of_the_official_spec_generates() {
    let Some((path, text, digest)) = official("atlas-admin-api-v2.yaml.gz") else {
        return;
    };
    let doc: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let all = spec::operations(&doc);
    let kept: Vec<Kept> = all.iter().map(|o| Kept::new(&doc, o)).collect();
    assert_eq!(kept.len(), 540);
    let (cut, updated) = spec::cut::cut(&text, &kept, &path.to_string_lossy(), &digest).unwrap();
    let code = codegen::generate(&cut).unwrap();
    generated_methods(&code, &updated);
    // `TEXT_SUCCESS_AS_TEXT` finds the spec's bare string answers (a PEM
    // certificate, an XML document) as the rules leave the document.
    let compact: String = code.split_whitespace().collect();
    assert!(
        compact.contains(
            r#"TEXT_SUCCESS_OPERATIONS:&[&str]=&["create_group_database_user_cert","get_federation_setting_identity_provider_metadata",]"#
        ) || compact.contains(
            r#"TEXT_SUCCESS_OPERATIONS:&[&str]=&["create_group_database_user_cert","get_federation_setting_identity_provider_metadata"]"#
        ),
        "the table lists the two bare string answers"
    );
    // `PAGINATED_LIST_AS_STREAM`: 96 operations take both page parameters;
    // 94 answer a page (`results`), and each gets its builder's streams.
    let (lists, left_out) = codegen::paginated_operations(&cut).unwrap();
    assert_eq!(lists.len(), 94, "{lists:?}");
    let left_out: Vec<(&str, &str)> = left_out
        .iter()
        .map(|(id, answer)| (id.as_str(), answer.as_str()))
        .collect();
    assert_eq!(
        left_out,
        [
            (
                "list_group_process_performance_advisor_suggested_indexes",
                "an object of shapes, suggestedIndexes"
            ),
            (
                "update_group_api_key_roles",
                "an object of desc, id, links, privateKey, publicKey, roles"
            ),
        ],
        "the two that take pageNum and itemsPerPage and answer no page"
    );
    // `NULLABLE_SCHEMA_AS_OPTIONAL_MEMBER`: no type is typify's wrapper of
    // a nullable schema (`X(Option<XInner>)`), of the 12 the spec marks.
    let wrappers: Vec<&str> = code
        .lines()
        .filter(|line| line.contains("(pub ::std::option::Option<") && line.contains("pub struct"))
        .collect();
    assert!(wrappers.is_empty(), "{wrappers:#?}");
    let pages = codegen::generate_pages(&cut, &code).unwrap();
    let builders = pages
        .split_whitespace()
        .collect::<String>()
        .matches("=>types::")
        .count();
    assert_eq!(builders, 94, "every list's builder pages");
    let counting = pages
        .split_whitespace()
        .collect::<String>()
        .matches(";include_count)")
        .count();
    assert_eq!(counting, 68, "the lists that take includeCount are sent it");
}

/// A mix of the family and operations whose `groupId` checks another
/// pattern (`^[a-fA-F0-9]{24}$`, written in place) keeps the family's
/// `GroupId`: the spec's shared parameter decides the shared type, whatever
/// else is kept.
#[test]
fn added_operations_with_another_group_id_check_leave_the_family_its_type() {
    let Some((path, text, digest)) = official("atlas-admin-api-v2.yaml.gz") else {
        return;
    };
    let doc: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    let all = spec::operations(&doc);
    let (_, mut kept) = committed();
    for id in [
        "listGroupStandbyLinks",
        "createGroupStandbyLink",
        "getGroupStandbyLink",
        "deleteGroupStandbyLink",
        "listGroupStandbyLinkFailovers",
        "createGroupStandbyLinkFailover",
        "getGroupStandbyLinkFailover",
        "inspectGroupStandbyLinkFailoverReadiness",
    ] {
        let operation = spec::kept::find(&all, id, "official").unwrap();
        kept.push(Kept::new(&doc, operation));
    }
    let (cut, updated) = spec::cut::cut(&text, &kept, &path.to_string_lossy(), &digest).unwrap();
    let code = codegen::generate(&cut).unwrap();
    generated_methods(&code, &updated);
    let compact: String = code.split_whitespace().collect();
    assert!(compact.contains("pubstructGroupId(::std::string::String)"));
    assert!(compact.contains(r#"Regex::new("^([a-f0-9]{24})$")"#));
    assert!(compact.contains("group_id:Result<types::GroupId,String>"));
    assert!(compact.contains("group_id:Result<types::ListGroupStandbyLinksGroupId,String>"));
}

/// One spec update as a user pulls it, applied once in a scratch copy of
/// the repository for the tests that read it: the current official spec
/// with `ApiError`'s `errorCode` and `error` not required (as an official
/// revision of 2024 had them), and four operations added, then
/// `cargo xtask spec --from … --add …`, `cargo xtask codegen` and the whole
/// workspace built, tests included (the replay crate aside: the update does
/// not touch its cut). One build serves every test below.
struct Updated {
    dir: PathBuf,
    /// What `cargo xtask spec` printed: the change report.
    report: String,
}

/// The operations the update adds: a system status (tag `Root`), a download,
/// a bare boolean answer (`MOCK_SCALAR_BODY_AS_JSON`), array and date-time
/// query parameters (`MOCK_UNPRINTABLE_PARAMETER_LEFT_OUT`): progenitor's
/// mock of these two does not compile as it is; and a bare string answer,
/// which Atlas sends as the text itself under a JSON media type
/// (`TEXT_SUCCESS_AS_TEXT`); and a list answered a page at a time
/// (`PAGINATED_LIST_AS_STREAM`).
const ADDED: [&str; 6] = [
    "getSystemStatus",
    "downloadGroupClusterLog",
    "getGroupManagedSlowMs",
    "getGroupProcessDatabaseMeasurements",
    "createGroupDatabaseUserCert",
    "listGroupDatabaseUsers",
];

/// The scratch copy after the update; the first test to ask builds it, the
/// others wait for it. A failure is every reader's failure, with cargo's
/// output. `None` where the official spec is not beside the clone.
fn updated() -> Option<&'static Updated> {
    static UPDATED: std::sync::OnceLock<Option<Result<Updated, String>>> =
        std::sync::OnceLock::new();
    let updated = UPDATED.get_or_init(|| {
        let (_, text, _) = official("atlas-admin-api-v2.yaml.gz")?;
        Some(update(&text))
    });
    match updated.as_ref()? {
        Ok(updated) => Some(updated),
        Err(failure) => panic!("the scratch copy did not update and build:\n{failure}"),
    }
}

fn update(text: &str) -> Result<Updated, String> {
    let mut doc: serde_norway::Value = serde_norway::from_str(text).unwrap();
    let required = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(|s| s.get_mut("ApiError"))
        .and_then(|e| e.get_mut("required"))
        .and_then(serde_norway::Value::as_sequence_mut)
        .expect("the official ApiError lists its required fields");
    let before = required.len();
    required.retain(|field| !matches!(field.as_str(), Some("errorCode" | "error")));
    assert!(required.len() < before, "errorCode was required");

    let scratch = Scratch::new("scratch-spec-update", None)?;
    let edited = scratch.dir.join("edited-spec.yaml");
    std::fs::write(&edited, serde_norway::to_string(&doc).unwrap()).unwrap();
    let mut spec = vec!["xtask", "spec", "--from", "edited-spec.yaml"];
    for operation in ADDED {
        spec.extend(["--add", operation]);
    }
    let report = scratch.cargo(&spec)?;
    scratch.cargo(&["xtask", "codegen"])?;
    scratch.cargo(&[
        "build",
        "--workspace",
        "--all-targets",
        "--exclude",
        "atlas-live-migration-replay",
        "--locked",
    ])?;
    Ok(Updated {
        dir: scratch.dir,
        report,
    })
}

/// A spec update that changes `ApiError` (as an official revision of 2024
/// did: `error` and `errorCode` not required) is reported, and the whole
/// workspace, our hand-written runtime, CLI, mock and tests included, still
/// builds from it: in a scratch copy of the repository, as a user would
/// run `cargo xtask spec --from`, `cargo xtask codegen` and `cargo build`.
#[test]
#[cfg_attr(
    not(feature = "slow-tests"),
    ignore = "slow: builds a scratch copy of the workspace; \
              `cargo test --workspace --locked --features slow-tests` runs it"
)]
fn a_revision_whose_api_error_fields_are_optional_builds_the_workspace() {
    let Some(updated) = updated() else {
        return;
    };
    // `ApiError` only answers reach, so its fields were `Option`s already
    // (`ANSWER_PROPERTIES_OPTIONAL`): the report says what changed, and
    // that the Rust type does not.
    let report = &updated.report;
    assert!(
        report.contains(
            "schema `ApiError` field `errorCode` is now optional or nullable; its Rust type \
             stays an Option under the rules"
        ),
        "the report says what changed:\n{report}"
    );
    let generated = std::fs::read_to_string(updated.dir.join(codegen::SNAPSHOT_PATH)).unwrap();
    let compact: String = generated.split_whitespace().collect();
    assert!(
        compact.contains(r#"rename="errorCode",default,skip_serializing_if="::std::option::Option::is_none")]puberror_code:::std::option::Option<"#)
            || compact.contains("puberror_code:::std::option::Option<"),
        "the generated ApiError follows the edited spec"
    );
    // The workspace built (`updated`), its tests too.
    assert!(
        updated
            .dir
            .join("target/debug/atlas-live-migration")
            .is_file()
    );
}

/// A scratch copy of the repository's tracked files, in which a test runs
/// cargo as a user would, with a target directory of its own. Not the outer
/// build's (nor its `build.build-dir`): cargo names a workspace crate's
/// files by its path relative to the workspace root, so the copy's crates
/// would take the outer build's file names and overwrite them.
struct Scratch {
    dir: PathBuf,
    /// Its target directory: its own (`<dir>/target`), or one it shares.
    target: PathBuf,
}

impl Scratch {
    /// A fresh copy in `target/<name>`, building into `target` (else its own).
    fn new(name: &str, target: Option<PathBuf>) -> Result<Self, String> {
        let dir = root().join("target").join(name);
        // Everything but the target directory, copied afresh.
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if entry.file_name() != "target" {
                    let path = entry.path();
                    let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
                }
            }
        }
        let files = std::process::Command::new("git")
            .args(["ls-files", "-z"])
            .current_dir(root())
            .output()
            .map_err(|e| format!("git lists the repository's files: {e}"))?;
        if !files.status.success() {
            return Err("git ls-files failed".to_owned());
        }
        for name in String::from_utf8(files.stdout).unwrap().split('\0') {
            let from = root().join(name);
            if name.is_empty() || !from.is_file() {
                continue;
            }
            let to = dir.join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
        let target = target.unwrap_or_else(|| dir.join("target"));
        Ok(Self { dir, target })
    }

    /// Runs cargo there; its output, or cargo's output as the failure.
    fn cargo(&self, args: &[&str]) -> Result<String, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = std::process::Command::new(&cargo);
        command
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("RUSTFLAGS");
        let output = command.output().map_err(|e| format!("cargo runs: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            Ok(text)
        } else {
            Err(format!("cargo {args:?} failed:\n{text}"))
        }
    }
}

/// Issue 20's promise: an operation added with `cargo xtask spec --add` is
/// an `api` command and a typed mock after `cargo xtask codegen`, with no
/// code change. In the scratch copy (`updated`): `getSystemStatus` (tag
/// `Root`) and a download, `downloadGroupClusterLog`, among the added
/// operations, the CLI and the mock crate built, and the commands answer
/// from a loopback server (the download into `--outputFile`; a certificate,
/// sent as the PEM itself under a JSON media type, printed as its text).
#[test]
#[cfg_attr(
    not(feature = "slow-tests"),
    ignore = "slow: builds a scratch copy of the workspace; \
              `cargo test --workspace --locked --features slow-tests` runs it"
)]
fn an_added_operation_is_an_api_command_and_a_typed_mock() {
    let Some(updated) = updated() else {
        return;
    };
    let report = &updated.report;
    assert!(report.contains("get_system_status"), "{report}");
    assert!(report.contains("download_group_cluster_log"), "{report}");
    let mock = std::fs::read_to_string(updated.dir.join(codegen::HTTPMOCK_PATH)).unwrap();
    for operation in [
        "get_system_status",
        "get_group_managed_slow_ms",
        "get_group_process_database_measurements",
    ] {
        assert!(
            mock.contains(&format!("fn {operation}<F>(")),
            "the typed mock has {operation}"
        );
    }

    // A loopback Atlas: a system status, or a log's bytes.
    let (base_url, server) = loopback(5, |_, head| {
        if head.contains("/logs/") {
            ("application/vnd.atlas.2023-02-01+gzip", LOG.to_owned())
        } else if head.contains("/certs") {
            // As Atlas sends a certificate: the PEM itself, labelled JSON.
            (
                "application/vnd.atlas.2023-01-01+json;charset=utf-8",
                PEM.to_owned(),
            )
        } else if head.contains("/measurements") {
            (
                "application/vnd.atlas.2023-01-01+json",
                r#"{"databaseName":"admin","granularity":"PT1M","measurements":[]}"#.to_owned(),
            )
        } else {
            (
                "application/vnd.atlas.2023-01-01+json;charset=utf-8",
                r#"{"appName":"MongoDB Atlas","build":"83be55e140f493c88e7f578aae96548dd881587b","throttling":false}"#.to_owned(),
            )
        }
    });
    const LOG: &str = "the log's bytes, as they come";
    const PEM: &str =
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
    let binary = updated.dir.join("target/debug/atlas-live-migration");
    // The CLI with these arguments against the loopback Atlas: what it printed.
    let stdout_of = |args: &[&str]| -> String {
        let output = std::process::Command::new(&binary)
            .args(args)
            .args(["--base-url", &base_url])
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
            .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{args:?}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout.into_owned()
    };
    // The CLI with these arguments against the loopback Atlas: the JSON it printed.
    let printed = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&stdout_of(args)).expect("JSON")
    };
    for names in [
        &["api", "root", "getSystemStatus"][..],
        &["api", "getSystemStatus"],
    ] {
        assert_eq!(printed(names)["appName"], "MongoDB Atlas");
    }
    let log = updated.dir.join("mongodb.gz");
    let output = std::process::Command::new(&binary)
        .args([
            "api",
            "downloadClusterLog",
            "--groupId",
            "32b6e34b3d91647abb20e7b8",
        ])
        .args(["--hostName", "cluster0-shard-00-00.abcde.mongodb.net"])
        .args([
            "--logName",
            "mongodb",
            "--outputFile",
            log.to_str().unwrap(),
        ])
        .args(["--base-url", &base_url])
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), LOG);
    // A list parameter, as the Atlas CLI takes it: the flag repeated.
    let answer = printed(&[
        "api",
        "monitoringAndLogs",
        "getDatabaseMeasurements",
        "--groupId",
        "32b6e34b3d91647abb20e7b8",
        "--processId",
        "mongodb.example.com:27017",
        "--databaseName",
        "admin",
        "--m",
        "DATABASE_DATA_SIZE",
        "--m",
        "DATABASE_INDEX_COUNT",
        "--granularity",
        "PT1M",
        "--period",
        "P1D",
    ]);
    assert_eq!(answer["databaseName"], "admin");
    // A bare string answer, sent as the text itself under a JSON media
    // type: the text, as it came (`api` prints Atlas's answer as sent).
    let months = updated.dir.join("cert-request.json");
    std::fs::write(&months, r#"{"monthsUntilExpiration":3}"#).unwrap();
    let answer = stdout_of(&[
        "api",
        "createDatabaseUserCert",
        "--groupId",
        "32b6e34b3d91647abb20e7b8",
        "--username",
        "user389",
        "--file",
        months.to_str().unwrap(),
    ]);
    assert_eq!(answer, PEM);
    let requests = server.join().unwrap();
    assert!(
        requests[4].starts_with(
            "POST /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/databaseUsers/user389/certs "
        ) && requests[4].contains(r#""monthsUntilExpiration":3"#),
        "{}",
        requests[4]
    );
    let measurements = requests[3].lines().next().unwrap_or_default();
    assert!(
        measurements.starts_with("GET /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/processes/")
            && measurements.contains("/databases/admin/measurements?")
            && measurements.contains("m=DATABASE_DATA_SIZE&m=DATABASE_INDEX_COUNT"),
        "{measurements}"
    );
    assert!(
        requests[0].starts_with("GET /api/atlas/v2 "),
        "{}",
        requests[0]
    );
    assert!(
        requests[1].starts_with("GET /api/atlas/v2 "),
        "{}",
        requests[1]
    );
    let download = requests[2].to_ascii_lowercase();
    assert!(
        download.starts_with(
            "get /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/clusters/\
             cluster0-shard-00-00.abcde.mongodb.net/logs/mongodb.gz"
        ) && download.contains("accept: application/vnd.atlas.2023-02-01+gzip"),
        "{download}"
    );
}

/// A list operation added with `cargo xtask spec --add` pages with no code
/// change: in the scratch copy (`updated`), `listGroupDatabaseUsers`'s
/// builder has its streams (`src/pages/generated.rs`, compiled by the
/// copy's build), and `api … --all` prints every item of three pages from a
/// loopback server as one JSON array, asking for each page once.
#[test]
#[cfg_attr(
    not(feature = "slow-tests"),
    ignore = "slow: builds a scratch copy of the workspace; \
              `cargo test --workspace --locked --features slow-tests` runs it"
)]
fn an_added_list_operation_pages_in_the_client_and_on_the_command_line() {
    let Some(updated) = updated() else {
        return;
    };
    let pages = std::fs::read_to_string(updated.dir.join(codegen::PAGES_PATH)).unwrap();
    let compact: String = pages.split_whitespace().collect();
    assert!(
        compact.contains("paginated!(ListGroupDatabaseUsers=>types::"),
        "{pages}"
    );
    let user = |n: usize| format!(r#"{{"username":"user-{n}","databaseName":"admin"}}"#);
    let (base_url, server) = loopback(3, move |page, _| {
        let items: Vec<String> = (page * 2..(page * 2 + 2).min(5)).map(user).collect();
        let next = if page < 2 {
            r#",{"href":"x","rel":"next"}"#
        } else {
            ""
        };
        (
            "application/vnd.atlas.2023-01-01+json",
            format!(
                r#"{{"links":[{{"href":"x","rel":"self"}}{next}],"results":[{}]}}"#,
                items.join(",")
            ),
        )
    });
    let output = std::process::Command::new(updated.dir.join("target/debug/atlas-live-migration"))
        .args([
            "api",
            "listGroupDatabaseUsers",
            "--groupId",
            "32b6e34b3d91647abb20e7b8",
        ])
        .args(["--itemsPerPage", "2", "--all", "--base-url", &base_url])
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = printed
        .iter()
        .filter_map(|user| user["username"].as_str())
        .collect();
    assert_eq!(names, ["user-0", "user-1", "user-2", "user-3", "user-4"]);
    let requests = server.join().unwrap();
    let targets: Vec<&str> = requests
        .iter()
        .map(|request| request.lines().next().unwrap_or_default())
        .collect();
    let path = "GET /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/databaseUsers?";
    assert!(
        targets[0].starts_with(path) && targets[0].contains("itemsPerPage=2"),
        "{targets:?}"
    );
    assert!(!targets[0].contains("pageNum"), "{targets:?}");
    for (index, target) in targets.iter().enumerate().skip(1) {
        assert!(
            target.starts_with(path)
                && target.contains(&format!("pageNum={}", index + 1))
                && target.contains("includeCount=false"),
            "{targets:?}"
        );
    }
}

/// A loopback Atlas for the scratch copy's CLI: answers `count` requests,
/// one a connection, each with `answer(index, request)` (its media type
/// and body) as a `200`. Its base URL, and the thread that gives back each
/// request (head and body) as it came.
fn loopback(
    count: usize,
    answer: impl Fn(usize, &str) -> (&'static str, String) + Send + 'static,
) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        let mut requests = Vec::new();
        for index in 0..count {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            // The request's body, read so that closing sends no reset.
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            let mut body = vec![0; length];
            std::io::Read::read_exact(&mut reader, &mut body).unwrap();
            head.push_str(&String::from_utf8_lossy(&body));
            let (media_type, body) = answer(index, &head);
            requests.push(head);
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {media_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            reader.get_mut().write_all(answer.as_bytes()).unwrap();
        }
        requests
    });
    (base_url, server)
}

/// Issue 34: `cargo xtask` writes only into the checkout it runs in. Two
/// clones share one target directory (a global `CARGO_TARGET_DIR`, a CI
/// cache); cargo names a workspace crate's files by its path inside the
/// workspace, so the second clone runs the xtask the first built. It finds
/// the workspace where it is run, not where it was built: `cargo xtask
/// codegen` in the second clone repairs that clone's generated client and
/// leaves the first clone's as it was.
#[test]
#[cfg_attr(
    not(feature = "slow-tests"),
    ignore = "slow: builds the xtask in a scratch target directory; \
              `cargo test --workspace --locked --features slow-tests` runs it"
)]
fn the_xtask_writes_only_into_the_checkout_it_runs_in() {
    let shared = root().join("target/scratch-two-clones-target");
    let first = Scratch::new("scratch-clone-first", Some(shared.clone())).unwrap();
    let second = Scratch::new("scratch-clone-second", Some(shared)).unwrap();
    // The first clone builds the xtask into the shared target directory.
    first.cargo(&["xtask", "codegen", "--check"]).unwrap();
    let snapshot = |clone: &Scratch| clone.dir.join(codegen::SNAPSHOT_PATH);
    let committed = std::fs::read_to_string(snapshot(&first)).unwrap();
    let first_edit = format!("{committed}// the first clone's own edit\n");
    std::fs::write(snapshot(&first), &first_edit).unwrap();
    std::fs::write(snapshot(&second), "// the second clone's, out of date\n").unwrap();
    // The second clone runs it, fresh from the shared target directory.
    second.cargo(&["xtask", "codegen"]).unwrap();
    // Compared whole, said short: the files are 200 KB.
    assert!(
        std::fs::read_to_string(snapshot(&second)).unwrap() == committed,
        "the second clone's generated client was not regenerated: the xtask wrote elsewhere"
    );
    assert!(
        std::fs::read_to_string(snapshot(&first)).unwrap() == first_edit,
        "the first clone's generated client was written by the second clone's xtask"
    );
}

/// Issue 40: every official revision that cuts with the committed kept
/// list (those of `../shared/reference/history/` that offer the pinned API
/// versions, and today's), as it is, with every value check of its strings
/// dropped, and with one added to every string that had none, regenerates
/// into a workspace whose every crate builds, the CLI, the mock Atlas and
/// the tests included: as a user would run `cargo xtask spec --from`,
/// `cargo xtask codegen` and `cargo build`, in a scratch copy; and, for a
/// revision as published, the CLI's tests pass there. A revision
/// that lacks a pinned version does not cut (the cut names the version and
/// `--upgrade`: another API version is the user's choice, and the code
/// written for one does not build against another). Hand-written code names no
/// type that exists only while the spec checks a value: it reaches checks
/// through the builders' setters, `TryFrom` on a field's type, or the types
/// rule `CHECKED_STRING_TYPES_KEPT` keeps.
#[test]
#[cfg_attr(
    not(feature = "slow-tests"),
    ignore = "slow: builds six scratch copies of the workspace; \
              `cargo test --workspace --locked --features slow-tests` runs it"
)]
fn every_history_revision_with_checks_dropped_or_added_builds_the_workspace() {
    let Some((today, _, _)) = official("atlas-admin-api-v2.yaml.gz") else {
        return;
    };
    let mut revisions: Vec<PathBuf> = std::fs::read_dir(root().join("../shared/reference/history"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    revisions.sort();
    assert!(revisions.len() >= 2, "{revisions:?}");
    revisions.push(today.clone());
    let mut built = 0;
    let (_, kept) = committed();
    // One target directory for every copy: each builds what its spec
    // changed, on the dependencies the first built.
    let shared = root().join("target/scratch-checks-target");
    type Edit = fn(&mut serde_norway::Mapping);
    let variants: [(&str, Option<Edit>); 3] = [
        ("as-published", None),
        (
            "checks-dropped",
            Some(|schema| {
                for key in ["pattern", "minLength", "maxLength"] {
                    schema.remove(key);
                }
            }),
        ),
        (
            "checks-added",
            Some(|schema| {
                if !["pattern", "minLength", "maxLength"]
                    .iter()
                    .any(|k| schema.contains_key(*k))
                {
                    schema.insert("minLength".into(), 1.into());
                }
            }),
        ),
    ];
    for revision in &revisions {
        let (text, _) = spec::read_official(revision).unwrap();
        let doc: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        let upgrade = crate::compat::versions_missing(&doc, &kept);
        let stem = revision
            .file_name()
            .unwrap()
            .to_string_lossy()
            .split('.')
            .next()
            .unwrap()
            .to_owned();
        if !upgrade.is_empty() {
            // Not cut with the committed kept list: `cargo xtask spec`
            // refuses it, naming what to upgrade (tested above).
            continue;
        }
        for (variant, edit) in &variants {
            if *revision == today && edit.is_none() {
                // Today's spec as published is the committed cut.
                continue;
            }
            built += 1;
            let mut doc = doc.clone();
            if let Some(edit) = edit {
                crate::compat::each_string_schema(&mut doc, &mut |schema| edit(schema));
            }
            let name = format!("scratch-{stem}-{variant}");
            let scratch = Scratch::new(&name, Some(shared.clone())).unwrap();
            std::fs::write(
                scratch.dir.join("revision.yaml"),
                serde_norway::to_string(&doc).unwrap(),
            )
            .unwrap();
            let args = ["xtask", "spec", "--from", "revision.yaml"];
            let run = |args: &[&str]| {
                scratch
                    .cargo(args)
                    .unwrap_or_else(|failure| panic!("{stem}, {variant}: {failure}"))
            };
            run(&args);
            run(&["xtask", "codegen"]);
            // Every crate with its tests, examples and benches.
            run(&[
                "build",
                "--workspace",
                "--all-targets",
                "--exclude",
                "atlas-live-migration-replay",
                "--locked",
            ]);
            // An official revision as published: the CLI's tests pass,
            // through its binary against the mock Atlas, both as generated
            // from it. (Not with every check dropped or added: the tests
            // that an invalid ID is refused before the network hold where
            // the spec checks IDs. Nor the xtask's and the replay's tests,
            // which compare the cut with today's official spec and the
            // recorded answers: a workspace cut from another revision fails
            // them by design.)
            if edit.is_none() {
                run(&["test", "-p", "atlas-live-migration-cli", "--locked"]);
            }
        }
    }
    assert!(built >= 5, "{built} workspaces built");
}
