//! Issue 32: a spec update judged by the compiler. The change report's
//! "Breaking Changes" are the public items of the generated code whose
//! users break, each with the spec change that caused it; and a member made
//! nullable or optional breaks nothing, in requests as in answers.

use std::collections::BTreeSet;

use serde_norway::Value;

use crate::codegen;
use crate::history::{official, root};
use crate::spec::{self, Asked, surface::Surface};

const NOTHING: Asked<'static> = Asked {
    add: &[],
    upgrade: &[],
    unpin_required: false,
    unpin_checked: false,
};

fn committed() -> String {
    std::fs::read_to_string(root().join(codegen::SPEC_PATH)).unwrap()
}

/// `cargo xtask spec --from` on texts: the new cut and its report.
fn update(committed: &str, official: &Value, asked: &Asked) -> spec::Update {
    match spec::update(committed, official, "official.yaml", "digest", asked) {
        Ok(update) => update,
        Err(not_cut) => panic!("{}\n{}", not_cut.renames, not_cut.problem),
    }
}

/// What the spec's text says of a member's nullability or optionality:
/// never a cause of a break on its own.
fn about_null_or_optional(cause: &str) -> bool {
    [
        "is now optional",
        "is now nullable",
        "is now not nullable",
        "optional or nullable",
    ]
    .iter()
    .any(|said| cause.contains(said))
}

/// The kept operations whose pinned API version `doc` does not offer, by
/// Rust name: what `--upgrade` must move for `doc` to cut.
pub(crate) fn versions_missing(doc: &Value, kept: &[spec::kept::Kept]) -> Vec<String> {
    let operations = spec::operations(doc);
    kept.iter()
        .filter(|entry| {
            let offered = operations
                .iter()
                .find(|o| o.key() == entry.key())
                .map(|o| spec::versions(doc, o.value))
                .unwrap_or_default();
            entry
                .version
                .as_ref()
                .is_some_and(|v| !offered.contains_key(v))
        })
        .map(|entry| entry.rust_name.clone())
        .collect()
}

