//! The spec's walks, written once: every `$ref` a value holds, a `#/…`
//! pointer looked up, a reference resolved, and what a root reaches through
//! references. The generator's rules read the spec as JSON
//! (`serde_json::Value`); `cargo xtask spec` reads it as YAML
//! (`serde_norway::Value`, which keeps the spec's order for the cut it
//! writes). Both are a [`Node`], so each walk serves both.

use std::collections::BTreeSet;

/// A spec document's value: a map, a list, a string, or anything else.
pub trait Node {
    /// Calls `visit` with each member's key (a map) or `None` (a list's items).
    fn each_child<'a>(&'a self, visit: &mut dyn FnMut(Option<&'a str>, &'a Self));
    /// A map's member.
    fn member(&self, key: &str) -> Option<&Self>;
    /// A string's text.
    fn text(&self) -> Option<&str>;
}

impl Node for serde_json::Value {
    fn each_child<'a>(&'a self, visit: &mut dyn FnMut(Option<&'a str>, &'a Self)) {
        match self {
            serde_json::Value::Object(map) => {
                map.iter().for_each(|(key, value)| visit(Some(key), value))
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| visit(None, item)),
            _ => {}
        }
    }

    fn member(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }

    fn text(&self) -> Option<&str> {
        self.as_str()
    }
}

impl Node for serde_norway::Value {
    fn each_child<'a>(&'a self, visit: &mut dyn FnMut(Option<&'a str>, &'a Self)) {
        match self {
            serde_norway::Value::Mapping(map) => map
                .iter()
                .for_each(|(key, value)| visit(key.as_str(), value)),
            serde_norway::Value::Sequence(items) => items.iter().for_each(|item| visit(None, item)),
            serde_norway::Value::Tagged(tagged) => tagged.value.each_child(visit),
            _ => {}
        }
    }

    fn member(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }

    fn text(&self) -> Option<&str> {
        self.as_str()
    }
}

/// Every `$ref` target in `value`, in document order, appended to `out`.
pub fn refs<N: Node>(value: &N, out: &mut Vec<String>) {
    value.each_child(&mut |key, child| match (key, child.text()) {
        (Some("$ref"), Some(target)) => out.push(target.to_owned()),
        _ => refs(child, out),
    });
}

/// The component schemas `value` refers to, by name (references to shared
/// parameters, bodies or answers are not followed: they are walked as roots
/// of their own).
pub fn schema_refs<N: Node>(value: &N, out: &mut Vec<String>) {
    let mut all = Vec::new();
    refs(value, &mut all);
    out.extend(
        all.into_iter()
            .filter_map(|target| schema_name(&target).map(str::to_owned)),
    );
}

/// The schema a `#/components/schemas/NAME` reference names.
pub fn schema_name(target: &str) -> Option<&str> {
    target.strip_prefix("#/components/schemas/")
}

/// The value a `#/…` pointer names in `doc` (`~1` and `~0` unescaped).
pub fn lookup<'a, N: Node>(doc: &'a N, pointer: &str) -> Option<&'a N> {
    let mut at = doc;
    for part in pointer.strip_prefix("#/")?.split('/') {
        let part = part.replace("~1", "/").replace("~0", "~");
        at = at.member(&part)?;
    }
    Some(at)
}

/// `value`, or what its `$ref` names, followed (up to eight references, a
/// bound on a loop).
pub fn resolve<'a, N: Node>(doc: &'a N, value: &'a N) -> &'a N {
    let mut value = value;
    for _ in 0..8 {
        let Some(target) = value.member("$ref").and_then(Node::text) else {
            return value;
        };
        let Some(found) = lookup(doc, target) else {
            return value;
        };
        value = found;
    }
    value
}

