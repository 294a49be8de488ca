//! HTTP Digest (RFC 7616) with nonce reuse.
//!
//! The official Go stack sends every request unauthenticated first and
//! answers the 401: two round trips per call. Here the server's challenge is
//! kept and answered ahead of time with an increasing nonce count, so N calls
//! cost N + 1 requests; an expired nonce (`stale=true`) is answered once more
//! by the caller of [`DigestAuth::accept_challenge`]. The arithmetic is the
//! `digest_auth` crate's.

use std::sync::Mutex;

use digest_auth::{AuthContext, WwwAuthenticateHeader};
use reqwest::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};

pub(crate) struct DigestAuth {
    username: String,
    password: SecretString,
    /// The last challenge; `respond` increments its nonce count.
    challenge: Mutex<Option<WwwAuthenticateHeader>>,
}

impl DigestAuth {
    pub(crate) fn new(username: String, password: SecretString) -> Self {
        Self {
            username,
            password,
            challenge: Mutex::new(None),
        }
    }

    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// An `Authorization` header for a request, from the cached challenge;
    /// `None` before the server has sent one.
    pub(crate) fn authorization(&self, method: &Method, url: &Url) -> Option<HeaderValue> {
        let mut challenge = self.challenge.lock().unwrap_or_else(|p| p.into_inner());
        let challenge = challenge.as_mut()?;
        // The digest URI is the request target: path and query.
        let uri = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let mut context =
            AuthContext::new(self.username.as_str(), self.password.expose_secret(), uri);
        context.method = digest_auth::HttpMethod(method.as_str().into());
        let header = challenge.respond(&context).ok()?.to_header_string();
        let mut value = HeaderValue::from_str(&header).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// Keeps the `Digest` challenge of a 401 response. Returns `None` when
    /// there is none this client can answer, else whether it says `stale`.
    pub(crate) fn accept_challenge(&self, headers: &HeaderMap) -> Option<bool> {
        let parsed = headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.trim_start().starts_with("Digest"))
            .and_then(|value| digest_auth::parse(value).ok());
        let challenge = parsed?;
        let stale = challenge.stale;
        *self.challenge.lock().unwrap_or_else(|p| p.into_inner()) = Some(challenge);
        Some(stale)
    }
}
