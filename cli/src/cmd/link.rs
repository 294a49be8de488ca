//! `link create`, `link status` and `link delete`: the link between an
//! Atlas organization and the source organization in Cloud Manager (or Ops
//! Manager) that push live migrations run over. With `--sourceOrgId`, both
//! sides: the token Atlas makes goes straight to Cloud Manager, never to a
//! terminal, a log or a file.

use std::time::{Duration, Instant};

use atlas_live_migration_api::cloud_manager::types::{LinkToken, MigrationLinkStatus, OrgId};
use atlas_live_migration_api::types::{OrgId as AtlasOrgId, TargetOrgRequest};
use atlas_live_migration_api::{Checked, Error, Secret, cloud_manager};
use clap::{Args, Subcommand};

use super::target::Organization;
use crate::connection::{MaybeSource, SourceOrganization, source_client};
use crate::output::{self, Output, print};
use crate::{Failure, exit, prompt};

#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Make a link token in Atlas. With --sourceOrgId, give it to the source
    /// organization in Cloud Manager and wait until the link reads SYNCED (the
    /// token is never shown); without, print it.
    Create(CreateArgs),
    /// The source organization's link as Cloud Manager reads it (SYNCED, NOT_SYNCED).
    Status(StatusArgs),
    /// Remove the link: with --sourceOrgId the source organization's first,
    /// then the Atlas organization's link tokens and their API key.
    Delete(DeleteArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub organization: Organization,

    #[command(flatten)]
    pub source: MaybeSource,

    /// An IP address or CIDR block allowed to use the link's API key; repeatable
    #[arg(
        long = "access-list-ip",
        visible_alias = "accessListIp",
        value_name = "IP"
    )]
    pub access_list_ips: Vec<String>,

    /// With --sourceOrgId: how long to wait for the link to read SYNCED
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// With --sourceOrgId: time between reads of the link's status
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    pub interval: Duration,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub source: SourceOrganization,

    /// JSON: Cloud Manager's answer as it was sent
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub organization: Organization,

    #[command(flatten)]
    pub source: MaybeSource,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

