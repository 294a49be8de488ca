//! Which operations answer a list one page at a time.

use std::collections::{BTreeMap, BTreeSet};

use crate::openapi::{json_success_schemas, operations, resolve_parameter, resolve_schema};
use heck::ToSnakeCase;
use openapiv3::{OpenAPI, Parameter, ReferenceOr, Schema, SchemaKind, Type};

/// The query parameters that page through a list, in Atlas's spelling.
pub(crate) const PAGE_PARAMETERS: [&str; 2] = ["pageNum", "itemsPerPage"];
/// The member of a page that holds its items.
pub(crate) const RESULTS: &str = "results";

/// What [`paginated_operations`] finds.
#[derive(Debug, Default)]
pub(crate) struct Pagination {
    /// The paginated operations (as `OperationInfo::operation_id` names
    /// them): both page parameters in the query and a JSON success whose
    /// object has a `results` array.
    pub lists: BTreeSet<String>,
    /// The operations that take both page parameters but whose success has
    /// no `results` array, each with what it answers instead.
    pub left_out: BTreeMap<String, String>,
}

/// Rule `PAGINATED_LIST_AS_STREAM`. An operation that takes `pageNum` and
/// `itemsPerPage` in its query and whose JSON success is an object with a
/// `results` array answers a list one page at a time. For each, the
/// generation writes beside the client (`src/pages/generated.rs`) what
/// gives its builder `stream()`, `all()` and `pages()`, which fetch every
/// page through the one client. Read on the document as
/// `ONE_VERSION_PER_OPERATION` leaves it (JSON as `application/json`); a
/// `$ref` and the parts of an `allOf` are followed. An operation with the
/// page parameters and no `results` array is left out, with what it
/// answers instead.
pub(crate) fn paginated_operations(spec: &OpenAPI) -> Pagination {
    let components = spec.components.as_ref();
    let mut found = Pagination::default();
    for (item, id, operation) in operations(spec) {
        let in_query: BTreeSet<&str> = item
            .parameters
            .iter()
            .chain(&operation.parameters)
            .filter_map(|parameter| resolve_parameter(parameter, components))
            .filter_map(|parameter| match parameter {
                Parameter::Query { parameter_data, .. } => Some(parameter_data.name.as_str()),
                _ => None,
            })
            .collect();
        if !PAGE_PARAMETERS.iter().all(|name| in_query.contains(name)) {
            continue;
        }
        let successes: Vec<&Schema> = json_success_schemas(operation, components).collect();
        let listed = successes
            .iter()
            .any(|schema| results_array(schema, components, 0));
        if listed {
            found.lists.insert(id.to_snake_case());
        } else {
            let answers = successes
                .iter()
                .map(|schema| describe(schema, components))
                .collect::<Vec<_>>()
                .join(", ");
            let answers = if answers.is_empty() {
                "no JSON success".to_owned()
            } else {
                answers
            };
            found.left_out.insert(id.to_snake_case(), answers);
        }
    }
    found
}

/// Whether the object `schema` (or one part of its `allOf`) has a `results`
/// property that is an array.
fn results_array(schema: &Schema, components: Option<&openapiv3::Components>, depth: u8) -> bool {
    if depth > 8 {
        return false;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => object
            .properties
            .get(RESULTS)
            .and_then(|property| resolve_boxed(property, components))
            .is_some_and(|results| matches!(results.schema_kind, SchemaKind::Type(Type::Array(_)))),
        SchemaKind::AllOf { all_of } => all_of
            .iter()
            .filter_map(|part| resolve_schema(part, components))
            .any(|part| results_array(part, components, depth + 1)),
        _ => false,
    }
}

/// What a success that is no page is: an object's first members, or its kind.
fn describe(schema: &Schema, components: Option<&openapiv3::Components>) -> String {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            let members: Vec<&str> = object.properties.keys().map(String::as_str).collect();
            format!("an object of {}", members.join(", "))
        }
        SchemaKind::AllOf { all_of } => all_of
            .iter()
            .filter_map(|part| resolve_schema(part, components))
            .map(|part| describe(part, components))
            .collect::<Vec<_>>()
            .join(" and "),
        SchemaKind::Type(Type::Array(_)) => "a bare array".to_owned(),
        _ => "no object".to_owned(),
    }
}

fn resolve_boxed<'a>(
    schema: &'a ReferenceOr<Box<Schema>>,
    components: Option<&'a openapiv3::Components>,
) -> Option<&'a Schema> {
    match schema {
        ReferenceOr::Item(item) => Some(item),
        ReferenceOr::Reference { reference } => resolve_schema(
            components?
                .schemas
                .get(reference.strip_prefix("#/components/schemas/")?)?,
            components,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(paths: serde_json::Value) -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
            "components": {
                "parameters": {
                    "pageNum": {"name": "pageNum", "in": "query", "schema": {"type": "integer"}},
                },
                "schemas": {
                    "Paginated": {"type": "object", "properties": {
                        "results": {"type": "array", "items": {"type": "string"}},
                        "totalCount": {"type": "integer"},
                    }},
                    "Base": {"type": "object", "properties": {"links": {"type": "array", "items": {"type": "string"}}}},
                },
            },
        }))
        .unwrap()
    }

    fn get(parameters: serde_json::Value, schema: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"get": {
            "operationId": "op",
            "parameters": parameters,
            "responses": {"2XX": {"description": "", "content": {"application/json": {"schema": schema}}}},
        }})
    }

    /// Both page parameters (one by `$ref`) and a `results` array (by
    /// `$ref`, or in a part of an `allOf`): paginated. One parameter only:
    /// not considered. A bare array or an object without `results`: left
    /// out, with what it answers.
    #[test]
    fn a_list_is_both_page_parameters_and_a_results_array() {
        let find = |parameters: serde_json::Value, schema: serde_json::Value| {
            paginated_operations(&spec(serde_json::json!({"/p": get(parameters, schema)})))
        };
        let both = serde_json::json!([
            {"$ref": "#/components/parameters/pageNum"},
            {"name": "itemsPerPage", "in": "query", "schema": {"type": "integer"}},
        ]);
        let one = serde_json::json!([{"$ref": "#/components/parameters/pageNum"}]);
        let paginated = serde_json::json!({"$ref": "#/components/schemas/Paginated"});
        let composed = serde_json::json!({"allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"$ref": "#/components/schemas/Paginated"},
        ]});
        assert!(find(both.clone(), paginated.clone()).lists.contains("op"));
        assert!(find(both.clone(), composed).lists.contains("op"));
        let one = find(one, paginated);
        assert!(one.lists.is_empty() && one.left_out.is_empty());
        let bare = find(
            both.clone(),
            serde_json::json!({"type": "array", "items": {"type": "string"}}),
        );
        assert!(bare.lists.is_empty());
        assert_eq!(bare.left_out["op"], "a bare array");
        let object = find(
            both,
            serde_json::json!({"type": "object", "properties": {"id": {"type": "string"}}}),
        );
        assert_eq!(object.left_out["op"], "an object of id");
    }
}
