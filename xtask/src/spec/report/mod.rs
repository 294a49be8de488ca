//! The change report: what a new cut changes for the kept operations, in API
//! terms, each line sorted by whether it breaks Rust code that uses the
//! crate. The sections follow the changelogs the Azure SDKs generate from
//! their spec diffs ("Breaking Changes", "Features Added", "Other Changes"),
//! so a maintainer can paste them.
//!
//! "Breaking" is judged for code that builds values with the generated
//! builders (`types::builder::…`) and reads fields: a new optional field is
//! not breaking, though a struct literal that lists every field would need
//! it. Typing follows typify: an optional or nullable field is an `Option`.
//!
//! - this file: the report (its lines, sections, breaks) and its Markdown;
//! - `compare.rs`: two cuts compared operation by operation, and renames;
//! - `diff.rs`: one operation's parameters, body and answers, shape by shape;
//! - `shape.rs`: a schema's shape as the generated Rust has it;
//! - `judge.rs`: the report judged on the generated code, each break with
//!   its cause.

use std::collections::BTreeSet;

pub mod compare;
mod diff;
mod judge;
mod shape;

/// One line of the report: what changed, and the operations it concerns (a
/// change inside a shared schema is one line for all of them).
#[derive(Clone, Debug)]
pub struct Line {
    pub text: String,
    pub operations: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Breaking,
    Added,
    Other,
    Versions,
}

#[derive(Default)]
pub struct Report {
    lines: Vec<(Section, Line)>,
    descriptions: usize,
    /// What breaks in the generated Rust (and the CLI), once judged on the
    /// generated code ([`Report::judge`]); `None` when judged on the spec's
    /// text alone.
    judged: Option<Vec<Break>>,
}

/// One item of the generated code whose users break, with the lines of the
/// spec's diff that caused it.
#[derive(Clone, Debug)]
pub struct Break {
    /// The item's path (`atlas_live_migration_api::types::X::field`).
    pub item: String,
    /// What changed, in words that say what a user must do.
    pub what: String,
    /// The spec's changes that caused it, as the report's lines say them.
    pub causes: Vec<String>,
}

impl Report {
    fn push(&mut self, section: Section, operation: &str, text: String) {
        let operation = format!("`{operation}`");
        match self
            .lines
            .iter_mut()
            .find(|(s, line)| *s == section && line.text == text)
        {
            Some((_, line)) => {
                if !line.operations.contains(&operation) {
                    line.operations.push(operation);
                }
            }
            None => self.lines.push((
                section,
                Line {
                    text,
                    operations: vec![operation],
                },
            )),
        }
    }

    fn section(&self, section: Section) -> impl Iterator<Item = &Line> {
        self.lines
            .iter()
            .filter(move |(s, _)| *s == section)
            .map(|(_, line)| line)
    }

    /// Whether anything changed for the kept operations' API.
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|(s, _)| *s == Section::Versions)
    }

    /// The lines that break Rust code using the crate.
    pub fn breaking(&self) -> Vec<&Line> {
        self.section(Section::Breaking).collect()
    }

    /// The lines that add to the API without breaking it.
    pub fn added(&self) -> Vec<&Line> {
        self.section(Section::Added).collect()
    }

    /// Changes that neither break nor add (renames upstream, nullability of
    /// optional fields, documented errors).
    pub fn other(&self) -> Vec<&Line> {
        self.section(Section::Other).collect()
    }

    /// Newer API versions and sunset dates of the versions in use.
    pub fn versions(&self) -> Vec<&Line> {
        self.section(Section::Versions).collect()
    }

    /// The breaks of the generated Rust and of the CLI's commands, where
    /// the report was judged on the generated code.
    #[cfg(test)]
    pub fn rust_breaks(&self) -> Option<&[Break]> {
        self.judged.as_deref()
    }

    /// The report as Markdown, under a heading that names both files.
    pub fn render(&self, from: &str, to: &str) -> String {
        let mut out = format!("## Atlas spec update: {from} -> {to}\n");
        let mut write = |title: &str, lines: Vec<String>| {
            if !lines.is_empty() {
                out.push_str(&format!("\n### {title}\n\n"));
                for line in lines {
                    out.push_str(&format!("- {line}\n"));
                }
            }
        };
        let lines = |lines: Vec<&Line>| -> Vec<String> {
            lines
                .into_iter()
                .map(|line| format!("{}: {}", line.operations.join(", "), line.text))
                .collect()
        };
        match &self.judged {
            Some(breaks) => {
                let described: Vec<String> = breaks
                    .iter()
                    .map(|b| {
                        format!(
                            "`{}`: {}. Cause: {}",
                            b.item,
                            b.what,
                            if b.causes.is_empty() {
                                "no line of the spec's diff names it; the generator's output \
                                 changed (compare `cargo xtask codegen` before and after)"
                                    .to_owned()
                            } else {
                                b.causes.join("; ")
                            }
                        )
                    })
                    .collect();
                write("Breaking Changes", described);
                // The spec's incompatible changes that no item shows.
                let said: BTreeSet<&str> = breaks
                    .iter()
                    .flat_map(|b| b.causes.iter().map(String::as_str))
                    .collect();
                let compiling: Vec<String> = lines(self.breaking())
                    .into_iter()
                    .filter(|line| !said.contains(line.as_str()))
                    .collect();
                write("API Changes That Compile", compiling);
            }
            None => {
                let mut breaking = lines(self.breaking());
                if !breaking.is_empty() {
                    breaking.push(
                        "(judged on the spec's text: the committed cut does not generate with \
                         this generator, so no generated item was compared)"
                            .to_owned(),
                    );
                }
                write("Breaking Changes", breaking);
            }
        }
        write("Features Added", lines(self.added()));
        let mut other = lines(self.other());
        if self.descriptions > 0 {
            other.push(format!(
                "{} description{} edited (documentation only)",
                self.descriptions,
                if self.descriptions == 1 { "" } else { "s" }
            ));
        }
        write("Other Changes", other);
        write("API Versions", lines(self.versions()));
        if self.is_empty()
            && self.descriptions == 0
            && self.judged.as_ref().is_none_or(Vec::is_empty)
        {
            out.push_str("\nNo change to the kept operations.\n");
        }
        out
    }
}

#[cfg(test)]
mod tests;
