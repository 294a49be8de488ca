//! Every item of a paginated list (rule `PAGINATED_LIST_AS_STREAM`).
//!
//! Atlas answers a list one page at a time (`pageNum`, `itemsPerPage`):
//! `results`, `links` (with a `next` link while more pages follow) and,
//! when asked, `totalCount`. For each operation that does, the generation
//! writes `generated.rs` beside the client: the page's [`Listing`] and
//! three methods on the operation's builder itself, so no trait is
//! imported:
//!
//! - `stream()`: every item, a [`Stream`] of `Result<Item, Error>`;
//! - `all()`: every item in a `Vec`;
//! - `pages()`: the [`Page`]s, for a caller who wants `totalCount`.
//!
//! ```no_run
//! use futures_util::StreamExt; // or the `futures` crate's
//! # async fn run(client: atlas_live_migration_api::Client) -> Result<(), atlas_live_migration_api::Error> {
//! // Every project the credentials can see, 500 to a request.
//! let projects = client.list_groups().all().await?;
//! println!("{} projects", projects.len());
//!
//! // The same as they arrive: the next page is fetched when this one is read.
//! let mut stream = std::pin::pin!(client.list_groups().items_per_page(100).stream());
//! while let Some(project) = stream.next().await {
//!     println!("{:?}", project?.name);
//! }
//! # Ok(()) }
//! ```
//!
//! How the pages are fetched, as a user writing the loop by hand would want
//! it:
//! - lazily, one request at a time, each through the one client: paced,
//!   retried as any `GET`, failing with the one [`Error`];
//! - the caller's builder is the first page: its `pageNum` (else 1), its
//!   `itemsPerPage` (else [`DEFAULT_ITEMS_PER_PAGE`], Atlas's most, so the
//!   fewest requests), its `includeCount`; each later page is the next
//!   number, with `includeCount=false` (counting is what makes Atlas's deep
//!   pages fail with `TIMEOUT_WHILE_PAGING`);
//! - the listing ends after a page that is empty or shorter than the
//!   `itemsPerPage` asked for, or that has no `next` link where Atlas
//!   counted the list ([`Paging`]); never on `totalCount`, which a later
//!   page does not carry and a list that changes outgrows;
//! - an error ends the stream after it is yielded; so does a page that
//!   repeats the page before it (the same count, first and last item:
//!   [`fingerprint`]), with [`Error::RepeatedPage`], rather than loop.

use std::future::Future;
use std::hash::Hasher;

use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use progenitor_client::ResponseValue;

use crate::Error;

pub(crate) mod request;

/// The generated part: each paginated operation's [`Listing`] and builder
/// methods. `cargo xtask codegen` writes it beside the client; with the
/// feature `codegen`, `build.rs` does.
#[allow(clippy::all, missing_docs, rustdoc::all)]
mod generated {
    #[cfg(atlas_codegen)]
    include!(concat!(env!("OUT_DIR"), "/pages.rs"));
    #[cfg(not(atlas_codegen))]
    include!("generated.rs");
}

/// `itemsPerPage` when the caller's builder sets none: the most Atlas
/// allows, so a listing takes the fewest requests.
pub const DEFAULT_ITEMS_PER_PAGE: u32 = 500;

/// One page of a list, as Atlas answered it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items (`results`), in Atlas's order.
    pub items: Vec<T>,
    /// Whether Atlas linked a next page (a `links` entry with `rel: next`).
    pub next: bool,
    /// `totalCount`, when Atlas sent it: on the first page, unless the
    /// caller's builder set `include_count(false)`.
    pub total_count: Option<u64>,
}

/// A page answer of a paginated operation: what its items are, and how the
/// page reads. Implemented by the generated code for each page type.
pub trait Listing {
    /// The type of the list's items.
    type Item: serde::Serialize;
    /// The page's items, its `next` link and its `totalCount`.
    fn into_page(self) -> Page<Self::Item>;
}

