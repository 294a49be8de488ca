//! Two surfaces compared, each change judged for the code that uses the item.

use super::{Item, Kind, Surface};

/// One change between two surfaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub old: Option<Item>,
    pub new: Option<Item>,
    /// Whether code that used the item (or a script that called it) stops
    /// compiling (or working).
    pub breaking: bool,
}

impl Change {
    /// The item as it is now, else as it was.
    pub fn item(&self) -> &Item {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .expect("a change has a side")
    }

    /// What changed, in words that say what a user's code must do.
    pub fn describe(&self) -> String {
        let noun = self.item().kind.noun();
        match (&self.old, &self.new) {
            (Some(_), None) => format!("{noun} removed"),
            (None, Some(new)) => match new.kind {
                Kind::Field if self.breaking => {
                    "field added: a struct literal must set it (the builder need not)".to_owned()
                }
                Kind::Variant if self.breaking => {
                    "variant added: an exhaustive `match` must cover it".to_owned()
                }
                Kind::Flag if self.breaking => {
                    "required flag added: a script must pass it".to_owned()
                }
                _ => format!("{noun} added"),
            },
            (Some(old), Some(new)) => match new.kind {
                Kind::Field => format!("type `{}` -> `{}`", old.signature, new.signature),
                Kind::Variant if old.signature.starts_with('=') => format!(
                    "discriminant {} -> {} (the spec reordered the values: an `as` cast \
                     gives another number)",
                    old.signature.trim_start_matches("= "),
                    new.signature.trim_start_matches("= ")
                ),
                Kind::Impl => format!(
                    "associated types `{}` -> `{}`",
                    old.signature, new.signature
                ),
                _ => format!("`{}` -> `{}`", old.signature, new.signature),
            },
            (None, None) => String::new(),
        }
    }
}

/// What changed from `old` to `new`: items removed, changed and added, the
/// children of an item removed or added with it left out (its line says it).
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, was) in &old.0 {
        match new.0.get(path) {
            None => changes.push(Change {
                path: path.clone(),
                old: Some(was.clone()),
                new: None,
                breaking: true,
            }),
            Some(now) if now.signature != was.signature || now.kind != was.kind => {
                changes.push(Change {
                    path: path.clone(),
                    old: Some(was.clone()),
                    new: Some(now.clone()),
                    breaking: true,
                })
            }
            Some(_) => {}
        }
    }
    for (path, now) in &new.0 {
        if old.0.contains_key(path) {
            continue;
        }
        // Adding to what a literal, a `match` or a script spells out breaks
        // it; anything else added is a feature.
        let parent_closed = now
            .parent
            .as_ref()
            .and_then(|p| old.0.get(p))
            .is_some_and(|p| p.closed);
        let breaking = parent_closed
            && match now.kind {
                Kind::Field | Kind::Variant => true,
                Kind::Flag => now.signature.starts_with("required"),
                _ => false,
            };
        changes.push(Change {
            path: path.clone(),
            old: None,
            new: Some(now.clone()),
            breaking,
        });
    }
    // A change whose parent went or came with it is said by the parent's line.
    let whole: std::collections::BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.old.is_none() || c.new.is_none())
        .map(|c| c.path.as_str())
        .collect();
    let keep: Vec<bool> = changes
        .iter()
        .map(|c| {
            !c.item()
                .parent
                .as_deref()
                .is_some_and(|p| whole.contains(p) && (c.old.is_none() || c.new.is_none()))
        })
        .collect();
    changes
        .into_iter()
        .zip(keep)
        .filter_map(|(c, keep)| keep.then_some(c))
        .collect()
}
