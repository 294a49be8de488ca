//! `api <tag> <operation> --all`: every item of every page of a paginated
//! operation (rule `PAGINATED_LIST_AS_STREAM`) as one JSON array, written
//! as the pages arrive, each item as Atlas sent it.
//!
//! The pages go as the SDK's streams send them, by the SDK's own rules:
//! the query of each ([`pages::page_query`]: the caller's `itemsPerPage`
//! or 500, the next `pageNum`, `includeCount=false` after the first) and
//! when the listing ends ([`Paging`]: a page without a `next` link, empty
//! or short; a repeated page is an error). Each is sent through
//! `send_as_sent`, so that the items keep Atlas's members and order.

use std::io::Write;

use atlas_live_migration_api::Client;
use atlas_live_migration_api::pages::{self, PageSeen, Paging};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::Operation;
use crate::Failure;

/// A page as Atlas sends it: only what paging reads; the items stay bytes.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow, default)]
    results: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    links: Option<Vec<Link>>,
    #[serde(default, rename = "totalCount")]
    total_count: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(default)]
    rel: Option<String>,
}

/// Writes every item of `operation`'s list (its path and query parameters
/// as the flags gave them) to standard output, pretty-printed, or to
/// `output_file` as the bytes Atlas sent. On an error the items before it
/// are written and the array is left open, so that no reader takes a part
/// for the whole.
pub(super) async fn write_every_item(
    client: &Client,
    operation: &Operation,
    path: &[(&str, String)],
    query: &[(&str, String)],
    output_file: Option<&String>,
) -> Result<(), Failure> {
    let mut out = Output::open(output_file)?;
    let mut paging = Paging::new();
    let takes_count = operation
        .parameters
        .iter()
        .any(|p| p.name == "includeCount");
    let mut written = 0usize;
    loop {
        let mut pairs: Vec<(String, String)> = query
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        let asked = pages::page_query(&mut pairs, paging.after(), takes_count);
        let pairs: Vec<(&str, String)> = pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        let answer = client
            .send_as_sent(
                operation.rust_name,
                operation.method,
                operation.path,
                path,
                &pairs,
                None,
            )
            .await?;
        let page: Page = serde_json::from_slice(&answer.body).map_err(|e| {
            Failure::answer(format!(
                "page {} of {} is not a page of a list ({e}); the {written} items before it \
                 were written",
                paging.after() + 1,
                operation.name,
            ))
        })?;
        let items = page.results.unwrap_or_default();
        let next = page
            .links
            .unwrap_or_default()
            .iter()
            .any(|link| link.rel.as_deref() == Some("next"));
        for item in &items {
            out.item(item)?;
        }
        written += items.len();
        out.flush()?;
        let seen = PageSeen {
            asked,
            items: items.len(),
            next,
            counted: page.total_count.is_some(),
            fingerprint: pages::fingerprint(&items),
        };
        if !paging.read(seen)? {
            break;
        }
    }
    out.close()
}

/// Where the array goes.
struct Output {
    to: Box<dyn Write>,
    /// Pretty-printed (standard output) or as Atlas sent it (a file).
    pretty: bool,
    items: usize,
    name: String,
}

impl Output {
    fn open(path: Option<&String>) -> Result<Self, Failure> {
        let (to, pretty, name): (Box<dyn Write>, _, _) = match path {
            Some(path) => (
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).map_err(|e| {
                        Failure::usage(format!("cannot write --outputFile {path}: {e}"))
                    })?,
                )),
                false,
                format!("--outputFile {path}"),
            ),
            None => (
                Box::new(std::io::stdout().lock()),
                true,
                "standard output".to_owned(),
            ),
        };
        let mut out = Self {
            to,
            pretty,
            items: 0,
            name,
        };
        out.write(b"[")?;
        Ok(out)
    }

    /// One item: on standard output pretty-printed with its members in
    /// Atlas's order (indented as an element of the array), in a file as
    /// its bytes.
    fn item(&mut self, item: &RawValue) -> Result<(), Failure> {
        let separator: &[u8] = match (self.items, self.pretty) {
            (0, true) => b"\n",
            (_, true) => b",\n",
            (0, false) => b"",
            (_, false) => b",",
        };
        self.write(separator)?;
        self.items += 1;
        if !self.pretty {
            return self.write(item.get().as_bytes());
        }
        let pretty = super::pretty_json(item.get().as_bytes())
            .unwrap_or_else(|| item.get().as_bytes().to_vec());
        // A JSON text has no raw line break inside a string: each line of
        // the item is indented as a whole.
        let mut indented = Vec::with_capacity(pretty.len() + pretty.len() / 8);
        for (index, line) in pretty.split(|b| *b == b'\n').enumerate() {
            if index > 0 {
                indented.push(b'\n');
            }
            indented.extend_from_slice(b"  ");
            indented.extend_from_slice(line);
        }
        self.write(&indented)
    }

    fn close(mut self) -> Result<(), Failure> {
        let end: &[u8] = match (self.items, self.pretty) {
            (0, true) => b"]\n",
            (_, true) => b"\n]\n",
            (_, false) => b"]",
        };
        self.write(end)?;
        self.flush()
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.to
            .write_all(bytes)
            .map_err(|e| Failure::usage(format!("cannot write to {}: {e}", self.name)))
    }

    fn flush(&mut self) -> Result<(), Failure> {
        self.to
            .flush()
            .map_err(|e| Failure::usage(format!("cannot write to {}: {e}", self.name)))
    }
}
