//! What a validation or a migration moves, as the Atlas CLI spells the flags
//! (`validation create` and `create` share them).

use atlas_live_migration_api::Secret;
use atlas_live_migration_api::types::{
    DestinationHostnameSchemaType, GroupId, LiveMigrationRequest20240530,
};
use clap::{Args, ValueEnum};

use super::target::{Project, parse_id};
use crate::body::MigrationBody;
use crate::connection::Connection;
use crate::{Failure, prompt};

/// What a validation or a migration moves.
#[derive(Args, Debug)]
pub struct MigrationRequest {
    #[command(flatten)]
    pub project: Project,

    /// The destination Atlas cluster
    #[arg(
        long = "cluster-name",
        visible_alias = "clusterName",
        value_name = "NAME"
    )]
    pub cluster_name: String,

    /// The migration host (a host running a MongoDB Agent); repeatable
    #[arg(
        long = "migration-host",
        visible_alias = "migrationHost",
        value_name = "HOST",
        required = true
    )]
    pub migration_hosts: Vec<String>,

    /// The source cluster, as Cloud or Ops Manager names it
    #[arg(
        long = "source-cluster-name",
        visible_alias = "sourceClusterName",
        value_name = "NAME"
    )]
    pub source_cluster_name: String,

    /// The source project (group) ID in Cloud or Ops Manager
    #[arg(long = "source-project-id", visible_alias = "sourceProjectId", value_name = "ID", value_parser = parse_id::<GroupId>)]
    pub source_project_id: GroupId,

    /// The SCRAM-SHA user that connects to the source cluster
    #[arg(
        short = 'u',
        long = "source-username",
        visible_alias = "sourceUsername",
        value_name = "USER"
    )]
    pub source_username: Option<String>,

    /// Its password. Prefer MONGODB_ATLAS_SOURCE_PASSWORD, which keeps it out of
    /// the process list; with neither, it is asked for without echo on a terminal
    #[arg(
        short = 'p',
        long = "source-password",
        visible_alias = "sourcePassword",
        value_name = "PASSWORD",
        env = "MONGODB_ATLAS_SOURCE_PASSWORD",
        hide_env_values = true,
        value_parser = parse_secret,
    )]
    pub source_password: Option<Secret>,

    /// The source cluster uses TLS
    #[arg(long = "source-ssl", visible_alias = "sourceSsl")]
    pub source_ssl: bool,

    /// Path, on the migration host, to the CA certificate of the source cluster
    #[arg(
        long = "source-ca-certificate-path",
        visible_alias = "sourceCACertificatePath",
        value_name = "PATH"
    )]
    pub source_ca_certificate_path: Option<String>,

    /// MongoDB Automation manages authentication to the source (no user or password)
    #[arg(
        long = "source-managed-authentication",
        visible_alias = "sourceManagedAuthentication",
        conflicts_with_all = ["source_username", "source_password"]
    )]
    pub source_managed_authentication: bool,

    /// Drop the destination cluster's collections before migrating
    #[arg(long)]
    pub drop: bool,

    /// The network between the migration host and the destination
    #[arg(long = "hostname-schema-type", value_enum, default_value_t = HostnameSchema::Public)]
    pub hostname_schema_type: HostnameSchema,

    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HostnameSchema {
    Public,
    PrivateLink,
    VpcPeering,
}

impl MigrationRequest {
    /// The request body from the flags (asking for the password if a user
    /// is named and no password was given).
    pub fn body(&self, group_id: &GroupId) -> Result<LiveMigrationRequest20240530, Failure> {
        let password = match &self.source_username {
            Some(username) => Some(prompt::source_password(
                self.source_password.clone(),
                username,
            )?),
            None => self.source_password.clone(),
        };
        let hostname_schema_type = match self.hostname_schema_type {
            HostnameSchema::Public => DestinationHostnameSchemaType::Public,
            HostnameSchema::PrivateLink => DestinationHostnameSchemaType::PrivateLink,
            HostnameSchema::VpcPeering => DestinationHostnameSchemaType::VpcPeering,
        };
        let [host] = self.migration_hosts.as_slice() else {
            return Err(Failure::usage(format!(
                "Atlas takes exactly one --migrationHost per migration; {} were given",
                self.migration_hosts.len()
            )));
        };
        MigrationBody {
            cluster_name: &self.cluster_name,
            group_id,
            hostname_schema_type,
            migration_host: host,
            source_cluster_name: &self.source_cluster_name,
            source_group_id: &self.source_project_id,
            source_managed_authentication: self.source_managed_authentication,
            source_ssl: self.source_ssl,
            source_ca_certificate_path: self.source_ca_certificate_path.clone(),
            source_username: self.source_username.clone(),
            source_password: password,
            drop_destination_data: self.drop,
        }
        .build()
    }
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    Ok(Secret::from(value))
}
