//! The URL parts of a request, as the generated code builds them.
//!
//! progenitor's request code percent-encodes every path parameter through
//! `fmt::Display`, and hands every query parameter to reqwest's `query`,
//! which opens and closes the URL's query string even for a parameter that
//! is not set. On a call that is a seventh of the client's own work. The
//! generation function (`codegen.rs`) points the generated code at these
//! two functions instead; each gives the URL progenitor's code gives, and
//! the tests below check that against progenitor's own functions.

use std::borrow::Cow;

use reqwest::RequestBuilder;
use serde::Serialize;

/// `progenitor_client::encode_path`, without its formatting machinery or a
/// copy for the usual value: an ID, whose bytes need no encoding. (The
/// generated code only formats the result into the URL.)
pub(crate) fn encode_path(segment: &str) -> Cow<'_, str> {
    if segment.bytes().all(|byte| UNRESERVED[usize::from(byte)]) {
        Cow::Borrowed(segment)
    } else {
        Cow::Owned(progenitor_client::encode_path(segment))
    }
}

/// RFC 3986 unreserved characters, which no percent-encode set encodes.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        byte += 1;
    }
    table
};

/// `builder.query(parameter)`, skipped when the parameter adds nothing to
/// the URL (an optional parameter left unset), which leaves the URL as
/// reqwest would. A parameter that fails to serialize still goes to
/// reqwest, which reports the error when the request is built.
pub(crate) fn query_if_set<T: Serialize + ?Sized>(
    builder: RequestBuilder,
    parameter: &T,
) -> RequestBuilder {
    match serde_urlencoded::to_string(parameter) {
        Ok(pairs) if pairs.is_empty() => builder,
        _ => builder.query(parameter),
    }
}

#[cfg(test)]
mod tests {
    use progenitor_client::QueryParam;

    use super::{encode_path, query_if_set};

    /// Each kind of byte: unreserved, reserved, in progenitor's encode set,
    /// control, non-ASCII.
    const ALPHABET: [&str; 16] = [
        "a", "Z", "0", "-", ".", "_", "~", " ", "/", "%", "?", "#", "{", "\n", "\u{7f}", "é",
    ];

    #[test]
    fn path_segments_are_encoded_as_progenitor_encodes_them() {
        let mut segments = vec![String::new(), "32b6e34b3d91647abb20e7b8".to_owned()];
        for a in ALPHABET {
            for b in ALPHABET {
                for c in ALPHABET {
                    segments.push(format!("{a}{b}{c}"));
                }
            }
        }
        for segment in &segments {
            assert_eq!(
                encode_path(segment),
                progenitor_client::encode_path(segment),
                "{segment:?}"
            );
        }
    }

    fn url_with(envelope: Option<bool>, pretty: Option<bool>, ours: bool) -> String {
        let client = reqwest::Client::new();
        let mut builder = client.get("https://cloud.mongodb.com/api/atlas/v2/groups/g");
        let (envelope, pretty) = (
            QueryParam::new("envelope", &envelope),
            QueryParam::new("pretty", &pretty),
        );
        builder = if ours {
            query_if_set(query_if_set(builder, &envelope), &pretty)
        } else {
            builder.query(&envelope).query(&pretty)
        };
        builder.build().unwrap().url().to_string()
    }

    #[test]
    fn query_parameters_give_the_url_reqwest_gives() {
        for envelope in [None, Some(true), Some(false)] {
            for pretty in [None, Some(true), Some(false)] {
                assert_eq!(
                    url_with(envelope, pretty, true),
                    url_with(envelope, pretty, false),
                    "envelope {envelope:?}, pretty {pretty:?}"
                );
            }
        }
        assert!(!url_with(None, None, true).contains('?'));
    }
}
