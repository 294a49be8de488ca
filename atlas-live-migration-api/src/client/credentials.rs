//! Credentials for the two security schemes Atlas accepts. Secrets are held
//! in `secrecy` boxes: zeroized on drop, and never printed by `Debug`.

use std::fmt;

use secrecy::SecretString;

/// How the client authenticates.
///
/// `Debug` shows the kind and the public half, never the secret:
///
/// ```
/// use atlas_live_migration_api::Credentials;
///
/// let credentials = Credentials::digest("public-key", "private-key-value");
/// let printed = format!("{credentials:?}");
/// assert!(printed.contains("public-key"));
/// assert!(!printed.contains("private-key-value"));
/// ```
#[derive(Clone)]
pub struct Credentials(pub(crate) Kind);

#[derive(Clone)]
pub(crate) enum Kind {
    ServiceAccount {
        client_id: String,
        client_secret: SecretString,
    },
    Digest {
        public_key: String,
        private_key: SecretString,
    },
}

impl Credentials {
    /// A service account: the client ID and secret are exchanged for an
    /// OAuth access token (client credentials flow), cached and renewed.
    pub fn service_account(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self(Kind::ServiceAccount {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        })
    }

    /// A programmatic API key pair, used with HTTP Digest authentication.
    pub fn digest(public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self(Kind::Digest {
            public_key: public_key.into(),
            private_key: SecretString::from(private_key.into()),
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::ServiceAccount { client_id, .. } => f
                .debug_struct("ServiceAccount")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            Kind::Digest { public_key, .. } => f
                .debug_struct("Digest")
                .field("public_key", public_key)
                .field("private_key", &"[redacted]")
                .finish(),
        }
    }
}
