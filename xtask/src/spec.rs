//! `cargo xtask spec`: cuts the transcription in `openapi/` from the official
//! Atlas Admin API v2 spec.
//!
//! The cut keeps the operations named in the transcription's own kept list
//! (`x-kept-operations`, at the top of the file), everything they reach
//! through `$ref` (parameters, headers, responses, request bodies, schemas),
//! the security schemes they name, and the tags they use. Nothing else is
//! changed, except an operation's `operationId` where the kept list renames
//! it. The output is deterministic: the official document's order is kept,
//! so the same input gives the same bytes.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use serde_norway::{Mapping, Value};
use sha2::{Digest, Sha256};

/// The HTTP methods of an OpenAPI path item.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// The key of the kept list in the transcription.
pub const KEPT_KEY: &str = "x-kept-operations";
/// The key of the record of where the cut came from.
pub const SOURCE_KEY: &str = "x-cut-from";

/// One kept operation: its official id, the id this crate gives it, and the
/// API version to generate when not the newest that is not sunset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    pub id: String,
    pub rename: Option<String>,
    pub version: Option<String>,
}

/// Reads the official spec: YAML text, plain or gzip-compressed (by content,
/// not by name). Returns the text and the SHA-256 of it, hex.
pub fn read_official(path: &Path) -> Result<(String, String), String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read the spec {}: {e}", path.display()))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .map_err(|e| format!("{} is not a readable gzip file: {e}", path.display()))?;
        text
    } else {
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?
    };
    let digest = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((text, digest))
}

/// The kept list of a transcription (empty when it has none).
pub fn kept_list(transcription: &str) -> Result<Vec<Kept>, String> {
    let doc: Value = serde_norway::from_str(transcription)
        .map_err(|e| format!("the transcription is not YAML: {e}"))?;
    let Some(list) = doc.get(KEPT_KEY) else {
        return Ok(Vec::new());
    };
    let entries = list
        .as_sequence()
        .ok_or_else(|| format!("{KEPT_KEY} must be a list"))?;
    entries
        .iter()
        .map(|entry| {
            let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_owned);
            let id = text("id").ok_or_else(|| {
                format!("each entry of {KEPT_KEY} needs an `id` (the official operationId)")
            })?;
            Ok(Kept {
                id,
                rename: text("rename"),
                version: text("version"),
            })
        })
        .collect()
}

/// Cuts `official` down to the `kept` operations. `source` names the file
/// (its base name goes into the record) and `digest` is its SHA-256.
pub fn cut(official: &str, kept: &[Kept], source: &str, digest: &str) -> Result<String, String> {
    if kept.is_empty() {
        return Err(format!(
            "the kept list is empty: name the operations with --add OPERATION_ID \
             (it is kept in the transcription's {KEPT_KEY})"
        ));
    }
    let doc: Value = serde_norway::from_str(official)
        .map_err(|e| format!("{source} is not a YAML document: {e}"))?;
    let paths = doc
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("{source} has no `paths`"))?;

    let mut found = BTreeSet::new();
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
            let id = value
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(entry) = kept.iter().find(|k| k.id == id) else {
                continue;
            };
            found.insert(id.to_owned());
            let mut operation = value.clone();
            if let Some(rename) = &entry.rename
                && let Some(map) = operation.as_mapping_mut()
            {
                map.insert("operationId".into(), rename.as_str().into());
            }
            kept_item.insert(key.clone(), operation);
            any = true;
        }
        if any {
            kept_paths.insert(path.clone(), Value::Mapping(kept_item));
        }
    }
    let missing: Vec<_> = kept
        .iter()
        .filter(|k| !found.contains(&k.id))
        .map(|k| k.id.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{source} has no operation {}; check the spelling (operationIds are \
             case-sensitive) or whether Atlas renamed it",
            missing.join(", ")
        ));
    }

    let components = doc.get("components").and_then(Value::as_mapping);
    let reached = closure(&Value::Mapping(kept_paths.clone()), components)?;

    let mut out = Mapping::new();
    out.insert(
        KEPT_KEY.into(),
        Value::Sequence(kept.iter().map(kept_entry).collect()),
    );
    let mut record = Mapping::new();
    record.insert("file".into(), file_name(source).into());
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
        let schemes = security_schemes(&doc, &kept_paths);
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
    Ok(format!("{}{body}", header(source)))
}

fn header(source: &str) -> String {
    format!(
        "# The MongoDB Atlas Admin API v2 operations this workspace generates its client from,\n\
         # cut from the official spec ({}) by `cargo xtask spec`.\n\
         # Do not edit by hand. To take a newer official spec, or another operation:\n\
         #   cargo xtask spec --from PATH [--add OPERATION_ID]\n\
         #   cargo xtask codegen\n\
         # x-kept-operations is the kept list (official id, optional rename and version pin);\n\
         # x-cut-from records the file the rest was cut from. Everything else is the official text.\n",
        file_name(source)
    )
}

