//! How the generated code reads a response into a typed value.
//!
//! progenitor's `ResponseValue::from_response` copies the response's
//! headers into the value and then drops the response with its own copy:
//! two header maps built and freed per call for one that is kept. The
//! generation function (`codegen.rs`) points the generated code here
//! instead; this moves the headers. Everything else is progenitor's: the
//! same status, the same errors for a body that cannot be read or decoded.

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// `ResponseValue::from_response`, moving the headers instead of copying.
pub(crate) async fn from_response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let inner =
        serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(inner, status, headers))
}

#[cfg(test)]
mod tests {
    use progenitor_client::{Error, ResponseValue};

    use super::from_response;

    type Decoded = Result<ResponseValue<serde_json::Value>, Error<()>>;

    fn response(status: u16, body: &'static str) -> reqwest::Response {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("ratelimit-remaining", "99")
            .body(body)
            .unwrap()
            .into()
    }

    async fn both(status: u16, body: &'static str) -> (Decoded, Decoded) {
        (
            from_response(response(status, body)).await,
            ResponseValue::from_response(response(status, body)).await,
        )
    }

    #[tokio::test]
    async fn values_keep_status_headers_and_body_as_progenitor_reads_them() {
        let (ours, theirs) = both(200, r#"{"status":"NEW"}"#).await;
        let (ours, theirs) = (ours.unwrap(), theirs.unwrap());
        assert_eq!(ours.status(), theirs.status());
        assert_eq!(ours.headers(), theirs.headers());
        assert_eq!(ours.headers()["ratelimit-remaining"], "99");
        assert_eq!(ours.into_inner(), theirs.into_inner());
    }

    #[tokio::test]
    async fn an_undecodable_body_is_the_same_error_with_the_same_bytes() {
        let (ours, theirs) = both(200, r#"{"status":"#).await;
        match (ours, theirs) {
            (
                Err(Error::InvalidResponsePayload(ours, _)),
                Err(Error::InvalidResponsePayload(theirs, _)),
            ) => assert_eq!(ours, theirs),
            other => panic!("{other:?}"),
        }
    }
}
