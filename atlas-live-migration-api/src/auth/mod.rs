//! Authentication: none, Digest (API keys) or Bearer (service accounts).

pub(crate) mod digest;
pub(crate) mod oauth;

pub(crate) enum Auth {
    None,
    Digest(digest::DigestAuth),
    ServiceAccount(oauth::TokenSource),
}