pub async fn run(command: LinkCommand) -> Result<u8, Failure> {
    match command {
        LinkCommand::Create(args) => create(args).await,
        LinkCommand::Status(args) => status(args).await,
        LinkCommand::Delete(args) => delete(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<u8, Failure> {
    let org = args.organization;
    // Both sides' credentials before any request: a missing source key is
    // found before Atlas makes a token no one would take.
    let source = match &args.source.source_org_id {
        Some(id) => Some((source_client()?, id.clone())),
        None => None,
    };
    let client = org.connection.client()?;
    let token = make_token(&client, &org.org_id, args.access_list_ips).await?;
    let Some((source, source_org)) = source else {
        // The one place the token is shown: it is what the user asked for.
        eprintln!(
            "The link token is a credential (an API key for the link): paste it into the source \
             organization and nowhere else, or let `link create --sourceOrgId` hand it over."
        );
        let shown = token.expose();
        print(
            args.output,
            output::json(&serde_json::json!({ "linkToken": shown })),
            || shown.to_owned(),
        );
        return Ok(exit::DONE);
    };
    let wait = Wait {
        timeout: args.timeout,
        interval: args.interval,
    };
    let link = hand_over(&source, &source_org, token, org.org_id.as_str(), &wait).await?;
    print(
        args.output,
        output::json(&serde_json::json!({
            "orgId": org.org_id.as_str(),
            "sourceOrgId": source_org.as_str(),
            "status": link.status_text(),
        })),
        || linked_line(&source_org, org.org_id.as_str(), &link),
    );
    Ok(exit::DONE)
}

/// "Cloud Manager organization … is linked to Atlas organization …: SYNCED".
pub fn linked_line(source_org: &OrgId, atlas_org: &str, link: &MigrationLinkStatus) -> String {
    format!(
        "Cloud Manager organization {} is linked to Atlas organization {atlas_org}: {}",
        source_org.as_str(),
        link.status_text()
    )
}

/// A new link token of Atlas organization `org`.
pub async fn make_token(
    client: &atlas_live_migration_api::Client,
    org: &AtlasOrgId,
    access_list_ips: Vec<String>,
) -> Result<Secret, Failure> {
    let mut body: TargetOrgRequest = TargetOrgRequest::builder().try_into().map_err(
        |e: atlas_live_migration_api::types::error::ConversionError| {
            Failure::usage(format!("invalid link token request: {e}"))
        },
    )?;
    // Set on the field as `TargetOrgRequest` declares it.
    body.access_list_ips = crate::fields::list(access_list_ips)
        .map_err(|e| Failure::usage(format!("invalid --accessListIp: {e}")))?;
    let created = client
        .create_org_live_migration_link_token()
        .org_id(org.clone())
        .body(body)
        .send()
        .checked()
        .await?;
    let status = created.status();
    created.into_inner().link_token.ok_or_else(|| {
        Failure::from(Error::InvalidResponse {
            service: atlas_live_migration_api::Service::Atlas,
            status: Some(status),
            problem: "no linkToken in its body: the token may have been made; `link delete` \
                      removes it before you create another"
                .to_owned(),
            content_type: None,
            snippet: String::new(),
            attempts: 1,
            api_version: None,
        })
    })
}

/// Gives the source organization the token Atlas made and waits until the
/// link reads `SYNCED`; a refusal says what each side now holds and what
/// to do, and a link that does not sync in time ends as timed out.
pub async fn hand_over(
    source: &cloud_manager::Client,
    source_org: &OrgId,
    token: Secret,
    atlas_org: &str,
    wait: &Wait,
) -> Result<MigrationLinkStatus, Failure> {
    give(source, source_org, token, atlas_org).await?;
    wait.until_synced(source, source_org)
        .await?
        .ok_or_else(|| Failure {
            code: exit::TIMED_OUT,
            message: format!(
                "Cloud Manager organization {source} took the link token of Atlas organization \
                 {atlas_org}, and the link did not read SYNCED within {}. It may still: `link \
                 status --sourceOrgId {source}` reads it; `link delete --orgId {atlas_org} \
                 --sourceOrgId {source}` removes both sides.",
                humantime::format_duration(wait.timeout),
                source = source_org.as_str(),
            ),
        })
}

/// Gives the source organization the token Atlas made; a refusal says what
/// each side now holds and what to do.
async fn give(
    source: &cloud_manager::Client,
    source_org: &OrgId,
    token: Secret,
    atlas_org: &str,
) -> Result<(), Failure> {
    let body: LinkToken = LinkToken::builder()
        .link_token(token)
        .try_into()
        .map_err(|e| Failure::usage(format!("invalid link token: {e}")))?;
    let sent = source
        .create_org_migration_link()
        .org_id(source_org.clone())
        .body(body)
        .send()
        .checked()
        .await;
    let Err(error) = sent else {
        return Ok(());
    };
    let source_org = source_org.as_str();
    let what_now = if error.status().is_some() {
        format!(
            "Cloud Manager organization {source_org} refused it and holds no link from this \
             attempt; Atlas organization {atlas_org} holds the new link token. Fix what Cloud \
             Manager names (the source organization, its API key's Organization Owner role), \
             then remove the token with `link delete --orgId {atlas_org} --force` and run `link \
             create --sourceOrgId {source_org}` again"
        )
    } else {
        format!(
            "whether Cloud Manager organization {source_org} took it is not known (no answer \
             came); Atlas organization {atlas_org} holds the new link token. `link status \
             --sourceOrgId {source_org}` reads the source side"
        )
    };
    let mut failure = Failure::from(error);
    failure.message = format!(
        "Atlas organization {atlas_org} made a link token and handing it to Cloud Manager \
         failed: {}\n{what_now}.",
        failure.message
    );
    Err(failure)
}

/// How long and how often the link's status is read.
pub struct Wait {
    pub timeout: Duration,
    pub interval: Duration,
}

impl Wait {
    /// Reads the link until it is `SYNCED` (`Some`) or the time is up
    /// (`None`), saying each status it reads once.
    async fn until_synced(
        &self,
        source: &cloud_manager::Client,
        source_org: &OrgId,
    ) -> Result<Option<MigrationLinkStatus>, Failure> {
        let started = Instant::now();
        let mut said = String::new();
        loop {
            let link = source
                .get_org_migration_link_status()
                .org_id(source_org.clone())
                .send()
                .checked()
                .await?
                .into_inner();
            if link.is_synced() {
                return Ok(Some(link));
            }
            let text = link.status_text();
            if text != said {
                eprintln!(
                    "link of Cloud Manager organization {}: {text}; waiting for SYNCED",
                    source_org.as_str()
                );
                said = text;
            }
            if started.elapsed() + self.interval > self.timeout {
                return Ok(None);
            }
            tokio::time::sleep(self.interval).await;
        }
    }
}

async fn status(args: StatusArgs) -> Result<u8, Failure> {
    let source = source_client()?;
    let org = args.source.source_org_id;
    match args.output {
        Output::Json => {
            let answer = source
                .send_as_sent(
                    "get_org_migration_link_status",
                    "GET",
                    "/api/public/v1.0/orgs/{orgId}/liveExport/migrationLink/status",
                    &[("orgId", org.as_str().to_owned())],
                    &[],
                    None,
                )
                .await?;
            println!("{}", String::from_utf8_lossy(&answer.body));
        }
        Output::Table => {
            let link = source
                .get_org_migration_link_status()
                .org_id(org.clone())
                .send()
                .checked()
                .await?
                .into_inner();
            println!(
                "link of Cloud Manager organization {}: {}",
                org.as_str(),
                link.status_text()
            );
        }
    }
    Ok(exit::DONE)
}

async fn delete(args: DeleteArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let source = match &args.source.source_org_id {
        Some(id) => Some((source_client()?, id.clone())),
        None => None,
    };
    let question = match &source {
        Some((_, source_org)) => format!(
            "Remove the live-migration link of Cloud Manager organization {} and Atlas \
             organization {}'s link tokens and their API key?",
            source_org.as_str(),
            org.org_id.as_str()
        ),
        None => format!(
            "Remove the live-migration link of organization {} and its API key?",
            org.org_id.as_str()
        ),
    };
    if !prompt::confirm(&question, args.force)? {
        eprintln!("not removed");
        return Ok(exit::USAGE);
    }
    let client = org.connection.client()?;
    if let Some((source, source_org)) = &source {
        let removed = source
            .delete_org_migration_link()
            .org_id(source_org.clone())
            .send()
            .checked()
            .await;
        match removed {
            Ok(_) => println!(
                "removed the link of Cloud Manager organization {}",
                source_org.as_str()
            ),
            // Nothing to remove there: go on to Atlas's side.
            Err(error) if error.status().is_some_and(|s| s.as_u16() == 404) => eprintln!(
                "Cloud Manager organization {} had no link to remove ({error})",
                source_org.as_str()
            ),
            Err(error) => {
                let mut failure = Failure::from(error);
                failure.message.push_str(
                    "\nNothing was removed in Atlas: the source side goes first, so that no \
                     source organization keeps a link whose key Atlas revoked.",
                );
                return Err(failure);
            }
        }
    }
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
