//! Every item of a long list, side by side: the client's `stream()` and
//! `all()` (rule `PAGINATED_LIST_AS_STREAM`) against a hand-written loop on
//! reqwest, over 10,000 projects in pages of 500 from a loopback server
//! that pages as Atlas does. Each side runs in a process of its own (this
//! binary again, `--side …`), so that its peak resident memory (VmHWM) is
//! its own; the sides alternate over `BENCH_ROUNDS` rounds, and each figure
//! is the median. Prints one table: requests, peak memory and wall time,
//! each with its ratio to the hand-written loop.
//!
//! `cargo bench -p atlas-live-migration-tests --bench pages`
//! (`PAGES_ITEMS`, `BENCH_ROUNDS` adjust it).

use std::time::{Duration, Instant};

use atlas_live_migration_api::{Client, ClientInfo, Credentials};
use futures_util::StreamExt;
use httpmock::prelude::*;

const PER_PAGE: usize = 500;
const MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A project as Atlas lists it (about 330 bytes).
fn project(n: usize) -> serde_json::Value {
    serde_json::json!({
        "clusterCount": n % 7,
        "created": "2024-05-30T12:00:00Z",
        "id": format!("{n:024x}"),
        "links": [{"href": format!("https://cloud.mongodb.com/api/atlas/v2/groups/{n:024x}"), "rel": "self"}],
        "name": format!("project-{n:05}"),
        "orgId": "4888442a3354817a7320eb61",
        "regionUsageRestrictions": "COMMERCIAL_FEDERAL_REGIONS_ONLY",
        "tags": [{"key": "team", "value": format!("team-{}", n % 13)}],
        "withDefaultAlertsSettings": true
    })
}

/// Serves `items` projects in pages of [`PER_PAGE`], as Atlas pages them:
/// the first without `pageNum`, a `next` link while more follow.
fn serve(server: &MockServer, items: usize) -> Vec<httpmock::Mock<'_>> {
    let pages = items.div_ceil(PER_PAGE);
    let mut mocks = Vec::new();
    for page in 1..=pages {
        let results: Vec<_> = ((page - 1) * PER_PAGE..(page * PER_PAGE).min(items))
            .map(project)
            .collect();
        let mut links = vec![
            serde_json::json!({"href": "https://cloud.mongodb.com/api/atlas/v2/groups", "rel": "self"}),
        ];
        if page < pages {
            links.push(serde_json::json!({"href": "https://cloud.mongodb.com/api/atlas/v2/groups", "rel": "next"}));
        }
        let body = serde_json::json!({"links": links, "results": results, "totalCount": items});
        mocks.push(server.mock(|when, then| {
            let when = when
                .method(GET)
                .path("/api/atlas/v2/groups")
                .query_param("itemsPerPage", PER_PAGE.to_string());
            if page == 1 {
                when.query_param_missing("pageNum");
            } else {
                when.query_param("pageNum", page.to_string());
            }
            then.status(200)
                .header("content-type", MEDIA_TYPE)
                .json_body(body);
        }));
    }
    mocks
}

/// What a caller writes without the pager: the URL, the version, the loop
/// and its end, each page decoded into the same generated page type, so
/// that both sides hand out the same items.
mod baseline {
    use super::*;
    use atlas_live_migration_api::types::{Group, PaginatedAtlasGroupView};

    /// Calls `each` for every project of every page, on `http`.
    pub async fn each(http: &reqwest::Client, base_url: &str, mut each: impl FnMut(Group)) {
        for page_num in 1.. {
            let mut request = http
                .get(format!("{base_url}/api/atlas/v2/groups"))
                .header("accept", MEDIA_TYPE)
                .query(&[("itemsPerPage", PER_PAGE.to_string())]);
            if page_num > 1 {
                request = request.query(&[
                    ("pageNum", page_num.to_string()),
                    ("includeCount", "false".to_owned()),
                ]);
            }
            let bytes = request.send().await.unwrap().bytes().await.unwrap();
            let page: PaginatedAtlasGroupView = serde_json::from_slice(&bytes).unwrap();
            let next = page.links.iter().any(|l| l.rel.as_deref() == Some("next"));
            let empty = page.results.is_empty();
            page.results.into_iter().for_each(&mut each);
            if !next || empty {
                break;
            }
        }
    }
}

