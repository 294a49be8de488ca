//! Any bytes, decoded as a migration job, an Atlas error, and the pieces the
//! runtime decodes itself: each decodes or fails, and never panics. What
//! decodes re-encodes and decodes again to the same value.
#![no_main]

use atlas_live_migration_api::MigrationStatus;
use atlas_live_migration_api::types::{ApiError, GroupId, LiveMigrationResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(job) = serde_json::from_slice::<LiveMigrationResponse>(bytes) {
        let encoded = serde_json::to_vec(&job).expect("a decoded job encodes");
        let again: LiveMigrationResponse =
            serde_json::from_slice(&encoded).expect("an encoded job decodes");
        assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&job).unwrap());
    }
    let _ = serde_json::from_slice::<ApiError>(bytes);
    let _ = serde_json::from_slice::<MigrationStatus>(bytes);
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(id) = text.parse::<GroupId>()
    {
        assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
});
