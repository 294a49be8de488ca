//! How to reach Atlas (`--base-url`, `--api-version`), and the client made
//! from them and the environment's credentials. Every command that sends a
//! request flattens [`Connection`].

use atlas_live_migration_api::{ApiVersion, Client, ClientBuilder};
use clap::Args;

use crate::Failure;
use crate::cmd::target::parse_id;
use atlas_live_migration_api::cloud_manager::types::OrgId as SourceOrgId;

/// How to reach Atlas.
#[derive(Args, Debug, Clone)]
pub struct Connection {
    /// Atlas base URL [default: MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com]
    #[arg(long = "base-url", value_name = "URL")]
    pub base_url: Option<String>,

    /// API version date sent in Accept, YYYY-MM-DD [default: each operation's own]
    #[arg(long = "api-version", visible_alias = "version", value_name = "DATE", value_parser = parse_api_version)]
    pub api_version: Option<ApiVersion>,
}

impl Connection {
    /// A client from the environment and these flags.
    pub fn client(self) -> Result<Client, Failure> {
        Ok(self.client_builder()?.build()?)
    }

    /// [`Connection::client`]'s settings, for a command that adds its own.
    pub fn client_builder(self) -> Result<ClientBuilder, Failure> {
        let mut builder = Client::builder().env()?;
        if let Some(base_url) = self.base_url {
            builder = builder.base_url(base_url);
        }
        if let Some(version) = self.api_version {
            builder = builder.api_version(version);
        }
        Ok(builder)
    }
}

fn parse_api_version(value: &str) -> Result<ApiVersion, String> {
    value
        .parse()
        .map_err(|e: atlas_live_migration_api::InvalidApiVersion| e.to_string())
}

/// The source organization in Cloud Manager (or Ops Manager), as the
/// MongoDB CLI names it; its client reads the MongoDB CLI's variables.
#[derive(Args, Debug, Clone)]
pub struct SourceOrganization {
    /// Source organization ID in Cloud Manager or Ops Manager, 24 hexadecimal digits [env: MCLI_ORG_ID]
    #[arg(long = "source-org-id", visible_alias = "sourceOrgId", value_name = "ID", env = "MCLI_ORG_ID", hide_env = true, value_parser = parse_id::<SourceOrgId>)]
    pub source_org_id: SourceOrgId,
}

/// [`SourceOrganization`] for a command that works on Atlas's side alone
/// without it (`link create`, `link delete`).
#[derive(Args, Debug, Clone)]
pub struct MaybeSource {
    /// Source organization in Cloud Manager or Ops Manager, 24 hexadecimal
    /// digits, whose side is done too; its key is MCLI_PUBLIC_API_KEY and
    /// MCLI_PRIVATE_API_KEY [env: MCLI_ORG_ID]
    #[arg(long = "source-org-id", visible_alias = "sourceOrgId", value_name = "ID", env = "MCLI_ORG_ID", hide_env = true, value_parser = parse_id::<SourceOrgId>)]
    pub source_org_id: Option<SourceOrgId>,
}

/// A Cloud Manager client from `MCLI_PUBLIC_API_KEY`, `MCLI_PRIVATE_API_KEY`
/// and `MCLI_OPS_MANAGER_URL`: refused, naming the variables, before any
/// request when the key is missing. No Atlas variable is read for it.
pub fn source_client() -> Result<atlas_live_migration_api::cloud_manager::Client, Failure> {
    atlas_live_migration_api::cloud_manager::Client::builder()
        .env()
        .and_then(|builder| builder.build())
        .map_err(|e| Failure::usage(e.to_string()))
}
