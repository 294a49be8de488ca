//! Every recorded answer of the real Atlas (`tests/recorded/`), replayed on
//! loopback through a client generated, by the SDK's own generation
//! function and with the SDK's own runtime, for every operation the answers
//! belong to (`tests/replay/openapi.yaml`, a test-only cut): each operation
//! called as a user calls it, its answer read as Atlas sent it.
//!
//! What does not read yet is listed, answer by answer, in
//! `tests/replay/unread.txt`: the test fails when an answer outside the list
//! fails, and when one in the list reads (then the list is to shrink).

use std::collections::{BTreeMap, BTreeSet};

use atlas_live_migration_replay::{Client, Error, RetryPolicy};
use atlas_live_migration_tests::recorded;
use heck::ToSnakeCase;
use serde_norway::Value as Yaml;

/// Why a call gave no answer.
enum Failure {
    /// The client's error.
    Call(Error),
    /// The test could not make the call (a body or a value it could not build).
    Harness(String),
}

include!(concat!(env!("OUT_DIR"), "/calls.rs"));

fn cut() -> Yaml {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("the replay cut");
    serde_norway::from_str(&text).expect("the replay cut is YAML")
}

/// (METHOD, path template) -> (Rust name, pinned version).
fn kept(cut: &Yaml) -> BTreeMap<(String, String), (String, Option<String>)> {
    let mut kept = BTreeMap::new();
    for entry in cut["x-kept-operations"].as_sequence().unwrap() {
        let (method, path) = entry["operation"]
            .as_str()
            .unwrap()
            .split_once(' ')
            .unwrap();
        kept.insert(
            (method.to_owned(), path.to_owned()),
            (
                entry["rust-name"].as_str().unwrap().to_owned(),
                entry["version"].as_str().map(str::to_owned),
            ),
        );
    }
    kept
}

/// The version date of an Atlas media type.
fn version_of(media_type: &str) -> Option<&str> {
    let rest = media_type.strip_prefix("application/vnd.atlas.")?;
    Some(rest.get(..10)?).filter(|d| d.as_bytes()[4] == b'-')
}

/// A request body for the operation: a JSON value of its schema, built from
/// the spec (examples, defaults, enum values, the required properties), its
/// top-level scalar values taken from the recorded answer where it has them (a
/// create's answer is mostly what was sent; the recordings keep no request).
fn body(
    cut: &Yaml,
    method: &str,
    template: &str,
    version: Option<&str>,
    answer: &str,
) -> Result<serde_json::Value, Failure> {
    let content = &cut["paths"][template][method.to_ascii_lowercase()]["requestBody"]["content"];
    let Some(content) = content.as_mapping() else {
        return Err(Failure::Harness(
            "the operation has no request body in the cut".into(),
        ));
    };
    let chosen = content
        .iter()
        .filter(
            |(media, _)| match (media.as_str().and_then(version_of), version) {
                (Some(date), Some(pin)) => date <= pin,
                _ => true,
            },
        )
        .max_by_key(|(media, _)| media.as_str().and_then(version_of).map(str::to_owned))
        .map(|(_, entry)| &entry["schema"]);
    let schema =
        chosen.ok_or_else(|| Failure::Harness("no body media type for the version".into()))?;
    let mut body = instance(cut, schema, 0);
    if let (serde_json::Value::Object(body), Ok(serde_json::Value::Object(answer))) =
        (&mut body, serde_json::from_str::<serde_json::Value>(answer))
    {
        for (name, value) in body.iter_mut() {
            // Scalars only: a create's answer may shape a list otherwise.
            if let Some(recorded) = answer
                .get(name)
                .filter(|v| !v.is_null() && !v.is_array() && !v.is_object())
            {
                *value = recorded.clone();
            }
        }
    }
    Ok(body)
}

/// A required query parameter's value, from the spec (the recordings keep no
/// query string).
fn query_value(cut: &Yaml, method: &str, template: &str, field: &str) -> Option<String> {
    let parameters =
        cut["paths"][template][method.to_ascii_lowercase()]["parameters"].as_sequence()?;
    parameters.iter().find_map(|parameter| {
        let parameter = match parameter["$ref"].as_str() {
            Some(target) => &cut["components"]["parameters"][target.rsplit('/').next()?],
            None => parameter,
        };
        let wanted = parameter["in"].as_str() == Some("query")
            && parameter["required"].as_bool() == Some(true)
            && parameter["name"].as_str()?.to_snake_case() == field;
        wanted.then(|| match instance(cut, &parameter["schema"], 0) {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        })
    })
}

fn json(value: &Yaml) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn instance(cut: &Yaml, schema: &Yaml, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > 16 {
        return J::Null;
    }
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.rsplit('/').next().unwrap();
        return instance(cut, &cut["components"]["schemas"][name], depth + 1);
    }
    if let Some(parts) = schema["allOf"].as_sequence() {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let J::Object(map) = instance(cut, part, depth + 1) {
                merged.extend(map);
            }
        }
        if let J::Object(own) = instance_of_type(cut, schema, depth) {
            merged.extend(own);
        }
        return J::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema[key].as_sequence().and_then(|s| s.first()) {
            return instance(cut, first, depth + 1);
        }
    }
    let scalar = !matches!(schema["type"].as_str(), Some("object" | "array"));
    if scalar {
        for key in ["example", "default"] {
            if !schema[key].is_null() {
                return json(&schema[key]);
            }
        }
        if let Some(first) = schema["enum"].as_sequence().and_then(|s| s.first()) {
            return json(first);
        }
    }
    instance_of_type(cut, schema, depth)
}

