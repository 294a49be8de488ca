//! The migration job's `status`, forward compatible.
//!
//! progenitor would generate a strict enum that fails the whole response on a
//! value it does not know; Atlas adds values over time. The generation
//! function swaps this type in (typify's `with_replacement`), so a new server
//! value decodes as [`MigrationStatus::Unknown`] and the rest of the job is
//! still readable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Progress made in migrating one cluster to MongoDB Atlas.
///
/// ```
/// use atlas_live_migration_api::MigrationStatus;
///
/// assert_eq!("WORKING".parse::<MigrationStatus>().unwrap(), MigrationStatus::Working);
/// let new_value: MigrationStatus = serde_json::from_str(r#""PAUSED""#).unwrap();
/// assert_eq!(new_value, MigrationStatus::Unknown("PAUSED".into()));
/// assert_eq!(new_value.to_string(), "PAUSED");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MigrationStatus {
    /// `NEW`: someone scheduled a local cluster migration to MongoDB Atlas.
    New,
    /// `WORKING`: preparing connections, replicating data, verifying
    /// connection settings, or stopping replication after the cutover.
    Working,
    /// `FAILED`: the cluster migration to MongoDB Atlas failed.
    Failed,
    /// `COMPLETE`: the cluster migration to MongoDB Atlas succeeded.
    Complete,
    /// `EXPIRED`: the 120-hour cutover timer that starts when the job is
    /// ready for cutover ran out.
    Expired,
    /// A value this version of the crate does not know, kept as sent.
    Unknown(String),
}

impl MigrationStatus {
    /// The value as Atlas spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "NEW",
            Self::Working => "WORKING",
            Self::Failed => "FAILED",
            Self::Complete => "COMPLETE",
            Self::Expired => "EXPIRED",
            Self::Unknown(other) => other,
        }
    }

    /// Whether the job can no longer change: `COMPLETE`, `FAILED` or `EXPIRED`.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Complete | Self::Failed | Self::Expired)
    }
}

impl FromStr for MigrationStatus {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "NEW" => Self::New,
            "WORKING" => Self::Working,
            "FAILED" => Self::Failed,
            "COMPLETE" => Self::Complete,
            "EXPIRED" => Self::Expired,
            other => Self::Unknown(other.to_owned()),
        })
    }
}

impl fmt::Display for MigrationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MigrationStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MigrationStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than `String`: known values need no allocation.
        struct StatusVisitor;
        impl serde::de::Visitor<'_> for StatusVisitor {
            type Value = MigrationStatus;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a migration status string")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(value.parse().unwrap_or_else(|never| match never {}))
            }
        }
        deserializer.deserialize_str(StatusVisitor)
    }
}

impl schemars::JsonSchema for MigrationStatus {
    fn schema_name() -> String {
        "MigrationStatus".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        // Any string: values beyond the documented ones are accepted.
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            ..Default::default()
        }
        .into()
    }
}
