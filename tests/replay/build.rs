//! Generates the client from `openapi.yaml` (every operation of the official
//! spec, cut by `cargo xtask spec --spec tests/replay/openapi.yaml`, the
//! recorded answers' operations pinned at the versions they were first kept
//! with) with the SDK's own generation function, into `OUT_DIR`, where the
//! SDK's `lib.rs` includes it (`cfg(atlas_codegen)`).
//!
//! It also writes, read from the generated builders themselves (each one's
//! fields are its parameters; its `send` says what the answer decodes to),
//! with no operation named by hand:
//! - `calls.rs` for the replay test: one call for each operation that the
//!   recorded answers (`../recorded/*.jsonl.gz`) have, so the test calls it
//!   as a user would, `.send()`. Only those: one `async fn` of 540 arms
//!   takes rustc past 20 GB (BENCHMARKS.md).
//! - `decode.rs` for the tolerance test: for every operation whose success
//!   decodes to a type, a function that reads a body into that type as the
//!   client does.

use atlas_live_migration_codegen as codegen;

use std::collections::BTreeSet;
use std::io::Read;

use quote::quote;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(atlas_codegen)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=openapi.yaml");
    println!("cargo::rerun-if-changed=../recorded");
    let yaml = std::fs::read_to_string("openapi.yaml").expect("the replay cut is readable");
    let code = codegen::generate(&yaml).unwrap_or_else(|error| panic!("{error}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let recorded = recorded_operations(&yaml);
    std::fs::write(out.join("calls.rs"), calls(&code, &recorded)).expect("OUT_DIR is writable");
    std::fs::write(out.join("decode.rs"), decoders(&code)).expect("OUT_DIR is writable");
    let pages = codegen::generate_pages(&yaml, &code).unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(out.join("pages.rs"), pages).expect("OUT_DIR is writable");
    std::fs::write(out.join("generated.rs"), code).expect("OUT_DIR is writable");
    // The SDK's source side, from its transcription as the SDK's build has it.
    let transcription = std::path::Path::new("../..").join(codegen::CLOUD_MANAGER.spec_path);
    println!("cargo::rerun-if-changed={}", transcription.display());
    let yaml = std::fs::read_to_string(&transcription).expect("the transcription is readable");
    let cloud_manager = codegen::generate_document(&codegen::CLOUD_MANAGER, &yaml)
        .unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(out.join("cloud_manager.rs"), cloud_manager).expect("OUT_DIR is writable");
    println!("cargo::rustc-cfg=atlas_codegen");
}

/// `async fn call(client, operation, value, body)`: the operation's builder
/// with every parameter `value` gives (by its Rust name), the body `body`
/// gives, sent; its answer as JSON (`null` for none, a string for bytes).
fn calls(code: &str, recorded: &BTreeSet<String>) -> String {
    let calls = codegen::calls::read(code).unwrap_or_else(|error| panic!("{error}"));
    let calls = calls
        .iter()
        .filter(|call| recorded.contains(&call.method.to_string()));
    let arms = calls.map(|call| {
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

/// The Rust names of the operations the recorded answers belong to (by
/// method and path template, as the cut's kept list has them).
fn recorded_operations(yaml: &str) -> BTreeSet<String> {
    let cut: serde_norway::Value = serde_norway::from_str(yaml).expect("the replay cut is YAML");
    let kept: std::collections::BTreeMap<String, String> = cut["x-kept-operations"]
        .as_sequence()
        .expect("the cut has its kept list")
        .iter()
        .map(|entry| {
            let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
            (text("operation"), text("rust-name"))
        })
        .collect();
    let mut names = BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir("../recorded")
        .expect("the recorded answers are in tests/recorded")
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    for path in files {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("a corpus file opens"))
            .read_to_string(&mut text)
            .expect("the corpus is gzip'd UTF-8");
        for line in text.lines() {
            let answer: serde_json::Value =
                serde_json::from_str(line).expect("one JSON answer a line");
            let operation = format!(
                "{} {}",
                answer["method"].as_str().unwrap_or_default(),
                answer["template"].as_str().unwrap_or_default()
            );
            if let Some(name) = kept.get(&operation) {
                names.insert(name.clone());
            }
        }
    }
    names
}

/// `const BYTES: &[&str]`, the operations answered as bytes, and
/// `const DECODERS: &[(&str, fn(&[u8]) -> Result<Value, String>)]`: for
/// every operation whose success decodes to a type, by its Rust name, a
/// function that reads a JSON success body into that type as the client
/// does (the runtime's pass first, then serde_json) and gives the value it
/// decoded, written again as JSON.
fn decoders(code: &str) -> String {
    let calls = codegen::calls::read(code).unwrap_or_else(|error| panic!("{error}"));
    let entries = calls.iter().filter_map(|call| {
        let ty = call.answer_type.as_ref()?;
        let name = call.method.to_string();
        Some(quote! {
            (#name, |body: &[u8]| {
                let body = atlas_live_migration_replay::__success_body(
                    #name,
                    bytes::Bytes::copy_from_slice(body),
                );
                serde_json::from_slice::<#ty>(&body)
                    .map(|value| serde_json::to_value(value).expect("a decoded answer serializes"))
                    .map_err(|e| e.to_string())
            }),
        })
    });
    let bytes = calls
        .iter()
        .filter(|call| call.answer == codegen::calls::Answer::Bytes)
        .map(|call| call.method.to_string());
    let tokens = quote! {
        /// The operations whose success the client hands over as bytes (a
        /// download, or answers of mixed kinds: `MIXED_SUCCESS_AS_BYTES`).
        const BYTES: &[&str] = &[#(#bytes),*];
        /// Every operation whose success decodes to a type, by its Rust
        /// name, with the decode the client runs on its JSON success body.
        #[allow(clippy::all)]
        const DECODERS: &[(&str, fn(&[u8]) -> Result<serde_json::Value, String>)] = {
            use atlas_live_migration_replay::types;
            &[#(#entries)*]
        };
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("the decoders parse"))
}
