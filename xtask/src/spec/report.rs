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

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use super::kept::Kept;
use super::surface::{self, Kind as ItemKind, Surface};
use super::{lookup, operations, resolve, version_date, versions};

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

    /// Judges the report on the generated code: every change of the public
    /// items that breaks their users is a [`Break`], tied to the lines of
    /// the spec's diff that caused it. The spec's incompatible changes that
    /// break no item (a new required parameter, which fails at `send()`)
    /// are then said as API changes that compile.
    pub fn judge(&mut self, changes: &[surface::Change], old: &Surface, new: &Surface) {
        let breaks = changes
            .iter()
            .filter(|change| change.breaking)
            .map(|change| {
                let causes = self
                    .causes(change, old, new)
                    .into_iter()
                    .map(|(_, line)| format!("{}: {}", line.operations.join(", "), line.text))
                    .collect();
                Break {
                    item: change.path.clone(),
                    what: change.describe(),
                    causes,
                }
            })
            .collect();
        self.judged = Some(breaks);
    }

    /// The lines that caused a change, the most telling first: for a type,
    /// those about its schema (its member's, when the item is a member);
    /// else those of the operations that use it or that it calls (its
    /// parameter's, its answer's, its name's, by what the item is); a line
    /// about documented errors never.
    fn causes(
        &self,
        change: &surface::Change,
        old: &Surface,
        new: &Surface,
    ) -> Vec<(Section, &Line)> {
        let subject = Subject::of(change, old, new);
        let schema = subject
            .type_name
            .as_deref()
            .and_then(|ty| self.schema_of(ty));
        // A type named after a member of its parent's schema (typify's
        // `DestinationClusterName`, `…MigrationHostsItem`) is about that
        // member.
        let mut inline_member = None;
        if let (Some((_, rest)), None) = (&schema, &subject.member)
            && !rest.is_empty()
        {
            inline_member = Some(rest.clone());
        }
        let member_named = |line: &Line| {
            let field = line
                .text
                .split("field `")
                .nth(1)
                .and_then(|rest| rest.split('`').next());
            subject.member.as_ref().is_some_and(|m| {
                field == Some(m.as_str())
                    || (subject.variant && line.text.contains(m.as_str()))
                    || (subject.type_name.is_none() && norm(&line.text).contains(&norm(m)))
            }) || inline_member
                .as_ref()
                .zip(field)
                .is_some_and(|(rest, field)| rest.starts_with(&norm(field)))
        };
        let mut scored: Vec<(u8, Section, &Line)> = Vec::new();
        if let Some((schema, _)) = &schema {
            for (section, line) in &self.lines {
                if !line.text.contains(&format!("schema `{schema}`")) {
                    continue;
                }
                let score = if member_named(line) {
                    3
                } else if (subject.member.is_some() || inline_member.is_some())
                    && !subject.variant
                    && line.text.contains("field `")
                {
                    // About another member of the type.
                    0
                } else {
                    1
                };
                scored.push((score, *section, line));
            }
        }
        if scored.iter().all(|(score, ..)| *score == 0) {
            scored.clear();
            let mut operations = subject.operation.iter().cloned().collect::<Vec<_>>();
            if operations.is_empty()
                && let Some(ty) = &subject.type_name
            {
                operations = users_of_type(ty, old, new);
            }
            let labels: Vec<String> = operations.iter().map(|o| format!("`{o}`")).collect();
            for (section, line) in &self.lines {
                // Documented errors matter to the typed mock's answers only.
                if !line.operations.iter().any(|o| labels.contains(o))
                    || (line.text.contains("documents response")
                        && !subject.hints.contains(&"documents response"))
                {
                    continue;
                }
                let score = if member_named(line) {
                    4
                } else if subject.hints.iter().any(|h| line.text.contains(h)) {
                    3
                } else if !line.text.starts_with("schema `") {
                    2
                } else {
                    1
                };
                scored.push((score, *section, line));
            }
        }
        let best = scored.iter().map(|(score, ..)| *score).max().unwrap_or(0);
        scored
            .into_iter()
            .filter(|(score, ..)| best > 0 && *score == best)
            .map(|(_, section, line)| (section, line))
            .collect()
    }

    /// The schema a Rust type is named for: itself, the copy a request
    /// takes (`<Name>Request`), else the longest name it begins with
    /// (typify names an inline schema after its parent).
    fn schema_of(&self, ty: &str) -> Option<(String, String)> {
        let schemas: BTreeSet<&str> = self
            .lines
            .iter()
            .flat_map(|(_, line)| schemas_named(&line.text))
            .collect();
        let wanted = norm(ty);
        schemas
            .iter()
            .find(|s| norm(s) == wanted)
            .or_else(|| {
                schemas
                    .iter()
                    .find(|s| format!("{}request", norm(s)) == wanted)
            })
            .or_else(|| {
                schemas
                    .iter()
                    .filter(|s| wanted.starts_with(&norm(s)))
                    .max_by_key(|s| s.len())
            })
            .map(|s| {
                let rest = wanted.strip_prefix(&norm(s)).unwrap_or_default();
                let rest = if rest == "request" { "" } else { rest };
                ((*s).to_owned(), rest.to_owned())
            })
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

/// Compares the committed cut (`old`, with its kept list) with a new one,
/// on the spec's text alone.
#[cfg(test)]
pub fn compare(old: &Value, old_kept: &[Kept], new: &Value, new_kept: &[Kept]) -> Report {
    compare_in(old, old_kept, new, new_kept, None)
}

/// `compare`, with what the rules make of both cuts: a field's change is
/// judged by its Rust type as the rules leave it (a required field of a
/// schema only answers reach is already an `Option`), and the changes the
/// rules make on their own are added ([`rule_changes`]). `old` is `None`
/// for a first cut.
pub fn compare_with_rules(
    old: (&Value, &[Kept], Option<&crate::codegen::Adapted>),
    new: (&Value, &[Kept], &crate::codegen::Adapted),
) -> Report {
    let yaml = |json: &serde_json::Value| serde_norway::to_value(json).unwrap_or(Value::Null);
    let (old_doc, old_kept, old_adapted) = old;
    let (new_doc, new_kept, new_adapted) = new;
    let adapted = old_adapted.map(|a| (yaml(&a.document), yaml(&new_adapted.document)));
    let mut report = compare_in(
        old_doc,
        old_kept,
        new_doc,
        new_kept,
        adapted.as_ref().map(|(a, b)| (a, b)),
    );
    schemas_in_and_out(&mut report, (old_doc, old_kept), (new_doc, new_kept));
    if let (Some(old_adapted), Some((old_yaml, new_yaml))) = (old_adapted, &adapted) {
        rule_changes(
            &mut report,
            (old_doc, old_adapted, old_yaml),
            (new_doc, new_adapted, new_yaml),
        );
    }
    report
}

fn compare_in(
    old: &Value,
    old_kept: &[Kept],
    new: &Value,
    new_kept: &[Kept],
    adapted: Option<(&Value, &Value)>,
) -> Report {
    let mut report = Report::default();
    let old_ops = operations(old);
    let new_ops = operations(new);
    for entry in new_kept {
        let label = entry.rust_name.as_str();
        let Some(new_op) = new_ops.iter().find(|o| o.key() == entry.key()) else {
            continue;
        };
        let offered = versions(new, new_op.value);
        if let Some(pin) = &entry.version {
            let newer: Vec<_> = offered.keys().filter(|v| *v > pin).cloned().collect();
            if !newer.is_empty() {
                report.push(
                    Section::Versions,
                    label,
                    format!(
                        "uses API version {pin}; the spec offers {} too. Move with \
                         `cargo xtask spec --from FILE --upgrade {label}`",
                        newer.join(", ")
                    ),
                );
            }
            if let Some(Some(sunset)) = offered.get(pin) {
                report.push(
                    Section::Versions,
                    label,
                    format!("API version {pin}, the one in use, is to be sunset on {sunset}"),
                );
            }
        }
        let (Some(old_entry), Some(old_op)) = (
            old_kept.iter().find(|k| k.key() == entry.key()),
            old_ops.iter().find(|o| o.key() == entry.key()),
        ) else {
            report.push(
                Section::Added,
                label,
                format!("operation added ({})", entry.key()),
            );
            continue;
        };
        if !old_entry.operation_id.is_empty() && old_entry.operation_id != entry.operation_id {
            report.push(
                Section::Other,
                label,
                format!(
                    "operationId renamed upstream, {} -> {}; the Rust name is kept",
                    old_entry.operation_id, entry.operation_id
                ),
            );
        }
        let old_offered = versions(old, old_op.value);
        for version in offered.keys().filter(|v| !old_offered.contains_key(*v)) {
            report.push(
                Section::Other,
                label,
                format!("API version {version} added upstream"),
            );
        }
        for version in old_offered.keys().filter(|v| !offered.contains_key(*v)) {
            report.push(
                Section::Other,
                label,
                format!("API version {version} removed upstream"),
            );
        }
        if let Some(pin) = &entry.version
            && let Some(Some(sunset)) = offered.get(pin)
            && old_offered.get(pin) != Some(&Some(sunset.clone()))
        {
            report.push(
                Section::Other,
                label,
                format!("API version {pin}, the one in use, gained a sunset date ({sunset})"),
            );
        }
        if old_entry.version != entry.version {
            report.push(
                Section::Breaking,
                label,
                format!(
                    "moved from API version {} to {}; its request and response types are \
                     those of the new version",
                    old_entry.version.as_deref().unwrap_or("(none)"),
                    entry.version.as_deref().unwrap_or("(none)")
                ),
            );
        }
        let mut diff = Diff {
            old,
            new,
            adapted,
            label,
            report: &mut report,
        };
        diff.parameters(old_op.value, new_op.value);
        diff.body(
            old_op.value,
            old_entry.version.as_deref(),
            new_op.value,
            entry.version.as_deref(),
        );
        diff.responses(
            old_op.value,
            old_entry.version.as_deref(),
            new_op.value,
            entry.version.as_deref(),
        );
    }
    for entry in old_kept {
        if !new_kept.iter().any(|k| k.key() == entry.key()) {
            report.push(
                Section::Breaking,
                &entry.rust_name,
                format!("operation removed from the kept list ({})", entry.key()),
            );
        }
    }
    report.descriptions = description_edits(old, new);
    report
}

/// Adds the Rust type changes that come from the rules rather than from the
/// spec's text. The direction rules read a schema by which operations send
/// and answer it (`SHARED_SCHEMA_SPLIT_BY_DIRECTION`,
/// `ANSWER_PROPERTIES_OPTIONAL`, `ANSWER_VALUES_UNCHECKED`), so keeping or
/// dropping an operation changes the type of a schema nobody edited; every
/// other rule reads the schema's own text, whose changes the spec diff
/// reports. Each side is the cut, what the rules made of it, and that
/// adapted document as YAML.
fn rule_changes(
    report: &mut Report,
    old: (&Value, &crate::codegen::Adapted, &Value),
    new: (&Value, &crate::codegen::Adapted, &Value),
) {
    let (old_raw, old, old_doc) = old;
    let (new_raw, new, new_doc) = new;
    let (old_users, new_users) = (users(old_doc), users(new_doc));
    let raw = |doc: &Value, name: &str| {
        doc.get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.get(name))
            .cloned()
    };
    let names: BTreeSet<&String> = old.directions.keys().chain(new.directions.keys()).collect();
    for name in names {
        let (Some(was), Some(now)) = (old.directions.get(name), new.directions.get(name)) else {
            // A schema new to the cut, or gone from it: the operations that
            // use it are reported.
            continue;
        };
        // Whoever used the schema or its copy, before or after.
        let mut labels: Vec<String> = Vec::new();
        for (users, copies) in [(&old_users, &old.copies), (&new_users, &new.copies)] {
            for key in std::iter::once(name).chain(copies.get(name)) {
                for label in users.get(key).into_iter().flatten() {
                    if !labels.contains(label) {
                        labels.push(label.clone());
                    }
                }
            }
        }
        let push = |report: &mut Report, section: Section, text: String| {
            for label in &labels {
                report.push(section, label, text.clone());
            }
        };
        let (old_copy, new_copy) = (old.copies.get(name), new.copies.get(name));
        if was != now || old_copy != new_copy {
            let (section, text) = match (old_copy, new_copy) {
                (None, Some(copy)) if *was == "answered only" => (
                    Section::Added,
                    format!(
                        "schema `{name}` is now {now} (was {was}): requests take the new type \
                         `{copy}`, with the spec's checks (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION); \
                         `{name}` stays as it was"
                    ),
                ),
                (None, Some(copy)) => (
                    Section::Breaking,
                    format!(
                        "schema `{name}` is now {now} (was {was}): requests take the new type \
                         `{copy}` (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION), and `{name}` is read as \
                         answers are, without required properties or value checks (rules \
                         ANSWER_PROPERTIES_OPTIONAL, ANSWER_VALUES_UNCHECKED); code that builds \
                         `{name}` for a request must build `{copy}`"
                    ),
                ),
                (Some(copy), None) => (
                    Section::Breaking,
                    format!(
                        "schema `{name}` is now {now} (was {was}): the type `{copy}` is gone \
                         (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION no longer applies){}",
                        if *now == "sent only" {
                            format!(
                                "; `{name}` is what requests take, with the spec's required \
                                 properties and checks"
                            )
                        } else {
                            String::new()
                        }
                    ),
                ),
                (Some(a), Some(b)) if a != b => (
                    Section::Breaking,
                    format!(
                        "schema `{name}`: the type requests take is renamed `{a}` -> `{b}` \
                         (rule SHARED_SCHEMA_SPLIT_BY_DIRECTION; another schema took the name)"
                    ),
                ),
                _ => (
                    Section::Other,
                    format!("schema `{name}` is now {now} (was {was})"),
                ),
            };
            push(report, section, text);
        }
        // Field by field, where the schema's text is the same but its
        // adapted form is not.
        if raw(old_raw, name) == raw(new_raw, name) {
            let adapted = |doc: &Value| raw(doc, name).unwrap_or(Value::Null);
            if adapted(old_doc) != adapted(new_doc) {
                let reference: Value =
                    serde_norway::from_str(&format!("$ref: '#/components/schemas/{name}'"))
                        .unwrap_or(Value::Null);
                let old_shape = shape(old_doc, &reference, &mut Vec::new());
                let new_shape = shape(new_doc, &reference, &mut Vec::new());
                for label in &labels {
                    let mut diff = Diff {
                        old: old_doc,
                        new: new_doc,
                        adapted: None,
                        label,
                        report,
                    };
                    diff.shapes(
                        &format!("schema `{name}`"),
                        &old_shape,
                        &new_shape,
                        *now != "answered only",
                    );
                }
                if checks(&adapted(old_doc)) != checks(&adapted(new_doc)) {
                    push(
                        report,
                        Section::Breaking,
                        format!(
                            "schema `{name}`: its value checks (pattern, bounds, lengths) {} by \
                             the rules, so a checked string's type is {}",
                            if *now == "answered only" {
                                "are dropped"
                            } else {
                                "come back"
                            },
                            if *now == "answered only" {
                                "now `String`"
                            } else {
                                "a checked newtype again"
                            }
                        ),
                    );
                }
            }
        }
    }
}

