//! The typed spec (openapiv3's `OpenAPI`) walked: each operation with its
//! method and ID, references to schemas and parameters resolved, and the
//! components no operation reaches dropped (through [`crate::walk`]).

use openapiv3::{OpenAPI, Operation, Parameter, PathItem, ReferenceOr, Schema};

use crate::walk;

/// Drops the component schemas, parameters, responses and request bodies
/// the operations do not reach: progenitor generates a type for every
/// component schema, so an operation tried alone is quick only without the
/// others' schemas.
pub(crate) fn keep_reachable_components(spec: &mut OpenAPI) {
    let Ok(doc) = serde_json::to_value(&*spec) else {
        return;
    };
    // A reference the cut could not follow was refused by `xtask spec`;
    // here, nothing is dropped on its account.
    let Some(paths) = doc.get("paths") else {
        return;
    };
    let Ok(reached) = walk::reachable(&doc, paths) else {
        return;
    };
    let Some(components) = &mut spec.components else {
        return;
    };
    let keep = |kind: &str, name: &String| reached.contains(&(kind.to_owned(), name.clone()));
    components.schemas.retain(|name, _| keep("schemas", name));
    components
        .parameters
        .retain(|name, _| keep("parameters", name));
    components
        .responses
        .retain(|name, _| keep("responses", name));
    components
        .request_bodies
        .retain(|name, _| keep("requestBodies", name));
}

pub(crate) fn operations_mut(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 8] {
    [
        ("GET", &mut item.get),
        ("PUT", &mut item.put),
        ("POST", &mut item.post),
        ("DELETE", &mut item.delete),
        ("OPTIONS", &mut item.options),
        ("HEAD", &mut item.head),
        ("PATCH", &mut item.patch),
        ("TRACE", &mut item.trace),
    ]
}

pub(crate) fn operation_ids(spec: &OpenAPI) -> Vec<(String, &'static str, String)> {
    let mut ids = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let mut item = item.clone();
        for (method, operation) in operations_mut(&mut item) {
            if let Some(operation) = operation {
                let id = operation.operation_id.clone().unwrap_or_default();
                ids.push((path.clone(), method, id));
            }
        }
    }
    ids
}

/// A schema with its `$ref`s followed, through a bounded chain (a cycle
/// is none).
pub(crate) fn resolve_schema<'a>(
    mut schema: &'a ReferenceOr<Schema>,
    components: Option<&'a openapiv3::Components>,
) -> Option<&'a Schema> {
    for _ in 0..16 {
        match schema {
            ReferenceOr::Item(item) => return Some(item),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/schemas/")?;
                schema = components?.schemas.get(name)?;
            }
        }
    }
    None
}

/// A parameter with its `$ref` followed.
pub(crate) fn resolve_parameter<'a>(
    parameter: &'a ReferenceOr<Parameter>,
    components: Option<&'a openapiv3::Components>,
) -> Option<&'a Parameter> {
    match parameter {
        ReferenceOr::Item(parameter) => Some(parameter),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            components?.parameters.get(name)?.as_item()
        }
    }
}

/// Visits every operation with its path, method and operationId.
pub(crate) fn each_operation(
    spec: &mut OpenAPI,
    mut visit: impl FnMut(&str, &str, &str, &mut Operation) -> Result<(), String>,
) -> Result<(), String> {
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            return Err(format!("path {path}: a $ref'd path item is not supported"));
        };
        for (method, operation) in operations_mut(item) {
            let Some(operation) = operation else { continue };
            let id = operation
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            visit(path, method, &id, operation)?;
        }
    }
    Ok(())
}

/// Each operation that has an operationId, with its path item.
pub(crate) fn operations(spec: &OpenAPI) -> impl Iterator<Item = (&PathItem, &str, &Operation)> {
    spec.paths
        .paths
        .values()
        .filter_map(ReferenceOr::as_item)
        .flat_map(|item| {
            item.iter().filter_map(move |(_, operation)| {
                Some((item, operation.operation_id.as_deref()?, operation))
            })
        })
}

/// The schemas of an operation's JSON successes, resolved: the JSON
/// contents are `application/json` here, as `ONE_VERSION_PER_OPERATION`
/// leaves them for progenitor.
pub(crate) fn json_success_schemas<'a>(
    operation: &'a Operation,
    components: Option<&'a openapiv3::Components>,
) -> impl Iterator<Item = &'a Schema> {
    operation
        .responses
        .responses
        .iter()
        .filter(|(status, _)| is_success(status))
        .filter_map(|(_, response)| response.as_item())
        .filter_map(|response| response.content.get("application/json"))
        .filter_map(|content| content.schema.as_ref())
        .filter_map(move |schema| resolve_schema(schema, components))
}

/// A 2xx status or the `2XX` range.
pub(crate) fn is_success(status: &openapiv3::StatusCode) -> bool {
    match status {
        openapiv3::StatusCode::Code(code) => (200..300).contains(code),
        openapiv3::StatusCode::Range(range) => *range == 2,
    }
}
