//! A schema's shape as the generated Rust has it: its kind, its members,
//! whether each is optional, its value checks.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use crate::spec::lookup;

/// The value checks in a schema's own text, with where they are.
pub(super) fn checks(schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    each_member(schema, &mut String::new(), &mut |at, key, _| {
        if CHECKS.contains(&key) {
            out.insert(at.to_owned());
            false
        } else {
            key != "description" && key != "example"
        }
    });
    out
}

/// Visits every member of every mapping in `value`, with its place
/// (`/key/0/key`), and goes into it when `visit` says so.
pub(super) fn each_member(
    value: &Value,
    at: &mut String,
    visit: &mut dyn FnMut(&str, &str, &Value) -> bool,
) {
    match value {
        Value::Mapping(map) => {
            for (key, inner) in map {
                let key = match key {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other).unwrap_or_default(),
                };
                let len = at.len();
                at.push('/');
                at.push_str(&key);
                if visit(at, &key, inner) {
                    each_member(inner, at, visit);
                }
                at.truncate(len);
            }
        }
        Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{index}"));
                each_member(item, at, visit);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The shape of a schema as far as Rust code sees it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Shape {
    /// The component schema it is, if named.
    pub(super) name: Option<String>,
    pub(super) nullable: bool,
    pub(super) kind: Kind,
    /// Its own value checks (pattern, bounds, lengths), as the spec writes
    /// them: a checked string is a newtype in Rust.
    pub(super) checks: BTreeMap<String, String>,
}

/// The value checks a schema states itself.
pub(super) const CHECKS: &[&str] = &[
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
];

pub(super) fn own_checks(schema: &Value) -> BTreeMap<String, String> {
    CHECKS
        .iter()
        .filter_map(|key| {
            let value = schema.get(*key)?;
            let text = match value {
                Value::String(s) => s.clone(),
                other => serde_norway::to_string(other).ok()?.trim().to_owned(),
            };
            Some(((*key).to_owned(), text))
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Object(BTreeMap<String, (Shape, bool)>),
    Array(Box<Shape>),
    Enum(BTreeSet<String>),
    /// `string`, `integer(int64)`, …
    Scalar(String),
    /// `oneOf`/`anyOf`, free-form and the like: compared by name only.
    Opaque(String),
    /// A schema already being expanded higher up (recursion).
    Seen,
}

pub(super) fn shape(doc: &Value, schema: &Value, stack: &mut Vec<String>) -> Shape {
    let mut name = None;
    let mut schema = schema;
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let short = reference.rsplit('/').next().unwrap_or(reference).to_owned();
        if stack.contains(&short) || stack.len() > 16 {
            return Shape {
                name: Some(short),
                nullable: false,
                kind: Kind::Seen,
                checks: BTreeMap::new(),
            };
        }
        name = Some(short);
        schema = lookup(doc, reference).unwrap_or(&Value::Null);
    }
    if let Some(name) = &name {
        stack.push(name.clone());
    }
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let checks = own_checks(schema);
    let mut kind = kind(doc, schema, stack);
    // `allOf: [$ref]` is a use of a named schema.
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        && name.is_none()
    {
        let inner = shape(doc, only, stack);
        name = inner.name;
        kind = inner.kind;
    }
    if name.is_some() {
        stack.pop();
    }
    Shape {
        name,
        nullable,
        kind,
        checks,
    }
}

pub(super) fn kind(doc: &Value, schema: &Value, stack: &mut Vec<String>) -> Kind {
    if let Some(values) = schema.get("enum").and_then(Value::as_sequence) {
        return Kind::Enum(
            values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                })
                .collect(),
        );
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_sequence)
        && parts.len() > 1
    {
        // Merged as typify merges them: the union of the properties.
        let mut merged = BTreeMap::new();
        for part in parts {
            if let Kind::Object(fields) = shape(doc, part, stack).kind {
                merged.extend(fields);
            }
        }
        return Kind::Object(merged);
    }
    for composite in ["oneOf", "anyOf"] {
        if let Some(parts) = schema.get(composite).and_then(Value::as_sequence) {
            let names: Vec<_> = parts
                .iter()
                .map(|p| {
                    p.get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .unwrap_or("inline")
                        .to_owned()
                })
                .collect();
            return Kind::Opaque(format!("{composite} [{}]", names.join(", ")));
        }
    }
    let type_ = schema.get("type").and_then(Value::as_str).unwrap_or("");
    match type_ {
        "object" | "" if schema.get("properties").is_some() => {
            let required: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let fields = schema
                .get("properties")
                .and_then(Value::as_mapping)
                .into_iter()
                .flatten()
                .filter_map(|(name, property)| {
                    let name = name.as_str()?;
                    Some((
                        name.to_owned(),
                        (shape(doc, property, stack), required.contains(name)),
                    ))
                })
                .collect();
            Kind::Object(fields)
        }
        "array" => Kind::Array(Box::new(shape(
            doc,
            schema.get("items").unwrap_or(&Value::Null),
            stack,
        ))),
        "" | "object" => Kind::Opaque("any value".to_owned()),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format)
                if type_ != "string" || ["date-time", "date", "uuid"].contains(&format) =>
            {
                Kind::Scalar(format!("{type_}({format})"))
            }
            _ => Kind::Scalar(type_.to_owned()),
        },
    }
}

pub(super) fn describe(shape: &Shape) -> String {
    let base = match &shape.kind {
        Kind::Object(_) => "object".to_owned(),
        Kind::Array(items) => format!("array of {}", describe(items)),
        Kind::Enum(_) => "enum".to_owned(),
        Kind::Scalar(s) | Kind::Opaque(s) => s.clone(),
        Kind::Seen => "object".to_owned(),
    };
    match &shape.name {
        Some(name) => format!("{name} ({base})"),
        None => base,
    }
}