/// One side, in this process: reads every item, prints `items peak_kib`.
async fn side(name: &str, base_url: &str) {
    let client = || {
        Client::builder()
            .base_url(base_url)
            .credentials(Credentials::digest("public", "private"))
            .build()
            .unwrap()
    };
    // The baseline's reqwest::Client is the one `Client::builder()` builds
    // (rustls with the crate's configuration), as in `benches/ratios.rs`.
    let http = || client().client().clone();
    let items = match name {
        "stream" => {
            let client = client();
            let mut stream = std::pin::pin!(client.list_groups().stream());
            let mut items = 0usize;
            while let Some(project) = stream.next().await {
                items += usize::from(project.unwrap().name.is_some());
            }
            items
        }
        "all" => client().list_groups().all().await.unwrap().len(),
        "loop" => {
            let mut items = 0usize;
            baseline::each(&http(), base_url, |project| {
                items += usize::from(project.name.is_some())
            })
            .await;
            items
        }
        "loop-all" => {
            let mut all = Vec::new();
            baseline::each(&http(), base_url, |project| all.push(project)).await;
            all.len()
        }
        other => panic!("no side {other}"),
    };
    println!("{items} {}", peak_kib().unwrap_or(0));
}

/// This process's peak resident memory so far, in KiB (Linux).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Run {
    items: usize,
    peak_kib: u64,
    elapsed: Duration,
}

/// Runs one side in a process of its own.
fn run(side: &str, base_url: &str) -> Run {
    let started = Instant::now();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--side", side, "--url", base_url])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{side}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut numbers = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
    Run {
        items: numbers.next().unwrap() as usize,
        peak_kib: numbers.next().unwrap(),
        elapsed,
    }
}

fn median<T: Ord + Copy>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(side_at), Some(url_at)) = (
        args.iter().position(|a| a == "--side"),
        args.iter().position(|a| a == "--url"),
    ) {
        return side(&args[side_at + 1], &args[url_at + 1]).await;
    }
    let items = env_number("PAGES_ITEMS", 10_000);
    let rounds = env_number("BENCH_ROUNDS", 5);
    let server = MockServer::start_async().await;
    let base_url = server.base_url();
    println!(
        "{items} projects in pages of {PER_PAGE} from 127.0.0.1, {rounds} rounds, each side a process of its own\n"
    );
    println!("| way | requests | peak memory (VmHWM) | ratio | wall time | ratio |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (ours, theirs) in [("stream", "loop"), ("all", "loop-all")] {
        let mut runs: [Vec<Run>; 2] = [Vec::new(), Vec::new()];
        let mut requests = [0usize; 2];
        for round in 0..rounds {
            for which in [round % 2, 1 - round % 2] {
                let side = [ours, theirs][which];
                server.reset_async().await;
                let mocks = serve(&server, items);
                let run = run(side, &base_url);
                assert_eq!(run.items, items, "{side} read every item");
                requests[which] = mocks.iter().map(httpmock::Mock::calls).sum();
                runs[which].push(run);
            }
        }
        let figures = |runs: &Vec<Run>| {
            (
                median(runs.iter().map(|r| r.peak_kib).collect()),
                median(runs.iter().map(|r| r.elapsed).collect()),
            )
        };
        let ((our_kib, our_time), (their_kib, their_time)) = (figures(&runs[0]), figures(&runs[1]));
        let describe = |name: &str, requests: usize, kib: u64, time: Duration, ratios: bool| {
            println!(
                "| {name} | {requests} | {:.1} MiB | {} | {:.0} ms | {} |",
                kib as f64 / 1024.0,
                if ratios {
                    format!("{:.2}", kib as f64 / their_kib as f64)
                } else {
                    "1".to_owned()
                },
                time.as_secs_f64() * 1000.0,
                if ratios {
                    format!("{:.2}", time.as_secs_f64() / their_time.as_secs_f64())
                } else {
                    "1".to_owned()
                },
            )
        };
        let label = if ours == "stream" {
            ("client `stream()`", "hand-written loop, item by item")
        } else {
            ("client `all()`", "hand-written loop into a Vec")
        };
        describe(label.0, requests[0], our_kib, our_time, true);
        describe(label.1, requests[1], their_kib, their_time, false);
    }
}
