#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

#[allow(clippy::all, missing_docs, rustdoc::all)]
mod generated {
    include!("generated.rs");
}

pub use generated::*;
