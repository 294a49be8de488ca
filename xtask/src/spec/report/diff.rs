//! The diff of one operation's parameters, body and answers, shape by
//! shape, each change sorted into its section.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::shape::{Kind, Shape, describe, each_member, shape};
use super::{Report, Section};
use crate::spec::{resolve, version_date};

pub(super) struct Diff<'a> {
    pub(super) old: &'a Value,
    pub(super) new: &'a Value,
    /// The same cuts as the rules leave them, where known: a field's Rust
    /// type is read there.
    pub(super) adapted: Option<(&'a Value, &'a Value)>,
    pub(super) label: &'a str,
    pub(super) report: &'a mut Report,
}

impl Diff<'_> {
    pub(super) fn breaking(&mut self, what: String) {
        self.report.push(Section::Breaking, self.label, what);
    }

    pub(super) fn added(&mut self, what: String) {
        self.report.push(Section::Added, self.label, what);
    }

    pub(super) fn other(&mut self, what: String) {
        self.report.push(Section::Other, self.label, what);
    }

    pub(super) fn parameters(&mut self, old_op: &Value, new_op: &Value) {
        let old = parameters(self.old, old_op);
        let new = parameters(self.new, new_op);
        for (key, (required, schema)) in &new {
            match old.get(key) {
                None if *required => self.breaking(format!(
                    "new required parameter {key}: a call that does not set it fails"
                )),
                None => self.added(format!("new optional parameter {key}")),
                Some((was_required, old_schema)) => {
                    if !was_required && *required {
                        self.breaking(format!("parameter {key} is now required"));
                    } else if *was_required && !required {
                        self.added(format!("parameter {key} is now optional"));
                    }
                    let old_shape = shape(self.old, old_schema, &mut Vec::new());
                    let new_shape = shape(self.new, schema, &mut Vec::new());
                    self.shapes(&format!("parameter {key}"), &old_shape, &new_shape, false);
                }
            }
        }
        for key in old.keys().filter(|k| !new.contains_key(*k)) {
            self.breaking(format!(
                "parameter {key} removed: its builder method is gone"
            ));
        }
    }

    pub(super) fn body(
        &mut self,
        old_op: &Value,
        old_v: Option<&str>,
        new_op: &Value,
        new_v: Option<&str>,
    ) {
        let old = body_schema(self.old, old_op, old_v);
        let new = body_schema(self.new, new_op, new_v);
        match (old, new) {
            (Some(old), Some(new)) => {
                let old = shape(self.old, old, &mut Vec::new());
                let new = shape(self.new, new, &mut Vec::new());
                self.shapes("request body", &old, &new, true);
            }
            (None, Some(_)) => self.breaking("now takes a request body".to_owned()),
            (Some(_), None) => self.breaking("no longer takes a request body".to_owned()),
            (None, None) => {}
        }
    }

    pub(super) fn responses(
        &mut self,
        old_op: &Value,
        old_v: Option<&str>,
        new_op: &Value,
        new_v: Option<&str>,
    ) {
        let old = responses(self.old, old_op, old_v);
        let new = responses(self.new, new_op, new_v);
        for (status, new_schema) in &new {
            let success = status.starts_with('2');
            match old.get(status) {
                None if success => {
                    self.breaking(format!("new success response {status}"));
                }
                None => self.other(format!("documents response {status}")),
                Some(old_schema) => match (old_schema, new_schema) {
                    (Some(old_schema), Some(new_schema)) => {
                        let old_shape = shape(self.old, old_schema, &mut Vec::new());
                        let new_shape = shape(self.new, new_schema, &mut Vec::new());
                        self.shapes(&format!("response {status}"), &old_shape, &new_shape, false);
                    }
                    (None, Some(_)) => self.breaking(format!("response {status} now has a body")),
                    (Some(_), None) => {
                        self.breaking(format!("response {status} no longer has a body"))
                    }
                    (None, None) => {}
                },
            }
        }
        for status in old.keys().filter(|s| !new.contains_key(*s)) {
            if status.starts_with('2') {
                self.breaking(format!("success response {status} removed"));
            } else {
                self.other(format!("no longer documents response {status}"));
            }
        }
    }

    /// Compares two shapes at `at`; `request` says which way values go.
    pub(super) fn shapes(&mut self, at: &str, old: &Shape, new: &Shape, request: bool) {
        if let (Some(a), Some(b)) = (&old.name, &new.name)
            && a != b
        {
            self.breaking(format!(
                "{at}: schema {a} renamed {b}; code that names the type must follow"
            ));
        }
        // Inside a named schema, changes are said of the schema, once for
        // every operation that uses it.
        let named;
        let at = match &new.name {
            Some(name) if old.name.as_ref() == Some(name) => {
                named = format!("schema `{name}`");
                named.as_str()
            }
            _ => at,
        };
        if old.checks != new.checks && old.kind != Kind::Seen && new.kind != Kind::Seen {
            let said = |checks: &BTreeMap<String, String>| {
                if checks.is_empty() {
                    "none".to_owned()
                } else {
                    checks
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            let string = matches!(&new.kind, Kind::Scalar(s) if s.starts_with("string"));
            let lengths_or_pattern = |checks: &BTreeMap<String, String>| {
                ["pattern", "minLength", "maxLength"]
                    .iter()
                    .any(|k| checks.contains_key(*k))
            };
            // What the Rust does now: a string's checks decide whether it is
            // a checked newtype.
            let rust = match (
                string,
                lengths_or_pattern(&old.checks),
                lengths_or_pattern(&new.checks),
            ) {
                (true, false, true) => {
                    "; a value check added: where requests send it, its Rust type becomes the \
                     checked newtype, checked before the request is sent (a one-time change, \
                     named below if it breaks an item)"
                }
                (true, true, false) => {
                    "; its value check dropped: its checked newtype is kept, checking nothing, \
                     where the cut lists it in x-kept-checked (rule CHECKED_STRING_TYPES_KEPT)"
                }
                _ => "",
            };
            self.other(format!(
                "{at}: value checks {} -> {}{rust}",
                said(&old.checks),
                said(&new.checks)
            ));
        }
        match (&old.kind, &new.kind) {
            (Kind::Seen, _) | (_, Kind::Seen) => {}
            (Kind::Object(old_fields), Kind::Object(new_fields)) => {
                for (name, (shape, required)) in new_fields {
                    let field = format!("{at} field `{name}`");
                    match old_fields.get(name) {
                        None if *required && request => self.breaking(format!(
                            "{field} added, required: the builder fails without it"
                        )),
                        None if *required => self.added(format!("{field} added")),
                        None => self.added(format!("{field} added, optional")),
                        Some((old_shape, was_required)) => {
                            let option_before = is_option(old_shape, *was_required);
                            let option_now = is_option(shape, *required);
                            // The Rust types, as the rules leave them.
                            let rust = new.name.as_deref().zip(self.adapted).and_then(
                                |(schema, (old_doc, new_doc))| {
                                    Some((
                                        rust_option(old_doc, schema, name)?,
                                        rust_option(new_doc, schema, name)?,
                                    ))
                                },
                            );
                            if option_before != option_now
                                && let Some((was, now)) = rust
                                && was == now
                            {
                                self.other(format!(
                                    "{field} is now {}; its Rust type stays {} under the rules",
                                    if option_now {
                                        "optional or nullable"
                                    } else {
                                        "required and not nullable"
                                    },
                                    if now { "an Option" } else { "as it was" }
                                ));
                            } else if option_before != option_now {
                                self.breaking(format!(
                                    "{field} is now {}: its Rust type {} an Option",
                                    if option_now {
                                        "optional or nullable"
                                    } else {
                                        "required and not nullable"
                                    },
                                    if option_now {
                                        "becomes"
                                    } else {
                                        "is no longer"
                                    }
                                ));
                            } else if was_required != required {
                                self.other(format!(
                                    "{field} is now {}",
                                    if *required { "required" } else { "optional" }
                                ));
                            } else if old_shape.nullable != shape.nullable {
                                self.other(format!(
                                    "{field} is now {}",
                                    if shape.nullable {
                                        "nullable"
                                    } else {
                                        "not nullable"
                                    }
                                ));
                            }
                            self.shapes(&field, old_shape, shape, request);
                        }
                    }
                }
                for name in old_fields.keys().filter(|n| !new_fields.contains_key(*n)) {
                    self.breaking(format!("{at} field `{name}` removed"));
                }
            }
            (Kind::Array(old_items), Kind::Array(new_items)) => {
                self.shapes(&format!("{at} items"), old_items, new_items, request);
            }
            (Kind::Enum(old_values), Kind::Enum(new_values)) => {
                let added: Vec<_> = new_values.difference(old_values).cloned().collect();
                let removed: Vec<_> = old_values.difference(new_values).cloned().collect();
                if !added.is_empty() {
                    self.added(format!(
                        "{at}: enum values added: {} (already decoded as Open::Unknown; an \
                         exhaustive match on the enum gains variants)",
                        added.join(", ")
                    ));
                }
                if !removed.is_empty() {
                    self.breaking(format!(
                        "{at}: enum values removed: {} (their variants are gone)",
                        removed.join(", ")
                    ));
                }
            }
            (a, b) if a == b => {}
            _ => self.breaking(format!(
                "{at}: type changed from {} to {}",
                describe(old),
                describe(new)
            )),
        }
    }
}

/// Whether typify makes the field an `Option`: when it is optional or
/// nullable, except an optional array, which is a `Vec` that defaults to
/// empty.
pub(super) fn is_option(shape: &Shape, required: bool) -> bool {
    match shape.kind {
        Kind::Array(_) => shape.nullable,
        _ => shape.nullable || !required,
    }
}

/// Whether a property of a component schema is an `Option` in Rust, as the
/// rules leave the schema; `None` where the property is not the schema's
/// own (inside an `allOf`).
pub(super) fn rust_option(adapted: &Value, schema: &str, property: &str) -> Option<bool> {
    let schema = adapted.get("components")?.get("schemas")?.get(schema)?;
    let own = schema.get("properties")?.get(property)?;
    let required = schema
        .get("required")
        .and_then(Value::as_sequence)
        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(property)));
    Some(is_option(&shape(adapted, own, &mut Vec::new()), required))
}

