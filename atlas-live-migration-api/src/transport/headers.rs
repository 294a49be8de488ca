//! The one place that decides a request's headers (`exec`, before the first
//! attempt): the
//! API version it asks for and, with a body, the version the body is in.
//!
//! Atlas reads the version of the answer from `Accept` and the version of a
//! body from `Content-Type`, both `application/vnd.atlas.<date>+json`. Each
//! operation is generated for one version (`OPERATION_MEDIA_TYPES`); the
//! generated request sends `application/json` and an `api-version` header
//! that Atlas ignores, and both are replaced here.

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};

use crate::OPERATION_MEDIA_TYPES;
use crate::model::versioning::{ApiVersion, PinnedVersion};
use crate::transport::runtime::{ClientRuntime, Surface};

static API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// The versioned media type an operation is generated for.
pub(crate) fn media_type(operation_id: &str) -> Option<&'static str> {
    OPERATION_MEDIA_TYPES
        .binary_search_by(|(operation, _)| operation.cmp(&operation_id))
        .ok()
        .map(|index| OPERATION_MEDIA_TYPES[index].1)
}

/// The version a request asks for, decided once per operation here: the
/// `Accept` sent and the version an error names both come from it.
pub(crate) enum Requested<'a> {
    /// The legacy v1.0 surface, unversioned.
    Legacy,
    /// Cloud Manager's Public API v1.0, unversioned plain JSON.
    CloudManager,
    /// The version pinned with `ClientBuilder::api_version`.
    Pinned(&'a PinnedVersion),
    /// The version the operation is generated for.
    Generated(&'static str),
    /// The spec's newest version, for an operation missing from the table
    /// (every generated operation is in it).
    Spec,
}

impl Requested<'_> {
    /// The version as an error names it: a date, `preview`, or `1.0`.
    pub(crate) fn label(&self) -> String {
        match self {
            Requested::Legacy => "1.0 (the legacy surface)".to_owned(),
            Requested::CloudManager => "1.0 (Cloud Manager's Public API)".to_owned(),
            Requested::Pinned(pinned) => pinned.version.to_string(),
            Requested::Generated(media) => media
                .strip_prefix("application/vnd.atlas.")
                .and_then(|rest| rest.split('+').next())
                .unwrap_or(media)
                .to_owned(),
            Requested::Spec => crate::SPEC_API_VERSION.to_owned(),
        }
    }
}

impl ClientRuntime {
    /// The decision, given the operation's generated media type.
    fn requested(&self, generated: Option<&'static str>) -> Requested<'_> {
        match self.shared.surface {
            Surface::AtlasLegacyV1 => return Requested::Legacy,
            Surface::CloudManager => return Requested::CloudManager,
            Surface::Atlas => {}
        }
        if let Some(pinned) = &self.pinned {
            return Requested::Pinned(pinned);
        }
        generated.map_or(Requested::Spec, Requested::Generated)
    }

    /// Decides the version `operation_id` asks for and sets the request's
    /// headers (and, for the legacy surface, its path) to it; the decision
    /// is returned for what else names the version.
    pub(crate) fn set_headers(
        &self,
        request: &mut reqwest::Request,
        operation_id: &str,
    ) -> Requested<'_> {
        let has_body = request.body().is_some();
        let generated = media_type(operation_id);
        let requested = self.requested(generated);
        let headers = request.headers_mut();
        headers.remove(&API_VERSION);
        let accept = match &requested {
            Requested::CloudManager => {
                // Plain JSON both ways, as generated; the path as it is.
                headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
                return requested;
            }
            Requested::Legacy => {
                // v1.0 is unversioned plain JSON.
                headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
                legacy_path(request.url_mut());
                return requested;
            }
            Requested::Pinned(pinned) => pinned.accept.clone(),
            Requested::Generated(media) => HeaderValue::from_static(media),
            Requested::Spec => ApiVersion::spec().accept_header(),
        };
        // The body is the generated version's schema, whatever `Accept` asks.
        if has_body {
            let body_type = generated.map_or_else(
                || ApiVersion::spec().accept_header(),
                HeaderValue::from_static,
            );
            headers.insert(CONTENT_TYPE, body_type);
        }
        headers.insert(ACCEPT, accept);
        requested
    }
}

/// Rewrites a v2 request path to the legacy v1.0 surface's.
fn legacy_path(url: &mut reqwest::Url) {
    if let Some(rest) = url.path().strip_prefix("/api/atlas/v2/") {
        let path = format!("/api/atlas/v1.0/{rest}");
        url.set_path(&path);
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
