//! A list served a page at a time, as Atlas serves it, for the paginated
//! operations' typed mocks (rule `PAGINATED_LIST_AS_STREAM`).

use std::num::NonZeroU64;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The pages of `items`, `items_per_page` to a page, as Atlas answers a
/// listing: each page's `results`, a `next` link while more items follow,
/// and `totalCount` on the first page (the SDK's streams ask for no count
/// after it). A list of no item is one empty page.
///
/// ```
/// use atlas_live_migration_httpmock::Pages;
///
/// let pages: Vec<_> = Pages::new(&["a", "b", "c"], 2).collect();
/// assert_eq!(pages.len(), 2);
/// assert_eq!(pages[0].page_num(), None); // the SDK's stream sends no pageNum first
/// assert_eq!(pages[1].page_num().map(|n| n.get()), Some(2));
/// assert_eq!(pages[1].items(), &["c"]);
/// ```
#[derive(Debug, Clone)]
pub struct Pages<'a, T> {
    items: &'a [T],
    items_per_page: NonZeroU64,
    number: u64,
}

impl<'a, T> Pages<'a, T> {
    /// The pages of `items`. `items_per_page` of 0 counts as 1.
    pub fn new(items: &'a [T], items_per_page: u64) -> Self {
        Self {
            items,
            items_per_page: NonZeroU64::new(items_per_page).unwrap_or(NonZeroU64::MIN),
            number: 0,
        }
    }
}

impl<'a, T> Iterator for Pages<'a, T> {
    type Item = Page<'a, T>;

    fn next(&mut self) -> Option<Page<'a, T>> {
        let size = usize::try_from(self.items_per_page.get()).unwrap_or(usize::MAX);
        let start = usize::try_from(self.number)
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        if start >= self.items.len() && !(self.number == 0 && self.items.is_empty()) {
            return None;
        }
        self.number += 1;
        let end = start.saturating_add(size).min(self.items.len());
        Some(Page {
            all: self.items,
            range: start..end,
            number: self.number,
            items_per_page: self.items_per_page,
        })
    }
}

/// One page of [`Pages`].
#[derive(Debug, Clone)]
pub struct Page<'a, T> {
    all: &'a [T],
    range: std::ops::Range<usize>,
    number: u64,
    items_per_page: NonZeroU64,
}

impl<T> Page<'_, T> {
    /// The page's number, from 1.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// `pageNum` as the SDK's streams send it, for `when.page_num(…)`:
    /// none on the first page (the caller's builder sets none), the
    /// number after it.
    pub fn page_num(&self) -> Option<NonZeroU64> {
        NonZeroU64::new(self.number).filter(|n| n.get() > 1)
    }

    /// `itemsPerPage`, for `when.items_per_page(…)`.
    pub fn items_per_page(&self) -> NonZeroU64 {
        self.items_per_page
    }

    /// The page's items.
    pub fn items(&self) -> &[T] {
        &self.all[self.range.clone()]
    }

    /// Whether more items follow (Atlas then links a `next` page).
    pub fn has_next(&self) -> bool {
        self.range.end < self.all.len()
    }

    /// The page as Atlas answers it, read as the operation's page type `P`
    /// (`types::PaginatedAtlasGroupView` for `listGroups`), for
    /// `then.ok(&…)`: `results`, `links` (`self`, and `next` while more
    /// follow), and `totalCount` on the first page.
    ///
    /// Panics if `P` does not read such a page: it is not a page type.
    pub fn answer<P: DeserializeOwned>(&self) -> P
    where
        T: Serialize,
    {
        let link = |rel: &str, number: u64| {
            serde_json::json!({
                "href": format!("https://cloud.mongodb.com/api/atlas/v2?pageNum={number}&itemsPerPage={}", self.items_per_page),
                "rel": rel,
            })
        };
        let mut links = vec![link("self", self.number)];
        if self.has_next() {
            links.push(link("next", self.number + 1));
        }
        let mut page = serde_json::json!({"links": links, "results": self.items()});
        if self.number == 1 {
            page["totalCount"] = self.all.len().into();
        }
        serde_json::from_value(page).unwrap_or_else(|e| {
            panic!(
                "{} does not read a page of results: {e}",
                std::any::type_name::<P>()
            )
        })
    }
}
