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
