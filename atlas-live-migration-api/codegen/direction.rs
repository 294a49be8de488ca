//! Rules on what only Atlas sends: the schemas that only answers reach.
//!
//! The spec's constraints describe what Atlas accepts; what Atlas sends
//! breaks them (required properties absent, values outside a `pattern` or
//! a `minimum`). The generated types check what they decode, so a check
//! that only Atlas's values meet is a check that refuses Atlas. Here a
//! schema that no request body and no parameter reaches, and every
//! property marked `readOnly` (which only Atlas sends), loses those checks.
//! Schemas that a request reaches keep them: what the caller sends is still
//! checked before the network.
//!
//! Which schemas only answers reach follows from the kept operations:
//! keeping an operation that sends a schema gives its checks back.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The constraints on values that are dropped from what only Atlas sends.
const VALUE_CHECKS: &[&str] = &[
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// Rules `ANSWER_PROPERTIES_OPTIONAL` and `ANSWER_VALUES_UNCHECKED`, on
/// the document as JSON.
pub fn adapt(document: &mut Value) {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // What requests reach: request bodies and parameters, through every $ref.
    let mut sent = BTreeSet::new();
    let mut pending = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for (key, operation) in item.as_object().into_iter().flatten() {
                if key == "parameters" {
                    refs(operation, &mut pending);
                    continue;
                }
                for part in ["requestBody", "parameters"] {
                    if let Some(value) = operation.get(part) {
                        refs(value, &mut pending);
                    }
                }
            }
        }
    }
    if let Some(parameters) = document.pointer("/components/parameters") {
        refs(parameters, &mut pending);
    }
    while let Some(name) = pending.pop() {
        if sent.insert(name.clone())
            && let Some(schema) = schemas.get(&name)
        {
            refs(schema, &mut pending);
        }
    }
    // Variants of a oneOf/anyOf keep their required properties: they are
    // what tells the variants apart.
    let mut variants = BTreeSet::new();
    collect_variants(&Value::Object(schemas.clone()), &mut variants);
    if let Some(paths) = document.get("paths") {
        collect_variants(paths, &mut variants);
    }

    let answered_only: BTreeSet<String> = schemas
        .keys()
        .filter(|name| !sent.contains(*name))
        .cloned()
        .collect();
    if let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            if answered_only.contains(name) {
                loosen(schema, !variants.contains(name));
            } else {
                loosen_read_only(schema);
            }
        }
    }
    // Inline schemas of answers.
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
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
                        if let Some(schema) = media.get_mut("schema") {
                            loosen(schema, true);
                        }
                    }
                }
            }
        }
    }
}

/// Rule `NULLABLE_AS_OPTIONAL`: a required property that may be `null` is
/// one that may be absent. The runtime reads Atlas's `null` members as
/// absent (`NULL_AS_ABSENT`), and typify would refuse a required property
/// that is absent even where its type is an `Option`; the type stays the
/// same `Option`, which is now left out when `None`. Everywhere, requests
/// included: a `null` sent and a member left out mean the same to Atlas.
pub fn nullable_as_optional(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let nullable: BTreeSet<String> = map
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| {
                    properties
                        .iter()
                        .filter(|(_, p)| p.get("nullable").and_then(Value::as_bool) == Some(true))
                        .map(|(name, _)| name.clone())
                        .collect()
                })
                .unwrap_or_default();
            if !nullable.is_empty()
                && let Some(Value::Array(required)) = map.get_mut("required")
            {
                required.retain(|r| !r.as_str().is_some_and(|r| nullable.contains(r)));
                if required.is_empty() {
                    map.remove("required");
                }
            }
            map.values_mut().for_each(nullable_as_optional);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_as_optional),
        _ => {}
    }
}

/// The component schema names `value` refers to.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(target)) => {
                        // Shared parameters are walked on their own.
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

fn collect_variants(value: &Value, out: &mut BTreeSet<String>) {
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

/// A schema only Atlas sends: no value checks, and (unless it is a variant)
/// no required properties; its inline subschemas likewise, not what it
/// refers to (a referred schema is decided on its own).
fn loosen(schema: &mut Value, drop_required: bool) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("$ref") {
        return;
    }
    for key in VALUE_CHECKS {
        map.remove(*key);
    }
    let is_variant_list = map.contains_key("oneOf") || map.contains_key("anyOf");
    if drop_required && !map.contains_key("discriminator") {
        map.remove("required");
    }
    each_subschema(map, |sub| loosen(sub, drop_required && !is_variant_list));
}

/// A schema a request reaches: its `readOnly` properties (only Atlas sends
/// them) lose their value checks.
fn loosen_read_only(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.get("readOnly").and_then(Value::as_bool) == Some(true) {
        for key in VALUE_CHECKS {
            map.remove(*key);
        }
    }
    each_subschema(map, loosen_read_only);
}

fn each_subschema(map: &mut Map<String, Value>, mut visit: impl FnMut(&mut Value)) {
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(&mut visit);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = map.get_mut(key)
            && sub.is_object()
        {
            visit(sub);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = map.get_mut(key) {
            parts.iter_mut().for_each(&mut visit);
        }
    }
}
