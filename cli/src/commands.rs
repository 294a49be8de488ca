//! One function per command: read the flags, make the calls, print, and
//! choose the exit code. The waiting is the library's.

use std::cell::Cell;
use std::time::Duration;

use atlas_live_migration_api::types::{
    Destination, DestinationHostnameSchemaType, GroupId, LiveImportValidationStatus,
    LiveMigrationId, LiveMigrationRequest20240530, LiveMigrationResponse,
    LiveMigrationResponseStatus, Source, TargetOrgRequest,
};
use atlas_live_migration_api::{
    Checked, Client, Credentials, CutoverOutcome, Error, LifecycleEvent, Observation, Secret,
    ValidationOutcome, WaitEvent, WaitOptions,
};
use atlas_live_migration_mock::{MockAtlas, Scenario};

use crate::args::{
    CreateArgs, CutoverArgs, DescribeArgs, HostnameSchema, Job, LinkCreateArgs, LinkDeleteArgs,
    MigrationRequest, Output, Polling, Project, ProjectsArgs, ValidationCreateArgs,
    ValidationDescribeArgs, WatchArgs,
};
use crate::display::Display;
use crate::{Failure, exit, output, prompt};

/// The service account the `--demo` mock accepts.
pub const DEMO_CLIENT: (&str, &str) = ("mdb_sa_id_demo", "mdb_sa_sk_demo");

fn group(project: Project) -> Result<GroupId, Failure> {
    project.group_id.ok_or_else(|| {
        Failure::usage("set the project: --projectId ID, or MONGODB_ATLAS_PROJECT_ID".to_owned())
    })
}

/// A client and the job's IDs: from the flags, or, with `--demo`, a mock
/// that plays a migration (kept alive by the returned handle).
async fn job_target(
    job: Job,
) -> Result<(Client, GroupId, LiveMigrationId, Option<MockAtlas>), Failure> {
    if !job.demo {
        let group_id = group(job.project)?;
        let client = crate::client(job.connection)?;
        let id = job
            .live_migration_id
            .expect("clap requires it without --demo");
        return Ok((client, group_id, id, None));
    }
    let (id, secret) = DEMO_CLIENT;
    let mock = MockAtlas::start(Scenario::default().service_account(id, secret).job_exists())
        .await
        .map_err(|e| Failure::usage(format!("cannot start the --demo server on 127.0.0.1: {e}")))?;
    let mut builder = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::service_account(id, secret));
    if let Some(version) = job.connection.api_version {
        builder = builder.api_version(version);
    }
    let group_id = job.project.group_id.unwrap_or_else(|| {
        atlas_live_migration_mock::GROUP_ID
            .parse()
            .expect("the mock's IDs are valid")
    });
    let live_migration_id = job.live_migration_id.unwrap_or_else(|| {
        atlas_live_migration_mock::LIVE_MIGRATION_ID
            .parse()
            .expect("the mock's IDs are valid")
    });
    Ok((builder.build()?, group_id, live_migration_id, Some(mock)))
}

/// What a migration request says, however it was given (the flags, or the
/// demo's sample): the one place the 2024-05-30 body is built from.
pub struct Plan<'a> {
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

impl Plan<'_> {
    /// The request body (the password goes in as a `Secret`).
    pub fn body(self) -> Result<LiveMigrationRequest20240530, Failure> {
        let host = self
            .migration_host
            .try_into()
            .map_err(|e| Failure::usage(format!("invalid --migrationHost: {e}")))?;
        LiveMigrationRequest20240530::builder()
            .destination(
                Destination::builder()
                    .cluster_name(self.cluster_name)
                    .group_id(self.group_id.as_str())
                    .hostname_schema_type(self.hostname_schema_type),
            )
            .migration_hosts([host])
            .source(
                Source::builder()
                    .cluster_name(self.source_cluster_name)
                    .group_id(self.source_group_id.as_str())
                    .managed_authentication(self.source_managed_authentication)
                    .ssl(self.source_ssl)
                    .ca_certificate_path(self.source_ca_certificate_path)
                    .username(self.source_username)
                    .password(self.source_password),
            )
            .drop_destination_data(self.drop_destination_data)
            .try_into()
            .map_err(
                |e: atlas_live_migration_api::types::error::ConversionError| {
                    Failure::usage(format!("invalid migration request: {e}"))
                },
            )
    }
}

