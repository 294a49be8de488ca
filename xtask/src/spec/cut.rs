//! The cut: the operations of the kept list (`x-kept-operations`, at the top
//! of the transcription), everything they reach through `$ref` (parameters,
//! headers, responses, request bodies, schemas), the security schemes they
//! name, and the tags they use. The official text is not changed: Rust names
//! and version pins live in the kept list, which the generator reads. The
//! output is deterministic: the official document's order is kept, so the
//! same input gives the same bytes.

use std::collections::BTreeSet;
use std::path::Path;

use serde_norway::{Mapping, Value};

use super::kept::{self, KEPT_KEY, Kept};
use super::{METHODS, operations, versions};

/// The key of the record of where the cut came from.
pub const SOURCE_KEY: &str = "x-cut-from";

/// Cuts `official` down to the `kept` operations. `source` names the file
/// (its base name goes into the record) and `digest` is its SHA-256.
///
/// Each kept operation is found by method and path. Its `operationId` in the
/// kept list is brought up to date (the Rust name stays); a kept operation
/// without a version is pinned to the newest that is not sunset. An
/// operation the spec lacks, or a pinned version it does not offer, is an
/// error that names the operation, what is missing and what there is.
#[cfg(test)]
pub fn cut(
    official: &str,
    kept: &[Kept],
    source: &str,
    digest: &str,
) -> Result<(String, Vec<Kept>), String> {
    let doc: Value = serde_norway::from_str(official)
        .map_err(|e| format!("{source} is not a YAML document: {e}"))?;
    let none = (kept::Pins::new(), std::collections::BTreeSet::new());
    cut_document(
        &doc,
        kept,
        &KeptTypes {
            required: &none.0,
            checked: &none.1,
        },
        source,
        digest,
    )
}

/// What a cut keeps of the Rust types of the committed one: the request
/// members kept required (`x-kept-required`), and the strings whose checked
/// newtype is kept (`x-kept-checked`).
pub struct KeptTypes<'a> {
    pub required: &'a kept::Pins,
    pub checked: &'a std::collections::BTreeSet<String>,
}

/// The cut of a document already read (the official spec is 75,000 lines:
/// `cargo xtask spec` reads it once).
pub fn cut_document(
    doc: &Value,
    kept: &[Kept],
    types: &KeptTypes,
    source: &str,
    digest: &str,
) -> Result<(String, Vec<Kept>), String> {
    let pins = types.required;
    if kept.is_empty() {
        return Err(format!(
            "the kept list is empty: name the operations with --add OPERATION_ID \
             (it is kept in the transcription's {KEPT_KEY})"
        ));
    }
    kept::check_unique(kept)?;
    let name = file_name(source);
    let all = operations(doc);
    let mut updated = Vec::new();
    let mut problems = Vec::new();
    for entry in kept {
        let Some(operation) = all
            .iter()
            .find(|o| o.method == entry.method && o.path == entry.path)
        else {
            problems.push(missing_operation(entry, &all, &name));
            continue;
        };
        let offered = versions(doc, operation.value);
        let mut entry = entry.renamed(operation.operation_id());
        match &entry.version {
            Some(pin) if !offered.contains_key(pin) => {
                problems.push(format!(
                    "{} ({}) is pinned to API version {pin}, which {name} does not offer; it \
                     offers {}. Cut from a spec that has {pin}, or move to another version \
                     with --upgrade {}",
                    entry.rust_name,
                    entry.key(),
                    if offered.is_empty() {
                        "no versioned media type".to_owned()
                    } else {
                        offered.keys().cloned().collect::<Vec<_>>().join(", ")
                    },
                    entry.rust_name,
                ));
            }
            Some(_) => {}
            None => entry.version = super::default_version(&offered),
        }
        updated.push(entry);
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }

    let paths = doc
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("{source} has no `paths`"))?;
    let mut kept_paths = Mapping::new();
    for (path, item) in paths {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        let mut kept_item = Mapping::new();
        let mut any = false;
        for (key, value) in item {
            let method = key.as_str().unwrap_or_default();
            if !METHODS.contains(&method) {
                kept_item.insert(key.clone(), value.clone());
                continue;
            }
            let wanted = updated.iter().any(|k| {
                k.method.eq_ignore_ascii_case(method) && Some(k.path.as_str()) == path.as_str()
            });
            if wanted {
                kept_item.insert(key.clone(), value.clone());
                any = true;
            }
        }
        if any {
            kept_paths.insert(path.clone(), Value::Mapping(kept_item));
        }
    }

    let components = doc.get("components").and_then(Value::as_mapping);
    let reached = crate::codegen::walk::reachable(doc, &Value::Mapping(kept_paths.clone()))?;

    let mut out = Mapping::new();
    out.insert(KEPT_KEY.into(), kept::to_value(&updated));
    if !pins.is_empty() {
        out.insert(
            crate::codegen::KEPT_REQUIRED_KEY.into(),
            kept::pins_to_value(pins),
        );
    }
    if !types.checked.is_empty() {
        out.insert(
            crate::codegen::KEPT_CHECKED_KEY.into(),
            Value::Sequence(types.checked.iter().map(|at| at.as_str().into()).collect()),
        );
    }
    let mut record = Mapping::new();
    record.insert("file".into(), name.as_str().into());
    record.insert("sha256".into(), digest.into());
    if let Some(sha) = doc.get("info").and_then(|i| i.get("x-xgen-sha")) {
        record.insert("x-xgen-sha".into(), sha.clone());
    }
    out.insert(SOURCE_KEY.into(), Value::Mapping(record));
    for key in ["openapi", "info", "servers"] {
        if let Some(value) = doc.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    if let Some(tags) = doc.get("tags").and_then(Value::as_sequence) {
        let used = used_tags(&kept_paths);
        let tags: Vec<_> = tags
            .iter()
            .filter(|tag| {
                tag.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| used.contains(name))
            })
            .cloned()
            .collect();
        out.insert("tags".into(), Value::Sequence(tags));
    }
    if let Some(security) = doc.get("security") {
        out.insert("security".into(), security.clone());
    }
    out.insert("paths".into(), Value::Mapping(kept_paths.clone()));

    let mut kept_components = Mapping::new();
    if let Some(components) = components {
        let schemes = security_schemes(doc, &kept_paths);
        for (kind, entries) in components {
            let kind_name = kind.as_str().unwrap_or_default();
            let Some(entries) = entries.as_mapping() else {
                continue;
            };
            let kept_entries: Mapping = entries
                .iter()
                .filter(|(name, _)| {
                    let name = name.as_str().unwrap_or_default();
                    if kind_name == "securitySchemes" {
                        schemes.contains(name)
                    } else {
                        reached.contains(&(kind_name.to_owned(), name.to_owned()))
                    }
                })
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            if !kept_entries.is_empty() {
                kept_components.insert(kind.clone(), Value::Mapping(kept_entries));
            }
        }
    }
    out.insert("components".into(), Value::Mapping(kept_components));

    let body = serde_norway::to_string(&Value::Mapping(out))
        .map_err(|e| format!("cannot write the transcription: {e}"))?;
    Ok((format!("{}{body}", header(&name)), updated))
}

