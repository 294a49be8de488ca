//! The report judged on the generated code: each item whose users break,
//! with its cause in the spec's diff (the schema member, else the
//! operation's parameter, answer or name, else the operations that name it).

use std::collections::BTreeSet;

use super::{Break, Line, Report, Section};
use crate::spec::surface::{self, Kind as ItemKind, Surface};

impl Report {
    /// Judges the report on the generated code: every change of the public
    /// items that breaks their users is a [`Break`], tied to the lines of
    /// the spec's diff that caused it. The spec's incompatible changes that
    /// break no item (a new required parameter, which fails at `send()`)
    /// are then said as API changes that compile.
    pub fn judge(&mut self, changes: &[surface::diff::Change], old: &Surface, new: &Surface) {
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
        change: &surface::diff::Change,
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
}

/// What a changed item is about: the type it belongs to (named for a
/// schema), its member on the wire, the operation it calls.
#[derive(Default)]
pub(super) struct Subject {
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
    fn of(change: &surface::diff::Change, old: &Surface, new: &Surface) -> Self {
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
pub(super) fn users_of_type(ty: &str, old: &Surface, new: &Surface) -> Vec<String> {
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
            let change = surface::diff::Change {
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
pub(super) fn schemas_named(text: &str) -> Vec<&str> {
    text.split("schema `")
        .skip(1)
        .filter_map(|rest| rest.split('`').next())
        .collect()
}

/// A name without case or separators, to match a Rust name to the spec's.
pub(super) fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