/// The component schemas that came into the cut or left it, each said for
/// the kept operations that reach it (through any of their API versions:
/// typify generates every component schema of the cut, so a schema that
/// only another version reaches is a type too).
fn schemas_in_and_out(report: &mut Report, old: (&Value, &[Kept]), new: (&Value, &[Kept])) {
    let names = |doc: &Value| -> BTreeSet<String> {
        doc.get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(name, _)| name.as_str().map(str::to_owned))
            .collect()
    };
    // The users' Rust names, from the official operationIds.
    let labels = |(doc, kept): (&Value, &[Kept]), name: &str| -> Vec<String> {
        users(doc)
            .remove(name)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| kept.iter().find(|k| k.operation_id == id))
            .map(|k| k.rust_name.clone())
            .collect()
    };
    let (before, after) = (names(old.0), names(new.0));
    for name in before.difference(&after) {
        for label in labels(old, name) {
            report.push(
                Section::Other,
                &label,
                format!("schema `{name}` is no longer in the cut"),
            );
        }
    }
    for name in after.difference(&before) {
        for label in labels(new, name) {
            report.push(
                Section::Added,
                &label,
                format!("schema `{name}` is new in the cut"),
            );
        }
    }
}

/// What a changed item is about: the type it belongs to (named for a
/// schema), its member on the wire, the operation it calls.
#[derive(Default)]
struct Subject {
    type_name: Option<String>,
    member: Option<String>,
    /// The member is an enum's value.
    variant: bool,
    operation: Option<String>,
    /// Words a line about the change would use (`response` for what
    /// `send` answers, `operationId` for a command's name).
    hints: Vec<&'static str>,
}

