//! Generates the client from `../openapi/` into `OUT_DIR` (feature `codegen`),
//! and beside it what makes its paginated operations page.
//! Without the feature, or in a packaged crate where `../openapi` does not
//! exist, `src/lib.rs` includes the committed snapshot instead.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(atlas_codegen)");
    println!("cargo::rerun-if-changed=build.rs");
    #[cfg(feature = "codegen")]
    generate();
}

#[cfg(feature = "codegen")]
use atlas_live_migration_codegen as codegen;

#[cfg(feature = "codegen")]
fn generate() {
    let spec = std::path::Path::new("..").join(codegen::SPEC_PATH);
    if !spec.exists() {
        return; // a packaged crate: the snapshot is its generated code
    }
    println!("cargo::rerun-if-changed={}", spec.display());
    let yaml = std::fs::read_to_string(&spec).expect("the spec is readable");
    let code = codegen::generate(&yaml).unwrap_or_else(|error| panic!("{error}"));
    let pages = codegen::generate_pages(&yaml, &code).unwrap_or_else(|error| panic!("{error}"));
    let transcription = std::path::Path::new("..").join(codegen::CLOUD_MANAGER.spec_path);
    println!("cargo::rerun-if-changed={}", transcription.display());
    let yaml = std::fs::read_to_string(&transcription).expect("the transcription is readable");
    let cloud_manager = codegen::generate_document(&codegen::CLOUD_MANAGER, &yaml)
        .unwrap_or_else(|error| panic!("{error}"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::write(out.join("cloud_manager.rs"), cloud_manager).expect("OUT_DIR is writable");
    std::fs::write(out.join("generated.rs"), code).expect("OUT_DIR is writable");
    std::fs::write(out.join("pages.rs"), pages).expect("OUT_DIR is writable");
    println!("cargo::rustc-cfg=atlas_codegen");
}
