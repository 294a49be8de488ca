//! Sending one request more than once.
//!
//! reqwest consumes a request when it sends it, and one call may send
//! several: retries, and the second leg of a Digest challenge or of a token
//! renewal. The first send takes the generated request itself; later ones
//! are rebuilt from what is kept here. Keeping the parts instead of a second
//! request spares a copy of the header map (two allocations) and the drop of
//! a request on every call, most of which send once.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Request, Url, Version};
use smallvec::SmallVec;

/// A request that can be sent again.
pub(crate) struct KeptRequest {
    /// The generated request, until the first send takes it.
    first: Option<Request>,
    parts: Parts,
}

enum Parts {
    /// Everything a request without a body holds: reqwest 0.13 keeps
    /// nothing else in its extensions than the time limit. The headers are
    /// kept inline; this client's requests carry one or two.
    Bodiless {
        method: Method,
        url: Url,
        version: Version,
        timeout: Option<Duration>,
        headers: SmallVec<[(HeaderName, HeaderValue); 4]>,
    },
    /// A request with a (buffered) body: a clone, cloned again per send.
    Cloned(Request),
}

impl KeptRequest {
    pub(crate) fn new(request: Request) -> Self {
        let parts = if request.body().is_none() {
            Parts::Bodiless {
                method: request.method().clone(),
                url: request.url().clone(),
                version: request.version(),
                timeout: request.timeout().copied(),
                headers: request
                    .headers()
                    .iter()
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect(),
            }
        } else {
            Parts::Cloned(
                request
                    .try_clone()
                    .expect("this client sends no streaming bodies"),
            )
        };
        Self {
            first: Some(request),
            parts,
        }
    }

    /// The request for the next send: the original the first time, then a
    /// copy.
    pub(crate) fn next(&mut self) -> Request {
        if let Some(first) = self.first.take() {
            return first;
        }
        match &self.parts {
            Parts::Bodiless {
                method,
                url,
                version,
                timeout,
                headers,
            } => {
                let mut request = Request::new(method.clone(), url.clone());
                *request.version_mut() = *version;
                if timeout.is_some() {
                    *request.timeout_mut() = *timeout;
                }
                let map = request.headers_mut();
                map.reserve(headers.len());
                for (name, value) in headers {
                    map.append(name.clone(), value.clone());
                }
                request
            }
            Parts::Cloned(request) => request
                .try_clone()
                .expect("a clone of a clonable request clones"),
        }
    }

    pub(crate) fn method(&self) -> &Method {
        match &self.parts {
            Parts::Bodiless { method, .. } => method,
            Parts::Cloned(request) => request.method(),
        }
    }

    pub(crate) fn url(&self) -> &Url {
        match &self.parts {
            Parts::Bodiless { url, .. } => url,
            Parts::Cloned(request) => request.url(),
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::ACCEPT;

    use super::KeptRequest;

    fn request(body: Option<&'static str>) -> reqwest::Request {
        let client = crate::tls::plain_client();
        let mut builder = client
            .get("https://cloud.mongodb.com/api/atlas/v2/groups/g?pretty=true")
            .header(ACCEPT, "application/vnd.atlas.2023-01-01+json")
            .header("x-many", "one")
            .header("x-many", "two")
            .timeout(std::time::Duration::from_secs(7));
        if let Some(body) = body {
            builder = builder.body(body);
        }
        builder.build().unwrap()
    }

    fn same(a: &reqwest::Request, b: &reqwest::Request) {
        assert_eq!(a.method(), b.method());
        assert_eq!(a.url(), b.url());
        assert_eq!(a.version(), b.version());
        assert_eq!(a.timeout(), b.timeout());
        assert_eq!(a.headers(), b.headers());
        assert_eq!(
            a.body().and_then(|body| body.as_bytes()),
            b.body().and_then(|body| body.as_bytes())
        );
    }

    #[test]
    fn every_send_is_the_same_request() {
        for body in [None, Some("grant_type=client_credentials")] {
            let original = request(body);
            let mut kept = KeptRequest::new(request(body));
            for _ in 0..3 {
                same(&kept.next(), &original);
            }
            assert_eq!(kept.url(), original.url());
            assert_eq!(kept.method(), original.method());
        }
    }
}
