//! Names a person types (a plan's keys, a migration's name in `approve`,
//! `forget`, `record`): one that is not known gets the nearest known one.

/// Whether `typed` is one or two edits from `known`, case aside: a likely
/// misspelling of it.
pub fn near(known: &str, typed: &str) -> bool {
    edit_distance(&known.to_lowercase(), &typed.to_lowercase()) <= 2
}

/// "the state PATH has no migration NAME (did you mean app-01?)", or the
/// names it has when none is near.
pub fn unknown_migration(state: &std::path::Path, typed: &str, known: &[String]) -> String {
    let hint = match known.iter().find(|k| near(k, typed)) {
        Some(near) => format!(" (did you mean {near}?)"),
        None if known.is_empty() => "; it has none yet (apply writes them)".to_owned(),
        None => format!("; it has {}", known.join(", ")),
    };
    format!(
        "the state {} has no migration {typed}{hint}",
        state.display()
    )
}

/// `Err` with [`unknown_migration`]'s message when the state has no
/// migration `typed`.
pub fn must_have(
    store: &super::state::Store,
    state: &std::path::Path,
    typed: &str,
) -> Result<(), String> {
    let known = store.names();
    if known.iter().any(|k| k == typed) {
        return Ok(());
    }
    Err(unknown_migration(state, typed, &known))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substituted.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}
