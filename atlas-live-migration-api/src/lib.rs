#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod client;
pub mod cloud_manager;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod model;
pub mod pages;
mod response;
mod tls;
mod transport;
mod wait;

/// The progenitor-generated client, included from `OUT_DIR` (feature
/// `codegen`) or from the committed snapshot `src/generated.rs`; both are the
/// same text, which a test checks. `dead_code`: the tables the generation
/// function appends record what it did (the patterns it left unchecked) for
/// readers of the generated file, not for the runtime.
#[allow(clippy::all, missing_docs, rustdoc::all, dead_code)]
mod generated {
    #[cfg(atlas_codegen)]
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
    #[cfg(not(atlas_codegen))]
    include!("generated.rs");
}

pub use client::builder::ClientBuilder;
pub use client::credentials::Credentials;
pub use client::{DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use error::{ApiFailure, Checked, Error, ErrorBody, FieldViolation};
pub use generated::*;
pub use model::rate_limit::RateLimit;
pub use model::versioning::{ApiVersion, DeprecationNotice, InvalidApiVersion};
pub use model::{MigrationStatus, Open, Secret, Service, ValidationStatus};
pub use pages::Page;
/// Not public API: the runtime's pass over a JSON success before the
/// generated decode, for the whole-spec tolerance test.
#[doc(hidden)]
pub use response::success_body as __success_body;
pub use transport::raw::RawAnswer;
pub use transport::retry::RetryPolicy;
pub use transport::runtime::ClientRuntime;
pub use wait::{
    CutoverOutcome, LifecycleEvent, Observation, ValidationOutcome, WaitEvent, WaitOptions,
};

/// What the generated builders' `send()` returns on failure: progenitor's
/// error. Every failed answer is `UnexpectedResponse`, with the status,
/// headers and body as they came and what the runtime read from them;
/// [`Checked::checked`] (or `Error::from`) turns it into the crate's
/// [`Error`], whose messages say what to do and name the API version.
pub type SendError = progenitor_client::Error<types::ApiError>;

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
        let built = include_str!(concat!(env!("OUT_DIR"), "/pages.rs"));
        let committed = include_str!("pages/generated.rs");
        assert!(
            built == committed,
            "src/pages/generated.rs differs from what build.rs generates from the spec; \
             run `cargo xtask codegen` and commit the result"
        );
    }
}