/// `in name` -> (required, schema) for each parameter of an operation.
pub(super) fn parameters<'a>(
    doc: &'a Value,
    operation: &'a Value,
) -> BTreeMap<String, (bool, &'a Value)> {
    operation
        .get("parameters")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let place = p.get("in")?.as_str()?;
            let required = p.get("required").and_then(Value::as_bool) == Some(true);
            Some((
                format!("{name} ({place})"),
                (required, p.get("schema").unwrap_or(&Value::Null)),
            ))
        })
        .collect()
}

/// The schema of a content map at a version: the newest media type not
/// after it, or plain JSON.
pub(super) fn at_version<'a>(content: &'a Value, version: Option<&str>) -> Option<&'a Value> {
    let map = content.as_mapping()?;
    let versioned = map
        .iter()
        .filter_map(|(m, e)| Some((version_date(m.as_str()?)?, e)))
        .filter(|(date, _)| version.is_none_or(|v| *date <= v))
        .max_by_key(|(date, _)| *date)
        .map(|(_, e)| e);
    versioned
        .or_else(|| map.get("application/json"))
        .and_then(|e| e.get("schema"))
}

pub(super) fn body_schema<'a>(
    doc: &'a Value,
    op: &'a Value,
    version: Option<&str>,
) -> Option<&'a Value> {
    let body = resolve(doc, op.get("requestBody")?);
    at_version(body.get("content")?, version)
}

pub(super) fn responses<'a>(
    doc: &'a Value,
    op: &'a Value,
    version: Option<&str>,
) -> BTreeMap<String, Option<&'a Value>> {
    op.get("responses")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(status, response)| {
            let status = match status {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let response = resolve(doc, response);
            let schema = response.get("content").and_then(|c| at_version(c, version));
            Some((status, schema))
        })
        .collect()
}

/// How many `description` texts at the same place differ.
pub(super) fn description_edits(old: &Value, new: &Value) -> usize {
    let texts = |doc: &Value| {
        let mut out = BTreeMap::new();
        each_member(
            doc,
            &mut String::new(),
            &mut |at, key, value| match (key, value.as_str()) {
                ("description", Some(text)) => {
                    out.insert(at.to_owned(), text.to_owned());
                    false
                }
                _ => true,
            },
        );
        out
    };
    let (a, b) = (texts(old), texts(new));
    a.iter()
        .filter(|(at, text)| b.get(*at).is_some_and(|other| other != *text))
        .count()
}
