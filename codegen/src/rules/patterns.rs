//! Rules on patterns: the ones the generated types cannot check as the
//! spec means them, and the table of the ones they do.

use heck::ToUpperCamelCase;
use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};

use crate::openapi::operations_mut;

/// Named string schemas with a pattern (typify's checked newtypes): (type, pattern).
pub(crate) fn pattern_types(spec: &OpenAPI) -> Vec<(String, String)> {
    let Some(components) = &spec.components else {
        return Vec::new();
    };
    components
        .schemas
        .iter()
        .filter_map(|(name, schema)| match schema {
            ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Type(Type::String(string)),
                ..
            }) => Some((name.to_upper_camel_case(), string.pattern.clone()?)),
            _ => None,
        })
        .collect()
}

/// Patterns the generated types do not check, (where, pattern): those that
/// match every string, and those whose meaning typify would change.
#[derive(Default)]
pub(crate) struct UncheckedPatterns {
    pub(crate) every_string: Vec<(String, String)>,
    pub(crate) unicode: Vec<(String, String)>,
    pub(crate) escaped_twice: Vec<(String, String)>,
}

/// Rules `PATTERN_ACCEPTING_EVERY_STRING_UNCHECKED` and `UNICODE_PATTERN_UNCHECKED`:
/// removes each string `pattern` that checks nothing
/// ([`accepts_every_string`]), that typify would check with another
/// meaning than the spec's ([`needs_unicode_semantics`]) or that no value
/// matches ([`escapes_twice`]), from every schema
/// of the document (components, parameters, bodies and responses, and the
/// schemas inside them), noting it in the schema's description.
pub(crate) fn drop_unchecked_patterns(spec: &mut OpenAPI) -> UncheckedPatterns {
    let mut dropped = UncheckedPatterns::default();
    for_each_inline_schema(spec, &mut |schema, at| {
        let SchemaKind::Type(Type::String(string)) = &mut schema.schema_kind else {
            return;
        };
        let Some(pattern) = &string.pattern else {
            return;
        };
        let (note, list) = if accepts_every_string(pattern) {
            ("matches every string", &mut dropped.every_string)
        } else if needs_unicode_semantics(pattern) {
            (
                "needs the Unicode semantics of JSON Schema patterns, which the generated \
                 check would not have",
                &mut dropped.unicode,
            )
        } else if escapes_twice(pattern) {
            (
                "asks for a literal backslash where the spec meant an escape (`\\\\d` for \
                 `\\d`), which no value has",
                &mut dropped.escaped_twice,
            )
        } else {
            return;
        };
        let pattern = string.pattern.take().expect("matched above");
        let note =
            format!("The spec's pattern `{pattern}` {note}, so values are not checked against it.");
        let description = schema.schema_data.description.get_or_insert_default();
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&note);
        list.push((at.to_owned(), pattern));
    });
    dropped
}

/// Whether typify's check of `pattern` could mean something else than the
/// spec. JSON Schema patterns are ECMA-262 regular expressions with Unicode
/// semantics; typify compiles them with `regress::Regex::new`, without the
/// `u` flag, and unwraps the result at run time. So a pattern is checked only
/// when it compiles both ways and uses nothing whose meaning the flag
/// changes: property escapes (`\p{L}` would be the letters `p{L}`),
/// code-point escapes (`\u{…}`) and characters beyond the BMP.
/// Rule `PATTERN_ESCAPED_TWICE_UNCHECKED`: whether, outside a character
/// class, an escaped backslash (`\\`) stands before a letter of a regex
/// escape or a metacharacter (`\\d`, `\\s`, `\\+`, `\\.`): the spec's
/// text escaped the pattern once more than its regex wants, so the pattern
/// asks for a literal backslash that no ID, name, date or phone number has,
/// and would refuse every real value.
pub(crate) fn escapes_twice(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped_backslash = chars.next() == Some('\\');
                let before_escape = chars
                    .peek()
                    .is_some_and(|next| "dDsSwWbB.+*?()[]{}|".contains(*next));
                if escaped_backslash && !in_class && before_escape {
                    return true;
                }
            }
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
    }
    false
}

pub(crate) fn needs_unicode_semantics(pattern: &str) -> bool {
    if regress::Regex::new(pattern).is_err()
        || regress::Regex::with_flags(pattern, "u").is_err()
        || pattern.chars().any(|c| u32::from(c) > 0xFFFF)
    {
        return true;
    }
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('p' | 'P') => return true,
                Some('u') if chars.peek() == Some(&'{') => return true,
                _ => {}
            }
        }
    }
    false
}