/// Every component `(kind, name)` of `doc` that `root` reaches through
/// references, transitively. A reference that leaves `#/components/` or
/// names nothing is an error that says which.
pub fn reachable<N: Node>(doc: &N, root: &N) -> Result<BTreeSet<(String, String)>, String> {
    let mut reached = BTreeSet::new();
    let mut pending = Vec::new();
    refs(root, &mut pending);
    while let Some(reference) = pending.pop() {
        let Some(pointer) = reference.strip_prefix("#/components/") else {
            return Err(format!(
                "$ref {reference:?} points outside components; only local component \
                 references are followed"
            ));
        };
        let Some((kind, name)) = pointer.split_once('/') else {
            return Err(format!("$ref {reference:?} is not #/components/KIND/NAME"));
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        if !reached.insert((kind.to_owned(), name)) {
            continue;
        }
        let target = lookup(doc, &reference)
            .ok_or_else(|| format!("$ref {reference:?} names nothing in the spec"))?;
        refs(target, &mut pending);
    }
    Ok(reached)
}

/// The component schemas `roots` reach through schema references alone,
/// by name; `schema` finds a schema by its name.
pub fn schema_closure<'a, N: Node + 'a>(
    schema: impl Fn(&str) -> Option<&'a N>,
    roots: impl IntoIterator<Item = &'a N>,
) -> BTreeSet<String> {
    let mut pending = Vec::new();
    for root in roots {
        schema_refs(root, &mut pending);
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone())
            && let Some(found) = schema(&name)
        {
            schema_refs(found, &mut pending);
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"
paths:
  /a:
    get:
      parameters: [{$ref: "#/components/parameters/p"}]
      responses:
        "200": {content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}
components:
  parameters:
    p: {name: p, in: query, schema: {$ref: "#/components/schemas/P"}}
  schemas:
    A: {properties: {b: {$ref: "#/components/schemas/B"}}}
    B: {items: {$ref: "#/components/schemas/A"}}
    P: {type: string}
    a~1b: {type: string}
    Unused: {type: string}
"##;

    fn both() -> (serde_norway::Value, serde_json::Value) {
        (
            serde_norway::from_str(DOC).unwrap(),
            serde_norway::from_str(DOC).unwrap(),
        )
    }

    fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        items
            .iter()
            .map(|(k, n)| ((*k).to_owned(), (*n).to_owned()))
            .collect()
    }

    #[test]
    fn yaml_and_json_reach_the_same_components_through_cycles_and_shared_parameters() {
        let (yaml, json) = both();
        let want = set(&[
            ("parameters", "p"),
            ("schemas", "A"),
            ("schemas", "B"),
            ("schemas", "P"),
        ]);
        assert_eq!(reachable(&yaml, &yaml["paths"]).unwrap(), want);
        assert_eq!(reachable(&json, &json["paths"]).unwrap(), want);
    }

    #[test]
    fn a_reference_out_of_components_or_to_nothing_is_an_error_naming_it() {
        let doc: serde_json::Value =
            serde_json::json!({"paths": {"$ref": "#/components/schemas/Missing"}});
        let error = reachable(&doc, &doc["paths"]).unwrap_err();
        assert!(error.contains("#/components/schemas/Missing"), "{error}");
        let doc = serde_json::json!({"paths": {"$ref": "other.yaml#/X"}});
        assert!(
            reachable(&doc, &doc["paths"])
                .unwrap_err()
                .contains("outside")
        );
    }

    #[test]
    fn schema_refs_follow_schemas_alone() {
        let (yaml, json) = both();
        let names = |found: BTreeSet<String>| found.into_iter().collect::<Vec<_>>();
        let schemas = &json["components"]["schemas"];
        let from_json = schema_closure(|n| schemas.get(n), [&json["paths"]]);
        // The shared parameter is not followed: P is not reached.
        assert_eq!(names(from_json), ["A", "B"]);
        let schemas = &yaml["components"]["schemas"];
        let from_yaml = schema_closure(|n| schemas.get(n), [&yaml["paths"]]);
        assert_eq!(names(from_yaml), ["A", "B"]);
    }

    #[test]
    fn lookup_unescapes_and_resolve_follows_references() {
        let (yaml, json) = both();
        assert!(lookup(&json, "#/components/schemas/a~1b").is_none());
        // `~0` is `~`: the key is "a~1b".
        assert!(lookup(&yaml, "#/components/schemas/a~01b").is_some());
        let reference = serde_json::json!({"$ref": "#/components/schemas/P"});
        assert_eq!(resolve(&json, &reference)["type"], "string");
        let pointer = "#/paths/~1a/get";
        assert!(lookup(&yaml, pointer).is_some());
        assert!(lookup(&json, pointer).is_some());
    }
}
