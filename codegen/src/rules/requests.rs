//! Rule `REQUIRED_REQUEST_MEMBERS_KEPT`, on the document as JSON, before
//! the direction rules.

use serde_json::Value;

/// The key, at the top of the cut, of the request members kept required:
/// `{Schema: [member, …]}`, written by `cargo xtask spec`.
pub const KEPT_REQUIRED_KEY: &str = "x-kept-required";

/// Rule `REQUIRED_REQUEST_MEMBERS_KEPT`: a member of a schema that requests
/// send, which an earlier cut required and the spec now lets be left out,
/// stays required. typify would turn its type `T` into `Option<T>`, and
/// every user's code that sets it or builds the struct would stop
/// compiling, where the API did not break: Atlas still takes the member the
/// users' code already sends. `cargo xtask spec` lists such members under
/// [`KEPT_REQUIRED_KEY`] (and says so in its report); `cargo xtask spec
/// --unpin-required` takes the spec's `required` as it is, a change to make
/// on purpose, as moving an API version is. A member the spec drops, or
/// requires again, leaves the list.
pub fn required_request_members_kept(document: &mut Value) {
    let Some(Value::Object(kept)) = document.get(KEPT_REQUIRED_KEY).cloned() else {
        return;
    };
    for (schema, members) in kept {
        let pointer = format!(
            "/components/schemas/{}",
            schema.replace('~', "~0").replace('/', "~1")
        );
        let Some(Value::Object(schema)) = document.pointer_mut(&pointer) else {
            continue;
        };
        let properties: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let required = schema
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(required) = required else {
            continue;
        };
        for member in members
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if properties.iter().any(|p| p == member)
                && !required.iter().any(|r| r.as_str() == Some(member))
            {
                required.push(member.into());
            }
        }
        if required.is_empty() {
            schema.remove("required");
        }
    }
}
