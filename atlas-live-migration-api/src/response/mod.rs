//! Answers the runtime reads itself before the generated code decodes them:
//! bounded bodies and their record, `envelope=true`, the legacy v1.0 shape.

pub(crate) mod body;
pub(crate) mod envelope;
pub(crate) mod legacy;
