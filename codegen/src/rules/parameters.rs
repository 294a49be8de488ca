//! The rule on path parameters: one ID type per parameter name.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};

use super::enums::{reference_keeping_docs, walk_component_schemas};
use crate::openapi::operations_mut;
use crate::paths::SPEC_PATH;

/// Rule `PATH_PARAMETER_AS_SHARED_TYPE`: an inline path parameter schema becomes
/// `components/schemas/<ParameterName>`, shared by every path parameter of
/// that name, so each kind of ID is one Rust type. Where parameters of one
/// name check different values (`groupId` as `^([a-f0-9]{24})$` in the
/// spec's shared parameter, used by 396 operations, and `^[a-fA-F0-9]{24}$`
/// written in 8), the shared parameter's check is the type (or, without one,
/// the check most of them make) and typify names each other one after its
/// operation. A property typify would name like the shared type (`Group.id`
/// is also `GroupId`) becomes that type when it checks the same values;
/// where it checks others, or a component schema has the name, the shared
/// type is called `<ParameterName>Parameter` instead.
pub(crate) fn name_path_parameter_schemas(spec: &mut OpenAPI) -> Result<(), String> {
    // The candidates for each type name: the schemas of the shared
    // `components/parameters` of that name, each once for each use, so that
    // the shared check does not depend on which operations are kept; or,
    // for a name with none, every inline path parameter schema.
    let uses = parameter_references(spec);
    let mut seen: BTreeMap<String, Vec<Schema>> = BTreeMap::new();
    if let Some(components) = &spec.components {
        for (key, parameter) in &components.parameters {
            if let ReferenceOr::Item(Parameter::Path { parameter_data, .. }) = parameter
                && let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) =
                    &parameter_data.format
            {
                let count = uses.get(key).copied().unwrap_or(1);
                seen.entry(parameter_data.name.to_upper_camel_case())
                    .or_default()
                    .extend(std::iter::repeat_n(schema.clone(), count));
            }
        }
    }
    let from_components: BTreeSet<String> = seen.keys().cloned().collect();
    let mut inline_seen: BTreeMap<String, Vec<Schema>> = BTreeMap::new();
    for_each_path_parameter(
        spec,
        &mut |parameter_data| {
            if let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) =
                &parameter_data.format
            {
                inline_seen
                    .entry(parameter_data.name.to_upper_camel_case())
                    .or_default()
                    .push(schema.clone());
            }
        },
        false,
    );
    for (name, schemas) in inline_seen {
        if !from_components.contains(&name) {
            seen.insert(name, schemas);
        }
    }
    // The check most parameters of a name make (ties: the first seen).
    let shared: BTreeMap<String, Schema> = seen
        .into_iter()
        .map(|(name, schemas)| {
            let alike = |a: &Schema| schemas.iter().filter(|b| same_check(a, b)).count();
            let most = schemas.iter().map(alike).max().unwrap_or(0);
            let common = schemas
                .iter()
                .find(|s| alike(s) == most)
                .expect("at least one")
                .clone();
            (name, common)
        })
        .collect();

    // The inline types typify would name like a shared type.
    let mut inline: BTreeMap<String, bool> = BTreeMap::new();
    walk_component_schemas(spec, &mut |slot, inline_name, _| {
        if let (Some(parameter), ReferenceOr::Item(property)) = (shared.get(inline_name), &*slot) {
            let same = same_check(property, parameter);
            *inline.entry(inline_name.to_owned()).or_insert(true) &= same;
        }
        Ok(())
    })?;
    let component_names: BTreeSet<String> = spec
        .components
        .as_ref()
        .map(|c| c.schemas.keys().map(|k| k.to_upper_camel_case()).collect())
        .unwrap_or_default();
    let type_names: BTreeMap<String, String> = shared
        .keys()
        .map(|name| {
            let clashes =
                component_names.contains(name) || inline.get(name).is_some_and(|same| !same);
            let type_name = if clashes {
                format!("{name}Parameter")
            } else {
                name.clone()
            };
            (name.clone(), type_name)
        })
        .collect();

    for_each_path_parameter(
        spec,
        &mut |parameter_data| {
            let name = parameter_data.name.to_upper_camel_case();
            let (Some(type_name), Some(common)) = (type_names.get(&name), shared.get(&name)) else {
                return;
            };
            if let ParameterSchemaOrContent::Schema(slot) = &mut parameter_data.format
                && let ReferenceOr::Item(schema) = &*slot
                && same_check(schema, common)
            {
                *slot = ReferenceOr::ref_(&format!("#/components/schemas/{type_name}"));
            }
        },
        true,
    );
    walk_component_schemas(spec, &mut |slot, inline_name, _| {
        if inline.get(inline_name) == Some(&true)
            && type_names.get(inline_name) == Some(&inline_name.to_owned())
            && let ReferenceOr::Item(property) = &*slot
        {
            *slot = reference_keeping_docs(inline_name, &property.schema_data, None);
        }
        Ok(())
    })?;
    let schemas = &mut spec.components.get_or_insert_with(Default::default).schemas;
    for (name, schema) in shared {
        let type_name = &type_names[&name];
        if schemas.contains_key(type_name) {
            return Err(format!(
                "{SPEC_PATH}: the path parameter type {type_name} would replace the schema of \
                 that name"
            ));
        }
        schemas.insert(type_name.clone(), ReferenceOr::Item(schema));
    }
    Ok(())
}

/// Whether two schemas check the same values (their docs may differ).
pub(crate) fn same_check(a: &Schema, b: &Schema) -> bool {
    match (string_check(a), string_check(b)) {
        (Some(a), Some(b)) => a == b,
        (None, None) => a.schema_kind == b.schema_kind,
        _ => false,
    }
}

/// How often each `components/parameters` entry is referred to.
pub(crate) fn parameter_references(spec: &OpenAPI) -> BTreeMap<String, usize> {
    let mut uses = BTreeMap::new();
    let mut count = |parameter: &ReferenceOr<Parameter>| {
        if let ReferenceOr::Reference { reference } = parameter
            && let Some(name) = reference.strip_prefix("#/components/parameters/")
        {
            *uses.entry(name.to_owned()).or_insert(0) += 1;
        }
    };
    for item in spec.paths.paths.values() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        item.parameters.iter().for_each(&mut count);
        for operation in item.iter().map(|(_, operation)| operation) {
            operation.parameters.iter().for_each(&mut count);
        }
    }
    uses
}

/// Visits the data of every path parameter written in place: on path items
/// and on operations, and in `components/parameters` when `components`.
pub(crate) fn for_each_path_parameter(
    spec: &mut OpenAPI,
    visit: &mut dyn FnMut(&mut openapiv3::ParameterData),
    components: bool,
) {
    let mut one = |parameter: &mut ReferenceOr<Parameter>| {
        if let ReferenceOr::Item(Parameter::Path { parameter_data, .. }) = parameter {
            visit(parameter_data);
        }
    };
    if components && let Some(components) = &mut spec.components {
        components.parameters.values_mut().for_each(&mut one);
    }
    for item in spec.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        item.parameters.iter_mut().for_each(&mut one);
        for (_, operation) in operations_mut(item) {
            if let Some(operation) = operation {
                operation.parameters.iter_mut().for_each(&mut one);
            }
        }
    }
}

/// What a string schema checks (its pattern, lengths and values); `None`
/// for other schemas.
pub(crate) fn string_check(schema: &Schema) -> Option<openapiv3::StringType> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => Some(openapiv3::StringType {
            format: Default::default(),
            ..string.clone()
        }),
        _ => None,
    }
}
