//! Rule `NULL_AS_ABSENT`, in the runtime: Atlas sends `null` for properties
//! its spec does not mark nullable, arrays included, where the generated
//! types (an empty `Vec` by default, a field that may be left out) cannot
//! read a `null`. A JSON success's object members that are `null` are taken
//! out before the generated code decodes it, so `null` reads as absent
//! wherever the Rust type can say absent (`Option` says `None` for both).
//! `null` items of arrays stay: an array's positions are its data.
//!
//! Only bodies that contain `null` at all are parsed and written again.

use bytes::Bytes;
use serde_json::Value;

/// The body without its `null` members, or as it is when it has none (or
/// is no JSON: the generated decode then says so).
pub(crate) fn without_null_members(body: Bytes) -> Bytes {
    if !body.windows(4).any(|w| w == b"null") {
        return body;
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    if !strip(&mut value) {
        return body;
    }
    serde_json::to_vec(&value).map_or(body, Bytes::from)
}

/// Removes `null` members everywhere below `value`; whether any was.
fn strip(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|_, member| !member.is_null());
            let mut changed = map.len() != before;
            for member in map.values_mut() {
                changed |= strip(member);
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| strip(item) | changed),
        _ => false,
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, or an Atlas
/// `application/vnd.atlas.<date>+json`), read as its media type: without
/// parameters such as `;charset=utf-8`.
pub(crate) fn is_json(content_type: Option<&str>) -> bool {
    let Some(media) = content_type.and_then(|c| c.split(';').next()) else {
        return false;
    };
    let media = media.trim();
    media.eq_ignore_ascii_case("application/json") || media.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::{is_json, without_null_members};
    use bytes::Bytes;

    #[test]
    fn null_members_go_and_everything_else_stays() {
        let body =
            Bytes::from_static(br#"{"a":null,"b":[1,null,{"c":null,"d":"null"}],"e":{"f":null}}"#);
        let read: serde_json::Value = serde_json::from_slice(&without_null_members(body)).unwrap();
        assert_eq!(
            read,
            serde_json::json!({"b": [1, null, {"d": "null"}], "e": {}})
        );
        let plain = Bytes::from_static(br#"{"a":"nullable"}"#);
        assert_eq!(without_null_members(plain.clone()), plain);
        let not_json = Bytes::from_static(b"null and more");
        assert_eq!(without_null_members(not_json.clone()), not_json);
    }

    #[test]
    fn a_content_type_is_read_as_its_media_type() {
        assert!(is_json(Some(
            "application/vnd.atlas.2023-01-01+json;charset=utf-8"
        )));
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(!is_json(Some("application/vnd.atlas.2023-02-01+gzip")));
        assert!(!is_json(Some("text/html;charset=utf-8")));
        assert!(!is_json(None));
    }
}