/// The query of the `after`-th page after the caller's own (0 for the
/// caller's): `pairs` are the caller's query parameters in Atlas's
/// spelling. The caller's `itemsPerPage` stays, else
/// [`DEFAULT_ITEMS_PER_PAGE`] is added; a later page is the caller's
/// `pageNum` (else 1) plus `after`, with `includeCount=false` where the
/// operation `takes_count` (not every list has the parameter). Returns the
/// `itemsPerPage` asked for, for [`PageSeen::asked`].
///
/// The typed streams apply it in the client's `pre` hook; a tool that
/// builds its own requests (the CLI's `api --all`) applies it to its query.
pub fn page_query(pairs: &mut Vec<(String, String)>, after: u64, takes_count: bool) -> Option<u64> {
    if !pairs.iter().any(|(name, _)| name == "itemsPerPage") {
        pairs.push((
            "itemsPerPage".to_owned(),
            DEFAULT_ITEMS_PER_PAGE.to_string(),
        ));
    }
    if after > 0 {
        let first = pairs
            .iter()
            .find(|(name, _)| name == "pageNum")
            .and_then(|(_, value)| value.parse::<u64>().ok())
            .unwrap_or(1);
        set(pairs, "pageNum", (first + after).to_string());
        if takes_count {
            set(pairs, "includeCount", "false".to_owned());
        }
    }
    pairs
        .iter()
        .find(|(name, _)| name == "itemsPerPage")
        .and_then(|(_, value)| value.parse().ok())
}

fn set(pairs: &mut Vec<(String, String)>, name: &str, value: String) {
    pairs.retain(|(other, _)| other != name);
    pairs.push((name.to_owned(), value));
}

/// What a page said, for [`Paging::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSeen {
    /// The `itemsPerPage` its request asked for ([`page_query`]'s answer).
    pub asked: Option<u64>,
    /// How many items it had.
    pub items: usize,
    /// Whether it linked a `next` page.
    pub next: bool,
    /// Whether it carried `totalCount`: Atlas counted the list, so a page
    /// without a `next` link is the last.
    pub counted: bool,
    /// Its [`fingerprint`].
    pub fingerprint: u64,
}

/// Where a listing is: how many pages it has read, and whether the next
/// one follows. One rule for the typed streams and for tools that read the
/// pages' bytes (the CLI's `api --all`):
/// - a page that is empty, or shorter than the `itemsPerPage` asked for, is
///   the last;
/// - a full page is followed by another when it links a `next` page, or
///   when Atlas did not count the list (no `totalCount`: every page after
///   the first, as they ask for no count), since a `next` link without a
///   count is not something Atlas documents; that costs at most one request
///   that finds an empty page;
/// - a page with the same fingerprint as the one before it is an error.
#[derive(Debug, Default, Clone)]
pub struct Paging {
    /// Pages read so far.
    read: u64,
    /// The length of the first page: the page size when the request's is
    /// not known.
    full: usize,
    /// The fingerprint of the last page's items.
    previous: Option<u64>,
}

impl Paging {
    /// A listing that has read no page yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many pages after the caller's the next request is (for
    /// [`page_query`]).
    pub fn after(&self) -> u64 {
        self.read
    }

    /// Reads a page. Whether another page is to be fetched; an error when
    /// the page repeats the one before it, which ends the listing.
    pub fn read(&mut self, page: PageSeen) -> Result<bool, Error> {
        let repeated = page.items > 0 && self.previous == Some(page.fingerprint);
        self.read += 1;
        if repeated {
            return Err(Error::RepeatedPage {
                page: self.read,
                items: page.items,
            });
        }
        if self.read == 1 {
            self.full = page.items;
        }
        self.previous = Some(page.fingerprint);
        let full = match page.asked {
            Some(asked) => u64::try_from(page.items).is_ok_and(|items| items >= asked),
            None => page.items >= self.full,
        };
        Ok(page.items > 0 && full && (page.next || !page.counted))
    }
}

/// A fingerprint of a page's `items` for [`Paging::read`]: their count and
/// the JSON of the first and the last, hashed as it is written. A page that
/// repeats the one before it (a server that ignores `pageNum`) has the same;
/// two pages of one list do not, as no two of its items at a page's
/// distance from each other are the same resource. Serializing every item
/// instead cost as much again as decoding the page (BENCHMARKS.md).
pub fn fingerprint<T: serde::Serialize>(items: &[T]) -> u64 {
    struct Hashing(std::collections::hash_map::DefaultHasher);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = Hashing(std::collections::hash_map::DefaultHasher::new());
    hashing.0.write_usize(items.len());
    // A generated type always serializes; a failure leaves a partial hash,
    // which at worst lets one more page be fetched.
    for item in [items.first(), items.last()].into_iter().flatten() {
        let _ = serde_json::to_writer(&mut hashing, item);
    }
    hashing.0.finish()
}

