//! A page of a listing on its way: the pager (`crate::pages`) sends the
//! caller's builder once per page, inside [`page`]; the `pre` hook, which
//! shapes every request, gives such a request its page's query
//! ([`crate::pages::page_query`]). The builder's fields are progenitor's
//! and private, so the caller's `pageNum` and `itemsPerPage` are read where
//! they are: in the request it built.

use std::future::Future;

tokio::task_local! {
    /// How many pages after the caller's the request being sent is.
    static AFTER: u64;
}

/// Runs `send` (a builder's `send()`) as the request of the `after`-th
/// page after the caller's.
pub(crate) async fn page<F: Future>(after: u64, send: F) -> F::Output {
    AFTER.scope(after, send).await
}

/// Gives a request sent inside [`page`] its page's query; any other
/// request is left as it is.
pub(crate) fn shape(request: &mut reqwest::Request) {
    let Ok(after) = AFTER.try_with(|after| *after) else {
        return;
    };
    let url = request.url_mut();
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    crate::pages::page_query(&mut pairs, after);
    url.query_pairs_mut().clear().extend_pairs(&pairs);
}
