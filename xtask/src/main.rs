//! Workspace tasks: `cargo xtask codegen [--check]`.
//!
//! Regenerates the client with the same generation function as
//! `atlas-live-migration-api/build.rs` (the file is compiled into both).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[path = "../../atlas-live-migration-api/codegen.rs"]
mod codegen;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Workspace tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate atlas-live-migration-api/src/generated.rs from the spec in openapi/.
    Codegen {
        /// Write nothing; print a unified diff and fail if the committed
        /// snapshot differs from what the spec generates.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let Cli {
        task: Task::Codegen { check },
    } = Cli::parse();
    match run_codegen(&workspace_root(), check) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn run_codegen(root: &Path, check: bool) -> Result<ExitCode, String> {
    let spec_path = root.join(codegen::SPEC_PATH);
    let snapshot_path = root.join(codegen::SNAPSHOT_PATH);
    let spec = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read the spec {}: {e}", spec_path.display()))?;
    let generated = codegen::generate(&spec)?;
    // A missing snapshot is just a difference from the empty file.
    let committed = std::fs::read_to_string(&snapshot_path).unwrap_or_default();

    if generated == committed {
        println!(
            "{} is up to date with {}",
            codegen::SNAPSHOT_PATH,
            codegen::SPEC_PATH
        );
        return Ok(ExitCode::SUCCESS);
    }
    if check {
        let diff = similar::TextDiff::from_lines(&committed, &generated);
        print!(
            "{}",
            diff.unified_diff().context_radius(3).header(
                &format!("{} (committed)", codegen::SNAPSHOT_PATH),
                &format!(
                    "{} (generated from {})",
                    codegen::SNAPSHOT_PATH,
                    codegen::SPEC_PATH
                ),
            )
        );
        eprintln!(
            "error: {} does not match the spec {}. It is generated code: do not edit it by \
             hand; change the spec and run `cargo xtask codegen`, then commit both.",
            codegen::SNAPSHOT_PATH,
            codegen::SPEC_PATH
        );
        return Ok(ExitCode::FAILURE);
    }
    std::fs::write(&snapshot_path, &generated)
        .map_err(|e| format!("cannot write {}: {e}", snapshot_path.display()))?;
    println!(
        "regenerated {} from {}",
        codegen::SNAPSHOT_PATH,
        codegen::SPEC_PATH
    );
    Ok(ExitCode::SUCCESS)
}
