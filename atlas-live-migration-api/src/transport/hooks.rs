//! The one place where the runtime touches requests: the generated client's
//! `ClientHooks` (progenitor is told `HooksMode::Expected`, so this impl
//! cannot be forgotten). Each hook hands over to a module of its concern.

use progenitor_client::{ClientHooks, Error, OperationInfo};

use crate::client::runtime::ClientRuntime;
use crate::response::body::{Origin, ResponseRecord};
use crate::types::ApiError;

impl ClientHooks<ClientRuntime> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        self.inner.set_headers(request, info.operation_id);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner
            .execute(&self.client, request, info.operation_id)
            .await
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        // The generated code would decode a documented error status with a
        // non-Atlas body (an HTML page from a proxy) as a payload error and
        // lose the status. Such responses, token endpoint failures and
        // malformed envelopes go to the caller as `UnexpectedResponse`,
        // which keeps the status and the record of what was read.
        let Ok(response) = result else { return Ok(()) };
        let Some(record) = ResponseRecord::of(response) else {
            return Ok(());
        };
        let is_atlas_answer = record.origin == Origin::Api
            && (record.status.is_success()
                || serde_json::from_slice::<ApiError>(&record.body).is_ok());
        if is_atlas_answer {
            Ok(())
        } else {
            Err(Error::UnexpectedResponse(
                record.as_ref().clone().into_response(),
            ))
        }
    }
}
