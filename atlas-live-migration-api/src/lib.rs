#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod hooks;
mod runtime;
mod versioning;

/// The progenitor-generated client, included from `OUT_DIR` (feature
/// `codegen`) or from the committed snapshot `src/generated.rs`; both are the
/// same text, which a test checks.
#[allow(clippy::all, missing_docs)]
mod generated {
    #[cfg(atlas_codegen)]
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
    #[cfg(not(atlas_codegen))]
    include!("generated.rs");
}

pub use generated::*;
pub use runtime::ClientRuntime;
pub use versioning::{ApiVersion, InvalidApiVersion};

#[cfg(all(test, atlas_codegen))]
mod snapshot {
    #[test]
    fn build_time_output_equals_committed_snapshot() {
        let built = include_str!(concat!(env!("OUT_DIR"), "/generated.rs"));
        let committed = include_str!("generated.rs");
        assert!(
            built == committed,
            "src/generated.rs differs from what build.rs generates from the spec; \
             run `cargo xtask codegen` and commit the result"
        );
    }
}
