//! TLS: rustls with the platform's certificate roots (as reqwest's own
//! rustls setup has them), on the `ring` crypto provider by default or
//! AWS-LC with the feature `aws-lc-rs`. The configuration is handed to
//! reqwest ready-made, so this library installs no process-wide provider
//! and a dependent does not compile the one it does not use.

use std::sync::{Arc, OnceLock};

use rustls_platform_verifier::BuilderVerifierExt;

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "atlas-live-migration-api needs a TLS crypto provider: enable its feature `ring` (a default \
     feature) or `aws-lc-rs`"
);

/// The crypto provider the features chose.
pub(crate) fn provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    return rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    return rustls::crypto::ring::default_provider();
}

/// The provider's secure random generator (for Digest's client nonce).
pub(crate) fn secure_random() -> &'static dyn rustls::crypto::SecureRandom {
    static RANDOM: OnceLock<&'static dyn rustls::crypto::SecureRandom> = OnceLock::new();
    *RANDOM.get_or_init(|| provider().secure_random)
}

/// The rustls configuration of the clients this crate builds.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    // reqwest speaks HTTP/1.1 here (no `http2` feature).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A plain `reqwest::Client` on that configuration (for tests).
#[cfg(test)]
pub(crate) fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config().expect("TLS configuration"))
        .build()
        .expect("a plain client builds")
}
