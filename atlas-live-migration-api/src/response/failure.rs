//! A failed answer, read once.
//!
//! The runtime reads some answers itself before the generated code decodes:
//! - an error status from the API;
//! - a success it could not make sense of (a malformed envelope, an oversized body);
//! - a refusal from the token endpoint.
//!
//! Each becomes a [`Failure`] here. The body is read (bounded), and the Atlas
//! error in it and `Retry-After` are parsed, each once. The retry loop
//! decides on it, the send loop adds the attempts and the API version, and
//! error.rs builds the caller's `Error` from it. Nothing reads the body again.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{ResponseBuilderExt, StatusCode, Url};

use crate::model::Service;
use crate::response::atlas_error::AtlasError;

/// Bodies are read up to this size; the rest is dropped. Atlas error bodies
/// are a few hundred bytes; this bounds what a broken proxy can make us hold.
pub(crate) const MAX_BODY: usize = 1 << 20;

/// A response whose body has been read, at most [`MAX_BODY`] of it.
pub(crate) struct ReadResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) body: Bytes,
    /// The body was longer than [`MAX_BODY`]; `body` holds its start, or
    /// nothing when its announced length alone was too long.
    pub(crate) truncated: bool,
}

impl ReadResponse {
    pub(crate) async fn read(mut response: reqwest::Response) -> reqwest::Result<Self> {
        // Refused unread rather than held in memory.
        let too_long = response
            .content_length()
            .is_some_and(|length| length > MAX_BODY as u64);
        let mut read = Self {
            status: response.status(),
            headers: std::mem::take(response.headers_mut()),
            url: response.url().clone(),
            body: Bytes::new(),
            truncated: too_long,
        };
        if too_long {
            return Ok(read);
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await? {
            let room = MAX_BODY - body.len();
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

    /// A success read whole, whatever its size (it is the operation's to
    /// decode; only bodies the runtime keeps are capped).
    pub(crate) async fn read_whole(mut response: reqwest::Response) -> reqwest::Result<Self> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let url = response.url().clone();
        let body = response.bytes().await?;
        Ok(Self {
            status,
            headers,
            url,
            body,
            truncated: false,
        })
    }

    /// A response with this status, headers and body (a success brought to
    /// the shape the generated code decodes).
    pub(crate) fn into_response(self) -> reqwest::Response {
        rebuild(self.status, &self.headers, self.url, self.body, None)
    }
}

/// Who answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// The Atlas API, at the requested URL.
    Api,
    /// The OAuth token endpoint, while authenticating the call (which was
    /// therefore not sent).
    Token,
}

/// What the body of a failed answer turned out to be.
#[derive(Clone, Debug)]
pub(crate) enum Content {
    /// One of Atlas's JSON errors, read by the runtime's own model.
    AtlasError(Box<AtlasError>),
    /// Something else: an HTML page from a proxy, a token endpoint's answer,
    /// a success body that is not the JSON the API documents.
    Unrecognized,
    /// `envelope=true` was asked, and the body is no envelope.
    MalformedEnvelope,
    /// Longer than [`MAX_BODY`].
    TooLarge,
}

/// A failed answer, with everything the error needs.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub(crate) endpoint: Endpoint,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) body: Bytes,
    pub(crate) content: Content,
    pub(crate) retry_after: Option<Duration>,
    /// The API version the call was sent with (or, after a token failure,
    /// would have been); set by the send loop, which knows the operation.
    pub(crate) api_version: String,
    /// Attempts made, retries included; set by the send loop.
    pub(crate) attempts: u32,
    /// Who answered; set by the send loop, which knows the client.
    pub(crate) service: Service,
}

impl Failure {
    /// An answer read from `endpoint`: an API error status or a body over
    /// the cap, or a token refusal. An API body is parsed as an Atlas error.
    pub(crate) fn new(read: ReadResponse, endpoint: Endpoint) -> Self {
        let content = if read.truncated {
            Content::TooLarge
        } else if endpoint == Endpoint::Api {
            AtlasError::read(&read.body, &read.headers).map_or(Content::Unrecognized, |error| {
                Content::AtlasError(Box::new(error))
            })
        } else {
            Content::Unrecognized
        };
        Self::with_content(read, endpoint, content)
    }

    /// A success whose body is not the envelope that was asked for.
    pub(crate) fn malformed_envelope(read: ReadResponse) -> Self {
        Self::with_content(read, Endpoint::Api, Content::MalformedEnvelope)
    }

    fn with_content(read: ReadResponse, endpoint: Endpoint, content: Content) -> Self {
        Self {
            endpoint,
            status: read.status,
            retry_after: retry_after(&read.headers),
            headers: read.headers,
            url: read.url,
            body: read.body,
            content,
            api_version: String::new(),
            attempts: 1,
            service: Service::Atlas,
        }
    }

    /// The response the caller gets from the generated `send()`
    /// (`UnexpectedResponse`): the status, headers and body as read, with
    /// this failure attached for the conversion into the crate's `Error`.
    pub(crate) fn into_response(self: Arc<Self>) -> reqwest::Response {
        let (status, url, body) = (self.status, self.url.clone(), self.body.clone());
        let headers = self.headers.clone();
        rebuild(status, &headers, url, body, Some(Attached(self)))
    }

    /// The failure a response carries, if the runtime made it from one.
    pub(crate) fn of(response: &reqwest::Response) -> Option<&Arc<Failure>> {
        response.extensions().get::<Attached>().map(|a| &a.0)
    }

    /// Takes the failure out of a response the caller got.
    pub(crate) fn take(response: &mut reqwest::Response) -> Option<Failure> {
        let attached = response.extensions_mut().remove::<Attached>()?;
        Some(Arc::unwrap_or_clone(attached.0))
    }

    /// The start of the body as text, for error messages.
    pub(crate) fn snippet(&self) -> String {
        snippet(&self.body)
    }
}

/// The extension [`Failure::into_response`] attaches.
#[derive(Clone)]
struct Attached(Arc<Failure>);

fn rebuild(
    status: StatusCode,
    headers: &HeaderMap,
    url: Url,
    body: Bytes,
    failure: Option<Attached>,
) -> reqwest::Response {
    let mut builder = http::Response::builder().status(status).url(url);
    if let Some(failure) = failure {
        builder = builder.extension(failure);
    }
    if let Some(map) = builder.headers_mut() {
        *map = headers.clone();
    }
    let response = builder
        .body(body)
        .expect("status and headers come from a valid response");
    reqwest::Response::from(response)
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

/// `Retry-After` as a duration: delay-seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}
