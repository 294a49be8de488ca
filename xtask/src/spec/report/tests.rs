//! The report's tests: each kind of change in its section, and judged on
//! the generated code.

use super::super::kept::{self, Kept};
use super::super::{cut::cut, operations};
use super::compare::compare;

const UPSTREAM: &str = include_str!("../../../tests/fixtures/upstream.yaml");

fn kept_of(doc: &str) -> Vec<Kept> {
    let value: serde_norway::Value = serde_norway::from_str(doc).unwrap();
    let all = operations(&value);
    ["getGroupThing", "createGroupThing"]
        .iter()
        .map(|id| Kept::new(&value, kept::find(&all, id, "up").unwrap()))
        .collect()
}

/// Cuts `old` and `new` with the same kept list and reports.
fn report(new: &str) -> super::Report {
    let (old_cut, old_kept) = cut(UPSTREAM, &kept_of(UPSTREAM), "up", "a").unwrap();
    let (new_cut, new_kept) = cut(new, &old_kept, "up", "b").unwrap();
    compare(
        &serde_norway::from_str(&old_cut).unwrap(),
        &old_kept,
        &serde_norway::from_str(&new_cut).unwrap(),
        &new_kept,
    )
}

fn texts(lines: Vec<&super::Line>) -> Vec<String> {
    lines
        .into_iter()
        .map(|l| format!("{}: {}", l.operations.join(", "), l.text))
        .collect()
}

#[test]
fn the_same_spec_reports_no_change() {
    let report = report(UPSTREAM);
    assert!(report.is_empty());
    assert!(report.render("a", "b").contains("No change"));
}

#[test]
fn each_kind_of_change_lands_in_its_section() {
    let new = UPSTREAM
            .replace("operationId: getGroupThing", "operationId: getThingOfGroup")
            .replace("- RED\n", "- RED\n                - GREEN\n")
            .replace("                size:\n                    type: integer\n", "")
            .replace(
                "            required:\n                - name\n",
                "            required:\n                - name\n                - label\n",
            )
            .replace(
                "                name:\n                    type: string\n            required:",
                "                name:\n                    type: string\n                label:\n                    type: string\n            required:",
            )
            .replace("description: Seconds to wait.", "description: Seconds to wait, at least.");
    let report = report(&new);
    let breaking = texts(report.breaking());
    let added = texts(report.added());
    let other = texts(report.other());
    assert!(
        breaking.contains(
            &"`create_group_thing`: schema `ThingRequest20240530` field `size` removed".to_owned()
        ),
        "{breaking:?}"
    );
    assert!(
        breaking
            .iter()
            .any(|l| l.contains("field `label` added, required")),
        "{breaking:?}"
    );
    assert!(
        added.iter().any(
            |l| l.contains("`get_group_thing`, `create_group_thing`: schema `Color`")
                && l.contains("GREEN")
        ),
        "{added:?}"
    );
    assert!(
        other.contains(
            &"`get_group_thing`: operationId renamed upstream, getGroupThing -> \
                  getThingOfGroup; the Rust name is kept"
                .to_owned()
        ),
        "{other:?}"
    );
    assert!(
        report.render("a", "b").contains("1 description edited"),
        "{}",
        report.render("a", "b")
    );
}