fn file_name(source: &str) -> String {
    Path::new(source)
        .file_name()
        .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned())
}

fn kept_entry(kept: &Kept) -> Value {
    let mut entry = Mapping::new();
    entry.insert("id".into(), kept.id.as_str().into());
    if let Some(rename) = &kept.rename {
        entry.insert("rename".into(), rename.as_str().into());
    }
    if let Some(version) = &kept.version {
        entry.insert("version".into(), version.as_str().into());
    }
    Value::Mapping(entry)
}

/// Every `(kind, name)` of `components` that `root` reaches through `$ref`s,
/// transitively.
fn closure(
    root: &Value,
    components: Option<&Mapping>,
) -> Result<BTreeSet<(String, String)>, String> {
    let mut reached = BTreeSet::new();
    let mut pending = Vec::new();
    refs(root, &mut pending);
    while let Some(reference) = pending.pop() {
        let Some(pointer) = reference.strip_prefix("#/components/") else {
            return Err(format!(
                "$ref {reference:?} points outside components; the cut only follows local \
                 component references"
            ));
        };
        let Some((kind, name)) = pointer.split_once('/') else {
            return Err(format!("$ref {reference:?} is not #/components/KIND/NAME"));
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if !reached.insert((kind.to_owned(), name.clone())) {
            continue;
        }
        let target = components
            .and_then(|c| c.get(kind))
            .and_then(|entries| entries.get(name.as_str()))
            .ok_or_else(|| format!("$ref {reference:?} names nothing in the spec"))?;
        refs(target, &mut pending);
    }
    Ok(reached)
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, value) in map {
                if key.as_str() == Some("$ref") {
                    if let Some(target) = value.as_str() {
                        out.push(target.to_owned());
                    }
                } else {
                    refs(value, out);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| refs(item, out)),
        Value::Tagged(tagged) => refs(&tagged.value, out),
        _ => {}
    }
}

fn operations(paths: &Mapping) -> impl Iterator<Item = &Value> {
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
    operations(paths)
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
        .chain(operations(paths).filter_map(|op| op.get("security")));
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
    use super::{Kept, cut, kept_list};

    const UPSTREAM: &str = include_str!("../tests/fixtures/upstream.yaml");

    fn keep(id: &str) -> Kept {
        Kept {
            id: id.to_owned(),
            rename: None,
            version: None,
        }
    }

    fn renamed() -> Vec<Kept> {
        vec![
            Kept {
                rename: Some("getThing".to_owned()),
                ..keep("getGroupThing")
            },
            keep("createGroupThing"),
        ]
    }

    #[test]
    fn keeps_the_operations_and_their_transitive_references_only() {
        let out = cut(UPSTREAM, &renamed(), "fixtures/upstream.yaml", "abc").unwrap();
        let doc: serde_norway::Value = serde_norway::from_str(&out).unwrap();
        let paths = doc["paths"].as_mapping().unwrap();
        assert_eq!(paths.len(), 2, "{out}");
        assert!(doc["paths"]["/things/{thingId}"].get("delete").is_none());
        let schemas = doc["components"]["schemas"].as_mapping().unwrap();
        let names: Vec<_> = schemas.keys().map(|k| k.as_str().unwrap()).collect();
        // Thing -> Part -> Color (transitive), ThingRequest, ApiError; not Unused.
        assert_eq!(
            names,
            ["ApiError", "Color", "Part", "Thing", "ThingRequest"]
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
    fn the_rename_is_applied_and_recorded() {
        let out = cut(UPSTREAM, &renamed(), "upstream.yaml", "abc").unwrap();
        assert!(out.contains("operationId: getThing\n"), "{out}");
        assert!(!out.contains("operationId: getGroupThing"), "{out}");
        assert_eq!(kept_list(&out).unwrap(), renamed());
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let once = cut(UPSTREAM, &renamed(), "upstream.yaml", "abc").unwrap();
        let twice = cut(UPSTREAM, &renamed(), "upstream.yaml", "abc").unwrap();
        assert_eq!(once, twice);
        // The kept list names official ids: the cut no longer has the
        // renamed one, so it is not a source to cut again.
        let again = cut(&once, &kept_list(&once).unwrap(), "upstream.yaml", "abc");
        assert!(again.unwrap_err().contains("getGroupThing"));
    }

    #[test]
    fn a_missing_operation_is_named() {
        let error = cut(UPSTREAM, &[keep("noSuchOperation")], "up.yaml", "abc").unwrap_err();
        assert!(error.contains("noSuchOperation"), "{error}");
        let error = cut(UPSTREAM, &[], "up.yaml", "abc").unwrap_err();
        assert!(error.contains("--add"), "{error}");
    }
}
