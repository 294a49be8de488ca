//! The rules for the typed mock alone (`generate_httpmock`): what
//! progenitor's `Generator::httpmock` writes code for that does not
//! compile, or that never matches what the client sends. They apply to the
//! document the mock is generated from, after every other rule, and change
//! no type of the client: the mock names the client's types
//! (`atlas_live_migration_api::types::…`), and leaves out of its own methods
//! what it cannot type. What is left out is still matched through
//! `into_inner()`, httpmock's own `When` and `Then`.

use serde_json::{Map, Value};

use crate::walk;

const OPERATION_KEYS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operation extension in which `SUCCESS_AS_ANY_2XX` leaves the
/// success statuses the spec documents.
pub(crate) const DOCUMENTED_SUCCESS: &str = "x-documented-success";
/// The schema every error answer of the mock's document takes, replaced by
/// [`ERROR_TYPE`] (`MOCK_ERROR_AS_ATLAS_SENDS_IT`).
pub(crate) const ERROR_SCHEMA: &str = "MockAtlasErrorBody";
/// The typed mock's own error body, in the mock crate.
pub(crate) const ERROR_TYPE: &str = "crate::AtlasError";

/// Applies this module's rules to the document the mock is generated from.
pub(crate) fn adapt(spec: &openapiv3::OpenAPI) -> Result<openapiv3::OpenAPI, String> {
    let mut doc = serde_json::to_value(spec).map_err(|e| e.to_string())?;
    // The components alone, as a document to resolve references in while
    // the paths change.
    let components = serde_json::json!({"components": doc.get("components")});
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            leave_out_unprintable_parameters(item, &components);
            for key in OPERATION_KEYS {
                if let Some(operation) = item.get_mut(*key).and_then(Value::as_object_mut) {
                    leave_out_unprintable_parameters(operation, &components);
                    scalar_bodies_as_json(operation);
                    documented_success_by_name(operation);
                    errors_as_atlas_sends_them(operation);
                }
            }
        }
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the mock's document has no component schemas")?;
    if schemas.contains_key(ERROR_SCHEMA) {
        return Err(format!(
            "the spec has a schema {ERROR_SCHEMA}, the name the typed mock gives its error body"
        ));
    }
    schemas.insert(
        ERROR_SCHEMA.to_owned(),
        serde_json::json!({"type": "object"}),
    );
    serde_json::from_value(doc).map_err(|e| e.to_string())
}

/// Rule `MOCK_DOCUMENTED_SUCCESS_BY_NAME`: the client reads every 2xx as
/// the success (`SUCCESS_AS_ANY_2XX`), and so progenitor's mock has only
/// `success(status, &value)`. Each success status the spec documents is
/// added back beside the `2XX` answer, with its content, so that the mock
/// answers it by progenitor's name for it (`ok`, `created`, `accepted`,
/// `no_content`); `success` stays for the statuses Atlas sends beside them
/// (the real `201` for a documented `200`).
fn documented_success_by_name(operation: &mut Map<String, Value>) {
    let Some(Value::Array(codes)) = operation.get(DOCUMENTED_SUCCESS).cloned() else {
        return;
    };
    let Some(Value::Object(responses)) = operation.get_mut("responses") else {
        return;
    };
    let Some(any) = responses.get("2XX").cloned() else {
        return;
    };
    for code in codes.iter().filter_map(Value::as_u64) {
        responses.insert(code.to_string(), any.clone());
    }
}

/// Rule `MOCK_ERROR_AS_ATLAS_SENDS_IT`: the spec's error body (`ApiError`,
/// after `ONE_ERROR_SHAPE`) is not what the real Atlas sends: its
/// `parameters` are strings, its `errorCode` may be `null`. Every error
/// answer of the mock's document takes [`ERROR_SCHEMA`], which the mock's
/// generation replaces by the mock crate's own [`ERROR_TYPE`], so a test
/// answers an error as Atlas does.
fn errors_as_atlas_sends_them(operation: &mut Map<String, Value>) {
    let Some(Value::Object(responses)) = operation.get_mut("responses") else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') || status == "default" {
            continue;
        }
        let description = response
            .get("description")
            .cloned()
            .unwrap_or_else(|| Value::String(format!("{status} error")));
        *response = serde_json::json!({
            "description": description,
            "content": {"application/json": {"schema": {
                "$ref": format!("#/components/schemas/{ERROR_SCHEMA}")
            }}}
        });
    }
}

/// Rule `MOCK_UNPRINTABLE_PARAMETER_LEFT_OUT`: progenitor's mock matches a
/// query or header parameter on its `Display` text. A parameter whose type
/// has none (an array, an object, a composition) would not compile, and a
/// date-time's (`2024-01-01 00:00:00 UTC`) is not the RFC 3339 text the
/// client sends, so it would never match. Such parameters are left out of
/// the typed mock's `when` methods; path parameters, strings, numbers,
/// booleans, dates and enums stay.
fn leave_out_unprintable_parameters(holder: &mut Map<String, Value>, components: &Value) {
    let Some(parameters) = holder.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    parameters.retain(|parameter| {
        let parameter = walk::resolve(components, parameter);
        let location = parameter.get("in").and_then(Value::as_str);
        if !matches!(location, Some("query" | "header")) {
            return true;
        }
        parameter
            .get("schema")
            .is_some_and(|schema| printable(walk::resolve(components, schema), components))
    });
}

/// Whether a value of this schema's Rust type prints as the client sends it.
fn printable(schema: &Value, components: &Value) -> bool {
    if schema.get("enum").is_some() {
        return true;
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => schema.get("format").and_then(Value::as_str) != Some("date-time"),
        Some("integer" | "number" | "boolean") => true,
        _ => {
            // A one-member allOf is the member's type.
            match schema.get("allOf").and_then(Value::as_array) {
                Some(members) if members.len() == 1 => {
                    printable(walk::resolve(components, &members[0]), components)
                }
                _ => false,
            }
        }
    }
}

