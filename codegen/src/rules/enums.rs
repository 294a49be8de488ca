//! Rules on enums and secrets, and the walk over the schemas they share.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaData, SchemaKind, Type};

use super::answers;
use crate::paths::SPEC_PATH;

/// The component schema that secret properties point at (replaced).
pub(crate) const SECRET_SCHEMA: &str = "SecretString";
/// Suffix of the schema each enum's uses point at (replaced by `Open<Enum>`).
pub(crate) const OPEN_SUFFIX: &str = "Open";
/// Property names (lower-cased suffixes) whose strings are secrets.
pub(crate) const SECRET_NAMES: &[&str] = &["password", "secret", "token"];

/// Visits one schema slot: the slot, the name typify gives an inline type
/// there, and the property name (if the slot is a property) with whether it
/// is required.
pub(crate) type SlotVisitor<'a> =
    dyn FnMut(&mut ReferenceOr<Box<Schema>>, &str, Option<(&str, bool)>) -> Result<(), String> + 'a;

/// A mutable walk over the schemas inside a component schema: object
/// properties, array items and the parts of `allOf`/`oneOf`/`anyOf`. The
/// visitor gets the slot, the name typify gives an inline type there, and
/// the property name (if the slot is a property) with whether it is
/// required.
pub(crate) fn walk_schema(
    schema: &mut Schema,
    type_name: &str,
    visit: &mut SlotVisitor<'_>,
) -> Result<(), String> {
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            walk_properties(
                object.properties.iter_mut(),
                &object.required,
                type_name,
                visit,
            )?;
        }
        SchemaKind::Type(Type::Array(array)) => walk_items(&mut array.items, type_name, visit)?,
        SchemaKind::AllOf { all_of: parts }
        | SchemaKind::OneOf { one_of: parts }
        | SchemaKind::AnyOf { any_of: parts } => walk_parts(parts, type_name, visit)?,
        // A schema with keywords of several kinds (`type: object` beside
        // `allOf`, as a subtype of a polymorphic base is written): typify
        // reads each, and so does the walk.
        SchemaKind::Any(any) => {
            walk_properties(any.properties.iter_mut(), &any.required, type_name, visit)?;
            walk_items(&mut any.items, type_name, visit)?;
            walk_parts(&mut any.all_of, type_name, visit)?;
            walk_parts(&mut any.one_of, type_name, visit)?;
            walk_parts(&mut any.any_of, type_name, visit)?;
        }
        _ => {}
    }
    Ok(())
}

/// Each property, as typify names its inline type (`<Type><Property>`).
fn walk_properties<'s>(
    properties: impl Iterator<Item = (&'s String, &'s mut ReferenceOr<Box<Schema>>)>,
    required: &[String],
    type_name: &str,
    visit: &mut SlotVisitor<'_>,
) -> Result<(), String> {
    for (name, property) in properties {
        let inner = format!("{type_name}{}", name.to_upper_camel_case());
        visit(property, &inner, Some((name, required.contains(name))))?;
        if let ReferenceOr::Item(property) = property {
            walk_schema(property, &inner, visit)?;
        }
    }
    Ok(())
}

/// An array's items (`<Type>Item`).
fn walk_items(
    items: &mut Option<ReferenceOr<Box<Schema>>>,
    type_name: &str,
    visit: &mut SlotVisitor<'_>,
) -> Result<(), String> {
    if let Some(items) = items {
        let inner = format!("{type_name}Item");
        visit(items, &inner, None)?;
        if let ReferenceOr::Item(items) = items {
            walk_schema(items, &inner, visit)?;
        }
    }
    Ok(())
}

/// The parts of a composition, each under the composed type's name.
fn walk_parts(
    parts: &mut [ReferenceOr<Schema>],
    type_name: &str,
    visit: &mut SlotVisitor<'_>,
) -> Result<(), String> {
    for part in parts.iter_mut() {
        if let ReferenceOr::Item(part) = part {
            walk_schema(part, type_name, visit)?;
        }
    }
    Ok(())
}

pub(crate) fn walk_component_schemas(
    spec: &mut OpenAPI,
    visit: &mut SlotVisitor<'_>,
) -> Result<(), String> {
    let Some(components) = &mut spec.components else {
        return Ok(());
    };
    for (name, schema) in components.schemas.iter_mut() {
        if let ReferenceOr::Item(schema) = schema {
            walk_schema(schema, &name.to_upper_camel_case(), visit)?;
        }
    }
    Ok(())
}

pub(crate) fn is_string_enum(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty())
}

/// `{description, allOf: [$ref]}`: a use of a named schema that keeps the
/// use's description (typify documents the field with it).
///
/// `nullable` is kept where `null` must still decode: a required property or
/// an array item (an optional property decodes `null` as `None` anyway).
pub(crate) fn reference_keeping_docs(
    target: &str,
    data: &SchemaData,
    property: Option<(&str, bool)>,
) -> ReferenceOr<Box<Schema>> {
    let optional = matches!(property, Some((_, false)));
    ReferenceOr::Item(Box::new(Schema {
        schema_data: SchemaData {
            description: data.description.clone(),
            read_only: data.read_only,
            write_only: data.write_only,
            nullable: data.nullable && !optional,
            ..Default::default()
        },
        schema_kind: SchemaKind::AllOf {
            all_of: vec![ReferenceOr::ref_(&format!("#/components/schemas/{target}"))],
        },
    }))
}

