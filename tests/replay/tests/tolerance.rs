//! Every success answer of every operation of the official spec, as the
//! real Atlas sends it, decodes: tolerance proven on the whole spec, not on
//! a corpus (`tests/replay/openapi.yaml` keeps all 540 operations).
//!
//! For each operation's success schema (the pinned version's, read as JSON)
//! the test builds values from the spec's own schema: every property,
//! every nesting level, arrays with an item, maps with an entry, and every
//! `oneOf`/`anyOf` variant (values are built until each variant of each
//! choice has been taken once; nested choices inside a variant are covered
//! by the same count). Each value is sent as the spec has it and then with
//! each deviation the real Atlas is known to make, applied everywhere in
//! the value at once:
//!
//! | deviation | what changes |
//! | --- | --- |
//! | `as-specified` | nothing |
//! | `required-left-out` | every required member left out (a discriminator, which tells variants apart, stays) |
//! | `null-not-nullable` | `null` for every member the spec does not mark nullable |
//! | `unlisted-enum-value` | every string enum value replaced by one the spec does not list |
//! | `outside-pattern-or-length` | every string with a pattern or a length bound replaced by one outside them |
//! | `outside-bounds` | every number with a bound replaced by one outside it |
//! | `extra-member` | every object gains a member the spec does not have |
//!
//! Each value goes through the decode the client runs on a JSON success
//! (`DECODERS`: the runtime's pass, then the operation's generated type)
//! and must decode. What decodes is written again as JSON and compared with
//! what was sent: every scalar sent must be read back at its place (a member
//! the spec does not have excepted: the generated types keep only the spec's
//! members). A value that does not decode fails the test; a scalar not read
//! back is listed, with its reason, in `tests/replay/unrepresented.txt`, and
//! the test fails on one outside that list (and on a listed one that reads
//! now). The counts are printed (`--nocapture`).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value as J};
use serde_norway::Value as Yaml;

include!(concat!(env!("OUT_DIR"), "/decode.rs"));

/// An unlisted enum value, as Atlas adds them.
const UNLISTED: &str = "VALUE_ADDED_LATER";
/// A member no schema has.
const EXTRA: &str = "memberAddedLater";
/// How deep a value is built (the official spec nests a cluster's
/// description about a dozen levels); a schema reached again inside itself
/// is left out there.
const MAX_DEPTH: usize = 24;
/// At most this many values per answer schema (its choices' variants).
const MAX_VALUES: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Deviation {
    AsSpecified,
    RequiredLeftOut,
    NullNotNullable,
    UnlistedEnumValue,
    OutsidePatternOrLength,
    OutsideBounds,
    ExtraMember,
}

const DEVIATIONS: &[Deviation] = &[
    Deviation::AsSpecified,
    Deviation::RequiredLeftOut,
    Deviation::NullNotNullable,
    Deviation::UnlistedEnumValue,
    Deviation::OutsidePatternOrLength,
    Deviation::OutsideBounds,
    Deviation::ExtraMember,
];

impl Deviation {
    fn name(self) -> &'static str {
        match self {
            Self::AsSpecified => "as-specified",
            Self::RequiredLeftOut => "required-left-out",
            Self::NullNotNullable => "null-not-nullable",
            Self::UnlistedEnumValue => "unlisted-enum-value",
            Self::OutsidePatternOrLength => "outside-pattern-or-length",
            Self::OutsideBounds => "outside-bounds",
            Self::ExtraMember => "extra-member",
        }
    }
}

/// How a value's choices are made: each `oneOf`/`anyOf` site (its place in
/// the value) takes a variant.
enum Choose<'a> {
    /// The first variant not yet `taken` at that site (over every build of
    /// one schema), recorded in `chosen`.
    Cover {
        taken: &'a mut BTreeSet<(String, usize)>,
        chosen: BTreeMap<String, usize>,
    },
    /// The variants recorded by a `Cover` build.
    Fixed(&'a BTreeMap<String, usize>),
}

