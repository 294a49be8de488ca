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
//! A schema that both requests and answers reach is first split in two
//! (`SHARED_SCHEMA_SPLIT_BY_DIRECTION`): requests get a checked copy, and
//! the schema under its own name is one only answers reach. So keeping an
//! operation that sends a schema Atlas answers with adds a type and
//! changes none.

use std::collections::{BTreeMap, BTreeSet};

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

/// Rules `ANSWER_PROPERTIES_OPTIONAL`, `ANSWER_VALUES_UNCHECKED` and
/// `ANSWER_VARIANTS_CATCH_ALL`, on
/// the document as JSON, after `SHARED_SCHEMA_SPLIT_BY_DIRECTION`. Gives
/// the copies that rule made, by the schema they copy.
pub fn adapt(document: &mut Value) -> BTreeMap<String, String> {
    let copies = split_by_direction(document);
    let schemas = component_schemas(document);
    let sent = closure(&schemas, request_roots(document));
    // Variants of a oneOf/anyOf keep their required properties: they are
    // what tells the variants apart.
    let variants = variants(document);
    if let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            if sent.contains(name) {
                loosen_read_only(schema);
            } else {
                loosen(schema, !variants.contains(name));
            }
        }
    }
    // Inline schemas of answers.
    for schema in answer_schemas(document) {
        loosen(schema, true);
    }
    close_variant_tags(document, &sent);
    copies
}

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
fn close_variant_tags(document: &mut Value, sent: &BTreeSet<String>) {
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
struct VariantList {
    /// Where the `oneOf`/`anyOf` is: a JSON pointer in the document.
    owner: String,
    variants: Vec<String>,
    discriminator: Option<(String, Option<Map<String, Value>>)>,
}

/// Every `oneOf`/`anyOf` in `schema`, which is at `pointer`.
fn variant_lists(schema: &Value, pointer: &str, out: &mut Vec<VariantList>) {
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
fn enum_values(schema: &Value, schemas: &Map<String, Value>, depth: usize) -> Option<Vec<Value>> {
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
fn enum_properties(schema: &Value, schemas: &Map<String, Value>) -> BTreeMap<String, Vec<Value>> {
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
fn count_plain_uses(value: &Value, as_variant: bool, uses: &mut BTreeMap<String, usize>) {
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
fn mark_tag(schema: &mut Value, property: &str, values: Vec<Value>) {
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

/// Which way each component schema goes, as the rules here decide it: a
/// schema that a request body or parameter reaches is sent; one that an
/// answer reaches is answered. `cargo xtask spec` reports a schema whose
/// direction changes, since its Rust type follows it.
pub fn directions(document: &Value) -> BTreeMap<String, &'static str> {
    let schemas = component_schemas(document);
    let sent = closure(&schemas, request_roots(document));
    let answered = closure(&schemas, answer_roots(document));
    schemas
        .keys()
        .filter_map(|name| {
            let way = match (sent.contains(name), answered.contains(name)) {
                (true, true) => "sent and answered",
                (true, false) => "sent only",
                (false, true) => "answered only",
                (false, false) => return None,
            };
            Some((name.clone(), way))
        })
        .collect()
}

/// Rule `SHARED_SCHEMA_SPLIT_BY_DIRECTION`: a schema that both a request
/// and an answer reach, and that the rules on answers would change, is
/// copied for requests as `<Name>Request` (the first free name of
/// `<Name>Request`, `<Name>Request2`, …), with the spec's checks and
/// required properties; request bodies and parameters, and the copies,
/// refer to the copies. The schema under its own name is then one only
/// answers reach, read as tolerantly as the other answers. A schema that
/// refers to a copied one is copied too, so each side refers to its own.
///
/// The answer keeps the name because an operation that sends a schema
/// Atlas already answers with (a create beside a get) is the common
/// addition: it adds `<Name>Request` and changes no existing type.
fn split_by_direction(document: &mut Value) -> BTreeMap<String, String> {
    let schemas = component_schemas(document);
    let sent = closure(&schemas, request_roots(document));
    let answered = closure(&schemas, answer_roots(document));
    let variants = variants(document);
    // A parameter's schema (an ID type, `PATH_PARAMETER_AS_SHARED_TYPE`)
    // is one type for the ID wherever it is.
    let parameters = closure(&schemas, parameter_roots(document));
    let shared: BTreeSet<&String> = sent
        .intersection(&answered)
        .filter(|name| !parameters.contains(*name))
        .collect();
    let mut split: BTreeSet<String> = shared
        .iter()
        .copied()
        .filter(|name| {
            // Members marked nullable do not count: requests drop it too
            // (`NULLABLE_IN_REQUESTS_AS_PLAIN`), so the two forms would be
            // one type.
            let mut original = schemas[*name].clone();
            nullable_in_requests_as_plain(&mut original);
            let mut loosened = original.clone();
            loosen(&mut loosened, !variants.contains(*name));
            loosened != original
        })
        .cloned()
        .collect();
    loop {
        let more: Vec<String> = shared
            .iter()
            .copied()
            .filter(|name| !split.contains(*name))
            .filter(|name| {
                let mut targets = Vec::new();
                refs(&schemas[*name], &mut targets);
                targets.iter().any(|t| split.contains(t))
            })
            .cloned()
            .collect();
        if more.is_empty() {
            break;
        }
        split.extend(more);
    }
    if split.is_empty() {
        return BTreeMap::new();
    }
    let mut taken: BTreeSet<String> = schemas.keys().cloned().collect();
    let copies: BTreeMap<String, String> = split
        .iter()
        .map(|name| {
            let copy = (1..)
                .map(|n| match n {
                    1 => format!("{name}Request"),
                    n => format!("{name}Request{n}"),
                })
                .find(|candidate| !taken.contains(candidate))
                .expect("a free name");
            taken.insert(copy.clone());
            (name.clone(), copy)
        })
        .collect();
    if let Some(Value::Object(components)) = document.pointer_mut("/components/schemas") {
        for (name, copy) in &copies {
            let mut schema = components[name].clone();
            retarget(&mut schema, &copies);
            if let Value::Object(map) = &mut schema {
                let note = format!(
                    "The form of `{name}` that requests send, with the spec's checks \
                     (rule `SHARED_SCHEMA_SPLIT_BY_DIRECTION`)."
                );
                let description = match map.get("description").and_then(Value::as_str) {
                    Some(text) => format!("{text}\n\n{note}"),
                    None => note,
                };
                map.insert("description".to_owned(), Value::String(description));
            }
            components.insert(copy.clone(), schema);
        }
    }
    for root in request_roots_mut(document) {
        retarget(root, &copies);
    }
    // Schemas that only requests reach refer to the copies too: else a
    // split schema would still be sent through them, and keep its checks
    // in the answers as well.
    if let Some(Value::Object(components)) = document.pointer_mut("/components/schemas") {
        for (name, schema) in components.iter_mut() {
            if sent.contains(name) && !answered.contains(name) {
                retarget(schema, &copies);
            }
        }
    }
    copies
}

fn component_schemas(document: &Value) -> Map<String, Value> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The names `roots` reach through every `$ref`.
fn closure(schemas: &Map<String, Value>, roots: Vec<&Value>) -> BTreeSet<String> {
    let mut pending = Vec::new();
    for root in roots {
        refs(root, &mut pending);
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone())
            && let Some(schema) = schemas.get(&name)
        {
            refs(schema, &mut pending);
        }
    }
    reached
}

/// What requests send: request bodies and parameters, of operations and
/// of path items, and the shared ones.
fn request_roots(document: &Value) -> Vec<&Value> {
    roots(
        document,
        &["requestBody", "parameters"],
        &["/components/parameters", "/components/requestBodies"],
    )
}

/// The parts named `parts` of every operation (a path item's own
/// `parameters` too, where `parts` has them), and the shared components at
/// `shared`.
fn roots<'a>(document: &'a Value, parts: &[&str], shared: &[&str]) -> Vec<&'a Value> {
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

fn request_roots_mut(document: &mut Value) -> Vec<&mut Value> {
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
fn parameter_roots(document: &Value) -> Vec<&Value> {
    roots(document, &["parameters"], &["/components/parameters"])
}

/// What answers carry: the responses of operations, and the shared ones.
fn answer_roots(document: &Value) -> Vec<&Value> {
    roots(document, &["responses"], &["/components/responses"])
}

/// The inline schemas of the operations' answers.
fn answer_schemas(document: &mut Value) -> Vec<&mut Value> {
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
fn variants(document: &Value) -> BTreeSet<String> {
    let mut variants = BTreeSet::new();
    if let Some(schemas) = document.pointer("/components/schemas") {
        collect_variants(schemas, &mut variants);
    }
    if let Some(paths) = document.get("paths") {
        collect_variants(paths, &mut variants);
    }
    variants
}

/// Points every `$ref` (and discriminator mapping) at a copied schema to
/// its copy.
fn retarget(value: &mut Value, copies: &BTreeMap<String, String>) {
    let target = |reference: &str| {
        reference
            .strip_prefix("#/components/schemas/")
            .and_then(|name| copies.get(name))
            .map(|copy| Value::String(format!("#/components/schemas/{copy}")))
    };
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match key.as_str() {
                    "$ref" => {
                        if let Some(copy) = inner.as_str().and_then(target) {
                            *inner = copy;
                        }
                    }
                    "discriminator" => {
                        for (_, reference) in inner
                            .get_mut("mapping")
                            .and_then(Value::as_object_mut)
                            .into_iter()
                            .flatten()
                        {
                            if let Some(copy) = reference.as_str().and_then(target) {
                                *reference = copy;
                            }
                        }
                    }
                    _ => retarget(inner, copies),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| retarget(i, copies)),
        _ => {}
    }
}

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
/// no required properties; its `oneOf`/`anyOf` with a last variant that
/// takes any value; its inline subschemas likewise, not what it refers to
/// (a referred schema is decided on its own).
fn loosen(schema: &mut Value, drop_required: bool) {
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
fn variants_catch_all(schema: &mut Value) {
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
fn members_not_nullable(map: &mut Map<String, Value>) {
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for property in properties.values_mut().filter_map(Value::as_object_mut) {
            property.remove("nullable");
        }
    }
}

/// Whether a schema takes any value: no keyword but documentation.
fn is_any_value(schema: &Value) -> bool {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// A schema that a request sends and an answer carries.
    fn document() -> serde_json::Value {
        json!({
            "paths": {
                "/things": {
                    "post": {
                        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                    }
                },
                "/things/{id}": {
                    "get": {
                        "parameters": [{"in": "path", "name": "id", "schema": {"$ref": "#/components/schemas/ThingId"}}],
                        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                    }
                }
            },
            "components": {"schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["name", "part"],
                    "properties": {
                        "id": {"$ref": "#/components/schemas/ThingId"},
                        "name": {"type": "string", "pattern": "^[A-Z]+$"},
                        "part": {"$ref": "#/components/schemas/Part"},
                        "color": {"$ref": "#/components/schemas/Color"},
                        "shape": {"$ref": "#/components/schemas/Shape"}
                    }
                },
                "ThingRequest": {"type": "object"},
                "ThingId": {"type": "string", "pattern": "^[a-f0-9]{24}$"},
                "Part": {"type": "object", "required": ["size"], "properties": {"size": {"type": "integer", "minimum": 1}}},
                "Color": {"type": "string", "enum": ["RED"]},
                "Shape": {
                    "oneOf": [{"$ref": "#/components/schemas/Part"}],
                    "discriminator": {"propertyName": "kind", "mapping": {"PART": "#/components/schemas/Part"}}
                }
            }}
        })
    }

    /// Rule `SHARED_SCHEMA_SPLIT_BY_DIRECTION`.
    #[test]
    fn a_schema_both_sent_and_answered_is_split_and_each_side_refers_to_its_own() {
        let mut document = document();
        let copies = super::adapt(&mut document);
        // `ThingRequest` is taken; an unchanged enum and the ID type stay one.
        assert_eq!(copies["Thing"], "ThingRequest2");
        assert_eq!(copies["Part"], "PartRequest");
        assert_eq!(copies["Shape"], "ShapeRequest");
        assert!(!copies.contains_key("Color") && !copies.contains_key("ThingId"));
        let schemas = &document["components"]["schemas"];
        // The answer's form: tolerant.
        assert!(schemas["Thing"].get("required").is_none());
        assert!(
            schemas["Thing"]["properties"]["name"]
                .get("pattern")
                .is_none()
        );
        assert!(
            schemas["Part"]["properties"]["size"]
                .get("minimum")
                .is_none()
        );
        // The request's form: the spec's checks, referring to the copies.
        let sent = &schemas["ThingRequest2"];
        assert_eq!(sent["required"], json!(["name", "part"]));
        assert_eq!(sent["properties"]["name"]["pattern"], "^[A-Z]+$");
        assert_eq!(
            sent["properties"]["part"]["$ref"],
            "#/components/schemas/PartRequest"
        );
        assert_eq!(
            sent["properties"]["color"]["$ref"],
            "#/components/schemas/Color"
        );
        assert_eq!(
            sent["properties"]["id"]["$ref"],
            "#/components/schemas/ThingId"
        );
        assert_eq!(schemas["PartRequest"]["properties"]["size"]["minimum"], 1);
        assert_eq!(
            schemas["ShapeRequest"]["discriminator"]["mapping"]["PART"],
            "#/components/schemas/PartRequest"
        );
        let body = &document["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert_eq!(body["$ref"], "#/components/schemas/ThingRequest2");
        let answer = &document["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(answer["$ref"], "#/components/schemas/Thing");
        // The ID keeps its check: it is what a parameter sends.
        assert_eq!(schemas["ThingId"]["pattern"], "^[a-f0-9]{24}$");
    }

    #[test]
    fn the_directions_are_read_from_what_requests_and_answers_reach() {
        let directions = super::directions(&document());
        assert_eq!(directions["Thing"], "sent and answered");
        assert_eq!(directions["ThingId"], "sent and answered");
        assert!(!directions.contains_key("ThingRequest"));
    }

    /// An answer's `oneOf` of kinds told apart by a discriminator (one kind
    /// inherits the tag from its base) and of kinds told apart by their
    /// lists of an `eventTypeName`; a variant also used on its own.
    fn variants_document() -> serde_json::Value {
        let answer = |schema: &str| json!({"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}}}});
        json!({
            "paths": {"/a": answer("Connection"), "/b": answer("Event"), "/c": answer("Plain")},
            "components": {"schemas": {
                "Connection": {
                    "type": "object",
                    "properties": {"type": {"type": "string", "enum": ["Kafka", "Sample"]}, "id": {"type": "string"}},
                    "discriminator": {"propertyName": "type", "mapping": {
                        "Kafka": "#/components/schemas/Kafka", "Sample": "#/components/schemas/Sample"
                    }},
                    "oneOf": [{"$ref": "#/components/schemas/Kafka"}, {"$ref": "#/components/schemas/Sample"}]
                },
                "Kafka": {"type": "object", "allOf": [
                    {"type": "object", "properties": {"type": {"type": "string", "enum": ["Kafka", "Sample"]}}},
                    {"type": "object", "properties": {"brokers": {"type": "string"}}}
                ]},
                "Sample": {"type": "object", "allOf": [
                    {"type": "object", "properties": {"type": {"type": "string", "enum": ["Kafka", "Sample"]}}}
                ]},
                "Event": {"oneOf": [{"$ref": "#/components/schemas/Audit"}, {"$ref": "#/components/schemas/Plain"}, {"$ref": "#/components/schemas/Host"}]},
                "Audit": {"type": "object", "required": ["eventTypeName"], "properties": {
                    "eventTypeName": {"oneOf": [{"type": "string", "enum": ["A1"]}, {"type": "string", "enum": ["A2"]}]}
                }},
                "Plain": {"type": "object", "properties": {"eventTypeName": {"type": "string", "enum": ["P"]}}},
                "Host": {"type": "object", "required": ["eventTypeName"], "properties": {
                    "eventTypeName": {"$ref": "#/components/schemas/HostType"}, "hostname": {"type": "string"}
                }},
                "HostType": {"type": "string", "enum": ["H"]}
            }}
        })
    }

    /// Rule `ANSWER_VARIANTS_CATCH_ALL`.
    #[test]
    fn an_answer_one_of_gains_a_last_variant_of_any_value() {
        let mut document = variants_document();
        super::adapt(&mut document);
        let schemas = &document["components"]["schemas"];
        // Without members of its own: `{}` at the end of its own list.
        let event = schemas["Event"]["oneOf"].as_array().unwrap();
        assert_eq!(event.len(), 4);
        assert_eq!(event[3], json!({}));
        // With members of its own (typify merges them into every variant):
        // wrapped, so that the last variant still takes any value.
        let connection = schemas["Connection"]["oneOf"].as_array().unwrap();
        assert_eq!(connection.len(), 2);
        assert_eq!(connection[1], json!({}));
        assert_eq!(connection[0]["oneOf"].as_array().unwrap().len(), 2);
        assert!(connection[0]["discriminator"].is_object());
        // Variants keep what tells them apart.
        assert_eq!(schemas["Audit"]["required"], json!(["eventTypeName"]));
    }

    /// Rule `ANSWER_VARIANT_TAGS_CLOSED`.
    #[test]
    fn what_tells_answer_variants_apart_stays_closed_in_them() {
        let mut document = variants_document();
        super::adapt(&mut document);
        let schemas = &document["components"]["schemas"];
        let tag = |values: serde_json::Value| json!({"type": "string", "enum": values, super::VARIANT_TAG: true});
        // The discriminator's values, from its mapping, in the base's part.
        assert_eq!(
            schemas["Kafka"]["allOf"][0]["properties"]["type"],
            tag(json!(["Kafka"]))
        );
        assert_eq!(
            schemas["Sample"]["allOf"][0]["properties"]["type"],
            tag(json!(["Sample"]))
        );
        // The owner's own list of the tag would narrow every variant's.
        assert!(
            schemas["Connection"]["oneOf"][0]["properties"]
                .get("type")
                .is_none()
        );
        // Lists that differ from variant to variant, however written.
        assert_eq!(
            schemas["Audit"]["properties"]["eventTypeName"],
            tag(json!(["A1", "A2"]))
        );
        assert_eq!(
            schemas["Host"]["properties"]["eventTypeName"],
            tag(json!(["H"]))
        );
        // A variant also used on its own keeps its list open.
        assert_eq!(
            schemas["Plain"]["properties"]["eventTypeName"],
            json!({"type": "string", "enum": ["P"]})
        );
    }
}
