//! Atlas API versioning: every v2 request names the version date it was
//! written against in `Accept: application/vnd.atlas.<YYYY-MM-DD>+json`; a
//! missing or unknown version is refused by the server.

use std::fmt;
use std::str::FromStr;

use reqwest::header::{HeaderName, HeaderValue};

/// An Atlas API version date, `YYYY-MM-DD`, such as `2023-01-01`.
///
/// ```
/// use atlas_live_migration_api::ApiVersion;
///
/// let version: ApiVersion = "2023-01-01".parse().unwrap();
/// assert_eq!(version.media_type(), "application/vnd.atlas.2023-01-01+json");
/// assert!("2023-1-1".parse::<ApiVersion>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    date: [u8; 10],
}

/// A version string that is not a `YYYY-MM-DD` date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidApiVersion(String);

impl fmt::Display for InvalidApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Atlas API version {:?}: expected a date YYYY-MM-DD such as {}",
            self.0,
            crate::SPEC_API_VERSION
        )
    }
}

impl std::error::Error for InvalidApiVersion {}

impl ApiVersion {
    /// The newest version any operation is generated for (`SPEC_API_VERSION`).
    pub fn spec() -> Self {
        crate::SPEC_API_VERSION
            .parse()
            .expect("the generator only emits YYYY-MM-DD dates")
    }

    /// The date, `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.date).expect("validated as ASCII when parsed")
    }

    /// `application/vnd.atlas.<date>+json`.
    pub fn media_type(&self) -> String {
        format!("application/vnd.atlas.{}+json", self.as_str())
    }

    pub(crate) fn accept_header(&self) -> HeaderValue {
        HeaderValue::from_str(&self.media_type()).expect("ASCII date in a fixed frame")
    }
}

impl FromStr for ApiVersion {
    type Err = InvalidApiVersion;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidApiVersion(value.to_owned());
        let date: [u8; 10] = value.as_bytes().try_into().map_err(|_| invalid())?;
        let well_formed = date.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
        let month = (date[5] - b'0') * 10 + (date[6] - b'0');
        let day = (date[8] - b'0') * 10 + (date[9] - b'0');
        if well_formed && (1..=12).contains(&month) && (1..=31).contains(&day) {
            Ok(Self { date })
        } else {
            Err(invalid())
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pinned version and its `Accept` value, built once.
#[derive(Clone, Debug)]
pub(crate) struct PinnedVersion {
    pub(crate) version: ApiVersion,
    pub(crate) accept: HeaderValue,
}

impl PinnedVersion {
    pub(crate) fn new(version: ApiVersion) -> Self {
        Self {
            version,
            accept: version.accept_header(),
        }
    }
}

/// Atlas marks a deprecated API version with `Deprecation` (and `Sunset`,
/// the date it stops answering) response headers. The client logs a warning
/// the first time and keeps the latest notice
/// ([`Client::deprecation_notice`](crate::Client::deprecation_notice)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeprecationNotice {
    /// The `Deprecation` header as sent (an HTTP date).
    pub deprecation: String,
    /// The `Sunset` header as sent (an HTTP date), when present.
    pub sunset: Option<String>,
}

pub(crate) fn deprecation_notice(
    headers: &reqwest::header::HeaderMap,
) -> Option<DeprecationNotice> {
    // Named once: a `&str` name is parsed on every lookup, and this runs on
    // every response.
    static DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
    static SUNSET: HeaderName = HeaderName::from_static("sunset");
    let text = |name: &HeaderName| Some(headers.get(name)?.to_str().ok()?.to_owned());
    Some(DeprecationNotice {
        deprecation: text(&DEPRECATION)?,
        sunset: text(&SUNSET),
    })
}
