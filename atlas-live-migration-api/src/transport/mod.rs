//! One request on its way: the runtime state it runs on, the `ClientHooks`
//! impl (the one place the runtime touches requests), headers, the
//! send-and-retry loop with its policy, the pace that keeps it inside
//! Atlas's rate limit, the parts kept to send again, and the request built
//! by a tool that prints the answer as Atlas sent it.

pub(crate) mod headers;
pub(crate) mod hooks;
pub(crate) mod pace;
pub(crate) mod raw;
pub(crate) mod resend;
pub(crate) mod retry;
pub(crate) mod runtime;
pub(crate) mod send;
