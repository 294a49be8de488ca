//! Ratios of the generated client against hand-written baselines, measured
//! side by side in one process against a loopback server: the two sides run
//! in alternating rounds and each figure is the median of the rounds, so
//! that load from elsewhere on a shared machine falls on both sides alike.
//! Prints one summary table. `BENCH_ROUNDS` and `BENCH_SCALE` adjust effort.

use std::hint::black_box;
use std::time::{Duration, Instant};

use atlas_live_migration_api::types::{GroupId, LiveMigrationId, LiveMigrationResponse};
use atlas_live_migration_api::{Client, ClientInfo, Credentials, RetryPolicy};
use atlas_live_migration_tests::baseline::{self, PlainJob};
use atlas_live_migration_tests::*;
use httpmock::prelude::*;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `a` and `b` in alternating rounds; returns their medians.
async fn side_by_side<A, B, FA, FB>(rounds: usize, mut a: A, mut b: B) -> (Duration, Duration)
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: std::future::Future<Output = ()>,
    FB: std::future::Future<Output = ()>,
{
    a().await; // warm up connections and caches
    b().await;
    let (mut times_a, mut times_b) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which side goes first.
        for side in [round % 2, 1 - round % 2] {
            let started = Instant::now();
            if side == 0 {
                a().await
            } else {
                b().await
            }
            let elapsed = started.elapsed();
            if side == 0 {
                times_a.push(elapsed)
            } else {
                times_b.push(elapsed)
            }
        }
    }
    (median(times_a), median(times_b))
}

/// `tasks` concurrent tasks, each making `each` calls one after another.
async fn concurrently<F, Fut>(tasks: usize, each: usize, call: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let call = call.clone();
        set.spawn(async move {
            for _ in 0..each {
                call().await;
            }
        });
    }
    while set.join_next().await.is_some() {}
}

struct Row {
    name: String,
    ours: String,
    baseline: String,
    ratio: f64,
    goal: String,
}

impl Row {
    /// A row for two timings of `ops` operations each, shown per operation.
    fn timed(name: &str, ours: Duration, base: Duration, ops: usize, goal: &str) -> Self {
        Row {
            name: name.into(),
            ours: per_op(ours, ops),
            baseline: per_op(base, ops),
            ratio: ours.as_secs_f64() / base.as_secs_f64(),
            goal: goal.into(),
        }
    }
}

