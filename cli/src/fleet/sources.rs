//! The plan checked against what Atlas sees of the source, before any
//! validation: each destination project's organization (`getGroup`), one
//! `availableProjects` read per organization, and each migration's source
//! project, source cluster and migration hosts found there; with the
//! plan's `sourceOrgId` and Cloud Manager's key, the link read `SYNCED`.
//! Reads only.

use std::collections::{BTreeMap, BTreeSet};

use atlas_live_migration_api::types::{AvailableClustersDeployment, LiveImportAvailableProject};
use atlas_live_migration_api::{Checked, Client, cloud_manager};

use super::plan::Migration;
use crate::Failure;

/// What a source deployment is, as `availableProjects` lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub project: String,
    pub name: String,
    #[serde(rename = "mongoDBVersion")]
    pub mongodb_version: Option<String>,
    pub feature_compatibility_version: Option<String>,
    pub sharded: Option<bool>,
}

/// The outcome of the check.
#[derive(Debug, Default)]
pub struct SourceCheck {
    /// Each problem, naming its migrations and value; none when the plan fits.
    pub problems: Vec<String>,
    /// Each checked migration's source deployment, by migration name.
    pub deployments: BTreeMap<String, Deployment>,
}

/// The source organization's side, when the plan names it and Cloud
/// Manager's key is there.
pub struct SourceSide {
    pub client: cloud_manager::Client,
    pub org_id: cloud_manager::types::OrgId,
}

/// The source side for the plan: `None` when the plan names no
/// `sourceOrgId`, or (with a note) when Cloud Manager's key is not set.
pub fn source_side(migrations: &[Migration], notes: &mut Vec<String>) -> Option<SourceSide> {
    let org = migrations.first()?.source_org_id.as_ref()?;
    let org_id = org.as_str().parse().ok()?;
    match crate::connection::source_client() {
        Ok(client) => Some(SourceSide { client, org_id }),
        Err(failure) => {
            notes.push(format!(
                "the link of Cloud Manager organization {} was not checked: {}",
                org.as_str(),
                failure.message
            ));
            None
        }
    }
}