/// The request body from the flags (asking for the password if a user is
/// named and no password was given).
fn migration_body(
    request: &MigrationRequest,
    group_id: &GroupId,
) -> Result<LiveMigrationRequest20240530, Failure> {
    let password = match &request.source_username {
        Some(username) => Some(prompt::source_password(
            request.source_password.clone(),
            username,
        )?),
        None => request.source_password.clone(),
    };
    let hostname_schema_type = match request.hostname_schema_type {
        HostnameSchema::Public => DestinationHostnameSchemaType::Public,
        HostnameSchema::PrivateLink => DestinationHostnameSchemaType::PrivateLink,
        HostnameSchema::VpcPeering => DestinationHostnameSchemaType::VpcPeering,
    };
    let [host] = request.migration_hosts.as_slice() else {
        return Err(Failure::usage(format!(
            "Atlas takes exactly one --migrationHost per migration; {} were given",
            request.migration_hosts.len()
        )));
    };
    Plan {
        cluster_name: &request.cluster_name,
        group_id,
        hostname_schema_type,
        migration_host: host,
        source_cluster_name: &request.source_cluster_name,
        source_group_id: &request.source_project_id,
        source_managed_authentication: request.source_managed_authentication,
        source_ssl: request.source_ssl,
        source_ca_certificate_path: request.source_ca_certificate_path.clone(),
        source_username: request.source_username.clone(),
        source_password: password,
        drop_destination_data: request.drop,
    }
    .body()
}

fn options(polling: Polling, default_interval: Duration) -> WaitOptions {
    WaitOptions {
        interval: polling.interval.unwrap_or(default_interval),
        timeout: polling.timeout,
        ..WaitOptions::default()
    }
}

fn print(output: Output, json: String, table: impl FnOnce() -> String) {
    match output {
        Output::Json => println!("{json}"),
        Output::Table => println!("{}", table()),
    }
}

fn validation_code(status: Option<&LiveImportValidationStatus>) -> u8 {
    match status {
        Some(LiveImportValidationStatus::Failed) => exit::FAILED,
        _ => exit::DONE,
    }
}

pub async fn validation_create(args: ValidationCreateArgs) -> Result<u8, Failure> {
    let group_id = group(args.request.project.clone())?;
    let body = migration_body(&args.request, &group_id)?;
    let client = crate::client(args.request.connection)?;
    let validation = client
        .validate_group_live_migrations()
        .group_id(group_id.clone())
        .body(body)
        .send()
        .checked()
        .await?
        .into_inner();
    if !args.watch {
        print(args.output, output::json(&validation), || {
            output::validation_table(&validation)
        });
        return Ok(validation_code(
            validation.status.as_ref().and_then(|s| s.known()),
        ));
    }
    let validation_id = validation.validation_id().ok_or_else(|| Failure {
        code: exit::API_ERROR,
        message: "Atlas answered the validation without an _id to watch".to_owned(),
    })?;
    let waiting = client.wait_for_validation(
        &group_id,
        &validation_id,
        options(args.polling, Duration::from_secs(10)),
        |event| match event {
            WaitEvent::Observed(seen) => eprintln!(
                "validation {}: {}",
                validation_id.as_str(),
                seen.job
                    .status
                    .as_ref()
                    .map_or("-".to_owned(), |s| s.to_string())
            ),
            WaitEvent::PollFailed { error, .. } => {
                eprintln!("poll failed, still waiting: {error}")
            }
            _ => {}
        },
    );
    let Some(outcome) = until_interrupted(waiting, || {
        "interrupted; the validation itself goes on in Atlas".to_owned()
    })
    .await
    else {
        return Ok(exit::INTERRUPTED);
    };
    let outcome = outcome?;
    let (code, last) = match outcome {
        ValidationOutcome::Success(last) => (exit::DONE, Some(last)),
        ValidationOutcome::Failed(last) => (exit::FAILED, Some(last)),
        ValidationOutcome::TimedOut { last, .. } => (exit::TIMED_OUT, last),
        _ => (exit::API_ERROR, None),
    };
    if let Some(last) = last {
        print(args.output, output::json(&last), || {
            output::validation_table(&last)
        });
    }
    Ok(code)
}

