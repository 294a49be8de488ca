//! Any bytes through the readers every answer of Atlas passes (feature
//! `fuzzing` of the client exposes them): as a migration job (the generated
//! decode, after the success pass), as an Atlas error body (the runtime's
//! model, and the one `Error` a failed answer becomes), as an
//! `envelope=true` body, as a legacy v1.0 body, and as a Digest challenge.
//! Each reads or refuses, never panics; what a reader writes is JSON again
//! when it read JSON.
#![no_main]

use atlas_live_migration_api::fuzzing;
use atlas_live_migration_api::types::{GroupId, LiveMigrationResponse};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let body = Bytes::copy_from_slice(bytes);
    let is_json = serde_json::from_slice::<serde_json::Value>(bytes).is_ok();

    // A success: the pass every JSON success takes, then the decode.
    let success = fuzzing::success("getPushMigration", body.clone());
    if is_json {
        assert!(serde_json::from_slice::<serde_json::Value>(&success).is_ok());
    }
    if let Ok(job) = serde_json::from_slice::<LiveMigrationResponse>(&success) {
        let encoded = serde_json::to_vec(&job).expect("a decoded job encodes");
        let again: LiveMigrationResponse =
            serde_json::from_slice(&encoded).expect("an encoded job decodes");
        assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&job).unwrap());
    }

    // A failure: the model, and the one error with the status it came with.
    let headers = fuzzing::headers(&[("x-error-code", bytes.get(..8).unwrap_or(bytes))]);
    let read = fuzzing::atlas_error(bytes, &headers);
    let status = 400 + u16::from(bytes.first().copied().unwrap_or(0)) % 200;
    let error = fuzzing::failure(status, headers, body.clone());
    assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
    if let Some((code, ..)) = read {
        assert_eq!(error.error_code(), code.as_deref());
    }
    assert!(!error.to_string().is_empty());

    // An envelope, a legacy body.
    if let Some((status, content)) = fuzzing::envelope(bytes) {
        assert!((100..1000).contains(&status));
        assert!(serde_json::from_slice::<serde_json::Value>(&content).is_ok());
    }
    let legacy = fuzzing::legacy(body);
    if is_json {
        assert!(serde_json::from_slice::<serde_json::Value>(&legacy).is_ok());
    }

    // A Digest challenge: answered or refused, the key never in the answer.
    let challenge = fuzzing::headers(&[("www-authenticate", bytes)]);
    let (taken, authorization) =
        fuzzing::digest_challenge(&challenge, "https://cloud.mongodb.com/api/atlas/v2/groups");
    if taken.is_some() {
        let answer = authorization.expect("a challenge taken is answered");
        assert!(answer.starts_with("Digest ") && !answer.contains("private-key"));
    }

    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(id) = text.parse::<GroupId>()
    {
        assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
});
