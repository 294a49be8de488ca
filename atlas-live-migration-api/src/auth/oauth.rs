//! Service-account OAuth 2.0 (client credentials) with a shared token cache.
//!
//! The token endpoint is itself rate limited, so no path fetches per call:
//! the token is cached and renewed ahead of expiry, and however many calls
//! need a new one at once, one request is made (single flight: the refresh
//! lock is held across the fetch and the cache is checked again under it).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::response::failure::{Endpoint, Failure, ReadResponse};

/// Renew when less than this share of the lifetime, capped, is left.
const RENEW_FRACTION: u32 = 10;
const RENEW_MARGIN_CAP: Duration = Duration::from_secs(300);

pub(crate) struct TokenSource {
    client_id: String,
    client_secret: SecretString,
    token_url: Url,
    cached: Mutex<Option<Token>>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Token {
    /// `Bearer <token>`, marked sensitive so `Debug` of a request hides it.
    header: HeaderValue,
    renew_at: Instant,
}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Why no token could be had: the endpoint's answer, read for the error,
/// or a transport error.
pub(crate) enum TokenFailure {
    Refused(Box<Failure>),
    Transport(reqwest::Error),
}

impl From<reqwest::Error> for TokenFailure {
    fn from(error: reqwest::Error) -> Self {
        TokenFailure::Transport(error)
    }
}

/// The token endpoint with what the call it serves is sent with: the
/// `reqwest::Client` and the per-attempt limit the client set for requests
/// (`None` when the `reqwest::Client` holds it).
#[derive(Clone, Copy)]
pub(crate) struct Via<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) timeout: Option<Duration>,
}

impl TokenSource {
    pub(crate) fn new(client_id: String, client_secret: SecretString, token_url: Url) -> Self {
        Self {
            client_id,
            client_secret,
            token_url,
            cached: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A valid `Authorization` value, from the cache when it is fresh.
    pub(crate) async fn bearer(&self, via: Via<'_>) -> Result<HeaderValue, TokenFailure> {
        if let Some(header) = self.fresh() {
            return Ok(header);
        }
        // Boxed: the rare fetch would otherwise size every call's future.
        Box::pin(self.refresh(via, None)).await
    }

    /// After the API rejected `rejected`: a new token, unless another call
    /// has already replaced it.
    pub(crate) async fn renew(
        &self,
        via: Via<'_>,
        rejected: &HeaderValue,
    ) -> Result<HeaderValue, TokenFailure> {
        Box::pin(self.refresh(via, Some(rejected))).await
    }

    fn fresh(&self) -> Option<HeaderValue> {
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|token| Instant::now() < token.renew_at)
            .map(|token| token.header.clone())
    }

    async fn refresh(
        &self,
        via: Via<'_>,
        rejected: Option<&HeaderValue>,
    ) -> Result<HeaderValue, TokenFailure> {
        let _single_flight = self.refresh.lock().await;
        // Another call may have refreshed while this one waited.
        if let Some(header) = self.fresh()
            && Some(&header) != rejected
        {
            return Ok(header);
        }
        let token = self.fetch(via).await?;
        let header = token.header.clone();
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
        Ok(header)
    }

    async fn fetch(&self, via: Via<'_>) -> Result<Token, TokenFailure> {
        let requested = Instant::now();
        let mut request = via.http.post(self.token_url.clone());
        if let Some(timeout) = via.timeout {
            request = request.timeout(timeout);
        }
        let response = request
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body("grant_type=client_credentials")
            .send()
            .await?;
        let read = ReadResponse::read(response).await?;
        let refused = |read| TokenFailure::Refused(Box::new(Failure::new(read, Endpoint::Token)));
        if read.status != StatusCode::OK {
            return Err(refused(read));
        }
        let Ok(answer) = serde_json::from_slice::<TokenResponse>(&read.body) else {
            return Err(refused(read));
        };
        let bearer = answer
            .token_type
            .as_deref()
            .is_none_or(|kind| kind.eq_ignore_ascii_case("bearer"));
        let header =
            HeaderValue::from_str(&format!("Bearer {}", answer.access_token.expose_secret()));
        let (true, Ok(mut header)) = (bearer, header) else {
            return Err(refused(read));
        };
        header.set_sensitive(true);
        // Atlas issues one-hour tokens; assume that when it does not say.
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        let margin = (lifetime / RENEW_FRACTION).min(RENEW_MARGIN_CAP);
        Ok(Token {
            header,
            renew_at: requested + lifetime - margin,
        })
    }
}
