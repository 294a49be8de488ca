//! One API call: authenticated attempts, retries, and the response brought
//! to the shape the generated code decodes (envelope unwrapped, legacy body
//! normalized, error bodies read and recorded for the error conversion).

use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use tracing::Instrument;

use crate::auth::Auth;
use crate::auth::oauth::TokenFailure;
use crate::body::{BufferedResponse, MAX_BUFFERED_BODY, Origin, ResponseRecord};
use crate::runtime::ClientRuntime;
use crate::{envelope, legacy, retry, versioning};

impl ClientRuntime {
    /// The `Accept` a pinned version or the legacy surface asks for (the
    /// `pre` hook). Otherwise the generated request already carries the
    /// version its operation declares in the spec (see `codegen.rs`).
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        if self.shared.legacy_v1 {
            request
                .headers_mut()
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
            legacy::rewrite_path(request.url_mut());
        } else if let Some(accept) = &self.accept_override {
            request.headers_mut().insert(ACCEPT, accept.clone());
        }
    }

    /// Sends the request, retrying what is worth retrying (the `exec` hook).
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = self.shared.retry;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            // A block, so that the outcome of a failed attempt is not kept
            // in the future's state while it sleeps.
            let delay = {
                let outcome = self.attempt(http, &request, operation_id, attempt).await;
                let retry_after = match &outcome {
                    Ok(response) if retry::is_retryable_status(response.status()) => {
                        retry::retry_after(response.headers())
                    }
                    Err(error) if retry::is_retryable_error(error) => None,
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
        request: &reqwest::Request,
        operation_id: &'static str,
        attempt: u32,
    ) -> reqwest::Result<reqwest::Response> {
        let work = async {
            let response = self.authorized_send(http, request).await?;
            self.normalize(response, request, attempt).await
        };
        if !tracing::dispatcher::has_been_set() {
            // No subscriber anywhere: not even a disabled span to build.
            return work.await;
        }
        let span = tracing::info_span!(
            "atlas_request",
            operation = operation_id,
            attempt,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            // No subscriber listens: skip the span's bookkeeping, which
            // otherwise costs on every poll of every call.
            return work.await;
        }
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
        request: &reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.shared.auth {
            Auth::None => self.send_copy(http, request, None).await,
            Auth::Digest(digest) => {
                let authorization = digest.authorization(request);
                let sent_credentials = authorization.is_some();
                let response = self.send_copy(http, request, authorization).await?;
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
                self.send_copy(http, request, digest.authorization(request))
                    .await
            }
            Auth::ServiceAccount(tokens) => {
                let bearer = match tokens.bearer(http).await {
                    Ok(bearer) => bearer,
                    Err(failure) => return failure.into_result(),
                };
                let response = self.send_copy(http, request, Some(bearer.clone())).await?;
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
                self.send_copy(http, request, Some(renewed)).await
            }
        }
    }

    /// Sends a copy of `request` (the original is kept for a retry), with
    /// `authorization` if given. A plain function, so that the copy is
    /// never part of the calling future's state.
    fn send_copy(
        &self,
        http: &reqwest::Client,
        request: &reqwest::Request,
        authorization: Option<HeaderValue>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        let mut copy = self.attempt_copy(request);
        if let Some(value) = authorization {
            copy.headers_mut().insert(AUTHORIZATION, value);
        }
        http.execute(copy)
    }

    /// The request for one attempt, with the per-attempt time limit.
    ///
    /// `Request::try_clone` creates and drops a map of extensions on every
    /// call, a third of the runtime's work on a successful call. A request
    /// without a body is its method, URL, headers, version and time limit
    /// (reqwest 0.13 keeps nothing else in a request's extensions), so
    /// those are copied here; one with a body goes through `try_clone`.
    fn attempt_copy(&self, request: &reqwest::Request) -> reqwest::Request {
        let mut copy = if request.body().is_none() {
            let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
            *copy.headers_mut() = request.headers().clone();
            *copy.version_mut() = request.version();
            if let Some(limit) = request.timeout() {
                *copy.timeout_mut() = Some(*limit);
            }
            copy
        } else {
            request
                .try_clone()
                .expect("this client sends no streaming bodies")
        };
        // The time limit goes on the copy, so the original carries no map
        // of extensions for every copy to clone.
        if let Some(limit) = self.shared.request_timeout
            && copy.timeout().is_none()
        {
            *copy.timeout_mut() = Some(limit);
        }
        copy
    }

    /// Successful plain responses pass untouched (the fast path); the rest
    /// are read and rebuilt: envelope unwrapped, legacy body normalized, and
    /// non-success responses recorded for the error conversion.
    async fn normalize(
        &self,
        response: reqwest::Response,
        request: &reqwest::Request,
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
        read.accept_sent = request.headers().get(ACCEPT).cloned();
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