/// The report of adding `operation` (YAML of a path item's method,
/// under `path`) to the kept list, with the rules' changes.
/// Judged on the generated code: "Breaking Changes" are the items, each
/// with the spec line that caused it; the spec's incompatible changes
/// that no item shows are "API Changes That Compile".
#[test]
fn judged_on_the_generated_code_a_break_names_its_item_and_its_cause() {
    let new = UPSTREAM
            .replace("                size:\n                    type: integer\n", "")
            .replace(
                "            required:\n                - name\n",
                "            required:\n                - name\n                - label\n",
            )
            .replace(
                "                name:\n                    type: string\n            required:",
                "                name:\n                    type: string\n                label:\n                    type: string\n            required:",
            );
    let mut report = report(&new);
    let read = |code: &str| {
        let mut surface = crate::spec::surface::Surface::default();
        surface.rust(code, crate::spec::surface::CLIENT).unwrap();
        surface
    };
    let old = read(
        "pub mod types { pub struct ThingRequest20240530 { pub name: String, pub size: Option<i64> } }",
    );
    let new = read(
        "pub mod types { pub struct ThingRequest20240530 { pub name: String, pub label: String } }",
    );
    report.judge(&crate::spec::surface::diff::diff(&old, &new), &old, &new);
    let rendered = report.render("a", "b");
    let section = |title: &str| {
        rendered
            .split(&format!("### {title}\n"))
            .nth(1)
            .map(|rest| rest.split("\n### ").next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    let breaking = section("Breaking Changes");
    assert!(
        breaking.contains(
            "`atlas_live_migration_api::types::ThingRequest20240530::size`: field removed. \
                 Cause: `create_group_thing`: schema `ThingRequest20240530` field `size` removed"
        ),
        "{rendered}"
    );
    assert!(
        breaking.contains("::ThingRequest20240530::label`: field added: a struct literal"),
        "{rendered}"
    );
    // What caused a break is said there, not again.
    assert!(
        !section("API Changes That Compile").contains("field `size` removed"),
        "{rendered}"
    );
    // Where no item changed, the spec's incompatible changes compile.
    let mut report = super::tests::report(&UPSTREAM.replace(
        "                size:\n                    type: integer\n",
        "",
    ));
    let nothing = crate::spec::surface::Surface::default();
    report.judge(&[], &nothing, &nothing);
    let rendered = report.render("a", "b");
    assert!(!rendered.contains("### Breaking Changes"), "{rendered}");
    assert!(
            rendered.contains("### API Changes That Compile\n\n- `create_group_thing`: schema `ThingRequest20240530` field `size` removed"),
            "{rendered}"
        );
}

fn report_adding(base: &str, path: &str, method: &str, operation: &str) -> super::Report {
    let new = base.replace(
        "paths:\n",
        &format!("paths:\n    {path}:\n        {method}:\n{operation}"),
    );
    let (old_cut, old_kept) = cut(base, &kept_of(base), "up", "a").unwrap();
    let value: serde_norway::Value = serde_norway::from_str(&new).unwrap();
    let all = operations(&value);
    let mut kept = old_kept.clone();
    kept.push(Kept::new(&value, kept::find(&all, "added", "up").unwrap()));
    let (new_cut, new_kept) = cut(&new, &kept, "up", "b").unwrap();
    with_rules(&old_cut, &old_kept, &new_cut, &new_kept)
}

fn with_rules(old_cut: &str, old_kept: &[Kept], new_cut: &str, new_kept: &[Kept]) -> super::Report {
    let (old_doc, new_doc): (serde_norway::Value, serde_norway::Value) = (
        serde_norway::from_str(old_cut).unwrap(),
        serde_norway::from_str(new_cut).unwrap(),
    );
    let old_adapted = crate::codegen::adapted_document(old_cut).unwrap();
    let new_adapted = crate::codegen::adapted_document(new_cut).unwrap();
    super::compare::compare_with_rules(
        (&old_doc, old_kept, Some(&old_adapted)),
        (&new_doc, new_kept, &new_adapted),
    )
}

/// A required field of a schema only answers reach was an `Option`
/// already (`ANSWER_PROPERTIES_OPTIONAL`): its becoming optional breaks
/// nothing, and the report says so.
#[test]
fn a_field_judged_by_its_rust_type_as_the_rules_leave_it() {
    let required = UPSTREAM.replace(
            "                    type: array\n            type: object\n",
            "                    type: array\n            required:\n                - _id\n            type: object\n",
        );
    assert_ne!(required, UPSTREAM);
    let (old_cut, old_kept) = cut(&required, &kept_of(&required), "up", "a").unwrap();
    let (new_cut, new_kept) = cut(UPSTREAM, &old_kept, "up", "b").unwrap();
    let plain = compare(
        &serde_norway::from_str(&old_cut).unwrap(),
        &old_kept,
        &serde_norway::from_str(&new_cut).unwrap(),
        &new_kept,
    );
    assert!(
        texts(plain.breaking())
            .iter()
            .any(|l| l.contains("field `_id` is now optional")),
        "on the spec's text alone: {:?}",
        texts(plain.breaking())
    );
    let report = with_rules(&old_cut, &old_kept, &new_cut, &new_kept);
    assert!(
        texts(report.breaking()).is_empty(),
        "{:?}",
        texts(report.breaking())
    );
    assert!(
            texts(report.other()).iter().any(|l| l.contains(
                "schema `Thing` field `_id` is now optional or nullable; its Rust type stays an Option under the rules"
            )),
            "{:?}",
            texts(report.other())
        );
}

#[test]
fn an_added_operation_that_sends_an_answered_schema_adds_a_type_and_changes_none() {
    // A required property: the rules on answers change `Thing`.
    let base = UPSTREAM.replace(
            "                    type: array\n            type: object\n",
            "                    type: array\n            required:\n                - parts\n            type: object\n",
        );
    let report = report_adding(
        &base,
        "/things/{thingId}/copy",
        "put",
        "            operationId: added
            parameters:
                - $ref: '#/components/parameters/thingId'
            requestBody:
                content:
                    application/vnd.atlas.2023-01-01+json:
                        schema:
                            $ref: '#/components/schemas/Thing'
            responses:
                \"204\":
                    description: No Content
",
    );
    let added = texts(report.added());
    // `ThingRequest` is taken, so the copy is the next free name.
    assert!(
        added.iter().any(|l| l
            .contains("schema `Thing` is now sent and answered (was answered only)")
            && l.contains("the new type `ThingRequest2`")
            && l.contains("SHARED_SCHEMA_SPLIT_BY_DIRECTION")),
        "{added:?}"
    );
    assert!(
        texts(report.breaking()).is_empty(),
        "{:?}",
        texts(report.breaking())
    );
}

#[test]
fn an_added_operation_that_answers_a_sent_schema_says_which_types_change() {
    let report = report_adding(
        UPSTREAM,
        "/things/{thingId}/draft",
        "get",
        "            operationId: added
            parameters:
                - $ref: '#/components/parameters/thingId'
            responses:
                \"200\":
                    content:
                        application/vnd.atlas.2024-05-30+json:
                            schema:
                                $ref: '#/components/schemas/ThingRequest20240530'
                    description: OK
",
    );
    let breaking = texts(report.breaking());
    assert!(
        breaking.iter().any(|l| l.contains("`create_group_thing`")
            && l.contains(
                "schema `ThingRequest20240530` is now sent and answered (was sent only)"
            )
            && l.contains("must build `ThingRequest20240530Request`")),
        "{breaking:?}"
    );
    assert!(
        breaking.iter().any(|l| l
            .contains("schema `ThingRequest20240530` field `name` is now optional or nullable")),
        "{breaking:?}"
    );
}

#[test]
fn a_newer_version_and_a_sunset_are_said_without_moving() {
    let pinned: Vec<Kept> = kept_of(UPSTREAM)
        .into_iter()
        .map(|k| Kept {
            version: Some("2023-01-01".to_owned()),
            ..k
        })
        .collect();
    let (cut_text, updated) = cut(UPSTREAM, &pinned, "up", "a").unwrap();
    assert_eq!(updated[1].version.as_deref(), Some("2023-01-01"));
    let doc = serde_norway::from_str(&cut_text).unwrap();
    let report = compare(&doc, &updated, &doc, &updated);
    let versions = texts(report.versions());
    assert!(
        versions
            .iter()
            .any(|l| l.contains("offers 2024-05-30 too")
                && l.contains("--upgrade create_group_thing")),
        "{versions:?}"
    );
    assert!(
        versions
            .iter()
            .any(|l| l.contains("to be sunset on 2027-07-01")),
        "{versions:?}"
    );
}