impl Subject {
    fn of(change: &surface::Change, old: &Surface, new: &Surface) -> Self {
        let item = change.item();
        let path = change.path.as_str();
        // A trait impl is about the generated type it names (`impl
        // From<NoBody> for ::serde_json::Map` is about `NoBody`).
        if item.kind == ItemKind::Impl {
            let is_type = |name: &str| {
                let path = format!("{}::types::{name}", surface::CLIENT);
                old.0.contains_key(&path) || new.0.contains_key(&path)
            };
            let named = item
                .parent
                .as_deref()
                .and_then(|p| p.strip_prefix(&format!("{}::types::", surface::CLIENT)))
                .filter(|name| is_type(name))
                .map(str::to_owned)
                .or_else(|| {
                    path.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                        .find(|word| is_type(word))
                        .map(str::to_owned)
                });
            if let Some(type_name) = named {
                return Subject {
                    type_name: Some(type_name),
                    ..Subject::default()
                };
            }
        }
        let path = path.split_once(" for ").map_or(path, |(_, target)| target);
        if item.kind == ItemKind::Command || item.kind == ItemKind::Flag {
            let command = match item.kind {
                ItemKind::Flag => item.parent.as_deref().unwrap_or_default(),
                _ => path,
            };
            let rust_name = [old, new]
                .iter()
                .find_map(|s| s.0.get(command).and_then(|c| c.wire.clone()));
            return Subject {
                member: (item.kind == ItemKind::Flag)
                    .then(|| item.wire.clone())
                    .flatten(),
                operation: rust_name,
                hints: match item.kind {
                    ItemKind::Flag => vec!["parameter"],
                    _ => vec!["operationId", "request body", "operation"],
                },
                ..Subject::default()
            };
        }
        let segments: Vec<&str> = path.split("::").collect();
        let after = |name: &str| {
            segments
                .iter()
                .position(|s| *s == name)
                .map(|i| &segments[i + 1..])
        };
        if let Some(rest) = after("types") {
            let rest = match rest.first() {
                Some(&"builder") => &rest[1..],
                _ => rest,
            };
            let type_name = rest.first().map(|s| (*s).to_owned());
            // A member's name on the wire: the field's, also for its setter.
            let member = rest.get(1).map(|m| {
                let field = format!("{}::types::{}::{m}", surface::CLIENT, rest[0]);
                [new, old]
                    .iter()
                    .find_map(|s| s.0.get(&field).and_then(|f| f.wire.clone()))
                    .unwrap_or_else(|| (*m).to_owned())
            });
            return Subject {
                type_name,
                member,
                variant: item.kind == ItemKind::Variant,
                hints: vec!["response", "request body"],
                ..Subject::default()
            };
        }
        let snake = |name: &str| heck::ToSnakeCase::to_snake_case(name);
        let (operation, member) = if let Some(rest) = after("builder") {
            (rest.first().map(|b| snake(b)), rest.get(1))
        } else if let Some(rest) = after("operations") {
            let name = rest.first().map(|n| {
                snake(
                    n.strip_suffix("When")
                        .or_else(|| n.strip_suffix("Then"))
                        .unwrap_or(n),
                )
            });
            (name, rest.get(1))
        } else if let Some(rest) = after("Client").or_else(|| after("MockServerExt")) {
            (rest.first().map(|m| (*m).to_owned()), None)
        } else {
            (None, None)
        };
        let hints = match member.copied() {
            Some("send") => vec!["response", "API version"],
            Some("body" | "body_map") => vec!["request body", "API version"],
            _ if path.contains("Then") => vec!["documents response", "response", "API version"],
            _ if path.contains("When") => vec!["parameter", "request body"],
            Some(_) => vec!["parameter"],
            None => vec!["operation", "API version"],
        };
        Subject {
            member: member
                .filter(|m| !matches!(**m, "send" | "body" | "body_map"))
                .map(|m| (*m).to_owned()),
            operation,
            hints,
            ..Subject::default()
        }
    }
}