fn instance_of_type(cut: &Yaml, schema: &Yaml, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    match schema["type"].as_str() {
        Some("array") => {
            if schema["minItems"].as_u64().unwrap_or(0) > 0 {
                J::Array(vec![instance(cut, &schema["items"], depth + 1)])
            } else {
                J::Array(Vec::new())
            }
        }
        Some("string") => J::String(match schema["format"].as_str() {
            Some("date-time") => "2026-08-01T00:00:00Z".to_owned(),
            Some("date") => "2026-08-01".to_owned(),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
            _ => "x".repeat(schema["minLength"].as_u64().unwrap_or(1).max(1) as usize),
        }),
        Some("integer" | "number") => J::from(schema["minimum"].as_i64().unwrap_or(1)),
        Some("boolean") => J::Bool(false),
        _ => {
            let mut map = serde_json::Map::new();
            let required: BTreeSet<&str> = schema["required"]
                .as_sequence()
                .map(|r| r.iter().filter_map(Yaml::as_str).collect())
                .unwrap_or_default();
            if let Some(properties) = schema["properties"].as_mapping() {
                for (name, property) in properties {
                    let name = name.as_str().unwrap();
                    if required.contains(name) {
                        map.insert(name.to_owned(), instance(cut, property, depth + 1));
                    }
                }
            }
            if let Some(discriminator) = schema["discriminator"]["propertyName"].as_str()
                && let Some((key, _)) = schema["discriminator"]["mapping"]
                    .as_mapping()
                    .and_then(|m| m.iter().next())
            {
                map.insert(discriminator.to_owned(), json(key));
            }
            J::Object(map)
        }
    }
}

/// One answer's outcome, as a line of `unread.txt` when it does not read.
struct Outcome {
    key: String,
    read: bool,
    detail: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_answer_reads_as_atlas_sent_it() {
    let cut = cut();
    let kept = kept(&cut);
    let server = httpmock::MockServer::start_async().await;
    let client = Client::builder()
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut outcomes = Vec::new();
    let (mut successes, mut errors, mut other_version, mut challenges) = (0, 0, 0, 0);
    for (index, answer) in recorded::all().into_iter().enumerate() {
        if answer.is_digest_challenge() {
            challenges += 1; // answered in tests/tests/recorded.rs
            continue;
        }
        let key = (answer.method.clone(), answer.template.clone());
        let (rust_name, version) = kept
            .get(&key)
            .unwrap_or_else(|| panic!("{} {} is not in the replay cut", key.0, key.1));
        let success = (200..300).contains(&answer.status);
        let recorded_version = answer.header("content-type").and_then(version_of);
        if success && recorded_version.is_some() && recorded_version != version.as_deref() {
            // Atlas answers in the version asked for: this one was for another.
            other_version += 1;
            continue;
        }
        let mut mock = answer.serve(&server);
        let value = |field: &str| {
            answer
                .params
                .iter()
                .find(|(name, _)| name.to_snake_case() == field)
                .map(|(_, value)| value.clone())
                .or_else(|| query_value(&cut, &answer.method, &answer.template, field))
        };
        let make_body = || {
            body(
                &cut,
                &answer.method,
                &answer.template,
                version.as_deref(),
                &answer.body,
            )
        };
        let outcome = call(&client, rust_name, &value, &make_body)
            .await
            .unwrap_or_else(|| panic!("the replay client has no {rust_name}"));
        mock.delete();
        let key = format!("#{index} {} {}", answer.status, answer.operation_id);
        let (read, detail) = match (success, outcome) {
            (true, Ok(_)) => {
                successes += 1;
                (true, String::new())
            }
            (false, Err(Failure::Call(Error::Api(failure))))
                if failure.status.as_u16() == answer.status =>
            {
                errors += 1;
                (true, String::new())
            }
            (_, Ok(decoded)) => (
                false,
                format!("an error status read as a success: {decoded}"),
            ),
            (_, Err(Failure::Call(error))) => (false, error.to_string()),
            (_, Err(Failure::Harness(why))) => (false, format!("not sent: {why}")),
        };
        outcomes.push(Outcome { key, read, detail });
    }
    let unread_text = include_str!("../unread.txt");
    let listed: BTreeSet<&str> = unread_text
        .lines()
        .filter(|l| {
            l.strip_prefix('#')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(|l| l.split(" -- ").next().unwrap().trim())
        .collect();
    let mut report = String::new();
    let mut unexpected = Vec::new();
    for outcome in &outcomes {
        if !outcome.read {
            let detail: String = outcome.detail.chars().take(200).collect();
            report.push_str(&format!("{} -- {detail}\n", outcome.key));
        }
        if outcome.read == listed.contains(outcome.key.as_str()) {
            unexpected.push(if outcome.read {
                format!("{} reads now: take it off unread.txt", outcome.key)
            } else {
                format!("{} -- {}", outcome.key, outcome.detail)
            });
        }
    }
    let unread = outcomes.iter().filter(|o| !o.read).count();
    eprintln!(
        "replayed {} answers: {successes} successes decoded, {errors} errors as Error::Api, \
         {unread} unread; {other_version} successes of another API version and {challenges} \
         Digest challenges not replayed here",
        outcomes.len()
    );
    if let Ok(path) = std::env::var("REPLAY_REPORT") {
        let header: String = unread_text
            .lines()
            .filter(|l| l.starts_with("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(path, header + &report).unwrap();
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}
