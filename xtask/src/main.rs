//! Workspace tasks:
//!
//! - `cargo xtask spec --from PATH [--add OPERATION]… [--upgrade NAME]… [--check]`
//!   cuts `openapi/atlas-live-migration.yaml` from the official Atlas spec
//!   and prints what changed for the kept operations;
//! - `cargo xtask codegen [--check]` regenerates the client from it with the
//!   same generation function as `atlas-live-migration-api/build.rs` (the
//!   crate `atlas-live-migration-codegen`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use atlas_live_migration_codegen as codegen;
#[cfg(test)]
mod compat;
#[cfg(test)]
mod history;
mod spec;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Workspace tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate atlas-live-migration-api/src/generated.rs (and what is generated
    /// beside it: src/pages/generated.rs, the typed mock, the CLI's `api`
    /// commands) from the spec in openapi/.
    Codegen {
        /// Write nothing; print a unified diff and fail if the committed
        /// snapshot differs from what the spec generates.
        #[arg(long)]
        check: bool,
    },
    /// Cut openapi/atlas-live-migration.yaml from the official Atlas Admin API
    /// v2 spec: the kept operations and everything they reference. Prints a
    /// report of what changed for them, for a changelog.
    Spec {
        /// The official spec, YAML, plain or gzip-compressed (.gz).
        #[arg(long, value_name = "PATH")]
        from: PathBuf,
        /// Keep this operation too: an official operationId, an
        /// x-xgen-operation-id-override, or 'METHOD /path'. Its Rust name
        /// (today's operationId) and API version (the newest not sunset) are
        /// pinned in the kept list. Repeatable.
        #[arg(long, value_name = "OPERATION")]
        add: Vec<String>,
        /// Move a kept operation to the newest API version that is not
        /// sunset (a spec update never does it by itself). Names it by Rust
        /// name, operationId or 'METHOD /path'. Repeatable.
        #[arg(long, value_name = "NAME")]
        upgrade: Vec<String>,
        /// Take the spec's `required` as it is: the request members an
        /// earlier cut required, which the spec now lets be left out, become
        /// `Option`s (rule REQUIRED_REQUEST_MEMBERS_KEPT keeps them required
        /// otherwise, so users' code keeps compiling).
        #[arg(long)]
        unpin_required: bool,
        /// Take the spec's value checks as they are: the strings an earlier
        /// cut held in a checked newtype, whose check the spec dropped,
        /// become `String`s (rule CHECKED_STRING_TYPES_KEPT keeps the
        /// newtype otherwise, checking nothing).
        #[arg(long)]
        unpin_checked: bool,
        /// Write nothing; print the report and a unified diff, and fail if
        /// the committed transcription differs from the cut of PATH.
        #[arg(long)]
        check: bool,
        /// Write the report to this file too (Markdown).
        #[arg(long, value_name = "PATH")]
        report: Option<PathBuf>,
        /// The transcription to cut into, relative to the workspace root
        /// (another cut, such as the replay tests' `tests/replay/openapi.yaml`).
        #[arg(long, value_name = "PATH", default_value = codegen::SPEC_PATH)]
        spec: String,
    },
}

fn main() -> ExitCode {
    let root = workspace_root();
    let outcome = match Cli::parse().task {
        Task::Codegen { check } => run_codegen(&root, check),
        Task::Spec {
            from,
            add,
            upgrade,
            unpin_required,
            unpin_checked,
            check,
            report,
            spec,
        } => run_spec(
            &root,
            &spec,
            &from,
            (&add, &upgrade, unpin_required, unpin_checked),
            check,
            report.as_deref(),
        ),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace `cargo xtask` was run in: the nearest directory up from
/// the current one that holds the cut, found at run time. A binary built in
/// another checkout that shares this target directory (cargo may take it as
/// fresh) still writes here, never into the checkout it was built in. Run
/// from outside any checkout, the one it was built in.
fn workspace_root() -> PathBuf {
    let here = std::env::current_dir().ok();
    here.iter()
        .flat_map(|dir| dir.ancestors())
        .find(|dir| {
            dir.join(codegen::SPEC_PATH).is_file() && dir.join("xtask/Cargo.toml").is_file()
        })
        .map(Path::to_path_buf)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("xtask lives one level below the workspace root")
                .to_path_buf()
        })
}

