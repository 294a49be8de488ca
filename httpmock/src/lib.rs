#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod atlas_error;
mod pages;
pub use atlas_error::AtlasError;
pub use pages::{Page, Pages};

#[allow(clippy::all, missing_docs, rustdoc::all)]
mod generated {
    include!("generated.rs");
}

pub use generated::*;
