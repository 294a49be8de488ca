//! The programs a plan runs (`beforeCutover`, `afterCutover`,
//! `onCutoverAbort`, `notify`): a relative path resolves against the plan
//! file's folder, not the folder apply runs in, and each one is checked to
//! exist and be executable before anything is sent. A bare name is looked
//! up on `PATH`, as a shell would; an absolute path is taken as it is.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use super::{Cutover, Migration};

/// Each program key of a migration's cutover, by its plan spelling (the
/// same four [`problems`] reads).
fn programs_mut(cutover: &mut Cutover) -> [(&'static str, &mut Option<Vec<String>>); 4] {
    [
        ("beforeCutover", &mut cutover.before),
        ("afterCutover", &mut cutover.after),
        ("onCutoverAbort", &mut cutover.on_abort),
        ("notify", &mut cutover.notify),
    ]
}

/// Rewrites every relative program path (`./stop-writes.sh`,
/// `hooks/stop.sh`) to the plan's folder.
pub fn resolve(migrations: &mut [Migration], plan: &Path) {
    let folder = plan.parent().filter(|f| !f.as_os_str().is_empty());
    let folder = std::path::absolute(folder.unwrap_or(Path::new(".")))
        .unwrap_or_else(|_| folder.unwrap_or(Path::new(".")).to_path_buf());
    for migration in migrations {
        for (_, program) in programs_mut(&mut migration.cutover) {
            if let Some(first) = program.as_mut().and_then(|words| words.first_mut())
                && first.contains('/')
                && Path::new(first.as_str()).is_relative()
            {
                // `./stop.sh` is the folder's `stop.sh`, said without `/./`.
                let relative: PathBuf = Path::new(first.as_str())
                    .components()
                    .filter(|c| *c != Component::CurDir)
                    .collect();
                *first = folder.join(relative).to_string_lossy().into_owned();
            }
        }
    }
}

/// One line per program that cannot run, naming its key and the
/// migrations that would run it; empty when every one can.
pub fn problems(migrations: &[Migration]) -> Vec<String> {
    let mut users: BTreeMap<(&str, &'static str), Vec<&str>> = BTreeMap::new();
    for migration in migrations {
        let c = &migration.cutover;
        let keys = [
            ("beforeCutover", &c.before),
            ("afterCutover", &c.after),
            ("onCutoverAbort", &c.on_abort),
            ("notify", &c.notify),
        ];
        for (key, program) in keys {
            if let Some(first) = program.as_ref().and_then(|words| words.first()) {
                users.entry((first, key)).or_default().push(&migration.name);
            }
        }
    }
    let mut found = Vec::new();
    for ((program, key), names) in users {
        let Err(why) = runnable(program) else {
            continue;
        };
        let whom = match names.as_slice() {
            // The fleet's key, set at the top.
            _ if key == "notify" => "top".to_owned(),
            [one] => format!("migration {one}"),
            many => format!("migrations {}", many.join(", ")),
        };
        found.push(format!("  {whom}: `{key}` runs {program}, which {why}"));
    }
    found
}

/// Whether `program` can be started: `Err` says why not.
fn runnable(program: &str) -> Result<(), String> {
    if program.contains('/') {
        return executable(Path::new(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find_map(|dir| executable(&dir.join(program)).ok())
        .ok_or_else(|| {
            "is found on no folder of PATH (give its path; a relative one is read from the \
             plan's folder)"
                .to_owned()
        })
}

fn executable(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("does not exist".to_owned()),
        Err(e) => Err(format!("cannot be read: {e}")),
        Ok(meta) if !meta.is_file() => Err("is not a file".to_owned()),
        Ok(meta) if meta.permissions().mode() & 0o111 == 0 => {
            Err(format!("is not executable (chmod +x {})", path.display()))
        }
        Ok(_) => Ok(()),
    }
}
