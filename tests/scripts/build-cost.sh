#!/usr/bin/env bash
# Build cost of depending on atlas-live-migration-api, side by side with the
# plainest reqwest app: clean builds of tiny binaries, each in its own empty
# target directory (the registry cache is shared, so this measures
# compilation, not downloads), one after the other in one run:
#
#   reqwest   reqwest with its default features (TLS: rustls on aws-lc-rs),
#             serde_json and tokio: a plain HTTP+JSON app, the baseline
#   snapshot  atlas-live-migration-api with its default features: the
#             committed generated code, rustls on ring, no progenitor
#   codegen   atlas-live-migration-api with `features = ["codegen"]`
#             (generation at build time, as in the workspace)
#
# Then the workspace's CLI and typed mock crate, clean, for their own figures.
#
# Prints one line per variant: seconds, and the ratio to the baseline.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

baseline_ms=0
for variant in reqwest snapshot codegen; do
  dir="$work/$variant"
  mkdir -p "$dir/src"
  case "$variant" in
    reqwest)
      deps='reqwest = { version = "0.13.5", features = ["json"] }
serde_json = "1"
tokio = { version = "1", features = ["rt", "macros"] }'
      main='#[tokio::main(flavor = "current_thread")] async fn main() { let _ = reqwest::Client::new().get("https://cloud.mongodb.com").send().await.map(|r| r.status()); let _ = serde_json::json!({}); }'
      ;;
    snapshot)
      deps="atlas-live-migration-api = { path = \"$root/atlas-live-migration-api\" }"
      main='fn main() { let _ = atlas_live_migration_api::Client::builder(); }'
      cp "$root/Cargo.lock" "$dir/Cargo.lock"
      ;;
    codegen)
      deps="atlas-live-migration-api = { path = \"$root/atlas-live-migration-api\", features = [\"codegen\"] }"
      main='fn main() { let _ = atlas_live_migration_api::Client::builder(); }'
      cp "$root/Cargo.lock" "$dir/Cargo.lock"
      ;;
  esac
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tiny-dependent-$variant"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$deps

[workspace]
TOML
  echo "$main" > "$dir/src/main.rs"
  # Resolve (and fetch) first, so that only compilation is timed.
  cargo fetch --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1
  start=$(date +%s%N)
  CARGO_TARGET_DIR="$dir/target" cargo build --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  [ "$variant" = reqwest ] && baseline_ms=$ms
  ratio=$(awk -v a="$ms" -v b="$baseline_ms" 'BEGIN { printf "%.2f", a / b }')
  printf '%-9s %d.%d s   ratio %s\n' "$variant" $((ms / 1000)) $((ms % 1000 / 100)) "$ratio"
done

# The workspace's own tools, clean, in the same run: the command-line tool
# (with its generated `api` commands) and the typed mock crate. A dependent
# of the SDK compiles neither.
for package in atlas-live-migration-cli atlas-live-migration-httpmock; do
  start=$(date +%s%N)
  CARGO_TARGET_DIR="$work/$package" cargo build --quiet --locked --manifest-path "$root/Cargo.toml" -p "$package" >/dev/null 2>&1
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  ratio=$(awk -v a="$ms" -v b="$baseline_ms" 'BEGIN { printf "%.2f", a / b }')
  printf '%-9s %d.%d s   ratio %s   (%s, clean)\n' "${package#atlas-live-migration-}" $((ms / 1000)) $((ms % 1000 / 100)) "$ratio" "$package"
done
