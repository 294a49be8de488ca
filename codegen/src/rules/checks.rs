//! Rule `CHECKED_STRING_TYPES_KEPT`, on the document as JSON, before every
//! other rule: a string whose committed cut made a checked newtype keeps
//! its type when a spec update drops the check.

use std::collections::BTreeSet;

use serde_json::Value;

use super::patterns::{accepts_every_string, escapes_twice, needs_unicode_semantics};

/// The key, at the top of the cut, of the strings whose checked newtype is
/// kept: a list of JSON pointers into the cut, written by `cargo xtask
/// spec`.
pub const KEPT_CHECKED_KEY: &str = "x-kept-checked";

/// The string formats typify reads as a type of their own (chrono, uuid,
/// std::net), whatever the checks beside them.
const TYPED_FORMATS: &[&str] = &["uuid", "date", "date-time", "ip", "ipv4", "ipv6"];

/// A string schema whose value typify would hold in a type of its own
/// checks (not an enum, not a typed format).
fn is_plain_string(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("enum").is_none()
        && schema
            .get("format")
            .and_then(Value::as_str)
            .is_none_or(|format| !TYPED_FORMATS.contains(&format))
}

/// Whether the generated code holds this string schema's value in a
/// checked newtype: a length bound, or a pattern that the pattern rules
/// keep (`PATTERN_ACCEPTING_EVERY_STRING_UNCHECKED`,
/// `UNICODE_PATTERN_UNCHECKED`, `PATTERN_ESCAPED_TWICE_UNCHECKED` drop the
/// others).
pub fn makes_checked_type(schema: &Value) -> bool {
    is_plain_string(schema)
        && (schema.get("minLength").is_some()
            || schema.get("maxLength").is_some()
            || schema
                .get("pattern")
                .and_then(Value::as_str)
                .is_some_and(|pattern| {
                    !accepts_every_string(pattern)
                        && !needs_unicode_semantics(pattern)
                        && !escapes_twice(pattern)
                }))
}

/// Every string schema of `document` that makes a checked newtype, as a
/// JSON pointer (its components, parameters, bodies, items and members).
pub fn checked_strings(document: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    walk(document, &mut String::new(), &mut |at, schema| {
        if makes_checked_type(schema) {
            found.insert(at.to_owned());
        }
    });
    found
}

fn walk(value: &Value, at: &mut String, visit: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            visit(at, value);
            for (key, inner) in map {
                // Examples and defaults are values, not schemas.
                if matches!(key.as_str(), "example" | "examples" | "default" | "enum") {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                walk(inner, at, visit);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{index}"));
                walk(item, at, visit);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The strings to keep checked types for in a new cut of `official`
/// (rule `CHECKED_STRING_TYPES_KEPT`): each one the committed cut made a
/// checked newtype (itself, or through its own `x-kept-checked`) that
/// `official` still has as a plain string, now without any check.
pub fn kept_checked(committed: &Value, official: &Value) -> BTreeSet<String> {
    let mut was = checked_strings(committed);
    was.extend(
        committed
            .get(KEPT_CHECKED_KEY)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned),
    );
    was.into_iter()
        .filter(|at| {
            official
                .pointer(at)
                .is_some_and(|now| is_plain_string(now) && !makes_checked_type(now))
        })
        .collect()
}

/// Rule `CHECKED_STRING_TYPES_KEPT`: a string that an earlier cut held in a
/// checked newtype (a pattern or a length bound), which the spec now leaves
/// unchecked, keeps its newtype: typify would make it a `String`, and
/// every user's code (and the CLI's) that names the type or builds it from
/// one would stop compiling, where the API did not break. The newtype
/// checks nothing then (`minLength: 0`): the client never enforces a check
/// that Atlas dropped. `cargo xtask spec` lists such strings under
/// [`KEPT_CHECKED_KEY`] and says so in its report; `cargo xtask spec
/// --unpin-checked` takes the spec as it is. A string the spec checks again
/// leaves the list.
///
/// The other way, a plain `String` that a spec update starts to check
/// becomes the checked newtype, a one-time change the report names with its
/// cause: keeping it a `String` would send values the spec says Atlas
/// refuses, or need a second check beside the generated one.
pub fn checked_string_types_kept(document: &mut Value) {
    let Some(Value::Array(kept)) = document.get(KEPT_CHECKED_KEY).cloned() else {
        return;
    };
    for at in kept.iter().filter_map(Value::as_str) {
        let Some(schema) = document.pointer_mut(at) else {
            continue;
        };
        if !is_plain_string(schema) || makes_checked_type(schema) {
            continue;
        }
        let Value::Object(schema) = schema else {
            continue;
        };
        schema.insert("minLength".into(), 0.into());
        let note = "An earlier revision of the spec checked this value and this one does not: \
                    its type is kept (rule CHECKED_STRING_TYPES_KEPT) and checks nothing.";
        let description = schema
            .entry("description")
            .or_insert_with(|| Value::String(String::new()));
        if let Value::String(text) = description {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_string_that_loses_its_check_keeps_a_newtype_that_checks_nothing() {
        let committed = json!({
            "components": {"schemas": {"Body": {"properties": {
                "host": {"type": "string", "minLength": 1},
                "id": {"type": "string", "pattern": "^([a-f0-9]{24})$"},
                // Its last alternative matches the empty string at the end of any
                // text: the pattern rules drop it, so it makes no newtype.
                "any": {"type": "string", "pattern": "^[0-9]+|([a-z]+)?$"},
                "when": {"type": "string", "format": "date-time", "maxLength": 40},
                "kind": {"type": "string", "enum": ["A"], "minLength": 1},
            }}}}
        });
        assert_eq!(
            checked_strings(&committed),
            [
                "/components/schemas/Body/properties/host",
                "/components/schemas/Body/properties/id",
            ]
            .map(str::to_owned)
            .into()
        );
        let mut official = json!({
            "components": {"schemas": {"Body": {"properties": {
                "host": {"type": "string"},
                "id": {"type": "string", "pattern": "^([a-f0-9]{24})$"},
                "any": {"type": "string"},
            }}}}
        });
        let kept = kept_checked(&committed, &official);
        assert_eq!(
            kept,
            ["/components/schemas/Body/properties/host".to_owned()].into()
        );
        official[KEPT_CHECKED_KEY] = json!(kept);
        checked_string_types_kept(&mut official);
        let host = &official["components"]["schemas"]["Body"]["properties"]["host"];
        assert_eq!(host["minLength"], 0);
        assert!(makes_checked_type(host));
        assert!(
            host["description"]
                .as_str()
                .unwrap()
                .contains("CHECKED_STRING_TYPES_KEPT")
        );
        // Kept through the next update too (the committed cut lists it),
        // until the spec checks it again.
        let mut again = official.clone();
        again["components"]["schemas"]["Body"]["properties"]["host"] = json!({"type": "string"});
        again[KEPT_CHECKED_KEY] = json!(["/components/schemas/Body/properties/host"]);
        let committed_with_list = again.clone();
        assert_eq!(
            kept_checked(&committed_with_list, &again),
            ["/components/schemas/Body/properties/host".to_owned()].into()
        );
    }
}
