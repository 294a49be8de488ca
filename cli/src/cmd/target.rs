//! Which project, organization or job a command talks to, as the Atlas CLI
//! spells the flags; `--demo` puts a mock Atlas on loopback behind a job.

use atlas_live_migration_api::types::{GroupId, LiveMigrationId, OrgId};
use atlas_live_migration_api::{Client, Credentials};
use atlas_live_migration_mock::{MockAtlas, Scenario};
use clap::Args;

use crate::Failure;
use crate::connection::Connection;

/// The service account the `--demo` mock accepts.
pub const DEMO_CLIENT: (&str, &str) = ("mdb_sa_id_demo", "mdb_sa_sk_demo");

/// The project.
#[derive(Args, Debug, Clone)]
pub struct Project {
    /// Project (group) ID, 24 hexadecimal digits [env: MONGODB_ATLAS_PROJECT_ID]
    #[arg(
        long = "group-id",
        visible_aliases = ["groupId", "projectId"],
        value_name = "ID",
        env = "MONGODB_ATLAS_PROJECT_ID",
        hide_env = true,
        value_parser = parse_id::<GroupId>,
    )]
    pub group_id: Option<GroupId>,
}

impl Project {
    /// The project's ID, which a command that sends needs.
    pub fn required(self) -> Result<GroupId, Failure> {
        self.group_id.ok_or_else(|| {
            Failure::usage(
                "set the project: --projectId ID, or MONGODB_ATLAS_PROJECT_ID".to_owned(),
            )
        })
    }
}

/// The organization.
#[derive(Args, Debug)]
pub struct Organization {
    /// Organization ID, 24 hexadecimal digits [env: MONGODB_ATLAS_ORG_ID]
    #[arg(
        long = "org-id",
        visible_alias = "orgId",
        value_name = "ID",
        env = "MONGODB_ATLAS_ORG_ID",
        hide_env = true,
        value_parser = parse_id::<OrgId>,
    )]
    pub org_id: OrgId,

    #[command(flatten)]
    pub connection: Connection,
}

/// A migration job, and how to reach it.
#[derive(Args, Debug)]
pub struct Job {
    #[command(flatten)]
    pub project: Project,

    /// Live migration ID, 24 hexadecimal digits
    #[arg(
        long = "live-migration-id",
        visible_alias = "liveMigrationId",
        value_name = "ID",
        value_parser = parse_id::<LiveMigrationId>,
        required_unless_present = "demo"
    )]
    pub live_migration_id: Option<LiveMigrationId>,

    #[command(flatten)]
    pub connection: Connection,

    /// Run against a mock Atlas on loopback that plays a migration; needs no account
    #[arg(long, conflicts_with = "base_url")]
    pub demo: bool,
}

/// A job to talk to: the client and its IDs.
pub struct Target {
    pub client: Client,
    pub group_id: GroupId,
    pub live_migration_id: LiveMigrationId,
    /// With `--demo`, the mock that plays the job (alive while this is).
    _mock: Option<MockAtlas>,
}

impl Job {
    /// The client and the job's IDs: from the flags, or, with `--demo`, a
    /// mock that plays a migration.
    pub async fn target(self) -> Result<Target, Failure> {
        if !self.demo {
            let group_id = self.project.required()?;
            let client = self.connection.client()?;
            let live_migration_id = self
                .live_migration_id
                .expect("clap requires it without --demo");
            return Ok(Target {
                client,
                group_id,
                live_migration_id,
                _mock: None,
            });
        }
        let (id, secret) = DEMO_CLIENT;
        let mock = MockAtlas::start(Scenario::default().service_account(id, secret).job_exists())
            .await
            .map_err(|e| {
                Failure::usage(format!("cannot start the --demo server on 127.0.0.1: {e}"))
            })?;
        let mut builder = Client::builder()
            .base_url(mock.base_url())
            .credentials(Credentials::service_account(id, secret));
        if let Some(version) = self.connection.api_version {
            builder = builder.api_version(version);
        }
        let group_id = self.project.group_id.unwrap_or_else(|| {
            atlas_live_migration_mock::GROUP_ID
                .parse()
                .expect("the mock's IDs are valid")
        });
        let live_migration_id = self.live_migration_id.unwrap_or_else(|| {
            atlas_live_migration_mock::LIVE_MIGRATION_ID
                .parse()
                .expect("the mock's IDs are valid")
        });
        Ok(Target {
            client: builder.build()?,
            group_id,
            live_migration_id,
            _mock: Some(mock),
        })
    }
}

/// An ID flag's parser: the ID newtype's own check, with the message to fix it.
pub fn parse_id<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value.parse().map_err(|_| ID_EXPECTED.to_owned())
}

/// What an ID is, as every command says it.
pub const ID_EXPECTED: &str =
    "expected 24 lower-case hexadecimal digits, such as 32b6e34b3d91647abb20e7b8";

/// The pattern Atlas's IDs have in the spec, as the generated types report
/// a value that does not match it.
pub const ID_PATTERN_REFUSED: &str = "doesn't match pattern \"^([a-f0-9]{24})$\"";
