//! Questions on a terminal: the source password (not echoed) and
//! confirmation before a step that cannot be undone.

use std::io::{BufRead, IsTerminal, Write};

use atlas_live_migration_api::Secret;

use crate::Failure;

/// Whether a person can answer: standard input and standard error are a
/// terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The source password from the flag or the environment, else asked for.
pub fn source_password(given: Option<Secret>, username: &str) -> Result<Secret, Failure> {
    if let Some(password) = given {
        return Ok(password);
    }
    if !interactive() {
        return Err(Failure::usage(format!(
            "--source-username {username} needs a password: set MONGODB_ATLAS_SOURCE_PASSWORD \
             (or pass --source-password), or run on a terminal to be asked"
        )));
    }
    rpassword::prompt_password(format!("Password of {username} on the source cluster: "))
        .map(Secret::from)
        .map_err(|e| Failure::usage(format!("cannot read the password: {e}")))
}

/// Asks `question` unless `force`; without a terminal `force` is required.
/// `Ok(false)` when the person said no.
pub fn confirm(question: &str, force: bool) -> Result<bool, Failure> {
    if force {
        return Ok(true);
    }
    require_force_without_terminal()?;
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// Without a terminal nobody can confirm: `--force` says so beforehand.
pub fn require_force_without_terminal() -> Result<(), Failure> {
    if interactive() {
        Ok(())
    } else {
        Err(Failure::usage(
            "this step cannot be undone and there is no terminal to confirm it on: pass --force"
                .to_owned(),
        ))
    }
}
