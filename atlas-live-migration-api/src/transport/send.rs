//! One API call: authenticated attempts and retries. Each attempt's answer
//! is a success, passed on as it came (or brought to the v2 shape: envelope
//! unwrapped, legacy body normalized), or a [`Failure`], read once; the
//! retry loop decides on it and the caller gets it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use tracing::Instrument;

use crate::auth::Auth;
use crate::auth::oauth::{TokenFailure, Via};
use crate::model::rate_limit::RateLimit;
use crate::model::versioning::deprecation_notice;
use crate::response::failure::{Endpoint, Failure, ReadResponse};
use crate::response::{self, envelope, legacy, nulls};
use crate::transport::headers::Requested;
use crate::transport::resend::KeptRequest;
use crate::transport::retry;
use crate::transport::runtime::{ClientRuntime, Surface};

/// How a success is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SuccessRead {
    /// Brought to the v2 shape: envelope unwrapped, legacy body normalized,
    /// `null` members left out (what the generated decode reads).
    Shaped,
    /// As Atlas sent it ([`crate::Client::send_as_sent`]).
    AsSent,
}

/// What one attempt brought back.
enum Answer {
    Success(reqwest::Response),
    Failure(Box<Failure>),
}

impl ClientRuntime {
    /// Sends the request, retrying what is worth retrying (the `exec` hook).
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        self.execute_with(http, request, operation_id, SuccessRead::Shaped)
            .await
    }

    /// [`execute`](Self::execute), with a success read as `read` says.
    pub(crate) async fn execute_with(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        operation_id: &'static str,
        read: SuccessRead,
    ) -> reqwest::Result<reqwest::Response> {
        // The version asked for, decided once: the headers sent and the
        // version a failure names both come from it.
        let requested = self.set_headers(&mut request, operation_id);
        let policy = self.shared.retry;
        let started = Instant::now();
        let resendable = retry::Resendable::of(request.method());
        let mut request = KeptRequest::new(request);
        let mut attempt = 1;
        // Time spent waiting for the rate-limit budget: the retry policy's
        // time budget is for retries, not for the pace.
        let mut paced = Duration::ZERO;
        loop {
            // A block, so that the outcome of a failed attempt is not kept
            // in the future's state while it sleeps.
            let delay = {
                let waiting = Instant::now();
                let ticket = self.shared.pace.admit(request.url(), operation_id).await;
                paced += waiting.elapsed();
                let outcome = self
                    .attempt(http, &mut request, operation_id, attempt, read)
                    .await;
                // An answer of the API's: its `RateLimit-*`, read once, teach
                // the pace (which `Client::rate_limit()` asks).
                let answered = match &outcome {
                    Ok(Answer::Success(response)) => {
                        Some((response.status(), response.headers(), None))
                    }
                    Ok(Answer::Failure(failure)) if failure.endpoint == Endpoint::Api => {
                        Some((failure.status, &failure.headers, failure.retry_after))
                    }
                    _ => None,
                };
                match answered {
                    Some((status, headers, retry_after)) => {
                        ticket.answered(request.url(), status, RateLimit::of(headers), retry_after)
                    }
                    None => drop(ticket),
                }
                let retry_after = match &outcome {
                    Ok(Answer::Failure(failure)) if resendable.after_status(failure.status) => {
                        failure.retry_after
                    }
                    Err(error) if resendable.after_error(error) => None,
                    _ => return self.finish(outcome, &requested, attempt),
                };
                let delay = policy.delay(attempt, retry_after);
                if attempt >= policy.max_attempts()
                    || started.elapsed().saturating_sub(paced) + delay > policy.max_elapsed()
                {
                    return self.finish(outcome, &requested, attempt);
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

    /// The call's last answer, for the generated code: a success as it is;
    /// a failure completed with what only the call knows (the attempts, the
    /// version it was sent with) and carried by the response that `post`
    /// hands to the caller.
    fn finish(
        &self,
        outcome: reqwest::Result<Answer>,
        requested: &Requested<'_>,
        attempts: u32,
    ) -> reqwest::Result<reqwest::Response> {
        let headers = match &outcome {
            Ok(Answer::Success(response)) => Some(response.headers()),
            Ok(Answer::Failure(failure)) if failure.endpoint == Endpoint::Api => {
                Some(&failure.headers)
            }
            _ => None,
        };
        if let Some(notice) = headers.and_then(deprecation_notice) {
            self.note_deprecation(notice);
        }
        Ok(match outcome? {
            Answer::Success(response) => response,
            Answer::Failure(mut failure) => {
                failure.attempts = attempts;
                failure.api_version = requested.label();
                failure.service = self.shared.surface.service();
                Arc::<Failure>::from(failure).into_response()
            }
        })
    }

    async fn attempt(
        &self,
        http: &reqwest::Client,
        request: &mut KeptRequest,
        operation_id: &'static str,
        attempt: u32,
        read: SuccessRead,
    ) -> reqwest::Result<Answer> {
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
            match self.authorized_send(http, request).await {
                Ok(response) => {
                    self.read_answer(response, request.url(), operation_id, read)
                        .await
                }
                Err(TokenFailure::Refused(failure)) => Ok(Answer::Failure(failure)),
                Err(TokenFailure::Transport(error)) => Err(error),
            }
        };
        let Some(span) = span else {
            return work.await;
        };
        let started = Instant::now();
        let outcome = work.instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        match &outcome {
            Ok(Answer::Success(response)) => span.record("status", response.status().as_u16()),
            Ok(Answer::Failure(failure)) => span.record("status", failure.status.as_u16()),
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
    ) -> Result<reqwest::Response, TokenFailure> {
        match &self.shared.auth {
            Auth::None => Ok(self.send(http, request, None).await?),
            Auth::Digest(digest) => {
                let authorization = digest.authorization(request.method(), request.url());
                let sent_credentials = authorization.is_some();
                let response = self.send(http, request, authorization).await?;
                if response.status() != StatusCode::UNAUTHORIZED {
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
                Ok(self.send(http, request, authorization).await?)
            }
            Auth::ServiceAccount(tokens) => {
                let via = Via {
                    http,
                    timeout: self.shared.request_timeout,
                };
                let bearer = tokens.bearer(via).await?;
                let response = self.send(http, request, Some(bearer.clone())).await?;
                if response.status() != StatusCode::UNAUTHORIZED {
                    return Ok(response);
                }
                // The token may have been revoked or expired early: renew
                // once and retry once.
                drop(response);
                let renewed = tokens.renew(via, &bearer).await?;
                Ok(self.send(http, request, Some(renewed)).await?)
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

    /// Successes that are no JSON (downloads), and every success read
    /// [`SuccessRead::AsSent`], pass untouched; JSON
    /// successes pass without their `null` members (`NULL_AS_ABSENT`),
    /// whatever their size, or, for an operation whose success is a bare
    /// string, as the JSON string of a text that is no JSON
    /// (`TEXT_SUCCESS_AS_TEXT`); the rest are read: a success brought to the
    /// v2 shape, anything else a [`Failure`].
    async fn read_answer(
        &self,
        response: reqwest::Response,
        url: &reqwest::Url,
        operation_id: &str,
        read: SuccessRead,
    ) -> reqwest::Result<Answer> {
        if read == SuccessRead::AsSent && response.status().is_success() {
            return Ok(Answer::Success(response));
        }
        let wrapped = envelope::requested(url);
        let legacy = self.shared.surface == Surface::AtlasLegacyV1;
        if response.status().is_success() && !wrapped && !legacy {
            let content_type = response.headers().get(reqwest::header::CONTENT_TYPE);
            if !nulls::is_json(content_type.and_then(|c| c.to_str().ok())) {
                return Ok(Answer::Success(response));
            }
            let mut read = Box::pin(ReadResponse::read_whole(response)).await?;
            read.body = response::success_body(operation_id, read.body);
            return Ok(Answer::Success(read.into_response()));
        }
        // Boxed: this path (errors, envelopes) would otherwise size every
        // call's future.
        let mut read = Box::pin(ReadResponse::read(response)).await?;
        if wrapped && read.status.is_success() && !read.truncated {
            match envelope::unwrap(&read.body) {
                Some((status, content)) => {
                    read.status = status;
                    read.body = content;
                }
                None => return Ok(Answer::Failure(Box::new(Failure::malformed_envelope(read)))),
            }
        }
        if !read.status.is_success() || read.truncated {
            return Ok(Answer::Failure(Box::new(Failure::new(read, Endpoint::Api))));
        }
        if legacy {
            read.body = legacy::normalize_body(read.body);
        }
        read.body = response::success_body(operation_id, read.body);
        Ok(Answer::Success(read.into_response()))
    }
}
