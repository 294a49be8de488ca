//! `atlas-live-migration api <tag> <operation> [flags]`: every kept
//! operation, as the Atlas CLI's `atlas api` offers them. The operations,
//! their flags and help texts, and one call per operation through the
//! generated builders are `generated.rs` (`cargo xtask codegen` writes it
//! from the cut); this module turns that table into commands, reads the
//! flags and the body, and prints the answer.
//!
//! Spellings follow the Atlas CLI: the tag in lower camel case
//! (`cloudMigrationService`), the operation by its
//! `x-xgen-operation-id-override` where it has one, else its operationId,
//! flags by the parameters' names (`--groupId`). The official operationId and
//! the Rust name in camel case (`getPushMigration`) are aliases, with or
//! without the tag; each flag's kebab-case form (`--group-id`) is an alias.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};

use atlas_live_migration_api::{ApiVersion, RawAnswer};
use clap::{Arg, ArgAction, ArgMatches, Command};
use heck::ToKebabCase;

use crate::Failure;
use crate::connection::Connection;

mod all;

/// `cargo xtask codegen` writes it; included rather than a module file, so
/// that rustfmt leaves it as generated.
#[allow(clippy::all)]
mod generated {
    include!("generated.rs");
}

/// A kept operation, as `generated.rs` lists it.
pub(crate) struct Operation {
    pub rust_name: &'static str,
    pub tag: &'static str,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub parameters: &'static [Parameter],
    /// The request body's type, if the operation takes one.
    pub body: Option<&'static str>,
    /// Whether the answer is bytes (a download).
    pub download: bool,
    /// Whether it answers a list a page at a time (rule
    /// `PAGINATED_LIST_AS_STREAM`): `--all` reads every page.
    pub paginated: bool,
}

/// A path, query or header parameter.
pub(crate) struct Parameter {
    pub name: &'static str,
    pub location: &'static str,
    pub required: bool,
    pub kind: Kind,
    pub description: &'static str,
}

/// How a parameter's value is given on the command line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A boolean: a bare flag.
    Flag,
    /// A list: the flag repeated, one value each (`--m A --m B`), or given
    /// once as a JSON array. None of the family has one; an operation added
    /// with `--add` may.
    #[allow(dead_code)]
    List,
    /// One value.
    Value,
}

/// Why a call was not made.
pub(crate) enum CallError {
    /// A value or body the generated types refuse: nothing was sent.
    Invalid(String),
}

/// A flag's value as the parameter's generated type, checked as the client
/// checks it (an ID against its pattern): JSON first (`true`, `12`), else
/// the text as a JSON string.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<T, CallError> {
    serde_json::from_str(text)
        .or_else(|_| serde_json::from_value(serde_json::Value::String(text.to_owned())))
        .map_err(|e| {
            // An ID is said as every command says it, not as a pattern.
            let why = match e.to_string() {
                refused if refused.contains(crate::cmd::target::ID_PATTERN_REFUSED) => {
                    crate::cmd::target::ID_EXPECTED.to_owned()
                }
                refused => refused,
            };
            CallError::Invalid(format!(
                "--{name} {text:?} is not valid: {why}; nothing was sent"
            ))
        })
}

/// The request body as the operation's generated type.
pub(crate) fn body<T: serde::de::DeserializeOwned>(
    type_name: &str,
    body: Option<serde_json::Value>,
) -> Result<T, CallError> {
    let body = body.ok_or_else(|| {
        CallError::Invalid(
            "this operation takes a request body: give it with --file PATH or on standard input"
                .to_owned(),
        )
    })?;
    serde_json::from_value(body).map_err(|e| {
        CallError::Invalid(format!(
            "the request body is no {}: {e}; nothing was sent",
            type_name.trim_start_matches("types::")
        ))
    })
}

