//! `fleet plan --demo` and `fleet apply --demo`: the user's own plan
//! rehearsed against the embedded mock Atlas on 127.0.0.1. Its projects,
//! source projects, source clusters and migration hosts are the plan's;
//! with the plan's `sourceOrgId`, the link is made first, as a team would.
//! No account and no credentials: the mock takes the demo's service
//! account. Hooks and `notify` run for real; the state is written as usual.

use std::collections::BTreeMap;
use std::time::Duration;

use atlas_live_migration_api::{Client, ClientBuilder, Credentials, cloud_manager};
use atlas_live_migration_mock::{self as mock, MockAtlas, Scenario, SourceProject};

use super::plan::Migration;
use super::sources::SourceSide;
use crate::Failure;
use crate::cmd::link;
use crate::cmd::target::DEMO_CLIENT;

/// The mock Atlas a rehearsal runs against; it serves until dropped.
pub struct Rehearsal {
    atlas: MockAtlas,
}

impl Rehearsal {
    /// A mock Atlas with the plan's projects, and the plan's source
    /// projects with their clusters and every host the plan names.
    pub async fn start(migrations: &[Migration]) -> Result<Self, Failure> {
        let mut projects: Vec<String> = migrations
            .iter()
            .map(|m| m.group_id.as_str().to_owned())
            .collect();
        projects.sort();
        projects.dedup();
        let mut sources: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for m in migrations {
            let (hosts, clusters) = sources.entry(m.source_project_id.as_str()).or_default();
            hosts.extend(m.hosts.iter().cloned());
            clusters.push(m.source_cluster_name.clone());
        }
        let sources = sources
            .into_iter()
            .map(|(id, (mut hosts, mut clusters))| {
                hosts.sort();
                hosts.dedup();
                clusters.sort();
                clusters.dedup();
                SourceProject::new("rehearsed source project", id, hosts, clusters)
            })
            .collect();
        let (id, secret) = DEMO_CLIENT;
        let mut scenario = Scenario::default()
            .service_account(id, secret)
            .projects(projects)
            .sources(sources);
        if let Some(org) = migrations.first().and_then(|m| m.source_org_id.as_ref()) {
            scenario = scenario.source_org_id(org.as_str());
        }
        let atlas = MockAtlas::start(scenario).await.map_err(|e| {
            Failure::usage(format!("cannot start the mock Atlas on 127.0.0.1: {e}"))
        })?;
        eprintln!(
            "--demo: the plan against a mock Atlas on {} (no account, nothing leaves this \
             machine); hooks and notify run for real",
            atlas.base_url()
        );
        Ok(Self { atlas })
    }

    /// A client of the mock, as `fleet apply` builds one of Atlas.
    pub fn client(&self) -> ClientBuilder {
        let (id, secret) = DEMO_CLIENT;
        Client::builder()
            .base_url(self.atlas.base_url())
            .credentials(Credentials::service_account(id, secret))
    }

    /// With the plan's `sourceOrgId`: the link made in the mock (the token
    /// handed to its Cloud Manager unseen, `SYNCED` awaited), and the source
    /// side the check reads. `None` when the plan names no source
    /// organization.
    pub async fn link(&self, migrations: &[Migration]) -> Result<Option<SourceSide>, Failure> {
        let Some(org) = migrations.first().and_then(|m| m.source_org_id.as_ref()) else {
            return Ok(None);
        };
        let (public, private) = mock::SOURCE_API_KEY;
        let source = cloud_manager::Client::builder()
            .base_url(self.atlas.base_url())
            .api_key(public, private)
            .build()?;
        let atlas_org: atlas_live_migration_api::types::OrgId =
            mock::ORG_ID.parse().expect("a valid ID");
        let source_org: cloud_manager::types::OrgId =
            org.as_str().parse().expect("the plan checked it");
        let token = link::make_token(&self.client().build()?, &atlas_org, Vec::new()).await?;
        let wait = link::Wait {
            timeout: Duration::from_secs(30),
            interval: Duration::from_millis(100),
        };
        let linked = link::hand_over(&source, &source_org, token, mock::ORG_ID, &wait).await?;
        eprintln!(
            "--demo: {}",
            link::linked_line(&source_org, mock::ORG_ID, &linked)
        );
        Ok(Some(SourceSide {
            client: source,
            org_id: source_org,
        }))
    }
}
