//! A page of a listing on its way: the pager (`crate::pages`) sends the
//! caller's builder once per page, inside [`page`]; the `pre` hook, which
//! shapes every request, gives such a request its page's query
//! ([`crate::pages::page_query`]) and tells the pager the `itemsPerPage` it
//! asked for. The builder's fields are progenitor's and private, so the
//! caller's `pageNum` and `itemsPerPage` are read where they are: in the
//! request it built.

use std::cell::Cell;
use std::future::Future;

/// The request being sent is a listing's page.
struct PageRequest {
    /// How many pages after the caller's it is.
    after: u64,
    /// Whether the operation takes `includeCount`.
    takes_count: bool,
    /// The `itemsPerPage` the hook gave it.
    asked: Cell<Option<u64>>,
}

tokio::task_local! {
    static PAGE: PageRequest;
}

/// Runs `send` (a builder's `send()`) as the request of the `after`-th
/// page after the caller's; its answer, and the `itemsPerPage` it asked for.
pub(crate) async fn page<F: Future>(
    after: u64,
    takes_count: bool,
    send: F,
) -> (F::Output, Option<u64>) {
    let request = PageRequest {
        after,
        takes_count,
        asked: Cell::new(None),
    };
    PAGE.scope(request, async {
        let answer = send.await;
        (answer, PAGE.with(|page| page.asked.get()))
    })
    .await
}

/// Gives a request sent inside [`page`] its page's query; any other
/// request is left as it is.
pub(crate) fn shape(request: &mut reqwest::Request) {
    let _ = PAGE.try_with(|page| {
        let url = request.url_mut();
        let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        page.asked.set(crate::pages::page_query(
            &mut pairs,
            page.after,
            page.takes_count,
        ));
        url.query_pairs_mut().clear().extend_pairs(&pairs);
    });
}
