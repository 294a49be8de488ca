//! One API call: authenticated attempts, retries, and the response brought
//! to the shape the generated code decodes (envelope unwrapped, legacy body
//! normalized, error bodies read and recorded for the error conversion).

use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use tracing::Instrument;

use crate::auth::Auth;
use crate::auth::oauth::TokenFailure;
use crate::client::runtime::ClientRuntime;
use crate::client::versioning;
use crate::response::body::{BufferedResponse, MAX_BUFFERED_BODY, Origin, ResponseRecord};
use crate::response::{envelope, legacy};
use crate::transport::resend::KeptRequest;
use crate::transport::retry;

impl ClientRuntime {
    /// Sends the request, retrying what is worth retrying (the `exec` hook).
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = self.shared.retry;
        let started = Instant::now();
        let resendable = retry::Resendable::of(request.method());
        let mut request = KeptRequest::new(request);
        let mut attempt = 1;
        loop {
            // A block, so that the outcome of a failed attempt is not kept
            // in the future's state while it sleeps.
            let delay = {
                let outcome = self
                    .attempt(http, &mut request, operation_id, attempt)
                    .await;
                let retry_after = match &outcome {
                    Ok(response) if resendable.after_status(response.status()) => {
                        retry::retry_after(response.headers())
                    }
                    Err(error) if resendable.after_error(error) => None,
                    _ => return self.observe(outcome),
                };
                let delay = policy.delay(attempt, retry_after);
                if attempt >= policy.max_attempts()
                    || started.elapsed() + delay > policy.max_elapsed()
                {
                    return self.observe(outcome);
                }
                delay
            };
            tracing::debug!(
                operation_id,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            attempt += 1;
            tokio::time::sleep(delay).await;
        }
    }

    fn observe(
        &self,
        outcome: reqwest::Result<reqwest::Response>,
    ) -> reqwest::Result<reqwest::Response> {
        if let Ok(response) = &outcome
            && let Some(notice) = versioning::deprecation_notice(response.headers())
        {
            self.note_deprecation(notice);
        }
        outcome
    }

    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: &mut KeptRequest,
        operation_id: &'static str,
        attempt: u32,
    ) -> reqwest::Result<reqwest::Response> {
        // The span is built only when a subscriber may want it: even a
        // disabled one costs on every call.
        let span = tracing::dispatcher::has_been_set()
            .then(|| {
                tracing::info_span!(
                    "atlas_request",
                    operation = operation_id,
                    attempt,
                    method = %request.method(),
                    path = request.url().path(),
                    status = tracing::field::Empty,
                    elapsed_ms = tracing::field::Empty,
                )
            })
            .filter(|span| !span.is_disabled());
        let work = async {
            let response = self.authorized_send(http, request).await?;
            self.normalize(response, request, attempt).await
        };
        let Some(span) = span else {
            return work.await;
        };
        let started = Instant::now();
        let outcome = work.instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        match &outcome {
            Ok(response) => span.record("status", response.status().as_u16()),
            Err(_) => span.record("status", "transport error"),
        };
        let _entered = span.enter();
        tracing::debug!("atlas request finished");
        outcome
    }

    /// One request, with at most one authentication round trip.
    async fn authorized_send(
        &self,
        http: &reqwest::Client,
        request: &mut KeptRequest,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.shared.auth {
            Auth::None => self.send(http, request, None).await,
            Auth::Digest(digest) => {
                let authorization = digest.authorization(request.method(), request.url());
                let sent_credentials = authorization.is_some();
                let response = self.send(http, request, authorization).await?;
                if response.status() != reqwest::StatusCode::UNAUTHORIZED {
                    return Ok(response);
                }
                // Answer a challenge once: the first of this client, or a
                // new nonce after the old one went stale. Wrong credentials
                // with a fresh nonce are not retried.
                match digest.accept_challenge(response.headers()) {
                    Some(stale) if stale || !sent_credentials => {}
                    _ => return Ok(response),
                }
                drop(response);
                let authorization = digest.authorization(request.method(), request.url());
                self.send(http, request, authorization).await
            }
            Auth::ServiceAccount(tokens) => {
                let bearer = match tokens.bearer(http).await {
                    Ok(bearer) => bearer,
                    Err(failure) => return failure.into_result(),
                };
                let response = self.send(http, request, Some(bearer.clone())).await?;
                if response.status() != reqwest::StatusCode::UNAUTHORIZED {
                    return Ok(response);
                }
                // The token may have been revoked or expired early: renew
                // once and retry once.
                drop(response);
                let renewed = match tokens.renew(http, &bearer).await {
                    Ok(renewed) => renewed,
                    Err(failure) => return failure.into_result(),
                };
                self.send(http, request, Some(renewed)).await
            }
        }
    }

    /// Sends `request` once more, with `authorization` if given and the
    /// per-attempt time limit. A plain function, so that the request is
    /// never part of the calling future's state.
    fn send(
        &self,
        http: &reqwest::Client,
        request: &mut KeptRequest,
        authorization: Option<HeaderValue>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        let mut request = request.next();
        if let Some(value) = authorization {
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        // `None` when the limit is the `reqwest::Client`'s own: a
        // per-request one costs a map in the request's extensions.
        if let Some(limit) = self.shared.request_timeout
            && request.timeout().is_none()
        {
            *request.timeout_mut() = Some(limit);
        }
        http.execute(request)
    }

    /// Successful plain responses pass untouched (the fast path); the rest
    /// are read and rebuilt: envelope unwrapped, legacy body normalized, and
    /// non-success responses recorded for the error conversion.
    async fn normalize(
        &self,
        response: reqwest::Response,
        request: &KeptRequest,
        attempt: u32,
    ) -> reqwest::Result<reqwest::Response> {
        if ResponseRecord::of(&response).is_some() {
            return Ok(response); // already read: a token endpoint failure
        }
        // This endpoint answers in well under a kilobyte; a body past the cap
        // is a fault, refused unread rather than held in memory.
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BUFFERED_BODY as u64)
        {
            let mut head = BufferedResponse::head(&response, Origin::OversizedBody);
            head.truncated = true;
            head.attempts = attempt;
            return Ok(head.into_response());
        }
        let wrapped = envelope::requested(request.url());
        if response.status().is_success() && !wrapped && !self.shared.legacy_v1 {
            return Ok(response);
        }
        // Boxed: this path (errors, envelopes) would otherwise size every
        // call's future.
        let mut read = Box::pin(BufferedResponse::read(response, Origin::Api)).await?;
        read.attempts = attempt;
        read.accept_sent = request.header(&ACCEPT).cloned();
        if wrapped && read.status.is_success() {
            match envelope::unwrap(&read.body) {
                Some((status, content)) => {
                    read.status = status;
                    read.body = content;
                }
                None => read.origin = Origin::MalformedEnvelope,
            }
        }
        if self.shared.legacy_v1 && read.status.is_success() {
            read.body = legacy::normalize_body(read.body);
        }
        Ok(read.into_response())
    }
}

impl TokenFailure {
    fn into_result(self) -> reqwest::Result<reqwest::Response> {
        match self {
            TokenFailure::Response(response) => Ok(response),
            TokenFailure::Transport(error) => Err(error),
        }
    }
}
