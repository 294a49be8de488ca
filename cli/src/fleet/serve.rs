//! The HTTP server of `fleet serve`: read-only, over the state as `fleet
//! status` reads it. `GET` (and `HEAD`) of `/` (the page), `/status.json`
//! (`fleet status -o json`'s document) and `/metrics` (Prometheus); any
//! other method is `405`, any other path `404`. Each answer reads the state
//! again when its file changed (the parsed state is kept between answers
//! otherwise): a change an apply makes shows at the next refresh.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;

use super::state::{self, Store};
use super::view::FleetView;
use super::{metrics, page, status};

/// What identifies a version of a file: its length and when it changed.
type Stamp = Option<(u64, SystemTime)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// The state being served, read again when its file changed.
pub struct Served {
    path: PathBuf,
    cached: Mutex<Option<(Stamp, Arc<Store>)>>,
}

impl Served {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            cached: Mutex::new(None),
        }
    }

    /// The fleet's view now, or why there is none.
    pub fn view(&self) -> Result<FleetView, String> {
        let now = stamp(&self.path);
        if now.is_none() {
            return Err(format!(
                "there is no state {} yet: fleet apply writes it",
                self.path.display()
            ));
        }
        let store = {
            let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
            match cached.as_ref() {
                Some((stamp, store)) if *stamp == now => Arc::clone(store),
                _ => {
                    let store = Arc::new(Store::read(&self.path)?);
                    *cached = Some((now, Arc::clone(&store)));
                    store
                }
            }
        };
        Ok(FleetView::of(
            &store,
            &state::approvals(&self.path),
            state::held_by_apply(&self.path),
            SystemTime::now(),
        ))
    }

    /// The answer to `method` `path`, with the request's `Accept`.
    pub fn answer(
        &self,
        method: &Method,
        path: &str,
        accept: Option<&str>,
    ) -> Response<Full<Bytes>> {
        if method != Method::GET && method != Method::HEAD {
            let mut answer = text(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("fleet serve is read-only: {method} is not served; use GET\n"),
            );
            answer
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return answer;
        }
        let kind = match path {
            "/" | "/index.html" => "text/html; charset=utf-8",
            "/status.json" => "application/json",
            "/metrics" if metrics::wants_openmetrics(accept) => metrics::OPENMETRICS,
            "/metrics" => metrics::CLASSIC,
            other => {
                return text(
                    StatusCode::NOT_FOUND,
                    format!(
                        "{other} is not served here: / (the page), /status.json and /metrics \
                         are\n"
                    ),
                );
            }
        };
        let view = match self.view() {
            Ok(view) => view,
            Err(why) => return text(StatusCode::SERVICE_UNAVAILABLE, why + "\n"),
        };
        let body = match path {
            "/status.json" => status::json(&view),
            "/metrics" => metrics::render(&view, metrics::wants_openmetrics(accept)),
            _ => page::render(&view, &self.path.display().to_string(), SystemTime::now()),
        };
        let mut answer = Response::new(Full::new(Bytes::from(body)));
        answer
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
        answer
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        answer
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer
}

/// Serves `served` on `listener` until `stop` ends.
pub async fn run(
    listener: TcpListener,
    served: Arc<Served>,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection that failed before it was ours (the peer
                // gone, no file descriptor free for an instant).
                Err(_) => continue,
            },
            () = &mut stop => return,
        };
        let served = Arc::clone(&served);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let served = Arc::clone(&served);
                async move {
                    let method = request.method().clone();
                    let path = request.uri().path().to_owned();
                    let accept = request
                        .headers()
                        .get(hyper::header::ACCEPT)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    // The state is read and rendered off the async workers.
                    let answer = tokio::task::spawn_blocking(move || {
                        served.answer(&method, &path, accept.as_deref())
                    })
                    .await
                    .unwrap_or_else(|_| {
                        text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "the answer could not be made\n".to_owned(),
                        )
                    });
                    Ok::<_, Infallible>(answer)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
