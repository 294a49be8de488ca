//! HTTP Digest (RFC 7616) with nonce reuse.
//!
//! The official Go stack sends every request unauthenticated first and
//! answers the 401: two round trips per call. Here the server's challenge is
//! kept and answered ahead of time with an increasing nonce count, so N calls
//! cost N + 1 requests; an expired nonce (`stale=true`) is answered once more
//! by the caller of [`DigestAuth::accept_challenge`].
//!
//! The hashing is RustCrypto's (`md-5`, `sha2`), and the client nonce comes
//! from the TLS crypto provider's random generator, which the client has
//! anyway. The challenge and the answer are the few lines of RFC 7616 §3.4
//! below; a crate for them brought a second random-number stack into every
//! dependent's build.

use std::fmt::Write as _;
use std::sync::Mutex;

use md5::Md5;
use reqwest::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub(crate) struct DigestAuth {
    username: String,
    password: SecretString,
    /// The last challenge; each answer increments its nonce count.
    challenge: Mutex<Option<Challenge>>,
}

/// A `WWW-Authenticate: Digest …` challenge this client can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    /// `qop="auth"` was offered; without it, the RFC 2069 answer.
    qop_auth: bool,
    stale: bool,
    /// Nonce count of the last answer.
    nc: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "MD5" => Some(Self::Md5),
            "MD5-SESS" => Some(Self::Md5Sess),
            "SHA-256" => Some(Self::Sha256),
            "SHA-256-SESS" => Some(Self::Sha256Sess),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    fn session(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }

    /// The hash of `parts` joined by `:`, as lower-case hex.
    fn hex(self, parts: &[&str]) -> String {
        fn run<D: Digest>(parts: &[&str]) -> String {
            let mut hasher = D::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    hasher.update(b":");
                }
                hasher.update(part.as_bytes());
            }
            to_hex(&hasher.finalize())
        }
        match self {
            Self::Md5 | Self::Md5Sess => run::<Md5>(parts),
            Self::Sha256 | Self::Sha256Sess => run::<Sha256>(parts),
        }
    }
}

impl DigestAuth {
    pub(crate) fn new(username: String, password: SecretString) -> Self {
        Self {
            username,
            password,
            challenge: Mutex::new(None),
        }
    }

    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// An `Authorization` header for a request, from the cached challenge;
    /// `None` before the server has sent one.
    pub(crate) fn authorization(&self, method: &Method, url: &Url) -> Option<HeaderValue> {
        let (challenge, nc) = {
            let mut kept = self.challenge.lock().unwrap_or_else(|p| p.into_inner());
            let kept = kept.as_mut()?;
            kept.nc += 1;
            (kept.clone(), kept.nc)
        };
        // The digest URI is the request target: path and query.
        let uri = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let header = self.answer(&challenge, method.as_str(), &uri, nc, &cnonce()?);
        let mut value = HeaderValue::from_str(&header).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// RFC 7616 §3.4.1: the `Authorization` value for one request.
    fn answer(&self, c: &Challenge, method: &str, uri: &str, nc: u32, cnonce: &str) -> String {
        let algorithm = c.algorithm;
        let password = self.password.expose_secret();
        let mut ha1 = algorithm.hex(&[&self.username, &c.realm, password]);
        if algorithm.session() {
            ha1 = algorithm.hex(&[&ha1, &c.nonce, cnonce]);
        }
        let ha2 = algorithm.hex(&[method, uri]);
        let nc = format!("{nc:08x}");
        let response = if c.qop_auth {
            algorithm.hex(&[&ha1, &c.nonce, &nc, cnonce, "auth", &ha2])
        } else {
            algorithm.hex(&[&ha1, &c.nonce, &ha2])
        };
        let mut header = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, response=\"{response}\"",
            quote(&self.username),
            quote(&c.realm),
            quote(&c.nonce),
            quote(uri),
            algorithm.name(),
        );
        if c.qop_auth {
            let _ = write!(header, ", qop=auth, nc={nc}, cnonce=\"{cnonce}\"");
        }
        if let Some(opaque) = &c.opaque {
            let _ = write!(header, ", opaque=\"{}\"", quote(opaque));
        }
        header
    }

    /// Keeps the `Digest` challenge of a 401 response. Returns `None` when
    /// there is none this client can answer, else whether it says `stale`.
    pub(crate) fn accept_challenge(&self, headers: &HeaderMap) -> Option<bool> {
        let challenge = headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(Challenge::parse)?;
        let stale = challenge.stale;
        *self.challenge.lock().unwrap_or_else(|p| p.into_inner()) = Some(challenge);
        Some(stale)
    }
}

impl Challenge {
    /// The Digest challenge in one `WWW-Authenticate` value, if any, that
    /// this client can answer (a known algorithm; `qop` absent or with `auth`).
    fn parse(value: &str) -> Option<Self> {
        let start = value
            .find("Digest ")
            .filter(|&at| at == 0 || value[..at].trim_end().ends_with(','))?;
        let params = auth_params(&value[start + "Digest ".len()..]);
        let get = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let algorithm = match get("algorithm") {
            Some(name) => Algorithm::parse(name)?,
            None => Algorithm::Md5,
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(offered) => {
                if !offered
                    .split(',')
                    .any(|q| q.trim().eq_ignore_ascii_case("auth"))
                {
                    return None; // auth-int only
                }
                true
            }
        };
        Some(Self {
            realm: get("realm")?.to_owned(),
            nonce: get("nonce")?.to_owned(),
            opaque: get("opaque").map(str::to_owned),
            algorithm,
            qop_auth,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            nc: 0,
        })
    }
}

