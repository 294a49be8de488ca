//! Generates the client from `openapi.yaml` (every operation of the recorded
//! answers, cut by `cargo xtask spec --spec tests/replay/openapi.yaml`) with
//! the SDK's own generation function, into `OUT_DIR`, where the SDK's
//! `lib.rs` includes it (`cfg(atlas_codegen)`).
//!
//! It also writes `calls.rs` for the replay test: one call per operation,
//! read from the generated builders themselves (each one's fields are its
//! parameters; its `send` says what the answer decodes to), so the test
//! calls every operation as a user would, `.send()`, with no operation
//! named by hand.

#[path = "../../atlas-live-migration-api/codegen/mod.rs"]
mod codegen;

use quote::quote;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(atlas_codegen)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=openapi.yaml");
    println!("cargo::rerun-if-changed=../../atlas-live-migration-api/codegen");
    let yaml = std::fs::read_to_string("openapi.yaml").expect("the replay cut is readable");
    let code = codegen::generate(&yaml).unwrap_or_else(|error| panic!("{error}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::write(out.join("calls.rs"), calls(&code)).expect("OUT_DIR is writable");
    std::fs::write(out.join("generated.rs"), code).expect("OUT_DIR is writable");
    println!("cargo::rustc-cfg=atlas_codegen");
}

/// `async fn call(client, operation, value, body)`: the operation's builder
/// with every parameter `value` gives (by its Rust name), the body `body`
/// gives, sent; its answer as JSON (`null` for none, a string for bytes).
fn calls(code: &str) -> String {
    let file = syn::parse_file(code).expect("the generated code parses");
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
                                .or_insert((Vec::new(), false))
                                .0 = builder_fields(builder);
                        }
                        syn::Item::Impl(block) => {
                            let syn::Type::Path(path) = &*block.self_ty else {
                                continue;
                            };
                            let name = path.path.segments.last().unwrap().ident.to_string();
                            let bytes = block.items.iter().any(|item| match item {
                                syn::ImplItem::Fn(f) if f.sig.ident == "send" => {
                                    quote!(#f.sig.output).to_string().contains("ByteStream")
                                }
                                _ => false,
                            });
                            builders.entry(name).or_insert((Vec::new(), false)).1 = bytes;
                        }
                        _ => {}
                    }
                }
            }
            syn::Item::Impl(block) if block.trait_.is_none() => {
                let syn::Type::Path(path) = &*block.self_ty else {
                    continue;
                };
                if path.path.segments.last().unwrap().ident != "Client" {
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
    let arms = methods.iter().map(|(method, builder)| {
        let (fields, bytes) = &builders[builder];
        let name = method.to_string();
        let setters = fields.iter().map(|(field, ty)| {
            let field_name = field.to_string();
            if field_name == "body" {
                let body = body_type(ty);
                return quote! {
                    let body: #body = serde_json::from_value(body()?)
                        .map_err(|e| Failure::Harness(format!("the body built from the spec is no {}: {e}", stringify!(#body))))?;
                    let request = request.body(body);
                };
            }
            let inner = value_type(ty);
            quote! {
                let request = match value(#field_name) {
                    Some(text) => {
                        let parsed: #inner = serde_json::from_str(&text)
                            .or_else(|_| serde_json::from_value(serde_json::Value::String(text.clone())))
                            .map_err(|e| Failure::Harness(format!("{} {text:?}: {e}", #field_name)))?;
                        request.#field(parsed)
                    }
                    None => request,
                };
            }
        });
        let answer = if *bytes {
            quote!(Ok(serde_json::Value::String("(bytes)".to_owned())))
        } else {
            quote!(Ok(serde_json::to_value(answer.into_inner()).expect("a decoded answer serializes")))
        };
        quote! {
            #name => Some(async {
                let request = client.#method();
                #(#setters)*
                let answer = request.send().await.map_err(|e| Failure::Call(e.into()))?;
                #answer
            }.await),
        }
    });
    let tokens = quote! {
        /// Calls `operation` (its Rust name); `None` if the client has no
        /// such operation.
        #[allow(unused_variables, clippy::all)]
        async fn call(
            client: &atlas_live_migration_replay::Client,
            operation: &str,
            value: &dyn Fn(&str) -> Option<String>,
            body: &dyn Fn() -> Result<serde_json::Value, Failure>,
        ) -> Option<Result<serde_json::Value, Failure>> {
            use atlas_live_migration_replay::types;
            match operation {
                #(#arms)*
                _ => None,
            }
        }
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("the calls parse"))
}

fn builder_fields(builder: &syn::ItemStruct) -> Vec<(syn::Ident, syn::Type)> {
    builder
        .fields
        .iter()
        .filter_map(|f| Some((f.ident.clone()?, f.ty.clone())))
        .filter(|(name, _)| name != "client")
        .collect()
}

/// `Result<T, String>` -> `T`, `Result<Option<T>, String>` -> `T`.
fn value_type(ty: &syn::Type) -> syn::Type {
    let inner = first_argument(ty).expect("a builder field is a Result");
    first_argument_of(&inner, "Option").unwrap_or(inner)
}

/// `Result<types::builder::T, String>` -> `types::T`.
fn body_type(ty: &syn::Type) -> syn::Type {
    let inner = first_argument(ty).expect("a body field is a Result");
    let text = quote!(#inner).to_string().replace("builder ::", "");
    syn::parse_str(&text).expect("the body type")
}

fn first_argument(ty: &syn::Type) -> Option<syn::Type> {
    first_argument_of(ty, "Result")
}

fn first_argument_of(ty: &syn::Type, wrapper: &str) -> Option<syn::Type> {
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
