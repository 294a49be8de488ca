//! The one place that decides a request's headers (the `pre` hook): the
//! API version it asks for and, with a body, the version the body is in.
//!
//! Atlas reads the version of the answer from `Accept` and the version of a
//! body from `Content-Type`, both `application/vnd.atlas.<date>+json`. Each
//! operation is generated for one version (`OPERATION_MEDIA_TYPES`); the
//! generated request sends `application/json` and an `api-version` header
//! that Atlas ignores, and both are replaced here.

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};

use crate::OPERATION_MEDIA_TYPES;
use crate::client::runtime::ClientRuntime;
use crate::client::versioning::ApiVersion;
use crate::response::legacy;

static API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// The versioned media type an operation is generated for.
pub(crate) fn media_type(operation_id: &str) -> Option<&'static str> {
    OPERATION_MEDIA_TYPES
        .binary_search_by(|(operation, _)| operation.cmp(&operation_id))
        .ok()
        .map(|index| OPERATION_MEDIA_TYPES[index].1)
}

impl ClientRuntime {
    pub(crate) fn set_headers(&self, request: &mut reqwest::Request, operation_id: &str) {
        let has_body = request.body().is_some();
        if self.shared.legacy_v1 {
            // v1.0 is unversioned plain JSON.
            legacy::rewrite_path(request.url_mut());
            let headers = request.headers_mut();
            headers.remove(&API_VERSION);
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            return;
        }
        let generated = media_type(operation_id).map_or_else(
            || ApiVersion::spec().accept_header(),
            HeaderValue::from_static,
        );
        let headers = request.headers_mut();
        headers.remove(&API_VERSION);
        // The body is the generated version's schema, whatever `Accept` asks.
        if has_body {
            headers.insert(CONTENT_TYPE, generated.clone());
        }
        let accept = self.accept_override.clone().unwrap_or(generated);
        headers.insert(ACCEPT, accept);
    }
}

#[cfg(test)]
mod tests {
    use super::media_type;
    use crate::OPERATION_MEDIA_TYPES;

    #[test]
    fn the_table_is_sorted_for_the_lookup() {
        assert!(OPERATION_MEDIA_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        for (operation, media) in OPERATION_MEDIA_TYPES {
            assert_eq!(media_type(operation), Some(*media));
        }
        assert_eq!(media_type("no_such_operation"), None);
    }
}
