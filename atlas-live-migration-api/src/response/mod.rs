//! Answers the runtime reads itself before the generated code decodes them:
//! failures (read once, for the error), `envelope=true`, the legacy v1.0 shape,
//! `null` members, a text answer labelled JSON.

pub(crate) mod atlas_error;
pub(crate) mod envelope;
pub(crate) mod failure;
pub(crate) mod legacy;
pub(crate) mod nulls;
pub(crate) mod text;
