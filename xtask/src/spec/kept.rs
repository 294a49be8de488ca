//! The kept list (`x-kept-operations`, at the top of the transcription).
//!
//! Atlas renames operationIds (it renamed all of them in 2025) but keeps
//! methods and paths, so each entry is keyed by `METHOD /path`. It pins the
//! name the operation is generated under (`rust-name`, so a method name
//! never changes when an operationId does) and the API version in use
//! (`version`, so a spec update never moves an operation to another
//! version). `operationId` is the official id at the last cut, which is how
//! a rename upstream is noticed; `formerNames` keeps the names the
//! CLI's `api` commands answered to at earlier cuts (operationIds and
//! `x-xgen-operation-id-override`s) that the spec no longer gives, which
//! they still answer to, so a script survives a rename upstream.

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use serde_norway::{Mapping, Value};

use super::{Operation, default_version, operations, versions};

/// The key of the kept list in the transcription.
pub const KEPT_KEY: &str = "x-kept-operations";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// `GET`, `POST`, …
    pub method: String,
    pub path: String,
    /// The official operationId at the last cut.
    pub operation_id: String,
    /// The names it had at earlier cuts (operationIds, overrides), oldest
    /// first: the CLI's commands keep them as aliases.
    pub former_names: Vec<String>,
    /// The name progenitor generates the operation under (snake case).
    pub rust_name: String,
    /// The pinned API version (`YYYY-MM-DD`); `None` for an operation that
    /// offers no versioned media type.
    pub version: Option<String>,
}

impl Kept {
    /// A newly kept operation: its Rust name from today's operationId, its
    /// version the newest that is not sunset.
    pub fn new(doc: &Value, operation: &Operation<'_>) -> Self {
        Kept {
            method: operation.method.clone(),
            path: operation.path.to_owned(),
            operation_id: operation.operation_id().to_owned(),
            former_names: Vec::new(),
            rust_name: operation.operation_id().to_snake_case(),
            version: default_version(&versions(doc, operation.value)),
        }
    }

    /// Keeps `name`, a name the operation had at the committed cut, among
    /// the former ones, unless it is `current` (its name at the new cut).
    pub fn remember(&mut self, name: &str, current: Option<&str>) {
        if Some(name) != current && !self.former_names.iter().any(|n| n == name) {
            self.former_names.push(name.to_owned());
        }
    }

    /// The entry at a new cut whose operationId is `id`: a rename keeps
    /// the id it had among the former ones.
    pub fn renamed(&self, id: &str) -> Self {
        let mut entry = self.clone();
        if !self.operation_id.is_empty()
            && self.operation_id != id
            && !entry.former_names.contains(&self.operation_id)
        {
            entry.former_names.push(self.operation_id.clone());
        }
        entry.former_names.retain(|former| former != id);
        entry.operation_id = id.to_owned();
        entry
    }

    /// `GET /api/atlas/v2/groups/{groupId}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn to_value(&self) -> Value {
        let mut entry = Mapping::new();
        entry.insert("operation".into(), self.key().into());
        entry.insert("operationId".into(), self.operation_id.as_str().into());
        if !self.former_names.is_empty() {
            entry.insert(
                "formerNames".into(),
                Value::Sequence(
                    self.former_names
                        .iter()
                        .map(|id| id.as_str().into())
                        .collect(),
                ),
            );
        }
        entry.insert("rust-name".into(), self.rust_name.as_str().into());
        if let Some(version) = &self.version {
            entry.insert("version".into(), version.as_str().into());
        }
        Value::Mapping(entry)
    }
}

/// The kept list as the transcription writes it.
pub fn to_value(kept: &[Kept]) -> Value {
    Value::Sequence(kept.iter().map(Kept::to_value).collect())
}

/// The kept list of a transcription (empty when it has none).
///
/// Reads the form this module writes and the earlier one (`id`, `rename`,
/// `version`, keyed by operationId), which it completes from the
/// transcription itself: the method and path of that operation, and the
/// version the generator chose for it then.
pub fn read(transcription: &str) -> Result<Vec<Kept>, String> {
    if transcription.trim().is_empty() {
        return Ok(Vec::new());
    }
    let doc: Value = serde_norway::from_str(transcription)
        .map_err(|e| format!("the transcription is not YAML: {e}"))?;
    let Some(list) = doc.get(KEPT_KEY) else {
        return Ok(Vec::new());
    };
    let entries = list
        .as_sequence()
        .ok_or_else(|| format!("{KEPT_KEY} must be a list"))?;
    let kept = entries
        .iter()
        .map(|entry| read_entry(&doc, entry))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique(&kept)?;
    Ok(kept)
}

