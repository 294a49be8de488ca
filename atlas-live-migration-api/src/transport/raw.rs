//! A request of a kept operation that the caller built (method, URL, JSON
//! body) and whose success comes back as Atlas sent it: for tools that
//! print Atlas's answer, such as the CLI's `api`. It goes through the same
//! `ClientHooks` as the generated builders: `pre` (a listing's page), the
//! runtime's send with the pinned version's headers, credentials and
//! retries (the `exec` hook's, told to leave the success as it came: no
//! `NULL_AS_ABSENT`, no envelope or legacy shape), and `post` (a failure as
//! the one error).

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};

use crate::Error;
use crate::transport::runtime::ClientRuntime;
use crate::transport::send::SuccessRead;

/// A success as Atlas sent it.
#[derive(Debug)]
pub struct RawAnswer {
    /// The status Atlas answered with (a `201` where the spec says `200`).
    pub status: StatusCode,
    /// Atlas's headers.
    pub headers: HeaderMap,
    /// The body, byte for byte.
    pub body: Bytes,
}

impl crate::Client {
    /// Sends one request of the kept operation `operation_id` (its Rust
    /// name: the `Client` method's, such as `get_push_migration`), built by
    /// the caller, and gives the success as Atlas sent it: every
    /// member, `null`s included, whatever the pinned schema has.
    ///
    /// It passes the same hooks as the generated builders: the operation's
    /// pinned version in `Accept` and `Content-Type` (set over the
    /// `application/json` given here before the first attempt), the credentials,
    /// retries (a `POST` still never re-sent unless Atlas certainly did not
    /// act), and a failure as the one [`Error`]. Code that reads answers
    /// uses the builders, which check what they send and decode what comes
    /// back; this is for tools that print Atlas's answer.
    ///
    /// The request: `method` (`GET`), the operation's path template
    /// (`/api/atlas/v2/groups/{groupId}`) with `path` values for its
    /// parameters (each percent-encoded as the builders encode them), the
    /// `query` pairs, and a JSON `body`.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_live_migration_api::Client) -> Result<(), atlas_live_migration_api::Error> {
    /// let answer = client
    ///     .send_as_sent(
    ///         "get_group",
    ///         "GET",
    ///         "/api/atlas/v2/groups/{groupId}",
    ///         &[("groupId", "5e2211c17a3e5a48f5497de3".to_owned())],
    ///         &[],
    ///         None,
    ///     )
    ///     .await?;
    /// println!("{}", String::from_utf8_lossy(&answer.body));
    /// # Ok(()) }
    /// ```
    pub async fn send_as_sent(
        &self,
        operation_id: &'static str,
        method: &str,
        path_template: &str,
        path: &[(&str, String)],
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<RawAnswer, Error> {
        send_as_sent::<_, crate::types::ApiError>(
            self,
            (operation_id, method, path_template),
            path,
            query,
            body,
        )
        .await
    }
}

impl crate::cloud_manager::Client {
    /// [`crate::Client::send_as_sent`] for Cloud Manager: one request of a
    /// transcribed operation, its success as Cloud Manager sent it.
    pub async fn send_as_sent(
        &self,
        operation_id: &'static str,
        method: &str,
        path_template: &str,
        path: &[(&str, String)],
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<RawAnswer, Error> {
        send_as_sent::<_, crate::cloud_manager::types::ApiError>(
            self,
            (operation_id, method, path_template),
            path,
            query,
            body,
        )
        .await
    }
}

/// The one body of both clients' `send_as_sent`; `E` is the client's error
/// body type.
async fn send_as_sent<C, E>(
    client: &C,
    (operation_id, method, path_template): (&'static str, &str, &str),
    path: &[(&str, String)],
    query: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> Result<RawAnswer, Error>
where
    C: ClientHooks<ClientRuntime> + ClientInfo<ClientRuntime> + Sync,
    E: crate::ErrorBody,
{
    type Generated<E> = progenitor_client::Error<E>;
    let transport = |e: reqwest::Error| Error::from(Generated::<E>::from(e));
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| {
        Error::from(Generated::<E>::InvalidRequest(format!(
            "no HTTP method {method}"
        )))
    })?;
    let mut url = format!("{}{path_template}", client.baseurl());
    for (name, value) in path {
        url = url.replace(
            &format!("{{{name}}}"),
            &progenitor_client::encode_path(value),
        );
    }
    let mut builder = client
        .client()
        .request(method, url)
        .query(query)
        .header(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(body) = body {
        builder = builder
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body);
    }
    let mut request = builder.build().map_err(transport)?;
    let info = OperationInfo { operation_id };
    client.pre::<E>(&mut request, &info).await?;
    let result = client
        .inner()
        .execute_with(client.client(), request, operation_id, SuccessRead::AsSent)
        .await;
    client.post::<E>(&result, &info).await?;
    let response = result.map_err(transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(transport)?;
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}
