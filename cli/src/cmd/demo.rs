//! `demo`: the whole lifecycle (validation, create, waiting with progress,
//! cutover, complete) against the library's mock Atlas on 127.0.0.1, through
//! the same client, HTTP and service-account code as against Atlas.

use std::time::Duration;

use clap::Args;

use atlas_live_migration_api::cloud_manager;
use atlas_live_migration_api::types::{
    DestinationHostnameSchemaType, GroupId, LiveMigrationRequest20240530,
};
use atlas_live_migration_api::{
    Checked, Client, Credentials, LifecycleEvent, ValidationOutcome, WaitEvent, WaitOptions,
};
use atlas_live_migration_mock::{self as mock, MockAtlas, Scenario, SourceProject};

use super::link;
use super::outcome::summarize;
use super::target::DEMO_CLIENT;
use crate::body::MigrationBody;
use crate::display::Display;
use crate::fleet::ApplyOptions;
use crate::output::Output;
use crate::{Failure, exit, output};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Time between polls [default: 500ms]
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<Duration>,

    /// A fleet of N migrations (12 when no N is given) through `fleet apply
    /// --cutover`, against a mock Atlas whose rate limit is 60 requests per 10 s
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "12", value_parser = clap::value_parser!(u16).range(1..))]
    pub fleet: Option<u16>,
}

pub async fn run(args: DemoArgs) -> Result<u8, Failure> {
    if let Some(count) = args.fleet {
        return fleet(count, args.interval).await;
    }
    let (id, secret) = DEMO_CLIENT;
    let atlas = MockAtlas::start(Scenario::default().service_account(id, secret))
        .await
        .map_err(|e| Failure::usage(format!("cannot start the demo server on 127.0.0.1: {e}")))?;
    let client = Client::builder()
        .base_url(atlas.base_url())
        .credentials(Credentials::service_account(id, secret))
        .build()?;
    let options = WaitOptions {
        interval: args.interval.unwrap_or(Duration::from_millis(500)),
        ..WaitOptions::default()
    };
    let group_id: GroupId = mock::GROUP_ID.parse().expect("a valid ID");
    println!(
        "demo: a mock Atlas on {}, no account used",
        atlas.base_url()
    );

    let validation = client
        .validate_group_live_migrations()
        .group_id(group_id.clone())
        .body(request())
        .send()
        .checked()
        .await?;
    let validation_id = validation
        .validation_id()
        .expect("the mock answers with an ID");
    println!("1. validation {} started", validation_id.as_str());
    let validated = client
        .wait_for_validation(&group_id, &validation_id, options, |event| {
            if let WaitEvent::Observed(seen) = event {
                let status = seen
                    .job
                    .status
                    .as_ref()
                    .map_or("-".to_owned(), |s| s.to_string());
                println!("   validation {status}");
            }
        })
        .await?;
    if !matches!(validated, ValidationOutcome::Success(_)) {
        return Ok(exit::FAILED);
    }

    let job = client
        .create_group_live_migration()
        .group_id(group_id.clone())
        .body(request())
        .send()
        .checked()
        .await?;
    let live_migration_id = job
        .live_migration_id()
        .expect("the mock answers with an ID");
    println!(
        "2. migration {} created: {}",
        live_migration_id.as_str(),
        output::state(&job)
    );

    println!("3. waiting until it is ready for cutover, then cutting over");
    let mut display = Display::for_stderr();
    let clear = display.clearer();
    let outcome = client
        .cutover_when_ready(
            &group_id,
            &live_migration_id,
            options,
            async |ready| {
                clear();
                println!(
                    "4. ready for cutover ({}): cutting over",
                    output::state(&ready.job)
                );
                true
            },
            |event| match event {
                LifecycleEvent::Waiting(event) => display.show(event),
                LifecycleEvent::CutoverStarted => display.note("   cutover started"),
                _ => {}
            },
        )
        .await?;
    clear();
    let (code, summary) = summarize(&outcome);
    println!("5. {summary}");
    let requests = atlas.requests();
    let cutovers = requests.iter().filter(|r| r.method == "PUT").count();
    println!(
        "   {} requests to the mock in all; {cutovers} cutover request",
        requests.len()
    );
    Ok(code)
}

/// The demo's migration request. The password is never printed.
fn request() -> LiveMigrationRequest20240530 {
    let group_id: GroupId = mock::GROUP_ID.parse().expect("the mock's ID is valid");
    let source_group_id: GroupId = "6296fb4c7c7aa997cf94e9a0".parse().expect("a valid ID");
    MigrationBody {
        cluster_name: "atlas-cluster",
        group_id: &group_id,
        hostname_schema_type: DestinationHostnameSchemaType::Public,
        migration_host: "vm001.example.com",
        source_cluster_name: "onprem-cluster",
        source_group_id: &source_group_id,
        source_managed_authentication: false,
        source_ssl: true,
        source_ca_certificate_path: None,
        source_username: Some("admin".to_owned()),
        source_password: Some("demo-source-password".into()),
        drop_destination_data: false,
    }
    .build()
    .unwrap_or_else(|_| unreachable!("the demo's request is complete"))
}

