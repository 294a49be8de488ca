//! Rule `TEXT_SUCCESS_AS_TEXT`, in the runtime: an operation whose success
//! is a bare string (listed in `TEXT_SUCCESS_OPERATIONS` by the generator)
//! is decoded by the generated code as a JSON string, and Atlas sends the
//! text itself (a PEM certificate, an XML document) under a JSON
//! `Content-Type`. Such a body, when it is no JSON, is handed on as the JSON
//! string of its text, so the caller gets the text as it came.

use bytes::Bytes;

use crate::TEXT_SUCCESS_OPERATIONS;

/// Whether the operation's success is a bare string.
pub(crate) fn is_text_success(operation_id: &str) -> bool {
    TEXT_SUCCESS_OPERATIONS.binary_search(&operation_id).is_ok()
}

/// The body as a JSON string of its text, when it is no JSON and is UTF-8;
/// otherwise as it is (a JSON string decodes as it is; bytes that are no
/// text cannot be a `String`, and the generated decode then says so).
pub(crate) fn as_json_text(body: Bytes) -> Bytes {
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        return body;
    }
    match std::str::from_utf8(&body) {
        Ok(text) => serde_json::to_vec(text).map_or(body, Bytes::from),
        Err(_) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::as_json_text;
    use bytes::Bytes;

    #[test]
    fn text_becomes_its_json_string_and_json_stays() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\"x\"\n-----END CERTIFICATE-----\n";
        let read: String =
            serde_json::from_slice(&as_json_text(Bytes::from(pem.to_owned()))).unwrap();
        assert_eq!(read, pem);
        let quoted = Bytes::from_static(br#""already a JSON string""#);
        assert_eq!(as_json_text(quoted.clone()), quoted);
        let not_text = Bytes::from_static(&[0xff, 0xfe, 0x00]);
        assert_eq!(as_json_text(not_text.clone()), not_text);
    }
}
