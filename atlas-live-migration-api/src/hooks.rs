//! The one place where the runtime touches requests: the generated client's
//! `ClientHooks` (progenitor is told `HooksMode::Expected`, so this impl
//! cannot be forgotten).

use progenitor_client::{ClientHooks, Error, OperationInfo};
use reqwest::header::{ACCEPT, HeaderValue};

use crate::runtime::ClientRuntime;

impl ClientHooks<ClientRuntime> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        // progenitor sends `api-version: <info.version>` and
        // `Accept: application/json`; Atlas versions by media type instead.
        headers.remove("api-version");
        let accept = match self.inner.accept_override() {
            Some(accept) => accept.clone(),
            None => HeaderValue::from_static(crate::spec_media_type(info.operation_id)),
        };
        headers.insert(ACCEPT, accept);
        Ok(())
    }
}
