//! `cargo xtask spec`: cuts the transcription in `openapi/` from the official
//! Atlas Admin API v2 spec, and says what changed.
//!
//! - [`kept`]: the kept list, which names each operation by what Atlas keeps
//!   stable (method and path) and pins its Rust name and API version;
//! - [`cut`]: the cut itself (the kept operations and what they reference);
//! - [`report`]: the change report between the committed cut and a new one;
//! - [`surface`]: the public items of the generated code, which judge what
//!   the report calls breaking.

pub mod cut;
pub mod kept;
pub mod report;
pub mod surface;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde_norway::Value;
use sha2::{Digest, Sha256};

use kept::Kept;
use surface::Surface;

/// The HTTP methods of an OpenAPI path item, as the document spells them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Reads the official spec: YAML text, plain or gzip-compressed (by content,
/// not by name). Returns the text and the SHA-256 of it, hex.
pub fn read_official(path: &Path) -> Result<(String, String), String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read the spec {}: {e}", path.display()))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .map_err(|e| format!("{} is not a readable gzip file: {e}", path.display()))?;
        text
    } else {
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?
    };
    let digest = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((text, digest))
}

/// One operation of a document: `GET`, its path, and its text.
pub struct Operation<'a> {
    pub method: String,
    pub path: &'a str,
    pub value: &'a Value,
}

impl Operation<'_> {
    /// `GET /api/atlas/v2/groups/{groupId}`: how the kept list names it.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }

    pub fn operation_id(&self) -> &str {
        self.text("operationId").unwrap_or_default()
    }

    /// The shorter name the official SDK and CLI use, where there is one.
    pub fn id_override(&self) -> Option<&str> {
        self.text("x-xgen-operation-id-override")
    }
}

/// Every operation of `doc`, in the document's order.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let Some(paths) = doc.get("paths").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(|(path, item)| Some((path.as_str()?, item.as_mapping()?)))
        .flat_map(|(path, item)| {
            item.iter().filter_map(move |(method, value)| {
                let method = method.as_str()?;
                METHODS.contains(&method).then(|| Operation {
                    method: method.to_ascii_uppercase(),
                    path,
                    value,
                })
            })
        })
        .collect()
}

use crate::codegen::atlas_media_type;
/// `Some("2023-01-01")` for `application/vnd.atlas.2023-01-01+json`: the
/// generator's own reading, so the cut and the generation agree on versions.
pub use crate::codegen::atlas_version_date as version_date;

pub use crate::codegen::walk::{lookup, resolve};

/// The request body's and responses' `content` maps of an operation.
pub fn contents<'a>(doc: &'a Value, operation: &'a Value) -> Vec<(&'static str, &'a Value)> {
    let mut out = Vec::new();
    if let Some(body) = operation.get("requestBody")
        && let Some(content) = resolve(doc, body).get("content")
    {
        out.push(("body", content));
    }
    if let Some(responses) = operation.get("responses").and_then(Value::as_mapping) {
        for response in responses.values() {
            if let Some(content) = resolve(doc, response).get("content") {
                out.push(("response", content));
            }
        }
    }
    out
}

/// The API versions an operation offers, each with its `x-sunset` date if
/// any media type of that version has one.
pub fn versions(doc: &Value, operation: &Value) -> BTreeMap<String, Option<String>> {
    let mut versions: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (_, content) in contents(doc, operation) {
        for (media_type, entry) in content.as_mapping().into_iter().flatten() {
            let Some((date, _)) = media_type.as_str().and_then(atlas_media_type) else {
                continue;
            };
            let sunset = entry.get("x-sunset").map(|s| match s {
                Value::String(s) => s.clone(),
                other => serde_norway::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            });
            let slot = versions.entry(date.to_owned()).or_default();
            if slot.is_none() {
                *slot = sunset;
            }
        }
    }
    versions
}

/// The version a newly kept operation is pinned to: the newest without a
/// sunset date, else the newest. `None` for an operation with no versioned
/// media type.
pub fn default_version(versions: &BTreeMap<String, Option<String>>) -> Option<String> {
    versions
        .iter()
        .rev()
        .find(|(_, sunset)| sunset.is_none())
        .or_else(|| versions.iter().next_back())
        .map(|(date, _)| date.clone())
}

/// What `cargo xtask spec --from` is asked besides the spec.
pub struct Asked<'a> {
    /// Operations to keep too (`--add`).
    pub add: &'a [String],
    /// Kept operations to move to their newest version (`--upgrade`).
    pub upgrade: &'a [String],
    /// Take the spec's `required` as it is (`--unpin-required`).
    pub unpin_required: bool,
    /// Take the spec's value checks as they are (`--unpin-checked`).
    pub unpin_checked: bool,
}

/// A new cut and what it changes.
pub struct Update {
    /// The new cut's text.
    pub cut: String,
    /// What changed, judged on the generated code of both cuts.
    pub report: report::Report,
    /// The file the committed cut was cut from.
    pub from_name: String,
}

