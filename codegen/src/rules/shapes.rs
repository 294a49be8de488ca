//! Adaptations on the raw document (before it is read as `openapiv3`), for
//! shapes of the official spec that typify 0.8 cannot take. Each is general:
//! it names no operation or schema, and notes what it did in the schema's
//! description, so the generated docs say it.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Applies every adaptation of this module.
pub fn adapt(document: &mut Value) {
    inline_polymorphic_bases(document);
    loosen_enums(document);
}

fn note(schema: &mut Map<String, Value>, text: &str) {
    let description = match schema.get("description").and_then(Value::as_str) {
        Some(existing) if !existing.is_empty() => format!("{existing}\n\n{text}"),
        _ => text.to_owned(),
    };
    schema.insert("description".to_owned(), Value::String(description));
}

/// Rule `POLYMORPHIC_BASE_INLINED_IN_ALLOF`: a subtype that extends a polymorphic base.
///
/// Atlas writes `Base {properties, discriminator, oneOf: [A, B]}` and
/// `A {allOf: [$ref Base, {…}]}`. typify merges `allOf` by expanding each
/// part, so A expands Base, whose `oneOf` expands A again, until the stack
/// overflows (which aborts the process). Here each `allOf` part that refers
/// to a schema with `oneOf`, `anyOf` or a discriminator is replaced by a copy
/// of that schema without them: its own properties, which is what the
/// subtype inherits. Repeated until no such part is left (bases of bases).
fn inline_polymorphic_bases(document: &mut Value) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let bases: Map<String, Value> = schemas
        .iter()
        .filter(|(_, schema)| {
            ["oneOf", "anyOf", "discriminator"]
                .iter()
                .any(|key| schema.get(key).is_some())
        })
        .map(|(name, schema)| {
            let mut base = schema.as_object().cloned().unwrap_or_default();
            for key in ["oneOf", "anyOf", "discriminator", "title", "description"] {
                base.remove(key);
            }
            (name.clone(), Value::Object(base))
        })
        .collect();
    if bases.is_empty() {
        return;
    }
    // A few rounds cover bases that extend bases; a cycle of bases stops at
    // the bound instead of growing forever.
    for _ in 0..8 {
        if !replace_base_references(document, &bases) {
            break;
        }
    }
}

/// Replaces, in every `allOf`, the parts that refer to a base. Returns
/// whether anything changed.
fn replace_base_references(value: &mut Value, bases: &Map<String, Value>) -> bool {
    let mut changed = false;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(parts)) = map.get_mut("allOf") {
                for part in parts.iter_mut() {
                    let base = part
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .and_then(|name| bases.get(name));
                    if let Some(base) = base {
                        *part = base.clone();
                        changed = true;
                    }
                }
            }
            for (_, inner) in map.iter_mut() {
                changed |= replace_base_references(inner, bases);
            }
        }
        Value::Array(items) => {
            for item in items {
                changed |= replace_base_references(item, bases);
            }
        }
        _ => {}
    }
    changed
}

/// Rules `INTEGER_ENUM_AS_INTEGER` and `UNNAMEABLE_ENUM_AS_STRING`: enums typify cannot generate become the plain type
/// they enumerate.
///
/// - Integer enums: typify writes a `JsonSchema` impl for them with a
///   parameter named `gen`, a keyword in edition 2024, so the crate does not
///   compile. A plain integer also keeps a value Atlas adds later.
/// - String enums with a value that makes no Rust name (`<`, `>=`: no
///   letter or digit): typify refuses them.
fn loosen_enums(value: &mut Value) {
    match value {
        Value::Object(map) => {
            loosen_enum(map);
            for (key, inner) in map.iter_mut() {
                match (key.as_str(), inner) {
                    // The values of `properties` are schemas; the map itself
                    // is not (a property may be called `enum`).
                    ("properties", Value::Object(properties)) => {
                        properties.values_mut().for_each(loosen_enums);
                    }
                    ("enum" | "example" | "examples" | "default", _) => {}
                    (_, inner) => loosen_enums(inner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(loosen_enums),
        _ => {}
    }
}

fn loosen_enum(schema: &mut Map<String, Value>) {
    let Some(Value::Array(values)) = schema.get("enum") else {
        return;
    };
    let type_ = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let reason = match type_.as_str() {
        "integer" | "number" => Some("an integer enum"),
        "string" => {
            let unnamed: BTreeSet<&str> = values
                .iter()
                .filter_map(Value::as_str)
                .filter(|v| !v.chars().any(|c| c.is_ascii_alphanumeric()))
                .collect();
            (!unnamed.is_empty()).then_some("an enum with values that make no Rust name")
        }
        _ => None,
    };
    let Some(reason) = reason else {
        return;
    };
    let listed: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect();
    schema.remove("enum");
    note(
        schema,
        &format!(
            "The spec makes this {reason}; it is generated as a plain {type_}. Values: {}.",
            listed.join(", ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::adapt;
    use serde_json::json;

    #[test]
    fn a_subtype_inherits_the_properties_of_its_polymorphic_base_not_the_base() {
        let mut document = json!({"components": {"schemas": {
            "Base": {"type": "object", "properties": {"kind": {"type": "string"}},
                     "discriminator": {"propertyName": "kind"},
                     "oneOf": [{"$ref": "#/components/schemas/A"}]},
            "A": {"allOf": [{"$ref": "#/components/schemas/Base"},
                            {"type": "object", "properties": {"a": {"type": "integer"}}}]},
            "Plain": {"allOf": [{"$ref": "#/components/schemas/A"}]}
        }}});
        adapt(&mut document);
        let a = &document["components"]["schemas"]["A"]["allOf"][0];
        assert_eq!(a["properties"]["kind"]["type"], "string");
        assert!(a.get("oneOf").is_none() && a.get("$ref").is_none());
        // A reference to a schema that is no base is kept.
        assert_eq!(
            document["components"]["schemas"]["Plain"]["allOf"][0]["$ref"],
            "#/components/schemas/A"
        );
        // The base itself keeps its oneOf.
        assert!(
            document["components"]["schemas"]["Base"]
                .get("oneOf")
                .is_some()
        );
    }

    #[test]
    fn enums_typify_cannot_name_become_their_plain_type() {
        let mut document = json!({"components": {"schemas": {
            "Operator": {"type": "string", "enum": ["<", ">", "EQ"]},
            "Level": {"type": "integer", "enum": [1, 2, 3]},
            "Kept": {"type": "string", "enum": ["A", "B_C"]},
            "HasEnumProperty": {"type": "object", "properties": {
                "enum": {"type": "string"}}}
        }}});
        adapt(&mut document);
        let schemas = &document["components"]["schemas"];
        assert!(schemas["Operator"].get("enum").is_none());
        assert!(
            schemas["Operator"]["description"]
                .as_str()
                .unwrap()
                .contains("`<`, `>`, `EQ`")
        );
        assert!(schemas["Level"].get("enum").is_none());
        assert_eq!(schemas["Kept"]["enum"], json!(["A", "B_C"]));
        assert_eq!(
            schemas["HasEnumProperty"]["properties"]["enum"]["type"],
            "string"
        );
    }
}
