//! Every item of a paginated list (rule `PAGINATED_LIST_AS_STREAM`), through
//! the builder's `stream()`, `all()` and `pages()`, against loopback
//! servers that answer as Atlas does: `results`, `links` with a `next`
//! link while more pages follow, `totalCount` when asked for.

use std::ops::Range;

use atlas_live_migration_api::{Client, Error, RetryPolicy};
use atlas_live_migration_tests::{ScriptedServer, http_response, plain_client};
use futures_util::StreamExt;
use httpmock::MockServer;
use serde_json::{Value, json};

const MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";
const PATH: &str = "/api/atlas/v2/groups";

/// A project as Atlas lists it.
fn project(n: usize) -> Value {
    json!({"id": format!("{n:024x}"), "name": format!("project-{n}"), "clusterCount": n})
}

/// A page of the projects `items`, with a `next` link if `next`, and
/// `totalCount` if `total`.
fn page(items: Range<usize>, next: bool, total: Option<usize>) -> Value {
    let mut links = vec![
        json!({"href": "https://cloud.mongodb.com/api/atlas/v2/groups?pageNum=1", "rel": "self"}),
    ];
    if next {
        links.push(json!({"href": "https://cloud.mongodb.com/api/atlas/v2/groups?pageNum=2", "rel": "next"}));
    }
    let mut page = json!({"links": links, "results": items.map(project).collect::<Vec<_>>()});
    if let Some(total) = total {
        page["totalCount"] = total.into();
    }
    page
}

/// Serves `pages` in order: the first without `pageNum` (the caller set
/// none), with the caller's `includeCount`; each later one as `pageNum=n`
/// with `includeCount=false`, all with `itemsPerPage`. Returns the mocks.
fn serve<'a>(
    server: &'a MockServer,
    items_per_page: &str,
    pages: &[Value],
) -> Vec<httpmock::Mock<'a>> {
    pages
        .iter()
        .enumerate()
        .map(|(index, body)| {
            server.mock(|when, then| {
                let when = when
                    .method("GET")
                    .path(PATH)
                    .query_param("itemsPerPage", items_per_page);
                if index == 0 {
                    when.query_param_missing("pageNum")
                        .query_param_missing("includeCount");
                } else {
                    when.query_param("pageNum", (index + 1).to_string())
                        .query_param("includeCount", "false");
                }
                then.status(200)
                    .header("content-type", MEDIA_TYPE)
                    .json_body(body.clone());
            })
        })
        .collect()
}

fn names(projects: &[atlas_live_migration_api::types::Group]) -> Vec<String> {
    projects.iter().filter_map(|p| p.name.clone()).collect()
}

fn expected(items: Range<usize>) -> Vec<String> {
    items.map(|n| format!("project-{n}")).collect()
}

/// Every project `all()` reads, with `items_per_page`, from a server that
/// answers `pages` in order; and how often each page was asked for.
async fn read_all(items_per_page: u64, pages: &[Value]) -> (Vec<String>, Vec<usize>) {
    let server = MockServer::start_async().await;
    let mocks = serve(&server, &items_per_page.to_string(), pages);
    let client = plain_client(&server.base_url());
    let projects = client
        .list_groups()
        .items_per_page(items_per_page)
        .all()
        .await
        .unwrap();
    let calls = mocks.iter().map(httpmock::Mock::calls).collect();
    (names(&projects), calls)
}

#[tokio::test]
async fn three_pages_with_a_short_last_one_give_every_item_in_three_requests() {
    let pages = [
        page(0..3, true, Some(7)),
        page(3..6, true, None),
        page(6..7, false, None),
    ];
    assert_eq!(read_all(3, &pages).await, (expected(0..7), vec![1, 1, 1]));
}

#[tokio::test]
async fn without_items_per_page_a_page_is_500_items() {
    let server = MockServer::start_async().await;
    let mocks = serve(&server, "500", &[page(0..2, false, Some(2))]);
    let client = plain_client(&server.base_url());
    let projects = client.list_groups().all().await.unwrap();
    assert_eq!(names(&projects), expected(0..2));
    mocks[0].assert_calls(1);
}

#[tokio::test]
async fn an_exactly_full_last_page_is_followed_by_an_empty_one_that_ends_it() {
    let pages = [
        page(0..3, true, None),
        page(3..6, true, None),
        page(6..6, false, None),
    ];
    assert_eq!(read_all(3, &pages).await, (expected(0..6), vec![1, 1, 1]));
}

#[tokio::test]
async fn the_callers_first_page_and_count_are_kept_and_later_pages_count_nothing() {
    let server = MockServer::start_async().await;
    let first = server.mock(|when, then| {
        when.path(PATH)
            .query_param("pageNum", "4")
            .query_param("itemsPerPage", "2")
            .query_param("includeCount", "true");
        then.status(200)
            .header("content-type", MEDIA_TYPE)
            .json_body(page(6..8, true, Some(9)));
    });
    let second = server.mock(|when, then| {
        when.path(PATH)
            .query_param("pageNum", "5")
            .query_param("itemsPerPage", "2")
            .query_param("includeCount", "false");
        then.status(200)
            .header("content-type", MEDIA_TYPE)
            .json_body(page(8..9, false, None));
    });
    let client = plain_client(&server.base_url());
    let pages: Vec<_> = client
        .list_groups()
        .page_num(4u64)
        .items_per_page(2u64)
        .include_count(true)
        .pages()
        .collect()
        .await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(pages.len(), 2);
    assert_eq!((pages[0].total_count, pages[0].next), (Some(9), true));
    assert_eq!((pages[1].total_count, pages[1].next), (None, false));
    assert_eq!(names(&pages[1].items), expected(8..9));
    first.assert_calls(1);
    second.assert_calls(1);
}