/// Each revision of the official history, regenerated to today's spec as
/// its user would: cut with the committed kept list (an operation whose
/// pinned version the revision lacks moved to one it offers, and its
/// `required` as it says, as that user had it), then `spec --from` today's spec. The report's breaks are
/// exactly the items whose change breaks their users, each with a cause
/// from the spec's diff, and none caused by nullability or optionality
/// alone; a renamed operationId breaks no command.
#[test]
fn each_history_revision_regenerated_to_today_reports_the_items_that_break() {
    let Some((_, today, _)) = official("atlas-admin-api-v2.yaml.gz") else {
        return;
    };
    let today: Value = serde_norway::from_str(&today).unwrap();
    let mut revisions: Vec<_> = std::fs::read_dir(root().join("../shared/reference/history"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    revisions.sort();
    assert!(revisions.len() >= 2, "{revisions:?}");
    let committed = committed();
    let kept = spec::kept::read(&committed).unwrap();
    for revision in revisions {
        let (text, _) = spec::read_official(&revision).unwrap();
        let doc: Value = serde_norway::from_str(&text).unwrap();
        let upgrade = versions_missing(&doc, &kept);
        let then = update(
            &committed,
            &doc,
            &Asked {
                upgrade: &upgrade,
                // As the revision's user had it: its own `required`.
                unpin_required: true,
                ..NOTHING
            },
        );
        let now = update(&then.cut, &today, &NOTHING);
        let rendered = now.report.render(&revision.display().to_string(), "today");

        let old = Surface::of_cut(&then.cut).unwrap();
        let new = Surface::of_cut(&now.cut).unwrap();
        let breaking: BTreeSet<String> = spec::surface::diff::diff(&old, &new)
            .into_iter()
            .filter(|change| change.breaking)
            .map(|change| change.path)
            .collect();
        let breaks = now
            .report
            .rust_breaks()
            .expect("judged on the generated code");
        let reported: BTreeSet<String> = breaks.iter().map(|b| b.item.clone()).collect();
        assert_eq!(reported, breaking, "{rendered}");
        assert!(!breaks.is_empty(), "{rendered}");
        for b in breaks {
            assert!(!b.causes.is_empty(), "{} has no cause:\n{rendered}", b.item);
            assert!(
                !b.causes.iter().all(|cause| about_null_or_optional(cause)),
                "{} breaks on nullability or optionality alone:\n{rendered}",
                b.item
            );
            assert!(
                !b.item.starts_with(spec::surface::CLI),
                "a command breaks: {}\n{rendered}",
                b.item
            );
        }
        assert!(rendered.contains("### Breaking Changes"), "{rendered}");
    }
}

/// A spec update that marks every component schema nullable, every member
/// of every schema nullable, every member that requests must send optional,
/// and gives a default to boolean members or takes it away (what Atlas's
/// history does, at once) changes no public item:
/// the same types, fields, setters, methods, mocks and commands, and the
/// report lists no break. The members made optional are kept required
/// (rule `REQUIRED_REQUEST_MEMBERS_KEPT`) and the cut says which; `spec
/// --unpin-required` makes them `Option`s, and the report names each.
#[test]
fn members_made_nullable_or_optional_change_no_public_item() {
    let committed = committed();
    let mut document: Value = serde_norway::from_str(&committed).unwrap();
    let mut members = 0;
    let mut optional = 0;
    let mut defaults = 0;
    let schemas = document
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_mapping_mut)
        .unwrap();
    for (_, schema) in schemas.iter_mut() {
        let Some(schema) = schema.as_mapping_mut() else {
            continue;
        };
        schema.insert("nullable".into(), true.into());
        if let Some(required) = schema.remove("required") {
            optional += required.as_sequence().map_or(0, Vec::len);
        }
        for (_, property) in schema
            .get_mut("properties")
            .and_then(Value::as_mapping_mut)
            .into_iter()
            .flatten()
        {
            if let Some(property) = property.as_mapping_mut()
                && !property.contains_key("$ref")
            {
                property.insert("nullable".into(), true.into());
                members += 1;
                // A default given or taken away, as 2026 gave one to a
                // member of `Group`.
                if property.remove("default").is_none()
                    && property.get("type").and_then(Value::as_str) == Some("boolean")
                {
                    property.insert("default".into(), false.into());
                    defaults += 1;
                }
            }
        }
    }
    assert!(
        members > 50 && optional > 10 && defaults > 5,
        "{members} nullable, {optional} optional, {defaults} defaults"
    );

    let now = update(&committed, &document, &NOTHING);
    let breaks = now.report.rust_breaks().expect("judged");
    let rendered = now.report.render("committed", "edited");
    assert!(breaks.is_empty(), "{rendered}");
    assert_eq!(
        Surface::of_cut(&now.cut).unwrap(),
        Surface::of_cut(&committed).unwrap(),
        "{rendered}"
    );
    let pins = spec::kept::read_pins(&serde_norway::from_str(&now.cut).unwrap());
    assert!(!pins.is_empty());

    // Once a user asks for the spec as it is, the members become Options
    // and the report says which item breaks, and why.
    let unpinned = update(
        &now.cut,
        &document,
        &Asked {
            unpin_required: true,
            ..NOTHING
        },
    );
    let breaks = unpinned.report.rust_breaks().expect("judged");
    let rendered = unpinned.report.render("pinned", "unpinned");
    let pinned_field = pins
        .iter()
        .flat_map(|(schema, members)| members.iter().map(move |m| (schema, m)))
        .next()
        .unwrap();
    assert!(
        breaks.iter().any(
            |b| b.item.contains(&format!("::types::{}::", pinned_field.0))
                && b.what.contains("Option<")
        ),
        "{rendered}"
    );
}

/// Every plain string schema of `value` (not an enum, not a typed format),
/// handed to `edit`; examples and defaults are values, not schemas.
pub(crate) fn each_string_schema(
    value: &mut Value,
    edit: &mut dyn FnMut(&mut serde_norway::Mapping),
) {
    match value {
        Value::Mapping(map) => {
            let plain = map.get("type").and_then(Value::as_str) == Some("string")
                && !map.contains_key("enum")
                && map.get("format").and_then(Value::as_str).is_none_or(|f| {
                    !["uuid", "date", "date-time", "ip", "ipv4", "ipv6"].contains(&f)
                });
            if plain {
                edit(map);
            }
            for (key, inner) in map.iter_mut() {
                if !matches!(
                    key.as_str(),
                    Some("example" | "examples" | "default" | "enum")
                ) {
                    each_string_schema(inner, edit);
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                each_string_schema(item, edit);
            }
        }
        _ => {}
    }
}

/// Adds `minLength: 1` to every plain string of `document` that has no
/// check; how many.
fn add_length_checks(document: &mut Value) -> usize {
    let mut added = 0;
    each_string_schema(document, &mut |schema| {
        if !["pattern", "minLength", "maxLength"]
            .iter()
            .any(|k| schema.contains_key(*k))
        {
            schema.insert("minLength".into(), 1.into());
            added += 1;
        }
    });
    added
}

/// The committed cut updated to a spec whose every string is checked.
fn checked_cut() -> String {
    let committed = committed();
    let mut document: Value = serde_norway::from_str(&committed).unwrap();
    add_length_checks(&mut document);
    update(&committed, &document, &NOTHING).cut
}

/// Issue 40: a spec update that drops every value check of every string
/// (pattern, minLength, maxLength: what Atlas's history does to one member
/// or another) changes no public item: each checked newtype is kept (rule
/// `CHECKED_STRING_TYPES_KEPT`), checking nothing, and the report says so.
/// `--unpin-checked` takes the spec as it is, and the report names each
/// item that becomes a `String`.
#[test]
fn value_checks_dropped_change_no_public_item() {
    // From a cut whose every string is checked (whatever the committed cut
    // checks: in a workspace regenerated from another revision it may
    // check none).
    let committed = checked_cut();
    let mut document: Value = serde_norway::from_str(&committed).unwrap();
    let mut dropped = 0;
    each_string_schema(&mut document, &mut |schema| {
        for key in ["pattern", "minLength", "maxLength"] {
            if schema.remove(key).is_some() {
                dropped += 1;
            }
        }
    });
    assert!(dropped > 10, "{dropped} checks dropped");

    let now = update(&committed, &document, &NOTHING);
    let rendered = now.report.render("committed", "unchecked");
    let breaks = now.report.rust_breaks().expect("judged");
    assert!(breaks.is_empty(), "{rendered}");
    assert_eq!(
        Surface::of_cut(&now.cut).unwrap(),
        Surface::of_cut(&committed).unwrap(),
        "{rendered}"
    );
    let cut: Value = serde_norway::from_str(&now.cut).unwrap();
    let kept = cut
        .get(codegen::KEPT_CHECKED_KEY)
        .and_then(Value::as_sequence)
        .expect("the cut lists the kept types");
    assert!(
        kept.iter().any(|at| at
            .as_str()
            .is_some_and(|at| at.contains("migrationHosts/items"))),
        "{kept:?}"
    );
    assert!(
        rendered.contains("rule CHECKED_STRING_TYPES_KEPT"),
        "{rendered}"
    );
    // The generated type checks nothing Atlas dropped.
    let code = codegen::generate(&now.cut).unwrap();
    assert!(
        !code.contains("shorter than 1 characters"),
        "a dropped check is enforced"
    );

    // A second update from the same spec keeps them (the cut's own list).
    let again = update(&now.cut, &document, &NOTHING);
    assert_eq!(again.cut, now.cut);

    // Asked for the spec as it is: the newtypes become Strings, and the
    // report names the items.
    let unpinned = update(
        &now.cut,
        &document,
        &Asked {
            unpin_checked: true,
            ..NOTHING
        },
    );
    let rendered = unpinned.report.render("kept", "unpinned");
    let breaks = unpinned.report.rust_breaks().expect("judged");
    assert!(
        breaks.iter().any(|b| b.item.contains("MigrationHostsItem")),
        "{rendered}"
    );
}

/// Issue 40, the other way: a spec update that starts to check every plain
/// string makes each a checked newtype where requests send it, a one-time
/// change the report names, item by item, with the check as its cause.
#[test]
fn value_checks_added_are_named_with_what_the_rust_does() {
    // From a cut whose strings are all unchecked, taken as the spec has
    // them (`--unpin-checked`), whatever the committed cut checks.
    let mut unchecked: Value = serde_norway::from_str(&committed()).unwrap();
    each_string_schema(&mut unchecked, &mut |schema| {
        for key in ["pattern", "minLength", "maxLength"] {
            schema.remove(key);
        }
    });
    let committed = update(
        &committed(),
        &unchecked,
        &Asked {
            unpin_checked: true,
            ..NOTHING
        },
    )
    .cut;
    let mut document = unchecked;
    let added = add_length_checks(&mut document);
    assert!(added > 10, "{added} checks added");
    let now = update(&committed, &document, &NOTHING);
    let rendered = now.report.render("committed", "checked");
    assert!(
        rendered.contains("a value check added: where requests send it, its Rust type becomes"),
        "{rendered}"
    );
    let breaks = now.report.rust_breaks().expect("judged");
    assert!(!breaks.is_empty(), "{rendered}");
    for b in breaks {
        assert!(!b.causes.is_empty(), "{} has no cause:\n{rendered}", b.item);
    }
}

/// Issue 40: no hand-written file names a type that exists only while the
/// spec checks a value: the newtypes typify names after a member
/// (`DestinationClusterName`, `…MigrationHostsItem`). Code reaches their
/// checks through the builders' setters or `TryFrom` on the field's type.
/// The named ones (component schemas and the path parameters' IDs, the
/// generated `PATTERN_TYPES`) keep their types through rule
/// `CHECKED_STRING_TYPES_KEPT`, and the runtime names them.
#[test]
fn no_hand_written_file_names_a_type_a_value_check_creates() {
    let generated = std::fs::read_to_string(root().join(codegen::SNAPSHOT_PATH)).unwrap();
    let newtypes: BTreeSet<&str> = generated
        .lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("pub struct ")?
                .strip_suffix("(::std::string::String);")
        })
        .collect();
    let table = generated
        .split("PATTERN_TYPES: &[(&str, &str)] = &[")
        .nth(1)
        .and_then(|rest| rest.split("];").next())
        .expect("the generated PATTERN_TYPES");
    let named: BTreeSet<&str> = table
        .split("(\"")
        .skip(1)
        .filter_map(|entry| entry.split('"').next())
        .collect();
    let by_member: Vec<&str> = newtypes.difference(&named).copied().collect();
    assert!(
        by_member.iter().any(|t| t.ends_with("MigrationHostsItem")),
        "{by_member:?}"
    );
    let files = std::process::Command::new("git")
        .args(["ls-files", "*.rs"])
        .current_dir(root())
        .output()
        .unwrap();
    let mut named_in = Vec::new();
    for file in String::from_utf8(files.stdout).unwrap().lines() {
        if file.ends_with("generated.rs") || file.starts_with("tests/replay/") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root().join(file)) else {
            continue;
        };
        // Code, not comments.
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for name in &by_member {
            let word = |at: usize| {
                code[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_')
                    && code[at + name.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric() && c != '_')
            };
            if code.match_indices(name).any(|(at, _)| word(at)) {
                named_in.push(format!("{file}: {name}"));
            }
        }
    }
    assert!(named_in.is_empty(), "{named_in:#?}");
}