/// Why a kept operation is not in the spec, and where to look instead.
fn missing_operation(entry: &Kept, all: &[super::Operation<'_>], name: &str) -> String {
    let mut message = format!(
        "{} ({}, operationId {} at the last cut) is not in {name}",
        entry.rust_name,
        entry.key(),
        entry.operation_id
    );
    if let Some(moved) = all.iter().find(|o| o.operation_id() == entry.operation_id) {
        message.push_str(&format!(
            "; {name} has operationId {} at {}: if Atlas moved it, edit `operation:` in {KEPT_KEY}",
            entry.operation_id,
            moved.key()
        ));
    } else {
        let methods: Vec<_> = all
            .iter()
            .filter(|o| o.path == entry.path)
            .map(|o| o.method.as_str())
            .collect();
        if !methods.is_empty() {
            message.push_str(&format!("; that path has {}", methods.join(", ")));
        }
        message.push_str(&format!(
            "; remove it from {KEPT_KEY} or cut from a spec that has it"
        ));
    }
    message
}

fn header(name: &str) -> String {
    format!(
        "# The MongoDB Atlas Admin API v2 operations this workspace generates its client from,\n\
         # cut from the official spec ({name}) by `cargo xtask spec`.\n\
         # Do not edit by hand. To take a newer official spec, or another operation:\n\
         #   cargo xtask spec --from PATH [--add OPERATION_ID|'METHOD /path'] [--upgrade NAME]\n\
         #   cargo xtask codegen\n\
         # x-kept-operations is the kept list: each operation by method and path, its official\n\
         # operationId at this cut (and the names it had before, which the CLI keeps), the Rust\n\
         # name and the API version pinned when it was first kept. x-kept-required, if any, lists\n\
         # the request members an earlier cut required, kept required (--unpin-required drops\n\
         # it). x-cut-from records the file the rest was cut from. Everything else is the\n\
         # official text.\n"
    )
}

pub fn file_name(source: &str) -> String {
    Path::new(source)
        .file_name()
        .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned())
}

fn path_operations(paths: &Mapping) -> impl Iterator<Item = &Value> {
    paths
        .values()
        .filter_map(Value::as_mapping)
        .flat_map(|item| {
            item.iter()
                .filter(|(k, _)| METHODS.contains(&k.as_str().unwrap_or_default()))
                .map(|(_, v)| v)
        })
}

