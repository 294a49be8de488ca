#!/usr/bin/env bash
# Build cost of depending on atlas-live-migration-api: a clean build of a tiny
# dependent with `default-features = false` (the committed snapshot) and with
# build-time codegen (progenitor in the build graph). Each build gets its own
# empty target directory; the registry cache is shared, so this measures
# compilation, not downloads. Prints one line per variant, in seconds.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for variant in snapshot codegen; do
  dir="$work/$variant"
  mkdir -p "$dir/src"
  features='default-features = false'
  [ "$variant" = codegen ] && features='default-features = true'
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tiny-dependent-$variant"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
atlas-live-migration-api = { path = "$root/atlas-live-migration-api", $features }

[workspace]
TOML
  echo 'fn main() { let _ = atlas_live_migration_api::Client::builder(); }' > "$dir/src/main.rs"
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
  start=$(date +%s%N)
  CARGO_TARGET_DIR="$dir/target" cargo build --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  printf '%-9s %d.%d s\n' "$variant" $((ms / 1000)) $((ms % 1000 / 100))
done