/// The `api` command tree.
fn command() -> Command {
    let mut api = Command::new("api")
        .bin_name("atlas-live-migration api")
        .about("Call any kept operation of the Atlas Admin API, as `atlas api` does")
        .long_about(
            "Call any kept operation of the Atlas Admin API, as `atlas api <tag> <operation>` \
             does: path and query parameters as flags, the body from --file or standard input, \
             the answer as JSON. The same credentials, base URL, retries and exit codes as the \
             other commands.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true);
    let tags: std::collections::BTreeSet<&str> =
        generated::OPERATIONS.iter().map(|o| o.tag).collect();
    // Every operation under its tag, in the help itself.
    let mut listed = String::from("Operations:");
    for tag in &tags {
        listed.push_str(&format!("\n  {tag}"));
        for operation in generated::OPERATIONS.iter().filter(|o| o.tag == *tag) {
            listed.push_str(&format!(
                "\n    {:<44} {}",
                operation.name, operation.summary
            ));
        }
    }
    api = api.after_help(listed);
    for tag in tags {
        let mut group = Command::new(tag)
            .about(format!("Operations tagged {tag}"))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for operation in generated::OPERATIONS.iter().filter(|o| o.tag == tag) {
            group = group.subcommand(operation_command(operation));
        }
        api = api.subcommand(group);
    }
    // Each operation without its tag too, by every name.
    for operation in generated::OPERATIONS {
        api = api.subcommand(operation_command(operation).hide(true));
    }
    api
}

fn operation_command(operation: &Operation) -> Command {
    let mut command = Command::new(operation.name)
        .visible_aliases(operation.aliases.iter().copied())
        .about(operation.summary)
        .long_about(format!(
            "{}\n\n{}\n\n{} {}",
            operation.summary, operation.description, operation.method, operation.path
        ));
    for parameter in operation.parameters {
        let kebab = parameter.name.to_kebab_case();
        let mut arg = Arg::new(parameter.name)
            .long(parameter.name)
            .help(first_paragraph(parameter.description))
            .long_help(parameter.description)
            .help_heading(match parameter.location {
                "path" => "Path parameters",
                "query" => "Query parameters",
                _ => "Header parameters",
            });
        if kebab != parameter.name {
            arg = arg.alias(kebab);
        }
        arg = match parameter.kind {
            Kind::Flag => arg.action(ArgAction::SetTrue),
            Kind::List => arg
                .value_name("VALUE")
                .required(parameter.required)
                .action(ArgAction::Append),
            Kind::Value => arg.value_name("VALUE").required(parameter.required),
        };
        command = command.arg(arg);
    }
    if operation.body.is_some() {
        command = command.arg(
            Arg::new("file")
                .long("file")
                .value_name("PATH")
                .help("The request body as JSON; without it, standard input"),
        );
    }
    if operation.paginated {
        command = command.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Every item of every page, as one JSON array (pageNum from --pageNum or 1, itemsPerPage from --itemsPerPage or 500)"),
        );
    }
    command
        .arg(
            Arg::new("outputFile")
                .long("outputFile")
                .alias("output-file")
                .value_name("PATH")
                .help("Write the answer's bytes as they came to this file [default: standard output, JSON pretty-printed]"),
        )
        .arg(
            Arg::new("version")
                .long("version")
                .alias("api-version")
                .value_name("DATE")
                .help("API version date sent in Accept, YYYY-MM-DD [default: the pinned one]"),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .value_name("URL")
                .help("Atlas base URL [default: MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com]"),
        )
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FORMAT")
                .value_parser(["json"])
                .default_value("json")
                .help("Output format"),
        )
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or_default().to_owned()
}

/// Runs `api ARGS…`; usage errors and `--help` end the process as clap does.
pub async fn run(args: Vec<OsString>) -> Result<u8, Failure> {
    let matches = command()
        .try_get_matches_from(std::iter::once(OsString::from("api")).chain(args))
        .unwrap_or_else(|error| error.exit());
    let (operation, matches) = chosen(&matches)
        .ok_or_else(|| Failure::usage("name an operation: `api <tag> <operation>`".to_owned()))?;
    let value = |name: &str| -> Option<String> {
        let parameter = operation.parameters.iter().find(|p| p.name == name)?;
        match parameter.kind {
            Kind::Flag => matches.get_flag(name).then(|| "true".to_owned()),
            Kind::List => matches.get_many::<String>(name).map(list),
            Kind::Value => matches.get_one::<String>(name).cloned(),
        }
    };
    let request_body = match operation.body {
        Some(_) => Some(read_body(matches.get_one::<String>("file"))?),
        None => None,
    };
    // What the client would check before sending, before it is built: an
    // invalid ID is reported as such, with or without credentials.
    generated::check(operation.rust_name, &value, request_body.as_ref())
        .map_err(|CallError::Invalid(message)| Failure::usage(message))?;
    let every_page = operation.paginated && matches.get_flag("all");
    if every_page && value("envelope").is_some() {
        return Err(Failure::usage(
            "--all reads Atlas's pages as they are, and --envelope wraps each in another \
             object: leave out --envelope; nothing was sent"
                .to_owned(),
        ));
    }
    let api_version = matches
        .get_one::<String>("version")
        .map(|v| v.parse::<ApiVersion>())
        .transpose()
        .map_err(|e| Failure::usage(format!("--version: {e}")))?;
    let client = Connection {
        base_url: matches.get_one::<String>("base-url").cloned(),
        api_version,
    }
    .client()?;
    let mut path = Vec::new();
    let mut query = Vec::new();
    for parameter in operation.parameters {
        let Some(text) = value(parameter.name) else {
            continue;
        };
        match (parameter.location, parameter.kind) {
            ("path", _) => path.push((parameter.name, text)),
            ("query", Kind::List) => {
                // `list` wrote it: a JSON array, whatever the flags held.
                let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&text) else {
                    return Err(Failure::usage(format!(
                        "--{}: {text} is not a list; repeat the flag once per value",
                        parameter.name
                    )));
                };
                for item in items {
                    query.push((parameter.name, scalar_text(item)));
                }
            }
            ("query", _) => query.push((parameter.name, text)),
            _ => {}
        }
    }
    let output_file = matches.get_one::<String>("outputFile");
    if every_page {
        all::write_every_item(&client, operation, &path, &query, output_file).await?;
        return Ok(crate::exit::DONE);
    }
    let body = request_body.map(|body| serde_json::to_vec(&body).unwrap_or_default());
    let answer = client
        .send_as_sent(
            operation.rust_name,
            operation.method,
            operation.path,
            &path,
            &query,
            body,
        )
        .await?;
    write_answer(&answer, operation.download, output_file)?;
    Ok(crate::exit::DONE)
}

