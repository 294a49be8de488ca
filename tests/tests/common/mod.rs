//! The CLI binary for the tests that run it.

use std::path::PathBuf;
use std::sync::OnceLock;

use assert_cmd::Command;

/// The binary, built once with the `cli` feature.
pub fn binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        escargot::CargoBuild::new()
            .manifest_path(manifest)
            .package("atlas-live-migration-cli")
            .bin("atlas-live-migration")
            .arg("--locked")
            .current_release()
            .current_target()
            .run()
            .expect("the CLI builds")
            .path()
            .to_path_buf()
    })
}

/// The CLI with API-key credentials and no other Atlas variables.
pub fn cli() -> Command {
    let mut command = Command::new(binary());
    for (name, _) in std::env::vars() {
        if name.starts_with("MONGODB_ATLAS_") {
            command.env_remove(name);
        }
    }
    command
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private");
    command
}

/// Sends Ctrl-C (SIGINT) to the running CLI and waits for it to end.
pub async fn interrupt(child: std::process::Child) -> std::process::Output {
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}