struct Builder<'a> {
    cut: &'a Yaml,
    deviation: Deviation,
    choose: Choose<'a>,
    /// Places deviated (counted) and places whose value the types need not
    /// keep (extra members).
    deviated: usize,
    not_kept: Vec<String>,
    /// The path parameters' ID types by name, with their pattern: a
    /// property typify names like one, with its pattern, is that type
    /// (`PATH_PARAMETER_AS_SHARED_TYPE`), checked in answers too.
    ids: &'a BTreeMap<String, String>,
    /// Strings left as the spec has them because they are such an ID.
    ids_kept: usize,
}

fn pointer(path: &str, key: &str) -> String {
    format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn json(value: &Yaml) -> J {
    serde_json::to_value(value).unwrap_or(J::Null)
}

/// The schema a `$ref` points at, and its name; any other schema as it is.
fn resolve<'s>(cut: &'s Yaml, schema: &'s Yaml) -> (&'s Yaml, Option<String>) {
    match schema["$ref"].as_str() {
        Some(target) => {
            let name = target.rsplit('/').next().unwrap().to_owned();
            (&cut["components"]["schemas"][name.as_str()], Some(name))
        }
        None => (schema, None),
    }
}

impl<'a> Builder<'a> {
    fn new(
        cut: &'a Yaml,
        ids: &'a BTreeMap<String, String>,
        deviation: Deviation,
        choose: Choose<'a>,
    ) -> Self {
        Self {
            cut,
            deviation,
            choose,
            deviated: 0,
            not_kept: Vec::new(),
            ids,
            ids_kept: 0,
        }
    }

    /// A value of `schema` at `path`; `None` where none is built (a schema
    /// inside itself, too deep).
    fn value(&mut self, schema: &Yaml, path: &str, stack: &mut Vec<String>) -> Option<J> {
        if stack.len() > MAX_DEPTH {
            return None;
        }
        let cut = self.cut;
        let (schema, name) = resolve(cut, schema);
        if let Some(name) = &name {
            if stack.contains(name) {
                return None;
            }
            stack.push(name.clone());
        }
        let value = self.resolved(schema, path, stack);
        if name.is_some() {
            stack.pop();
        }
        value
    }

    fn resolved(&mut self, schema: &Yaml, path: &str, stack: &mut Vec<String>) -> Option<J> {
        let variants = schema["oneOf"]
            .as_sequence()
            .or_else(|| schema["anyOf"].as_sequence())
            .filter(|v| !v.is_empty());
        if let Some(variants) = variants {
            let site = format!("{}#{path}", stack.last().map_or("", String::as_str));
            let index = self.choice(&site, variants.len());
            let variant = &variants[index];
            let mut value = self.value(variant, path, stack)?;
            // A discriminator names the variant (Atlas always sends it).
            if let (Some(property), J::Object(map)) =
                (schema["discriminator"]["propertyName"].as_str(), &mut value)
                && let Some(key) = discriminator_key(schema, variant)
            {
                map.insert(property.to_owned(), J::String(key));
            }
            // Members the schema itself has beside its variants.
            if schema["properties"].is_mapping()
                && let (J::Object(map), Some(J::Object(own))) =
                    (&mut value, self.object(schema, path, stack))
            {
                for (key, member) in own {
                    map.entry(key).or_insert(member);
                }
            }
            return Some(value);
        }
        if let Some(parts) = schema["allOf"].as_sequence() {
            let mut merged = Map::new();
            for part in parts {
                // A polymorphic base's own members only: its variants are
                // what is being built.
                let cut = self.cut;
                let (resolved, name) = resolve(cut, part);
                if let Some(name) = &name {
                    if stack.contains(name) {
                        continue;
                    }
                    stack.push(name.clone());
                }
                let part_value =
                    if resolved["oneOf"].is_sequence() || resolved["anyOf"].is_sequence() {
                        self.object(resolved, path, stack)
                    } else {
                        self.resolved(resolved, path, stack)
                    };
                if name.is_some() {
                    stack.pop();
                }
                if let Some(J::Object(map)) = part_value {
                    merged.extend(map);
                }
            }
            if let Some(J::Object(own)) = self.object(schema, path, stack) {
                merged.extend(own);
            }
            return Some(J::Object(merged));
        }
        let kind = schema["type"].as_str().or_else(|| {
            if schema["properties"].is_mapping() || schema["additionalProperties"].is_mapping() {
                Some("object")
            } else {
                None
            }
        });
        match kind {
            Some("object") => self.object(schema, path, stack),
            Some("array") => {
                let item = self.value(&schema["items"], &format!("{path}/0"), stack);
                Some(J::Array(item.into_iter().collect()))
            }
            Some("string") => Some(self.string(schema)),
            Some("integer" | "number") => Some(self.number(schema)),
            Some("boolean") => Some(J::Bool(true)),
            _ => Some(if schema["example"].is_null() {
                J::Object(Map::new())
            } else {
                json(&schema["example"])
            }),
        }
    }

