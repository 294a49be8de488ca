//! Two cuts compared, operation by operation, with the rules applied as
//! the generator applies them; and the operationIds renamed upstream.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use super::diff::{Diff, description_edits};
use super::shape::{checks, shape};
use super::{Report, Section};
use crate::spec::kept::Kept;
use crate::spec::{operations, versions};

/// Compares the committed cut (`old`, with its kept list) with a new one,
/// on the spec's text alone.
#[cfg(test)]
pub fn compare(old: &Value, old_kept: &[Kept], new: &Value, new_kept: &[Kept]) -> Report {
    compare_in(old, old_kept, new, new_kept, None)
}

/// `compare`, with what the rules make of both cuts: a field's change is
/// judged by its Rust type as the rules leave it (a required field of a
/// schema only answers reach is already an `Option`), and the changes the
/// rules make on their own are added ([`rule_changes`]). `old` is `None`
/// for a first cut.
pub fn compare_with_rules(
    old: (&Value, &[Kept], Option<&crate::codegen::Adapted>),
    new: (&Value, &[Kept], &crate::codegen::Adapted),
) -> Report {
    let yaml = |json: &serde_json::Value| serde_norway::to_value(json).unwrap_or(Value::Null);
    let (old_doc, old_kept, old_adapted) = old;
    let (new_doc, new_kept, new_adapted) = new;
    let adapted = old_adapted.map(|a| (yaml(&a.document), yaml(&new_adapted.document)));
    let mut report = compare_in(
        old_doc,
        old_kept,
        new_doc,
        new_kept,
        adapted.as_ref().map(|(a, b)| (a, b)),
    );
    schemas_in_and_out(&mut report, (old_doc, old_kept), (new_doc, new_kept));
    kept_checked_types(&mut report, old_doc, new_doc);
    if let (Some(old_adapted), Some((old_yaml, new_yaml))) = (old_adapted, &adapted) {
        rule_changes(
            &mut report,
            (old_doc, old_adapted, old_yaml),
            (new_doc, new_adapted, new_yaml),
        );
    }
    report
}

pub(super) fn compare_in(
    old: &Value,
    old_kept: &[Kept],
    new: &Value,
    new_kept: &[Kept],
    adapted: Option<(&Value, &Value)>,
) -> Report {
    let mut report = Report::default();
    let old_ops = operations(old);
    let new_ops = operations(new);
    for entry in new_kept {
        let label = entry.rust_name.as_str();
        let Some(new_op) = new_ops.iter().find(|o| o.key() == entry.key()) else {
            continue;
        };
        let offered = versions(new, new_op.value);
        if let Some(pin) = &entry.version {
            let newer: Vec<_> = offered.keys().filter(|v| *v > pin).cloned().collect();
            if !newer.is_empty() {
                report.push(
                    Section::Versions,
                    label,
                    format!(
                        "uses API version {pin}; the spec offers {} too. Move with \
                         `cargo xtask spec --from FILE --upgrade {label}`",
                        newer.join(", ")
                    ),
                );
            }
            if let Some(Some(sunset)) = offered.get(pin) {
                report.push(
                    Section::Versions,
                    label,
                    format!("API version {pin}, the one in use, is to be sunset on {sunset}"),
                );
            }
        }
        let (Some(old_entry), Some(old_op)) = (
            old_kept.iter().find(|k| k.key() == entry.key()),
            old_ops.iter().find(|o| o.key() == entry.key()),
        ) else {
            report.push(
                Section::Added,
                label,
                format!("operation added ({})", entry.key()),
            );
            continue;
        };
        if !old_entry.operation_id.is_empty() && old_entry.operation_id != entry.operation_id {
            report.push(
                Section::Other,
                label,
                format!(
                    "operationId renamed upstream, {} -> {}; the Rust name is kept",
                    old_entry.operation_id, entry.operation_id
                ),
            );
        }
        let old_offered = versions(old, old_op.value);
        for version in offered.keys().filter(|v| !old_offered.contains_key(*v)) {
            report.push(
                Section::Other,
                label,
                format!("API version {version} added upstream"),
            );
        }
        for version in old_offered.keys().filter(|v| !offered.contains_key(*v)) {
            report.push(
                Section::Other,
                label,
                format!("API version {version} removed upstream"),
            );
        }
        if let Some(pin) = &entry.version
            && let Some(Some(sunset)) = offered.get(pin)
            && old_offered.get(pin) != Some(&Some(sunset.clone()))
        {
            report.push(
                Section::Other,
                label,
                format!("API version {pin}, the one in use, gained a sunset date ({sunset})"),
            );
        }
        if old_entry.version != entry.version {
            report.push(
                Section::Breaking,
                label,
                format!(
                    "moved from API version {} to {}; its request and response types are \
                     those of the new version",
                    old_entry.version.as_deref().unwrap_or("(none)"),
                    entry.version.as_deref().unwrap_or("(none)")
                ),
            );
        }
        let mut diff = Diff {
            old,
            new,
            adapted,
            label,
            report: &mut report,
        };
        diff.parameters(old_op.value, new_op.value);
        diff.body(
            old_op.value,
            old_entry.version.as_deref(),
            new_op.value,
            entry.version.as_deref(),
        );
        diff.responses(
            old_op.value,
            old_entry.version.as_deref(),
            new_op.value,
            entry.version.as_deref(),
        );
    }
    for entry in old_kept {
        if !new_kept.iter().any(|k| k.key() == entry.key()) {
            report.push(
                Section::Breaking,
                &entry.rust_name,
                format!("operation removed from the kept list ({})", entry.key()),
            );
        }
    }
    report.descriptions = description_edits(old, new);
    report
}

