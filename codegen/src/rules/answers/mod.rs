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

use std::collections::BTreeMap;

use serde_json::Value;

pub mod direction;
mod loosen;
mod reach;
pub mod variant_tags;

use direction::split_by_direction;
use loosen::{loosen, loosen_read_only};
pub use loosen::{nullable_in_requests_as_plain, nullable_schema_as_plain_type};
use reach::{answer_schemas, closure, component_schemas, request_roots, variants};
use variant_tags::close_variant_tags;

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
        let directions = super::direction::directions(&document());
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
        let tag = |values: serde_json::Value| json!({"type": "string", "enum": values, super::variant_tags::VARIANT_TAG: true});
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
