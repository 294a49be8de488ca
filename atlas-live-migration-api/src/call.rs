//! The crate's error type for every generated call.
//!
//! progenitor's builders return its own error from `send()`, whose `Display`
//! dumps the response. [`Checked::checked`] turns the answer of any `send()`
//! into the crate's [`Error`], with messages that say what to do, so `?` into
//! `Error`, into `anyhow`, or a plain `{e}` all read the same.

use progenitor_client::ResponseValue;

use crate::error::Error;
use crate::types::ApiError;

/// Converts the error of a generated `send()` into the crate's [`Error`].
///
/// ```no_run
/// use atlas_live_migration_api::{Checked, Client};
///
/// # async fn run() -> anyhow::Result<()> {
/// let client = Client::from_env()?;
/// let job = client
///     .get_push_migration()
///     .group_id("32b6e34b3d91647abb20e7b8")
///     .live_migration_id("6296fb4c7c7aa997cf94e9a8")
///     .send()
///     .checked()
///     .await?;
/// println!("{:?}", job.status);
/// # Ok(()) }
/// ```
pub trait Checked<T>:
    Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ApiError>>> + Sized
{
    /// The answer, or the crate's [`Error`].
    fn checked(self) -> impl Future<Output = Result<ResponseValue<T>, Error>> {
        async move { self.await.map_err(Error::from) }
    }
}

impl<T, F> Checked<T> for F where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ApiError>>>
{
}
