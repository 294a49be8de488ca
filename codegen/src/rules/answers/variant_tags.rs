//! Rule `ANSWER_VARIANT_TAGS_CLOSED`: the tag that tells an answered
//! `oneOf`'s variants apart, marked so that its values stay checked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::loosen::is_any_value;
use super::reach::component_schemas;

/// The extension that marks an inline string enum as one that tells the
/// variants of a `oneOf` apart (`ANSWER_VARIANT_TAGS_CLOSED`):
/// `OPEN_STRING_ENUM` leaves it closed.
pub const VARIANT_TAG: &str = "x-variant-tag";

/// Rule `ANSWER_VARIANT_TAGS_CLOSED`: in a `oneOf`/`anyOf` that only answers
/// reach, what tells the variants apart keeps its list of values closed in
/// them: the discriminator's property, with the values its mapping gives
/// each variant, and a property that the variants give different lists of
/// values (an `eventTypeName`, a `type`: an inline enum, a `$ref` to one,
/// or a `oneOf` of those). Such a property becomes, in the variant, an
/// inline enum of its own values, marked [`VARIANT_TAG`] so that
/// `OPEN_STRING_ENUM` leaves it closed. serde tries the variants in order
/// and takes the first that reads; with every list open the first variant
/// reads every value and drops the members of the others. Closed, a value
/// goes to the variant whose list has it, and a value no list has goes to
/// the last variant (`ANSWER_VARIANTS_CATCH_ALL`), kept whole. Only
/// variants that nothing else refers to are changed: where a variant is
/// also used on its own, its lists stay open. A variant that requests
/// reach too (the same schema in a request's `oneOf`) gets the same tag.
pub(super) fn close_variant_tags(document: &mut Value, sent: &BTreeSet<String>) {
    let schemas = component_schemas(document);
    let mut lists = Vec::new();
    for (name, schema) in &schemas {
        if !sent.contains(name) {
            let escaped = name.replace('~', "~0").replace('/', "~1");
            variant_lists(
                schema,
                &format!("/components/schemas/{escaped}"),
                &mut lists,
            );
        }
    }
    let mut uses = BTreeMap::new();
    count_plain_uses(document, false, &mut uses);
    // A variant that requests send as well (one no other rule changes, so
    // not split) gets the same closed tag: what a request of that variant
    // sends there is its own value too.
    let changeable = |name: &String| !uses.contains_key(name);
    // (variant, property) -> the values that variant's tag takes.
    let mut tags: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    // (owner, property): typify merges an owner's own properties into each
    // variant, so the owner's list of the tag (all values, or fewer) would
    // narrow every variant's; the variants carry it instead.
    let mut owners: BTreeSet<(String, String)> = BTreeSet::new();
    for list in lists {
        let before = tags.len();
        if let Some((property, mapping)) = &list.discriminator {
            for name in list.variants.iter().filter(|n| changeable(n)) {
                let values: Vec<Value> = match mapping {
                    Some(mapping) => mapping
                        .iter()
                        .filter(|(_, target)| {
                            target
                                .as_str()
                                .and_then(|t| t.strip_prefix("#/components/schemas/"))
                                == Some(name.as_str())
                        })
                        .map(|(key, _)| Value::String(key.clone()))
                        .collect(),
                    None => vec![Value::String(name.clone())],
                };
                if !values.is_empty() {
                    tags.insert((name.clone(), property.clone()), values);
                }
            }
            if tags.len() > before {
                owners.insert((list.owner.clone(), property.clone()));
            }
            continue;
        }
        let variants: Vec<(&String, BTreeMap<String, Vec<Value>>)> = list
            .variants
            .iter()
            .filter_map(|name| Some((name, enum_properties(schemas.get(name)?, &schemas))))
            .collect();
        let mut lists_by_property: BTreeMap<&String, Vec<&Vec<Value>>> = BTreeMap::new();
        for (_, properties) in &variants {
            for (property, values) in properties {
                lists_by_property.entry(property).or_default().push(values);
            }
        }
        for (property, value_lists) in lists_by_property {
            let differ = value_lists.windows(2).any(|pair| pair[0] != pair[1]);
            if value_lists.len() < 2 || !differ {
                continue;
            }
            for (name, properties) in &variants {
                if let Some(values) = properties.get(property)
                    && changeable(name)
                {
                    tags.insert(((*name).clone(), property.clone()), values.clone());
                    owners.insert((list.owner.clone(), property.clone()));
                }
            }
        }
    }
    for (owner, property) in owners {
        if let Some(Value::Object(map)) = document.pointer_mut(&owner) {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                properties.remove(&property);
            }
            if let Some(Value::Array(required)) = map.get_mut("required") {
                required.retain(|r| r.as_str() != Some(property.as_str()));
            }
        }
    }
    let Some(Value::Object(components)) = document.pointer_mut("/components/schemas") else {
        return;
    };
    for ((name, property), values) in tags {
        if let Some(schema) = components.get_mut(&name) {
            mark_tag(schema, &property, values);
        }
    }
}

/// A `oneOf`/`anyOf`'s variants that are `$ref`s, and its discriminator's
/// property and mapping.
pub(super) struct VariantList {
    /// Where the `oneOf`/`anyOf` is: a JSON pointer in the document.
    owner: String,
    variants: Vec<String>,
    discriminator: Option<(String, Option<Map<String, Value>>)>,
}