    fn choice(&mut self, site: &str, count: usize) -> usize {
        match &mut self.choose {
            Choose::Fixed(chosen) => chosen.get(site).copied().unwrap_or(0).min(count - 1),
            Choose::Cover { taken, chosen } => {
                let index = (0..count)
                    .find(|i| !taken.contains(&(site.to_owned(), *i)))
                    .unwrap_or(0);
                taken.insert((site.to_owned(), index));
                chosen.insert(site.to_owned(), index);
                index
            }
        }
    }

    fn object(&mut self, schema: &Yaml, path: &str, stack: &mut Vec<String>) -> Option<J> {
        let mut map = Map::new();
        let required: BTreeSet<&str> = schema["required"]
            .as_sequence()
            .map(|r| r.iter().filter_map(Yaml::as_str).collect())
            .unwrap_or_default();
        let discriminator = schema["discriminator"]["propertyName"].as_str();
        if let Some(properties) = schema["properties"].as_mapping() {
            for (key, property) in properties {
                let Some(key) = key.as_str() else { continue };
                let (resolved, _) = resolve(self.cut, property);
                if resolved["writeOnly"].as_bool() == Some(true)
                    || property["writeOnly"].as_bool() == Some(true)
                {
                    continue;
                }
                if self.deviation == Deviation::RequiredLeftOut
                    && required.contains(key)
                    && discriminator != Some(key)
                {
                    self.deviated += 1;
                    continue;
                }
                let nullable = property["nullable"].as_bool() == Some(true)
                    || resolved["nullable"].as_bool() == Some(true);
                if self.deviation == Deviation::NullNotNullable && !nullable {
                    self.deviated += 1;
                    map.insert(key.to_owned(), J::Null);
                    continue;
                }
                let id_type = format!(
                    "{}{}",
                    stack
                        .last()
                        .map_or("", String::as_str)
                        .to_upper_camel_case(),
                    key.to_upper_camel_case()
                );
                let is_id = self.deviation == Deviation::OutsidePatternOrLength
                    && resolved["pattern"].as_str().is_some()
                    && self.ids.get(&id_type).map(String::as_str) == resolved["pattern"].as_str();
                if is_id {
                    self.deviation = Deviation::AsSpecified;
                    self.ids_kept += 1;
                }
                let member = self.value(property, &pointer(path, key), stack);
                if is_id {
                    self.deviation = Deviation::OutsidePatternOrLength;
                }
                if let Some(member) = member {
                    map.insert(key.to_owned(), member);
                }
            }
        }
        if let Some(values) = schema["additionalProperties"].as_mapping() {
            let values = Yaml::Mapping(values.clone());
            if let Some(member) = self.value(&values, &pointer(path, "key1"), stack) {
                map.insert("key1".to_owned(), member);
            }
        }
        if self.deviation == Deviation::ExtraMember && !schema["additionalProperties"].is_mapping()
        {
            self.deviated += 1;
            map.insert(EXTRA.to_owned(), J::String("x".to_owned()));
            self.not_kept.push(pointer(path, EXTRA));
        }
        Some(J::Object(map))
    }