pub async fn validation_describe(args: ValidationDescribeArgs) -> Result<u8, Failure> {
    let group_id = group(args.project)?;
    let client = crate::client(args.connection)?;
    let validation = client
        .get_group_live_migration_validate_status()
        .group_id(group_id)
        .validation_id(args.validation_id)
        .send()
        .checked()
        .await?
        .into_inner();
    print(args.output, output::json(&validation), || {
        output::validation_table(&validation)
    });
    Ok(validation_code(
        validation.status.as_ref().and_then(|s| s.known()),
    ))
}

pub async fn create(args: CreateArgs) -> Result<u8, Failure> {
    let group_id = group(args.request.project.clone())?;
    let body = migration_body(&args.request, &group_id)?;
    let client = crate::client(args.request.connection)?;
    let job = client
        .create_group_live_migration()
        .group_id(group_id)
        .body(body)
        .send()
        .checked()
        .await
        .map_err(create_failure)?
        .into_inner();
    print(args.output, output::json(&job), || output::job_table(&job));
    Ok(exit::DONE)
}

/// A create that failed after Atlas may have acted on it says so: the client
/// never sends it twice, and neither should the user without looking.
fn create_failure(error: Error) -> Failure {
    let refused = refused_before_acting(&error);
    let mut failure = Failure::from(error);
    if !refused {
        failure.message.push_str(
            "\nAtlas may have created the migration although this call failed; it was not sent \
             again. Before you run create again, check the project's live migrations in the \
             Atlas UI (the project's Migration page), or run \
             `atlas-live-migration describe --liveMigrationId ID` if you know its ID.",
        );
    }
    failure
}

/// Whether a POST that failed with `error` certainly did nothing in Atlas:
/// it was refused before it was sent, never reached Atlas, or Atlas
/// answered that it refused it (4xx).
pub fn refused_before_acting(error: &Error) -> bool {
    match error {
        Error::InvalidRequest { .. } | Error::Config(_) | Error::TokenRequest { .. } => true,
        // No connection was made: nothing reached Atlas.
        Error::Transport { source } => source.is_connect(),
        other => other.status().is_some_and(|s| s.is_client_error()),
    }
}

pub async fn describe(args: DescribeArgs) -> Result<u8, Failure> {
    let (client, group_id, live_migration_id, _mock) = job_target(args.job).await?;
    let mut request = client
        .get_push_migration()
        .group_id(group_id)
        .live_migration_id(live_migration_id);
    // Sent only when asked for, so the query stays as the user wrote it.
    if args.envelope {
        request = request.envelope(true);
    }
    if args.pretty {
        request = request.pretty(true);
    }
    let job = request.send().checked().await?.into_inner();
    print(args.output, output::json(&job), || output::job_table(&job));
    Ok(job_code(&job))
}

/// The exit code of a job's status: the one mapping every command uses.
fn job_code(job: &LiveMigrationResponse) -> u8 {
    match job.status.as_ref().and_then(|status| status.known()) {
        Some(LiveMigrationResponseStatus::Failed) => exit::FAILED,
        Some(LiveMigrationResponseStatus::Expired) => exit::EXPIRED,
        _ => exit::DONE,
    }
}

/// Runs `work` to its end, or until Ctrl-C: then prints what `interrupted`
/// says and gives `None` (exit code 130).
async fn until_interrupted<T>(
    work: impl Future<Output = T>,
    interrupted: impl FnOnce() -> String,
) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        _ = tokio::signal::ctrl_c() => {
            eprintln!("{}", interrupted());
            None
        }
    }
}

fn cutover_question(live_migration_id: &LiveMigrationId) -> String {
    let id = live_migration_id.as_str();
    format!(
        "Cut over live migration {id}? Atlas stops replicating from the source; \
         point your applications at the Atlas cluster"
    )
}