/// The operations whose calls or mocks name the generated type `ty`, in
/// either generation (a type that is no schema, such as `NoBody`, is
/// caused by what those operations send or answer).
fn users_of_type(ty: &str, old: &Surface, new: &Surface) -> Vec<String> {
    let mut users = BTreeSet::new();
    for surface in [old, new] {
        for (path, item) in &surface.0 {
            let names_it = item
                .signature
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|word| word == ty);
            if !names_it {
                continue;
            }
            let change = surface::Change {
                path: path.clone(),
                old: None,
                new: Some(item.clone()),
                breaking: false,
            };
            if let Some(operation) = Subject::of(&change, old, new).operation {
                users.insert(operation);
            }
        }
    }
    users.into_iter().collect()
}

/// The schemas a line names (`schema `X``).
fn schemas_named(text: &str) -> Vec<&str> {
    text.split("schema `")
        .skip(1)
        .filter_map(|rest| rest.split('`').next())
        .collect()
}

/// A name without case or separators, to match a Rust name to the spec's.
fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The operations (by their Rust name) that reach each component schema.
fn users(doc: &Value) -> BTreeMap<String, Vec<String>> {
    let schemas = doc.get("components").and_then(|c| c.get("schemas"));
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for operation in operations(doc) {
        let Some(id) = operation.value.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let mut pending = Vec::new();
        collect_refs(operation.value, &mut pending);
        let mut seen = BTreeSet::new();
        while let Some(name) = pending.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = schemas.and_then(|m| m.get(name.as_str())) {
                collect_refs(schema, &mut pending);
                users.entry(name).or_default().push(id.to_owned());
            }
        }
    }
    users
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    (Some("$ref"), Some(target)) => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(inner, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

/// The value checks in a schema's own text, with where they are.
fn checks(schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    each_member(schema, &mut String::new(), &mut |at, key, _| {
        if CHECKS.contains(&key) {
            out.insert(at.to_owned());
            false
        } else {
            key != "description" && key != "example"
        }
    });
    out
}

/// Visits every member of every mapping in `value`, with its place
/// (`/key/0/key`), and goes into it when `visit` says so.
fn each_member(value: &Value, at: &mut String, visit: &mut dyn FnMut(&str, &str, &Value) -> bool) {
    match value {
        Value::Mapping(map) => {
            for (key, inner) in map {
                let key = match key {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other).unwrap_or_default(),
                };
                let len = at.len();
                at.push('/');
                at.push_str(&key);
                if visit(at, &key, inner) {
                    each_member(inner, at, visit);
                }
                at.truncate(len);
            }
        }
        Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{index}"));
                each_member(item, at, visit);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The operationIds Atlas renamed, alone: the report of a spec that cannot
/// be cut (it lacks a kept operation or a pinned version).
pub fn renames(kept: &[Kept], official: &Value) -> Report {
    let mut report = Report::default();
    let all = operations(official);
    for entry in kept {
        if let Some(operation) = all.iter().find(|o| o.key() == entry.key())
            && operation.operation_id() != entry.operation_id
        {
            report.push(
                Section::Other,
                &entry.rust_name,
                format!(
                    "operationId renamed upstream, {} -> {}; the Rust name is kept",
                    entry.operation_id,
                    operation.operation_id()
                ),
            );
        }
    }
    report
}

/// The shape of a schema as far as Rust code sees it.
#[derive(Clone, Debug, PartialEq)]
struct Shape {
    /// The component schema it is, if named.
    name: Option<String>,
    nullable: bool,
    kind: Kind,
    /// Its own value checks (pattern, bounds, lengths), as the spec writes
    /// them: a checked string is a newtype in Rust.
    checks: BTreeMap<String, String>,
}

/// The value checks a schema states itself.
const CHECKS: &[&str] = &[
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
];

fn own_checks(schema: &Value) -> BTreeMap<String, String> {
    CHECKS
        .iter()
        .filter_map(|key| {
            let value = schema.get(*key)?;
            let text = match value {
                Value::String(s) => s.clone(),
                other => serde_norway::to_string(other).ok()?.trim().to_owned(),
            };
            Some(((*key).to_owned(), text))
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Object(BTreeMap<String, (Shape, bool)>),
    Array(Box<Shape>),
    Enum(BTreeSet<String>),
    /// `string`, `integer(int64)`, …
    Scalar(String),
    /// `oneOf`/`anyOf`, free-form and the like: compared by name only.
    Opaque(String),
    /// A schema already being expanded higher up (recursion).
    Seen,
}

fn shape(doc: &Value, schema: &Value, stack: &mut Vec<String>) -> Shape {
    let mut name = None;
    let mut schema = schema;
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let short = reference.rsplit('/').next().unwrap_or(reference).to_owned();
        if stack.contains(&short) || stack.len() > 16 {
            return Shape {
                name: Some(short),
                nullable: false,
                kind: Kind::Seen,
                checks: BTreeMap::new(),
            };
        }
        name = Some(short);
        schema = lookup(doc, reference).unwrap_or(&Value::Null);
    }
    if let Some(name) = &name {
        stack.push(name.clone());
    }
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let checks = own_checks(schema);
    let mut kind = kind(doc, schema, stack);
    // `allOf: [$ref]` is a use of a named schema.
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        && name.is_none()
    {
        let inner = shape(doc, only, stack);
        name = inner.name;
        kind = inner.kind;
    }
    if name.is_some() {
        stack.pop();
    }
    Shape {
        name,
        nullable,
        kind,
        checks,
    }
}

fn kind(doc: &Value, schema: &Value, stack: &mut Vec<String>) -> Kind {
    if let Some(values) = schema.get("enum").and_then(Value::as_sequence) {
        return Kind::Enum(
            values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                })
                .collect(),
        );
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_sequence)
        && parts.len() > 1
    {
        // Merged as typify merges them: the union of the properties.
        let mut merged = BTreeMap::new();
        for part in parts {
            if let Kind::Object(fields) = shape(doc, part, stack).kind {
                merged.extend(fields);
            }
        }
        return Kind::Object(merged);
    }
    for composite in ["oneOf", "anyOf"] {
        if let Some(parts) = schema.get(composite).and_then(Value::as_sequence) {
            let names: Vec<_> = parts
                .iter()
                .map(|p| {
                    p.get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .unwrap_or("inline")
                        .to_owned()
                })
                .collect();
            return Kind::Opaque(format!("{composite} [{}]", names.join(", ")));
        }
    }
    let type_ = schema.get("type").and_then(Value::as_str).unwrap_or("");
    match type_ {
        "object" | "" if schema.get("properties").is_some() => {
            let required: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let fields = schema
                .get("properties")
                .and_then(Value::as_mapping)
                .into_iter()
                .flatten()
                .filter_map(|(name, property)| {
                    let name = name.as_str()?;
                    Some((
                        name.to_owned(),
                        (shape(doc, property, stack), required.contains(name)),
                    ))
                })
                .collect();
            Kind::Object(fields)
        }
        "array" => Kind::Array(Box::new(shape(
            doc,
            schema.get("items").unwrap_or(&Value::Null),
            stack,
        ))),
        "" | "object" => Kind::Opaque("any value".to_owned()),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format)
                if type_ != "string" || ["date-time", "date", "uuid"].contains(&format) =>
            {
                Kind::Scalar(format!("{type_}({format})"))
            }
            _ => Kind::Scalar(type_.to_owned()),
        },
    }
}

