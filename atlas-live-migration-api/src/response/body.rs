//! Response bodies the runtime must read itself (errors, envelopes, token
//! answers), and the record of them that travels with the response as an
//! extension, so the error conversion knows what Atlas said and what was sent.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{ResponseBuilderExt, StatusCode, Url};

/// Bodies are read up to this size; the rest is dropped. Atlas error bodies
/// are a few hundred bytes; this bounds what a broken proxy can make us hold.
pub(crate) const MAX_BUFFERED_BODY: usize = 1 << 20;

/// Who produced a response the runtime read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The Atlas API, at the requested URL.
    Api,
    /// The OAuth token endpoint, while authenticating the call.
    TokenEndpoint,
    /// The API, but `envelope=true` was asked and the body was no envelope.
    MalformedEnvelope,
    /// The API, with a body larger than [`MAX_BUFFERED_BODY`] (not read).
    OversizedBody,
}

/// A response whose body has been read (at most [`MAX_BUFFERED_BODY`]).
#[derive(Clone, Debug)]
pub(crate) struct BufferedResponse {
    pub(crate) origin: Origin,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) body: Bytes,
    pub(crate) truncated: bool,
    /// The `Accept` the request carried: the API version it asked for.
    pub(crate) accept_sent: Option<HeaderValue>,
    pub(crate) attempts: u32,
}

impl BufferedResponse {
    pub(crate) async fn read(
        mut response: reqwest::Response,
        origin: Origin,
    ) -> reqwest::Result<Self> {
        let mut read = Self::head(&response, origin);
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await? {
            let room = MAX_BUFFERED_BODY - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                read.truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        read.body = body.freeze();
        Ok(read)
    }

    /// The status, headers and URL, with no body (yet).
    pub(crate) fn head(response: &reqwest::Response, origin: Origin) -> Self {
        Self {
            origin,
            status: response.status(),
            headers: response.headers().clone(),
            url: response.url().clone(),
            body: Bytes::new(),
            truncated: false,
            accept_sent: None,
            attempts: 1,
        }
    }

    pub(crate) fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }

    /// The start of the body as text, for error messages.
    pub(crate) fn snippet(&self) -> String {
        let mut text = snippet(&self.body);
        if self.truncated {
            text.push_str(" [body over 1 MiB, not read further]");
        }
        text
    }

    /// A response with this status, headers and body, carrying this record.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let record = Arc::new(self);
        let mut builder = http::Response::builder()
            .status(record.status)
            .url(record.url.clone())
            .extension(ResponseRecord(Arc::clone(&record)));
        if let Some(headers) = builder.headers_mut() {
            *headers = record.headers.clone();
        }
        let response = builder
            .body(record.body.clone())
            .expect("status and headers come from a valid response");
        reqwest::Response::from(response)
    }
}

/// The extension [`BufferedResponse::into_response`] attaches.
#[derive(Clone, Debug)]
pub(crate) struct ResponseRecord(pub(crate) Arc<BufferedResponse>);

impl ResponseRecord {
    pub(crate) fn of(response: &reqwest::Response) -> Option<&Arc<BufferedResponse>> {
        response.extensions().get::<Self>().map(|record| &record.0)
    }
}

const SNIPPET_CHARS: usize = 200;

/// The first characters of a body, lossily decoded and on one line.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_CHARS * 4)]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SNIPPET_CHARS)
        .collect();
    if text.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out
}
