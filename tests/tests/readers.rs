//! Properties of the runtime's readers of Atlas's bytes, the code every
//! answer passes (feature `fuzzing` exposes them): the model of Atlas's
//! error bodies, the one `Error` a failed answer becomes, `envelope=true`,
//! the pass every JSON success takes (`NULL_AS_ABSENT`), the legacy v1.0
//! shape, and Digest's challenge. Generated inputs near what Atlas sends,
//! with a fixed seed (`PROPTEST_CASES` raises the count); the fuzz target
//! (`tests/fuzz/`) drives the same readers with any bytes.

use atlas_live_migration_api::Error;
use atlas_live_migration_api::fuzzing;
use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

fn runner() -> TestRunner {
    atlas_live_migration_tests::proptest_runner(11)
}

/// JSON whose keys are often those of Atlas's errors, envelopes and jobs.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("errorCode".to_owned()),
        Just("error".to_owned()),
        Just("detail".to_owned()),
        Just("reason".to_owned()),
        Just("parameters".to_owned()),
        Just("badRequestDetail".to_owned()),
        Just("fields".to_owned()),
        Just("field".to_owned()),
        Just("description".to_owned()),
        Just("status".to_owned()),
        Just("content".to_owned()),
        Just("migrationHosts".to_owned()),
        "[a-zA-Z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..700).prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(Value::from("")),
        Just(Value::from("MIGRATION_NOT_FOUND")),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Bodies: JSON near an Atlas error, any JSON, or any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        (json_value(), json_value(), json_value()).prop_map(|(code, detail, parameters)| {
            serde_json::to_vec(&json!({
                "error": 404, "errorCode": code, "detail": detail, "parameters": parameters,
                "reason": "Not Found"
            }))
            .unwrap()
        }),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// A non-empty string member, as the model takes it.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[test]
fn the_error_model_reads_what_has_the_type_it_needs_and_nothing_else() {
    let header = prop_oneof![Just(None), "[A-Z_]{0,12}".prop_map(Some)];
    runner()
        .run(&(body(), header), |(body, header)| {
            let pairs: Vec<(&str, &[u8])> = header
                .iter()
                .map(|code| ("x-error-code", code.as_bytes()))
                .collect();
            let headers = fuzzing::headers(&pairs);
            let read = fuzzing::atlas_error(&body, &headers);
            let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&body) else {
                prop_assert!(read.is_none(), "no JSON object, yet read: {:?}", read);
                return Ok(());
            };
            let is_error = map.contains_key("errorCode")
                || map.get("error").is_some_and(Value::is_u64)
                || map.contains_key("badRequestDetail");
            prop_assert_eq!(read.is_some(), is_error);
            let Some((code, detail, reason, parameters, _fields)) = read else {
                return Ok(());
            };
            let header_code = header.filter(|c| !c.is_empty());
            prop_assert_eq!(code, text(&map, "errorCode").or(header_code));
            prop_assert_eq!(detail, text(&map, "detail"));
            prop_assert_eq!(reason, text(&map, "reason"));
            let expected = match map.get("parameters") {
                None | Some(Value::Null) => 0,
                Some(Value::Array(items)) => items.len(),
                Some(_) => 1,
            };
            prop_assert_eq!(parameters, expected);
            Ok(())
        })
        .unwrap();
}

