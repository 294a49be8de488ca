//! `cli/README.md` against the binary's `--help`: every command is in the
//! manual's command table, every flag of every command is named in the
//! manual (by its name, an alias or its short form), and every flag a row
//! of the command table names exists on that command. A command, a flag or
//! a manual that changes without the other fails here.

use std::collections::BTreeSet;

mod common;
use common::cli;

const README: &str = include_str!("../README.md");

fn help(path: &[String]) -> String {
    let output = cli().args(path).arg("--help").output().unwrap();
    assert!(output.status.success(), "{path:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands a help lists (`help` aside).
fn commands(help: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut listing = false;
    for line in help.lines() {
        if line.ends_with(':') && !line.starts_with(' ') {
            listing = line == "Commands:";
            continue;
        }
        if listing
            && let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.split_whitespace().next())
            && name != "help"
            && !line.starts_with("   ")
        {
            found.push(name.to_owned());
        }
    }
    found
}

/// Each option a help lists: all its spellings (`-o`, `--output`, aliases).
fn options(help: &str) -> Vec<BTreeSet<String>> {
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if (indent == 2 || indent == 6) && trimmed.starts_with('-') {
            let names = trimmed
                .split([',', ' '])
                .filter(|w| w.starts_with('-'))
                // `--name...`, and an alias said on the same line (`[alias: --x]`).
                .map(|w| w.trim_end_matches("...").trim_end_matches(']').to_owned())
                .collect();
            found.push(names);
        } else if let Some(aliases) = trimmed
            .strip_prefix("[alias: ")
            .or_else(|| trimmed.strip_prefix("[aliases: "))
            && let Some(last) = found.last_mut()
        {
            for alias in aliases.trim_end_matches(']').split(", ") {
                last.insert(alias.to_owned());
            }
        }
    }
    found
}

/// Every command path, with its help, `api`'s generated operations aside
/// (the manual describes them as a family).
fn every_command() -> Vec<(Vec<String>, String)> {
    let mut found = Vec::new();
    let mut pending = vec![Vec::new()];
    while let Some(path) = pending.pop() {
        let text = help(&path);
        if path.first().map(String::as_str) != Some("api") {
            for command in commands(&text) {
                let mut child = path.clone();
                child.push(command);
                pending.push(child);
            }
        }
        found.push((path, text));
    }
    found
}

/// The rows of the manual's command table: the command cell of each.
fn table_cells() -> Vec<&'static str> {
    README
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split(" | ").next())
        .collect()
}

#[test]
fn every_command_and_flag_of_the_binary_is_in_the_manual() {
    let cells = table_cells();
    let mut missing = Vec::new();
    for (path, text) in every_command() {
        let name = path.join(" ");
        let leaf = commands(&text).is_empty();
        if !path.is_empty() && leaf && !cells.iter().any(|c| c.contains(&format!("`{name}"))) {
            missing.push(format!("command `{name}` is not in the command table"));
        }
        for spellings in options(&text) {
            let named = spellings.iter().any(|s| {
                ["`", " ", "/", "("]
                    .iter()
                    .any(|before| README.contains(&format!("{before}{s}")))
            });
            if !named && !spellings.contains("--help") && !spellings.contains("--version") {
                missing.push(format!("`{name}`: flag {spellings:?} is not in the manual"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cli/README.md lacks:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_flag_the_command_table_names_exists_on_its_command() {
    let commands = every_command();
    let mut wrong = Vec::new();
    for cell in table_cells() {
        // "`fleet apply FILE --state PATH [--cutover …]`, `fleet record …`"
        for usage in cell.split('`').skip(1).step_by(2) {
            let words: Vec<&str> = usage.split_whitespace().collect();
            let Some((path, text)) = commands
                .iter()
                .filter(|(path, _)| {
                    !path.is_empty()
                        && words.starts_with(&path.iter().map(String::as_str).collect::<Vec<_>>())
                })
                .max_by_key(|(path, _)| path.len())
            else {
                continue;
            };
            let known: BTreeSet<String> = options(text).into_iter().flatten().collect();
            for word in &words[path.len()..] {
                let flag = word
                    .trim_start_matches('[')
                    .trim_end_matches(['.', ']', '…', ','])
                    .split('=')
                    .next()
                    .unwrap_or_default();
                if flag.starts_with('-') && flag.len() > 1 && !known.contains(flag) {
                    wrong.push(format!("`{}` has no flag {flag}", path.join(" ")));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cli/README.md's command table names:\n{}",
        wrong.join("\n")
    );
}

/// A flag that a command needs is shown as needed: `fleet apply --state`.
#[test]
fn fleet_apply_shows_its_state_as_required() {
    let text = help(&["fleet".to_owned(), "apply".to_owned()]);
    let usage = text.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert!(usage.contains(" --state <PATH>"), "{usage}");
    assert!(!usage.contains("[--state"), "{usage}");
}

/// `api --help` lists each tag's operations, as it promises.
#[test]
fn api_help_lists_every_operation_of_each_tag() {
    let api = help(&["api".to_owned()]);
    let tags = commands(&api);
    assert!(!tags.is_empty(), "{api}");
    for tag in tags {
        let operations = commands(&help(&["api".to_owned(), tag.clone()]));
        assert!(!operations.is_empty(), "{tag}");
        for operation in operations {
            assert!(
                api.contains(&format!("\n    {operation} ")),
                "api --help lacks {tag} {operation}:\n{api}"
            );
        }
    }
}
