//! Answers the runtime reads itself before the generated code decodes them:
//! failures (read once, for the error), `envelope=true`, the legacy v1.0 shape,
//! `null` members, a text answer labelled JSON.

pub(crate) mod atlas_error;
pub(crate) mod envelope;
pub(crate) mod failure;
pub(crate) mod legacy;
pub(crate) mod nulls;
pub(crate) mod text;

/// A JSON success's body as the generated decode of `operation_id` reads
/// it: the JSON string of a text that is no JSON where the success is a bare
/// string (`TEXT_SUCCESS_AS_TEXT`), else without its `null` members
/// (`NULL_AS_ABSENT`). Every JSON success passes here once, and so do the
/// whole-spec tolerance test's values (re-exported hidden as
/// `__success_body` for it).
pub fn success_body(operation_id: &str, body: bytes::Bytes) -> bytes::Bytes {
    if text::is_text_success(operation_id) {
        text::as_json_text(body)
    } else {
        nulls::without_null_members(body)
    }
}