fn per_op(total: Duration, ops: usize) -> String {
    format!("{:.1} µs", total.as_secs_f64() * 1e6 / ops as f64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds = env_number("BENCH_ROUNDS", 21);
    let scale = env_number("BENCH_SCALE", 1);
    let mut rows = Vec::new();

    // One reqwest::Client for both sides, the one `Client::builder()` builds
    // (its time limits, no redirects, its user agent): the client as most
    // callers get it, and the baseline with the same settings and pool.
    let server = ScriptedServer::start(vec![http_response(
        200,
        &[("content-type", MEDIA_TYPE)],
        SEED_200,
    )])
    .await;
    let client = Client::builder()
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let http = client.client().clone();
    // A reqwest::Client of the caller's, passed in: the runtime then puts
    // its per-attempt time limit on every request, since it cannot see the
    // client's own.
    let given = Client::builder()
        .base_url(&server.base_url)
        .reqwest_client(http.clone())
        .build()
        .unwrap();
    let base_url = server.base_url.clone();

    let generated = |client: Client| async move {
        let job = client
            .get_push_migration()
            .group_id(GROUP_ID)
            .live_migration_id(LIVE_MIGRATION_ID)
            .send()
            .await
            .unwrap();
        black_box(job);
    };
    let hand_written = |http: reqwest::Client, base_url: String| async move {
        black_box(baseline::get_job(&http, &base_url).await);
    };

    // 1a. Request overhead, sequential.
    let calls = 1000 * scale;
    let (ours, base) = side_by_side(
        rounds,
        || {
            let c = client.clone();
            async move {
                for _ in 0..calls {
                    generated(c.clone()).await
                }
            }
        },
        || {
            let (h, u) = (http.clone(), base_url.clone());
            async move {
                for _ in 0..calls {
                    hand_written(h.clone(), u.clone()).await
                }
            }
        },
    )
    .await;
    rows.push(Row::timed(
        "request, sequential",
        ours,
        base,
        calls,
        "≤ 1.25",
    ));

    // 1b. Request overhead, 64 concurrent.
    let per_task = 50 * scale;
    let baseline = || {
        let (h, u) = (http.clone(), base_url.clone());
        concurrently(64, per_task, move || hand_written(h.clone(), u.clone()))
    };
    let (ours, base) = side_by_side(
        rounds,
        || {
            let c = client.clone();
            concurrently(64, per_task, move || generated(c.clone()))
        },
        baseline,
    )
    .await;
    rows.push(Row::timed(
        "request, 64 concurrent",
        ours,
        base,
        64 * per_task,
        "≤ 1.25",
    ));

    // 1c. The same with IDs parsed once, as a polling loop does: the
    // difference from 1b is the per-call ID validation.
    let group: GroupId = GROUP_ID.parse().unwrap();
    let migration: LiveMigrationId = LIVE_MIGRATION_ID.parse().unwrap();
    let (ours, base) = side_by_side(
        rounds,
        || {
            let (c, g, m) = (client.clone(), group.clone(), migration.clone());
            concurrently(64, per_task, move || {
                let (c, g, m) = (c.clone(), g.clone(), m.clone());
                async move {
                    let job = c
                        .get_push_migration()
                        .group_id(g)
                        .live_migration_id(m)
                        .send()
                        .await
                        .unwrap();
                    black_box(job);
                }
            })
        },
        baseline,
    )
    .await;
    rows.push(Row::timed(
        "request, 64 concurrent, IDs parsed once",
        ours,
        base,
        64 * per_task,
        "≤ 1.25",
    ));

    // 1d. The same as 1b with the caller's own reqwest::Client.
    let (ours, base) = side_by_side(
        rounds,
        || {
            let c = given.clone();
            concurrently(64, per_task, move || generated(c.clone()))
        },
        || {
            let (h, u) = (given.client().clone(), base_url.clone());
            concurrently(64, per_task, move || hand_written(h.clone(), u.clone()))
        },
    )
    .await;
    rows.push(Row::timed(
        "request, 64 concurrent, reqwest_client(..)",
        ours,
        base,
        64 * per_task,
        "≤ 1.25",
    ));

    // 2. Decode: typed response vs plain strings, same bytes.
    let decodes = 20_000 * scale;
    let bytes = SEED_200.as_bytes();
    let (ours, base) = side_by_side(
        rounds,
        || async move {
            for _ in 0..decodes {
                black_box(
                    serde_json::from_slice::<LiveMigrationResponse>(black_box(bytes)).unwrap(),
                );
            }
        },
        || async move {
            for _ in 0..decodes {
                black_box(serde_json::from_slice::<PlainJob>(black_box(bytes)).unwrap());
            }
        },
    )
    .await;
    rows.push(Row::timed(
        "decode the seed job",
        ours,
        base,
        decodes,
        "≤ 3.0",
    ));

    // GroupId parse (pattern check) vs a plain String copy.
    let parses = 100_000 * scale;
    let (ours, base) = side_by_side(
        rounds,
        || async move {
            for _ in 0..parses {
                black_box(black_box(GROUP_ID).parse::<GroupId>().unwrap());
            }
        },
        || async move {
            for _ in 0..parses {
                black_box(black_box(GROUP_ID).to_owned());
            }
        },
    )
    .await;
    rows.push(Row {
        name: "GroupId parse vs String copy".into(),
        ours: format!("{:.0} ns", ours.as_secs_f64() * 1e9 / parses as f64),
        baseline: format!("{:.0} ns", base.as_secs_f64() * 1e9 / parses as f64),
        ratio: ours.as_secs_f64() / base.as_secs_f64(),
        goal: "(ns per parse)".into(),
    });

    // 3. Digest wire cost: requests on the wire per successful call.
    let mock = MockServer::start_async().await;
    let challenge = mock
        .mock_async(|when, then| {
            when.method(GET).path(PATH).header_missing("authorization");
            then.status(401)
                .header("www-authenticate", digest_challenge("bench", false));
        })
        .await;
    let accepted = mock
        .mock_async(|when, then| {
            when.method(GET).path(PATH).header_exists("authorization");
            then.status(200).body(SEED_200);
        })
        .await;
    let digest = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::digest("public", "private"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    for _ in 0..100 {
        get_job(&digest).await.unwrap();
    }
    let wire = (challenge.calls_async().await + accepted.calls_async().await) as f64;
    rows.push(Row {
        name: "Digest: requests per call (100 calls)".into(),
        ours: format!("{wire} / 100"),
        baseline: "2.00 (Go SDK)".into(),
        ratio: wire / 100.0,
        goal: "≤ 1.01".into(),
    });

    // 4. Token requests under 256 concurrent calls.
    let mock = MockServer::start_async().await;
    let tokens = mock
        .mock_async(|when, then| {
            when.method(POST).path("/api/oauth/token");
            then.status(200)
                .delay(Duration::from_millis(50))
                .body(r#"{"access_token":"t","expires_in":3600}"#);
        })
        .await;
    mock.mock_async(|when, then| {
        when.method(GET).path(PATH);
        then.status(200).body(SEED_200);
    })
    .await;
    let service = Client::builder()
        .base_url(mock.base_url())
        .credentials(Credentials::service_account("id", "secret"))
        .build()
        .unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..256 {
        let service = service.clone();
        calls.spawn(async move { get_job(&service).await.unwrap() });
    }
    while calls.join_next().await.is_some() {}
    let fetched = tokens.calls_async().await as f64;
    rows.push(Row {
        name: "token requests, 256 concurrent calls".into(),
        ours: format!("{fetched}"),
        baseline: "1".into(),
        ratio: fetched,
        goal: "= 1".into(),
    });

    println!(
        "\n{:<40} {:>14} {:>14} {:>8}  goal",
        "benchmark", "this client", "baseline", "ratio"
    );
    for row in &rows {
        println!(
            "{:<40} {:>14} {:>14} {:>8.3}  {}",
            row.name, row.ours, row.baseline, row.ratio, row.goal
        );
    }
    println!(
        "\n({rounds} alternating rounds per figure, medians; {} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
