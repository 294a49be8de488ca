//! How a schema only Atlas sends is loosened: its checks dropped, its
//! variants given a catch-all, its members' `nullable` read as absent; and
//! the nullable rules for requests and component schemas.

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

/// Rule `NULLABLE_IN_REQUESTS_AS_PLAIN`: in what requests send, a property
/// loses `nullable` (array items keep theirs). A caller never needs to send
/// `null`: it sends a value, which is always allowed, or leaves an optional
/// member out (its `Option` is skipped when `None`). typify would make a
/// required member that may be `null` an `Option` it sends as `null`, so a
/// spec update that marks a request member nullable would change its type
/// where the API did not break. Runs after the answers' rules, whose schemas
/// have already lost theirs (`NULLABLE_IN_ANSWERS_AS_ABSENT`); on them it
/// changes nothing.
pub fn nullable_in_requests_as_plain(value: &mut Value) {
    match value {
        Value::Object(map) => {
            members_not_nullable(map);
            map.values_mut().for_each(nullable_in_requests_as_plain);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_in_requests_as_plain),
        _ => {}
    }
}

/// Rule `NULLABLE_SCHEMA_AS_PLAIN_TYPE`: a component schema marked
/// `nullable` is generated as the plain type. typify writes a nullable
/// schema as a wrapper, `X(Option<XInner>)`, whose builder and fields move
/// to `XInner`: a spec update that marks a schema nullable (as 2026's did
/// `ShardingRequest` and `BadRequestDetail`) would break every user's code
/// that builds or reads it, where Atlas's API did not break. A property
/// that refers to it keeps its Rust type: an `Option` where it may be left
/// out (every member of an answer), the type itself where the caller must
/// send it (sending a value is always allowed); `null` in an answer reads
/// as absent (`NULL_AS_ABSENT`).
pub fn nullable_schema_as_plain_type(document: &mut Value) {
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut().filter_map(Value::as_object_mut) {
            schema.remove("nullable");
        }
    }
}

/// A schema only Atlas sends: no value checks, and (unless it is a variant)
/// no required properties; its `oneOf`/`anyOf` with a last variant that
/// takes any value; its inline subschemas likewise, not what it refers to
/// (a referred schema is decided on its own).
pub(super) fn loosen(schema: &mut Value, drop_required: bool) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("$ref") {
        return;
    }
    for key in VALUE_CHECKS {
        map.remove(*key);
    }
    let is_variant_list = map.contains_key("oneOf") || map.contains_key("anyOf");
    if drop_required && !is_variant_list {
        map.remove("required");
    }
    members_not_nullable(map);
    each_subschema(map, |sub| loosen(sub, drop_required && !is_variant_list));
    variants_catch_all(schema);
}

/// Rule `ANSWER_VARIANTS_CATCH_ALL`: a `oneOf`/`anyOf` that only answers
/// reach gains a last variant that takes any JSON value (`{}`, typify's
/// `serde_json::Value`). The variants keep their required properties and
/// their values' lists: they are what tells them apart, tried in the
/// spec's order. A value none of them reads (a kind Atlas added later, a
/// variant without a member it requires, a value its list lacks) is then
/// kept whole, as JSON, instead of refusing the answer it is in. Requests
/// keep the spec's variants (`SHARED_SCHEMA_SPLIT_BY_DIRECTION` copies a
/// schema both reach).
///
/// typify merges a schema's own members (properties, required ones, a
/// polymorphic base's, `POLYMORPHIC_BASE_INLINED_IN_ALLOF`) into each of
/// its variants, the last one too; such a schema becomes `oneOf: [the
/// schema, {}]`, so that the last variant takes any value still.
pub(super) fn variants_catch_all(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    let Some(key) = ["oneOf", "anyOf"]
        .into_iter()
        .find(|k| map.contains_key(*k))
    else {
        return;
    };
    if map[key]
        .as_array()
        .is_some_and(|v| v.iter().any(is_any_value))
    {
        return;
    }
    let own_members = ["properties", "required", "allOf", "additionalProperties"]
        .iter()
        .any(|k| map.contains_key(*k));
    if !own_members {
        if let Some(Value::Array(variants)) = map.get_mut(key) {
            variants.push(Value::Object(Map::new()));
        }
        return;
    }
    // The title names a type in typify: the outer schema's, not the inner
    // one's (that is `<Name>Variant0`).
    let mut outer = Map::new();
    if let Some(text) = map.get("description") {
        outer.insert("description".to_owned(), text.clone());
    }
    if let Some(title) = map.remove("title") {
        outer.insert("title".to_owned(), title);
    }
    let inner = std::mem::take(map);
    outer.insert(
        "oneOf".to_owned(),
        Value::Array(vec![Value::Object(inner), Value::Object(Map::new())]),
    );
    *map = outer;
}

/// Rule `NULLABLE_IN_ANSWERS_AS_ABSENT`: in a schema only answers reach,
/// a property loses `nullable`. The runtime reads an object's `null` member
/// as absent (`NULL_AS_ABSENT`), and an answer's members may all be absent
/// (`ANSWER_PROPERTIES_OPTIONAL`), so `nullable` says nothing the Rust type
/// needs; typify would turn a list (`Vec<T>`, empty when absent) or a
/// member with a default into an `Option` of it, so a spec update marking
/// a member nullable would change its type. Array items keep theirs: a
/// `null` item stays in its array.
pub(super) fn members_not_nullable(map: &mut Map<String, Value>) {
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for property in properties.values_mut().filter_map(Value::as_object_mut) {
            property.remove("nullable");
        }
    }
}

/// Whether a schema takes any value: no keyword but documentation.
pub(super) fn is_any_value(schema: &Value) -> bool {
    schema.as_object().is_some_and(|map| {
        map.keys().all(|key| {
            matches!(
                key.as_str(),
                "description" | "title" | "example" | "examples"
            )
        })
    })
}

/// A schema a request reaches: its `readOnly` properties (only Atlas sends
/// them) lose their value checks.
pub(super) fn loosen_read_only(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.get("readOnly").and_then(Value::as_bool) == Some(true) {
        for key in VALUE_CHECKS {
            map.remove(*key);
        }
    }
    each_subschema(map, loosen_read_only);
}

pub(super) fn each_subschema(map: &mut Map<String, Value>, mut visit: impl FnMut(&mut Value)) {
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