fn describe(shape: &Shape) -> String {
    let base = match &shape.kind {
        Kind::Object(_) => "object".to_owned(),
        Kind::Array(items) => format!("array of {}", describe(items)),
        Kind::Enum(_) => "enum".to_owned(),
        Kind::Scalar(s) | Kind::Opaque(s) => s.clone(),
        Kind::Seen => "object".to_owned(),
    };
    match &shape.name {
        Some(name) => format!("{name} ({base})"),
        None => base,
    }
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    /// The same cuts as the rules leave them, where known: a field's Rust
    /// type is read there.
    adapted: Option<(&'a Value, &'a Value)>,
    label: &'a str,
    report: &'a mut Report,
}

impl Diff<'_> {
    fn breaking(&mut self, what: String) {
        self.report.push(Section::Breaking, self.label, what);
    }

    fn added(&mut self, what: String) {
        self.report.push(Section::Added, self.label, what);
    }

    fn other(&mut self, what: String) {
        self.report.push(Section::Other, self.label, what);
    }

    fn parameters(&mut self, old_op: &Value, new_op: &Value) {
        let old = parameters(self.old, old_op);
        let new = parameters(self.new, new_op);
        for (key, (required, schema)) in &new {
            match old.get(key) {
                None if *required => self.breaking(format!(
                    "new required parameter {key}: a call that does not set it fails"
                )),
                None => self.added(format!("new optional parameter {key}")),
                Some((was_required, old_schema)) => {
                    if !was_required && *required {
                        self.breaking(format!("parameter {key} is now required"));
                    } else if *was_required && !required {
                        self.added(format!("parameter {key} is now optional"));
                    }
                    let old_shape = shape(self.old, old_schema, &mut Vec::new());
                    let new_shape = shape(self.new, schema, &mut Vec::new());
                    self.shapes(&format!("parameter {key}"), &old_shape, &new_shape, false);
                }
            }
        }
        for key in old.keys().filter(|k| !new.contains_key(*k)) {
            self.breaking(format!(
                "parameter {key} removed: its builder method is gone"
            ));
        }
    }

    fn body(&mut self, old_op: &Value, old_v: Option<&str>, new_op: &Value, new_v: Option<&str>) {
        let old = body_schema(self.old, old_op, old_v);
        let new = body_schema(self.new, new_op, new_v);
        match (old, new) {
            (Some(old), Some(new)) => {
                let old = shape(self.old, old, &mut Vec::new());
                let new = shape(self.new, new, &mut Vec::new());
                self.shapes("request body", &old, &new, true);
            }
            (None, Some(_)) => self.breaking("now takes a request body".to_owned()),
            (Some(_), None) => self.breaking("no longer takes a request body".to_owned()),
            (None, None) => {}
        }
    }

    fn responses(
        &mut self,
        old_op: &Value,
        old_v: Option<&str>,
        new_op: &Value,
        new_v: Option<&str>,
    ) {
        let old = responses(self.old, old_op, old_v);
        let new = responses(self.new, new_op, new_v);
        for (status, new_schema) in &new {
            let success = status.starts_with('2');
            match old.get(status) {
                None if success => {
                    self.breaking(format!("new success response {status}"));
                }
                None => self.other(format!("documents response {status}")),
                Some(old_schema) => match (old_schema, new_schema) {
                    (Some(old_schema), Some(new_schema)) => {
                        let old_shape = shape(self.old, old_schema, &mut Vec::new());
                        let new_shape = shape(self.new, new_schema, &mut Vec::new());
                        self.shapes(&format!("response {status}"), &old_shape, &new_shape, false);
                    }
                    (None, Some(_)) => self.breaking(format!("response {status} now has a body")),
                    (Some(_), None) => {
                        self.breaking(format!("response {status} no longer has a body"))
                    }
                    (None, None) => {}
                },
            }
        }
        for status in old.keys().filter(|s| !new.contains_key(*s)) {
            if status.starts_with('2') {
                self.breaking(format!("success response {status} removed"));
            } else {
                self.other(format!("no longer documents response {status}"));
            }
        }
    }

    /// Compares two shapes at `at`; `request` says which way values go.
    fn shapes(&mut self, at: &str, old: &Shape, new: &Shape, request: bool) {
        if let (Some(a), Some(b)) = (&old.name, &new.name)
            && a != b
        {
            self.breaking(format!(
                "{at}: schema {a} renamed {b}; code that names the type must follow"
            ));
        }
        // Inside a named schema, changes are said of the schema, once for
        // every operation that uses it.
        let named;
        let at = match &new.name {
            Some(name) if old.name.as_ref() == Some(name) => {
                named = format!("schema `{name}`");
                named.as_str()
            }
            _ => at,
        };
        if old.checks != new.checks && old.kind != Kind::Seen && new.kind != Kind::Seen {
            let said = |checks: &BTreeMap<String, String>| {
                if checks.is_empty() {
                    "none".to_owned()
                } else {
                    checks
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            self.other(format!(
                "{at}: value checks {} -> {}",
                said(&old.checks),
                said(&new.checks)
            ));
        }
        match (&old.kind, &new.kind) {
            (Kind::Seen, _) | (_, Kind::Seen) => {}
            (Kind::Object(old_fields), Kind::Object(new_fields)) => {
                for (name, (shape, required)) in new_fields {
                    let field = format!("{at} field `{name}`");
                    match old_fields.get(name) {
                        None if *required && request => self.breaking(format!(
                            "{field} added, required: the builder fails without it"
                        )),
                        None if *required => self.added(format!("{field} added")),
                        None => self.added(format!("{field} added, optional")),
                        Some((old_shape, was_required)) => {
                            let option_before = is_option(old_shape, *was_required);
                            let option_now = is_option(shape, *required);
                            // The Rust types, as the rules leave them.
                            let rust = new.name.as_deref().zip(self.adapted).and_then(
                                |(schema, (old_doc, new_doc))| {
                                    Some((
                                        rust_option(old_doc, schema, name)?,
                                        rust_option(new_doc, schema, name)?,
                                    ))
                                },
                            );
                            if option_before != option_now
                                && let Some((was, now)) = rust
                                && was == now
                            {
                                self.other(format!(
                                    "{field} is now {}; its Rust type stays {} under the rules",
                                    if option_now {
                                        "optional or nullable"
                                    } else {
                                        "required and not nullable"
                                    },
                                    if now { "an Option" } else { "as it was" }
                                ));
                            } else if option_before != option_now {
                                self.breaking(format!(
                                    "{field} is now {}: its Rust type {} an Option",
                                    if option_now {
                                        "optional or nullable"
                                    } else {
                                        "required and not nullable"
                                    },
                                    if option_now {
                                        "becomes"
                                    } else {
                                        "is no longer"
                                    }
                                ));
                            } else if was_required != required {
                                self.other(format!(
                                    "{field} is now {}",
                                    if *required { "required" } else { "optional" }
                                ));
                            } else if old_shape.nullable != shape.nullable {
                                self.other(format!(
                                    "{field} is now {}",
                                    if shape.nullable {
                                        "nullable"
                                    } else {
                                        "not nullable"
                                    }
                                ));
                            }
                            self.shapes(&field, old_shape, shape, request);
                        }
                    }
                }
                for name in old_fields.keys().filter(|n| !new_fields.contains_key(*n)) {
                    self.breaking(format!("{at} field `{name}` removed"));
                }
            }
            (Kind::Array(old_items), Kind::Array(new_items)) => {
                self.shapes(&format!("{at} items"), old_items, new_items, request);
            }
            (Kind::Enum(old_values), Kind::Enum(new_values)) => {
                let added: Vec<_> = new_values.difference(old_values).cloned().collect();
                let removed: Vec<_> = old_values.difference(new_values).cloned().collect();
                if !added.is_empty() {
                    self.added(format!(
                        "{at}: enum values added: {} (already decoded as Open::Unknown; an \
                         exhaustive match on the enum gains variants)",
                        added.join(", ")
                    ));
                }
                if !removed.is_empty() {
                    self.breaking(format!(
                        "{at}: enum values removed: {} (their variants are gone)",
                        removed.join(", ")
                    ));
                }
            }
            (a, b) if a == b => {}
            _ => self.breaking(format!(
                "{at}: type changed from {} to {}",
                describe(old),
                describe(new)
            )),
        }
    }
}

/// Whether typify makes the field an `Option`: when it is optional or
/// nullable, except an optional array, which is a `Vec` that defaults to
/// empty.
fn is_option(shape: &Shape, required: bool) -> bool {
    match shape.kind {
        Kind::Array(_) => shape.nullable,
        _ => shape.nullable || !required,
    }
}

/// Whether a property of a component schema is an `Option` in Rust, as the
/// rules leave the schema; `None` where the property is not the schema's
/// own (inside an `allOf`).
fn rust_option(adapted: &Value, schema: &str, property: &str) -> Option<bool> {
    let schema = adapted.get("components")?.get("schemas")?.get(schema)?;
    let own = schema.get("properties")?.get(property)?;
    let required = schema
        .get("required")
        .and_then(Value::as_sequence)
        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(property)));
    Some(is_option(&shape(adapted, own, &mut Vec::new()), required))
}

