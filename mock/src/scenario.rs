//! How the mock's migrations go.

use std::time::Duration;

/// How the mock's migration goes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Scenario {
    /// The validation's status on each poll after the validate POST (which
    /// answers `PENDING`); the last one repeats.
    pub validation: Vec<&'static str>,
    /// The job on each poll before the cutover: (status, lag seconds,
    /// ready for cutover); the last one repeats.
    pub replication: Vec<(&'static str, Option<u32>, bool)>,
    /// Polls after the cutover before the job is `COMPLETE`.
    pub polls_to_complete: usize,
    /// Answer the create POST with this status and an Atlas error instead.
    pub fail_create: Option<u16>,
    /// The service account the token endpoint accepts; `None` accepts any
    /// request without checking its authorization.
    pub service_account: Option<(&'static str, &'static str)>,
    /// The migration exists from the start (no create needed).
    pub job_exists: bool,
    /// A member the spec's job lacks, sent in every answer with the job, as
    /// Atlas adds members before its spec lists them.
    pub job_member_unlisted: Option<(&'static str, serde_json::Value)>,
    /// The rate limit: each scope's bucket holds this many requests and
    /// refills as many in this time. `None`: Atlas's documented buckets
    /// for the family (1200 a project, refilled 500 a minute; 500 an
    /// organization, refilled 250 a minute).
    pub rate_limit: Option<(u32, Duration)>,
    /// The create of this destination cluster is carried out, but its
    /// answer never sent: the connection is closed, as when a network
    /// cuts it.
    pub lose_create_answer: Option<&'static str>,
    /// Atlas's cutover timer: a job ready for cutover this long without a
    /// cutover is `EXPIRED`. `None`: never (Atlas's is 120 hours).
    pub cutover_timer: Option<Duration>,
    /// The first cutover of each job is carried out, and its answer held
    /// back this long (a slow or stalled answer; a client killed meanwhile
    /// never sees it).
    pub hold_cutover_answer: Option<Duration>,
    /// The job is ready for cutover this long after its create, whether
    /// anyone reads it or not (`WORKING` before, lag 30 s, then 2 s); its
    /// cutover timer runs from then.
    pub ready_after: Option<Duration>,
    /// Lags that change with time, not with reads: the job is ready from
    /// its create, and its lag is the `n`th of the list during the `n`th
    /// step after it (the last one stays).
    pub lags_over_time: Option<(Duration, Vec<u32>)>,
    /// Atlas refuses every cutover (`400 CANNOT_CUTOVER_LIVE_MIGRATION`).
    pub refuse_cutover: bool,
    /// The source projects the link reaches (`availableProjects`), with
    /// their registered migration hosts and deployments.
    pub sources: Vec<SourceProject>,
    /// The Cloud Manager API key (public, private) the source side takes.
    pub source_api_key: (&'static str, &'static str),
    /// Status reads of a new source link that answer `NOT_SYNCED` before
    /// it reads `SYNCED`.
    pub link_synced_after: usize,
    /// The Atlas projects the mock has (all in its one organization,
    /// `ORG_ID`); a request to another project gets `404`.
    pub projects: Vec<String>,
    /// The source organization in the mock's Cloud Manager.
    pub source_org_id: String,
}

/// A source project as `availableProjects` lists it.
#[derive(Clone, Debug)]
pub struct SourceProject {
    /// Its name in Cloud Manager.
    pub name: String,
    /// Its ID in Cloud Manager (a migration's `sourceProjectId`).
    pub project_id: String,
    /// The migration hosts registered in it (agents with
    /// `agentFeatureCloudMigrationEnabled`).
    pub migration_hosts: Vec<String>,
    /// Its deployments.
    pub deployments: Vec<SourceDeployment>,
}

/// A deployment of a source project.
#[derive(Clone, Debug)]
pub struct SourceDeployment {
    /// Its name (a migration's `sourceClusterName`).
    pub name: String,
    /// `mongoDBVersion`.
    pub mongodb_version: String,
    /// `featureCompatibilityVersion`.
    pub feature_compatibility_version: String,
    /// Whether it is sharded.
    pub sharded: bool,
}

impl SourceProject {
    /// A project with these hosts and deployments (MongoDB 7.0.12, FCV 7.0,
    /// a replica set each).
    pub fn new<H, D>(name: &str, project_id: &str, hosts: H, deployments: D) -> Self
    where
        H: IntoIterator,
        H::Item: Into<String>,
        D: IntoIterator,
        D::Item: Into<String>,
    {
        Self {
            name: name.to_owned(),
            project_id: project_id.to_owned(),
            migration_hosts: hosts.into_iter().map(Into::into).collect(),
            deployments: deployments
                .into_iter()
                .map(|name| SourceDeployment {
                    name: name.into(),
                    mongodb_version: "7.0.12".to_owned(),
                    feature_compatibility_version: "7.0".to_owned(),
                    sharded: false,
                })
                .collect(),
        }
    }
}

/// The mock's source side unless told otherwise: two projects, each with
/// migration hosts `vm001.example.com`…`vm016.example.com` registered and
/// the deployments `rs-01`…`rs-64` (the first project also has
/// `source-cluster`, MongoDB 7.0.12, listed first; every fourth `rs-` is
/// sharded and runs 6.0.15).
fn default_sources() -> Vec<SourceProject> {
    let hosts = || (1..=16).map(|n| format!("vm{n:03}.example.com"));
    let replica_sets = || (1..=64).map(|n| format!("rs-{n:02}"));
    let mut projects = vec![
        SourceProject::new(
            "On-premises project",
            "6296fb4c7c7aa997cf94e9a0",
            hosts(),
            std::iter::once("source-cluster".to_owned()).chain(replica_sets()),
        ),
        SourceProject::new(
            "Data center project",
            "5e2211c17a3e5a48f5497de3",
            hosts(),
            replica_sets(),
        ),
    ];
    for project in &mut projects {
        for deployment in &mut project.deployments {
            if let Some(n) = deployment.name.strip_prefix("rs-")
                && n.parse::<u32>().is_ok_and(|n| n % 4 == 0)
            {
                deployment.sharded = true;
                deployment.mongodb_version = "6.0.15".to_owned();
                deployment.feature_compatibility_version = "6.0".to_owned();
            }
        }
    }
    projects
}

impl Default for Scenario {
    /// A validation that passes on the second poll, and a migration that is
    /// ready for cutover on its sixth poll and complete two polls after the
    /// cutover.
    fn default() -> Self {
        Self {
            validation: vec!["PENDING", "SUCCESS"],
            replication: vec![
                ("NEW", None, false),
                ("WORKING", Some(95), false),
                ("WORKING", Some(48), false),
                ("WORKING", Some(21), false),
                ("WORKING", Some(7), false),
                ("WORKING", Some(2), true),
            ],
            polls_to_complete: 2,
            fail_create: None,
            service_account: None,
            job_exists: false,
            job_member_unlisted: None,
            rate_limit: None,
            lose_create_answer: None,
            cutover_timer: None,
            hold_cutover_answer: None,
            ready_after: None,
            lags_over_time: None,
            refuse_cutover: false,
            sources: default_sources(),
            source_api_key: crate::SOURCE_API_KEY,
            link_synced_after: 1,
            projects: vec![crate::GROUP_ID.to_owned()],
            source_org_id: crate::SOURCE_ORG_ID.to_owned(),
        }
    }
}

impl Scenario {
    /// The validation ends `FAILED` on its second poll.
    pub fn failing_validation(mut self) -> Self {
        self.validation = vec!["PENDING", "FAILED"];
        self
    }

    /// The create POST answers `status` (such as 500).
    pub fn failing_create(mut self, status: u16) -> Self {
        self.fail_create = Some(status);
        self
    }

    /// The token endpoint accepts only this client, and the API only the
    /// tokens it issued.
    pub fn service_account(mut self, client_id: &'static str, secret: &'static str) -> Self {
        self.service_account = Some((client_id, secret));
        self
    }

    /// The migration exists from the start, as if created earlier.
    pub fn job_exists(mut self) -> Self {
        self.job_exists = true;
        self
    }

    /// Every answer with the job has the member `name` with `value`, which
    /// the spec's job does not have.
    pub fn job_member_unlisted(mut self, name: &'static str, value: serde_json::Value) -> Self {
        self.job_member_unlisted = Some((name, value));
        self
    }

    /// Each scope's bucket holds `capacity` requests and refills
    /// `capacity` every `per`.
    pub fn rate_limit(mut self, capacity: u32, per: Duration) -> Self {
        self.rate_limit = Some((capacity, per));
        self
    }

    /// The create of `cluster_name` is carried out and its answer lost.
    pub fn lose_create_answer(mut self, cluster_name: &'static str) -> Self {
        self.lose_create_answer = Some(cluster_name);
        self
    }

    /// The job ends `FAILED` on its third poll.
    pub fn failing_migration(mut self) -> Self {
        self.replication = vec![
            ("NEW", None, false),
            ("WORKING", Some(30), false),
            ("FAILED", None, false),
        ];
        self
    }

    /// The job is ready for cutover on the first poll.
    pub fn ready_at_once(mut self) -> Self {
        self.replication = vec![("WORKING", Some(1), true)];
        self
    }

    /// Atlas's cutover timer, made short: a job ready this long without a
    /// cutover is `EXPIRED`.
    pub fn cutover_timer(mut self, timer: Duration) -> Self {
        self.cutover_timer = Some(timer);
        self
    }

    /// The job is ready for cutover on the first poll, with these lags on
    /// its polls (the last repeats): the lag falls while the source's
    /// writes drain, as it does once an application stops writing.
    pub fn ready_with_lags(mut self, lags: &[u32]) -> Self {
        self.replication = lags
            .iter()
            .map(|lag| ("WORKING", Some(*lag), true))
            .collect();
        self
    }

    /// The first cutover of each job is carried out and its answer held
    /// back for `delay`.
    pub fn hold_cutover_answer(mut self, delay: Duration) -> Self {
        self.hold_cutover_answer = Some(delay);
        self
    }

    /// The job is ready for cutover `after` its create, read or not.
    pub fn ready_after(mut self, after: Duration) -> Self {
        self.ready_after = Some(after);
        self
    }

    /// Ready from its create, with a lag that is `lags[n]` during the
    /// `n`th `step` after it (the last one stays).
    pub fn lags_over_time(mut self, step: Duration, lags: &[u32]) -> Self {
        self.lags_over_time = Some((step, lags.to_vec()));
        self
    }

    /// Atlas refuses every cutover.
    pub fn refusing_cutover(mut self) -> Self {
        self.refuse_cutover = true;
        self
    }

    /// The Atlas projects the mock has, instead of `GROUP_ID` alone.
    pub fn projects(mut self, projects: Vec<String>) -> Self {
        self.projects = projects;
        self
    }

    /// The source organization in the mock's Cloud Manager, instead of
    /// `SOURCE_ORG_ID`.
    pub fn source_org_id(mut self, id: &str) -> Self {
        self.source_org_id = id.to_owned();
        self
    }

    /// The source projects the link reaches, instead of the default two.
    pub fn sources(mut self, sources: Vec<SourceProject>) -> Self {
        self.sources = sources;
        self
    }
}