    fn string(&mut self, schema: &Yaml) -> J {
        if let Some(values) = schema["enum"].as_sequence() {
            if self.deviation == Deviation::UnlistedEnumValue {
                self.deviated += 1;
                return J::String(UNLISTED.to_owned());
            }
            if let Some(first) = values.first() {
                return json(first);
            }
        }
        let bounded = schema["pattern"].is_string()
            || schema["minLength"].is_u64()
            || schema["maxLength"].is_u64();
        if self.deviation == Deviation::OutsidePatternOrLength && bounded {
            self.deviated += 1;
            let max = schema["maxLength"].as_u64();
            let min = schema["minLength"].as_u64().unwrap_or(0);
            return J::String(match max {
                // Longer than allowed, and no pattern matches ` !`.
                Some(max) => " !".repeat(max as usize / 2 + 1),
                None if min > 1 => " !".chars().take(1).collect(),
                None => " !".to_owned(),
            });
        }
        let example = &schema["example"];
        if example.is_string() && schema["format"].as_str() != Some("date-time") {
            return json(example);
        }
        J::String(match schema["format"].as_str() {
            Some("date-time") => "2026-08-01T00:00:00Z".to_owned(),
            Some("date") => "2026-08-01".to_owned(),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
            _ => {
                // 24 hex digits: Atlas's IDs, the patterns most strings have.
                let min = schema["minLength"].as_u64().unwrap_or(24) as usize;
                let max = schema["maxLength"]
                    .as_u64()
                    .map_or(usize::MAX, |m| m as usize);
                "0123456789abcdef".repeat(8)[..min.max(1).min(max.max(1))].to_owned()
            }
        })
    }

    fn number(&mut self, schema: &Yaml) -> J {
        let integer = schema["type"].as_str() == Some("integer");
        let minimum = schema["minimum"].as_f64();
        let maximum = schema["maximum"].as_f64();
        if self.deviation == Deviation::OutsideBounds && (minimum.is_some() || maximum.is_some()) {
            self.deviated += 1;
            let outside = match (minimum, maximum) {
                (_, Some(max)) => max + 1.0,
                (Some(min), None) => min - 1.0,
                (None, None) => unreachable!(),
            };
            return number_value(outside, integer);
        }
        if let Some(values) = schema["enum"].as_sequence().and_then(|v| v.first()) {
            return json(values);
        }
        let inside = match (minimum, maximum) {
            (Some(min), _) => min.max(1.0).min(maximum.unwrap_or(f64::MAX)),
            (None, Some(max)) => max.min(1.0),
            (None, None) => 1.0,
        };
        number_value(inside, integer)
    }
}

fn number_value(value: f64, integer: bool) -> J {
    if integer || value.fract() == 0.0 {
        J::from(value as i64)
    } else {
        J::from(value)
    }
}

/// The discriminator's value that names `variant` (its mapping's key, else
/// the variant's schema name).
fn discriminator_key(schema: &Yaml, variant: &Yaml) -> Option<String> {
    let target = variant["$ref"].as_str()?;
    let mapped = schema["discriminator"]["mapping"]
        .as_mapping()
        .and_then(|mapping| {
            mapping
                .iter()
                .find(|(_, to)| to.as_str() == Some(target))
                .and_then(|(key, _)| key.as_str().map(str::to_owned))
        });
    mapped.or_else(|| target.rsplit('/').next().map(str::to_owned))
}

/// The version date of an Atlas media type.
fn version_of(media_type: &str) -> Option<&str> {
    let rest = media_type.strip_prefix("application/vnd.atlas.")?;
    Some(rest.get(..10)?).filter(|d| d.as_bytes()[4] == b'-')
}

/// Each kept operation's Rust name and its success answer schemas in the
/// pinned version's JSON media type.
fn success_schemas(cut: &Yaml) -> Vec<(String, Vec<Yaml>)> {
    let mut operations = Vec::new();
    for entry in cut["x-kept-operations"].as_sequence().unwrap() {
        let (method, path) = entry["operation"]
            .as_str()
            .unwrap()
            .split_once(' ')
            .unwrap();
        let version = entry["version"].as_str();
        let responses = &cut["paths"][path][method.to_ascii_lowercase()]["responses"];
        let mut schemas = Vec::new();
        for (status, response) in responses.as_mapping().into_iter().flatten() {
            let status = match status {
                Yaml::String(s) => s.clone(),
                other => serde_norway::to_string(other).unwrap().trim().to_owned(),
            };
            if !status.starts_with('2') {
                continue;
            }
            let response = match response["$ref"].as_str() {
                Some(target) => &cut["components"]["responses"][target.rsplit('/').next().unwrap()],
                None => response,
            };
            for (media, content) in response["content"].as_mapping().into_iter().flatten() {
                let media = media.as_str().unwrap_or_default();
                // The pinned version's media type, or plain JSON; the
                // preview only for an operation that has nothing else (no
                // version pinned): `ONE_VERSION_PER_OPERATION` drops it
                // beside a version.
                let json_media = media.ends_with("+json") || media == "application/json";
                let versioned = version_of(media);
                let pinned = match versioned {
                    Some(_) => versioned == version,
                    None => media == "application/json" || version.is_none(),
                };
                if json_media
                    && pinned
                    && !content["schema"].is_null()
                    && !schemas.contains(&content["schema"])
                {
                    schemas.push(content["schema"].clone());
                }
            }
        }
        operations.push((entry["rust-name"].as_str().unwrap().to_owned(), schemas));
    }
    operations
}