/// `in name` -> (required, schema) for each parameter of an operation.
fn parameters<'a>(doc: &'a Value, operation: &'a Value) -> BTreeMap<String, (bool, &'a Value)> {
    operation
        .get("parameters")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let place = p.get("in")?.as_str()?;
            let required = p.get("required").and_then(Value::as_bool) == Some(true);
            Some((
                format!("{name} ({place})"),
                (required, p.get("schema").unwrap_or(&Value::Null)),
            ))
        })
        .collect()
}

/// The schema of a content map at a version: the newest media type not
/// after it, or plain JSON.
fn at_version<'a>(content: &'a Value, version: Option<&str>) -> Option<&'a Value> {
    let map = content.as_mapping()?;
    let versioned = map
        .iter()
        .filter_map(|(m, e)| Some((version_date(m.as_str()?)?, e)))
        .filter(|(date, _)| version.is_none_or(|v| *date <= v))
        .max_by_key(|(date, _)| *date)
        .map(|(_, e)| e);
    versioned
        .or_else(|| map.get("application/json"))
        .and_then(|e| e.get("schema"))
}

fn body_schema<'a>(doc: &'a Value, op: &'a Value, version: Option<&str>) -> Option<&'a Value> {
    let body = resolve(doc, op.get("requestBody")?);
    at_version(body.get("content")?, version)
}

