//! Properties over generated inputs, with a fixed seed so CI runs the same
//! cases every time: ID parsing never panics and accepts only 24 lower-case
//! hex digits; any JSON decodes or fails cleanly; typed values round-trip.

use atlas_live_migration_api::MigrationStatus;
use atlas_live_migration_api::fuzzing;
use atlas_live_migration_api::types::{GroupId, LiveMigrationId, LiveMigrationResponse};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

fn runner() -> TestRunner {
    atlas_live_migration_tests::proptest_runner(7)
}

/// Strings near and far from valid IDs.
fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-f]{24}",
        "[0-9a-fA-F]{22,26}",
        "[0-9a-f]{0,30}[^0-9a-f]?[0-9a-f]{0,30}",
        "[0-9a-f]{24}[\n\r ]",
        "[\n ]?[0-9a-f]{24}",
    ]
}

/// The spec's pattern, as the generated type reports it in its error.
fn pattern_of<T: std::str::FromStr<Err: std::fmt::Display>>() -> regress::Regex {
    let message = "".parse::<T>().err().unwrap().to_string();
    let pattern = message
        .split_once('"')
        .and_then(|(_, rest)| rest.rsplit_once('"'))
        .map(|(pattern, _)| pattern.to_owned())
        .unwrap_or_else(|| panic!("no pattern in {message:?}"));
    regress::Regex::new(&pattern).unwrap()
}

#[test]
fn id_parsing_never_panics_and_accepts_only_24_lower_hex_digits() {
    // The generated checks take a byte scan for this pattern's shape
    // (src/pattern.rs); regress, on the spec's pattern, is the reference.
    let group_pattern = pattern_of::<GroupId>();
    let migration_pattern = pattern_of::<LiveMigrationId>();
    runner()
        .run(&id_like(), |text| {
            prop_assert_eq!(
                text.parse::<GroupId>().is_ok(),
                group_pattern.find(&text).is_some(),
                "GroupId {:?}",
                text
            );
            prop_assert_eq!(
                text.parse::<LiveMigrationId>().is_ok(),
                migration_pattern.find(&text).is_some(),
                "LiveMigrationId {:?}",
                text
            );
            let is_id =
                text.len() == 24 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            prop_assert_eq!(text.parse::<GroupId>().is_ok(), is_id, "GroupId {:?}", text);
            prop_assert_eq!(
                text.parse::<LiveMigrationId>().is_ok(),
                is_id,
                "LiveMigrationId {:?}",
                text
            );
            Ok(())
        })
        .unwrap();
}

/// JSON values whose keys are often the response's and the error's own.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("_id".to_owned()),
        Just("status".to_owned()),
        Just("lagTimeSeconds".to_owned()),
        Just("migrationHosts".to_owned()),
        Just("readyForCutover".to_owned()),
        Just("error".to_owned()),
        Just("errorCode".to_owned()),
        Just("detail".to_owned()),
        Just("badRequestDetail".to_owned()),
        Just("fields".to_owned()),
        "[a-zA-Z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        id_like().prop_map(Value::from),
        Just(Value::from("WORKING")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[test]
fn any_json_decodes_or_fails_cleanly_as_a_response_and_as_an_error() {
    runner()
        .run(&json_value(), |value| {
            let bytes = serde_json::to_vec(&value).unwrap();
            if let Ok(job) = serde_json::from_slice::<LiveMigrationResponse>(&bytes) {
                // What decodes is Atlas's; the ID handed on is valid.
                if let Some(id) = job.live_migration_id() {
                    prop_assert!(id.as_str().parse::<LiveMigrationId>().is_ok());
                    prop_assert_eq!(Some(id.as_str()), job.id.as_deref());
                }
            }
            // An error body is read by the runtime's own model, never by
            // the spec's `ApiError` (tests/tests/readers.rs has its properties).
            let _ = fuzzing::atlas_error(&bytes, &fuzzing::headers(&[]));
            Ok(())
        })
        .unwrap();
}

#[test]
fn arbitrary_bytes_decode_or_fail_cleanly() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
            let _ = serde_json::from_slice::<LiveMigrationResponse>(&bytes);
            let _ = fuzzing::atlas_error(&bytes, &fuzzing::headers(&[]));
            Ok(())
        })
        .unwrap();
}

fn status() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("NEW".to_owned()),
        Just("WORKING".to_owned()),
        Just("FAILED".to_owned()),
        Just("COMPLETE".to_owned()),
        Just("EXPIRED".to_owned()),
        "[A-Z_]{1,12}",
    ]
}

fn job() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[0-9a-f]{24}"),
        prop::option::of(any::<i64>()),
        prop::collection::vec("[a-z0-9.]{1,20}", 0..4),
        prop::option::of(any::<bool>()),
        prop::option::of(status()),
    )
        .prop_map(|(id, lag, hosts, ready, status)| {
            let mut job = serde_json::Map::new();
            if let Some(id) = id {
                job.insert("_id".into(), json!(id));
            }
            if let Some(lag) = lag {
                job.insert("lagTimeSeconds".into(), json!(lag));
            }
            if !hosts.is_empty() {
                job.insert("migrationHosts".into(), json!(hosts));
            }
            if let Some(ready) = ready {
                job.insert("readyForCutover".into(), json!(ready));
            }
            if let Some(status) = status {
                job.insert("status".into(), json!(status));
            }
            Value::Object(job)
        })
}

#[test]
fn valid_jobs_round_trip_through_the_typed_response() {
    runner()
        .run(&job(), |value| {
            let typed: LiveMigrationResponse = serde_json::from_value(value.clone()).unwrap();
            prop_assert_eq!(serde_json::to_value(&typed).unwrap(), value);
            Ok(())
        })
        .unwrap();
}

#[test]
fn statuses_round_trip_and_unknown_ones_are_kept() {
    runner()
        .run(&status(), |text| {
            let status: MigrationStatus = serde_json::from_value(json!(text)).unwrap();
            prop_assert_eq!(status.to_string(), text.as_str());
            prop_assert_eq!(serde_json::to_value(&status).unwrap(), json!(text));
            Ok(())
        })
        .unwrap();
}