pub async fn cutover(args: CutoverArgs) -> Result<u8, Failure> {
    let (client, group_id, live_migration_id, _mock) = job_target(args.job).await?;
    if !prompt::confirm(&cutover_question(&live_migration_id), args.force)? {
        eprintln!("not cut over");
        return Ok(exit::USAGE);
    }
    client
        .cutover_group_live_migration()
        .group_id(group_id)
        .live_migration_id(live_migration_id.clone())
        .send()
        .checked()
        .await
        .map_err(|error| {
            let id = live_migration_id.as_str();
            let not_ready = error.status().is_some_and(|s| s.as_u16() == 400);
            let mut failure = Failure::from(error);
            if not_ready {
                failure.message.push_str(&format!(
                    "\nAtlas cuts over only a job that is ready for cutover. \
                     `atlas-live-migration watch --liveMigrationId {id}` waits \
                     until it is; add --cutover to cut over then."
                ));
            }
            failure
        })?;
    let id = live_migration_id.as_str();
    println!(
        "cutover started for live migration {id}; follow it to COMPLETE with \
         `atlas-live-migration watch --liveMigrationId {id}`"
    );
    Ok(exit::DONE)
}

pub async fn watch(args: WatchArgs) -> Result<u8, Failure> {
    if args.cutover && !args.force {
        // Checked before anything is sent: a watch of hours must not end
        // at the cutover with nobody to confirm it.
        prompt::require_force_without_terminal()?;
    }
    // The demo's mock moves in seconds; Atlas in minutes (the SDK's default).
    let default_interval = if args.job.demo {
        Duration::from_secs(1)
    } else {
        WaitOptions::default().interval
    };
    let options = options(args.polling, default_interval);
    let (client, group_id, live_migration_id, _mock) = job_target(args.job).await?;
    let mut display = Display::for_stderr();
    let clear = display.clearer();
    if !args.cutover {
        let waiting = client.wait_for_cutover(&group_id, &live_migration_id, options, |event| {
            display.show(event)
        });
        return conclude(waiting, clear, || {
            "interrupted; the migration itself is not affected".to_owned()
        })
        .await;
    }
    let started = Cell::new(false);
    let force = args.force;
    let question = cutover_question(&live_migration_id);
    let waiting = client.cutover_when_ready(
        &group_id,
        &live_migration_id,
        options,
        async |ready: &Observation| {
            clear();
            eprintln!("ready for cutover: {}", output::state(&ready.job));
            prompt::confirm(&question, force).unwrap_or(false)
        },
        |event| match event {
            LifecycleEvent::Waiting(event) => display.show(event),
            LifecycleEvent::CutoverStarted => {
                started.set(true);
                display.note("cutover started; waiting for COMPLETE");
            }
            _ => {}
        },
    );
    conclude(waiting, &clear, || {
        let id = live_migration_id.as_str();
        if started.get() {
            format!(
                "interrupted after the cutover was started: Atlas goes on with it; follow it \
                 with `atlas-live-migration watch --liveMigrationId {id}`"
            )
        } else {
            "interrupted before the cutover; the migration itself is not affected".to_owned()
        }
    })
    .await
}

/// Waits for `waiting` or Ctrl-C (then `interrupted` says what goes on in
/// Atlas), clears the live display, and prints the outcome as a line with
/// its exit code.
async fn conclude(
    waiting: impl Future<Output = Result<CutoverOutcome, Error>>,
    clear: impl Fn(),
    interrupted: impl FnOnce() -> String,
) -> Result<u8, Failure> {
    let outcome = until_interrupted(waiting, || {
        clear();
        interrupted()
    })
    .await;
    clear();
    let Some(outcome) = outcome else {
        return Ok(exit::INTERRUPTED);
    };
    let (code, summary) = summarize(&outcome?);
    println!("{summary}");
    Ok(code)
}