/// Checks `migrations` against Atlas (and the source side when given).
/// An answer that says a project does not exist is a problem of the
/// migrations naming it; any other failure of a read ends the check.
pub async fn check(
    client: &Client,
    migrations: &[&Migration],
    source: Option<&SourceSide>,
) -> Result<SourceCheck, Failure> {
    let mut found = SourceCheck::default();
    // Problems by their text, with the migrations they are of: one line for
    // a pool host that no migration can take, not one per migration.
    let mut problems: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut orgs: BTreeMap<String, Option<String>> = BTreeMap::new();
    for group in migrations
        .iter()
        .map(|m| m.group_id.as_str())
        .collect::<BTreeSet<_>>()
    {
        let answer = client.get_group().group_id(group).send().checked().await;
        let org = match answer {
            Ok(project) => project.into_inner().org_id,
            Err(error) if error.status().is_some_and(|s| s.as_u16() == 404) => {
                for m in migrations.iter().filter(|m| m.group_id.as_str() == group) {
                    problems
                        .entry(format!(
                            "projectId {group} is not a project Atlas has: {error}"
                        ))
                        .or_default()
                        .push(&m.name);
                }
                None
            }
            Err(error) => return Err(error.into()),
        };
        orgs.insert(group.to_owned(), org);
    }
    let mut available: BTreeMap<String, Vec<LiveImportAvailableProject>> = BTreeMap::new();
    for org in orgs.values().flatten().collect::<BTreeSet<_>>() {
        let projects = client
            .list_org_live_migration_available_projects()
            .org_id(org.as_str())
            .send()
            .checked()
            .await?
            .into_inner();
        available.insert(org.clone(), projects);
    }
    for migration in migrations {
        let Some(Some(org)) = orgs.get(migration.group_id.as_str()) else {
            continue;
        };
        let projects = available.get(org).map(Vec::as_slice).unwrap_or_default();
        let source_project = migration.source_project_id.as_str();
        let Some(project) = projects
            .iter()
            .find(|p| p.project_id.as_deref() == Some(source_project))
        else {
            let reached: Vec<String> = projects.iter().map(project_label).collect();
            let reached = if reached.is_empty() {
                format!(
                    "it reaches none: link a source organization with `link create --orgId {org} \
                     --sourceOrgId SOURCE_ORG_ID`"
                )
            } else {
                format!("it reaches {}", list(&reached))
            };
            problems
                .entry(format!(
                    "sourceProjectId {source_project} is not a source project that the link of \
                     Atlas organization {org} reaches ({reached})"
                ))
                .or_default()
                .push(&migration.name);
            continue;
        };
        let label = project_label(project);
        match project
            .deployments
            .iter()
            .find(|d| d.name.as_deref() == Some(migration.source_cluster_name.as_str()))
        {
            Some(deployment) => {
                found.deployments.insert(
                    migration.name.clone(),
                    described(&label, &migration.source_cluster_name, deployment),
                );
            }
            None => {
                let names: Vec<String> = project
                    .deployments
                    .iter()
                    .filter_map(|d| d.name.clone())
                    .collect();
                problems
                    .entry(format!(
                        "sourceClusterName {} is not a deployment of source project {label} \
                         (its deployments: {})",
                        migration.source_cluster_name,
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            list(&names)
                        }
                    ))
                    .or_default()
                    .push(&migration.name);
            }
        }
        for host in &migration.hosts {
            let registered = project
                .migration_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host));
            if !registered {
                problems
                    .entry(format!(
                        "migration host {host} is not registered in source project {label} (its \
                         registered hosts: {}); a migration host is a server whose MongoDB Agent \
                         runs with agentFeatureCloudMigrationEnabled=true in that project",
                        if project.migration_hosts.is_empty() {
                            "none".to_owned()
                        } else {
                            list(&project.migration_hosts)
                        }
                    ))
                    .or_default()
                    .push(&migration.name);
            }
        }
    }
    if let Some(source) = source {
        let link = source
            .client
            .get_org_migration_link_status()
            .org_id(source.org_id.clone())
            .send()
            .checked()
            .await?
            .into_inner();
        if !link.is_synced() {
            let atlas_org = orgs.values().flatten().next().cloned();
            found.problems.push(format!(
                "  the link of Cloud Manager organization {} reads {}, not SYNCED: `link create \
                 --orgId {} --sourceOrgId {}` makes it, `link status --sourceOrgId {}` reads it",
                source.org_id.as_str(),
                link.status_text(),
                atlas_org.as_deref().unwrap_or("ATLAS_ORG_ID"),
                source.org_id.as_str(),
                source.org_id.as_str(),
            ));
        }
    }
    for (problem, names) in problems {
        let whom = match names.as_slice() {
            [one] => format!("migration {one}"),
            many => format!("migrations {}", many.join(", ")),
        };
        found.problems.push(format!("  {whom}: {problem}"));
    }
    Ok(found)
}

/// A project as a person finds it: its name and ID.
fn project_label(project: &LiveImportAvailableProject) -> String {
    match (&project.name, &project.project_id) {
        (Some(name), Some(id)) => format!("{name} ({id})"),
        (None, Some(id)) => id.clone(),
        (Some(name), None) => name.clone(),
        (None, None) => "(unnamed)".to_owned(),
    }
}

fn described(project: &str, name: &str, d: &AvailableClustersDeployment) -> Deployment {
    Deployment {
        project: project.to_owned(),
        name: name.to_owned(),
        mongodb_version: d.mongo_db_version.clone(),
        feature_compatibility_version: d.feature_compatibility_version.clone(),
        sharded: d.sharded,
    }
}

/// Up to ten values, and how many more.
fn list(values: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text = values
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > SHOWN {
        text.push_str(&format!(" and {} more", values.len() - SHOWN));
    }
    text
}