#[test]
fn every_failed_answer_is_the_one_error_with_its_status_and_atlas_code() {
    runner()
        .run(&(400u16..600, body()), |(status, body)| {
            let read = fuzzing::atlas_error(&body, &fuzzing::headers(&[]));
            let error = fuzzing::failure(status, fuzzing::headers(&[]), Bytes::from(body));
            prop_assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
            let message = error.to_string();
            prop_assert!(!message.is_empty());
            match read {
                // An Atlas error keeps its code (a version refusal is said
                // as one, with the code too).
                Some((code, ..)) => {
                    prop_assert!(
                        matches!(error, Error::Api(_) | Error::UnsupportedApiVersion { .. }),
                        "{:?}",
                        error
                    );
                    prop_assert_eq!(error.error_code(), code.as_deref());
                }
                None => prop_assert!(
                    matches!(error, Error::InvalidResponse { .. }),
                    "{:?}",
                    error
                ),
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_envelope_gives_back_its_status_and_its_content_as_sent() {
    runner()
        .run(&(0u16..1100, json_value()), |(status, content)| {
            let sent = serde_json::to_vec(&json!({"status": status, "content": content})).unwrap();
            let opened = fuzzing::envelope(&sent);
            if (100..1000).contains(&status) {
                let (read_status, read_content) = opened.expect("an envelope opens");
                prop_assert_eq!(read_status, status);
                prop_assert_eq!(
                    &read_content[..],
                    &serde_json::to_vec(&content).unwrap()[..]
                );
            } else {
                prop_assert!(opened.is_none(), "status {} is no HTTP status", status);
            }
            Ok(())
        })
        .unwrap();
    // Any bytes: it opens or says it is no envelope, never panics.
    runner()
        .run(&body(), |bytes| {
            if let Some((status, _)) = fuzzing::envelope(&bytes) {
                prop_assert!((100..1000).contains(&status));
            }
            Ok(())
        })
        .unwrap();
}

/// Whether any object below `value` has a `null` member.
fn has_null_member(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.values().any(|v| v.is_null() || has_null_member(v)),
        Value::Array(items) => items.iter().any(has_null_member),
        _ => false,
    }
}

/// `value` without its `null` members, as the reference.
fn stripped(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), stripped(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(stripped).collect()),
        other => other.clone(),
    }
}

#[test]
fn a_success_loses_its_null_members_and_nothing_else() {
    runner()
        .run(&body(), |bytes| {
            let read = fuzzing::success("getPushMigration", Bytes::from(bytes.clone()));
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(sent) => {
                    let read: Value = serde_json::from_slice(&read).expect("JSON stays JSON");
                    prop_assert!(!has_null_member(&read));
                    prop_assert_eq!(&read, &stripped(&sent));
                }
                // No JSON: handed on as it came, for the decode to refuse.
                Err(_) => prop_assert_eq!(&read[..], &bytes[..]),
            }
            let again = fuzzing::success("getPushMigration", read.clone());
            prop_assert_eq!(again, read);
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_legacy_body_gets_its_host_list_and_keeps_the_rest() {
    runner()
        .run(&body(), |bytes| {
            let read = fuzzing::legacy(Bytes::from(bytes.clone()));
            let Ok(Value::Object(mut sent)) = serde_json::from_slice::<Value>(&bytes) else {
                prop_assert_eq!(&read[..], &bytes[..]);
                return Ok(());
            };
            let read: Value = serde_json::from_slice(&read).expect("JSON stays JSON");
            if let Some(Value::String(host)) = sent.get("migrationHosts").cloned() {
                sent.insert("migrationHosts".into(), json!([host]));
            }
            prop_assert_eq!(read, Value::Object(sent));
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_digest_challenge_is_answered_or_refused_and_never_shows_the_key() {
    let param = prop_oneof![
        "[a-zA-Z0-9+/=]{1,24}".prop_map(|n| format!("nonce=\"{n}\"")),
        Just("realm=\"MMS Public API\"".to_owned()),
        prop_oneof![
            Just("MD5"),
            Just("MD5-sess"),
            Just("SHA-256"),
            Just("SHA-256-sess"),
            Just("SHA-512"),
            Just("md5")
        ]
        .prop_map(|a| format!("algorithm={a}")),
        prop_oneof![Just("auth"), Just("auth-int"), Just("auth,auth-int")]
            .prop_map(|q| format!("qop=\"{q}\"")),
        prop_oneof![Just("true"), Just("false"), Just("TRUE")].prop_map(|s| format!("stale={s}")),
        "[a-z]{1,6}=\"[ -~]{0,10}\"",
        "[ -~]{0,16}",
    ];
    let scheme = prop_oneof![
        Just("Digest "),
        Just("digest "),
        Just("Basic realm=\"x\", Digest "),
        Just("")
    ];
    let header = (scheme, prop::collection::vec(param, 0..6))
        .prop_map(|(scheme, params)| format!("{scheme}{}", params.join(", ")));
    runner()
        .run(&header, |value| {
            let headers = fuzzing::headers(&[("www-authenticate", value.as_bytes())]);
            let (taken, authorization) = fuzzing::digest_challenge(
                &headers,
                "https://cloud.mongodb.com/api/atlas/v2/groups?pretty=true",
            );
            match taken {
                None => prop_assert!(authorization.is_none()),
                Some(_) => {
                    prop_assert!(value.contains("Digest "));
                    let answer = authorization.expect("a challenge taken is answered");
                    prop_assert!(answer.starts_with("Digest "), "{}", answer);
                    prop_assert!(answer.contains("username=\"public-key\""), "{}", answer);
                    prop_assert!(answer.contains("uri=\"/api/atlas/v2/groups?pretty=true\""));
                    prop_assert!(!answer.contains("private-key"), "{}", answer);
                }
            }
            Ok(())
        })
        .unwrap();
}