fn used_tags(paths: &Mapping) -> BTreeSet<String> {
    path_operations(paths)
        .filter_map(|op| op.get("tags").and_then(Value::as_sequence))
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The security schemes named by the global requirement and the kept
/// operations' own.
fn security_schemes(doc: &Value, paths: &Mapping) -> BTreeSet<String> {
    let requirements = doc
        .get("security")
        .into_iter()
        .chain(path_operations(paths).filter_map(|op| op.get("security")));
    requirements
        .filter_map(Value::as_sequence)
        .flatten()
        .filter_map(Value::as_mapping)
        .flat_map(|requirement| requirement.keys())
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::kept::{self, Kept};
    use super::super::operations;
    use super::cut;

    const UPSTREAM: &str = include_str!("../../tests/fixtures/upstream.yaml");

    fn keep(selector: &str) -> Kept {
        let doc: serde_norway::Value = serde_norway::from_str(UPSTREAM).unwrap();
        let all = operations(&doc);
        Kept::new(&doc, kept::find(&all, selector, "up.yaml").unwrap())
    }

    fn family() -> Vec<Kept> {
        vec![
            Kept {
                rust_name: "get_thing".to_owned(),
                ..keep("getGroupThing")
            },
            keep("createGroupThing"),
        ]
    }

    #[test]
    fn keeps_the_operations_and_their_transitive_references_only() {
        let (out, _) = cut(UPSTREAM, &family(), "fixtures/upstream.yaml", "abc").unwrap();
        let doc: serde_norway::Value = serde_norway::from_str(&out).unwrap();
        let paths = doc["paths"].as_mapping().unwrap();
        assert_eq!(paths.len(), 2, "{out}");
        assert!(doc["paths"]["/things/{thingId}"].get("delete").is_none());
        let schemas = doc["components"]["schemas"].as_mapping().unwrap();
        let names: Vec<_> = schemas.keys().map(|k| k.as_str().unwrap()).collect();
        // Thing -> Part -> Color (transitive), both request versions, ApiError; not Unused.
        assert_eq!(
            names,
            [
                "ApiError",
                "Color",
                "Part",
                "Thing",
                "ThingRequest",
                "ThingRequest20240530"
            ]
        );
        assert!(doc["components"]["parameters"].get("thingId").is_some());
        assert!(doc["components"]["parameters"].get("unusedParam").is_none());
        assert!(doc["components"]["responses"].get("notFound").is_some());
        assert!(doc["components"]["headers"].get("RetryAfter").is_some());
        assert_eq!(
            doc["components"]["securitySchemes"]
                .as_mapping()
                .unwrap()
                .len(),
            1
        );
        let tags = doc["tags"].as_sequence().unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(doc["x-cut-from"]["file"].as_str(), Some("upstream.yaml"));
        assert_eq!(doc["x-cut-from"]["sha256"].as_str(), Some("abc"));
    }

    #[test]
    fn the_official_text_is_kept_and_the_names_live_in_the_kept_list() {
        let (out, updated) = cut(UPSTREAM, &family(), "upstream.yaml", "abc").unwrap();
        assert!(out.contains("operationId: getGroupThing\n"), "{out}");
        assert_eq!(kept::read(&out).unwrap(), updated);
        assert_eq!(updated[0].rust_name, "get_thing");
        assert_eq!(updated[1].version.as_deref(), Some("2024-05-30"));
    }

    #[test]
    fn a_renamed_operation_id_keeps_its_rust_name() {
        let renamed = UPSTREAM.replace("getGroupThing", "getThingOfGroup");
        let (_, updated) = cut(&renamed, &family(), "upstream.yaml", "abc").unwrap();
        assert_eq!(updated[0].operation_id, "getThingOfGroup");
        assert_eq!(updated[0].rust_name, "get_thing");
    }

    #[test]
    fn the_same_input_gives_the_same_bytes_and_cuts_again_to_itself() {
        let (once, kept) = cut(UPSTREAM, &family(), "upstream.yaml", "abc").unwrap();
        let (twice, _) = cut(UPSTREAM, &family(), "upstream.yaml", "abc").unwrap();
        assert_eq!(once, twice);
        let (again, _) = cut(&once, &kept, "upstream.yaml", "abc").unwrap();
        assert_eq!(again, once);
    }

    #[test]
    fn a_missing_operation_or_version_is_named_with_what_there_is() {
        let moved = Kept {
            path: "/gone/{thingId}".to_owned(),
            ..keep("getGroupThing")
        };
        let error = cut(UPSTREAM, &[moved], "up.yaml", "abc").unwrap_err();
        assert!(error.contains("GET /gone/{thingId}"), "{error}");
        assert!(error.contains("GET /things/{thingId}"), "{error}");
        let pinned = Kept {
            version: Some("2025-01-01".to_owned()),
            ..keep("createGroupThing")
        };
        let error = cut(UPSTREAM, &[pinned], "up.yaml", "abc").unwrap_err();
        assert!(error.contains("2025-01-01"), "{error}");
        assert!(error.contains("2023-01-01, 2024-05-30"), "{error}");
        assert!(error.contains("--upgrade create_group_thing"), "{error}");
        let error = cut(UPSTREAM, &[], "up.yaml", "abc").unwrap_err();
        assert!(error.contains("--add"), "{error}");
    }
}