/// `demo --fleet`: a plan of `count` migrations written to a scratch
/// folder, applied with `--cutover --force` against a mock Atlas whose
/// bucket holds 60 requests and refills 60 every 10 s.
async fn fleet(count: u16, interval: Option<Duration>) -> Result<u8, Failure> {
    let (id, secret) = DEMO_CLIENT;
    // The source side as Atlas sees it: one project in Cloud Manager with
    // the plan's three migration hosts registered and its replica sets.
    let source_project = "6296fb4c7c7aa997cf94e9a0";
    let sources = vec![SourceProject::new(
        "On-premises project",
        source_project,
        (1..=3).map(|n| format!("vm{n:03}.example.com")),
        (1..=count).map(|n| format!("rs-{n:02}")),
    )];
    let scenario = Scenario::default()
        .service_account(id, secret)
        .rate_limit(60, Duration::from_secs(10))
        .sources(sources);
    let atlas = MockAtlas::start(scenario)
        .await
        .map_err(|e| Failure::usage(format!("cannot start the demo server on 127.0.0.1: {e}")))?;
    let folder =
        std::env::temp_dir().join(format!("atlas-live-migration-demo-{}", std::process::id()));
    std::fs::create_dir_all(&folder)
        .map_err(|e| Failure::usage(format!("cannot make {}: {e}", folder.display())))?;
    let plan_path = folder.join("plan.yaml");
    let mut plan = format!(
        "# A demo plan: {} into the mock's project, on a pool of three\n\
         # migration hosts (each migration takes one no unfinished migration holds),\n\
         # in two waves, with hooks around each cutover.\n\
         projectId: {}\nmigrationHosts: [vm001.example.com, vm002.example.com, vm003.example.com]\n\
         sourceOrgId: {}\nsourceProjectId: {source_project}\nsourceUsername: admin\n\
         sourcePasswordEnv: DEMO_SOURCE_PASSWORD\nsourceSsl: true\nmigrations:\n",
        output::count(usize::from(count), "migration"),
        mock::GROUP_ID,
        mock::SOURCE_ORG_ID,
    );
    // Hooks that say what a real one would do (their output goes to the
    // state's logs), and two waves: the second half cuts over once the
    // first is COMPLETE.
    plan = plan.replace(
        "migrations:\n",
        "beforeCutover: [sh, -c, 'echo would stop the writes of $FLEET_NAME to $FLEET_SOURCE_CLUSTER_NAME']\n\
         afterCutover: [sh, -c, 'echo would point $FLEET_NAME at $FLEET_CLUSTER_NAME']\n\
         migrations:\n",
    );
    for n in 1..=count {
        let wave = if n * 2 > count { 2 } else { 1 };
        plan.push_str(&format!(
            "  - name: app-{n:02}\n    clusterName: atlas-{n:02}\n    sourceClusterName: rs-{n:02}\n    wave: {wave}\n"
        ));
    }
    std::fs::write(&plan_path, plan)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", plan_path.display())))?;
    let state = folder.join("state.json");
    let _ = std::fs::remove_file(&state);
    println!(
        "demo: {} from {} against a mock Atlas on {} (60 requests per 10 s); \
         the state is {}",
        output::count(usize::from(count), "migration"),
        plan_path.display(),
        atlas.base_url(),
        state.display()
    );
    // The demo's password variable, read from here rather than the
    // environment.
    let migrations = crate::fleet::plan::read_with(&plan_path, &|name| {
        (name == "DEMO_SOURCE_PASSWORD").then(|| "demo-source-password".to_owned())
    })
    .map_err(Failure::usage)?;
    let options = ApplyOptions {
        state: state.clone(),
        cutover: true,
        force: true,
        concurrency: count,
        interval: interval.unwrap_or(Duration::from_millis(500)),
        timeout: None,
        rate_limit_reserve: 0,
        output: Output::Table,
    };
    // The link first, as a team starts: the token Atlas makes goes to the
    // source organization in (the mock's) Cloud Manager, unseen.
    let builder = || {
        Client::builder()
            .base_url(atlas.base_url())
            .credentials(Credentials::service_account(id, secret))
    };
    let (public, private) = mock::SOURCE_API_KEY;
    let source = cloud_manager::Client::builder()
        .base_url(atlas.base_url())
        .api_key(public, private)
        .build()?;
    let atlas_org: atlas_live_migration_api::types::OrgId =
        mock::ORG_ID.parse().expect("a valid ID");
    let source_org: cloud_manager::types::OrgId = mock::SOURCE_ORG_ID.parse().expect("a valid ID");
    let token = link::make_token(&builder().build()?, &atlas_org, Vec::new()).await?;
    let wait = link::Wait {
        timeout: Duration::from_secs(30),
        interval: options.interval,
    };
    let linked = link::hand_over(&source, &source_org, token, mock::ORG_ID, &wait).await?;
    println!(
        "demo: {}",
        link::linked_line(&source_org, mock::ORG_ID, &linked)
    );
    let side = crate::fleet::sources::SourceSide {
        client: source,
        org_id: source_org,
    };
    let code = crate::fleet::apply(options, migrations, builder(), Some(side)).await?;
    println!("\nfleet status --state {}:", state.display());
    crate::fleet::status::print_status(&state, Output::Table, None)?;
    let requests = atlas.requests();
    let count_of = |method: &str, end: &str| {
        requests
            .iter()
            .filter(|r| r.method == method && r.path.ends_with(end))
            .count()
    };
    println!(
        "{} requests to the mock in all ({} answered 429); {} creates, {} cutovers",
        requests.len(),
        atlas.rate_limited(),
        count_of("POST", "/liveMigrations"),
        count_of("PUT", "/cutover"),
    );
    Ok(code)
}
