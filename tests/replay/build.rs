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
    let calls = codegen::calls::read(code).unwrap_or_else(|error| panic!("{error}"));
    let arms = calls.iter().map(|call| {
        let (method, fields) = (&call.method, &call.fields);
        let name = method.to_string();
        let setters = fields.iter().map(|(field, ty)| {
            let field_name = field.to_string();
            if field_name == "body" {
                let body = codegen::calls::body_type(ty).expect("a body field is a Result");
                return quote! {
                    let body: #body = serde_json::from_value(body()?)
                        .map_err(|e| Failure::Harness(format!("the body built from the spec is no {}: {e}", stringify!(#body))))?;
                    let request = request.body(body);
                };
            }
            let inner = codegen::calls::value_type(ty).expect("a builder field is a Result");
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
        let answer = if call.answer == codegen::calls::Answer::Bytes {
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
