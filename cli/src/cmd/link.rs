//! `link create` and `link delete`: the organization's link token for push
//! live migrations.

use atlas_live_migration_api::types::TargetOrgRequest;
use atlas_live_migration_api::{Checked, Error};
use clap::{Args, Subcommand};

use super::target::Organization;
use crate::output::{self, Output, print};
use crate::{Failure, exit, prompt};

#[derive(Subcommand, Debug)]
pub enum LinkCommand {
    /// Create a link token; prints it.
    Create(CreateArgs),
    /// Remove the organization's link and its API key.
    Delete(DeleteArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    pub organization: Organization,

    /// An IP address or CIDR block allowed to use the link's API key; repeatable
    #[arg(
        long = "access-list-ip",
        visible_alias = "accessListIp",
        value_name = "IP"
    )]
    pub access_list_ips: Vec<String>,

    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub organization: Organization,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long)]
    pub force: bool,
}

pub async fn run(command: LinkCommand) -> Result<u8, Failure> {
    match command {
        LinkCommand::Create(args) => create(args).await,
        LinkCommand::Delete(args) => delete(args).await,
    }
}

async fn create(args: CreateArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let client = org.connection.client()?;
    let mut body: TargetOrgRequest = TargetOrgRequest::builder().try_into().map_err(
        |e: atlas_live_migration_api::types::error::ConversionError| {
            Failure::usage(format!("invalid link token request: {e}"))
        },
    )?;
    // Set on the field as `TargetOrgRequest` declares it.
    body.access_list_ips = crate::fields::list(args.access_list_ips)
        .map_err(|e| Failure::usage(format!("invalid --accessListIp: {e}")))?;
    let created = client
        .create_org_live_migration_link_token()
        .org_id(org.org_id)
        .body(body)
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

async fn delete(args: DeleteArgs) -> Result<u8, Failure> {
    let org = args.organization;
    let question = format!(
        "Remove the live-migration link of organization {} and its API key?",
        org.org_id.as_str()
    );
    if !prompt::confirm(&question, args.force)? {
        eprintln!("not removed");
        return Ok(exit::USAGE);
    }
    let client = org.connection.client()?;
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