/// The path parameters' types by name (`GroupId`) with their pattern: the
/// spec's shared parameters first (their check is the type's), then inline
/// ones for names without a shared one.
fn path_parameter_types(cut: &Yaml) -> BTreeMap<String, String> {
    let mut types = BTreeMap::new();
    let mut record = |parameter: &Yaml| {
        if parameter["in"].as_str() == Some("path")
            && let (Some(name), Some(pattern)) = (
                parameter["name"].as_str(),
                parameter["schema"]["pattern"].as_str(),
            )
        {
            types
                .entry(name.to_upper_camel_case())
                .or_insert_with(|| pattern.to_owned());
        }
    };
    for (_, parameter) in cut["components"]["parameters"]
        .as_mapping()
        .into_iter()
        .flatten()
    {
        record(parameter);
    }
    for (_, item) in cut["paths"].as_mapping().into_iter().flatten() {
        for (_, operation) in item.as_mapping().into_iter().flatten() {
            for parameter in operation["parameters"].as_sequence().into_iter().flatten() {
                record(parameter);
            }
        }
    }
    types
}

/// Every scalar of `sent` (by JSON pointer) that `read` does not have at its
/// place, but for the places under `not_kept`.
fn not_read_back(sent: &J, read: &J, path: &str, not_kept: &[String], out: &mut Vec<String>) {
    if not_kept.iter().any(|p| p == path) {
        return;
    }
    match sent {
        J::Object(map) => {
            for (key, member) in map {
                not_read_back(member, read, &pointer(path, key), not_kept, out);
            }
        }
        J::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                not_read_back(item, read, &format!("{path}/{index}"), not_kept, out);
            }
        }
        J::Null => {}
        scalar => {
            let back = read.pointer(path);
            let same = match (scalar, back) {
                (J::Number(a), Some(J::Number(b))) => a.as_f64() == b.as_f64(),
                (a, Some(b)) => a == b,
                (_, None) => false,
            };
            if !same {
                out.push(format!(
                    "{path}: sent {scalar}, read {}",
                    back.map_or("nothing".to_owned(), J::to_string)
                ));
            }
        }
    }
}