/// Rule `OPEN_STRING_ENUM`. Returns the names of the enums (each also has a schema
/// `<Name>Open` that the caller replaces by `Open<Name>`).
pub(crate) fn open_string_enums(spec: &mut OpenAPI) -> Result<Vec<String>, String> {
    let components = spec.components.get_or_insert_with(Default::default);
    let named: BTreeSet<String> = components
        .schemas
        .iter()
        .filter(|(_, schema)| matches!(schema, ReferenceOr::Item(s) if is_string_enum(s)))
        .map(|(name, _)| name.clone())
        .collect();
    let mut hoisted: Vec<(String, Schema)> = Vec::new();
    walk_component_schemas(spec, &mut |slot, inline_name, property| {
        match slot {
            ReferenceOr::Item(schema)
                if is_string_enum(schema)
                    && !schema
                        .schema_data
                        .extensions
                        .contains_key(answers::variant_tags::VARIANT_TAG) =>
            {
                let use_ = reference_keeping_docs(
                    &format!("{inline_name}{OPEN_SUFFIX}"),
                    &schema.schema_data,
                    property,
                );
                let ReferenceOr::Item(enum_schema) = std::mem::replace(slot, use_) else {
                    unreachable!("matched above")
                };
                let mut enum_schema = *enum_schema;
                enum_schema.schema_data.nullable = false;
                hoisted.push((inline_name.to_owned(), enum_schema));
            }
            ReferenceOr::Reference { reference } => {
                if let Some(name) = reference.strip_prefix("#/components/schemas/")
                    && named.contains(name)
                {
                    *reference = format!("#/components/schemas/{name}{OPEN_SUFFIX}");
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let schemas = &mut spec.components.get_or_insert_with(Default::default).schemas;
    let mut names: Vec<String> = named.into_iter().collect();
    // One name from two places: the same property in two parts of an
    // `allOf` (a polymorphic base's `type` and its subtype's), which typify
    // merges into one type of the values both allow.
    let mut merged: BTreeMap<String, Schema> = BTreeMap::new();
    for (name, schema) in hoisted {
        match merged.get_mut(&name) {
            Some(first) => intersect_string_enums(first, &schema),
            None => {
                merged.insert(name, schema);
            }
        }
    }
    for (name, schema) in merged {
        if schemas.contains_key(&name) {
            return Err(format!(
                "{SPEC_PATH}: the inline enum {name} would replace the schema of that name"
            ));
        }
        schemas.insert(name.clone(), ReferenceOr::Item(schema));
        names.push(name);
    }
    for name in &names {
        let open = format!("{name}{OPEN_SUFFIX}");
        if schemas.contains_key(&open) {
            return Err(format!(
                "{SPEC_PATH}: the schema {open} exists; it is the name given to uses of {name}"
            ));
        }
        let placeholder = Schema {
            schema_data: SchemaData {
                description: Some(format!("{name}, or a value this client does not know.")),
                ..Default::default()
            },
            schema_kind: SchemaKind::AllOf {
                all_of: vec![ReferenceOr::ref_(&format!("#/components/schemas/{name}"))],
            },
        };
        schemas.insert(open, ReferenceOr::Item(placeholder));
    }
    names.sort();
    Ok(names)
}

/// `first` keeps the values that `other` allows too; both lists whole when
/// they share none (the type is open either way).
pub(crate) fn intersect_string_enums(first: &mut Schema, other: &Schema) {
    let (SchemaKind::Type(Type::String(first)), SchemaKind::Type(Type::String(other))) =
        (&mut first.schema_kind, &other.schema_kind)
    else {
        return;
    };
    let common: Vec<Option<String>> = first
        .enumeration
        .iter()
        .filter(|value| other.enumeration.contains(value))
        .cloned()
        .collect();
    if common.is_empty() {
        for value in &other.enumeration {
            if !first.enumeration.contains(value) {
                first.enumeration.push(value.clone());
            }
        }
    } else {
        first.enumeration = common;
    }
}

/// Rule `SECRET_STRING`. Returns how many properties now point at the secret schema.
pub(crate) fn point_secrets_at_one_schema(spec: &mut OpenAPI) -> Result<usize, String> {
    let mut count = 0;
    walk_component_schemas(spec, &mut |slot, _, property| {
        let (Some((name, _)), ReferenceOr::Item(schema)) = (property, &*slot) else {
            return Ok(());
        };
        let lower = name.to_ascii_lowercase();
        let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
            return Ok(());
        };
        let marked = matches!(
            &string.format,
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password)
        );
        let named = SECRET_NAMES.iter().any(|suffix| lower.ends_with(suffix));
        let is_secret = (marked || named) && string.enumeration.is_empty();
        if is_secret {
            *slot = reference_keeping_docs(SECRET_SCHEMA, &schema.schema_data, property);
            count += 1;
        }
        Ok(())
    })?;
    if count > 0 {
        let schemas = &mut spec.components.get_or_insert_with(Default::default).schemas;
        if schemas.contains_key(SECRET_SCHEMA) {
            return Err(format!(
                "{SPEC_PATH}: the schema {SECRET_SCHEMA} exists; it is the name given to secrets"
            ));
        }
        let secret = Schema {
            schema_data: SchemaData {
                description: Some("A secret string, never shown in `Debug`.".to_owned()),
                ..Default::default()
            },
            schema_kind: SchemaKind::Type(Type::String(Default::default())),
        };
        schemas.insert(SECRET_SCHEMA.to_owned(), ReferenceOr::Item(secret));
    }
    Ok(count)
}
