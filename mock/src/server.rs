//! The HTTP server: requests read off the socket, recorded, answered with
//! Atlas's headers (a charset on versioned media types, `RateLimit-*` on
//! every API answer, `Retry-After` on a `429`, `X-Error-Code` on an error).

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::buckets::take_token;
use super::routes::{Answer, answer, error};
use super::{RecordedRequest, State};

pub(crate) async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(head_end) = read_head(&mut stream, &mut buffer).await else {
            return;
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.lines();
        let mut start = lines.next().unwrap_or_default().split_whitespace();
        let method = start.next().unwrap_or_default().to_owned();
        let target = start.next().unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0usize);
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
        buffer.drain(..head_end + length);
        let request = RecordedRequest {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body,
        };
        let (answered, bucket) = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests.push(request.clone());
            match take_token(&mut state, &request.path) {
                Some((limit, Err(retry_after))) => {
                    state.rate_limited += 1;
                    let refused = error(
                        429,
                        "RATE_LIMITED_TOKEN_BUCKET",
                        "You have exceeded the rate limit. Please wait and try again.",
                    );
                    (refused, Some((limit, 0, Some(retry_after))))
                }
                Some((limit, Ok(left))) => {
                    (answer(&mut state, &request), Some((limit, left, None)))
                }
                None => (answer(&mut state, &request), None),
            }
        };
        // A lost answer: the request was carried out, the connection cut.
        let (status, content_type, body) = match answered {
            Answer::Sent(status, content_type, body) => (status, content_type, body),
            Answer::Held(delay, status, content_type, body) => {
                tokio::time::sleep(delay).await;
                (status, content_type, body)
            }
            Answer::Challenge(challenge, body) => {
                let response = format!(
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nwww-authenticate: {challenge}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(response.as_bytes()).await.is_err() {
                    return;
                }
                continue;
            }
            Answer::Lost => return,
        };
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        // As the real Atlas: a charset on versioned media types, the
        // rate-limit bucket on every API answer, the error code as a header.
        let charset = if content_type.starts_with("application/vnd.atlas.") {
            ";charset=utf-8"
        } else {
            ""
        };
        let mut extra = String::new();
        if let Some((limit, remaining, retry_after)) = bucket {
            extra.push_str(&format!(
                "ratelimit-limit: {limit}\r\nratelimit-remaining: {remaining}\r\n"
            ));
            if let Some(seconds) = retry_after {
                extra.push_str(&format!("retry-after: {seconds}\r\n"));
            }
        }
        if status >= 400
            && let Ok(Value::Object(error)) = serde_json::from_str::<Value>(&body)
            && let Some(code) = error.get("errorCode").and_then(Value::as_str)
        {
            extra.push_str(&format!("x-error-code: {code}\r\n"));
        }
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}{charset}\r\n{extra}content-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(end + 4);
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}