/// Every `oneOf`/`anyOf` in `schema`, which is at `pointer`.
pub(super) fn variant_lists(schema: &Value, pointer: &str, out: &mut Vec<VariantList>) {
    match schema {
        Value::Object(map) => {
            for key in ["oneOf", "anyOf"] {
                if let Some(Value::Array(variants)) = map.get(key) {
                    let discriminator = map.get("discriminator").and_then(|d| {
                        let property = d.get("propertyName")?.as_str()?.to_owned();
                        Some((
                            property,
                            d.get("mapping").and_then(Value::as_object).cloned(),
                        ))
                    });
                    out.push(VariantList {
                        owner: pointer.to_owned(),
                        variants: variants
                            .iter()
                            .filter_map(|v| {
                                v.get("$ref")?
                                    .as_str()?
                                    .strip_prefix("#/components/schemas/")
                            })
                            .map(str::to_owned)
                            .collect(),
                        discriminator,
                    });
                }
            }
            for (key, inner) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                variant_lists(inner, &format!("{pointer}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                variant_lists(item, &format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// The string values a schema lists: an inline enum, a `$ref` to one, or a
/// `oneOf`/`anyOf` of those (sorted); `None` for any other schema.
pub(super) fn enum_values(
    schema: &Value,
    schemas: &Map<String, Value>,
    depth: usize,
) -> Option<Vec<Value>> {
    if depth > 4 {
        return None;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.strip_prefix("#/components/schemas/")?;
        return enum_values(schemas.get(name)?, schemas, depth + 1);
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let strings = schema.get("type").and_then(Value::as_str) == Some("string")
            || values.iter().all(Value::is_string);
        let mut values = values.clone();
        values.sort_by_key(Value::to_string);
        return strings.then_some(values);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = schema.get(key) {
            let mut all = Vec::new();
            for part in parts.iter().filter(|p| !is_any_value(p)) {
                for value in enum_values(part, schemas, depth + 1)? {
                    if !all.contains(&value) {
                        all.push(value);
                    }
                }
            }
            all.sort_by_key(Value::to_string);
            return Some(all);
        }
    }
    None
}

/// The properties of a variant that list string values, its `allOf`
/// parts' included (a part that refers to another schema is read through
/// it), with those values.
pub(super) fn enum_properties(
    schema: &Value,
    schemas: &Map<String, Value>,
) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::new();
    let mut parts = vec![schema];
    if let Some(Value::Array(all_of)) = schema.get("allOf") {
        for part in all_of {
            match part.get("$ref").and_then(Value::as_str) {
                Some(target) => parts.extend(
                    target
                        .strip_prefix("#/components/schemas/")
                        .and_then(|name| schemas.get(name)),
                ),
                None => parts.push(part),
            }
        }
    }
    for part in parts {
        for (property, value) in part
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(values) = enum_values(value, schemas, 0) {
                out.entry(property.clone())
                    .and_modify(|known: &mut Vec<Value>| known.retain(|v| values.contains(v)))
                    .or_insert(values);
            }
        }
    }
    out
}

/// How often each component schema is referred to other than as a variant
/// of a `oneOf`/`anyOf` (or in a discriminator's mapping).
pub(super) fn count_plain_uses(
    value: &Value,
    as_variant: bool,
    uses: &mut BTreeMap<String, usize>,
) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) if !as_variant => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            *uses.entry(name.to_owned()).or_default() += 1;
                        }
                    }
                    ("discriminator", _) => {}
                    ("oneOf" | "anyOf", Value::Array(variants)) => {
                        for variant in variants {
                            count_plain_uses(variant, true, uses);
                        }
                    }
                    _ => count_plain_uses(inner, false, uses),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| count_plain_uses(i, false, uses)),
        _ => {}
    }
}

/// `property` in the variant `schema` becomes an inline closed enum of
/// `values` (its docs kept): in its own properties and in each inline
/// `allOf` part that has it; in its own properties too when no part has.
pub(super) fn mark_tag(schema: &mut Value, property: &str, values: Vec<Value>) {
    let tag = |old: Option<&Value>| {
        let mut tag = Map::new();
        if let Some(description) = old.and_then(|o| o.get("description")) {
            tag.insert("description".to_owned(), description.clone());
        }
        tag.insert("type".to_owned(), Value::String("string".to_owned()));
        tag.insert("enum".to_owned(), Value::Array(values.clone()));
        tag.insert(VARIANT_TAG.to_owned(), Value::Bool(true));
        Value::Object(tag)
    };
    let mut placed = false;
    if let Some(Value::Array(parts)) = schema.get_mut("allOf") {
        for part in parts.iter_mut() {
            if let Some(Value::Object(properties)) = part.get_mut("properties")
                && let Some(old) = properties.get(property)
            {
                let new = tag(Some(old));
                properties.insert(property.to_owned(), new);
                placed = true;
            }
        }
    }
    let Value::Object(map) = schema else { return };
    let own = map.get("properties").and_then(|p| p.get(property)).cloned();
    if own.is_some() || !placed {
        let properties = map
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(properties) = properties {
            properties.insert(property.to_owned(), tag(own.as_ref()));
        }
    }
}
