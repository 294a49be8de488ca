//! String enums that stay decodable when Atlas adds a value.
//!
//! typify generates a strict enum of the spec's values, which would fail the
//! whole response on a value it does not know. The generation function points
//! every use of such an enum at `Open<Enum>` instead (`with_replacement`), so
//! a new server value decodes as [`Open::Unknown`] and the rest of the answer
//! is still readable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value of the enum `E` as the spec lists it, or one it does not list.
///
/// ```
/// use atlas_live_migration_api::{Open, types::LiveMigrationResponseStatus as Status};
///
/// let known: Open<Status> = serde_json::from_str(r#""WORKING""#).unwrap();
/// assert_eq!(known, Status::Working);
/// let new_value: Open<Status> = serde_json::from_str(r#""PAUSED""#).unwrap();
/// assert_eq!(new_value, Open::Unknown("PAUSED".into()));
/// assert_eq!(new_value.to_string(), "PAUSED");
/// assert_eq!(serde_json::to_string(&new_value).unwrap(), r#""PAUSED""#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Open<E> {
    /// A value the spec lists.
    Known(E),
    /// A value this version of the crate does not know, kept as sent.
    Unknown(String),
}

impl<E> Open<E> {
    /// The known value, if it is one.
    pub fn known(&self) -> Option<&E> {
        match self {
            Self::Known(value) => Some(value),
            Self::Unknown(_) => None,
        }
    }
}

impl<E> From<E> for Open<E> {
    fn from(value: E) -> Self {
        Self::Known(value)
    }
}

impl<E: PartialEq> PartialEq<E> for Open<E> {
    fn eq(&self, other: &E) -> bool {
        self.known() == Some(other)
    }
}

impl<E: FromStr> FromStr for Open<E> {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(value
            .parse()
            .map_or_else(|_| Self::Unknown(value.to_owned()), Self::Known))
    }
}

impl<E: fmt::Display> fmt::Display for Open<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Known(value) => value.fmt(f),
            Self::Unknown(value) => f.write_str(value),
        }
    }
}

impl<E: Serialize> Serialize for Open<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Known(value) => value.serialize(serializer),
            Self::Unknown(value) => serializer.serialize_str(value),
        }
    }
}

impl<'de, E: FromStr> Deserialize<'de> for Open<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than `String`: known values need no allocation.
        struct OpenVisitor<E>(std::marker::PhantomData<E>);
        impl<E: FromStr> serde::de::Visitor<'_> for OpenVisitor<E> {
            type Value = Open<E>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<Er: serde::de::Error>(self, value: &str) -> Result<Self::Value, Er> {
                Ok(value.parse().unwrap_or_else(|never| match never {}))
            }
        }
        deserializer.deserialize_str(OpenVisitor(std::marker::PhantomData))
    }
}