/// Adds the Rust type changes that come from the rules rather than from the
/// spec's text. The direction rules read a schema by which operations send
/// and answer it (`SHARED_SCHEMA_SPLIT_BY_DIRECTION`,
/// `ANSWER_PROPERTIES_OPTIONAL`, `ANSWER_VALUES_UNCHECKED`), so keeping or
/// dropping an operation changes the type of a schema nobody edited; every
/// other rule reads the schema's own text, whose changes the spec diff
/// reports. Each side is the cut, what the rules made of it, and that
/// adapted document as YAML.
pub(super) fn rule_changes(
    report: &mut Report,
    old: (&Value, &crate::codegen::Adapted, &Value),
    new: (&Value, &crate::codegen::Adapted, &Value),
) {
    let (old_raw, old, old_doc) = old;
    let (new_raw, new, new_doc) = new;
    let (old_users, new_users) = (users(old_doc), users(new_doc));
    let raw = |doc: &Value, name: &str| {
        doc.get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.get(name))
            .cloned()
    };
    let names: BTreeSet<&String> = old.directions.keys().chain(new.directions.keys()).collect();
    for name in names {
        let (Some(was), Some(now)) = (old.directions.get(name), new.directions.get(name)) else {
            // A schema new to the cut, or gone from it: the operations that
            // use it are reported.
            continue;
        };
        // Whoever used the schema or its copy, before or after.
        let mut labels: Vec<String> = Vec::new();
        for (users, copies) in [(&old_users, &old.copies), (&new_users, &new.copies)] {
            for key in std::iter::once(name).chain(copies.get(name)) {
                for label in users.get(key).into_iter().flatten() {
                    if !labels.contains(label) {
                        labels.push(label.clone());
                    }
                }
            }
        }
        let push = |report: &mut Report, section: Section, text: String| {
            for label in &labels {
                report.push(section, label, text.clone());
            }
        };
        let (old_copy, new_copy) = (old.copies.get(name), new.copies.get(name));
        if was != now || old_copy != new_copy {
            let (section, text) = match (old_copy, new_copy) {
                (None, Some(copy)) if *was == "answered only" => (
                    Section::Added,
                    format!(
                        "schema `{name}` is now {now} (was {was}): requests take the new type \
                         `{copy}`, with the spec's checks (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION); \
                         `{name}` stays as it was"
                    ),
                ),
                (None, Some(copy)) => (
                    Section::Breaking,
                    format!(
                        "schema `{name}` is now {now} (was {was}): requests take the new type \
                         `{copy}` (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION), and `{name}` is read as \
                         answers are, without required properties or value checks (rules \
                         ANSWER_PROPERTIES_OPTIONAL, ANSWER_VALUES_UNCHECKED); code that builds \
                         `{name}` for a request must build `{copy}`"
                    ),
                ),
                (Some(copy), None) => (
                    Section::Breaking,
                    format!(
                        "schema `{name}` is now {now} (was {was}): the type `{copy}` is gone \
                         (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION no longer applies){}",
                        if *now == "sent only" {
                            format!(
                                "; `{name}` is what requests take, with the spec's required \
                                 properties and checks"
                            )
                        } else {
                            String::new()
                        }
                    ),
                ),
                (Some(a), Some(b)) if a != b => (
                    Section::Breaking,
                    format!(
                        "schema `{name}`: the type requests take is renamed `{a}` -> `{b}` \
                         (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION; another schema took the name)"
                    ),
                ),
                _ => (
                    Section::Other,
                    format!("schema `{name}` is now {now} (was {was})"),
                ),
            };
            push(report, section, text);
        }
        // Field by field, where the schema's text is the same but its
        // adapted form is not.
        if raw(old_raw, name) == raw(new_raw, name) {
            let adapted = |doc: &Value| raw(doc, name).unwrap_or(Value::Null);
            if adapted(old_doc) != adapted(new_doc) {
                let reference: Value =
                    serde_norway::from_str(&format!("$ref: '#/components/schemas/{name}'"))
                        .unwrap_or(Value::Null);
                let old_shape = shape(old_doc, &reference, &mut Vec::new());
                let new_shape = shape(new_doc, &reference, &mut Vec::new());
                for label in &labels {
                    let mut diff = Diff {
                        old: old_doc,
                        new: new_doc,
                        adapted: None,
                        label,
                        report,
                    };
                    diff.shapes(
                        &format!("schema `{name}`"),
                        &old_shape,
                        &new_shape,
                        *now != "answered only",
                    );
                }
                if checks(&adapted(old_doc)) != checks(&adapted(new_doc)) {
                    push(
                        report,
                        Section::Breaking,
                        format!(
                            "schema `{name}`: its value checks (pattern, bounds, lengths) {} by \
                             the rules, so a checked string's type is {}",
                            if *now == "answered only" {
                                "are dropped"
                            } else {
                                "come back"
                            },
                            if *now == "answered only" {
                                "now `String`"
                            } else {
                                "a checked newtype again"
                            }
                        ),
                    );
                }
            }
        }
    }
}

