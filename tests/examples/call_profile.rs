//! One side of the 64-concurrent request benchmark, alone in a process, for
//! `tests/scripts/instructions.sh` to count its instructions with callgrind:
//! counts, unlike times, do not move with the load on a shared machine.
//!
//! The 64 calls in flight share one thread (`current_thread`): callgrind
//! runs threads one at a time, and with two workers the order in which it
//! ran them changed how the connection pool was used, and so the counts,
//! by about a thousand instructions per call from run to run. On one
//! thread the counts repeat exactly.
//!
//! `call_profile client|baseline CALLS_PER_TASK`; with `NO_PACE=1` the
//! client has pacing off, so that two runs of the script tell what the pace
//! costs a call.

use std::hint::black_box;

use atlas_live_migration_api::{Client, ClientInfo};
use atlas_live_migration_tests::*;

const TASKS: usize = 64;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (side, calls) = match (args.next(), args.next().and_then(|n| n.parse().ok())) {
        (Some(side), Some(calls)) if side == "client" || side == "baseline" => (side, calls),
        _ => {
            eprintln!("usage: call_profile client|baseline CALLS_PER_TASK");
            std::process::exit(2);
        }
    };
    let server = ScriptedServer::start(vec![http_response(
        200,
        &[("content-type", MEDIA_TYPE)],
        SEED_200,
    )])
    .await;
    // As in benches/ratios.rs: the client as `Client::builder()` makes it,
    // and the baseline on the very `reqwest::Client` it built.
    let client = Client::builder()
        .base_url(&server.base_url)
        // NO_PACE=1: pacing off, to count what the pace costs a call.
        .pacing(std::env::var("NO_PACE").is_err())
        .build()
        .unwrap();
    let http = client.client().clone();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..TASKS {
        let (client, http, base_url) = (client.clone(), http.clone(), server.base_url.clone());
        let use_client = side == "client";
        tasks.spawn(async move {
            for _ in 0..calls {
                if use_client {
                    black_box(get_job(&client).await.unwrap());
                } else {
                    black_box(baseline::get_job(&http, &base_url).await);
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}
