//! `--demo`: a mock Atlas on 127.0.0.1, inside the binary, that plays a
//! scripted migration (NEW, then WORKING with shrinking lag, then ready for
//! cutover). The CLI talks to it through the same client, HTTP and
//! service-account code paths as to Atlas: the token endpoint checks the
//! client credentials, the API checks the bearer token and the version.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const GROUP_ID: &str = "32b6e34b3d91647abb20e7b8";
pub const LIVE_MIGRATION_ID: &str = "6296fb4c7c7aa997cf94e9a8";
pub const CLIENT_ID: &str = "mdb_sa_id_demo";
pub const CLIENT_SECRET: &str = "mdb_sa_sk_demo";
const TOKEN: &str = "demo-access-token";
/// base64("mdb_sa_id_demo:mdb_sa_sk_demo")
const BASIC: &str = "Basic bWRiX3NhX2lkX2RlbW86bWRiX3NhX3NrX2RlbW8=";

/// The migration as successive polls see it: (status, lag, ready).
const SCRIPT: [(&str, Option<u32>, bool); 6] = [
    ("NEW", None, false),
    ("WORKING", Some(95), false),
    ("WORKING", Some(48), false),
    ("WORKING", Some(21), false),
    ("WORKING", Some(7), false),
    ("WORKING", Some(2), true),
];

/// Starts the mock and returns its base URL. It serves until the process ends.
pub async fn start() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let polls = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, polls.clone()));
        }
    });
    Ok(base_url)
}

async fn serve(mut stream: TcpStream, polls: Arc<AtomicUsize>) {
    let mut buffer = Vec::new();
    loop {
        let Some(head_end) = read_head(&mut stream, &mut buffer).await else {
            return;
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let body_length = header(&head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + body_length {
            let mut chunk = [0u8; 1024];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head_end + body_length);
        let (status, body) = answer(&head, &polls);
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads until the end of a request head; returns its length.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(end + 4);
        }
        let mut chunk = [0u8; 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn error(status: u16, reason: &str, code: &str, detail: &str) -> (String, String) {
    let body = format!(
        r#"{{"error":{status},"errorCode":"{code}","reason":"{reason}","detail":"{detail}"}}"#
    );
    (format!("{status} {reason}"), body)
}

fn answer(head: &str, polls: &AtomicUsize) -> (String, String) {
    let target = head.split_whitespace().nth(1).unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/api/oauth/token" {
        if header(head, "authorization") != Some(BASIC) {
            return error(
                401,
                "Unauthorized",
                "INVALID_CLIENT",
                "Unknown demo client.",
            );
        }
        let body =
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":3600}}"#);
        return ("200 OK".into(), body);
    }
    let expected_path =
        format!("/api/atlas/v2/groups/{GROUP_ID}/liveMigrations/{LIVE_MIGRATION_ID}");
    if header(head, "authorization") != Some(&format!("Bearer {TOKEN}")) {
        return error(
            401,
            "Unauthorized",
            "NOT_ORG_GROUP_CREATOR",
            "Missing or invalid bearer token.",
        );
    }
    if !header(head, "accept").is_some_and(|a| a.starts_with("application/vnd.atlas.")) {
        return error(
            406,
            "Not Acceptable",
            "INVALID_VERSION_DATE",
            "Send Accept: application/vnd.atlas.<date>+json.",
        );
    }
    if path != expected_path {
        return error(
            404,
            "Not Found",
            "RESOURCE_NOT_FOUND",
            "The demo knows one migration job; run with --demo and no IDs.",
        );
    }
    let poll = polls.fetch_add(1, Ordering::Relaxed);
    let (status, lag, ready) = SCRIPT[poll.min(SCRIPT.len() - 1)];
    let lag = lag.map_or("null".to_owned(), |l| l.to_string());
    let job = format!(
        r#"{{"_id":"{LIVE_MIGRATION_ID}","lagTimeSeconds":{lag},"migrationHosts":["vm001.example.com"],"readyForCutover":{ready},"status":"{status}"}}"#
    );
    if query.split('&').any(|pair| pair == "envelope=true") {
        return (
            "200 OK".into(),
            format!(r#"{{"status":200,"content":{job}}}"#),
        );
    }
    ("200 OK".into(), job)
}
