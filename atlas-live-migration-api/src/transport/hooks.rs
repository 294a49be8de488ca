//! The one place where the runtime touches requests: the generated clients'
//! `ClientHooks` (progenitor is told `HooksMode::Expected`, so this impl
//! cannot be forgotten). Each hook hands over to a module of its concern.
//! The Atlas client and Cloud Manager's ([`crate::cloud_manager`]) are two
//! generated types around the one runtime, so they get the same impl.

use std::sync::Arc;

use progenitor_client::{ClientHooks, Error, OperationInfo};

use crate::response::failure::Failure;
use crate::transport::runtime::ClientRuntime;

macro_rules! runtime_hooks {
    ($client:ty) => {
        impl ClientHooks<ClientRuntime> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> Result<(), Error<E>> {
                // The headers are `exec`'s, which decides the version once
                // for them and for what a failure names.
                crate::pages::request::shape(request);
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
                // A failure the runtime read goes to the caller as it is,
                // rather than to the generated decode, which would parse
                // the body again (and, for a body that is no API error,
                // lose the status).
                match result.as_ref().ok().and_then(Failure::of) {
                    Some(failure) => Err(Error::UnexpectedResponse(
                        Arc::clone(failure).into_response(),
                    )),
                    None => Ok(()),
                }
            }
        }
    };
}

runtime_hooks!(crate::Client);
runtime_hooks!(crate::cloud_manager::Client);