fn responses<'a>(
    doc: &'a Value,
    op: &'a Value,
    version: Option<&str>,
) -> BTreeMap<String, Option<&'a Value>> {
    op.get("responses")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(status, response)| {
            let status = match status {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let response = resolve(doc, response);
            let schema = response.get("content").and_then(|c| at_version(c, version));
            Some((status, schema))
        })
        .collect()
}

/// How many `description` texts at the same place differ.
fn description_edits(old: &Value, new: &Value) -> usize {
    let texts = |doc: &Value| {
        let mut out = BTreeMap::new();
        each_member(
            doc,
            &mut String::new(),
            &mut |at, key, value| match (key, value.as_str()) {
                ("description", Some(text)) => {
                    out.insert(at.to_owned(), text.to_owned());
                    false
                }
                _ => true,
            },
        );
        out
    };
    let (a, b) = (texts(old), texts(new));
    a.iter()
        .filter(|(at, text)| b.get(*at).is_some_and(|other| other != *text))
        .count()
}

#[cfg(test)]
mod tests {
    use super::super::kept::{self, Kept};
    use super::super::{cut::cut, operations};
    use super::compare;

    const UPSTREAM: &str = include_str!("../../tests/fixtures/upstream.yaml");

    fn kept_of(doc: &str) -> Vec<Kept> {
        let value: serde_norway::Value = serde_norway::from_str(doc).unwrap();
        let all = operations(&value);
        ["getGroupThing", "createGroupThing"]
            .iter()
            .map(|id| Kept::new(&value, kept::find(&all, id, "up").unwrap()))
            .collect()
    }

    /// Cuts `old` and `new` with the same kept list and reports.
    fn report(new: &str) -> super::Report {
        let (old_cut, old_kept) = cut(UPSTREAM, &kept_of(UPSTREAM), "up", "a").unwrap();
        let (new_cut, new_kept) = cut(new, &old_kept, "up", "b").unwrap();
        compare(
            &serde_norway::from_str(&old_cut).unwrap(),
            &old_kept,
            &serde_norway::from_str(&new_cut).unwrap(),
            &new_kept,
        )
    }

    fn texts(lines: Vec<&super::Line>) -> Vec<String> {
        lines
            .into_iter()
            .map(|l| format!("{}: {}", l.operations.join(", "), l.text))
            .collect()
    }

    #[test]
    fn the_same_spec_reports_no_change() {
        let report = report(UPSTREAM);
        assert!(report.is_empty());
        assert!(report.render("a", "b").contains("No change"));
    }

    #[test]
    fn each_kind_of_change_lands_in_its_section() {
        let new = UPSTREAM
            .replace("operationId: getGroupThing", "operationId: getThingOfGroup")
            .replace("- RED\n", "- RED\n                - GREEN\n")
            .replace("                size:\n                    type: integer\n", "")
            .replace(
                "            required:\n                - name\n",
                "            required:\n                - name\n                - label\n",
            )
            .replace(
                "                name:\n                    type: string\n            required:",
                "                name:\n                    type: string\n                label:\n                    type: string\n            required:",
            )
            .replace("description: Seconds to wait.", "description: Seconds to wait, at least.");
        let report = report(&new);
        let breaking = texts(report.breaking());
        let added = texts(report.added());
        let other = texts(report.other());
        assert!(
            breaking.contains(
                &"`create_group_thing`: schema `ThingRequest20240530` field `size` removed"
                    .to_owned()
            ),
            "{breaking:?}"
        );
        assert!(
            breaking
                .iter()
                .any(|l| l.contains("field `label` added, required")),
            "{breaking:?}"
        );
        assert!(
            added.iter().any(|l| l
                .contains("`get_group_thing`, `create_group_thing`: schema `Color`")
                && l.contains("GREEN")),
            "{added:?}"
        );
        assert!(
            other.contains(
                &"`get_group_thing`: operationId renamed upstream, getGroupThing -> \
                  getThingOfGroup; the Rust name is kept"
                    .to_owned()
            ),
            "{other:?}"
        );
        assert!(
            report.render("a", "b").contains("1 description edited"),
            "{}",
            report.render("a", "b")
        );
    }

    /// The report of adding `operation` (YAML of a path item's method,
    /// under `path`) to the kept list, with the rules' changes.
    /// Judged on the generated code: "Breaking Changes" are the items, each
    /// with the spec line that caused it; the spec's incompatible changes
    /// that no item shows are "API Changes That Compile".
    #[test]
    fn judged_on_the_generated_code_a_break_names_its_item_and_its_cause() {
        let new = UPSTREAM
            .replace("                size:\n                    type: integer\n", "")
            .replace(
                "            required:\n                - name\n",
                "            required:\n                - name\n                - label\n",
            )
            .replace(
                "                name:\n                    type: string\n            required:",
                "                name:\n                    type: string\n                label:\n                    type: string\n            required:",
            );
        let mut report = report(&new);
        let read = |code: &str| {
            let mut surface = super::Surface::default();
            surface.rust(code, super::surface::CLIENT).unwrap();
            surface
        };
        let old = read(
            "pub mod types { pub struct ThingRequest20240530 { pub name: String, pub size: Option<i64> } }",
        );
        let new = read(
            "pub mod types { pub struct ThingRequest20240530 { pub name: String, pub label: String } }",
        );
        report.judge(&super::surface::diff(&old, &new), &old, &new);
        let rendered = report.render("a", "b");
        let section = |title: &str| {
            rendered
                .split(&format!("### {title}\n"))
                .nth(1)
                .map(|rest| rest.split("\n### ").next().unwrap_or_default().to_owned())
                .unwrap_or_default()
        };
        let breaking = section("Breaking Changes");
        assert!(
            breaking.contains(
                "`atlas_live_migration_api::types::ThingRequest20240530::size`: field removed. \
                 Cause: `create_group_thing`: schema `ThingRequest20240530` field `size` removed"
            ),
            "{rendered}"
        );
        assert!(
            breaking.contains("::ThingRequest20240530::label`: field added: a struct literal"),
            "{rendered}"
        );
        // What caused a break is said there, not again.
        assert!(
            !section("API Changes That Compile").contains("field `size` removed"),
            "{rendered}"
        );
        // Where no item changed, the spec's incompatible changes compile.
        let mut report = super::tests::report(&UPSTREAM.replace(
            "                size:\n                    type: integer\n",
            "",
        ));
        let nothing = super::Surface::default();
        report.judge(&[], &nothing, &nothing);
        let rendered = report.render("a", "b");
        assert!(!rendered.contains("### Breaking Changes"), "{rendered}");
        assert!(
            rendered.contains("### API Changes That Compile\n\n- `create_group_thing`: schema `ThingRequest20240530` field `size` removed"),
            "{rendered}"
        );
    }