fn read_entry(doc: &Value, entry: &Value) -> Result<Kept, String> {
    let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(operation) = text("operation") {
        let (method, path) = split_key(&operation)
            .ok_or_else(|| format!("{KEPT_KEY}: `operation: {operation}` is not `METHOD /path`"))?;
        let rust_name = text("rust-name")
            .ok_or_else(|| format!("{KEPT_KEY}: {operation} needs a `rust-name`"))?;
        return Ok(Kept {
            method,
            path,
            operation_id: text("operationId").unwrap_or_default(),
            former_names: entry
                .get("formerNames")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect(),
            rust_name,
            version: text("version"),
        });
    }
    // The earlier form: the operation as the transcription names it.
    let id = text("id").ok_or_else(|| {
        format!("each entry of {KEPT_KEY} needs `operation: METHOD /path` and a `rust-name`")
    })?;
    let name = text("rename").unwrap_or_else(|| id.clone());
    let all = operations(doc);
    let operation = all
        .iter()
        .find(|o| o.operation_id() == name)
        .ok_or_else(|| format!("{KEPT_KEY}: the transcription has no operation {name}"))?;
    let today = Kept::new(doc, operation);
    Ok(Kept {
        operation_id: id,
        rust_name: name.to_snake_case(),
        version: text("version").or(today.version.clone()),
        ..today
    })
}

/// `GET /path` -> (`GET`, `/path`).
fn split_key(text: &str) -> Option<(String, String)> {
    let (method, path) = text.trim().split_once(' ')?;
    let method = method.to_ascii_uppercase();
    let path = path.trim();
    (super::METHODS.contains(&method.to_ascii_lowercase().as_str()) && path.starts_with('/'))
        .then(|| (method, path.to_owned()))
}

/// Two kept operations under one Rust name would be one method.
pub fn check_unique(kept: &[Kept]) -> Result<(), String> {
    let mut names = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for entry in kept {
        if !names.insert(&entry.rust_name) {
            return Err(format!(
                "{KEPT_KEY}: two operations have the Rust name {}; give one another \
                 `rust-name`",
                entry.rust_name
            ));
        }
        if !keys.insert(entry.key()) {
            return Err(format!("{KEPT_KEY}: {} is listed twice", entry.key()));
        }
    }
    Ok(())
}

/// Finds the operation `selector` names in `doc`: an official operationId,
/// an `x-xgen-operation-id-override`, or `METHOD /path`.
pub fn find<'a>(
    all: &'a [Operation<'a>],
    selector: &str,
    source: &str,
) -> Result<&'a Operation<'a>, String> {
    if let Some((method, path)) = split_key(selector) {
        return all
            .iter()
            .find(|o| o.method == method && o.path == path)
            .ok_or_else(|| {
                let methods: Vec<_> = all
                    .iter()
                    .filter(|o| o.path == path)
                    .map(|o| o.method.as_str())
                    .collect();
                if methods.is_empty() {
                    format!("{source} has no path {path}")
                } else {
                    format!(
                        "{source} has no {method} {path}; that path has {}",
                        methods.join(", ")
                    )
                }
            });
    }
    let matches: Vec<_> = all
        .iter()
        .filter(|o| o.operation_id() == selector || o.id_override() == Some(selector))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let lower = selector.to_ascii_lowercase();
            let near: Vec<_> = all
                .iter()
                .filter(|o| {
                    let id = o.operation_id().to_ascii_lowercase();
                    id.contains(&lower) || lower.contains(&id)
                })
                .take(5)
                .map(|o| format!("{} ({})", o.operation_id(), o.key()))
                .collect();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; similar: {}", near.join(", "))
            };
            Err(format!(
                "{source} has no operation {selector:?} (an operationId, an \
                 x-xgen-operation-id-override, or `METHOD /path`; ids are case-sensitive){hint}"
            ))
        }
        several => Err(format!(
            "{selector:?} names several operations of {source}: {}; name one as `METHOD /path`",
            several
                .iter()
                .map(|o| o.key())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The kept entry `selector` names: its Rust name, its operationId at the
/// last cut, `METHOD /path`, or any name `doc` gives that operation.
pub fn find_kept<'k>(
    kept: &'k mut [Kept],
    doc: &Value,
    selector: &str,
    source: &str,
) -> Result<&'k mut Kept, String> {
    let key = split_key(selector).map(|(m, p)| format!("{m} {p}"));
    let by_name = kept.iter().position(|k| {
        k.rust_name == selector || k.operation_id == selector || Some(k.key()) == key
    });
    let index = match by_name {
        Some(index) => index,
        None => {
            let all = operations(doc);
            let operation = find(&all, selector, source)?;
            let key = operation.key();
            kept.iter().position(|k| k.key() == key).ok_or_else(|| {
                format!(
                    "{selector} ({key}) is not kept; add it with --add {selector:?} rather \
                     than --upgrade"
                )
            })?
        }
    };
    Ok(&mut kept[index])
}

/// The request members kept required (`x-kept-required`): by schema, the
/// members an earlier cut required that the spec now lets be left out.
pub type Pins = std::collections::BTreeMap<String, BTreeSet<String>>;

/// The members kept required in a cut.
pub fn read_pins(doc: &Value) -> Pins {
    doc.get(crate::codegen::KEPT_REQUIRED_KEY)
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(schema, members)| {
            let members = members
                .as_sequence()?
                .iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect();
            Some((schema.as_str()?.to_owned(), members))
        })
        .collect()
}

