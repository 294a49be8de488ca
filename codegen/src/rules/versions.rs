//! Rules on operations, versions and statuses: the kept list's names, one
//! API version per operation, the success and error answers progenitor can
//! take, and the answers that are text.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use openapiv3::{OpenAPI, Operation, ReferenceOr, Schema, SchemaKind, Type};

use super::mock;
use crate::openapi::{each_operation, is_success, json_success_schemas};
use crate::paths::SPEC_PATH;

/// Rule `KEPT_OPERATION_NAMES`. Applies the kept list (`x-kept-operations`, written by `cargo xtask
/// spec`): each operation, found by method and path, is generated under its
/// pinned Rust name, whatever its official operationId is now. Returns the
/// pinned API version of each, by (path, method).
pub(crate) fn apply_kept_list(
    spec: &mut OpenAPI,
) -> Result<BTreeMap<(String, String), String>, String> {
    let mut pins = BTreeMap::new();
    let mut names = BTreeMap::new();
    let Some(list) = spec.extensions.get("x-kept-operations") else {
        return Ok(pins);
    };
    for entry in list.as_array().into_iter().flatten() {
        let text = |key: &str| entry.get(key).and_then(|v| v.as_str());
        let (Some(operation), Some(rust_name)) = (text("operation"), text("rust-name")) else {
            return Err(format!(
                "{SPEC_PATH}: each x-kept-operations entry needs `operation: METHOD /path` and \
                 `rust-name`; run `cargo xtask spec --from OFFICIAL_SPEC` to bring an older \
                 kept list up to date"
            ));
        };
        let Some((method, path)) = operation.split_once(' ') else {
            return Err(format!(
                "{SPEC_PATH}: x-kept-operations names {operation:?}, not `METHOD /path`"
            ));
        };
        let key = (path.to_owned(), method.to_ascii_uppercase());
        if let Some(version) = text("version") {
            if atlas_version_date(&format!("application/vnd.atlas.{version}+json")).is_none() {
                return Err(format!(
                    "{SPEC_PATH}: x-kept-operations pins {rust_name} to {version:?}, which is \
                     not a YYYY-MM-DD date"
                ));
            }
            pins.insert(key.clone(), version.to_owned());
        }
        names.insert(key, rust_name.to_owned());
    }
    each_operation(spec, |path, method, _, operation| {
        if let Some(name) = names.remove(&(path.to_owned(), method.to_owned())) {
            operation.operation_id = Some(name);
        }
        Ok(())
    })?;
    if let Some(((path, method), name)) = names.into_iter().next() {
        return Err(format!(
            "{SPEC_PATH}: x-kept-operations keeps {name} ({method} {path}), which the \
             document does not have; cut it again with `cargo xtask spec`"
        ));
    }
    Ok(pins)
}

/// Rule `NO_CONTENT_STATUS_AS_NO_BODY`: a `204`, `205` or `304` answer
/// whose media type names a schema (the 2023-2025 specs give
/// `deleteLinkToken`'s 204 the empty object `NoBody`) is read without a
/// body: HTTP gives those statuses none, and the real Atlas sends none, so
/// a client that decodes one fails on every success. The media type stays
/// (its version is the operation's), without its schema:
/// `NO_SCHEMA_AS_NO_CONTENT` then makes it an answer without content.
pub(crate) fn no_content_status_as_no_body(spec: &mut OpenAPI) -> Result<(), String> {
    each_operation(spec, |_, _, _, operation| {
        for (status, response) in operation.responses.responses.iter_mut() {
            let no_body = matches!(status, openapiv3::StatusCode::Code(204 | 205 | 304));
            if let (true, ReferenceOr::Item(response)) = (no_body, response) {
                for entry in response.content.values_mut() {
                    entry.schema = None;
                }
            }
        }
        Ok(())
    })
}

