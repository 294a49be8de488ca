//! The CLI binary for the tests that run it.

use std::path::Path;

use assert_cmd::Command;

/// The binary, which cargo builds for this package's tests, with the
/// features the test build resolves (so no second build of its graph).
pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_atlas-live-migration"))
}

/// The CLI with API-key credentials and no other Atlas variables.
#[allow(dead_code, reason = "not every test file runs it this way")]
pub fn cli() -> Command {
    let mut command = Command::new(binary());
    for (name, _) in std::env::vars() {
        // Neither side's credentials of the machine the tests run on: a
        // test talks to the mock on 127.0.0.1 only.
        if name.starts_with("MONGODB_ATLAS_") || name.starts_with("MCLI_") {
            command.env_remove(name);
        }
    }
    command
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "public")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", "private");
    command
}

/// Sends Ctrl-C (SIGINT) to the running CLI and waits for it to end.
#[allow(dead_code, reason = "not every test file interrupts the CLI")]
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