/// Visits every schema written in place (not a `$ref`) in the document,
/// with a name for where it is (inside a component schema, the name typify
/// gives an inline type there): component schemas, parameters, request
/// bodies and responses, and the schemas nested in each.
pub(crate) fn for_each_inline_schema(spec: &mut OpenAPI, visit: &mut dyn FnMut(&mut Schema, &str)) {
    fn nested(schema: &mut Schema, at: &str, visit: &mut dyn FnMut(&mut Schema, &str)) {
        visit(schema, at);
        let mut parts: Vec<(String, &mut ReferenceOr<Box<Schema>>)> = Vec::new();
        match &mut schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                for (name, property) in object.properties.iter_mut() {
                    let at = format!("{}{}", at.to_upper_camel_case(), name.to_upper_camel_case());
                    parts.push((at, property));
                }
                if let Some(openapiv3::AdditionalProperties::Schema(extra)) =
                    &mut object.additional_properties
                {
                    // A `Box<ReferenceOr<Schema>>`: visited directly.
                    if let ReferenceOr::Item(extra) = extra.as_mut() {
                        nested(extra, &format!("{at}.*"), visit);
                    }
                }
            }
            SchemaKind::Type(Type::Array(array)) => {
                if let Some(items) = &mut array.items {
                    parts.push((format!("{}Item", at.to_upper_camel_case()), items));
                }
            }
            SchemaKind::AllOf { all_of: list }
            | SchemaKind::OneOf { one_of: list }
            | SchemaKind::AnyOf { any_of: list } => {
                for (index, part) in list.iter_mut().enumerate() {
                    if let ReferenceOr::Item(part) = part {
                        nested(part, &format!("{at}/{index}"), visit);
                    }
                }
            }
            SchemaKind::Not { not } => {
                if let ReferenceOr::Item(not) = not.as_mut() {
                    nested(not, &format!("{at}!"), visit);
                }
            }
            _ => {}
        }
        for (at, part) in parts {
            if let ReferenceOr::Item(part) = part {
                nested(part, &at, visit);
            }
        }
    }
    fn parameter(parameter: &mut Parameter, at: &str, visit: &mut dyn FnMut(&mut Schema, &str)) {
        let (Parameter::Query {
            parameter_data: data,
            ..
        }
        | Parameter::Header {
            parameter_data: data,
            ..
        }
        | Parameter::Path {
            parameter_data: data,
            ..
        }
        | Parameter::Cookie {
            parameter_data: data,
            ..
        }) = parameter;
        let at = format!("{at} {}", data.name);
        if let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &mut data.format {
            nested(schema, &at, visit);
        }
    }
    fn content(
        content: &mut openapiv3::Content,
        at: &str,
        visit: &mut dyn FnMut(&mut Schema, &str),
    ) {
        for media in content.values_mut() {
            if let Some(ReferenceOr::Item(schema)) = &mut media.schema {
                nested(schema, at, visit);
            }
        }
    }
    fn operation(op: &mut Operation, at: &str, visit: &mut dyn FnMut(&mut Schema, &str)) {
        for p in op.parameters.iter_mut() {
            if let ReferenceOr::Item(p) = p {
                parameter(p, at, visit);
            }
        }
        if let Some(ReferenceOr::Item(body)) = &mut op.request_body {
            content(&mut body.content, &format!("{at} body"), visit);
        }
        for (status, response) in op.responses.responses.iter_mut() {
            if let ReferenceOr::Item(response) = response {
                content(&mut response.content, &format!("{at} {status}"), visit);
            }
        }
    }
    if let Some(components) = &mut spec.components {
        for (name, schema) in components.schemas.iter_mut() {
            if let ReferenceOr::Item(schema) = schema {
                nested(schema, name, visit);
            }
        }
        for (name, p) in components.parameters.iter_mut() {
            if let ReferenceOr::Item(p) = p {
                parameter(p, &format!("parameters/{name}"), visit);
            }
        }
        for (name, body) in components.request_bodies.iter_mut() {
            if let ReferenceOr::Item(body) = body {
                content(&mut body.content, &format!("requestBodies/{name}"), visit);
            }
        }
        for (name, response) in components.responses.iter_mut() {
            if let ReferenceOr::Item(response) = response {
                content(&mut response.content, &format!("responses/{name}"), visit);
            }
        }
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for p in item.parameters.iter_mut() {
            if let ReferenceOr::Item(p) = p {
                parameter(p, path, visit);
            }
        }
        for (method, op) in operations_mut(item) {
            if let Some(op) = op {
                operation(op, &format!("{method} {path}"), visit);
            }
        }
    }
}

/// Whether the ECMA-262 `pattern` (JSON Schema's dialect, which `regress`
/// implements) finds a match in every string. Decided from the syntax, and
/// only ever answers `true` when that is certain: some top-level alternative
/// is not anchored at the start and is, before an optional final `$`,
/// either empty or one group made optional by `?` or `*`. Such an
/// alternative matches the empty string at the end of any input.
pub(crate) fn accepts_every_string(pattern: &str) -> bool {
    split_top_level(pattern, '|')
        .into_iter()
        .any(|alternative| {
            if alternative.starts_with('^') {
                return false;
            }
            let body = alternative
                .strip_suffix('$')
                .filter(|body| !ends_in_escape(body))
                .unwrap_or(alternative);
            body.is_empty() || is_one_optional_group(body)
        })
}

/// `text` cut at each `separator` outside groups, classes and escapes.
pub(crate) fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    scan(text, |index, c, depth| {
        if depth == 0 && c == separator {
            parts.push(&text[start..index]);
            start = index + c.len_utf8();
        }
    });
    parts.push(&text[start..]);
    parts
}

/// `(…)?` or `(…)*`, where the group opened first closes just before the
/// quantifier.
pub(crate) fn is_one_optional_group(body: &str) -> bool {
    if !body.starts_with('(') || !(body.ends_with(")?") || body.ends_with(")*")) {
        return false;
    }
    let mut first_group_closes_at = None;
    scan(body, |index, c, depth| {
        if c == ')' && depth == 0 && first_group_closes_at.is_none() {
            first_group_closes_at = Some(index);
        }
    });
    first_group_closes_at == Some(body.len() - 2)
}

/// Calls `visit(index, char, depth)` for each character that is not escaped
/// and not inside a class, with the group depth after a `)` and before a `(`.
pub(crate) fn scan(text: &str, mut visit: impl FnMut(usize, char, usize)) {
    let (mut depth, mut escaped, mut in_class) = (0usize, false, false);
    for (index, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            _ if in_class => {}
            '(' => {
                visit(index, c, depth);
                depth += 1;
            }
            ')' => {
                depth = depth.saturating_sub(1);
                visit(index, c, depth);
            }
            _ => visit(index, c, depth),
        }
    }
}

/// Whether `text` ends in an unpaired backslash (so a `$` after it is literal).
pub(crate) fn ends_in_escape(text: &str) -> bool {
    text.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}
