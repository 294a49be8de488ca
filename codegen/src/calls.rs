//! The calls the generated client offers, read from the generated code
//! itself: each `Client` method, its builder's fields (the parameters, and
//! `body`) with their types, and what its `send` answers. What is generated
//! on top of the client (the CLI's `api` commands, the replay test's
//! dispatch) calls the builders as a user does, with no operation named by
//! hand.

use std::collections::BTreeMap;

use quote::quote;

/// One operation of the generated client.
pub struct Call {
    /// The `Client` method (the operation's Rust name).
    pub method: syn::Ident,
    /// Its builder (`builder::<Name>`).
    pub builder: syn::Ident,
    /// The builder's fields but `client`: the setter and the field's type
    /// (`Result<T, String>` or `Result<Option<T>, String>`).
    pub fields: Vec<(syn::Ident, syn::Type)>,
    /// What `send` answers.
    pub answer: Answer,
    /// The type a decoded answer has (`T` of `ResponseValue<T>`), for
    /// [`Answer::Value`].
    pub answer_type: Option<syn::Type>,
}

/// What a call's `send` answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A decoded type.
    Value,
    /// Bytes (`ByteStream`: a download, or success answers of mixed kinds).
    Bytes,
    /// Nothing (`()`).
    Empty,
}

/// The calls of the generated client `code`, in its order.
pub fn read(code: &str) -> Result<Vec<Call>, String> {
    let file =
        syn::parse_file(code).map_err(|e| format!("the generated code does not parse: {e}"))?;
    let mut builders = std::collections::BTreeMap::new();
    let mut methods = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Mod(module) if module.ident == "builder" => {
                let Some((_, items)) = &module.content else {
                    continue;
                };
                for item in items {
                    match item {
                        syn::Item::Struct(builder) => {
                            builders
                                .entry(builder.ident.to_string())
                                .or_insert((Vec::new(), Answer::Value, None))
                                .0 = builder_fields(builder);
                        }
                        syn::Item::Impl(block) => {
                            let syn::Type::Path(path) = &*block.self_ty else {
                                continue;
                            };
                            let Some(name) = path.path.segments.last() else {
                                continue;
                            };
                            for item in &block.items {
                                if let syn::ImplItem::Fn(f) = item
                                    && f.sig.ident == "send"
                                {
                                    let output = &f.sig.output;
                                    let output = quote!(#output).to_string().replace(' ', "");
                                    let answer = if output.contains("ByteStream") {
                                        Answer::Bytes
                                    } else if output.contains("ResponseValue<()>") {
                                        Answer::Empty
                                    } else {
                                        Answer::Value
                                    };
                                    let entry = builders.entry(name.ident.to_string()).or_insert((
                                        Vec::new(),
                                        Answer::Value,
                                        None,
                                    ));
                                    entry.1 = answer;
                                    entry.2 = answer_type(output_type(&f.sig.output));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            syn::Item::Impl(block) if block.trait_.is_none() => {
                let syn::Type::Path(path) = &*block.self_ty else {
                    continue;
                };
                if path
                    .path
                    .segments
                    .last()
                    .is_none_or(|s| s.ident != "Client")
                {
                    continue;
                }
                for item in &block.items {
                    let syn::ImplItem::Fn(f) = item else { continue };
                    let syn::ReturnType::Type(_, output) = &f.sig.output else {
                        continue;
                    };
                    let syn::Type::Path(output) = &**output else {
                        continue;
                    };
                    let segments: Vec<String> = output
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect();
                    if segments.len() == 2 && segments[0] == "builder" {
                        methods.push((f.sig.ident.clone(), segments[1].clone()));
                    }
                }
            }
            _ => {}
        }
    }
    methods
        .into_iter()
        .map(|(method, builder)| {
            let (fields, answer, answer_type) = builders.remove(&builder).ok_or_else(|| {
                format!("the generated client has no builder {builder} for {method}")
            })?;
            Ok(Call {
                method,
                builder: syn::Ident::new(&builder, proc_macro2::Span::call_site()),
                fields,
                answer,
                answer_type: answer_type.filter(|_| answer == Answer::Value),
            })
        })
        .collect()
}

/// The structs of the generated `types` module, by name: their fields and
/// the fields' types (as written inside the module: [`qualify`] makes them
/// paths from the crate's root).
pub fn type_fields(code: &str) -> Result<BTreeMap<String, Vec<(syn::Ident, syn::Type)>>, String> {
    let file =
        syn::parse_file(code).map_err(|e| format!("the generated code does not parse: {e}"))?;
    let mut structs = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let (true, Some((_, items))) = (module.ident == "types", &module.content) else {
            continue;
        };
        for item in items {
            match item {
                syn::Item::Struct(ty) => {
                    let fields = ty
                        .fields
                        .iter()
                        .filter_map(|f| Some((f.ident.clone()?, f.ty.clone())))
                        .collect();
                    structs.insert(ty.ident.to_string(), fields);
                }
                // Other named types, without fields: for `qualify`.
                syn::Item::Enum(ty) => {
                    structs.entry(ty.ident.to_string()).or_default();
                }
                syn::Item::Type(ty) => {
                    structs.entry(ty.ident.to_string()).or_default();
                }
                _ => {}
            }
        }
    }
    Ok(structs)
}

/// `ty`, written inside the generated `types` module, as a path from the
/// crate's root: each of that module's `types` (by name) becomes
/// `types::Name`.
pub fn qualify<V>(mut ty: syn::Type, types: &BTreeMap<String, V>) -> syn::Type {
    struct Qualify<'a, V>(&'a BTreeMap<String, V>);
    impl<V> syn::visit_mut::VisitMut for Qualify<'_, V> {
        fn visit_type_path_mut(&mut self, ty: &mut syn::TypePath) {
            syn::visit_mut::visit_type_path_mut(self, ty);
            let path = &mut ty.path;
            if ty.qself.is_none()
                && path.leading_colon.is_none()
                && path.segments.len() == 1
                && self.0.contains_key(&path.segments[0].ident.to_string())
            {
                path.segments.insert(0, syn::parse_quote!(types));
            }
        }
    }
    syn::visit_mut::VisitMut::visit_type_mut(&mut Qualify(types), &mut ty);
    ty
}

fn builder_fields(builder: &syn::ItemStruct) -> Vec<(syn::Ident, syn::Type)> {
    builder
        .fields
        .iter()
        .filter_map(|f| Some((f.ident.clone()?, f.ty.clone())))
        .filter(|(name, _)| name != "client")
        .collect()
}

/// The type after `->`, if any.
fn output_type(output: &syn::ReturnType) -> Option<&syn::Type> {
    match output {
        syn::ReturnType::Type(_, ty) => Some(ty),
        syn::ReturnType::Default => None,
    }
}

/// `Result<ResponseValue<T>, …>` -> `T`.
fn answer_type(output: Option<&syn::Type>) -> Option<syn::Type> {
    let value = first_argument_of(output?, "Result")?;
    first_argument_of(&value, "ResponseValue")
}

/// `Result<T, String>` -> `T`, `Result<Option<T>, String>` -> `T`.
pub fn value_type(ty: &syn::Type) -> Option<syn::Type> {
    let inner = first_argument_of(ty, "Result")?;
    Some(first_argument_of(&inner, "Option").unwrap_or(inner))
}

/// `Result<types::builder::T, String>` -> `types::T`.
pub fn body_type(ty: &syn::Type) -> Option<syn::Type> {
    let inner = first_argument_of(ty, "Result")?;
    let text = quote!(#inner).to_string().replace("builder ::", "");
    syn::parse_str(&text).ok()
}

/// `Wrapper<T, …>` -> `T`, for the type whose last path segment is `wrapper`.
pub fn first_argument_of(ty: &syn::Type, wrapper: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}