/// The members to keep required in a new cut of `official` (rule
/// `REQUIRED_REQUEST_MEMBERS_KEPT`): in each schema that requests sent at
/// the committed cut (`sent`), each member it required there, itself or
/// through its own pins, that `official` still has and no longer requires.
pub fn pins(committed: &Value, sent: &BTreeSet<String>, official: &Value) -> Pins {
    let old_pins = read_pins(committed);
    let schema = |doc: &Value, name: &str| {
        doc.get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.get(name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let required = |schema: &Value| -> BTreeSet<String> {
        schema
            .get("required")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect()
    };
    let mut pins = Pins::new();
    for name in sent {
        let mut was = required(&schema(committed, name));
        was.extend(old_pins.get(name).into_iter().flatten().cloned());
        let now = schema(official, name);
        let has = |member: &str| now.get("properties").and_then(|p| p.get(member)).is_some();
        let now_required = required(&now);
        let kept: BTreeSet<String> = was
            .into_iter()
            .filter(|m| has(m) && !now_required.contains(m))
            .collect();
        if !kept.is_empty() {
            pins.insert(name.clone(), kept);
        }
    }
    pins
}

/// The pins as the cut writes them.
pub fn pins_to_value(pins: &Pins) -> Value {
    let mut map = Mapping::new();
    for (schema, members) in pins {
        map.insert(
            schema.as_str().into(),
            Value::Sequence(members.iter().map(|m| m.as_str().into()).collect()),
        );
    }
    Value::Mapping(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPSTREAM: &str = include_str!("../../tests/fixtures/upstream.yaml");

    fn doc() -> Value {
        serde_norway::from_str(UPSTREAM).unwrap()
    }

    /// A rename keeps the old name among the former ones (the CLI answers
    /// to them), once, and never the current one; the list is written and
    /// read back.
    #[test]
    fn former_names_keep_every_name_a_script_may_use() {
        let entry = Kept {
            method: "GET".into(),
            path: "/x".into(),
            operation_id: "getOld".into(),
            former_names: Vec::new(),
            rust_name: "get_x".into(),
            version: None,
        };
        let mut entry = entry.renamed("getNew");
        entry.remember("getShort", Some("getShorter"));
        entry.remember("getShorter", Some("getShorter"));
        let entry = entry.renamed("getOld").renamed("getNew");
        assert_eq!(entry.operation_id, "getNew");
        assert_eq!(entry.former_names, ["getShort", "getOld"]);
        let text = serde_norway::to_string(&serde_norway::Value::Mapping(
            [(KEPT_KEY.into(), to_value(std::slice::from_ref(&entry)))]
                .into_iter()
                .collect(),
        ))
        .unwrap();
        assert_eq!(read(&text).unwrap(), [entry]);
    }

    #[test]
    fn an_operation_is_found_by_id_override_or_method_and_path() {
        let doc = doc();
        let all = operations(&doc);
        for selector in [
            "getGroupThing",
            "getThing",
            "GET /things/{thingId}",
            "get /things/{thingId}",
        ] {
            let found = find(&all, selector, "up.yaml").unwrap();
            assert_eq!(found.key(), "GET /things/{thingId}", "{selector}");
        }
        let error = find(&all, "groupThing", "up.yaml").err().unwrap();
        assert!(error.contains("getGroupThing"), "{error}");
        let error = find(&all, "PUT /things/{thingId}", "up.yaml")
            .err()
            .unwrap();
        assert!(error.contains("DELETE, GET"), "{error}");
    }

    #[test]
    fn a_new_entry_pins_todays_name_and_newest_unsunset_version() {
        let doc = doc();
        let all = operations(&doc);
        let kept = Kept::new(&doc, find(&all, "createGroupThing", "up.yaml").unwrap());
        assert_eq!(kept.rust_name, "create_group_thing");
        assert_eq!(kept.version.as_deref(), Some("2024-05-30"));
        let listed = serde_norway::to_string(&to_value(std::slice::from_ref(&kept))).unwrap();
        let text = format!("{KEPT_KEY}:\n{listed}");
        assert_eq!(read(&text).unwrap(), vec![kept]);
    }

    #[test]
    fn the_earlier_form_is_read_from_the_transcription_itself() {
        let old = UPSTREAM.replacen(
            "# A small spec",
            "x-kept-operations:\n- id: getGroupThing\n  rename: getThingRenamed\n# A small spec",
            1,
        );
        let old = old.replacen(
            "operationId: getGroupThing",
            "operationId: getThingRenamed",
            1,
        );
        let kept = read(&old).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].key(), "GET /things/{thingId}");
        assert_eq!(kept[0].operation_id, "getGroupThing");
        assert_eq!(kept[0].rust_name, "get_thing_renamed");
        assert_eq!(kept[0].version.as_deref(), Some("2023-01-01"));
    }

    #[test]
    fn two_operations_under_one_rust_name_are_refused() {
        let doc = doc();
        let all = operations(&doc);
        let one = Kept::new(&doc, &all[0]);
        let two = Kept {
            rust_name: one.rust_name.clone(),
            ..Kept::new(&doc, &all[1])
        };
        let error = check_unique(&[one, two]).unwrap_err();
        assert!(error.contains("rust-name"), "{error}");
    }
}
