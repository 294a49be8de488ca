//! `fleet serve` over a state of many migrations with a week of lag
//! readings each, through the binary: the time to answer `/metrics`, `/`
//! and `/status.json` (the first answer, which reads the state, and the
//! next ones), their sizes, and the server's peak memory; side by side in
//! the one run with `fleet status -o json` over the same state, the
//! terminal's way to read it.
//!
//! `SERVE_MIGRATIONS` (1000) sets the fleet; `SERVE_ROUNDS` (20) the
//! answers timed per path. The state is written as an apply's journal
//! would hold it before its compaction: each migration's readings of the
//! week, every 15 minutes and every 15 s in its last hour, which the
//! server thins as it reads them, as apply does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One GET; the body's length.
fn get(address: SocketAddr, path: &str, accept: &str) -> usize {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    assert!(bytes.starts_with(b"HTTP/1.1 200"), "{path}");
    let head = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    bytes.len() - head
}

fn rfc3339(seconds: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(seconds)).to_string()
}

fn main() {
    let migrations = env_number("SERVE_MIGRATIONS", 1000);
    let rounds = env_number("SERVE_ROUNDS", 20);
    let folder = std::env::temp_dir().join(format!("alm-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let state = folder.join("state.json");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let week = 7 * 24 * 3600;
    let mut journal = String::from("{\"version\":3}\n");
    let mut readings = 0;
    for n in 1..=migrations {
        let lags: Vec<(u64, u64)> = (0..week - 3600)
            .step_by(900)
            .chain((week - 3600..week).step_by(15))
            .map(|t| (now - week + t, 30 + (t / 900 + n) % 600))
            .collect();
        readings += lags.len();
        let entry = serde_json::json!({
            "migrationHost": format!("vm{n:04}.example.com"),
            "liveMigrationId": format!("6296fb4c7c7aa997cf9{n:05}"),
            "status": "WORKING",
            "readyForCutover": true,
            "lagSeconds": lags.last().unwrap().1,
            "readAt": rfc3339(now),
            "readySince": rfc3339(now - 24 * 3600),
            "cutoverDeadline": rfc3339(now + 96 * 3600),
            "waitingFor": if n % 3 == 0 { "window" } else { "approval" },
            "wave": 1 + n % 4,
            "updatedAt": rfc3339(now),
        });
        let line = serde_json::json!({
            "name": format!("app-{n:04}"),
            "entry": entry,
            "lags": lags,
        });
        journal.push_str(&line.to_string());
        journal.push('\n');
    }
    std::fs::write(&state, &journal).unwrap();

    let binary = env!("CARGO_BIN_EXE_atlas-live-migration");
    // The terminal's way: `fleet status -o json`, a process per read.
    let started = Instant::now();
    let status_rounds = 3;
    let mut status_bytes = 0;
    for _ in 0..status_rounds {
        let output = Command::new(binary)
            .args([
                "fleet",
                "status",
                "--state",
                state.to_str().unwrap(),
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        status_bytes = output.stdout.len();
    }
    let status_time = started.elapsed() / status_rounds;

    let mut server = Command::new(binary)
        .args(["fleet", "serve", "--state", state.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let address: SocketAddr = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0);
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let idle = peak_kib(server.id()).unwrap_or(0);
    let openmetrics = "application/openmetrics-text;version=1.0.0";
    let started = Instant::now();
    get(address, "/status.json", "*/*");
    let first = started.elapsed();
    let mut rows = Vec::new();
    for (path, accept) in [
        ("/metrics", openmetrics),
        ("/metrics", "text/plain"),
        ("/", "text/html"),
        ("/status.json", "*/*"),
    ] {
        let started = Instant::now();
        let mut size = 0;
        for _ in 0..rounds {
            size = get(address, path, accept);
        }
        rows.push((path, accept, started.elapsed() / rounds as u32, size));
    }
    let peak = peak_kib(server.id()).unwrap_or(0);
    let _ = server.kill();
    let _ = server.wait();
    let state_size = std::fs::metadata(&state).unwrap().len();
    let _ = std::fs::remove_dir_all(&folder);

    println!(
        "fleet serve: {migrations} migrations, a week of lag readings each ({readings} in the \
         state's {:.1} MB journal, thinned as read); {rounds} answers a path",
        state_size as f64 / 1e6
    );
    println!(
        "| answer | time (mean) | size | against `fleet status -o json` ({:.0} ms, {:.1} MB) |",
        status_time.as_secs_f64() * 1e3,
        status_bytes as f64 / 1e6
    );
    println!("| --- | --- | --- | --- |");
    println!(
        "| first answer (reads and thins the state) | {:.0} ms | | {:.3} |",
        first.as_secs_f64() * 1e3,
        first.as_secs_f64() / status_time.as_secs_f64()
    );
    for (path, accept, time, size) in rows {
        let format = match (path, accept) {
            ("/metrics", "text/plain") => " (classic)",
            ("/metrics", _) => " (OpenMetrics)",
            _ => "",
        };
        println!(
            "| {path}{format} | {:.1} ms | {:.2} MB | {:.3} |",
            time.as_secs_f64() * 1e3,
            size as f64 / 1e6,
            time.as_secs_f64() / status_time.as_secs_f64()
        );
    }
    println!(
        "| server's peak memory (VmHWM) | {:.1} MiB (at start {:.1} MiB) | | |",
        peak as f64 / 1024.0,
        idle as f64 / 1024.0
    );
}
