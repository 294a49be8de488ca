//! The 2024-05-30 migration request, built in one place from what a
//! migration says, however it was given: `create`'s and `validation
//! create`'s flags, a fleet plan's entry, or the demo's sample.

use atlas_live_migration_api::Secret;
use atlas_live_migration_api::types::{
    Destination, DestinationHostnameSchemaType, GroupId, LiveMigrationRequest20240530, Source,
};

use crate::{Failure, fields};

/// What a migration request says.
pub struct MigrationBody<'a> {
    pub cluster_name: &'a str,
    pub group_id: &'a GroupId,
    pub hostname_schema_type: DestinationHostnameSchemaType,
    pub migration_host: &'a str,
    pub source_cluster_name: &'a str,
    pub source_group_id: &'a GroupId,
    pub source_managed_authentication: bool,
    pub source_ssl: bool,
    pub source_ca_certificate_path: Option<String>,
    pub source_username: Option<String>,
    pub source_password: Option<Secret>,
    pub drop_destination_data: bool,
}

impl MigrationBody<'_> {
    /// The request body (the password goes in as a `Secret`).
    pub fn build(self) -> Result<LiveMigrationRequest20240530, Failure> {
        let host = self
            .migration_host
            .try_into()
            .map_err(|e| Failure::usage(format!("invalid --migrationHost: {e}")))?;
        let invalid = |e: atlas_live_migration_api::types::error::ConversionError| {
            Failure::usage(format!("invalid migration request: {e}"))
        };
        let mut source: Source = Source::builder()
            .cluster_name(self.source_cluster_name)
            .group_id(self.source_group_id.as_str())
            .managed_authentication(self.source_managed_authentication)
            .ssl(self.source_ssl)
            .password(self.source_password)
            .try_into()
            .map_err(invalid)?;
        // Optional strings set on the fields as `Source` declares them.
        source.ca_certificate_path = fields::optional(self.source_ca_certificate_path)
            .map_err(|e| Failure::usage(format!("invalid --sourceCACertificatePath: {e}")))?;
        source.username = fields::optional(self.source_username)
            .map_err(|e| Failure::usage(format!("invalid --sourceUsername: {e}")))?;
        LiveMigrationRequest20240530::builder()
            .destination(
                Destination::builder()
                    .cluster_name(self.cluster_name)
                    .group_id(self.group_id.as_str())
                    .hostname_schema_type(self.hostname_schema_type),
            )
            .migration_hosts([host])
            .source(source)
            .drop_destination_data(self.drop_destination_data)
            .try_into()
            .map_err(invalid)
    }
}
