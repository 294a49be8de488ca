//! Building a client: environment variables, base URLs, and refusing to send
//! credentials in the clear.

use atlas_live_migration_api::{Client, Credentials, Error};

fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }
}

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn no_credentials_in_the_environment_is_an_error_naming_the_variables() {
    let message = config_error(Client::builder().env_from(env(&[])).and_then(|b| b.build()));
    for variable in [
        "MONGODB_ATLAS_CLIENT_ID",
        "MONGODB_ATLAS_CLIENT_SECRET",
        "MONGODB_ATLAS_PUBLIC_API_KEY",
        "MONGODB_ATLAS_PRIVATE_API_KEY",
    ] {
        assert!(message.contains(variable), "{message}");
    }
}

#[test]
fn half_a_pair_is_an_error_naming_the_missing_half() {
    let message = config_error(
        Client::builder()
            .env_from(env(&[("MONGODB_ATLAS_CLIENT_ID", "id")]))
            .and_then(|b| b.build()),
    );
    assert!(
        message.contains("MONGODB_ATLAS_CLIENT_SECRET is not"),
        "{message}"
    );
}

#[test]
fn the_service_account_wins_over_api_keys() {
    let client = Client::builder()
        .env_from(env(&[
            ("MONGODB_ATLAS_CLIENT_ID", "sa-id"),
            ("MONGODB_ATLAS_CLIENT_SECRET", "sa-secret"),
            ("MONGODB_ATLAS_PUBLIC_API_KEY", "pub"),
            ("MONGODB_ATLAS_PRIVATE_API_KEY", "priv"),
        ]))
        .unwrap()
        .build()
        .unwrap();
    assert!(
        format!("{client:?}").contains("service account sa-id"),
        "{client:?}"
    );
}

#[test]
fn both_api_key_spellings_are_read() {
    for vars in [
        &[
            ("MONGODB_ATLAS_PUBLIC_API_KEY", "pub-a"),
            ("MONGODB_ATLAS_PRIVATE_API_KEY", "x"),
        ][..],
        &[
            ("MONGODB_ATLAS_PUBLIC_KEY", "pub-a"),
            ("MONGODB_ATLAS_PRIVATE_KEY", "x"),
        ][..],
    ] {
        let vars: &'static [(&str, &str)] = Box::leak(vars.to_vec().into_boxed_slice());
        let client = Client::builder()
            .env_from(env(vars))
            .unwrap()
            .build()
            .unwrap();
        assert!(
            format!("{client:?}").contains("digest (public key pub-a)"),
            "{client:?}"
        );
    }
}

#[test]
fn the_ops_manager_url_wins_over_the_base_url() {
    let client = Client::builder()
        .env_from(env(&[
            ("MONGODB_ATLAS_PUBLIC_API_KEY", "pub"),
            ("MONGODB_ATLAS_PRIVATE_API_KEY", "priv"),
            ("MONGODB_ATLAS_BASE_URL", "https://base.example.com/"),
            (
                "MONGODB_ATLAS_OPS_MANAGER_URL",
                "https://opsmanager.example.com/",
            ),
        ]))
        .unwrap()
        .build()
        .unwrap();
    use atlas_live_migration_api::ClientInfo;
    assert_eq!(client.baseurl(), "https://opsmanager.example.com");
}

#[test]
fn the_default_base_url_is_atlas() {
    use atlas_live_migration_api::ClientInfo;
    assert_eq!(
        Client::builder().build().unwrap().baseurl(),
        "https://cloud.mongodb.com"
    );
}

#[test]
fn credentials_over_plain_http_to_a_remote_host_are_refused_unless_allowed() {
    let with_keys = |url: &str| {
        Client::builder()
            .base_url(url)
            .credentials(Credentials::digest("pub", "priv"))
    };
    let message = config_error(with_keys("http://atlas.internal.example").build());
    assert!(
        message.contains("plain http") && message.contains("allow_plain_http"),
        "{message}"
    );
    assert!(
        with_keys("http://atlas.internal.example")
            .allow_plain_http(true)
            .build()
            .is_ok()
    );
    for loopback in [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ] {
        assert!(with_keys(loopback).build().is_ok(), "{loopback}");
    }
    // Without credentials nothing secret is sent.
    assert!(
        Client::builder()
            .base_url("http://atlas.internal.example")
            .build()
            .is_ok()
    );
}

#[test]
fn bad_base_urls_are_explained() {
    for (url, expected) in [
        ("cloud.mongodb.com", "invalid base URL"),
        ("ftp://cloud.mongodb.com", "https or http"),
        (
            "https://user:pw@cloud.mongodb.com",
            "must not carry credentials",
        ),
    ] {
        let message = config_error(Client::builder().base_url(url).build());
        assert!(
            message.contains(expected) && message.contains("MONGODB_ATLAS_BASE_URL"),
            "{message}"
        );
        assert!(!message.contains("pw@"), "{message}");
    }
}
