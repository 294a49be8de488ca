#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod atlas_error;
pub use atlas_error::AtlasError;

#[allow(clippy::all, missing_docs, rustdoc::all)]
mod generated {
    include!("generated.rs");
}

pub use generated::*;
