//! Secret strings in request and response bodies (the source cluster's
//! password, link tokens): the generation function replaces every string
//! property named `…password`, `…secret` or `…token` with [`Secret`].

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string that is sent and received as it is but never shown: its `Debug`
/// prints `[REDACTED]`, it has no `Display`, and its memory is zeroed when
/// it is dropped. Read it with [`expose`](Self::expose).
///
/// ```
/// use atlas_live_migration_api::Secret;
///
/// let password = Secret::from("hunter2");
/// assert_eq!(format!("{password:?}"), "Secret([REDACTED])");
/// assert_eq!(password.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&password).unwrap(), r#""hunter2""#);
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The secret text, for the one place that needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.into())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}