fn run_codegen(root: &Path, check: bool) -> Result<ExitCode, String> {
    let spec_path = root.join(codegen::SPEC_PATH);
    let spec = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read the spec {}: {e}", spec_path.display()))?;
    // Every generated surface of the one cut: the client, the typed mock
    // for dependents' tests and the CLI's `api` commands; and the client of
    // the source side's transcription.
    let client = codegen::generate(&spec)?;
    let transcription_path = root.join(codegen::CLOUD_MANAGER.spec_path);
    let transcription = std::fs::read_to_string(&transcription_path).map_err(|e| {
        format!(
            "cannot read the transcription {}: {e}",
            transcription_path.display()
        )
    })?;
    let surfaces = [
        (
            codegen::HTTPMOCK_PATH,
            codegen::generate_httpmock(&spec, "atlas_live_migration_api")?,
            codegen::SPEC_PATH,
        ),
        (
            codegen::CLI_PATH,
            codegen::generate_cli(&spec, &client)?,
            codegen::SPEC_PATH,
        ),
        (
            codegen::PAGES_PATH,
            codegen::generate_pages(&spec, &client)?,
            codegen::SPEC_PATH,
        ),
        (codegen::SNAPSHOT_PATH, client, codegen::SPEC_PATH),
        (
            codegen::CLOUD_MANAGER.snapshot_path,
            codegen::generate_document(&codegen::CLOUD_MANAGER, &transcription)?,
            codegen::CLOUD_MANAGER.spec_path,
        ),
    ];
    let mut stale = false;
    for (path, generated, from) in &surfaces {
        let target = root.join(path);
        // A missing file is just a difference from the empty file.
        let committed = std::fs::read_to_string(&target).unwrap_or_default();
        if *generated == committed {
            println!("{path} is up to date with {from}");
        } else if check {
            print_diff(
                &committed,
                generated,
                path,
                &format!("generated from {from}"),
            );
            eprintln!(
                "error: {path} does not match the spec {from}. It is generated code: do not \
                 edit it by hand; change the spec and run `cargo xtask codegen`, then commit both."
            );
            stale = true;
        } else {
            std::fs::write(&target, generated)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            println!("regenerated {path} from {from}");
        }
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn run_spec(
    root: &Path,
    spec_path: &str,
    from: &Path,
    (add, upgrade, unpin_required, unpin_checked): (&[String], &[String], bool, bool),
    check: bool,
    report_path: Option<&Path>,
) -> Result<ExitCode, String> {
    let target = root.join(spec_path);
    let committed = match std::fs::read_to_string(&target) {
        Ok(text) => text,
        // A new cut only when asked for operations: a mistyped --spec would
        // otherwise start from an empty kept list and write a new file.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !add.is_empty() => String::new(),
        Err(e) => {
            return Err(format!(
                "cannot read the cut {}: {e}. Give --spec an existing cut (the default is {}), \
                 or --add OPERATION to start a new one there",
                target.display(),
                codegen::SPEC_PATH
            ));
        }
    };
    let source = from.to_string_lossy();
    let (official, digest) = spec::read_official(from)?;
    let official_doc: serde_norway::Value = serde_norway::from_str(&official)
        .map_err(|e| format!("{} is not a YAML document: {e}", from.display()))?;
    let asked = spec::Asked {
        add,
        upgrade,
        unpin_required,
        unpin_checked,
    };
    let spec::Update {
        cut,
        report,
        from_name,
    } = match spec::update(&committed, &official_doc, &source, &digest, &asked) {
        Ok(update) => update,
        Err(spec::NotCut { renames, problem }) => {
            println!("{renames}");
            return Err(problem);
        }
    };
    let rendered = report.render(&from_name, &spec::cut::file_name(&source));
    println!("{rendered}");
    if let Some(path) = report_path {
        std::fs::write(path, &rendered)
            .map_err(|e| format!("cannot write the report {}: {e}", path.display()))?;
    }

    if cut == committed {
        println!("{} is up to date with {}", spec_path, from.display());
        return Ok(ExitCode::SUCCESS);
    }
    if check {
        print_diff(
            &committed,
            &cut,
            spec_path,
            &format!("cut from {}", from.display()),
        );
        eprintln!(
            "error: {} differs from the cut of {}. It is cut, not written: run \
             `cargo xtask spec --from {}` and then `cargo xtask codegen`, and commit both.",
            spec_path,
            from.display(),
            from.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    std::fs::write(&target, &cut).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    println!(
        "cut {} from {}; now run `cargo xtask codegen`",
        spec_path,
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A unified diff from the committed text to what it should be.
fn print_diff(committed: &str, wanted: &str, path: &str, wanted_from: &str) {
    let diff = similar::TextDiff::from_lines(committed, wanted);
    print!(
        "{}",
        diff.unified_diff().context_radius(3).header(
            &format!("{path} (committed)"),
            &format!("{path} ({wanted_from})")
        )
    );
}