/// The pages of a listing: the caller's `builder` sent once per page
/// (`send` is its `send`), each request shaped by [`page_query`] in the
/// `pre` hook (`takes_count`: whether the operation has `includeCount`).
pub(crate) fn pages<'a, B, A, F, Fut>(
    builder: B,
    takes_count: bool,
    send: F,
) -> impl Stream<Item = Result<Page<A::Item>, Error>> + 'a
where
    B: Clone + 'a,
    A: Listing + 'a,
    F: Fn(B) -> Fut + 'a,
    Fut: Future<Output = Result<ResponseValue<A>, crate::SendError>> + 'a,
{
    let state = Some((builder, send, Paging::new()));
    stream::unfold(state, move |state| async move {
        let (builder, send, mut paging) = state?;
        let (answer, asked) =
            request::page(paging.after(), takes_count, send(builder.clone())).await;
        let page = match answer {
            Ok(answer) => answer.into_inner().into_page(),
            Err(error) => return Some((Err(Error::from(error)), None)),
        };
        let seen = PageSeen {
            asked,
            items: page.items.len(),
            next: page.next,
            counted: page.total_count.is_some(),
            fingerprint: fingerprint(&page.items),
        };
        match paging.read(seen) {
            Ok(true) => Some((Ok(page), Some((builder, send, paging)))),
            Ok(false) => Some((Ok(page), None)),
            Err(error) => Some((Err(error), None)),
        }
    })
}

/// Every item of `pages`, in order; an error is the last item.
pub(crate) fn items<'a, T: 'a>(
    pages: impl Stream<Item = Result<Page<T>, Error>> + 'a,
) -> impl Stream<Item = Result<T, Error>> + 'a {
    pages.flat_map(|page| {
        let (items, error) = match page {
            Ok(page) => (page.items, None),
            Err(error) => (Vec::new(), Some(Err(error))),
        };
        stream::iter(items.into_iter().map(Ok).chain(error))
    })
}

/// Every item of `items` in a `Vec`, or the first error.
pub(crate) async fn all<T>(items: impl Stream<Item = Result<T, Error>>) -> Result<Vec<T>, Error> {
    items.try_collect().await
}

/// What the generated code reads a page's members with, whether typify made
/// them `Option`s or not.
pub(crate) mod read {
    /// `Vec<T>` or `Option<Vec<T>>` (absent: empty).
    pub trait Listed {
        /// The element.
        type Item;
        /// The elements.
        fn listed(self) -> Vec<Self::Item>;
    }
    impl<T> Listed for Vec<T> {
        type Item = T;
        fn listed(self) -> Vec<T> {
            self
        }
    }
    impl<T> Listed for Option<Vec<T>> {
        type Item = T;
        fn listed(self) -> Vec<T> {
            self.unwrap_or_default()
        }
    }

    /// `String` or `Option<String>`.
    pub trait Text {
        /// The text, if any.
        fn text(&self) -> Option<&str>;
    }
    impl Text for String {
        fn text(&self) -> Option<&str> {
            Some(self)
        }
    }
    impl Text for Option<String> {
        fn text(&self) -> Option<&str> {
            self.as_deref()
        }
    }

    /// An integer or an `Option` of one; a negative count is none.
    pub trait Count {
        /// The count, if any.
        fn count(self) -> Option<u64>;
    }
    macro_rules! count {
        ($($t:ty),*) => {$(
            impl Count for $t {
                fn count(self) -> Option<u64> {
                    u64::try_from(self).ok()
                }
            }
            impl Count for Option<$t> {
                fn count(self) -> Option<u64> {
                    self.and_then(|n| u64::try_from(n).ok())
                }
            }
        )*};
    }
    count!(i32, i64, u32, u64);
}

