//! The spec pipeline on real official revisions: the two older ones in
//! `../shared/reference/history/` (before Atlas renamed every operationId)
//! and the current one. Each is cut with the committed kept list, reported
//! on and generated from, as a user who pulls that spec would.

use std::path::{Path, PathBuf};

use crate::codegen;
use crate::spec::{self, kept::Kept};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// An official revision from `shared/reference/`, beside the workspace. CI
/// always has it; a clone without it skips these tests, saying so.
fn official(name: &str) -> Option<(PathBuf, String, String)> {
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
    let report = spec::report::compare(&committed_doc, &kept, &cut_doc, &updated);
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
    let renames = spec::report::renames(&kept, &official).render("now", "2023-11-16");
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
    let report = spec::report::compare(&committed_doc, &kept, &committed_doc, &updated);
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

/// A spec update that changes `ApiError` (as an official revision of 2024
/// did: `error` and `errorCode` not required) is reported, and the whole
/// workspace, our hand-written runtime, CLI, mock and tests included, still
/// builds from it: in a scratch copy of the repository, as a user would
/// run `cargo xtask spec --from`, `cargo xtask codegen` and `cargo build`.
#[test]
fn a_revision_whose_api_error_fields_are_optional_builds_the_workspace() {
    let Some((_, text, _)) = official("atlas-admin-api-v2.yaml.gz") else {
        return;
    };
    let mut doc: serde_norway::Value = serde_norway::from_str(&text).unwrap();
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

    let scratch = root().join("target/scratch-spec-update");
    let _ = std::fs::remove_dir_all(&scratch);
    let files = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git lists the repository's files");
    assert!(files.status.success());
    for name in String::from_utf8(files.stdout).unwrap().split('\0') {
        let from = root().join(name);
        if name.is_empty() || !from.is_file() {
            continue;
        }
        let to = scratch.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    let edited = scratch.join("edited-spec.yaml");
    std::fs::write(&edited, serde_norway::to_string(&doc).unwrap()).unwrap();

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = |args: &[&str]| {
        let output = std::process::Command::new(&cargo)
            .args(args)
            .current_dir(&scratch)
            // Its own target directory: the outer build's binaries stay as
            // they are while other tests run them.
            .env("CARGO_TARGET_DIR", scratch.join("target"))
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "cargo {args:?} failed:\n{text}");
        text
    };
    let report = run(&["xtask", "spec", "--from", "edited-spec.yaml"]);
    assert!(
        report.contains("Breaking Changes") && report.contains("errorCode"),
        "the report says what changed:\n{report}"
    );
    run(&["xtask", "codegen"]);
    let generated = std::fs::read_to_string(scratch.join(codegen::SNAPSHOT_PATH)).unwrap();
    let compact: String = generated.split_whitespace().collect();
    assert!(
        compact.contains(r#"rename="errorCode",default,skip_serializing_if="::std::option::Option::is_none")]puberror_code:::std::option::Option<"#)
            || compact.contains("puberror_code:::std::option::Option<"),
        "the generated ApiError follows the edited spec"
    );
    run(&["build", "--workspace", "--locked"]);
    let _ = std::fs::remove_dir_all(&scratch);
}
