//! `fleet serve`: the state over HTTP for the team's monitoring and for a
//! person: `/metrics` (Prometheus), `/status.json` (`fleet status -o
//! json`'s document) and `/` (a page with each migration's lag over time).
//! Reads the state alone, as `fleet status` does: no plan, no credentials,
//! no request to Atlas; safe while apply runs, and after.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::fleet::serve::{Served, run as serve};
use crate::{Failure, exit};

/// Where `fleet serve` listens unless told: loopback, on a port outside
/// the range Prometheus allocates to exporters (9100-9999, where 9216 is
/// the MongoDB exporter's).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:17017";

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The state file apply writes
    #[arg(long, value_name = "PATH")]
    pub state: PathBuf,

    /// The address and port to listen on (port 0: any free port, said on
    /// stderr)
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
}

pub async fn run(args: ServeArgs) -> Result<u8, Failure> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| {
            Failure::usage(format!(
                "cannot listen on {}: {e}; give another address with --listen (port 0 takes \
                 any free one)",
                args.listen
            ))
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::usage(format!("cannot read the address listened on: {e}")))?;
    if !address.ip().is_loopback() {
        eprintln!(
            "listening on {address}, which is not loopback: the fleet's names, job IDs, hosts \
             and statuses are served to the network, to anyone who can reach it, without \
             authentication"
        );
    }
    if !args.state.exists() {
        eprintln!(
            "there is no state {} yet: every path answers 503 until fleet apply writes it",
            args.state.display()
        );
    }
    // Both signals are listened for before the address is said: a script
    // that reads it may end the server at once.
    let listen = |kind: tokio::signal::unix::SignalKind| {
        tokio::signal::unix::signal(kind)
            .map_err(|e| Failure::usage(format!("cannot listen for a signal: {e}")))
    };
    let mut terminate = listen(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupt = listen(tokio::signal::unix::SignalKind::interrupt())?;
    let stop = async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    };
    eprintln!(
        "serving the state {} on http://{address}/ (the page), /status.json and /metrics; \
         Ctrl-C or SIGTERM ends it",
        args.state.display()
    );
    let served = Arc::new(Served::new(args.state));
    serve(listener, served, stop).await;
    Ok(exit::DONE)
}
