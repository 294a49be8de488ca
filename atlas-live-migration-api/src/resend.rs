//! Sending one request more than once.
//!
//! reqwest consumes a request when it sends it, and one call may send
//! several: retries, and the second leg of a Digest challenge or of a token
//! renewal. The first send takes the generated request itself; later ones
//! send copies of a copy kept aside. Bodies are buffered JSON, so every
//! request of this client can be copied.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Request, Url};

/// A request that can be sent again.
pub(crate) struct KeptRequest {
    /// The generated request, until the first send takes it.
    first: Option<Request>,
    copy: Request,
}

impl KeptRequest {
    pub(crate) fn new(request: Request) -> Self {
        let copy = request
            .try_clone()
            .expect("this client sends no streaming bodies");
        Self {
            first: Some(request),
            copy,
        }
    }

    /// The request for the next send: the original the first time, then a
    /// copy.
    pub(crate) fn next(&mut self) -> Request {
        self.first.take().unwrap_or_else(|| {
            self.copy
                .try_clone()
                .expect("a clone of a clonable request clones")
        })
    }

    pub(crate) fn method(&self) -> &Method {
        self.copy.method()
    }

    pub(crate) fn url(&self) -> &Url {
        self.copy.url()
    }

    /// The first value of the header `name`.
    pub(crate) fn header(&self, name: &HeaderName) -> Option<&HeaderValue> {
        self.copy.headers().get(name)
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{ACCEPT, HeaderValue};

    use super::KeptRequest;

    fn request(body: Option<&'static str>) -> reqwest::Request {
        let client = reqwest::Client::new();
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
            assert_eq!(
                kept.header(&ACCEPT),
                Some(&HeaderValue::from_static(
                    "application/vnd.atlas.2023-01-01+json"
                ))
            );
        }
    }
}