/// Rule `CHECKED_STRING_TYPES_KEPT` as the new cut applies it: each string
/// whose check the spec dropped and whose checked newtype is kept, said
/// once, with what the Rust does (newly kept ones first).
fn kept_checked_types(report: &mut Report, old_doc: &Value, new_doc: &Value) {
    let listed = |doc: &Value| -> Vec<String> {
        doc.get(crate::codegen::KEPT_CHECKED_KEY)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|at| at.as_str().map(str::to_owned))
            .collect()
    };
    let before = listed(old_doc);
    for at in listed(new_doc) {
        let since = if before.contains(&at) {
            "still kept"
        } else {
            "kept"
        };
        report.push(
            Section::Other,
            crate::codegen::KEPT_CHECKED_KEY,
            format!(
                "`{at}`: the spec no longer checks this value (pattern, lengths); its checked \
                 newtype is {since}, checking nothing (rule CHECKED_STRING_TYPES_KEPT): no \
                 Rust item changes. `cargo xtask spec --unpin-checked` makes it a `String`"
            ),
        );
    }
    for at in before.iter().filter(|at| !listed(new_doc).contains(at)) {
        report.push(
            Section::Other,
            crate::codegen::KEPT_CHECKED_KEY,
            format!(
                "`{at}`: no longer kept by rule CHECKED_STRING_TYPES_KEPT (the spec checks it \
                 again, or drops it, or the cut was made with --unpin-checked)"
            ),
        );
    }
}

/// The component schemas that came into the cut or left it, each said for
/// the kept operations that reach it (through any of their API versions:
/// typify generates every component schema of the cut, so a schema that
/// only another version reaches is a type too).
pub(super) fn schemas_in_and_out(
    report: &mut Report,
    old: (&Value, &[Kept]),
    new: (&Value, &[Kept]),
) {
    let names = |doc: &Value| -> BTreeSet<String> {
        doc.get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(name, _)| name.as_str().map(str::to_owned))
            .collect()
    };
    // The users' Rust names, from the official operationIds.
    let labels = |(doc, kept): (&Value, &[Kept]), name: &str| -> Vec<String> {
        users(doc)
            .remove(name)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| kept.iter().find(|k| k.operation_id == id))
            .map(|k| k.rust_name.clone())
            .collect()
    };
    let (before, after) = (names(old.0), names(new.0));
    for name in before.difference(&after) {
        for label in labels(old, name) {
            report.push(
                Section::Other,
                &label,
                format!("schema `{name}` is no longer in the cut"),
            );
        }
    }
    for name in after.difference(&before) {
        for label in labels(new, name) {
            report.push(
                Section::Added,
                &label,
                format!("schema `{name}` is new in the cut"),
            );
        }
    }
}

/// The operations (by their Rust name) that reach each component schema.
pub(super) fn users(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let schemas = doc.get("components").and_then(|c| c.get("schemas"));
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for operation in operations(doc) {
        let Some(id) = operation.value.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let mut pending = Vec::new();
        crate::codegen::walk::schema_refs(operation.value, &mut pending);
        let mut seen = BTreeSet::new();
        while let Some(name) = pending.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = schemas.and_then(|m| m.get(name.as_str())) {
                crate::codegen::walk::schema_refs(schema, &mut pending);
                users.entry(name).or_default().push(id.to_owned());
            }
        }
    }
    users
}

/// The operationIds Atlas renamed, alone: the report of a spec that cannot
/// be cut (it lacks a kept operation or a pinned version).
pub fn renames(kept: &[Kept], official: &Value) -> Report {
    let mut report = Report::default();
    let all = operations(official);
    for entry in kept {
        if let Some(operation) = all.iter().find(|o| o.key() == entry.key())
            && operation.operation_id() != entry.operation_id
        {
            report.push(
                Section::Other,
                &entry.rust_name,
                format!(
                    "operationId renamed upstream, {} -> {}; the Rust name is kept",
                    entry.operation_id,
                    operation.operation_id()
                ),
            );
        }
    }
    report
}