/// A JSON scalar as a query parameter's text (a string without quotes).
fn scalar_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    }
}

/// Atlas's answer as it came: to `--outputFile` byte for byte; on standard
/// output JSON pretty-printed with its members in Atlas's order (`null`s
/// and members the pinned schema lacks included), a download or anything
/// else as it is.
fn write_answer(answer: &RawAnswer, download: bool, path: Option<&String>) -> Result<(), Failure> {
    if let Some(path) = path {
        return std::fs::write(path, &answer.body)
            .map_err(|e| Failure::usage(format!("cannot write --outputFile {path}: {e}")));
    }
    if answer.body.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let written = match pretty_json(&answer.body).filter(|_| !download) {
        Some(mut pretty) => {
            pretty.push(b'\n');
            out.write_all(&pretty)
        }
        None => out.write_all(&answer.body),
    };
    written.map_err(|e| Failure::usage(format!("cannot write the answer: {e}")))
}

/// `bytes` pretty-printed, if they are one JSON value: through serde_json's
/// own pretty serializer, with objects' members in the order they came
/// (serde_json's `Value` would sort them).
fn pretty_json(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut pretty = Vec::new();
    let mut from = serde_json::Deserializer::from_slice(bytes);
    let mut to = serde_json::Serializer::pretty(&mut pretty);
    (serde_transcode::transcode(&mut from, &mut to).is_ok() && from.end().is_ok()).then_some(pretty)
}

/// A repeated flag's values as one JSON array, for [`parse`]: each value
/// as the JSON it is (`3`, `true`), else as a string; one value that is
/// already a JSON array is the list itself.
fn list<'a>(values: impl Iterator<Item = &'a String>) -> String {
    let values: Vec<serde_json::Value> = values
        .map(|text| {
            serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.clone()))
        })
        .collect();
    match values.as_slice() {
        [serde_json::Value::Array(_)] => values[0].to_string(),
        _ => serde_json::Value::Array(values).to_string(),
    }
}

/// The operation the matches name, and its own matches.
fn chosen(matches: &ArgMatches) -> Option<(&'static Operation, &ArgMatches)> {
    let (first, inner) = matches.subcommand()?;
    let (name, inner) = match inner.subcommand() {
        Some((name, operation)) => (name, operation),
        None => (first, inner),
    };
    let operation = generated::OPERATIONS
        .iter()
        .find(|o| o.name == name || o.aliases.contains(&name))?;
    Some((operation, inner))
}

/// The body from `--file PATH` (`-` for standard input) or standard input.
fn read_body(file: Option<&String>) -> Result<serde_json::Value, Failure> {
    let (text, from) = match file.map(String::as_str) {
        Some("-") | None => {
            if std::io::stdin().is_terminal() {
                return Err(Failure::usage(
                    "this operation takes a request body: give it with --file PATH or on \
                     standard input; nothing was sent"
                        .to_owned(),
                ));
            }
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
            (text, "standard input".to_owned())
        }
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read --file {path}: {e}")))?,
            path.to_owned(),
        ),
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "the request body in {from} is not JSON: {e}; nothing was sent"
        ))
    })
}
