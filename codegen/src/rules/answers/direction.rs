//! Which schemas requests send and which answers bring, and rule
//! `SHARED_SCHEMA_SPLIT_BY_DIRECTION`: a schema both reach split in two.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::walk;

use super::loosen::{loosen, nullable_in_requests_as_plain};
use super::reach::{
    answer_roots, closure, component_schemas, parameter_roots, request_roots, request_roots_mut,
    variants,
};

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
pub(super) fn split_by_direction(document: &mut Value) -> BTreeMap<String, String> {
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
                walk::schema_refs(&schemas[*name], &mut targets);
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

/// Points every `$ref` (and discriminator mapping) at a copied schema to
/// its copy.
pub(super) fn retarget(value: &mut Value, copies: &BTreeMap<String, String>) {
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