/// Why the spec could not be cut, with the renames it shows (which help to
/// find a moved or renamed operation).
pub struct NotCut {
    pub renames: String,
    pub problem: String,
}

impl From<String> for NotCut {
    fn from(problem: String) -> Self {
        NotCut {
            renames: String::new(),
            problem,
        }
    }
}

/// Cuts `official_doc` with the kept list of the `committed` cut (and what
/// is `asked`), and reports what changed: `cargo xtask spec --from` without
/// its files. `source` names the official file, `digest` is its SHA-256.
pub fn update(
    committed: &str,
    official_doc: &Value,
    source: &str,
    digest: &str,
    asked: &Asked,
) -> Result<Update, NotCut> {
    let committed_kept = kept::read(committed).map_err(NotCut::from)?;
    let all = operations(official_doc);

    let mut kept = committed_kept.clone();
    for selector in asked.add {
        let operation = kept::find(&all, selector, source)?;
        if !kept.iter().any(|k| k.key() == operation.key()) {
            kept.push(Kept::new(official_doc, operation));
        }
    }
    for selector in asked.upgrade {
        let entry = kept::find_kept(&mut kept, official_doc, selector, source)?;
        let operation = all
            .iter()
            .find(|o| o.key() == entry.key())
            .ok_or_else(|| format!("{} is not in {source}", entry.key()))?;
        entry.version = Kept::new(official_doc, operation).version;
    }
    let committed_doc: Value = serde_norway::from_str(committed).unwrap_or(Value::Null);
    // The CLI's command name at the committed cut (Atlas's override of the
    // operationId) stays an alias when the spec changes it; a renamed
    // operationId is kept by the cut itself.
    for (entry, before) in kept.iter_mut().filter_map(|entry| {
        let before = operations(&committed_doc)
            .into_iter()
            .find(|o| o.key() == entry.key())?
            .id_override()?
            .to_owned();
        Some((entry, before))
    }) {
        let now = all.iter().find(|o| o.key() == entry.key());
        entry.remember(&before, now.and_then(|o| o.id_override()));
    }
    drop(all);

    // What the rules make of the committed cut: a cut that no longer adapts
    // (an older layout) is reported on the spec's text alone.
    let adapted_committed = crate::codegen::adapted_document(committed).ok();
    // Rule REQUIRED_REQUEST_MEMBERS_KEPT: what requests sent at the
    // committed cut and required there stays required.
    let pins = match (&adapted_committed, asked.unpin_required) {
        (Some(adapted), false) => {
            let sent = adapted
                .directions
                .iter()
                .filter(|(_, direction)| **direction != "answered only")
                .map(|(name, _)| name.clone())
                .collect();
            kept::pins(&committed_doc, &sent, official_doc)
        }
        _ => kept::Pins::new(),
    };
    // Rule CHECKED_STRING_TYPES_KEPT: a string the committed cut held in a
    // checked newtype keeps it when the spec drops the check.
    let checked = if asked.unpin_checked {
        BTreeSet::new()
    } else {
        let as_json = |doc: &Value| serde_json::to_value(doc).unwrap_or(serde_json::Value::Null);
        crate::codegen::kept_checked(&as_json(&committed_doc), &as_json(official_doc))
    };
    let (cut, new_kept) = match cut::cut_document(
        official_doc,
        &kept,
        &cut::KeptTypes {
            required: &pins,
            checked: &checked,
        },
        source,
        digest,
    ) {
        Ok(cut) => cut,
        Err(problem) => {
            let renames = report::compare::renames(&kept, official_doc).render(
                "the committed cut",
                &format!("{} (not cut)", cut::file_name(source)),
            );
            return Err(NotCut { renames, problem });
        }
    };
    let cut_doc: Value =
        serde_norway::from_str(&cut).map_err(|e| format!("the cut does not read back: {e}"))?;
    let adapted_cut = crate::codegen::adapted_document(&cut)?;
    let mut report = report::compare::compare_with_rules(
        (&committed_doc, &committed_kept, adapted_committed.as_ref()),
        (&cut_doc, &new_kept, &adapted_cut),
    );
    // What breaks is judged on the generated code of both cuts; a committed
    // cut this generator cannot take is judged on the spec's text. The same
    // text generates the same code: nothing to compare.
    if cut == committed {
        report.judge(&[], &Surface::default(), &Surface::default());
    } else {
        let new_surface = Surface::of_cut(&cut)?;
        if let Ok(old_surface) = Surface::of_cut(committed) {
            let changes = surface::diff::diff(&old_surface, &new_surface);
            report.judge(&changes, &old_surface, &new_surface);
        }
    }
    let from_name = committed_doc
        .get(cut::SOURCE_KEY)
        .and_then(|r| r.get("file"))
        .and_then(Value::as_str)
        .unwrap_or("(no committed cut)")
        .to_owned();
    Ok(Update {
        cut,
        report,
        from_name,
    })
}