    fn report_adding(base: &str, path: &str, method: &str, operation: &str) -> super::Report {
        let new = base.replace(
            "paths:\n",
            &format!("paths:\n    {path}:\n        {method}:\n{operation}"),
        );
        let (old_cut, old_kept) = cut(base, &kept_of(base), "up", "a").unwrap();
        let value: serde_norway::Value = serde_norway::from_str(&new).unwrap();
        let all = operations(&value);
        let mut kept = old_kept.clone();
        kept.push(Kept::new(&value, kept::find(&all, "added", "up").unwrap()));
        let (new_cut, new_kept) = cut(&new, &kept, "up", "b").unwrap();
        with_rules(&old_cut, &old_kept, &new_cut, &new_kept)
    }

    fn with_rules(
        old_cut: &str,
        old_kept: &[Kept],
        new_cut: &str,
        new_kept: &[Kept],
    ) -> super::Report {
        let (old_doc, new_doc): (serde_norway::Value, serde_norway::Value) = (
            serde_norway::from_str(old_cut).unwrap(),
            serde_norway::from_str(new_cut).unwrap(),
        );
        let old_adapted = crate::codegen::adapted_document(old_cut).unwrap();
        let new_adapted = crate::codegen::adapted_document(new_cut).unwrap();
        super::compare_with_rules(
            (&old_doc, old_kept, Some(&old_adapted)),
            (&new_doc, new_kept, &new_adapted),
        )
    }

    /// A required field of a schema only answers reach was an `Option`
    /// already (`ANSWER_PROPERTIES_OPTIONAL`): its becoming optional breaks
    /// nothing, and the report says so.
    #[test]
    fn a_field_judged_by_its_rust_type_as_the_rules_leave_it() {
        let required = UPSTREAM.replace(
            "                    type: array\n            type: object\n",
            "                    type: array\n            required:\n                - _id\n            type: object\n",
        );
        assert_ne!(required, UPSTREAM);
        let (old_cut, old_kept) = cut(&required, &kept_of(&required), "up", "a").unwrap();
        let (new_cut, new_kept) = cut(UPSTREAM, &old_kept, "up", "b").unwrap();
        let plain = compare(
            &serde_norway::from_str(&old_cut).unwrap(),
            &old_kept,
            &serde_norway::from_str(&new_cut).unwrap(),
            &new_kept,
        );
        assert!(
            texts(plain.breaking())
                .iter()
                .any(|l| l.contains("field `_id` is now optional")),
            "on the spec's text alone: {:?}",
            texts(plain.breaking())
        );
        let report = with_rules(&old_cut, &old_kept, &new_cut, &new_kept);
        assert!(
            texts(report.breaking()).is_empty(),
            "{:?}",
            texts(report.breaking())
        );
        assert!(
            texts(report.other()).iter().any(|l| l.contains(
                "schema `Thing` field `_id` is now optional or nullable; its Rust type stays an Option under the rules"
            )),
            "{:?}",
            texts(report.other())
        );
    }

    #[test]
    fn an_added_operation_that_sends_an_answered_schema_adds_a_type_and_changes_none() {
        // A required property: the rules on answers change `Thing`.
        let base = UPSTREAM.replace(
            "                    type: array\n            type: object\n",
            "                    type: array\n            required:\n                - parts\n            type: object\n",
        );
        let report = report_adding(
            &base,
            "/things/{thingId}/copy",
            "put",
            "            operationId: added
            parameters:
                - $ref: '#/components/parameters/thingId'
            requestBody:
                content:
                    application/vnd.atlas.2023-01-01+json:
                        schema:
                            $ref: '#/components/schemas/Thing'
            responses:
                \"204\":
                    description: No Content
",
        );
        let added = texts(report.added());
        // `ThingRequest` is taken, so the copy is the next free name.
        assert!(
            added.iter().any(|l| l
                .contains("schema `Thing` is now sent and answered (was answered only)")
                && l.contains("the new type `ThingRequest2`")
                && l.contains("SHARED_SCHEMA_SPLIT_BY_DIRECTION")),
            "{added:?}"
        );
        assert!(
            texts(report.breaking()).is_empty(),
            "{:?}",
            texts(report.breaking())
        );
    }

    #[test]
    fn an_added_operation_that_answers_a_sent_schema_says_which_types_change() {
        let report = report_adding(
            UPSTREAM,
            "/things/{thingId}/draft",
            "get",
            "            operationId: added
            parameters:
                - $ref: '#/components/parameters/thingId'
            responses:
                \"200\":
                    content:
                        application/vnd.atlas.2024-05-30+json:
                            schema:
                                $ref: '#/components/schemas/ThingRequest20240530'
                    description: OK
",
        );
        let breaking = texts(report.breaking());
        assert!(
            breaking.iter().any(|l| l.contains("`create_group_thing`")
                && l.contains(
                    "schema `ThingRequest20240530` is now sent and answered (was sent only)"
                )
                && l.contains("must build `ThingRequest20240530Request`")),
            "{breaking:?}"
        );
        assert!(
            breaking.iter().any(|l| l.contains(
                "schema `ThingRequest20240530` field `name` is now optional or nullable"
            )),
            "{breaking:?}"
        );
    }

    #[test]
    fn a_newer_version_and_a_sunset_are_said_without_moving() {
        let pinned: Vec<Kept> = kept_of(UPSTREAM)
            .into_iter()
            .map(|k| Kept {
                version: Some("2023-01-01".to_owned()),
                ..k
            })
            .collect();
        let (cut_text, updated) = cut(UPSTREAM, &pinned, "up", "a").unwrap();
        assert_eq!(updated[1].version.as_deref(), Some("2023-01-01"));
        let doc = serde_norway::from_str(&cut_text).unwrap();
        let report = compare(&doc, &updated, &doc, &updated);
        let versions = texts(report.versions());
        assert!(
            versions.iter().any(|l| l.contains("offers 2024-05-30 too")
                && l.contains("--upgrade create_group_thing")),
            "{versions:?}"
        );
        assert!(
            versions
                .iter()
                .any(|l| l.contains("to be sunset on 2027-07-01")),
            "{versions:?}"
        );
    }
}