/// Rule `MOCK_SCALAR_BODY_AS_JSON`: progenitor's mock hands a body or
/// answer to httpmock's `json_body_obj(&T)`, but passes a scalar (`bool`,
/// an integer, a number) by value and a string as `&str`, which does not
/// compile. A JSON request body or answer whose schema is an inline scalar
/// is any JSON (`&serde_json::Value`) in the typed mock.
fn scalar_bodies_as_json(operation: &mut Map<String, Value>) {
    if let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
    {
        scalar_schemas_as_json(content);
    }
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        for content in responses.values_mut().filter_map(|r| r.get_mut("content")) {
            scalar_schemas_as_json(content);
        }
    }
}

/// `MOCK_SCALAR_BODY_AS_JSON` on one `content` map (media type → entry).
fn scalar_schemas_as_json(content: &mut Value) {
    let Some(media) = content.as_object_mut() else {
        return;
    };
    for (media_type, entry) in media.iter_mut() {
        if !media_type.contains("json") {
            continue;
        }
        if let Some(schema) = entry.get_mut("schema")
            && schema.get("$ref").is_none()
            && matches!(
                schema.get("type").and_then(Value::as_str),
                Some("boolean" | "integer" | "number" | "string")
            )
        {
            *schema = Value::Object(Map::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn adapted(doc: serde_json::Value) -> serde_json::Value {
        let spec: openapiv3::OpenAPI = serde_json::from_value(doc).unwrap();
        serde_json::to_value(super::adapt(&spec).unwrap()).unwrap()
    }

    fn document(parameters: serde_json::Value, answer: serde_json::Value) -> serde_json::Value {
        json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things/{id}": {"get": {
                "operationId": "getThing",
                "parameters": parameters,
                "responses": {"2XX": {"description": "ok", "content": {
                    "application/json": {"schema": answer}}}}
            }}},
            "components": {
                "parameters": {"pretty": {"name": "pretty", "in": "query",
                    "schema": {"type": "boolean"}}},
                "schemas": {
                    "Since": {"type": "string", "format": "date-time"},
                    "Thing": {"type": "object"}
                }
            }
        })
    }

    #[test]
    fn unprintable_query_and_header_parameters_are_left_out() {
        let parameters = json!([
            {"name": "id", "in": "path", "required": true, "schema": {"type": "array"}},
            {"$ref": "#/components/parameters/pretty"},
            {"name": "names", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "since", "in": "query", "schema": {"$ref": "#/components/schemas/Since"}},
            {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "filter", "in": "query", "schema": {"$ref": "#/components/schemas/Thing"}},
            {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}},
            {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["A"]}},
            {"name": "X-Count", "in": "header", "schema": {"type": "integer"}},
            {"name": "X-List", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}}},
        ]);
        let doc = adapted(document(
            parameters,
            json!({"$ref": "#/components/schemas/Thing"}),
        ));
        let kept: Vec<String> = doc["paths"]["/things/{id}"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p.get("name")
                    .or_else(|| p.get("$ref"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            kept,
            [
                "id",
                "#/components/parameters/pretty",
                "day",
                "status",
                "X-Count"
            ]
        );
    }

    #[test]
    fn inline_scalar_answers_and_bodies_are_any_json_and_references_stay() {
        for (schema, expected) in [
            (json!({"type": "boolean"}), json!({})),
            (json!({"type": "integer", "format": "int64"}), json!({})),
            (json!({"type": "string"}), json!({})),
            (
                json!({"type": "array", "items": {"type": "string"}}),
                json!({"type": "array", "items": {"type": "string"}}),
            ),
            (
                json!({"$ref": "#/components/schemas/Since"}),
                json!({"$ref": "#/components/schemas/Since"}),
            ),
        ] {
            let mut doc = document(json!([]), schema.clone());
            doc["paths"]["/things/{id}"]["get"]["requestBody"] =
                json!({"content": {"application/json": {"schema": schema.clone()}}});
            let doc = adapted(doc);
            let operation = &doc["paths"]["/things/{id}"]["get"];
            let answer = &operation["responses"]["2XX"]["content"]["application/json"]["schema"];
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            assert_eq!(answer, &expected, "{schema}");
            assert_eq!(body, &expected, "{schema}");
        }
    }

    /// Rules `MOCK_DOCUMENTED_SUCCESS_BY_NAME` and `MOCK_ERROR_AS_ATLAS_SENDS_IT`.
    #[test]
    fn documented_statuses_come_back_and_errors_take_the_real_body() {
        let mut doc = document(json!([]), json!({"$ref": "#/components/schemas/Thing"}));
        let operation = &mut doc["paths"]["/things/{id}"]["get"];
        operation[super::DOCUMENTED_SUCCESS] = json!([201]);
        operation["responses"]["404"] = json!({"description": "gone", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}});
        let doc = adapted(doc);
        let responses = &doc["paths"]["/things/{id}"]["get"]["responses"];
        // The documented 201 beside the 2XX, with the same answer.
        assert_eq!(responses["201"], responses["2XX"]);
        assert_eq!(
            responses["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Thing"
        );
        // The error takes the mock's own body, which is in the document.
        assert_eq!(
            responses["404"]["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{}", super::ERROR_SCHEMA)
        );
        assert_eq!(responses["404"]["description"], "gone");
        assert!(doc["components"]["schemas"][super::ERROR_SCHEMA].is_object());
    }
}
