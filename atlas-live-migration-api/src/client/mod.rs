//! Building a client: the builder and the credentials (the runtime state
//! the generated `Client` carries is `transport/runtime.rs`).

pub(crate) mod builder;
pub(crate) mod credentials;

use std::time::Duration;

/// Atlas's public endpoint, used when no base URL is set.
pub const DEFAULT_BASE_URL: &str = "https://cloud.mongodb.com";
/// Per-attempt time limit unless [`ClientBuilder::timeout`](crate::ClientBuilder::timeout) says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connection time limit unless [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout) says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
