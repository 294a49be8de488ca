//! What requests, parameters and answers reach in the document: their
//! roots, and the component schemas reached from them.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::walk;

pub(super) fn component_schemas(document: &Value) -> Map<String, Value> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The names `roots` reach through schema references.
pub(super) fn closure(schemas: &Map<String, Value>, roots: Vec<&Value>) -> BTreeSet<String> {
    walk::schema_closure(|name| schemas.get(name), roots)
}

/// What requests send: request bodies and parameters, of operations and
/// of path items, and the shared ones.
pub(super) fn request_roots(document: &Value) -> Vec<&Value> {
    roots(
        document,
        &["requestBody", "parameters"],
        &["/components/parameters", "/components/requestBodies"],
    )
}

/// The parts named `parts` of every operation (a path item's own
/// `parameters` too, where `parts` has them), and the shared components at
/// `shared`.
pub(super) fn roots<'a>(document: &'a Value, parts: &[&str], shared: &[&str]) -> Vec<&'a Value> {
    let mut roots = Vec::new();
    for item in document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
    {
        for (key, operation) in item.as_object().into_iter().flatten() {
            if key == "parameters" {
                if parts.contains(&"parameters") {
                    roots.push(operation);
                }
                continue;
            }
            for part in parts {
                roots.extend(operation.get(*part));
            }
        }
    }
    for pointer in shared {
        roots.extend(document.pointer(pointer));
    }
    roots
}

pub(super) fn request_roots_mut(document: &mut Value) -> Vec<&mut Value> {
    let mut roots = Vec::new();
    let Value::Object(top) = document else {
        return roots;
    };
    for (key, value) in top.iter_mut() {
        match (key.as_str(), value) {
            ("paths", Value::Object(paths)) => {
                for item in paths.values_mut() {
                    for (key, operation) in item.as_object_mut().into_iter().flatten() {
                        if key == "parameters" {
                            roots.push(operation);
                            continue;
                        }
                        for (part, value) in operation.as_object_mut().into_iter().flatten() {
                            if part == "requestBody" || part == "parameters" {
                                roots.push(value);
                            }
                        }
                    }
                }
            }
            ("components", Value::Object(components)) => {
                for (key, value) in components.iter_mut() {
                    if key == "parameters" || key == "requestBodies" {
                        roots.push(value);
                    }
                }
            }
            _ => {}
        }
    }
    roots
}

/// The parameters, of operations, of path items, and the shared ones.
pub(super) fn parameter_roots(document: &Value) -> Vec<&Value> {
    roots(document, &["parameters"], &["/components/parameters"])
}

/// What answers carry: the responses of operations, and the shared ones.
pub(super) fn answer_roots(document: &Value) -> Vec<&Value> {
    roots(document, &["responses"], &["/components/responses"])
}

/// The inline schemas of the operations' answers.
pub(super) fn answer_schemas(document: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return out;
    };
    for item in paths.values_mut() {
        for (_, operation) in item.as_object_mut().into_iter().flatten() {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                for (_, media) in response
                    .get_mut("content")
                    .and_then(Value::as_object_mut)
                    .into_iter()
                    .flatten()
                {
                    out.extend(media.get_mut("schema"));
                }
            }
        }
    }
    out
}

/// The names of the schemas that are variants of a `oneOf`/`anyOf`.
pub(super) fn variants(document: &Value) -> BTreeSet<String> {
    let mut variants = BTreeSet::new();
    if let Some(schemas) = document.pointer("/components/schemas") {
        collect_variants(schemas, &mut variants);
    }
    if let Some(paths) = document.get("paths") {
        collect_variants(paths, &mut variants);
    }
    variants
}

pub(super) fn collect_variants(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for key in ["oneOf", "anyOf"] {
                for variant in map.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(name) = variant
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|t| t.strip_prefix("#/components/schemas/"))
                    {
                        out.insert(name.to_owned());
                    }
                }
            }
            map.values().for_each(|v| collect_variants(v, out));
        }
        Value::Array(items) => items.iter().for_each(|i| collect_variants(i, out)),
        _ => {}
    }
}