#[tokio::test]
async fn pages_are_fetched_as_the_stream_is_read() {
    let server = MockServer::start_async().await;
    let mocks = serve(
        &server,
        "2",
        &[page(0..2, true, None), page(2..4, false, None)],
    );
    let client = plain_client(&server.base_url());
    // The stream is Send: a task of its own can read it.
    let first = tokio::spawn(async move {
        let mut stream = std::pin::pin!(client.list_groups().items_per_page(2u64).stream());
        let mut first = Vec::new();
        for _ in 0..2 {
            first.push(stream.next().await.unwrap().unwrap());
        }
        first
    })
    .await
    .unwrap();
    assert_eq!(names(&first), expected(0..2));
    mocks[0].assert_calls(1);
    mocks[1].assert_calls(0);
}

/// The real Atlas's error for a 500, as the recorded answers have it.
fn atlas_500() -> String {
    json!({"detail": "Unexpected error.", "error": 500, "errorCode": "UNEXPECTED_ERROR",
           "parameters": [], "reason": "Internal Server Error"})
    .to_string()
}

#[tokio::test]
async fn a_500_on_page_two_is_yielded_once_after_the_first_pages_items() {
    let first = page(0..2, true, None).to_string();
    let server = ScriptedServer::start(vec![
        http_response(200, &[("content-type", MEDIA_TYPE)], &first),
        http_response(500, &[("content-type", "application/json")], &atlas_500()),
    ])
    .await;
    // The default retry policy: a 500 is not sent again.
    let client = Client::builder()
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let items: Vec<_> = client
        .list_groups()
        .items_per_page(2u64)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "two items, then the error, then the end");
    assert!(items[..2].iter().all(Result::is_ok));
    match &items[2] {
        Err(Error::Api(failure)) => {
            assert_eq!(failure.status.as_u16(), 500);
            assert_eq!(failure.error_code.as_deref(), Some("UNEXPECTED_ERROR"));
        }
        other => panic!("expected Atlas's 500, got {other:?}"),
    }
    assert_eq!(server.requests(), 2);
    // all() gives the error itself.
    let server = ScriptedServer::start(vec![
        http_response(200, &[("content-type", MEDIA_TYPE)], &first),
        http_response(500, &[("content-type", "application/json")], &atlas_500()),
    ])
    .await;
    let client = plain_client(&server.base_url);
    let error = client
        .list_groups()
        .items_per_page(2u64)
        .all()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
}

#[tokio::test]
async fn a_429_between_pages_is_waited_out() {
    let rate_limited = json!({"detail": "Rate limit exceeded.", "error": 429,
        "errorCode": "RATE_LIMITED_TOKEN_BUCKET", "parameters": [], "reason": "Too Many Requests"})
    .to_string();
    let server = ScriptedServer::start(vec![
        http_response(
            200,
            &[("content-type", MEDIA_TYPE)],
            &page(0..2, true, None).to_string(),
        ),
        http_response(
            429,
            &[("content-type", "application/json"), ("retry-after", "1")],
            &rate_limited,
        ),
        http_response(
            200,
            &[("content-type", MEDIA_TYPE)],
            &page(2..3, false, None).to_string(),
        ),
    ])
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    let projects = client
        .list_groups()
        .items_per_page(2u64)
        .all()
        .await
        .unwrap();
    assert_eq!(names(&projects), expected(0..3));
    let arrivals = server.arrivals();
    assert_eq!(arrivals.len(), 3);
    assert!(
        arrivals[2] - arrivals[1] >= std::time::Duration::from_millis(900),
        "Retry-After was waited out: {:?}",
        arrivals[2] - arrivals[1]
    );
}

#[tokio::test]
async fn a_page_that_repeats_the_one_before_ends_the_listing_with_an_error() {
    // A server that ignores pageNum: page 1 again and again, with a next link.
    let server = MockServer::start_async().await;
    let repeated = server.mock(|when, then| {
        when.path(PATH);
        then.status(200)
            .header("content-type", MEDIA_TYPE)
            .json_body(page(0..2, true, None));
    });
    let client = plain_client(&server.base_url());
    let items: Vec<_> = client
        .list_groups()
        .items_per_page(2u64)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "page 1's items, then the error");
    match &items[2] {
        Err(error @ Error::RepeatedPage { page: 2, items: 2 }) => {
            assert!(error.to_string().contains("page 2"), "{error}");
        }
        other => panic!("expected RepeatedPage, got {other:?}"),
    }
    repeated.assert_calls(2);
}

#[tokio::test]
async fn an_invalid_builder_is_refused_before_the_first_request() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.path(PATH);
        then.status(200).json_body(page(0..1, false, None));
    });
    let client = plain_client(&server.base_url());
    let error = client
        .list_groups()
        .items_per_page(0u64)
        .all()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidRequest { parameter, .. } if parameter.contains("items_per_page")),
        "{error:?}"
    );
    any.assert_calls(0);
}

/// Atlas documents a `next` link, not whether it sends one on a page it did
/// not count (`includeCount=false`): a full page without `totalCount` is
/// followed by another, with or without the link; a counted full page
/// without it is the last.
#[tokio::test]
async fn an_uncounted_full_page_without_a_next_link_is_followed_and_a_counted_one_is_not() {
    let pages = [
        page(0..2, true, Some(5)),
        page(2..4, false, None),
        page(4..5, false, None),
    ];
    assert_eq!(read_all(2, &pages).await, (expected(0..5), vec![1, 1, 1]));
    let pages = [page(0..2, false, Some(2)), page(2..2, false, None)];
    assert_eq!(read_all(2, &pages).await, (expected(0..2), vec![1, 0]));
}
