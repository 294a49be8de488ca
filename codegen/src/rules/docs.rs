//! The rule on the spec's text: descriptions as rustdoc reads them.

/// Rule `CODE_BLOCK_AS_TEXT`: every opening code fence without a language in a
/// `description` gets `text`.
pub(crate) fn mark_code_blocks_as_text(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    serde_json::Value::String(text) if key == "description" => {
                        if text.contains("```") {
                            *text = tag_fences(text);
                        }
                    }
                    _ => mark_code_blocks_as_text(value),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mark_code_blocks_as_text),
        _ => {}
    }
}

pub(crate) fn tag_fences(text: &str) -> String {
    let mut open = false;
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            let fence = line.trim_start().starts_with("```");
            if !fence {
                return line.to_owned();
            }
            open = !open;
            if open && line.trim() == "```" {
                line.replacen("```", "```text", 1)
            } else {
                line.to_owned()
            }
        })
        .collect();
    lines.join("\n")
}

/// Rule `DEFAULT_AS_DOCUMENTATION`: a property's `default` is said in its
/// docs, not typed. typify types an optional member with a default as the
/// plain `T` (the default filled in when it is absent), and without one as
/// `Option<T>`, so a spec update that adds or drops a default (the 2026 spec
/// added one to `Group.withDefaultAlertsSettings`) would change the member's
/// type where the API did not change. And the default is what Atlas assumes
/// when a request leaves the member out, not what an answer that leaves it
/// out means: there, absent is unknown. So an optional member is an
/// `Option`, with or without a default; a request that leaves it out gets
/// Atlas's default, as the docs say.
pub(crate) fn default_as_documentation(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(properties)) = map.get_mut("properties") {
                for property in properties.values_mut().filter_map(|p| p.as_object_mut()) {
                    if property.contains_key("$ref") {
                        continue;
                    }
                    let Some(default) = property.remove("default") else {
                        continue;
                    };
                    let note =
                        format!("Atlas's default when a request leaves it out: `{default}`.");
                    let text = match property.get("description").and_then(|d| d.as_str()) {
                        Some(text) => format!("{text}\n\n{note}"),
                        None => note,
                    };
                    property.insert("description".to_owned(), text.into());
                }
            }
            map.values_mut().for_each(default_as_documentation);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(default_as_documentation),
        _ => {}
    }
}