#[test]
fn every_success_answer_of_the_official_spec_decodes_with_atlas_deviations() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("the replay cut");
    let cut: Yaml = serde_norway::from_str(&text).expect("the replay cut is YAML");
    let decoders: BTreeMap<&str, _> = DECODERS.iter().copied().collect();
    let operations = success_schemas(&cut);
    let ids = path_parameter_types(&cut);
    let mut ids_kept = 0;
    let (mut decoded_operations, mut bytes, mut schema_count, mut values, mut deviations) =
        (0, 0, 0, 0, 0);
    let mut by_deviation: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut not_a_type = Vec::new();
    let mut no_schema = Vec::new();
    let mut failures = Vec::new();
    // `<operation> <pointer>` -> what was read, and with which deviations.
    let mut unrepresented: BTreeMap<String, (String, BTreeSet<&str>)> = BTreeMap::new();
    for (operation, schemas) in &operations {
        let Some(decode) = decoders.get(operation.as_str()) else {
            if BYTES.contains(&operation.as_str()) {
                bytes += 1;
            } else if !schemas.is_empty() {
                not_a_type.push(operation.clone());
            }
            continue;
        };
        decoded_operations += 1;
        if schemas.is_empty() {
            no_schema.push(operation.clone());
        }
        for schema in schemas {
            schema_count += 1;
            let mut taken = BTreeSet::new();
            for _ in 0..MAX_VALUES {
                let before = taken.len();
                let choose = Choose::Cover {
                    taken: &mut taken,
                    chosen: BTreeMap::new(),
                };
                let mut cover = Builder::new(&cut, &ids, Deviation::AsSpecified, choose);
                cover.value(schema, "", &mut Vec::new());
                let Choose::Cover { chosen, .. } = cover.choose else {
                    unreachable!()
                };
                let new_choice = taken.len() > before;
                for &deviation in DEVIATIONS {
                    let mut builder = Builder::new(&cut, &ids, deviation, Choose::Fixed(&chosen));
                    let Some(sent) = builder.value(schema, "", &mut Vec::new()) else {
                        continue;
                    };
                    if deviation != Deviation::AsSpecified && builder.deviated == 0 {
                        continue; // nothing of this kind in this value
                    }
                    values += 1;
                    deviations += builder.deviated;
                    ids_kept += builder.ids_kept;
                    let counts = by_deviation.entry(deviation.name()).or_default();
                    counts.0 += 1;
                    counts.1 += builder.deviated;
                    let body = serde_json::to_vec(&sent).unwrap();
                    match decode(&body) {
                        Err(error) => {
                            let error: String = error.chars().take(300).collect();
                            failures.push(format!(
                                "{operation} {}: {error}\n    sent: {}",
                                deviation.name(),
                                String::from_utf8_lossy(&body)
                                    .chars()
                                    .take(600)
                                    .collect::<String>()
                            ));
                        }
                        Ok(read) => {
                            let mut lost = Vec::new();
                            not_read_back(&sent, &read, "", &builder.not_kept, &mut lost);
                            for place in lost {
                                let (pointer, what) = place.split_once(": ").unwrap();
                                unrepresented
                                    .entry(format!("{operation} {pointer}"))
                                    .or_insert_with(|| (what.to_owned(), BTreeSet::new()))
                                    .1
                                    .insert(deviation.name());
                            }
                        }
                    }
                }
                if !new_choice {
                    break;
                }
            }
        }
    }
    let counts: Vec<String> = by_deviation
        .iter()
        .map(|(name, (values, places))| format!("{name}: {values} values, {places} places"))
        .collect();
    eprintln!(
        "{} operations kept; {decoded_operations} decode a typed success, {bytes} are answered \
         as bytes, {} answer nothing; {schema_count} success schemas; {values} values, \
         {deviations} places deviated ({}); {ids_kept} ID strings of a path parameter's type \
         left valid (PATH_PARAMETER_AS_SHARED_TYPE checks them in answers too); {} values did \
         not decode; {} places not read back",
        operations.len(),
        operations.len() - decoded_operations - bytes,
        counts.join("; "),
        failures.len(),
        unrepresented.len(),
    );
    if let Ok(path) = std::env::var("TOLERANCE_REPORT") {
        let report: String = unrepresented
            .iter()
            .map(|(key, (what, deviations))| {
                let deviations: Vec<&str> = deviations.iter().copied().collect();
                format!("{key} -- {what} ({})\n", deviations.join(", "))
            })
            .collect();
        let failed: String = failures.iter().map(|f| format!("{f}\n")).collect();
        std::fs::write(&path, report).unwrap();
        std::fs::write(format!("{path}.failures"), failed).unwrap();
    }
    assert!(
        no_schema.is_empty(),
        "operations that decode a type but whose success schema the test did not find: {no_schema:?}"
    );
    assert!(
        not_a_type.is_empty(),
        "JSON success schemas whose operation decodes no type: {not_a_type:?}"
    );
    assert!(
        failures.is_empty(),
        "{} values did not decode:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let listed: BTreeSet<&str> = include_str!("../unrepresented.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(" -- ").next().unwrap().trim())
        .collect();
    let unexpected: Vec<String> = unrepresented
        .iter()
        .filter(|(key, _)| !listed.contains(key.as_str()))
        .map(|(key, (what, deviations))| format!("{key}: {what} ({deviations:?})"))
        .collect();
    let stale: Vec<&&str> = listed
        .iter()
        .filter(|key| !unrepresented.contains_key(**key))
        .collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "places not read back that unrepresented.txt does not list:\n{}\nlisted but read now \
         (take them off):\n{}",
        unexpected
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        stale
            .iter()
            .take(40)
            .map(|s| **s)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