/// Rules `ONE_VERSION_PER_OPERATION` and `NO_SCHEMA_AS_NO_CONTENT`, then,
/// per operation, `MIXED_SUCCESS_AS_BYTES`, `SUCCESS_AS_ANY_2XX` and
/// `ONE_ERROR_SHAPE`. Returns, per operation as `OperationInfo` names it
/// (snake case), the versioned media type it sends and accepts.
pub(crate) fn choose_versions(
    spec: &mut OpenAPI,
    pins: &BTreeMap<(String, String), String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut chosen = BTreeMap::new();
    // The shared responses, to compare error answers by their schema.
    let components = &spec.components.clone().unwrap_or_default();
    each_operation(spec, |path, method, id, operation| {
        let what = || format!("operation {id} ({method} {path})");
        let mut contents: Vec<&mut openapiv3::Content> = Vec::new();
        let mut in_body = false;
        if let Some(body) = &mut operation.request_body {
            let ReferenceOr::Item(body) = body else {
                return Err(format!(
                    "{}: a $ref'd request body is not supported",
                    what()
                ));
            };
            in_body = true;
            contents.push(&mut body.content);
        }
        for response in operation.responses.responses.values_mut() {
            // Shared `components/responses` are Atlas's plain-JSON errors.
            if let ReferenceOr::Item(response) = response {
                contents.push(&mut response.content);
            }
        }
        // Every version the operation offers, and whether any of its media
        // types is marked sunset.
        let mut versions: BTreeMap<String, bool> = BTreeMap::new();
        for content in &contents {
            for (media_type, entry) in content.iter() {
                if let Some((date, _)) = atlas_media_type(media_type) {
                    *versions.entry(date.to_owned()).or_default() |=
                        entry.extensions.contains_key("x-sunset");
                }
            }
        }
        let version = match pins.get(&(path.to_owned(), method.to_owned())) {
            Some(pin) if versions.contains_key(pin) => pin.clone(),
            Some(pin) => {
                return Err(format!(
                    "{}: x-kept-operations pins version {pin}, but it offers only {}",
                    what(),
                    versions.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            None => match versions.iter().rev().find(|(_, sunset)| !**sunset) {
                Some((date, _)) => date.clone(),
                None => match versions.keys().next_back() {
                    Some(date) => date.clone(),
                    // No dated version: plain JSON, or a preview only.
                    None => {
                        const PREVIEW: &str = "application/vnd.atlas.preview+json";
                        let mut any = false;
                        for content in contents {
                            if let Some(entry) = content.shift_remove(PREVIEW) {
                                // Without a schema, no content (NO_SCHEMA_AS_NO_CONTENT).
                                if entry.schema.is_some() {
                                    content.insert("application/json".to_owned(), entry);
                                }
                                any = true;
                            }
                        }
                        if any {
                            chosen.insert(id.to_snake_case(), PREVIEW.to_owned());
                        }
                        return Ok(());
                    }
                },
            },
        };
        // What the success answer is sent as: versioned JSON, or another
        // versioned encoding (`+gzip`, `+csv`) read as a byte stream.
        let mut accept = format!("application/vnd.atlas.{version}+json");
        for (index, content) in contents.into_iter().enumerate() {
            let is_body = in_body && index == 0;
            let offered: BTreeSet<String> = content
                .keys()
                .filter_map(|m| atlas_media_type(m).map(|(date, _)| date.to_owned()))
                .collect();
            if offered.is_empty() {
                continue;
            }
            let Some(date) = offered.iter().filter(|d| **d <= version).max().cloned() else {
                return Err(format!(
                    "{}: a media type offers only versions after {version} ({})",
                    what(),
                    offered.into_iter().collect::<Vec<_>>().join(", ")
                ));
            };
            let json = format!("application/vnd.atlas.{date}+json");
            let other = content
                .keys()
                .find(|m| atlas_media_type(m).is_some_and(|(d, _)| d == date) && **m != json)
                .cloned();
            let (media_type, entry) = match content.shift_remove(&json) {
                Some(entry) => (json, entry),
                None => {
                    let media_type = other.expect("a media type of that date is offered");
                    let entry = content.shift_remove(&media_type).expect("listed above");
                    (media_type, entry)
                }
            };
            // Every other version, and `vnd.atlas.preview+json`, goes.
            content.retain(|m, _| !m.starts_with("application/vnd.atlas."));
            if is_body && !content.is_empty() {
                return Err(format!(
                    "{}: request media types {} beside the versioned JSON are not supported",
                    what(),
                    content.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            let is_json = media_type.ends_with("+json");
            match (&entry.schema, is_body, is_json) {
                (None, true, _) => {
                    return Err(format!("{}: the request body has no schema", what()));
                }
                (_, true, false) => {
                    return Err(format!(
                        "{}: a request body in {media_type} is not supported",
                        what()
                    ));
                }
                // A response with a media type and no schema has no content.
                (None, false, _) => {}
                (Some(_), _, true) => {
                    content.clear();
                    content.insert("application/json".to_owned(), entry);
                }
                // progenitor reads any other media type as a byte stream.
                (Some(_), false, false) => {
                    content.clear();
                    content.insert(media_type.clone(), entry);
                    accept = media_type;
                }
            }
        }
        read_mixed_success_as_bytes(operation, &accept, components);
        success_as_any_2xx(operation);
        one_error_type(operation, components);
        chosen.insert(id.to_snake_case(), accept);
        Ok(())
    })?;
    Ok(chosen)
}

/// Rule `MIXED_SUCCESS_AS_BYTES`. progenitor gives an operation one success type: where the success
/// answers differ (a 200 with a body beside a 204 without, or two schemas),
/// it panics. Such an operation's success is read as bytes instead (every
/// success answer gets the versioned media type, which progenitor reads as a
/// byte stream), and the caller decodes the body it got.
pub(crate) fn read_mixed_success_as_bytes(
    operation: &mut Operation,
    media_type: &str,
    components: &openapiv3::Components,
) {
    let kinds: BTreeSet<String> = operation
        .responses
        .responses
        .iter()
        .filter(|(status, _)| is_success(status))
        .map(|(_, response)| response_kind(response, components))
        .collect();
    if kinds.len() <= 1 {
        return;
    }
    for (status, response) in operation.responses.responses.iter_mut() {
        if is_success(status)
            && let ReferenceOr::Item(response) = response
        {
            // An answer without content gets the media type too: progenitor
            // reads any media type but JSON as bytes, and an empty body is
            // no bytes.
            let entry = response
                .content
                .shift_remove("application/json")
                .unwrap_or_default();
            if response.content.is_empty() {
                response.content.insert(media_type.to_owned(), entry);
            }
        }
    }
}

/// Rule `SUCCESS_AS_ANY_2XX`. Atlas answers with other success statuses
/// than its spec documents (201 for a documented 200, 202 for 204), and a
/// success is a success: the operation's documented success answers (one
/// kind, after [`read_mixed_success_as_bytes`]) become one `2XX` answer, which
/// progenitor decodes for every status from 200 to 299. An operation whose
/// success has no content reads any 2xx as an empty success.
pub(crate) fn success_as_any_2xx(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let first = responses
        .iter()
        .filter(|(status, _)| is_success(status))
        .min_by_key(|(status, _)| match status {
            openapiv3::StatusCode::Code(code) => *code,
            openapiv3::StatusCode::Range(_) => 0,
        })
        .map(|(_, response)| response.clone());
    let Some(first) = first else { return };
    // The typed mock answers each documented status by its name too
    // (`MOCK_DOCUMENTED_SUCCESS_BY_NAME`).
    let documented: Vec<serde_json::Value> = responses
        .keys()
        .filter_map(|status| match status {
            openapiv3::StatusCode::Code(code) if (200..300).contains(code) => {
                Some(serde_json::Value::from(*code))
            }
            _ => None,
        })
        .collect();
    if !documented.is_empty() {
        operation
            .extensions
            .insert(mock::DOCUMENTED_SUCCESS.to_owned(), documented.into());
    }
    let responses = &mut operation.responses.responses;
    let others = std::mem::take(responses)
        .into_iter()
        .filter(|(status, _)| !is_success(status));
    *responses = std::iter::once((openapiv3::StatusCode::Range(2), first))
        .chain(others)
        .collect();
}

/// What progenitor makes of an answer: its JSON schema, no content, or
/// bytes (any other media type). A shared `components/responses` answer is
/// looked up.
pub(crate) fn response_kind(
    response: &ReferenceOr<openapiv3::Response>,
    components: &openapiv3::Components,
) -> String {
    let response = match response {
        ReferenceOr::Item(response) => Some(response),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/responses/")
            .and_then(|name| components.responses.get(name))
            .and_then(|r| r.as_item()),
    };
    match response {
        Some(r) => match r.content.get("application/json") {
            Some(json) => format!("{:?}", json.schema),
            None if r.content.is_empty() => "no content".to_owned(),
            None => "bytes".to_owned(),
        },
        None => "unknown".to_owned(),
    }
}

/// Rule `ONE_ERROR_SHAPE`. progenitor also gives an operation one error type, and panics where the
/// error answers differ (a 400 with a schema of its own beside the shared
/// `ApiError`). Every error answer then takes the shape most of them have:
/// Atlas's specialised error bodies extend `ApiError`, so they still decode,
/// without their extra fields.
pub(crate) fn one_error_type(operation: &mut Operation, components: &openapiv3::Components) {
    let is_error = |status: &openapiv3::StatusCode| match status {
        openapiv3::StatusCode::Code(code) => *code >= 400,
        openapiv3::StatusCode::Range(range) => *range >= 4,
    };
    let kind = |response: &ReferenceOr<openapiv3::Response>| response_kind(response, components);
    let mut counts: BTreeMap<String, (usize, ReferenceOr<openapiv3::Response>)> = BTreeMap::new();
    for (status, response) in &operation.responses.responses {
        if is_error(status) {
            counts
                .entry(kind(response))
                .or_insert_with(|| (0, response.clone()))
                .0 += 1;
        }
    }
    if counts.len() <= 1 {
        return;
    }
    let (common, (_, shape)) = counts
        .iter()
        .max_by_key(|(_, (count, _))| *count)
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("more than one kind");
    for (status, response) in operation.responses.responses.iter_mut() {
        if is_error(status) && kind(response) != common {
            *response = shape.clone();
        }
    }
}

/// Rule `TEXT_SUCCESS_AS_TEXT`. The operations (as `OperationInfo::operation_id`
/// names them) whose success answer is a bare string as JSON, a `$ref`
/// followed, in the document `ONE_VERSION_PER_OPERATION` leaves: progenitor
/// decodes it as a JSON string, and Atlas sends the text itself (a PEM
/// certificate, an XML document) with a JSON `Content-Type`. The runtime reads such a body as the text
/// (`response/text.rs`); a binary string (`format: binary`) is a download
/// and stays bytes.
pub(crate) fn text_success_operations(spec: &OpenAPI) -> BTreeSet<String> {
    let is_text = |schema: &Schema| match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => !matches!(
            string.format,
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary)
        ),
        _ => false,
    };
    let mut operations = BTreeSet::new();
    for (_, id, operation) in crate::openapi::operations(spec) {
        if json_success_schemas(operation, spec.components.as_ref()).any(is_text) {
            operations.insert(id.to_snake_case());
        }
    }
    operations
}

/// `Some(("2023-01-01", "gzip"))` for `application/vnd.atlas.2023-01-01+gzip`.
pub fn atlas_media_type(media_type: &str) -> Option<(&str, &str)> {
    let (date, suffix) = media_type
        .strip_prefix("application/vnd.atlas.")?
        .split_once('+')?;
    atlas_version_date(&format!("application/vnd.atlas.{date}+json"))?;
    Some((date, suffix))
}

/// `Some("2023-01-01")` for `application/vnd.atlas.2023-01-01+json`.
pub fn atlas_version_date(media_type: &str) -> Option<&str> {
    let date = media_type
        .strip_prefix("application/vnd.atlas.")?
        .strip_suffix("+json")?;
    let is_date = date.len() == 10
        && date.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    is_date.then_some(date)
}