/// `stream()`, `all()` and `pages()` on the builders of paginated
/// operations; the generated code names each builder and its page type.
macro_rules! paginated {
    ($builder:ident => $page:ty; include_count) => {
        crate::pages::paginated!(@ $builder => $page, true);
    };
    ($builder:ident => $page:ty) => {
        crate::pages::paginated!(@ $builder => $page, false);
    };
    (@ $builder:ident => $page:ty, $takes_count:literal) => {
        impl<'a> crate::builder::$builder<'a> {
            /// Every item of every page of this list, fetched a page at a
            /// time as the stream is read: the first page is this builder's
            /// request (its `itemsPerPage`, else 500), each later page the
            /// next `pageNum`. Each request goes through the client (paced,
            /// retried as a `GET`); an error is the stream's last item.
            /// See [`crate::pages`].
            pub fn stream(
                self,
            ) -> impl futures_core::Stream<
                Item = Result<<$page as crate::pages::Listing>::Item, crate::Error>,
            > + 'a {
                crate::pages::items(self.pages())
            }

            /// Every item of every page of this list, as
            /// [`stream`](Self::stream) fetches them, or the first error.
            pub async fn all(
                self,
            ) -> Result<Vec<<$page as crate::pages::Listing>::Item>, crate::Error> {
                crate::pages::all(self.stream()).await
            }

            /// The pages of this list, as [`stream`](Self::stream) fetches
            /// them: each with its items, its `next` link and `totalCount`
            /// (on the first page, unless `include_count(false)`).
            pub fn pages(
                self,
            ) -> impl futures_core::Stream<
                Item = Result<
                    crate::pages::Page<<$page as crate::pages::Listing>::Item>,
                    crate::Error,
                >,
            > + 'a {
                crate::pages::pages(self, $takes_count, Self::send)
            }
        }
    };
}
pub(crate) use paginated;

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)], after: u64) -> Vec<(String, String)> {
        let mut pairs = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        page_query(&mut pairs, after, true);
        pairs
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_first_page_is_the_callers_with_500_items_unless_set() {
        assert_eq!(query(&[], 0), pairs(&[("itemsPerPage", "500")]));
        assert_eq!(
            query(&[("itemsPerPage", "20"), ("includeCount", "true")], 0),
            pairs(&[("itemsPerPage", "20"), ("includeCount", "true")])
        );
        let mut caller = pairs(&[("itemsPerPage", "20")]);
        assert_eq!(page_query(&mut caller, 0, true), Some(20));
    }

    #[test]
    fn a_later_page_is_the_next_number_without_a_count() {
        assert_eq!(
            query(&[("includeCount", "true"), ("envelope", "false")], 2),
            pairs(&[
                ("envelope", "false"),
                ("itemsPerPage", "500"),
                ("pageNum", "3"),
                ("includeCount", "false"),
            ])
        );
        assert_eq!(
            query(&[("pageNum", "4"), ("itemsPerPage", "10")], 1),
            pairs(&[
                ("itemsPerPage", "10"),
                ("pageNum", "5"),
                ("includeCount", "false")
            ])
        );
        // A list without `includeCount` is sent none.
        let mut uncounted = Vec::new();
        assert_eq!(page_query(&mut uncounted, 1, false), Some(500));
        assert_eq!(
            uncounted,
            pairs(&[("itemsPerPage", "500"), ("pageNum", "2")])
        );
    }

    fn seen(asked: u64, items: usize, next: bool, counted: bool, fingerprint: u64) -> PageSeen {
        PageSeen {
            asked: Some(asked),
            items,
            next,
            counted,
            fingerprint,
        }
    }

    #[test]
    fn a_listing_ends_on_an_empty_or_short_page_or_a_counted_one_without_next() {
        let mut paging = Paging::new();
        assert!(paging.read(seen(3, 3, true, true, 1)).unwrap());
        assert!(paging.read(seen(3, 3, true, false, 2)).unwrap());
        assert!(!paging.read(seen(3, 2, true, false, 3)).unwrap(), "short");
        let mut paging = Paging::new();
        assert!(
            !paging.read(seen(3, 3, false, true, 1)).unwrap(),
            "counted, no next"
        );
        let mut paging = Paging::new();
        assert!(paging.read(seen(3, 3, true, true, 1)).unwrap());
        assert!(!paging.read(seen(3, 0, true, false, 2)).unwrap(), "empty");
        // Uncounted and full: another page, whether or not it links one.
        let mut paging = Paging::new();
        assert!(paging.read(seen(3, 3, true, true, 1)).unwrap());
        assert!(paging.read(seen(3, 3, false, false, 2)).unwrap());
        assert!(!paging.read(seen(3, 1, false, false, 3)).unwrap());
        // The request's size unknown: the first page's length is the size.
        let mut paging = Paging::new();
        let unknown = |items, next| PageSeen {
            asked: None,
            ..seen(0, items, next, true, items as u64)
        };
        assert!(paging.read(unknown(4, true)).unwrap());
        assert!(
            !paging.read(unknown(3, true)).unwrap(),
            "shorter than the first"
        );
    }

    #[test]
    fn a_repeated_page_is_an_error_that_names_it() {
        let mut paging = Paging::new();
        let items = ["a", "b"];
        assert!(
            paging
                .read(seen(2, 2, true, true, fingerprint(&items)))
                .unwrap()
        );
        let error = paging
            .read(seen(2, 2, true, false, fingerprint(&items)))
            .unwrap_err();
        assert!(
            matches!(error, Error::RepeatedPage { page: 2, items: 2 }),
            "{error:?}"
        );
        assert!(error.to_string().contains("page 2"), "{error}");
        assert_ne!(fingerprint(&["a", "b"]), fingerprint(&["a", "c"]));
        assert_ne!(fingerprint(&["a", "b"]), fingerprint(&["b", "b"]));
        assert_ne!(fingerprint(&["a", "b"]), fingerprint(&["a", "x", "b"]));
    }
}