/// The `name=value` pairs after a scheme (RFC 9110 §11.2), values unquoted,
/// up to the next scheme of the same header value, if any.
fn auth_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim();
        // `Basic realm=…` after this challenge: a new scheme, not a parameter.
        if name.is_empty() || name.contains([' ', '\t', ',']) {
            break;
        }
        rest = rest[eq + 1..].trim_start();
        let value = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            rest = &quoted[end..];
            value
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let value = rest[..end].trim().to_owned();
            rest = &rest[end..];
            value
        };
        params.push((name.to_owned(), value));
    }
    params
}

/// A quoted-string's content: `"` and `\` escaped.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// 16 random bytes as hex, from the TLS provider's secure random generator.
fn cnonce() -> Option<String> {
    let mut bytes = [0u8; 16];
    crate::tls::secure_random().fill(&mut bytes).ok()?;
    Some(to_hex(&bytes))
}

/// Lower-case hex, as RFC 7616 writes hashes.
fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> DigestAuth {
        DigestAuth::new("Mufasa".into(), SecretString::from("Circle of Life"))
    }

    /// RFC 7616 §3.9.1's example, for both of its algorithms.
    #[test]
    fn answers_the_rfc_7616_examples() {
        let header = r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let sha256 = Challenge::parse(header).expect("a challenge");
        let md5 = Challenge::parse(&header.replace("SHA-256", "MD5")).unwrap();
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let expected = [
            (
                sha256,
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
            (md5, "8ca523f5e9506fed4657c9700eebdbec"),
        ];
        for (challenge, response) in expected {
            let answer = auth().answer(&challenge, "GET", "/dir/index.html", 1, cnonce);
            assert!(
                answer.contains(&format!("response=\"{response}\"")),
                "{answer}"
            );
            assert!(answer.contains("nc=00000001") && answer.contains("qop=auth,"));
            assert!(answer.contains(r#"opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#));
        }
    }

    #[test]
    fn parses_what_servers_send() {
        let atlas = r#"Digest realm="MMS Public API", domain="", nonce="a,b\"c", algorithm=MD5, qop="auth", stale=true"#;
        let challenge = Challenge::parse(atlas).unwrap();
        assert_eq!(challenge.nonce, "a,b\"c");
        assert_eq!(challenge.realm, "MMS Public API");
        assert!(challenge.stale && challenge.qop_auth);
        assert_eq!(challenge.algorithm, Algorithm::Md5);
        // Two schemes in one value; Basic first.
        let both = r#"Basic realm="x", Digest realm="r", nonce="n""#;
        let challenge = Challenge::parse(both).unwrap();
        assert_eq!((challenge.realm.as_str(), challenge.qop_auth), ("r", false));
        // Digest first, then another scheme.
        let first = r#"Digest realm="r", nonce="n", qop=auth, Basic realm="x""#;
        assert_eq!(Challenge::parse(first).unwrap().realm, "r");
        // What this client cannot answer.
        for refused in [
            r#"Basic realm="x""#,
            r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#,
            r#"Digest realm="r", nonce="n", qop="auth-int""#,
            r#"Digest realm="r""#,
            r#"NotDigest realm="r", nonce="n""#,
        ] {
            assert_eq!(Challenge::parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn the_rfc_2069_answer_without_qop_and_session_algorithms() {
        let plain = Challenge::parse(r#"Digest realm="r", nonce="n""#).unwrap();
        let answer = auth().answer(&plain, "GET", "/", 1, "c");
        let ha1 = Algorithm::Md5.hex(&["Mufasa", "r", "Circle of Life"]);
        let ha2 = Algorithm::Md5.hex(&["GET", "/"]);
        let expected = Algorithm::Md5.hex(&[&ha1, "n", &ha2]);
        assert!(
            answer.contains(&format!("response=\"{expected}\"")),
            "{answer}"
        );
        assert!(!answer.contains("qop=") && !answer.contains("cnonce"));

        let sess = Challenge::parse(r#"Digest realm="r", nonce="n", qop=auth, algorithm=MD5-sess"#)
            .unwrap();
        let answer = auth().answer(&sess, "GET", "/", 2, "c");
        let ha1 = Algorithm::Md5.hex(&[&ha1, "n", "c"]);
        let expected = Algorithm::Md5.hex(&[&ha1, "n", "00000002", "c", "auth", &ha2]);
        assert!(
            answer.contains(&format!("response=\"{expected}\"")),
            "{answer}"
        );
        assert!(answer.contains("algorithm=MD5-sess"));
    }

    #[test]
    fn each_answer_counts_up_and_has_a_fresh_cnonce() {
        let digest = auth();
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Digest realm="r", nonce="n", qop="auth""#),
        );
        assert_eq!(digest.accept_challenge(&headers), Some(false));
        let url = Url::parse("https://cloud.mongodb.com/api/atlas/v2/groups?pretty=true").unwrap();
        let first = digest.authorization(&Method::GET, &url).unwrap();
        let second = digest.authorization(&Method::GET, &url).unwrap();
        let (first, second) = (first.to_str().unwrap(), second.to_str().unwrap());
        assert!(first.contains("nc=00000001") && second.contains("nc=00000002"));
        assert!(first.contains(r#"uri="/api/atlas/v2/groups?pretty=true""#));
        let cnonce = |h: &str| h.split("cnonce=\"").nth(1).unwrap()[..32].to_owned();
        assert_ne!(cnonce(first), cnonce(second));
    }
}
