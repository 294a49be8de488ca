//! Atlas's rate-limit headers, kept from the last answer.
//!
//! Atlas sends `RateLimit-Limit` (the capacity of the bucket the operation
//! draws on, such as 500 or 1200 a minute) and `RateLimit-Remaining` on
//! nearly every answer, not only on a 429. The client keeps the last pair it
//! saw, so that a polling loop or a batch job can pace itself before Atlas
//! refuses it ([`Client::rate_limit`](crate::Client::rate_limit)).

use reqwest::header::{HeaderMap, HeaderName};

/// The rate-limit bucket as Atlas last reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// `RateLimit-Limit`: the bucket's capacity.
    pub limit: u64,
    /// `RateLimit-Remaining`: the requests left in it when Atlas answered.
    pub remaining: u64,
}

impl RateLimit {
    /// The pair an answer carries; `None` unless both headers are there and
    /// are numbers.
    pub(crate) fn of(headers: &HeaderMap) -> Option<Self> {
        static LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
        static REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
        let number = |name: &HeaderName| headers.get(name)?.to_str().ok()?.trim().parse().ok();
        Some(Self {
            limit: number(&LIMIT)?,
            remaining: number(&REMAINING)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn reads_both_headers_or_nothing() {
        let mut headers = HeaderMap::new();
        headers.insert("Ratelimit-Limit", HeaderValue::from_static("500"));
        assert_eq!(RateLimit::of(&headers), None);
        headers.insert("Ratelimit-Remaining", HeaderValue::from_static("498"));
        assert_eq!(
            RateLimit::of(&headers),
            Some(RateLimit {
                limit: 500,
                remaining: 498
            })
        );
        headers.insert("Ratelimit-Remaining", HeaderValue::from_static("many"));
        assert_eq!(RateLimit::of(&headers), None);
    }
}