/// Either wait's outcome as an exit code and a line.
pub fn summarize(outcome: &CutoverOutcome) -> (u8, String) {
    match outcome {
        CutoverOutcome::ReadyForCutover(seen) => (
            exit::DONE,
            format!(
                "ready for cutover after {} ({}): start it with `atlas-live-migration cutover`",
                waited(seen.elapsed),
                output::state(&seen.job)
            ),
        ),
        CutoverOutcome::Complete(seen)
        | CutoverOutcome::Failed(seen)
        | CutoverOutcome::Expired(seen) => ended(seen),
        CutoverOutcome::Declined(_) => (
            exit::USAGE,
            "not cut over; the job stays ready until its cutover timer runs out".to_owned(),
        ),
        CutoverOutcome::TimedOut {
            last,
            waited: time,
            cutover_started,
        } => timed_out(
            *time,
            last.as_ref(),
            if *cutover_started {
                " (the cutover was started and goes on in Atlas)"
            } else {
                ""
            },
        ),
        _ => (exit::API_ERROR, format!("unexpected outcome: {outcome:?}")),
    }
}

/// A job that ended: its exit code and a line, from its own status.
fn ended(seen: &Observation) -> (u8, String) {
    let status = seen.job.status.as_ref();
    let why = match status.and_then(|s| s.known()) {
        Some(LiveMigrationResponseStatus::Expired) => ": the cutover timer ran out",
        _ => "",
    };
    let status = status.map_or("-".to_owned(), ToString::to_string);
    (
        job_code(&seen.job),
        format!("migration {status} after {}{why}", waited(seen.elapsed)),
    )
}

fn timed_out(time: Duration, last: Option<&Observation>, note: &str) -> (u8, String) {
    (
        exit::TIMED_OUT,
        format!(
            "timed out after {}{note}; last seen: {}",
            waited(time),
            last.map_or("no answer".to_owned(), |seen| output::state(&seen.job))
        ),
    )
}

/// Whole seconds, as `1m 5s`.
fn waited(elapsed: Duration) -> String {
    humantime::format_duration(Duration::from_secs(elapsed.as_secs())).to_string()
}

pub async fn link_create(args: LinkCreateArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let client = crate::client(org.connection)?;
    let created = client
        .create_org_live_migration_link_token()
        .org_id(org.org_id)
        .body(TargetOrgRequest::builder().access_list_ips(args.access_list_ips))
        .send()
        .checked()
        .await?;
    // The one place the token is shown: it is what the user asked for.
    let Some(token) = created.link_token.as_ref().map(|t| t.expose()) else {
        return Err(Failure::from(Error::InvalidResponse {
            status: Some(created.status()),
            problem: "no linkToken in its body: the token may have been made; `link delete` \
                      removes it before you create another"
                .to_owned(),
            content_type: None,
            snippet: String::new(),
            attempts: 1,
            api_version: None,
        }));
    };
    print(
        args.output,
        output::json(&serde_json::json!({ "linkToken": token })),
        || token.to_owned(),
    );
    Ok(exit::DONE)
}

pub async fn link_delete(args: LinkDeleteArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let question = format!(
        "Remove the live-migration link of organization {} and its API key?",
        org.org_id.as_str()
    );
    if !prompt::confirm(&question, args.force)? {
        eprintln!("not removed");
        return Ok(exit::USAGE);
    }
    let client = crate::client(org.connection)?;
    client
        .delete_org_live_migration_link_tokens()
        .org_id(org.org_id.clone())
        .send()
        .checked()
        .await
        .map_err(|error| {
            // Atlas answers 404 when the organization has no link (its
            // errorCode is a generic UNEXPECTED_ERROR, its detail says so).
            let no_link = error.status().is_some_and(|s| s.as_u16() == 404);
            let mut failure = Failure::from(error);
            if no_link {
                failure.message.push_str(&format!(
                    "\nOrganization {} has no live-migration link to remove; \
                     `atlas-live-migration link create --orgId {}` makes one.",
                    org.org_id.as_str(),
                    org.org_id.as_str()
                ));
            }
            failure
        })?;
    println!(
        "removed the live-migration link of organization {}",
        org.org_id.as_str()
    );
    Ok(exit::DONE)
}

pub async fn projects(args: ProjectsArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let client = crate::client(org.connection)?;
    let projects = client
        .list_org_live_migration_available_projects()
        .org_id(org.org_id)
        .send()
        .checked()
        .await?
        .into_inner();
    print(args.output, output::json(&projects), || {
        output::projects_table(&projects)
    });
    Ok(exit::DONE)
}
