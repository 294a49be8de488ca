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
